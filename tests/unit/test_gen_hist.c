/* test_gen_hist.c: siplb-gen's latency histogram: buckets, percentiles within 1/16, merge. */
#include <CUnit/Basic.h>
#include <string.h>

#include "gen_hist.h"
#include "slb_test.h"

/* Every value lands in the bucket whose range holds it, and buckets grow in order. */
static void
t_buckets(void)
{
	uint64_t v;
	uint32_t b, prev = 0;

	for (v = 0; v < 100000; v += 7) {
		b = slbg_hist_bucket(v);
		CU_ASSERT(b >= prev);
		CU_ASSERT(slbg_hist_bucket_low(b) <= v);
		CU_ASSERT(v < slbg_hist_bucket_low(b + 1));
		prev = b;
	}
	CU_ASSERT(slbg_hist_bucket(UINT64_MAX) < SLBG_HIST_BUCKETS);
	CU_ASSERT_EQUAL(slbg_hist_bucket(5), 5);
	CU_ASSERT_EQUAL(slbg_hist_bucket_low(slbg_hist_bucket(1u << 20)), 1u << 20);
}

static void
t_quantiles(void)
{
	static struct slbg_hist h;
	uint64_t v, p50, p99, p999;

	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL(slbg_hist_quantile(&h, 0.5), 0);
	/* 1..100000 ns, one each: p50 50000, p99 99000, p99.9 99900 */
	for (v = 1; v <= 100000; v++)
		slbg_hist_add(&h, v);
	p50 = slbg_hist_quantile(&h, 0.5);
	p99 = slbg_hist_quantile(&h, 0.99);
	p999 = slbg_hist_quantile(&h, 0.999);
	CU_ASSERT(p50 > 50000 * 15 / 16 && p50 < 50000 * 17 / 16);
	CU_ASSERT(p99 > 99000 * 15 / 16 && p99 < 99000 * 17 / 16);
	CU_ASSERT(p999 > 99900 * 15 / 16 && p999 <= 100000);
	CU_ASSERT_EQUAL(h.max, 100000);
	CU_ASSERT_EQUAL(h.count, 100000);
	CU_ASSERT_EQUAL(slbg_hist_quantile(&h, 1.0), 100000); /* never above the max */
}

/* A tail: 999 fast, 1 slow; p99 is fast, p99.9 and above slow. */
static void
t_tail(void)
{
	static struct slbg_hist h;
	int i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < 999; i++)
		slbg_hist_add(&h, 1000);
	slbg_hist_add(&h, 5000000);
	CU_ASSERT(slbg_hist_quantile(&h, 0.99) < 1100);
	CU_ASSERT(slbg_hist_quantile(&h, 0.9999) > 4500000);
}

static void
t_merge(void)
{
	static struct slbg_hist a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	slbg_hist_add(&a, 10);
	slbg_hist_add(&b, 1000000);
	slbg_hist_add(&b, 20);
	slbg_hist_merge(&a, &b);
	CU_ASSERT_EQUAL(a.count, 3);
	CU_ASSERT_EQUAL(a.max, 1000000);
	CU_ASSERT_EQUAL(a.sum, 1000030);
	CU_ASSERT_EQUAL(slbg_hist_quantile(&a, 0.5), 20);
}

static CU_TestInfo tests[] = {
	{"buckets_hold_their_values", t_buckets},
	{"quantiles_within_1_16", t_quantiles},
	{"tail", t_tail},
	{"merge", t_merge},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("gen_hist", tests);
}
