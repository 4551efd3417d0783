/* frag.h: IPv4 fragments: steering to one lcore, reassembly, linearising; output fragmentation. */
#ifndef SLB_FRAG_H
#define SLB_FRAG_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

struct slb_worker;

/*
 * A fragment for one of our addresses (mtod at Ethernet). Every fragment of a datagram must meet
 * in the same lcore's table. RSS is asked to hash fragments on addresses only, but devices differ
 * (and the first fragment carries ports), so the fragment goes to the worker chosen by a hash of
 * (src, dst, id, proto) through that worker's ring when it is not this one.
 */
void slb_frag_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m,
	struct rte_ipv4_hdr *ip);

/* Each iteration: reassemble what other workers steered here; free the death row. */
void slb_frag_service(struct slb_worker *w);

/* Drop reassemblies past their timeout (their mbufs go back to the pool, counted as reasm). */
void slb_frag_expire(struct slb_worker *w);

/* Copy a chain into one mbuf (main pool, or the big one); NULL when it could not (counted). */
struct rte_mbuf *slb_frag_linearize(struct slb_worker *w, struct rte_mbuf *m);

/*
 * m (Ethernet header written at mtod, IPv4 after) is longer than port pidx's MTU: split it and
 * send the fragments. Consumes m.
 */
void slb_frag_output(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m);

/* Per-worker table and ring (slow path), and their release (frees what they hold). */
int slb_frag_worker_init(struct slb_worker *w);
void slb_frag_worker_term(struct slb_worker *w);

#endif /* SLB_FRAG_H */
