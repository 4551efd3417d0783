/* neigh.h: the neighbour table in the dataplane process: hugepage memory, aging into a ring. */
#ifndef SLB_NEIGH_DP_H
#define SLB_NEIGH_DP_H

#include <stdint.h>

#include <rte_ring.h>

#include "slb_neigh.h"

/* Slow path. */
struct slb_neigh_tbl *slb_neigh_create(uint32_t entries, uint64_t tsc_hz, uint32_t reachable_s,
	uint32_t timeout_s, uint32_t retry_ms, uint32_t incomplete_ms);
void slb_neigh_free(struct slb_neigh_tbl *t);

/* One aging pass (main lcore): re-ARP before expiry (on probe_ring, for worker 0), fail after. */
void slb_neigh_age(struct slb_neigh_tbl *t, uint64_t tsc, struct rte_ring *probe_ring,
	struct slb_neigh_age_result *res);

#endif /* SLB_NEIGH_DP_H */
