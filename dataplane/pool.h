/* pool.h: the mbuf pools: packets, big (linearised reassembly), indirect (output fragments). */
#ifndef SLB_POOL_H
#define SLB_POOL_H

#include <stdio.h>

struct slb_dp;

int slb_pool_init(struct slb_dp *dp);

/* Print "mempool: N of M mbufs free (name)" for each pool, then free them. */
void slb_pool_term(struct slb_dp *dp);

/* Refresh the main pool's gauge in the stats header (slow path). */
void slb_pool_gauge(struct slb_dp *dp);

#endif /* SLB_POOL_H */
