/* neigh.c: the neighbour table's place in the dataplane: hugepage memory, the probe ring. */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "log.h"
#include "neigh.h"

RTE_LOG_REGISTER(slb_logtype_neigh, siplb.neigh, INFO);

struct slb_neigh_tbl *
slb_neigh_create(uint32_t entries, uint64_t tsc_hz, uint32_t reachable_s, uint32_t timeout_s,
	uint32_t retry_ms, uint32_t incomplete_ms)
{
	struct slb_neigh_cfg cfg = {
		.entries = entries,
		.reachable_tsc = reachable_s * tsc_hz,
		.timeout_tsc = timeout_s * tsc_hz,
		.retry_tsc = tsc_hz * retry_ms / 1000,
		.incomplete_tsc = tsc_hz * incomplete_ms / 1000,
	};
	size_t size = slb_neigh_memsize(&cfg);
	struct slb_neigh_tbl *t;
	void *mem;

	if (size == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	mem = rte_malloc("slb_neigh", size, RTE_CACHE_LINE_SIZE);
	if (mem == NULL)
		return NULL;
	t = slb_neigh_init(mem, &cfg);
	SLB_LOG(neigh, INFO, "%u entries, reachable %us, timeout %us, ARP retry %ums", entries,
		reachable_s, timeout_s, retry_ms);
	return t;
}

void
slb_neigh_free(struct slb_neigh_tbl *t)
{
	rte_free(t);
}

static bool
probe_enqueue(void *arg, const struct slb_neigh_probe *pr)
{
	struct slb_neigh_probe copy = *pr; /* the ring's API takes a non-const object */

	return rte_ring_enqueue_elem(arg, &copy, sizeof(copy)) == 0;
}

void
slb_neigh_age(struct slb_neigh_tbl *t, uint64_t tsc, struct rte_ring *probe_ring,
	struct slb_neigh_age_result *res)
{
	slb_neigh_sweep(t, tsc, probe_enqueue, probe_ring, res);
}
