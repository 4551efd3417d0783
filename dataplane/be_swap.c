/* be_swap.c: build, publish and retire backend tables (rte_rcu_qsbr grace periods). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "be_check.h"
#include "be_swap.h"
#include "ctl.h"
#include "dp.h"
#include "log.h"
#include "neigh.h"

RTE_LOG_REGISTER(slb_logtype_be, siplb.be, INFO);

/* Tables waiting for their grace period; a swap finding this full waits synchronously. */
#define RETIRE_MAX 16

struct retired {
	struct slb_be_table *t;
	uint64_t token;
};

struct slb_be_table *slb_be_cur;
struct rte_rcu_qsbr *slb_be_qsv;

static struct retired retire[RETIRE_MAX];
static unsigned int nb_retired;
static uint64_t be_version;

void
slb_be_reader_online(unsigned int idx)
{
	rte_rcu_qsbr_thread_register(slb_be_qsv, idx);
	rte_rcu_qsbr_thread_online(slb_be_qsv, idx);
}

void
slb_be_reader_offline(unsigned int idx)
{
	rte_rcu_qsbr_thread_offline(slb_be_qsv, idx);
	rte_rcu_qsbr_thread_unregister(slb_be_qsv, idx);
}

void
slb_be_reclaim(void)
{
	unsigned int i = 0;

	while (i < nb_retired) {
		if (rte_rcu_qsbr_check(slb_be_qsv, retire[i].token, false) == 1) {
			slb_be_table_free(retire[i].t);
			retire[i] = retire[--nb_retired];
			continue;
		}
		i++;
	}
}

/* Ask worker 0 to resolve the backends' next hops now, so that no first call waits for ARP. */
static void
warm_neighbours(const struct slb_be_table *t)
{
	struct slb_neigh_probe pr = {0};
	uint32_t i, nh;
	int pidx;

	if (slb_dp.probe_ring == NULL)
		return;
	for (i = 0; i < t->nb_be; i++) {
		pidx = slb_addr_route(&slb_dp.addr, t->be[i].ip, SLB_ROLE_BACKEND, &nh);
		if (pidx < 0)
			continue;
		pr.ip = nh;
		pr.pidx = (uint16_t)pidx;
		/* full: the first packet toward it asks instead */
		if (rte_ring_enqueue_elem(slb_dp.probe_ring, &pr, sizeof(pr)) != 0)
			break;
	}
}

/* Publish t (now owned here, its version set) and retire the previous table. */
static void
swap(struct slb_be_table *t)
{
	struct slb_be_table *old;

	t->version = ++be_version;
	old = __atomic_exchange_n(&slb_be_cur, t, __ATOMIC_ACQ_REL);
	if (slb_dp.shm != NULL) {
		slb_dp.shm->hdr.be_version = t->version;
		slb_dp.shm->hdr.be_count = t->nb_be;
	}
	SLB_LOG(be, INFO, "backend table v%" PRIu64 ": %u backends, %u up, %u buckets",
		t->version, t->nb_be, t->nb_up, t->mask + 1);
	warm_neighbours(t);
	slb_ctl_table_applied(&slb_dp, t);
	if (old == NULL)
		return;
	if (nb_retired == RETIRE_MAX) {
		/* swaps faster than grace periods: wait for the workers once, then free all */
		rte_rcu_qsbr_synchronize(slb_be_qsv, RTE_QSBR_THRID_INVALID);
		slb_be_reclaim();
	}
	retire[nb_retired].t = old;
	retire[nb_retired].token = rte_rcu_qsbr_start(slb_be_qsv);
	nb_retired++;
}

int
slb_be_apply(const struct slb_be *be, uint32_t n, uint32_t buckets_log2, char *why,
	size_t whylen)
{
	struct slb_be_table *t;
	int rc;

	rc = slb_be_check(be, n, &slb_dp.addr, slb_dp.cfg, why, whylen);
	if (rc < 0)
		return rc;
	t = slb_be_table_build(be, n, buckets_log2, slb_dp.fwd.hkey.seed);
	if (t == NULL) {
		rc = errno != 0 ? -errno : -ENOMEM;
		snprintf(why, whylen, "backend table (%u backends, 2^%u buckets): %s", n,
			buckets_log2, strerror(-rc));
		return rc;
	}
	swap(t);
	return 0;
}

int
slb_be_reload(struct slb_dp *dp)
{
	struct slb_cfg *cfg = malloc(sizeof(*cfg));
	char why[160];
	int rc = -EINVAL;

	if (cfg == NULL)
		return -ENOMEM;
	/* the new backends against the running ports, not the file's */
	if (slb_cfg_reload(cfg, dp->cfg->path, dp->cfg) < 0) {
		SLB_LOG(be, ERR, "reload: %s refused (see above): backends unchanged",
			dp->cfg->path);
		goto out;
	}
	rc = slb_be_apply(cfg->be, cfg->nb_be, cfg->be_buckets_log2, why, sizeof(why));
	if (rc < 0)
		SLB_LOG(be, ERR, "reload: %s: backends unchanged", why);
out:
	slb_cfg_free(cfg);
	free(cfg);
	return rc;
}

int
slb_be_swap_init(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;
	char why[160];
	size_t sz;

	sz = rte_rcu_qsbr_get_memsize(dp->nb_workers);
	slb_be_qsv = rte_zmalloc("slb_be_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (slb_be_qsv == NULL || rte_rcu_qsbr_init(slb_be_qsv, dp->nb_workers) != 0) {
		SLB_LOG(be, ERR, "RCU state for %u workers: %s", dp->nb_workers,
			rte_strerror(rte_errno));
		return -1;
	}
	if (slb_be_apply(cfg->be, cfg->nb_be, cfg->be_buckets_log2, why, sizeof(why)) < 0) {
		SLB_LOG(be, ERR, "%s", why);
		return -1;
	}
	return 0;
}

void
slb_be_swap_term(struct slb_dp *dp)
{
	unsigned int i;

	RTE_SET_USED(dp);
	/* workers have stopped: nothing can hold a table any more */
	for (i = 0; i < nb_retired; i++)
		slb_be_table_free(retire[i].t);
	nb_retired = 0;
	if (slb_be_cur != NULL)
		slb_be_table_free(slb_be_cur);
	slb_be_cur = NULL;
	rte_free(slb_be_qsv);
	slb_be_qsv = NULL;
}
