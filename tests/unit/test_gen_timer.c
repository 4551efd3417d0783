/* test_gen_timer.c: siplb-gen's timer wheel: order, re-arming, far timers, stalls. */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "gen_timer.h"
#include "slb_test.h"

static uint32_t fired[64];
static uint64_t fired_at[64];
static uint32_t nb_fired;
static struct slbg_wheel *cur;

static void
record(void *arg, uint32_t id)
{
	(void)arg;
	fired_at[nb_fired] = cur->now;
	fired[nb_fired++] = id;
}

static void
t_fire_in_order(void)
{
	struct slbg_wheel w;
	uint64_t t;

	CU_ASSERT_EQUAL_FATAL(slbg_wheel_init(&w, 8, 4, 100), 0);
	cur = &w;
	nb_fired = 0;
	slbg_timer_arm(&w, 3, 105);
	slbg_timer_arm(&w, 1, 101);
	slbg_timer_arm(&w, 2, 103);
	CU_ASSERT_EQUAL(w.armed, 3);
	for (t = 100; t <= 110; t++)
		slbg_wheel_run(&w, t, record, NULL);
	CU_ASSERT_EQUAL(nb_fired, 3);
	CU_ASSERT_EQUAL(fired[0], 1);
	CU_ASSERT_EQUAL(fired_at[0], 101);
	CU_ASSERT_EQUAL(fired[1], 2);
	CU_ASSERT_EQUAL(fired_at[1], 103);
	CU_ASSERT_EQUAL(fired[2], 3);
	CU_ASSERT_EQUAL(w.armed, 0);
	CU_ASSERT_FALSE(slbg_timer_armed(&w, 3));
	slbg_wheel_free(&w);
}

static void
t_stop_and_rearm(void)
{
	struct slbg_wheel w;

	CU_ASSERT_EQUAL_FATAL(slbg_wheel_init(&w, 8, 4, 0), 0);
	cur = &w;
	nb_fired = 0;
	slbg_timer_arm(&w, 0, 5);
	slbg_timer_arm(&w, 1, 5);
	slbg_timer_arm(&w, 2, 5);
	slbg_timer_stop(&w, 1);
	slbg_timer_stop(&w, 1);	  /* twice: nothing */
	slbg_timer_arm(&w, 2, 9); /* re-arming moves it */
	CU_ASSERT_EQUAL(w.armed, 2);
	CU_ASSERT_EQUAL(slbg_wheel_run(&w, 8, record, NULL), 1);
	CU_ASSERT_EQUAL(fired[0], 0);
	CU_ASSERT_EQUAL(slbg_wheel_run(&w, 9, record, NULL), 1);
	CU_ASSERT_EQUAL(fired[1], 2);
	slbg_wheel_free(&w);
}

/* Beyond the wheel's span (16 slots here): it waits for its own turn, not an earlier one. */
static void
t_far_timer(void)
{
	struct slbg_wheel w;
	uint64_t t;

	CU_ASSERT_EQUAL_FATAL(slbg_wheel_init(&w, 4, 4, 0), 0);
	cur = &w;
	nb_fired = 0;
	slbg_timer_arm(&w, 0, 50); /* slot 2, three turns on */
	for (t = 0; t < 50; t++)
		slbg_wheel_run(&w, t, record, NULL);
	CU_ASSERT_EQUAL(nb_fired, 0);
	slbg_wheel_run(&w, 50, record, NULL);
	CU_ASSERT_EQUAL(nb_fired, 1);
	slbg_wheel_free(&w);
}

/* A loop that stalled for many turns still fires everything due, once. */
static void
t_stall(void)
{
	struct slbg_wheel w;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(slbg_wheel_init(&w, 40, 4, 0), 0);
	cur = &w;
	nb_fired = 0;
	for (i = 0; i < 40; i++)
		slbg_timer_arm(&w, i, i * 3);
	CU_ASSERT_EQUAL(slbg_wheel_run(&w, 1000, record, NULL), 40);
	CU_ASSERT_EQUAL(w.armed, 0);
	slbg_wheel_free(&w);
}

/* A callback arming its own timer again (a retransmission) fires at the new time only. */
static uint32_t rearms;
static void
rearm(void *arg, uint32_t id)
{
	struct slbg_wheel *w = arg;

	if (++rearms < 4)
		slbg_timer_arm(w, id, w->now + 10);
}

static void
t_rearm_in_callback(void)
{
	struct slbg_wheel w;
	uint64_t t;

	CU_ASSERT_EQUAL_FATAL(slbg_wheel_init(&w, 2, 3, 0), 0);
	rearms = 0;
	slbg_timer_arm(&w, 1, 1);
	for (t = 0; t <= 100; t++)
		slbg_wheel_run(&w, t, rearm, &w);
	CU_ASSERT_EQUAL(rearms, 4); /* at 1, 11, 21, 31 */
	slbg_wheel_free(&w);
}

static CU_TestInfo tests[] = {
	{"fire_in_order", t_fire_in_order},
	{"stop_and_rearm", t_stop_and_rearm},
	{"far_timer_waits_its_turn", t_far_timer},
	{"stall_fires_all_once", t_stall},
	{"rearm_in_callback", t_rearm_in_callback},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("gen_timer", tests);
}
