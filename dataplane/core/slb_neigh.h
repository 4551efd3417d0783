/* slb_neigh.h: the IPv4 neighbour (ARP) table, shared by every lcore; lookups take no lock. */
#ifndef SLB_NEIGH_H
#define SLB_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_pause.h>

/*
 * An entry is keyed by (our port index, IPv4 address): a MAC learned on one port never answers a
 * lookup for another, and the same address on two ports (two separate links) is two entries.
 *
 * A fixed array of entries, open addressing with linear probing on the key (at most
 * SLB_NEIGH_PROBES slots from its home). Nothing is allocated after init and a slot is never
 * emptied, only marked FAILED and later reused for another key, so probe chains stay intact.
 * The memory comes from the caller (slb_neigh_memsize()/slb_neigh_init()): hugepages in the
 * dataplane, the heap in tests, so this file needs no EAL.
 *
 * Each entry is a seqlock: writers (any worker receiving ARP, the main lcore aging) take it by
 * moving seq from even to odd with a compare-and-swap and release it by storing the next even
 * value; readers copy the entry between two equal even reads of seq and never write. req_tsc sits
 * outside the seqlock: lcores compare-and-swap it so that one of them sends each ARP request.
 *
 * Nobody waits for long: a writer preempted inside its few stores (the main lcore and workers may
 * share a core) would otherwise stall every lcore that touches the entry. Readers and writers give
 * up after SLB_NEIGH_TRIES looks at an odd seq; a lookup then answers SLB_NEIGH_BUSY, which the
 * caller treats as "not resolved yet" (the packet waits in its pending queue and is tried again).
 */

enum slb_neigh_state {
	SLB_NEIGH_FREE = 0,   /* never used */
	SLB_NEIGH_INCOMPLETE, /* ARP asked, no answer yet */
	SLB_NEIGH_REACHABLE,  /* confirmed less than neighbour.reachable seconds ago */
	SLB_NEIGH_PROBE,      /* older: still used while a re-ARP is asked */
	SLB_NEIGH_FAILED,     /* no answer, or aged out: the slot may take another key */
};

#define SLB_NEIGH_PROBES 16

/*
 * Looks at an odd seq before giving up. A writer holds an entry for a handful of stores (tens of
 * ns); 64 pauses are a few microseconds, far above that and far below a scheduler time slice.
 */
#define SLB_NEIGH_TRIES 64

/* slb_neigh_lookup() results besides a slot. */
#define SLB_NEIGH_MISS (-1) /* no entry for the key */
#define SLB_NEIGH_BUSY (-2) /* a slot on the key's chain stayed locked: unknown for now */

struct slb_neigh {
	uint32_t seq;
	uint32_t ip;              /* host order, 0: never used */
	struct rte_ether_addr mac;
	uint8_t state;            /* enum slb_neigh_state */
	uint8_t pidx;             /* our port: part of the key */
	uint64_t stamp;           /* TSC: last confirmation, or when it was asked (INCOMPLETE) */
	uint64_t req_tsc;         /* TSC of the last ARP request for it (not under seq) */
} __rte_aligned(32);

/* A reader's copy. */
struct slb_neigh_view {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint8_t state;
	uint8_t pidx;
	uint64_t stamp;
};

struct slb_neigh_cfg {
	uint32_t entries;        /* a power of two, at least SLB_NEIGH_PROBES */
	uint64_t reachable_tsc;  /* REACHABLE -> PROBE after this */
	uint64_t timeout_tsc;    /* PROBE -> FAILED after this (from the last confirmation) */
	uint64_t retry_tsc;      /* at most one ARP request per entry per this */
	uint64_t incomplete_tsc; /* INCOMPLETE -> FAILED after this */
};

struct slb_neigh_tbl {
	uint32_t mask;          /* entries - 1 */
	uint32_t shift;         /* 32 - log2(entries) */
	uint64_t reachable_tsc;
	uint64_t timeout_tsc;
	uint64_t retry_tsc;
	uint64_t incomplete_tsc;
	struct slb_neigh e[] __rte_cache_aligned;
};

static inline uint32_t
slb_neigh_home(const struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip)
{
	/* Fibonacci hashing; the port moves the key by an odd constant so ports spread apart */
	return ((ip + pidx * 0x85ebca6bu) * 2654435769u) >> t->shift;
}

/*
 * Copy entry e consistently into v. Returns false when a writer held it through every try (v is
 * then meaningless: the caller treats the entry as unknown).
 */
static inline bool
slb_neigh_read(const struct slb_neigh *e, struct slb_neigh_view *v)
{
	uint32_t s1, s2, n;

	for (n = 0; n < SLB_NEIGH_TRIES; n++) {
		s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (unlikely(s1 & 1)) {
			rte_pause();
			continue;
		}
		v->ip = e->ip;
		v->mac = e->mac;
		v->state = e->state;
		v->pidx = e->pidx;
		v->stamp = e->stamp;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if (likely(s1 == s2))
			return true;
	}
	return false;
}

/*
 * Find (pidx, ip). Returns its slot (v filled), SLB_NEIGH_MISS, or SLB_NEIGH_BUSY when it is
 * absent from every slot that could be read but a locked slot on its chain might hold it.
 */
static inline int
slb_neigh_lookup(const struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip,
	struct slb_neigh_view *v)
{
	uint32_t i = slb_neigh_home(t, pidx, ip), n;
	int miss = SLB_NEIGH_MISS;

	for (n = 0; n < SLB_NEIGH_PROBES; n++, i = (i + 1) & t->mask) {
		if (unlikely(!slb_neigh_read(&t->e[i], v))) {
			miss = SLB_NEIGH_BUSY;
			continue;
		}
		if (v->ip == ip && v->pidx == pidx)
			return (int)i;
		if (v->ip == 0)
			break;
	}
	return miss;
}

static inline bool
slb_neigh_usable(const struct slb_neigh_view *v)
{
	return v->state == SLB_NEIGH_REACHABLE || v->state == SLB_NEIGH_PROBE;
}

/* Whether this lcore is the one to send an ARP request for slot idx now (one per retry_tsc). */
static inline bool
slb_neigh_may_request(struct slb_neigh_tbl *t, int idx, uint64_t tsc)
{
	uint64_t *p = &t->e[idx].req_tsc;
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);

	/* signed: another lcore may have stored a TSC later than this lcore's iteration start */
	if ((int64_t)(tsc - old) < (int64_t)t->retry_tsc)
		return false;
	return __atomic_compare_exchange_n(p, &old, tsc, false, __ATOMIC_RELAXED,
		__ATOMIC_RELAXED);
}

/* What the main lcore's probe ring carries to worker 0. */
struct slb_neigh_probe {
	uint32_t ip;
	uint16_t pidx;
	uint16_t _pad;
};

/* Bytes slb_neigh_init() needs for cfg; 0 when cfg is refused. */
size_t slb_neigh_memsize(const struct slb_neigh_cfg *cfg);

/* Initialise a table in mem (cache-line aligned, slb_neigh_memsize() bytes). NULL on bad cfg. */
struct slb_neigh_tbl *slb_neigh_init(void *mem, const struct slb_neigh_cfg *cfg);

/*
 * Learn (pidx, ip) at mac from an ARP addressed to us: refresh it (REACHABLE), or create it when
 * create is set. Without create nothing new appears: an ARP not addressed to us (gratuitous, or
 * between two other hosts) only refreshes a neighbour we already use on that port. The caller
 * has checked that ip is on pidx's prefixes (slb_addr_learnable()). Returns the slot, or -1
 * (absent and not created, no free slot, or its slot stayed locked).
 */
int slb_neigh_learn(struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip,
	const struct rte_ether_addr *mac, uint64_t tsc, bool create);

/*
 * Make sure (pidx, ip) has an entry to wait on: create it INCOMPLETE (or turn a FAILED one
 * INCOMPLETE). Returns the slot, or -1 when there is no free slot near its home (or it stayed
 * locked).
 */
int slb_neigh_want(struct slb_neigh_tbl *t, uint16_t pidx, uint32_t ip, uint64_t tsc);

struct slb_neigh_age_result {
	uint32_t used;    /* entries not FREE nor FAILED */
	uint32_t probed;  /* REACHABLE -> PROBE: re-ARP asked through probe() */
	uint32_t failed;  /* -> FAILED */
};

/* Hands a re-ARP to whoever sends it; false when it could not take it (counted as not probed). */
typedef bool (*slb_neigh_probe_fn)(void *arg, const struct slb_neigh_probe *pr);

/* One aging pass (main lcore): re-ARP before expiry (through probe), fail after. */
void slb_neigh_sweep(struct slb_neigh_tbl *t, uint64_t tsc, slb_neigh_probe_fn probe, void *arg,
	struct slb_neigh_age_result *res);

#endif /* SLB_NEIGH_H */
