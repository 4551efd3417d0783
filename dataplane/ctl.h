/* ctl.h: the dataplane's end of the control channel: the segment as a module, requests, events. */
#ifndef SLB_CTL_DP_H
#define SLB_CTL_DP_H

#include <stdbool.h>
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
 * Main lcore, every loop iteration: store the heartbeat, see whether control's is fresh (and
 * tell the workers through dp->ctl_want), then apply up to max requests from control (backend
 * sets, probes, reloads, dialog pins, the end of a load) and answer them on the rsp ring.
 * Returns how many it applied. Bounded; never waits.
 */
unsigned int slb_ctl_service(struct slb_dp *dp, unsigned int max);

/* Requests per iteration of the main loop (1 ms): a few; a load takes many (ctl_load.c). */
#define SLB_CTL_REQ_BURST 8

/* Main lcore: control's heartbeat was fresh at the last slb_ctl_service(). */
bool slb_ctl_alive(void);

/* The load from Redis as the main lcore saw it (slb_ctl_load_state()). */
struct slb_ctl_load {
	bool done;        /* SLB_CTL_REQ_LOADED came */
	int32_t result;   /* its result: 0, or control's negative errno (Redis unreachable) */
	uint64_t sent;    /* its gen: the dialogs control sent */
	uint64_t pinned;  /* pins that created a dialog, since start */
	uint64_t kept;    /* pins that met a live one (it kept its backend) */
	uint64_t refused; /* pins refused (table full, bad backend id or state) */
};

const struct slb_ctl_load *slb_ctl_load_state(void);

/*
 * Main lcore, after a sweep slice: the n keys it freed, as SLB_CTL_EVT_DLG_EXPIRED events of up
 * to 16 hashes on the rsp ring (a full ring loses them: ctl_evt_lost).
 */
void slb_ctl_dlg_expired(struct slb_dp *dp, const uint64_t *keys, uint32_t n);

/*
 * Main lcore, at start with redis.enabled (ctl_load.c): state LOADING, wait for control to
 * attach (redis.attach_wait_ms) and to load the dialogs in Redis (redis.load_wait_ms) while
 * applying its requests as fast as they come, and say how it went. Before the workers poll.
 */
void slb_ctl_load_wait(struct slb_dp *dp);

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
