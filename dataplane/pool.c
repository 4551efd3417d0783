/* pool.c: mbuf pools, and the leak check at exit (every mbuf must be back). */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp.h"
#include "log.h"
#include "pool.h"

RTE_LOG_REGISTER(slb_logtype_pool, siplb.pool, INFO);

static struct rte_mempool *
mk(const char *name, uint32_t n, uint32_t cache, uint32_t room)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, slb_cfg_pool_cache(n, cache, slb_dp.nb_workers), 0,
		(uint16_t)room, (int)rte_socket_id());
	if (mp == NULL)
		SLB_LOG(pool, ERR, "%s: %u mbufs of %u B: %s", name, n, room,
			rte_strerror(rte_errno));
	else
		SLB_LOG(pool, INFO, "%s: %u mbufs of %u B, cache %u", name, n, room,
			mp->cache_size);
	return mp;
}

int
slb_pool_init(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;

	dp->pool = mk("slb_mbuf", cfg->pool_size, cfg->pool_cache, cfg->pool_data_room);
	if (dp->pool == NULL)
		return -1;
	dp->big_pool = mk("slb_big", cfg->big_pool_size, 32, cfg->big_data_room);
	if (dp->big_pool == NULL)
		return -1;
	dp->ind_pool = mk("slb_indirect", cfg->indirect_pool_size, 64, 0);
	if (dp->ind_pool == NULL)
		return -1;
	dp->shm->hdr.pool_size = dp->pool->size;
	slb_pool_gauge(dp);
	return 0;
}

void
slb_pool_gauge(struct slb_dp *dp)
{
	dp->shm->hdr.pool_free = rte_mempool_avail_count(dp->pool);
}

static void
report_free(struct rte_mempool **mp)
{
	if (*mp == NULL)
		return;
	/* avail_count includes every lcore's cache */
	printf("mempool: %u of %u mbufs free (%s)\n", rte_mempool_avail_count(*mp), (*mp)->size,
		(*mp)->name);
	rte_mempool_free(*mp);
	*mp = NULL;
}

void
slb_pool_term(struct slb_dp *dp)
{
	report_free(&dp->pool);
	report_free(&dp->big_pool);
	report_free(&dp->ind_pool);
	fflush(stdout);
}
