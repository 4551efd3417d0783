/* slow.c: the main lcore's loop: dialog sweep, ARP aging, RCU reclaim, stats, signals, control. */
#include <stdlib.h>

#include <rte_cycles.h>

#include "be_swap.h"
#include "ctl.h"
#include "dp.h"
#include "log.h"
#include "neigh.h"
#include "pool.h"
#include "slb_dlg.h"
#include "slow.h"
#include "ctl_shm.h"
#include "stats.h"

#define TICKS_PER_S 100      /* dialog sweep slices and RCU reclaim */
#define NEIGH_AGE_PER_S 10
#define SLEEP_US 1000

/*
 * A slice of the sweep; with dialog events wanted, the keys it frees go to control as
 * SLB_CTL_EVT_DLG_EXPIRED. keys holds 8 per bucket of a slice, so the slice is never cut short.
 * Returns how many expired.
 */
static uint32_t
sweep(struct slb_dp *dp, uint32_t now, uint32_t *cursor, uint32_t slice, uint64_t *keys)
{
	bool want = keys != NULL &&
		(__atomic_load_n(&dp->ctl_want, __ATOMIC_RELAXED) & SLB_FWD_WANT_DLG);
	uint32_t buckets = slb_dlg_buckets(dp->fwd.dlg), swept, expired;

	expired = slb_dlg_expire(dp->fwd.dlg, now, *cursor, slice, want ? keys : NULL,
		want ? 8 * slice : 0, &swept);
	*cursor = (uint32_t)(((uint64_t)*cursor + swept) % buckets);
	if (want && expired != 0)
		slb_ctl_dlg_expired(dp, keys, expired);
	return expired;
}

/*
 * Contract: never touches a packet and never blocks for long: each step is bounded (a slice of
 * the dialog table, one pass over the neighbour table, a stats summary), then the loop sleeps a
 * millisecond. It is the only writer of the stats header and of the main lcore's stats slot,
 * and the only caller of slb_be_apply()/slb_be_reclaim() (SIGHUP: slb_be_reload(); control's
 * requests: slb_ctl_service(), at most a few per iteration).
 */
void
slb_slow_loop(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;
	struct slb_stats_lcore *st = slb_stats_main_slot(dp);
	struct slb_stats_hdr *h = &dp->shm->hdr;
	struct slb_neigh_age_result age;
	uint64_t hz = dp->tsc_hz, tsc = rte_rdtsc();
	uint64_t tick = hz / TICKS_PER_S, next_tick = tsc + tick;
	uint64_t next_age = tsc + hz / NEIGH_AGE_PER_S, next_sec = tsc + hz;
	uint64_t next_stats = tsc + hz * cfg->stats_interval;
	uint32_t buckets = slb_dlg_buckets(dp->fwd.dlg), cursor = 0, slice, now;
	/* live dialogs per backend, counted slice by slice from bucket 0 to the last */
	static uint32_t per_be[SLB_STATS_BE_IDS];
	uint32_t count_cur = 0;
	uint64_t *keys;

	/* a full pass over the dialog table every dialog.sweep_period seconds */
	slice = (uint32_t)(((uint64_t)buckets + (uint64_t)cfg->dlg_sweep_period * TICKS_PER_S - 1) /
		((uint64_t)cfg->dlg_sweep_period * TICKS_PER_S));
	if (slice == 0)
		slice = 1;
	keys = dp->cfg->redis_enabled ? calloc(8 * (size_t)slice, sizeof(keys[0])) : NULL;
	if (dp->cfg->redis_enabled && keys == NULL)
		SLB_LOG(main, WARNING, "no memory for the sweep's keys: no dialog expiry events");
	h->dlg_slots = slb_dlg_slots(dp->fwd.dlg);
	__atomic_store_n(&h->state, SLB_STATS_RUNNING, __ATOMIC_RELEASE);
	slb_ctl_set_state(dp, SLB_CTL_RUNNING);

	while (!slb_dp_quitting()) {
		tsc = rte_rdtsc();
		now = slb_dp_now_s(tsc);

		slb_ctl_service(dp, SLB_CTL_REQ_BURST);

		if (tsc >= next_tick) {
			uint32_t expired = sweep(dp, now, &cursor, slice, keys);

			slb_dlg_count_be(dp->fwd.dlg, now, count_cur,
				RTE_MIN(slice, buckets - count_cur), per_be);
			count_cur += RTE_MIN(slice, buckets - count_cur);
			if (count_cur == buckets) {
				uint32_t live = 0, b;

				for (b = 0; b < SLB_STATS_BE_IDS; b++)
					live += per_be[b];
				h->dlg_live = live;
				if (dp->ctl != NULL)
					slb_ctl_dlg_publish(dp->ctl, per_be);
				memset(per_be, 0, sizeof(per_be));
				count_cur = 0;
			}
			slb_stats_begin(st);
			st->c.dlg_expired += expired;
			slb_stats_end(st);
			slb_be_reclaim();
			next_tick = tsc + tick;
		}
		if (tsc >= next_age) {
			slb_neigh_age(dp->neigh, tsc, dp->probe_ring, &age);
			slb_stats_begin(st);
			st->c.neigh_failed += age.failed;
			slb_stats_end(st);
			h->neigh_used = age.used;
			next_age = tsc + hz / NEIGH_AGE_PER_S;
		}
		if (__atomic_exchange_n(&slb_reload, 0, __ATOMIC_RELAXED) != 0)
			slb_be_reload(dp);
		if (tsc >= next_sec) {
			h->heartbeat = now;
			next_sec = tsc + hz;
		}
		if (cfg->stats_interval != 0 && tsc >= next_stats) {
			slb_pool_gauge(dp);
			slb_stats_log(dp);
			next_stats = tsc + hz * cfg->stats_interval;
		}
		rte_delay_us_sleep(SLEEP_US);
	}
	__atomic_store_n(&h->state, SLB_STATS_STOPPING, __ATOMIC_RELEASE);
	slb_ctl_set_state(dp, SLB_CTL_STOPPING);
	h->dlg_live = slb_dlg_count(dp->fwd.dlg, slb_dp_now_s(rte_rdtsc()));
	free(keys);
}
