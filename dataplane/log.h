/* log.h: one rte_log type per dataplane module, and a rate limit for what can repeat. */
#ifndef SLB_LOG_H
#define SLB_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

/* Each module's .c registers its type: RTE_LOG_REGISTER(slb_logtype_<mod>, siplb.<mod>, INFO). */
extern int slb_logtype_main;
extern int slb_logtype_port;
extern int slb_logtype_pool;
extern int slb_logtype_neigh;
extern int slb_logtype_l2;
extern int slb_logtype_frag;
extern int slb_logtype_sip;
extern int slb_logtype_be;
extern int slb_logtype_worker;
extern int slb_logtype_stats;
extern int slb_logtype_ctl;

#define SLB_LOG(mod, level, fmt, ...) \
	rte_log(RTE_LOG_##level, slb_logtype_##mod, #mod ": " fmt "\n", ##__VA_ARGS__)

/*
 * For conditions a packet can cause: log at most once per interval per call site and lcore.
 * *last is the caller's (per-lcore) TSC of the last message.
 */
static inline bool
slb_log_ratelimit(uint64_t *last, uint64_t now_tsc, uint64_t interval_tsc)
{
	if (now_tsc - *last < interval_tsc)
		return false;
	*last = now_tsc;
	return true;
}

#endif /* SLB_LOG_H */
