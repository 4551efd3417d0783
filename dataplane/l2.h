/* l2.h: Ethernet input and ARP (answer for our addresses, learn, ask). */
#ifndef SLB_L2_H
#define SLB_L2_H

#include <stdint.h>

#include <rte_mbuf.h>

struct slb_worker;

/* One received frame on our port pidx: demultiplex, consume or free (counted). */
void slb_l2_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m);

/* Broadcast an ARP request for target (host order) on port pidx through w's tx buffer. */
void slb_arp_request(struct slb_worker *w, uint16_t pidx, uint32_t target);

#endif /* SLB_L2_H */
