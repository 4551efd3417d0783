/* be_swap.h: the published backend table: lock-free reads, freed after an RCU grace period. */
#ifndef SLB_BE_SWAP_H
#define SLB_BE_SWAP_H

#include <stddef.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "slb_be.h"

struct slb_dp;

/* Written only by slb_be_apply(); workers load it once per loop iteration. */
extern struct slb_be_table *slb_be_cur;
extern struct rte_rcu_qsbr *slb_be_qsv;

static inline const struct slb_be_table *
slb_be_current(void)
{
	return __atomic_load_n(&slb_be_cur, __ATOMIC_ACQUIRE);
}

/* Worker idx holds no table reference now (end of each loop iteration). */
static inline void
slb_be_quiescent(unsigned int idx)
{
	rte_rcu_qsbr_quiescent(slb_be_qsv, idx);
}

void slb_be_reader_online(unsigned int idx);
void slb_be_reader_offline(unsigned int idx);

/*
 * Main lcore: run these n backends from now on. The one way a table changes: at start, on
 * SIGHUP (slb_be_reload()) and on siplb-control's SLB_CTL_REQ_BACKENDS. Checks them against the
 * running ports (ids unique and below SLB_BE_ID_MAX, ip:port unique, a known state, each host
 * reached through a port whose role includes backends), builds a table of 2^buckets_log2
 * buckets keyed by the hash secret, publishes it (the previous one is freed once every worker
 * has passed a quiescent state), publishes the set in the control segment and tells control
 * (SLB_CTL_EVT_TABLE). Returns 0, or a negative errno (-EINVAL, -ENOMEM) with the reason in
 * why; the running table then stays.
 */
int slb_be_apply(const struct slb_be *be, uint32_t n, uint32_t buckets_log2, char *why,
	size_t whylen);

/* Main lcore, each slow-path tick: free retired tables whose grace period is over. */
void slb_be_reclaim(void);

/*
 * Main lcore, on SIGHUP: read the config file again and swap in a table built from its backends
 * (and backend_buckets_log2), checked against the running ports (slb_cfg_reload()). Everything
 * else in the file needs a restart; a file whose ports, addresses or gateway differ from the
 * running ones is refused, as is one where no backend takes calls with require_backend. A
 * refused file keeps the running table. Returns 0 or a negative errno (-EINVAL: refused).
 */
int slb_be_reload(struct slb_dp *dp);

/* Module init (RCU state, table from the config) and term (frees every table). */
int slb_be_swap_init(struct slb_dp *dp);
void slb_be_swap_term(struct slb_dp *dp);

#endif /* SLB_BE_SWAP_H */
