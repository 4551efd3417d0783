/* ctl.h: the dataplane's end of the control channel: the segment as a module, requests, events. */
#ifndef SLB_CTL_DP_H
#define SLB_CTL_DP_H

#include <stdint.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "slb_be.h"
#include "slb_ctl.h"
#include "slb_stats.h"

struct slb_dp;

/* Modules: the segment (before the stats, which live in it); the probe ring (after the pool). */
int slb_ctl_init(struct slb_dp *dp);
void slb_ctl_term(struct slb_dp *dp);
int slb_ctl_probe_init(struct slb_dp *dp);
void slb_ctl_probe_term(struct slb_dp *dp);

/* Main lcore: enum slb_ctl_state for control to see (RUNNING as the loop starts, STOPPING). */
void slb_ctl_set_state(struct slb_dp *dp, uint32_t state);

/*
 * Main lcore, every loop iteration: store the heartbeat, then apply up to a few requests from
 * control (backend sets, probes, reloads) and answer them on the rsp ring. Bounded; never waits.
 */
void slb_ctl_service(struct slb_dp *dp);

/* Main lcore: an event on the rsp ring; a full ring loses it (ctl_evt_lost, main slot). */
void slb_ctl_main_emit(struct slb_dp *dp, struct slb_ctl_evt *e);

/* Main lcore, after every swap: publish t as the cur set and tell control (SLB_CTL_EVT_TABLE). */
void slb_ctl_table_applied(struct slb_dp *dp, const struct slb_be_table *t);

/* A worker's event on its own evt ring (r may be NULL: no segment); a full ring loses it. */
static inline void
slb_ctl_worker_emit(struct rte_ring *r, struct slb_ctl_evt *e, struct slb_stats_ctr *c)
{
	if (r == NULL || rte_ring_sp_enqueue_elem(r, e, sizeof(*e)) != 0)
		c->ctl_evt_lost++;
}

#endif /* SLB_CTL_DP_H */
