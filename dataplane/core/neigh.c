/* neigh.c: neighbour table writers (ARP learning, entries to wait on) and the aging pass. */
#include <string.h>

#include "slb_neigh.h"

/* A few rounds are plenty: a claim fails only when another writer took the slot meanwhile. */
#define CLAIM_ROUNDS 4

/* Take e's seqlock: returns the odd sequence, or 0 when it stayed held through every try. */
static uint32_t
entry_lock(struct slb_neigh *e)
{
	uint32_t s, n;

	for (n = 0; n < SLB_NEIGH_TRIES; n++) {
		s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if ((s & 1) == 0 && __atomic_compare_exchange_n(&e->seq, &s, s + 1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			/*
			 * The acquire CAS keeps our stores from moving above it, not the odd seq
			 * from becoming visible after them: without this fence a reader on a weakly
			 * ordered CPU (ARM) could see new data under the old even seq and keep a
			 * torn copy.
			 */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			return s + 1;
		}
		rte_pause();
	}
	return 0;
}

static void
entry_unlock(struct slb_neigh *e, uint32_t s)
{
	__atomic_store_n(&e->seq, s + 1, __ATOMIC_RELEASE);
}

/*
 * The slot holding (pidx, ip), or (create) the first reusable slot on its chain: a FAILED one,
 * or the empty slot that ends the chain. -1 if neither, or when a slot it had to read stayed
 * locked (it might be the key's). *found says which.
 */
static int
scan(const struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip, bool create, bool *found)
{
	struct slb_neigh_view v;
	uint32_t i = slb_neigh_home(t, pidx, ip), n;
	int cand = -1;

	*found = false;
	for (n = 0; n < SLB_NEIGH_PROBES; n++, i = (i + 1) & t->mask) {
		if (!slb_neigh_read(&t->e[i], &v))
			return -1;
		if (v.ip == ip && v.pidx == pidx) {
			*found = true;
			return (int)i;
		}
		if (v.ip == 0) {
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
 * Lock the slot for (pidx, ip) (existing, or claimed for it when create). Returns the slot with
 * the lock's sequence in *seq and *fresh set when it was claimed, or -1.
 */
static int
lock_slot(struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip, bool create, uint32_t *seq,
	bool *fresh)
{
	struct slb_neigh *e;
	bool found;
	int r, i;

	for (r = 0; r < CLAIM_ROUNDS; r++) {
		i = scan(t, pidx, ip, create, &found);
		if (i < 0)
			return -1;
		e = &t->e[i];
		*seq = entry_lock(e);
		if (*seq == 0)
			return -1;
		if (e->ip == ip && e->pidx == pidx) {
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
slb_neigh_learn(struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip,
	const struct rte_ether_addr *mac, uint64_t tsc, bool create)
{
	struct slb_neigh *e;
	uint32_t seq;
	bool fresh;
	int i;

	if (ip == 0)
		return -1;
	i = lock_slot(t, pidx, ip, create, &seq, &fresh);
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
slb_neigh_want(struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip, uint64_t tsc)
{
	struct slb_neigh *e;
	uint32_t seq;
	bool fresh;
	int i;

	/* ip 0 marks a never-used slot: it cannot be a key */
	if (ip == 0)
		return -1;
	i = lock_slot(t, pidx, ip, true, &seq, &fresh);
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

size_t
slb_neigh_memsize(const struct slb_neigh_cfg *cfg)
{
	if (cfg == NULL || cfg->entries < SLB_NEIGH_PROBES || !rte_is_power_of_2(cfg->entries))
		return 0;
	return sizeof(struct slb_neigh_tbl) + (size_t)cfg->entries * sizeof(struct slb_neigh);
}

struct slb_neigh_tbl *
slb_neigh_init(void *mem, const struct slb_neigh_cfg *cfg)
{
	struct slb_neigh_tbl *t = mem;
	size_t size = slb_neigh_memsize(cfg);

	if (size == 0 || mem == NULL || ((uintptr_t)mem & (RTE_CACHE_LINE_SIZE - 1)) != 0)
		return NULL;
	memset(mem, 0, size);
	t->mask = cfg->entries - 1;
	t->shift = 32 - rte_log2_u32(cfg->entries);
	t->reachable_tsc = cfg->reachable_tsc;
	t->timeout_tsc = cfg->timeout_tsc;
	t->retry_tsc = cfg->retry_tsc;
	t->incomplete_tsc = cfg->incomplete_tsc;
	return t;
}

/*
 * Move e from the state read into v (same key and stamp) to `to`; false when it changed or
 * stayed locked (the next pass looks again).
 */
static bool
transition(struct slb_neigh *e, const struct slb_neigh_view *v, uint8_t to)
{
	uint32_t seq = entry_lock(e);
	bool ok;

	if (seq == 0)
		return false;
	ok = e->ip == v->ip && e->pidx == v->pidx && e->state == v->state && e->stamp == v->stamp;
	if (ok)
		e->state = to;
	entry_unlock(e, seq);
	return ok;
}

void
slb_neigh_sweep(struct slb_neigh_tbl *t, uint64_t tsc, slb_neigh_probe_fn probe, void *arg,
	struct slb_neigh_age_result *res)
{
	struct slb_neigh_view v;
	struct slb_neigh_probe pr;
	uint32_t i;
	uint64_t age;

	memset(res, 0, sizeof(*res));
	for (i = 0; i <= t->mask; i++) {
		struct slb_neigh *e = &t->e[i];

		/* a slot held by a writer is looked at again on the next pass */
		if (!slb_neigh_read(e, &v) || v.ip == 0 || v.state == SLB_NEIGH_FAILED)
			continue;
		res->used++;
		age = tsc - v.stamp;
		switch (v.state) {
		case SLB_NEIGH_REACHABLE:
			if (age <= t->reachable_tsc)
				break;
			if (transition(e, &v, SLB_NEIGH_PROBE)) {
				pr.ip = v.ip;
				pr.pidx = v.pidx;
				pr._pad = 0;
				/* refused is fine: a worker using the entry asks too */
				if (probe(arg, &pr))
					res->probed++;
			}
			break;
		case SLB_NEIGH_PROBE:
			if (age > t->timeout_tsc && transition(e, &v, SLB_NEIGH_FAILED))
				res->failed++;
			break;
		case SLB_NEIGH_INCOMPLETE:
			if (age > t->incomplete_tsc && transition(e, &v, SLB_NEIGH_FAILED))
				res->failed++;
			break;
		default:
			break;
		}
	}
}
