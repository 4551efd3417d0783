/* ctl_redis_lag.h: a histogram of lags (event to Redis's reply) for p50 and p99 per interval. */
#ifndef CTL_REDIS_LAG_H
#define CTL_REDIS_LAG_H

#include <stdint.h>

/*
 * Log-linear buckets in microseconds: exact below 8, then 8 per power of two (at most 12.5%
 * wide) up to 2^40 us (12 days: an event that waited out a long outage still counts). 320
 * counters: cheap to add to per operation, to copy and to reset per interval.
 */
#define CTL_REDIS_LAG_BUCKETS 320

struct ctl_redis_lag {
	uint64_t n;
	uint32_t b[CTL_REDIS_LAG_BUCKETS];
};

void ctl_redis_lag_add(struct ctl_redis_lag *h, uint64_t us);

/* The q-quantile (0 < q <= 1) in microseconds, the middle of its bucket; -1 when empty. */
double ctl_redis_lag_quantile(const struct ctl_redis_lag *h, double q);

#endif /* CTL_REDIS_LAG_H */
