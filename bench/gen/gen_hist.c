/* gen_hist.c: siplb-gen's latency histogram (gen_hist.h). */
#include <math.h>

#include "gen_hist.h"

uint64_t
slbg_hist_bucket_low(uint32_t b)
{
	uint32_t e, sub;

	if (b < SLBG_HIST_SUB)
		return b;
	e = b / SLBG_HIST_SUB + 3u; /* the top bit's position */
	sub = b % SLBG_HIST_SUB;
	return (1ull << e) + ((uint64_t)sub << (e - 4u));
}

uint64_t
slbg_hist_quantile(const struct slbg_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	uint32_t b;

	if (h->count == 0)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (b = 0; b < SLBG_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	lo = slbg_hist_bucket_low(b);
	hi = b + 1 < SLBG_HIST_BUCKETS ? slbg_hist_bucket_low(b + 1) : lo;
	mid = b < SLBG_HIST_SUB ? lo : lo + (hi - lo) / 2;
	return mid > h->max ? h->max : mid;
}

void
slbg_hist_merge(struct slbg_hist *dst, const struct slbg_hist *src)
{
	uint32_t b;

	for (b = 0; b < SLBG_HIST_BUCKETS; b++)
		dst->bucket[b] += src->bucket[b];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}
