/* test_ctl_redis_lag.c: the lag histogram's quantiles against sorted samples. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "ctl_redis_lag.h"
#include "slb_test.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Any sample set: each quantile within its bucket's width (12.5%) of the exact one. */
static void
test_quantiles(void)
{
	static uint64_t v[20000];
	struct ctl_redis_lag h = {0};
	static const double qs[] = {0.5, 0.9, 0.99, 1.0};
	unsigned int seed = 3, i, k;

	for (i = 0; i < 20000; i++) {
		/* a wide spread: 1 us to ~4 s, as lags are with an outage in them */
		v[i] = (uint64_t)rand_r(&seed) % (1u << (1 + rand_r(&seed) % 22));
		ctl_redis_lag_add(&h, v[i]);
	}
	qsort(v, 20000, sizeof(v[0]), cmp_u64);
	CU_ASSERT_EQUAL(h.n, 20000);
	for (k = 0; k < 4; k++) {
		uint64_t idx = (uint64_t)(qs[k] * 20000 + 0.999999) - 1;
		double exact = (double)v[idx], got = ctl_redis_lag_quantile(&h, qs[k]);

		CU_ASSERT(got >= exact * 0.875 - 1 && got <= exact * 1.125 + 1);
	}
}

static void
test_edges(void)
{
	struct ctl_redis_lag h = {0};

	CU_ASSERT(ctl_redis_lag_quantile(&h, 0.5) < 0);
	ctl_redis_lag_add(&h, 3);
	CU_ASSERT_DOUBLE_EQUAL(ctl_redis_lag_quantile(&h, 0.99), 3, 0.001); /* exact below 8 */
	ctl_redis_lag_add(&h, ~0ull);					    /* the last bucket */
	CU_ASSERT_EQUAL(h.b[CTL_REDIS_LAG_BUCKETS - 1], 1);
	CU_ASSERT(ctl_redis_lag_quantile(&h, 1.0) > 1e12);
	CU_ASSERT_DOUBLE_EQUAL(ctl_redis_lag_quantile(&h, 0.5), 3, 0.001);
}

static CU_TestInfo tests[] = {
	{"quantiles within a bucket", test_quantiles},
	{"empty, small, huge", test_edges},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("ctl_redis_lag", tests);
}
