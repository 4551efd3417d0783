/* sip_io.h: the handoff between the packet layers and the SIP core (slb_fwd_process). */
#ifndef SLB_SIP_IO_H
#define SLB_SIP_IO_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

struct slb_dp;
struct slb_worker;

/*
 * A checked UDP datagram to our SIP port (mtod at Ethernet, single segment). It joins the
 * worker's SIP burst; slb_sip_flush() decides and sends the burst (slb_fwd_process_burst()).
 */
void slb_sip_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m,
	struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp);

/* Decide and send what slb_sip_input() collected. The worker calls it after each rx burst. */
void slb_sip_flush(struct slb_worker *w);

/*
 * Module init/term (sip_setup.c): the secrets, from the file or new (first of all: the control
 * segment publishes hash_secret), then the forwarding context and the dialog table.
 */
int slb_sip_secrets_init(struct slb_dp *dp);
void slb_sip_secrets_term(struct slb_dp *dp);
int slb_sip_init(struct slb_dp *dp);
void slb_sip_term(struct slb_dp *dp);

/* Short name of an enum slb_fwd_drop, for counters. */
const char *slb_sip_drop_name(unsigned int d);

#endif /* SLB_SIP_IO_H */
