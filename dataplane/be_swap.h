/* be_swap.h: the published backend table: lock-free reads, freed after an RCU grace period. */
#ifndef SLB_BE_SWAP_H
#define SLB_BE_SWAP_H

#include <rte_rcu_qsbr.h>

#include "slb_be.h"

struct slb_dp;

/* Written only by slb_be_swap(); workers load it once per loop iteration. */
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
 * Main lcore: publish t (built by slb_be_table_build, now owned here; its version is set) and
 * retire the previous table, freed once every worker has passed a quiescent state.
 * Returns 0, or -1 when t is NULL.
 */
int slb_be_swap(struct slb_be_table *t);

/* Main lcore, each slow-path tick: free retired tables whose grace period is over. */
void slb_be_reclaim(void);

/*
 * Main lcore, on SIGHUP: read the config file again and swap in a table built from its backends
 * (and backend_buckets_log2), checked against the running ports (slb_cfg_reload()). Everything
 * else in the file needs a restart; a file whose ports, addresses or gateway differ from the
 * running ones is refused, as is one where no backend takes calls with require_backend. A
 * refused file keeps the running table. Returns 0 or -1.
 */
int slb_be_reload(struct slb_dp *dp);

/* Module init (RCU state, table from the config) and term (frees every table). */
int slb_be_swap_init(struct slb_dp *dp);
void slb_be_swap_term(struct slb_dp *dp);

#endif /* SLB_BE_SWAP_H */
