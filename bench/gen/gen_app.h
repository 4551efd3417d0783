/* gen_app.h: siplb-gen's DPDK side: its ports, its one polling lcore's state. */
#ifndef SLBG_APP_H
#define SLBG_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "gen_args.h"
#include "gen_call.h"
#include "gen_report.h"

#define SLBG_BURST 32
#define SLBG_TX_BUF 64
#define SLBG_RING 1024

/* One port: which sides of the call it carries and the balancer's end of its link. */
struct slbg_gport {
	uint16_t port_id;
	bool callers;  /* the callers' side leaves and arrives here */
	bool backends; /* the backends' side */
	bool peer_known;
	struct rte_ether_addr mac;
	struct rte_ether_addr peer; /* the balancer's MAC on this link, learnt by ARP */
	uint32_t peer_ip;	    /* the balancer's address on this link */
	uint32_t arp_src;	    /* an address we play here, for our ARP requests */
	uint16_t nb_tx;
	struct rte_mbuf *tx[SLBG_TX_BUF];
};

/* Everything the polling lcore owns; the main lcore only waits for it to finish. */
struct slbg_app {
	struct slbg_args args;
	struct slbg_engine *eng;
	struct slbg_gport port[2];
	uint16_t nb_ports;
	uint8_t side_port[2]; /* the port each side (enum slbg_side) uses */
	struct rte_mempool *pool;
	struct rte_ip_frag_tbl *frag;
	struct rte_ip_frag_death_row dr;
	uint64_t hz;
	uint16_t ip_id;
	struct slbg_run run;
	volatile int done; /* set by the polling lcore when it has finished */
	int exit_code;
	char rx_buf[65536]; /* a reassembled datagram, made contiguous */
};

extern volatile int slbg_quit;

/* Ports: set up and start every ethdev EAL made (1 or 2); stop and close them. */
int slbg_ports_init(struct slbg_app *app);
void slbg_ports_term(struct slbg_app *app);

/* The engine's io.send: frame one datagram (fragments above the MTU) into the port's buffer. */
void slbg_send(void *ctx, enum slbg_side side, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
	uint16_t dport, const char *buf, uint32_t len);

/* One received frame: ARP, or an IPv4/UDP datagram for an address we play. */
void slbg_input(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m, uint64_t tsc);

/* Ask for the balancer's MAC on every port that lacks it. */
void slbg_arp_ask(struct slbg_app *app);

/* One ARP request from every address we play, so that the balancer knows them all. */
void slbg_arp_announce(struct slbg_app *app);

void slbg_tx_flush(struct slbg_app *app, struct slbg_gport *p);

#endif /* SLBG_APP_H */
