/* test_gen_end.c: when siplb-gen's run is over: at the last call's end, a signal, a bounded wait.
 */
#include <CUnit/Basic.h>

#include "gen_end.h"
#include "slb_test.h"

/* A clock of 1000 ticks a second: a tick is a millisecond. */
#define HZ 1000

static void
setup(struct slbg_end *e)
{
	slbg_end_init(e, HZ, 500, 0, 32000);
}

/* While calls start the run goes on, even with none in progress. */
static void
t_sending(void)
{
	struct slbg_end e;
	uint64_t t;

	setup(&e);
	for (t = 1; t < 100000; t += 1000)
		CU_ASSERT_FALSE(slbg_end_over(&e, t, 0, 0));
}

/* The last call ends: the run is over a linger later, and it ended when that call did. */
static void
t_last_call(void)
{
	struct slbg_end e;

	setup(&e);
	CU_ASSERT_FALSE(slbg_end_over(&e, 1000, 5, 0));
	slbg_end_stop_sending(&e, 1000);
	CU_ASSERT_FALSE(slbg_end_over(&e, 1100, 5, 0));
	CU_ASSERT_FALSE(slbg_end_over(&e, 1500, 0, 0)); /* the last one ended */
	CU_ASSERT_FALSE(slbg_end_over(&e, 1500 + SLBG_END_LINGER_MS - 1, 0, 0));
	CU_ASSERT_TRUE(slbg_end_over(&e, 1500 + SLBG_END_LINGER_MS, 0, 0));
	CU_ASSERT_EQUAL(e.last_end, 1500);
	CU_ASSERT_FALSE(e.signalled);
	CU_ASSERT_FALSE(e.straggled);
}

/*
 * A SIGTERM with calls still holding ends the run a linger later, whatever is open: the old
 * loop went on until every call ended (minutes with long holds).
 */
static void
t_signal(void)
{
	struct slbg_end e;

	setup(&e);
	CU_ASSERT_FALSE(slbg_end_over(&e, 2000, 1000, 0));
	CU_ASSERT_FALSE(slbg_end_over(&e, 2001, 1000, 1)); /* the signal: sending stops */
	CU_ASSERT_TRUE(e.stopped);
	CU_ASSERT_TRUE(e.signalled);
	CU_ASSERT_TRUE(slbg_end_over(&e, 2001 + SLBG_END_LINGER_MS, 1000, 1));
	CU_ASSERT_EQUAL(e.last_end, 2001);
}

/* Calls that never end hold the run hold + min(timeout, 64*T1) after the sending stopped. */
static void
t_stragglers(void)
{
	struct slbg_end e;
	uint64_t wait = slbg_end_straggle_ms(500, 1000, 60000);

	CU_ASSERT_EQUAL(wait, 1000 + 64 * 500);
	CU_ASSERT_EQUAL(slbg_end_straggle_ms(500, 0, 8000), 8000);
	slbg_end_init(&e, HZ, 500, 1000, 60000);
	slbg_end_stop_sending(&e, 5000);
	CU_ASSERT_FALSE(slbg_end_over(&e, 5000, 3, 0));
	CU_ASSERT_FALSE(slbg_end_over(&e, 5000 + wait - 1, 3, 0));
	CU_ASSERT_TRUE(slbg_end_over(&e, 5000 + wait, 3, 0));
	CU_ASSERT_TRUE(e.straggled);
}

/* The sending stopped at tick 0 of a clock that starts there still counts as stopped. */
static void
t_stop_at_zero(void)
{
	struct slbg_end e;

	setup(&e);
	slbg_end_stop_sending(&e, 0);
	CU_ASSERT_FALSE(slbg_end_over(&e, 0, 0, 0));
	CU_ASSERT_TRUE(slbg_end_over(&e, SLBG_END_LINGER_MS, 0, 0));
}

static CU_TestInfo tests[] = {
	{"sending_goes_on", t_sending},
	{"over_a_linger_after_the_last_call", t_last_call},
	{"signal_ends_with_calls_open", t_signal},
	{"stragglers_bounded", t_stragglers},
	{"stop_at_tick_zero", t_stop_at_zero},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("gen_end", tests);
}
