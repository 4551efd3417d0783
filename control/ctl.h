/* ctl.h: siplb-control's state: its backends, the channel, and what the fronts share. */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfg.h"
#include "ctl_chan.h"
#include "ctl_dlg.h"
#include "ctl_health.h"
#include "ctl_redis.h"
#include "slb_ctl.h"

/* One backend as control runs it: identity and weight (the operator's), health (the probes'). */
struct ctl_be {
	uint16_t id;
	uint16_t weight;
	uint32_t ip; /* host order */
	uint16_t port;
	uint8_t dp_state; /* enum slb_ctl_be_state it should have in the dataplane */
	char name[SLB_CTL_NAME_LEN];
	struct ctl_health h;
	uint32_t
		probe_req_id; /* the REQ_PROBE of the probe in flight: a REPLY to it is a refusal */
	uint64_t fwd_prev;    /* be_fwd counter at the last rate sample */
	double msgs_per_s;
};

/*
 * The backend set's way to the dataplane: every change bumps want; a REQ_BACKENDS carries the
 * set as it was at want = sent; the dataplane's REPLY makes done (or refused) that value. One
 * request is in flight at a time (the stage area is read on the request); changes made
 * meanwhile go in the next one. A front that changed the set waits until done (or refused)
 * reaches the want its change made.
 */
struct ctl_apply {
	uint64_t want;
	uint64_t sent;
	uint64_t done;
	uint64_t refused;
	char refused_why[160];
	bool in_flight;
	uint32_t req_id;
	uint64_t gen; /* of the set in flight, or the last one sent */
	uint64_t sent_ms;
	uint64_t table_version; /* the dataplane's, from REPLY, TABLE or cur */
	bool have_list; /* the list is control's own (loaded, or taken from the dataplane) */
};

struct ctl {
	struct slb_cfg *cfg; /* the running file */
	const char *cfg_path;
	char disabled_path[128]; /* "<control.socket>.disabled": see ctl_apply.c; "" for none */
	struct ctl_health_cfg hc;
	struct ctl_chan chan;
	struct ctl_apply ap;
	struct ctl_be be[SLB_CTL_MAX_BE];
	uint32_t nb_be;
	uint32_t next_req_id;
	uint32_t cseq;
	pid_t pid;
	double started;		  /* wall clock */
	uint64_t started_us;	  /* monotonic */
	struct slb_stats_ctr sum; /* the dataplane's counters at the last sample */
	bool sum_valid;
	uint64_t evt_dlg;     /* dialog events seen */
	uint64_t evt_unknown; /* events about no backend we know */
	struct ctl_redis *redis; /* NULL: redis.enabled is false */
	struct ctl_redis_stats rs; /* its figures at the last sample (metrics) */
	struct ctl_dlg dlg;
};

#endif /* CTL_H */
