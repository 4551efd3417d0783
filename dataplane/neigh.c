/* neigh.c: neighbour table writers (ARP learning, entries to wait on) and the main lcore aging. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "log.h"
#include "neigh.h"

RTE_LOG_REGISTER(slb_logtype_neigh, siplb.neigh, INFO);

/* A few rounds are plenty: a claim fails only when another writer took the slot meanwhile. */
#define CLAIM_ROUNDS 4

static uint32_t
entry_lock(struct slb_neigh *e)
{
	uint32_t s;

	for (;;) {
		s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if ((s & 1) == 0 && __atomic_compare_exchange_n(&e->seq, &s, s + 1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return s + 1;
		rte_pause();
	}
}

static void
entry_unlock(struct slb_neigh *e, uint32_t s)
{
	__atomic_store_n(&e->seq, s + 1, __ATOMIC_RELEASE);
}

/*
 * The slot holding ip, or (create) the first reusable slot on its chain: a FAILED one, or the
 * empty slot that ends the chain. -1 if neither. *found says which.
 */
static int
scan(const struct slb_neigh_tbl *t, uint32_t ip, bool create, bool *found)
{
	struct slb_neigh_view v;
	uint32_t i = slb_neigh_home(t, ip), n, eip;
	int cand = -1;

	*found = false;
	for (n = 0; n < SLB_NEIGH_PROBES; n++, i = (i + 1) & t->mask) {
		eip = slb_neigh_read(&t->e[i], &v);
		if (eip == ip) {
			*found = true;
			return (int)i;
		}
		if (eip == 0) {
			if (cand < 0)
				cand = (int)i;
			break;
		}
		if (v.state == SLB_NEIGH_FAILED && cand < 0)
			cand = (int)i;
	}
	return create ? cand : -1;
}

/*
 * Lock the slot for ip (existing, or claimed for it when create). Returns the slot with the
 * lock's sequence in *seq and *fresh set when it was claimed, or -1.
 */
static int
lock_slot(struct slb_neigh_tbl *t, uint32_t ip, bool create, uint32_t *seq, bool *fresh)
{
	struct slb_neigh *e;
	bool found;
	int r, i;

	for (r = 0; r < CLAIM_ROUNDS; r++) {
		i = scan(t, ip, create, &found);
		if (i < 0)
			return -1;
		e = &t->e[i];
		*seq = entry_lock(e);
		if (e->ip == ip) {
			*fresh = false;
			return i;
		}
		/* still reusable for us after the lock? (another writer may have claimed it) */
		if (!found && (e->ip == 0 || e->state == SLB_NEIGH_FAILED)) {
			*fresh = true;
			return i;
		}
		entry_unlock(e, *seq);
	}
	return -1;
}

int
slb_neigh_learn(struct slb_neigh_tbl *t, uint32_t ip, const struct rte_ether_addr *mac,
	uint16_t pidx, uint64_t tsc, bool create)
{
	struct slb_neigh *e;
	uint32_t seq;
	bool fresh;
	int i;

	if (ip == 0)
		return -1;
	i = lock_slot(t, ip, create, &seq, &fresh);
	if (i < 0)
		return -1;
	e = &t->e[i];
	e->ip = ip;
	e->mac = *mac;
	e->state = SLB_NEIGH_REACHABLE;
	e->pidx = (uint8_t)pidx;
	e->stamp = tsc;
	if (fresh)
		__atomic_store_n(&e->req_tsc, 0, __ATOMIC_RELAXED);
	entry_unlock(e, seq);
	return i;
}

int
slb_neigh_want(struct slb_neigh_tbl *t, uint32_t ip, uint16_t pidx, uint64_t tsc)
{
	struct slb_neigh *e;
	uint32_t seq;
	bool fresh;
	int i;

	i = lock_slot(t, ip, true, &seq, &fresh);
	if (i < 0)
		return -1;
	e = &t->e[i];
	if (fresh || e->state == SLB_NEIGH_FAILED) {
		e->ip = ip;
		memset(&e->mac, 0, sizeof(e->mac));
		e->state = SLB_NEIGH_INCOMPLETE;
		e->pidx = (uint8_t)pidx;
		e->stamp = tsc;
		__atomic_store_n(&e->req_tsc, 0, __ATOMIC_RELAXED);
	}
	entry_unlock(e, seq);
	return i;
}

struct slb_neigh_tbl *
slb_neigh_create(uint32_t entries, uint64_t tsc_hz, uint32_t reachable_s, uint32_t timeout_s,
	uint32_t retry_ms, uint32_t incomplete_ms)
{
	struct slb_neigh_tbl *t;

	if (entries < SLB_NEIGH_PROBES || !rte_is_power_of_2(entries)) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc("slb_neigh", sizeof(*t) + entries * sizeof(t->e[0]), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return NULL;
	t->mask = entries - 1;
	t->shift = 32 - rte_log2_u32(entries);
	t->reachable_tsc = reachable_s * tsc_hz;
	t->timeout_tsc = timeout_s * tsc_hz;
	t->retry_tsc = tsc_hz * retry_ms / 1000;
	t->incomplete_tsc = tsc_hz * incomplete_ms / 1000;
	SLB_LOG(neigh, INFO, "%u entries, reachable %us, timeout %us, ARP retry %ums", entries,
		reachable_s, timeout_s, retry_ms);
	return t;
}

void
slb_neigh_free(struct slb_neigh_tbl *t)
{
	rte_free(t);
}

/* Move slot i from state `from` (as read, same stamp) to `to`; false when it changed meanwhile. */
static bool
transition(struct slb_neigh *e, uint32_t ip, uint8_t from, uint64_t stamp, uint8_t to)
{
	uint32_t seq = entry_lock(e);
	bool ok = e->ip == ip && e->state == from && e->stamp == stamp;

	if (ok)
		e->state = to;
	entry_unlock(e, seq);
	return ok;
}

void
slb_neigh_age(struct slb_neigh_tbl *t, uint64_t tsc, struct rte_ring *probe_ring,
	struct slb_neigh_age_result *res)
{
	struct slb_neigh_view v;
	struct slb_neigh_probe pr;
	uint32_t i, ip;
	uint64_t age;

	memset(res, 0, sizeof(*res));
	for (i = 0; i <= t->mask; i++) {
		struct slb_neigh *e = &t->e[i];

		ip = slb_neigh_read(e, &v);
		if (ip == 0 || v.state == SLB_NEIGH_FAILED)
			continue;
		res->used++;
		age = tsc - v.stamp;
		switch (v.state) {
		case SLB_NEIGH_REACHABLE:
			if (age <= t->reachable_tsc)
				break;
			if (transition(e, ip, v.state, v.stamp, SLB_NEIGH_PROBE)) {
				pr.ip = ip;
				pr.pidx = v.pidx;
				pr._pad = 0;
				/* a full ring is fine: a worker using the entry asks too */
				if (rte_ring_enqueue_elem(probe_ring, &pr, sizeof(pr)) == 0)
					res->probed++;
			}
			break;
		case SLB_NEIGH_PROBE:
			if (age > t->timeout_tsc &&
					transition(e, ip, v.state, v.stamp, SLB_NEIGH_FAILED))
				res->failed++;
			break;
		case SLB_NEIGH_INCOMPLETE:
			if (age > t->incomplete_tsc &&
					transition(e, ip, v.state, v.stamp, SLB_NEIGH_FAILED))
				res->failed++;
			break;
		default:
			break;
		}
	}
}
