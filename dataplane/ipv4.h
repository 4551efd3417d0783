/* ipv4.h: IPv4 input: checks, our addresses, fragments aside, then ICMP echo or SIP over UDP. */
#ifndef SLB_IPV4_H
#define SLB_IPV4_H

#include <stdint.h>

#include <rte_mbuf.h>

struct slb_worker;

/* A frame with EtherType IPv4 on port pidx (mtod at the Ethernet header). */
void slb_ipv4_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m);

/*
 * A whole datagram for one of our addresses: checked, single segment, not a fragment (mtod at
 * the Ethernet header). Also the way back in for reassembled datagrams.
 */
void slb_ipv4_local(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m);

#endif /* SLB_IPV4_H */
