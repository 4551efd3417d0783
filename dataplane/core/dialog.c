/* dialog.c: the lock-free dialog table (Call-ID hash -> backend) that every worker lcore shares. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_pause.h>
#include <rte_prefetch.h>

#include "slb_be.h"
#include "slb_dlg.h"

/*
 * A slot is {key, val}. val is 0 when the slot is free, else
 *   bits 63..48 tag (key >> 48), 47..36 backend id, 35..32 state, 31..0 last-seen second.
 * A live dialog has state EARLY or CONFIRMED and a last-seen second younger than its state's
 * timeout; any other non-zero val except PENDING is expired and counts as free.
 *
 * Only val is ever compared-and-swapped. Claiming a slot is CAS(val: free -> PENDING) then a store
 * of key, so a reader that loads key then val sees at least the claimer's val and its tag.
 *
 * Two writers may create the same key at once (an INVITE retransmitted onto two queues). Each
 * publishes a PENDING slot, then looks at the key's other slots (seq_cst on both sides, so at
 * least one of two such writers sees the other):
 *   - a live one: release ours, report that one as existing;
 *   - a PENDING one at a lower position (bucket index, then slot): release ours, wait for it to
 *     be decided, start over (we will then find it live, or find it gone);
 *   - a PENDING one at a higher position: wait for it to be decided, look again.
 * Otherwise make ours live (EARLY). Only the lower position ever waits for a higher one, so the
 * waits cannot form a cycle; and a writer never commits while another PENDING copy it has seen
 * is undecided, so no two live copies of a key exist and both writers return the same backend.
 * Only its owner changes a PENDING slot: expiry, claims, end and confirm leave it alone.
 */

#define SLOTS 8
#define CAPACITY_MAX (1u << 28)

#define VAL_TAG_SHIFT 48
#define VAL_BE_SHIFT 36
#define VAL_ST_SHIFT 32
#define VAL_TS_MASK 0xffffffffull
#define ST_PENDING 15u /* internal: a create being decided; never live, never free */

/* Yield the CPU after this many pauses waiting on another writer (it may have been preempted). */
#define WAIT_SPINS 4096 /* rte_pause() rounds, about 10-100 us */

struct dlg_slot {
	uint64_t key; /* Call-ID hash, 0 = never used; left in place when the slot is freed */
	uint64_t val;
};

struct dlg_bucket {
	struct dlg_slot slot[SLOTS];
} __attribute__((aligned(64)));

static_assert(sizeof(struct dlg_bucket) == 128, "a bucket is two cache lines");

struct slb_dlg_table {
	uint32_t nb_buckets;
	uint32_t mask;
	uint32_t early_timeout;
	uint32_t confirmed_timeout;
	struct dlg_bucket bucket[];
};

static inline uint64_t
norm_key(uint64_t key)
{
	/* 0 marks a never-used slot; a hash of 0 shares the entry of 1. */
	return key != 0 ? key : 1;
}

static inline uint32_t
key_tag(uint64_t key)
{
	return (uint32_t)(key >> VAL_TAG_SHIFT);
}

/*
 * The backend table takes the low bits (at most 22) of the same hash and the tag takes bits
 * 48..63, so the first bucket comes from bits 22 up. The second is the first XOR an odd function
 * of the tag: independent of the first, and a different bucket whenever there are two or more.
 */
static inline uint32_t
key_buckets(const struct slb_dlg_table *t, uint64_t key, uint32_t b[2])
{
	uint32_t tag = key_tag(key);

	b[0] = (uint32_t)(key >> 22) & t->mask;
	b[1] = (b[0] ^ ((tag * 0x9e3779b1u) | 1u)) & t->mask;
	return b[0] == b[1] ? 1 : 2;
}

void
slb_dlg_prefetch(const struct slb_dlg_table *t, uint64_t key)
{
	uint32_t b[2], nb = key_buckets(t, norm_key(key), b), j;

	for (j = 0; j < nb; j++) {
		rte_prefetch0(&t->bucket[b[j]]);
		rte_prefetch0((const char *)&t->bucket[b[j]] + 64);
	}
}

static inline uint64_t
mk_val(uint32_t tag, uint32_t be_id, uint32_t st, uint32_t ts)
{
	return ((uint64_t)tag << VAL_TAG_SHIFT) | ((uint64_t)be_id << VAL_BE_SHIFT) |
	       ((uint64_t)st << VAL_ST_SHIFT) | ts;
}

static inline uint32_t
val_tag(uint64_t v)
{
	return (uint32_t)(v >> VAL_TAG_SHIFT);
}

static inline uint16_t
val_be(uint64_t v)
{
	return (uint16_t)((v >> VAL_BE_SHIFT) & 0xfff);
}

static inline uint32_t
val_st(uint64_t v)
{
	return (uint32_t)(v >> VAL_ST_SHIFT) & 0xf;
}

static inline uint32_t
val_ts(uint64_t v)
{
	return (uint32_t)(v & VAL_TS_MASK);
}

static inline bool
val_live(const struct slb_dlg_table *t, uint64_t v, uint32_t now)
{
	uint32_t st = val_st(v), timeout;
	int32_t age;

	if (st == SLB_DLG_EARLY || st == SLB_DLG_ANSWERED)
		timeout = t->early_timeout;
	else if (st == SLB_DLG_CONFIRMED)
		timeout = t->confirmed_timeout;
	else
		return false;
	/* Another worker may have refreshed with a second later than our now: that is young. */
	age = (int32_t)(now - val_ts(v));
	return age < 0 || (uint32_t)age < timeout;
}

static inline bool
val_free(const struct slb_dlg_table *t, uint64_t v, uint32_t now)
{
	return v == 0 || (val_st(v) != ST_PENDING && !val_live(t, v, now));
}

static inline uint32_t
slot_pos(const struct slb_dlg_table *t, const struct dlg_slot *s)
{
	return (uint32_t)(s - &t->bucket[0].slot[0]);
}

/* At most one write per second, and never backwards: a lookup is the hottest path. */
static inline void
refresh(struct dlg_slot *s, uint64_t v, uint32_t now)
{
	if ((int32_t)(now - val_ts(v)) > 0)
		__atomic_compare_exchange_n(&s->val, &v, (v & ~VAL_TS_MASK) | now, false,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static inline bool
val_committed(uint64_t v)
{
	return val_st(v) == SLB_DLG_EARLY || val_st(v) == SLB_DLG_CONFIRMED ||
		val_st(v) == SLB_DLG_ANSWERED;
}

/* The slot of key's live copy (any age if any_age: end has no clock), with its val in *vout. */
static struct dlg_slot *
find_live(struct slb_dlg_table *t, uint64_t key, uint32_t now, bool any_age, uint64_t *vout)
{
	uint32_t b[2], nb = key_buckets(t, key, b), tag = key_tag(key), j, i;

	for (j = 0; j < nb; j++) {
		struct dlg_slot *sl = t->bucket[b[j]].slot;

		for (i = 0; i < SLOTS; i++) {
			uint64_t v;

			if (__atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE) != key)
				continue;
			v = __atomic_load_n(&sl[i].val, __ATOMIC_ACQUIRE);
			if (val_tag(v) != tag)
				continue;
			if (!(any_age ? val_committed(v) : val_live(t, v, now)))
				continue;
			/*
			 * The slot may have been freed and claimed for another key with the same
			 * tag between our two loads: its claimer stored the new key before making
			 * val live, so reading our key again after that val proves it is ours.
			 */
			if (__atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE) != key)
				continue;
			*vout = v;
			return &sl[i];
		}
	}
	return NULL;
}

/*
 * Wait for another worker's PENDING create of the same key to commit or withdraw: a few dozen
 * instructions on dedicated cores. Bounded, and without a system call, because a worker never
 * blocks: should the other worker be descheduled, give up (-1) and let the caller route this
 * message by hash, which picks the backend the other worker is pinning anyway.
 */
static int
wait_decided(const uint64_t *val, uint64_t pending)
{
	unsigned int spins;

	for (spins = 0; spins < WAIT_SPINS; spins++) {
		if (__atomic_load_n(val, __ATOMIC_ACQUIRE) != pending)
			return 0;
		rte_pause();
	}
	return -1;
}

static size_t
table_buckets(const struct slb_dlg_cfg *cfg)
{
	uint32_t need, nb = 1;

	if (cfg == NULL || cfg->capacity < SLOTS || cfg->capacity > CAPACITY_MAX ||
		cfg->early_timeout == 0 || cfg->confirmed_timeout == 0)
		return 0;
	need = (cfg->capacity + SLOTS - 1) / SLOTS;
	while (nb < need)
		nb <<= 1;
	return nb;
}

size_t
slb_dlg_memsize(const struct slb_dlg_cfg *cfg)
{
	size_t nb = table_buckets(cfg);

	if (nb == 0)
		return 0;
	return sizeof(struct slb_dlg_table) + nb * sizeof(struct dlg_bucket);
}

struct slb_dlg_table *
slb_dlg_init(void *mem, const struct slb_dlg_cfg *cfg)
{
	struct slb_dlg_table *t = mem;
	size_t size = slb_dlg_memsize(cfg);

	if (size == 0 || mem == NULL || ((uintptr_t)mem & 63) != 0)
		return NULL;
	memset(mem, 0, size);
	t->nb_buckets = (uint32_t)table_buckets(cfg);
	t->mask = t->nb_buckets - 1;
	t->early_timeout = cfg->early_timeout;
	t->confirmed_timeout = cfg->confirmed_timeout;
	return t;
}

struct slb_dlg_table *
slb_dlg_create(const struct slb_dlg_cfg *cfg)
{
	size_t size = slb_dlg_memsize(cfg);
	void *mem;

	if (size == 0)
		return NULL;
	mem = aligned_alloc(64, size);
	if (mem == NULL)
		return NULL;
	return slb_dlg_init(mem, cfg);
}

void
slb_dlg_destroy(struct slb_dlg_table *t)
{
	free(t);
}

uint32_t
slb_dlg_slots(const struct slb_dlg_table *t)
{
	return t->nb_buckets * SLOTS;
}

uint32_t
slb_dlg_buckets(const struct slb_dlg_table *t)
{
	return t->nb_buckets;
}

int
slb_dlg_lookup(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t *be_id, uint8_t *state)
{
	struct dlg_slot *s;
	uint64_t v;

	s = find_live(t, norm_key(key), now, false, &v);
	if (s == NULL)
		return 0;
	refresh(s, v, now);
	if (be_id != NULL)
		*be_id = val_be(v);
	if (state != NULL)
		*state = (uint8_t)val_st(v);
	return 1;
}

int
slb_dlg_peek(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t *be_id, uint8_t *state)
{
	struct dlg_slot *s;
	uint64_t v;

	s = find_live(t, norm_key(key), now, false, &v);
	if (s == NULL)
		return 0;
	if (be_id != NULL)
		*be_id = val_be(v);
	if (state != NULL)
		*state = (uint8_t)val_st(v);
	return 1;
}

/*
 * First look of a create: a live copy (returned in *vout), a PENDING copy to wait for, or
 * neither. Also counts the claimable slots of each bucket to pick the emptier one.
 */
enum look { LOOK_NONE, LOOK_LIVE, LOOK_PENDING };

static enum look
look(struct slb_dlg_table *t, uint64_t key, uint32_t now, struct dlg_slot **found, uint64_t *vout,
	uint32_t nfree[2])
{
	uint32_t b[2], nb = key_buckets(t, key, b), tag = key_tag(key), j, i;

	nfree[0] = nfree[1] = 0;
	for (j = 0; j < nb; j++) {
		struct dlg_slot *sl = t->bucket[b[j]].slot;

		for (i = 0; i < SLOTS; i++) {
			uint64_t k = __atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE);
			uint64_t v = __atomic_load_n(&sl[i].val, __ATOMIC_ACQUIRE);

			/* key again after val: see find_live() */
			if (k == key && val_tag(v) == tag &&
				__atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE) == key) {
				if (val_live(t, v, now) || val_st(v) == ST_PENDING) {
					*found = &sl[i];
					*vout = v;
					return val_st(v) == ST_PENDING ? LOOK_PENDING : LOOK_LIVE;
				}
			}
			if (val_free(t, v, now))
				nfree[j]++;
		}
	}
	return LOOK_NONE;
}

/*
 * Claim a free slot for key as PENDING, the emptier bucket first. *expired_key: the key of the
 * expired dialog whose slot it took (read before ours replaces it: only the claimer writes the
 * key of a slot it holds), else 0.
 */
static struct dlg_slot *
claim(struct slb_dlg_table *t, uint64_t key, uint64_t pending, uint32_t now,
	const uint32_t nfree[2], uint64_t *expired_key)
{
	uint32_t b[2], nb = key_buckets(t, key, b), first, j, i;

	first = nb == 2 && nfree[1] > nfree[0] ? 1 : 0;
	for (j = 0; j < nb; j++) {
		struct dlg_slot *sl = t->bucket[b[(first + j) % 2]].slot;

		for (i = 0; i < SLOTS; i++) {
			uint64_t v = __atomic_load_n(&sl[i].val, __ATOMIC_ACQUIRE);

			if (!val_free(t, v, now))
				continue;
			if (__atomic_compare_exchange_n(&sl[i].val, &v, pending, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
				*expired_key =
					v != 0 ? __atomic_load_n(&sl[i].key, __ATOMIC_RELAXED) : 0;
				__atomic_store_n(&sl[i].key, key, __ATOMIC_SEQ_CST);
				return &sl[i];
			}
		}
	}
	return NULL;
}

enum decide { DECIDE_COMMIT, DECIDE_LIVE, DECIDE_RESTART, DECIDE_BUSY };

/* Our PENDING slot is published: settle with any other copy of key (see the top comment). */
static enum decide
decide(struct slb_dlg_table *t, uint64_t key, struct dlg_slot *mine, uint32_t now, uint64_t *live_v)
{
	uint32_t b[2], nb = key_buckets(t, key, b), tag = key_tag(key), my_pos, j, i;

	my_pos = slot_pos(t, mine);
again:
	for (j = 0; j < nb; j++) {
		struct dlg_slot *sl = t->bucket[b[j]].slot;

		for (i = 0; i < SLOTS; i++) {
			uint64_t v;

			if (&sl[i] == mine || __atomic_load_n(&sl[i].key, __ATOMIC_SEQ_CST) != key)
				continue;
			v = __atomic_load_n(&sl[i].val, __ATOMIC_SEQ_CST);
			if (val_tag(v) != tag || __atomic_load_n(&sl[i].key, __ATOMIC_SEQ_CST) != key)
				continue;
			if (val_live(t, v, now)) {
				__atomic_store_n(&mine->val, 0, __ATOMIC_RELEASE);
				*live_v = v;
				return DECIDE_LIVE;
			}
			if (val_st(v) != ST_PENDING)
				continue;
			if (slot_pos(t, &sl[i]) < my_pos) {
				__atomic_store_n(&mine->val, 0, __ATOMIC_RELEASE);
				return wait_decided(&sl[i].val, v) == 0 ? DECIDE_RESTART :
									  DECIDE_BUSY;
			}
			if (wait_decided(&sl[i].val, v) < 0) {
				__atomic_store_n(&mine->val, 0, __ATOMIC_RELEASE);
				return DECIDE_BUSY;
			}
			goto again;
		}
	}
	return DECIDE_COMMIT;
}

/*
 * Create key's dialog on *be_id in committed state st (EARLY for a new call; a pin's own state),
 * or report the live one (its backend in *be_id, refreshed): slb_dlg_create_entry()'s contract.
 */
static int
create(struct slb_dlg_table *t, uint64_t key, uint16_t *be_id, uint32_t st, uint32_t now,
	uint64_t *expired_out)
{
	uint32_t nfree[2], tag;
	struct dlg_slot *s;
	uint64_t v, expired;

	if (expired_out != NULL)
		*expired_out = 0;
	if (*be_id >= SLB_BE_ID_MAX)
		return -EINVAL;
	key = norm_key(key);
	tag = key_tag(key);
	/*
	 * Both buckets' four lines at once: look() branches on every slot it loads, so without
	 * this a create that finds the lines out of cache waits for them one after another (a
	 * create into 10M dialogs took 390 ns, 4 memory latencies; bench_dialog --live). The
	 * workers' creates were prefetched with their burst already and find them in cache.
	 */
	slb_dlg_prefetch(t, key);
	for (;;) {
		switch (look(t, key, now, &s, &v, nfree)) {
		case LOOK_LIVE:
			refresh(s, v, now);
			*be_id = val_be(v);
			return 1;
		case LOOK_PENDING:
			if (wait_decided(&s->val, v) < 0)
				return -EBUSY;
			continue;
		case LOOK_NONE:
			break;
		}
		s = claim(t, key, mk_val(tag, *be_id, ST_PENDING, now), now, nfree, &expired);
		if (s == NULL)
			return -ENOSPC;
		/*
		 * The expired dialog is gone whatever we decide next: count it. (A create that
		 * starts over and takes a second one reports the second.)
		 */
		if (expired != 0 && expired_out != NULL)
			*expired_out = expired;
		switch (decide(t, key, s, now, &v)) {
		case DECIDE_COMMIT:
			__atomic_store_n(&s->val, mk_val(tag, *be_id, st, now), __ATOMIC_RELEASE);
			return 0;
		case DECIDE_LIVE:
			*be_id = val_be(v);
			return 1;
		case DECIDE_RESTART:
			break;
		case DECIDE_BUSY:
			return -EBUSY;
		}
	}
}

int
slb_dlg_create_entry(
	struct slb_dlg_table *t, uint64_t key, uint16_t *be_id, uint32_t now, uint64_t *expired_out)
{
	return create(t, key, be_id, SLB_DLG_EARLY, now, expired_out);
}

/*
 * CAS the live copy of key from EARLY (on backend from, unless from is 0xffff) to state st and
 * backend be (its own when be is 0xffff).
 */
static int
early_to(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t from, uint32_t st,
	uint16_t be)
{
	struct dlg_slot *s;
	uint64_t v, nv;
	uint32_t ts;

	key = norm_key(key);
	while ((s = find_live(t, key, now, false, &v)) != NULL) {
		if (val_st(v) != SLB_DLG_EARLY || (from != 0xffff && val_be(v) != from))
			return 0;
		ts = (int32_t)(now - val_ts(v)) > 0 ? now : val_ts(v);
		nv = mk_val(val_tag(v), be != 0xffff ? be : val_be(v), st, ts);
		if (__atomic_compare_exchange_n(&s->val, &v, nv, false, __ATOMIC_RELEASE,
				__ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

int
slb_dlg_answered(struct slb_dlg_table *t, uint64_t key, uint32_t now)
{
	struct dlg_slot *s;
	uint64_t v;

	/* the common case, a dialog answered already, reads and writes nothing more */
	s = find_live(t, norm_key(key), now, false, &v);
	if (s == NULL || val_st(v) != SLB_DLG_EARLY)
		return 0;
	return early_to(t, key, now, 0xffff, SLB_DLG_ANSWERED, 0xffff);
}

int
slb_dlg_repin(struct slb_dlg_table *t, uint64_t key, uint16_t from, uint16_t to, uint32_t now)
{
	if (to >= SLB_BE_ID_MAX)
		return 0;
	return early_to(t, key, now, from, SLB_DLG_EARLY, to);
}

int
slb_dlg_confirm(struct slb_dlg_table *t, uint64_t key, uint32_t now)
{
	struct dlg_slot *s;
	uint64_t v, nv;
	uint32_t ts;

	key = norm_key(key);
	while ((s = find_live(t, key, now, false, &v)) != NULL) {
		ts = (int32_t)(now - val_ts(v)) > 0 ? now : val_ts(v);
		nv = mk_val(val_tag(v), val_be(v), SLB_DLG_CONFIRMED, ts);
		if (nv == v || __atomic_compare_exchange_n(
				       &s->val, &v, nv, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

/*
 * A pinned dialog (Redis, another balancer) never takes a live local one's backend: the
 * local messages went there. Its state only moves the local one forward: ANSWERED marks an
 * EARLY one on the same backend answered, CONFIRMED confirms an EARLY or ANSWERED one.
 */
int
slb_dlg_pin(struct slb_dlg_table *t, uint64_t key, uint16_t be_id, uint8_t state, uint32_t now)
{
	uint16_t be = be_id;
	int rc;

	if (state != SLB_DLG_EARLY && state != SLB_DLG_ANSWERED && state != SLB_DLG_CONFIRMED)
		return -EINVAL;
	rc = create(t, key, &be, state, now, NULL);
	if (rc != 1)
		return rc;
	/* a dialog a worker ended meanwhile stays ended: both find no live copy */
	if (state == SLB_DLG_CONFIRMED)
		slb_dlg_confirm(t, key, now);
	else if (state == SLB_DLG_ANSWERED)
		early_to(t, key, now, be_id, SLB_DLG_ANSWERED, 0xffff);
	return 1;
}

int
slb_dlg_end(struct slb_dlg_table *t, uint64_t key, uint16_t *be_id)
{
	struct dlg_slot *s;
	uint64_t v;
	int ended = 0;

	/*
	 * End takes no clock: a dialog that expired but is not swept yet ends here, not there. An
	 * expired copy and a live one of the same key can both be there (the live one created
	 * after the other expired): end every copy, not the first found.
	 */
	key = norm_key(key);
	while ((s = find_live(t, key, 0, true, &v)) != NULL) {
		if (__atomic_compare_exchange_n(
			    &s->val, &v, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			if (be_id != NULL && !ended)
				*be_id = val_be(v);
			ended = 1;
		}
	}
	return ended;
}

uint32_t
slb_dlg_expire(struct slb_dlg_table *t, uint32_t now, uint32_t first, uint32_t n, uint64_t *keys,
	uint32_t cap, uint32_t *swept)
{
	uint32_t count = 0, j, i;

	if (n > t->nb_buckets)
		n = t->nb_buckets;
	for (j = 0; j < n; j++) {
		/* nb_buckets divides 2^32: first + j wrapping past UINT32_MAX still wraps right. */
		struct dlg_slot *sl = t->bucket[(first + j) & t->mask].slot;

		/* a bucket is swept whole or not at all: none of its keys may miss the list */
		if (keys != NULL && cap - count < SLOTS)
			break;
		for (i = 0; i < SLOTS; i++) {
			uint64_t v = __atomic_load_n(&sl[i].val, __ATOMIC_ACQUIRE), k;

			if (v == 0 || !val_free(t, v, now))
				continue;
			/*
			 * The key before the CAS: once val is 0 a claimer may store its own. A
			 * claimer stores its key before it commits the val we loaded, so this is
			 * that val's key.
			 */
			k = __atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE);
			if (!__atomic_compare_exchange_n(
				    &sl[i].val, &v, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
				continue;
			if (keys != NULL)
				keys[count] = k;
			count++;
		}
	}
	if (swept != NULL)
		*swept = j;
	return count;
}

int32_t
slb_dlg_where(struct slb_dlg_table *t, uint64_t key, uint32_t now)
{
	struct dlg_slot *s;
	uint64_t v;

	s = find_live(t, norm_key(key), now, false, &v);
	return s != NULL ? (int32_t)slot_pos(t, s) : -1;
}

void
slb_dlg_count_be(const struct slb_dlg_table *t, uint32_t now, uint32_t first, uint32_t n,
	uint32_t *per_be)
{
	uint32_t j, i;

	if (n > t->nb_buckets)
		n = t->nb_buckets;
	for (j = 0; j < n; j++) {
		const struct dlg_slot *sl = t->bucket[(first + j) & t->mask].slot;

		for (i = 0; i < SLOTS; i++) {
			uint64_t v = __atomic_load_n(&sl[i].val, __ATOMIC_RELAXED);

			if (val_live(t, v, now))
				per_be[val_be(v)]++;
		}
	}
}

uint32_t
slb_dlg_count(const struct slb_dlg_table *t, uint32_t now)
{
	uint32_t count = 0, j, i;

	for (j = 0; j < t->nb_buckets; j++) {
		const struct dlg_slot *sl = t->bucket[j].slot;

		for (i = 0; i < SLOTS; i++)
			count += val_live(t, __atomic_load_n(&sl[i].val, __ATOMIC_RELAXED), now);
	}
	return count;
}
