/* ip_out.h: IPv4 output: route, next hop's MAC (or wait for ARP), Ethernet header, MTU, tx. */
#ifndef SLB_IP_OUT_H
#define SLB_IP_OUT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct slb_worker;

/*
 * Send a datagram to dst (host order). m: Ethernet header space at mtod, a finished IPv4
 * datagram after it. role (enum slb_port_role) picks among ports whose prefix holds dst. When
 * the next hop's MAC is unknown the packet waits in w's pending queue while ARP asks for it.
 */
void slb_ip_send(struct slb_worker *w, struct rte_mbuf *m, uint32_t dst, uint32_t role);

/* Write the Ethernet header toward dmac on port pidx and send, fragmenting beyond the MTU. */
void slb_eth_send(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m,
	const struct rte_ether_addr *dmac);

/* Drain tick: send what has resolved, drop what waited too long, ask ARP again as allowed. */
void slb_pend_service(struct slb_worker *w);

/* Worker exit: free everything still waiting. */
void slb_pend_flush(struct slb_worker *w);

/* Worker 0, drain tick: ARP for what the main lcore asked (aging re-ARPs, new backends). */
void slb_probe_service(struct slb_worker *w);

/* Worker 0, drain tick: send the probes the main lcore built for siplb-control (probe_tx). */
void slb_ctl_probe_service(struct slb_worker *w);

#endif /* SLB_IP_OUT_H */
