/* ctl_redis_lag.c: log-linear lag buckets and their quantiles. */
#include "ctl_redis_lag.h"

static uint32_t
bucket(uint64_t us)
{
	uint32_t e;

	if (us < 8)
		return (uint32_t)us;
	e = 63u - (uint32_t)__builtin_clzll(us); /* 3.. */
	if (e > 41)
		return CTL_REDIS_LAG_BUCKETS - 1;
	return 8 + (e - 3) * 8 + (uint32_t)((us >> (e - 3)) & 7);
}

/* The bucket's lowest value and width. */
static void
range(uint32_t i, double *lo, double *w)
{
	uint32_t e, sub;

	if (i < 8) {
		*lo = i;
		*w = 1;
		return;
	}
	e = (i - 8) / 8 + 3;
	sub = (i - 8) % 8;
	*w = (double)(1ull << (e - 3));
	*lo = (double)(1ull << e) + sub * *w;
}

void
ctl_redis_lag_add(struct ctl_redis_lag *h, uint64_t us)
{
	uint32_t i = bucket(us);

	if (i >= CTL_REDIS_LAG_BUCKETS)
		i = CTL_REDIS_LAG_BUCKETS - 1;
	h->b[i]++;
	h->n++;
}

double
ctl_redis_lag_quantile(const struct ctl_redis_lag *h, double q)
{
	uint64_t want, seen = 0;
	double lo, w;
	uint32_t i;

	if (h->n == 0)
		return -1;
	want = (uint64_t)(q * (double)h->n + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < CTL_REDIS_LAG_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			break;
	}
	if (i == CTL_REDIS_LAG_BUCKETS)
		i--;
	range(i, &lo, &w);
	return i < 8 ? lo : lo + w / 2;
}
