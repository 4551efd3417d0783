/* test_ctl_health.c: siplb-control's health rules: thresholds, nonces, codes, 503, ICMP, states. */
#include <CUnit/Basic.h>

#include "ctl_health.h"
#include "slb_test.h"

#define MS 1000ull
#define T0 (1000000 * MS) /* any start: the clock is control's monotonic one */

static struct ctl_health_cfg hc;
static uint64_t now;
static uint64_t nonce_seq = 0x1000;

/* interval 1000 ms, timeout 800 ms, fall 3, rise 2, any code, pinned, suspect on 503 */
static void
setup(struct ctl_health *h, uint32_t fall, uint32_t rise)
{
	ctl_health_cfg_set(&hc, 1000, 800, fall, rise, 0, NULL, NULL, false, true, true);
	now = T0;
	ctl_health_init(h, CTL_ADMIN_NONE, true, now, now);
}

/* One probe: sent now, then answered status after ms (0: not answered, it times out). */
static enum ctl_verdict
probe(struct ctl_health *h, uint16_t status, uint64_t ms)
{
	enum ctl_verdict v;
	uint64_t n = ++nonce_seq;

	CU_ASSERT_FATAL(ctl_health_probe_due(h, now));
	ctl_health_probe_sent(h, &hc, n, now);
	CU_ASSERT(!ctl_health_probe_due(h, now));
	if (status != 0) {
		now += ms * MS;
		v = ctl_health_on_reply(h, &hc, n, status, 0, 0, now);
	} else {
		now += 799 * MS;
		CU_ASSERT(ctl_health_tick(h, &hc, now) == CTL_V_IGNORED);
		now += 1 * MS;
		v = ctl_health_tick(h, &hc, now);
	}
	now = h->next_us; /* the next probe's time */
	return v;
}

static void
test_down_after_fall(void)
{
	struct ctl_health h;

	setup(&h, 3, 2);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(probe(&h, 0, 0), CTL_V_FAILED);
	CU_ASSERT_EQUAL(probe(&h, 0, 0), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(h.fails_in_row, 2);
	CU_ASSERT_EQUAL(probe(&h, 0, 0), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.probes_failed, 3);
	/* it went down at the third timeout, each probe sent at once after the last failed */
	CU_ASSERT_EQUAL(h.since_us, T0 + 3 * 800 * MS);
	/* down: the interval again */
	CU_ASSERT_EQUAL(h.next_us, T0 + 2 * 800 * MS + 1000 * MS);
	CU_ASSERT_EQUAL(ctl_health_dp_state(h.state, false), SLB_CTL_BE_FAILED);
}

static void
test_retry_at_once(void)
{
	struct ctl_health h;

	setup(&h, 3, 2);
	/* a good probe: the next one an interval later */
	ctl_health_probe_sent(&h, &hc, 1, now);
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 1, 200, 0, 0, now + 5 * MS), CTL_V_OK);
	CU_ASSERT_EQUAL(h.next_us, now + 1000 * MS);
	/* a bad reply: the next one at once */
	now += 1000 * MS;
	ctl_health_probe_sent(&h, &hc, 2, now);
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 2, 200, 0, 0, now + 900 * MS), CTL_V_FAILED);
	CU_ASSERT(ctl_health_probe_due(&h, now + 900 * MS));
	/* without the retry the schedule would have said now + 1000 ms */
	CU_ASSERT_EQUAL(h.next_us, now + 900 * MS);
}

static void
test_up_after_rise(void)
{
	struct ctl_health h;
	int i;

	setup(&h, 2, 3);
	for (i = 0; i < 2; i++)
		probe(&h, 0, 0);
	CU_ASSERT_EQUAL_FATAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(probe(&h, 200, 5), CTL_V_OK);
	CU_ASSERT_EQUAL(probe(&h, 200, 5), CTL_V_OK);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.oks_in_row, 2);
	CU_ASSERT_EQUAL(probe(&h, 200, 5), CTL_V_OK);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(h.probes_ok, 3);
}

static void
test_success_resets_failures(void)
{
	struct ctl_health h;

	setup(&h, 3, 2);
	probe(&h, 0, 0);
	probe(&h, 0, 0);
	CU_ASSERT_EQUAL(probe(&h, 200, 3), CTL_V_OK);
	CU_ASSERT_EQUAL(h.fails_in_row, 0);
	probe(&h, 0, 0);
	probe(&h, 0, 0);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	probe(&h, 0, 0);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	/* and a failure resets the run of successes */
	probe(&h, 200, 1);
	probe(&h, 0, 0);
	probe(&h, 200, 1);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	probe(&h, 200, 1);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
}

static void
test_late_reply(void)
{
	struct ctl_health h;

	setup(&h, 1, 1);
	/* answered after the timeout, before the clock noticed: a failure, not a success */
	ctl_health_probe_sent(&h, &hc, 77, now);
	now += 801 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 77, 200, 0, 0, now), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.probes_ok, 0);
	/* answered after the clock failed it: nothing */
	now = h.next_us;
	ctl_health_probe_sent(&h, &hc, 78, now);
	now += 800 * MS;
	CU_ASSERT_EQUAL(ctl_health_tick(&h, &hc, now), CTL_V_FAILED);
	now += 10 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 78, 200, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.probes_ok, 0);
	CU_ASSERT_EQUAL(h.probes_failed, 2);
	/* exactly at the timeout it still counts */
	now = h.next_us;
	ctl_health_probe_sent(&h, &hc, 79, now);
	now += 800 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 79, 200, 0, 0, now), CTL_V_OK);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
}

static void
test_wrong_nonce(void)
{
	struct ctl_health h;

	setup(&h, 1, 1);
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 5, 200, 0, 0, now), CTL_V_IGNORED);
	ctl_health_probe_sent(&h, &hc, 5, now);
	now += 10 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 6, 200, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(
		ctl_health_on_reply(&h, &hc, 5 ^ (1ull << 63), 200, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT(h.outstanding);
	CU_ASSERT_EQUAL(h.probes_ok, 0);
	CU_ASSERT_EQUAL(h.last_status, -1);
	/* a wrong nonce's PROBE_SENT does not set the send time either */
	CU_ASSERT(!ctl_health_on_sent(&h, 6, 123));
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 5, 200, 0, 0, now), CTL_V_OK);
	/* and the same nonce twice counts once */
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 5, 200, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.probes_ok, 1);
}

static void
test_1xx(void)
{
	struct ctl_health h;

	setup(&h, 1, 1);
	ctl_health_probe_sent(&h, &hc, 9, now);
	now += 5 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 9, 100, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 9, 183, 0, 0, now), CTL_V_IGNORED);
	CU_ASSERT(h.outstanding);
	CU_ASSERT_EQUAL(h.probes_ok + h.probes_failed, 0);
	CU_ASSERT(!ctl_health_code_alive(&hc, 100));
	CU_ASSERT(!ctl_health_code_alive(&hc, 199));
	/* with codes listed, 1xx stays neither, even in a listed range */
	{
		uint16_t lo[] = {100}, hi[] = {699};

		ctl_health_cfg_set(&hc, 1000, 800, 1, 1, 1, lo, hi, false, true, true);
		CU_ASSERT(!ctl_health_code_alive(&hc, 180));
		CU_ASSERT(ctl_health_code_alive(&hc, 200));
	}
	/* the final reply that follows decides */
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 9, 200, 0, 0, now), CTL_V_OK);
}

static void
test_reply_codes(void)
{
	struct ctl_health h;
	uint16_t lo[] = {200, 400}, hi[] = {200, 499};

	/* "any": every final response, even 503, means the proxy is there */
	ctl_health_cfg_set(&hc, 1000, 800, 1, 1, 0, NULL, NULL, false, true, true);
	CU_ASSERT(ctl_health_code_alive(&hc, 200));
	CU_ASSERT(ctl_health_code_alive(&hc, 503));
	CU_ASSERT(ctl_health_code_alive(&hc, 699));

	ctl_health_cfg_set(&hc, 1000, 800, 1, 1, 2, lo, hi, false, true, true);
	CU_ASSERT(ctl_health_code_alive(&hc, 200));
	CU_ASSERT(ctl_health_code_alive(&hc, 400));
	CU_ASSERT(ctl_health_code_alive(&hc, 404));
	CU_ASSERT(ctl_health_code_alive(&hc, 499));
	CU_ASSERT(!ctl_health_code_alive(&hc, 201));
	CU_ASSERT(!ctl_health_code_alive(&hc, 302));
	CU_ASSERT(!ctl_health_code_alive(&hc, 500));
	CU_ASSERT(!ctl_health_code_alive(&hc, 503));

	now = T0;
	ctl_health_init(&h, CTL_ADMIN_NONE, true, now, now);
	CU_ASSERT_EQUAL(probe(&h, 404, 2), CTL_V_OK);
	CU_ASSERT_EQUAL(probe(&h, 503, 2), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.last_status, 503);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(probe(&h, 302, 2), CTL_V_FAILED);
	CU_ASSERT_EQUAL(probe(&h, 200, 2), CTL_V_OK);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
}

static void
test_retry_after(void)
{
	struct ctl_health h;

	setup(&h, 3, 2);
	h.next_us = now + 600 * MS;
	ctl_health_on_503(&h, &hc, 5, now);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(ctl_health_dp_state(h.state, false), SLB_CTL_BE_FAILED);
	/* suspect: a probe at once */
	CU_ASSERT(ctl_health_probe_due(&h, now));
	/* good probes do not end the hold */
	CU_ASSERT_EQUAL(probe(&h, 200, 1), CTL_V_OK);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	ctl_health_tick(&h, &hc, T0 + 4999 * MS);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	ctl_health_tick(&h, &hc, T0 + 5000 * MS);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(h.since_us, T0 + 5000 * MS);
	/* after the hold the probes decide: dead meanwhile, it stays down */
	now = T0 + 6000 * MS;
	ctl_health_on_503(&h, &hc, 2, now);
	now = h.next_us > now ? h.next_us : now;
	probe(&h, 0, 0);
	probe(&h, 0, 0);
	probe(&h, 0, 0);
	ctl_health_tick(&h, &hc, T0 + 60000 * MS);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	/* a huge Retry-After is capped */
	setup(&h, 3, 2);
	ctl_health_on_503(&h, &hc, 1000000, now);
	CU_ASSERT_EQUAL(h.hold_until_us, now + CTL_HEALTH_RETRY_AFTER_MAX * 1000 * MS);
}

static void
test_503_run(void)
{
	struct ctl_health h;

	setup(&h, 3, 2);
	/* without Retry-After and spaced more than an interval: each alone, never down */
	ctl_health_on_503(&h, &hc, 0, now);
	now += 1001 * MS;
	ctl_health_on_503(&h, &hc, 0, now);
	now += 1001 * MS;
	ctl_health_on_503(&h, &hc, 0, now);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(h.run_503, 1);
	/* fall of them, each within an interval of the previous: down */
	now += 500 * MS;
	ctl_health_on_503(&h, &hc, 0, now);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	now += 500 * MS;
	ctl_health_on_503(&h, &hc, 0, now);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.run_503, 3);
	CU_ASSERT_EQUAL(h.hold_until_us, now + CTL_HEALTH_HOLD_503_MIN);
	/* rise good probes, but it stays out until the hold ends */
	now = h.next_us > now ? h.next_us : now;
	probe(&h, 200, 1);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	probe(&h, 200, 1);
	CU_ASSERT(h.alive);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	now = h.hold_until_us - 1;
	ctl_health_tick(&h, &hc, now);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	now++;
	ctl_health_tick(&h, &hc, now);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	/* without suspect_on_503 no probe is moved forward */
	ctl_health_cfg_set(&hc, 1000, 800, 3, 2, 0, NULL, NULL, false, false, true);
	now = T0;
	ctl_health_init(&h, CTL_ADMIN_NONE, true, now, now + 700 * MS);
	ctl_health_on_503(&h, &hc, 0, now);
	CU_ASSERT(!ctl_health_probe_due(&h, now));
}

/* A backend that answers OPTIONS but refuses every INVITE: each time out for longer. */
static void
test_503_dampening(void)
{
	struct ctl_health h;
	uint64_t hold = CTL_HEALTH_HOLD_503_MIN;
	int round, i;

	setup(&h, 2, 2);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 2; i++) {
			ctl_health_on_503(&h, &hc, 0, now);
			now += 10 * MS;
		}
		CU_ASSERT_EQUAL(h.state, CTL_DOWN);
		CU_ASSERT_EQUAL(h.hold_until_us, now - 10 * MS + hold);
		/* its probes are good; it returns when the hold ends, not before */
		now = h.next_us > now ? h.next_us : now;
		probe(&h, 200, 1);
		probe(&h, 200, 1);
		now = h.hold_until_us;
		ctl_health_tick(&h, &hc, now);
		CU_ASSERT_EQUAL(h.state, CTL_UP);
		hold = hold * 2 > CTL_HEALTH_HOLD_503_MAX ? CTL_HEALTH_HOLD_503_MAX : hold * 2;
	}
	CU_ASSERT_EQUAL(h.hold_503_us, CTL_HEALTH_HOLD_503_MAX);
	/* long enough up without refusing: back to the shortest hold */
	now += CTL_HEALTH_HOLD_RESET + 1;
	ctl_health_on_503(&h, &hc, 0, now);
	ctl_health_on_503(&h, &hc, 0, now + 1);
	CU_ASSERT_EQUAL(h.hold_until_us, now + 1 + CTL_HEALTH_HOLD_503_MIN);
}

/* An INVITE left unanswered: as ICMP with suspect_unanswered, nothing without. */
static void
test_unanswered(void)
{
	struct ctl_health h;

	setup(&h, 2, 2);
	h.next_us = now + 900 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.fails_in_row, 1);
	CU_ASSERT(ctl_health_probe_due(&h, now));
	/* a burst of them is one sign per probe timeout */
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now + 100 * MS), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	/* the probe it asked for times out: fall reached, 0.8 s after the first sign */
	ctl_health_probe_sent(&h, &hc, 43, now + 1 * MS);
	CU_ASSERT_EQUAL(ctl_health_tick(&h, &hc, now + 801 * MS), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.nb_unanswered, 2);
	/* a probe in flight is not failed by it: down takes that probe's own timeout */
	setup(&h, 2, 2);
	ctl_health_probe_sent(&h, &hc, 44, now);
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now + 100 * MS), CTL_V_FAILED);
	CU_ASSERT(h.outstanding);
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now + 200 * MS), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT_EQUAL(ctl_health_tick(&h, &hc, now + 800 * MS), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	/* a good probe clears a single sign (one lost INVITE) */
	setup(&h, 2, 2);
	ctl_health_on_unanswered(&h, &hc, now);
	CU_ASSERT_EQUAL(probe(&h, 200, 1), CTL_V_OK);
	CU_ASSERT_EQUAL(h.fails_in_row, 0);
	/* fall 1: a caller could forge the sign, so it only brings the probe forward */
	setup(&h, 1, 2);
	h.next_us = now + 900 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	CU_ASSERT(ctl_health_probe_due(&h, now));
	/* without suspect_unanswered: counted, nothing else */
	ctl_health_cfg_set(&hc, 1000, 800, 2, 2, 0, NULL, NULL, false, true, false);
	now = T0;
	ctl_health_init(&h, CTL_ADMIN_NONE, true, now, now + 700 * MS);
	CU_ASSERT_EQUAL(ctl_health_on_unanswered(&h, &hc, now), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.fails_in_row, 0);
	CU_ASSERT(!ctl_health_probe_due(&h, now));
	CU_ASSERT_EQUAL(h.nb_unanswered, 1);
}

static void
test_icmp(void)
{
	struct ctl_health h;

	setup(&h, 2, 2);
	h.next_us = now + 900 * MS;
	/* no probe in flight: a failure, and a probe at once */
	CU_ASSERT_EQUAL(ctl_health_on_icmp(&h, &hc, now), CTL_V_FAILED);
	CU_ASSERT_EQUAL(h.fails_in_row, 1);
	CU_ASSERT(ctl_health_probe_due(&h, now));
	/* more ICMP within the timeout: the same signal */
	CU_ASSERT_EQUAL(ctl_health_on_icmp(&h, &hc, now + 1 * MS), CTL_V_IGNORED);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	/* the probe it asked for gets an ICMP too: that probe failed, fall reached */
	ctl_health_probe_sent(&h, &hc, 42, now + 2 * MS);
	CU_ASSERT_EQUAL(ctl_health_on_icmp(&h, &hc, now + 3 * MS), CTL_V_FAILED);
	CU_ASSERT(!h.outstanding);
	CU_ASSERT_EQUAL(h.probes_failed, 1);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
	CU_ASSERT_EQUAL(h.since_us, now + 3 * MS);
}

static void
test_operator_states(void)
{
	struct ctl_health h;
	int i;

	setup(&h, 2, 2);
	ctl_health_set_admin(&h, CTL_ADMIN_DRAIN, now);
	CU_ASSERT_EQUAL(h.state, CTL_DRAINING);
	for (i = 0; i < 3; i++)
		probe(&h, 0, 0);
	CU_ASSERT_EQUAL(h.state, CTL_DRAINING);
	CU_ASSERT(!h.alive);
	ctl_health_on_503(&h, &hc, 30, now);
	ctl_health_on_icmp(&h, &hc, now);
	CU_ASSERT_EQUAL(h.state, CTL_DRAINING);
	ctl_health_set_admin(&h, CTL_ADMIN_DISABLE, now);
	CU_ASSERT_EQUAL(h.state, CTL_DISABLED);
	for (i = 0; i < 3; i++)
		probe(&h, 200, 1);
	CU_ASSERT_EQUAL(h.state, CTL_DISABLED);
	CU_ASSERT(h.alive);
	/* enabled: what the probes found meanwhile (alive, but the Retry-After still holds) */
	ctl_health_set_admin(&h, CTL_ADMIN_NONE, now);
	CU_ASSERT_EQUAL(h.state, h.hold_until_us != 0 ? CTL_DOWN : CTL_UP);
	ctl_health_tick(&h, &hc, now + 31000 * MS);
	CU_ASSERT_EQUAL(h.state, CTL_UP);
	/* enabled while the probes find it dead: down */
	setup(&h, 1, 1);
	ctl_health_set_admin(&h, CTL_ADMIN_DISABLE, now);
	probe(&h, 0, 0);
	ctl_health_set_admin(&h, CTL_ADMIN_NONE, now);
	CU_ASSERT_EQUAL(h.state, CTL_DOWN);
}

static void
test_state_map(void)
{
	enum ctl_admin a;
	bool alive;

	/* pinned */
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_UP, false), SLB_CTL_BE_UP);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DRAINING, false), SLB_CTL_BE_DRAIN);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DOWN, false), SLB_CTL_BE_FAILED);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DISABLED, false), SLB_CTL_BE_FAILED);
	/* rehash */
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_UP, true), SLB_CTL_BE_UP);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DRAINING, true), SLB_CTL_BE_DRAIN);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DOWN, true), SLB_CTL_BE_DOWN);
	CU_ASSERT_EQUAL(ctl_health_dp_state(CTL_DISABLED, true), SLB_CTL_BE_DOWN);

	/* and back, when control restarts and reads the running set */
	ctl_health_from_dp(SLB_CTL_BE_UP, false, &a, &alive);
	CU_ASSERT(a == CTL_ADMIN_NONE && alive);
	ctl_health_from_dp(SLB_CTL_BE_DRAIN, true, &a, &alive);
	CU_ASSERT(a == CTL_ADMIN_DRAIN && alive);
	ctl_health_from_dp(SLB_CTL_BE_FAILED, false, &a, &alive);
	CU_ASSERT(a == CTL_ADMIN_NONE && !alive);
	ctl_health_from_dp(SLB_CTL_BE_DOWN, false, &a, &alive); /* only a file's "down" */
	CU_ASSERT(a == CTL_ADMIN_DISABLE);
	ctl_health_from_dp(SLB_CTL_BE_DOWN, true, &a, &alive);
	CU_ASSERT(a == CTL_ADMIN_NONE && !alive);
	CU_ASSERT_STRING_EQUAL(ctl_state_name(CTL_DISABLED), "disabled");
	CU_ASSERT_STRING_EQUAL(ctl_dp_state_name(SLB_CTL_BE_FAILED), "failed");
}

static void
test_rtt_and_schedule(void)
{
	struct ctl_health h;
	const uint64_t hz = 2000000000ull;

	setup(&h, 2, 2);
	/* the dataplane's TSC when both ends are known: 3 ms */
	ctl_health_probe_sent(&h, &hc, 1, now);
	CU_ASSERT(ctl_health_on_sent(&h, 1, 1000000));
	now += 40 * MS; /* control saw it late: the TSC says what the wire did */
	CU_ASSERT_EQUAL(
		ctl_health_on_reply(&h, &hc, 1, 200, 1000000 + hz * 3 / 1000, hz, now), CTL_V_OK);
	CU_ASSERT_DOUBLE_EQUAL(h.rtt_ms, 3.0, 1e-9);
	/* no PROBE_SENT: control's own clock */
	now = h.next_us;
	ctl_health_probe_sent(&h, &hc, 2, now);
	now += 7 * MS;
	CU_ASSERT_EQUAL(ctl_health_on_reply(&h, &hc, 2, 200, 999, hz, now), CTL_V_OK);
	CU_ASSERT_DOUBLE_EQUAL(h.rtt_ms, 7.0, 1e-9);
	/* one probe per interval, from the send time */
	CU_ASSERT(!ctl_health_probe_due(&h, now));
	CU_ASSERT(!ctl_health_probe_due(&h, now - 7 * MS + 999 * MS));
	CU_ASSERT(ctl_health_probe_due(&h, now - 7 * MS + 1000 * MS));
	/* a probe the dataplane could not send: neither counted nor resent at once */
	ctl_health_probe_sent(&h, &hc, 4, now);
	ctl_health_probe_refused(&h, 5); /* another nonce: nothing */
	CU_ASSERT(h.outstanding);
	ctl_health_probe_refused(&h, 4);
	CU_ASSERT(!h.outstanding);
	CU_ASSERT_EQUAL(h.probes_failed, 0);
	CU_ASSERT(!ctl_health_probe_due(&h, now + 999 * MS));
	CU_ASSERT(ctl_health_probe_due(&h, now + 1000 * MS));
	now += 1000 * MS;
	/* a probe lost with a dataplane restart is forgotten, not failed */
	ctl_health_probe_sent(&h, &hc, 3, now);
	ctl_health_forget_probe(&h, now);
	CU_ASSERT(!h.outstanding);
	CU_ASSERT_EQUAL(h.probes_failed, 0);
	CU_ASSERT(ctl_health_probe_due(&h, now));
	/* the first probe of a backend is when init says (spread over the interval) */
	ctl_health_init(&h, CTL_ADMIN_NONE, true, T0, T0 + 250 * MS);
	CU_ASSERT(!ctl_health_probe_due(&h, T0 + 249 * MS));
	CU_ASSERT(ctl_health_probe_due(&h, T0 + 250 * MS));
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"down after exactly fall failures", test_down_after_fall},
		{"after a failure the next probe goes at once", test_retry_at_once},
		{"up after exactly rise successes", test_up_after_rise},
		{"a success resets the failure run", test_success_resets_failures},
		{"a late reply does not count", test_late_reply},
		{"a wrong nonce does not count", test_wrong_nonce},
		{"1xx does not count", test_1xx},
		{"codes outside reply_codes fail", test_reply_codes},
		{"Retry-After keeps it out that long", test_retry_after},
		{"fall INVITE 503s in a row: down", test_503_run},
		{"INVITE 503 take-downs are held, longer each time", test_503_dampening},
		{"ICMP unreachable: a failure, a probe now", test_icmp},
		{"an unanswered INVITE: a failure, a probe now", test_unanswered},
		{"draining and disabled stay under probes", test_operator_states},
		{"state map, both dead_dialogs", test_state_map},
		{"RTT by TSC or own clock; schedule", test_rtt_and_schedule},
		CU_TEST_INFO_NULL,
	};

	return slb_test_main("ctl_health", tests);
}
