/* stats.h: the counters (in the control segment), the per-lcore write protocol, the reports. */
#ifndef SLB_DP_STATS_H
#define SLB_DP_STATS_H

#include <stdio.h>

#include "slb_stats.h"

struct slb_dp;

/* Open a batch of counter updates on this lcore's slot (seq becomes odd). */
static inline void
slb_stats_begin(struct slb_stats_lcore *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Close it (seq even again): the slot is consistent for readers. */
static inline void
slb_stats_end(struct slb_stats_lcore *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/* The main lcore's own slot (after the workers'). */
struct slb_stats_lcore *slb_stats_main_slot(struct slb_dp *dp);

/* Sum every slot into sum (consistent per slot, retrying torn reads). */
void slb_stats_sum(const struct slb_dp *dp, struct slb_stats_ctr *sum);

/* Every stats_interval: a compact multi-line summary through rte_log. */
void slb_stats_log(struct slb_dp *dp);

/* At exit: the same summary on f (stdout), for people and tests. */
void slb_stats_print(struct slb_dp *dp, FILE *f);

int slb_stats_init(struct slb_dp *dp);
void slb_stats_term(struct slb_dp *dp);

#endif /* SLB_DP_STATS_H */
