/* ctl_load.c: a starting dataplane waits for siplb-control to load the dialogs Redis knows. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "be_swap.h"
#include "ctl.h"
#include "dp.h"
#include "log.h"

/*
 * Requests applied between two looks at the clock and the heartbeat: 64 of 64 pins take well
 * under a millisecond, and the req ring (1024 of them) never waits on us for long.
 */
#define LOAD_BURST 64
#define IDLE_US 100 /* the ring was empty: a pause, short beside control's refill of it */

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Why the wait ended; each has its line in the log. */
enum load_end { END_LOADED, END_REDIS_DOWN, END_NO_CONTROL, END_SILENT, END_TIMEOUT, END_QUIT };

/*
 * Contract: the workers are not launched yet, so nobody polls rx and nothing but control's
 * requests changes the dialog table; the main lcore does nothing else meanwhile (its loop starts
 * after). Bounded by attach_wait_ms + load_wait_ms, and by SIGINT/SIGTERM. Between requests
 * there is no sleep while any are queued: a load of a million dialogs is 15625 requests, and a
 * millisecond's pause after each few would stretch it to minutes.
 */
static enum load_end
wait_load(struct slb_dp *dp, uint64_t t0, uint64_t *attached)
{
	const struct slb_cfg *cfg = dp->cfg;
	const struct slb_ctl_load *ld;
	uint64_t now;

	*attached = 0;
	for (;;) {
		unsigned int n = slb_ctl_service(dp, LOAD_BURST);

		now = mono_ms();
		ld = slb_ctl_load_state();
		if (ld->done)
			return ld->result < 0 ? END_REDIS_DOWN : END_LOADED;
		if (slb_dp_quitting())
			return END_QUIT;
		if (slb_ctl_alive() && *attached == 0)
			*attached = now;
		if (*attached == 0 && now - t0 >= cfg->redis_attach_wait_ms)
			return END_NO_CONTROL;
		if (*attached != 0 && !slb_ctl_alive())
			return END_SILENT;
		if (*attached != 0 && now - *attached >= cfg->redis_load_wait_ms)
			return END_TIMEOUT;
		if (n == 0)
			rte_delay_us_sleep(IDLE_US);
	}
}

void
slb_ctl_load_wait(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;
	const struct slb_ctl_load *ld;
	uint64_t t0, attached, took;
	enum load_end end;

	if (!cfg->redis_enabled || dp->ctl == NULL)
		return;
	slb_ctl_set_state(dp, SLB_CTL_LOADING);
	SLB_LOG(ctl, INFO, "waiting for siplb-control to load the dialogs in Redis (%u ms for it "
		"to attach, then %u ms for the load)", cfg->redis_attach_wait_ms,
		cfg->redis_load_wait_ms);
	t0 = mono_ms();
	end = wait_load(dp, t0, &attached);
	took = mono_ms() - (attached != 0 ? attached : t0);
	slb_be_reclaim(); /* tables that control's backend sets retired meanwhile */
	ld = slb_ctl_load_state();

	switch (end) {
	case END_LOADED:
		SLB_LOG(ctl, NOTICE, "loaded %" PRIu64 " dialogs from Redis in %" PRIu64 " ms "
			"(control sent %" PRIu64 "; %" PRIu64 " already here, %" PRIu64 " refused)",
			ld->pinned, took, ld->sent, ld->kept, ld->refused);
		return;
	case END_REDIS_DOWN:
		SLB_LOG(ctl, WARNING, "starting without the dialogs in Redis: Redis unreachable "
			"(siplb-control: %s); %" PRIu64 " dialogs pinned before it said so",
			strerror(-ld->result), ld->pinned);
		return;
	case END_NO_CONTROL:
		SLB_LOG(ctl, WARNING, "starting without the dialogs in Redis: no siplb-control "
			"(no heartbeat in %u ms)", cfg->redis_attach_wait_ms);
		return;
	case END_SILENT:
		SLB_LOG(ctl, WARNING, "starting with %" PRIu64 " dialogs from Redis: siplb-control "
			"went silent %" PRIu64 " ms into the load", ld->pinned, took);
		return;
	case END_TIMEOUT:
		SLB_LOG(ctl, WARNING, "starting with %" PRIu64 " dialogs from Redis: the load "
			"timed out after %" PRIu64 " ms (redis.load_wait_ms)", ld->pinned, took);
		return;
	case END_QUIT:
		SLB_LOG(ctl, NOTICE, "stopping during the load from Redis (%" PRIu64 " dialogs "
			"pinned)", ld->pinned);
		return;
	}
}
