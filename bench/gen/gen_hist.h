/* gen_hist.h: siplb-gen's latency histogram: log-linear buckets, percentiles within 1/16. */
#ifndef SLBG_HIST_H
#define SLBG_HIST_H

#include <stdint.h>

/*
 * Values (nanoseconds) below 16 have a bucket each; above, each power of two is cut in 16
 * equal buckets, so a percentile is off by at most 1/16 of its value (6%), whatever the
 * range: 2 KiB of counters hold 16 ns to 2^63 ns. Recording is a bit scan and an increment.
 */
#define SLBG_HIST_SUB 16
#define SLBG_HIST_BUCKETS (64 * SLBG_HIST_SUB)

struct slbg_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t bucket[SLBG_HIST_BUCKETS];
};

static inline uint32_t
slbg_hist_bucket(uint64_t v)
{
	uint32_t msb;

	if (v < SLBG_HIST_SUB)
		return (uint32_t)v;
	msb = 63u - (uint32_t)__builtin_clzll(v); /* >= 4 */
	/* the 4 bits below the top one pick the sub-bucket */
	return (msb - 3u) * SLBG_HIST_SUB + (uint32_t)((v >> (msb - 4u)) & (SLBG_HIST_SUB - 1));
}

static inline void
slbg_hist_add(struct slbg_hist *h, uint64_t v)
{
	h->bucket[slbg_hist_bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* The smallest value bucket b holds. */
uint64_t slbg_hist_bucket_low(uint32_t b);

/*
 * The value at quantile q (0..1): the middle of the bucket holding the ceil(q * count)-th
 * value, never above the maximum seen; 0 when empty.
 */
uint64_t slbg_hist_quantile(const struct slbg_hist *h, double q);

/* Add src's counts to dst. */
void slbg_hist_merge(struct slbg_hist *dst, const struct slbg_hist *src);

#endif /* SLBG_HIST_H */
