/* slb_dlg.h: the dialog table, Call-ID -> backend, shared by every worker lcore without locks. */
#ifndef SLB_DLG_H
#define SLB_DLG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Design (dialog.c has the details):
 * - Fixed memory, sized in config: buckets of 8 slots, a power of two of them. Nothing is ever
 *   allocated or freed after init, so readers need no RCU: a slot is reused in place.
 * - A slot is {key, val}: key is the 64-bit Call-ID hash (0 = never used), val packs a 16-bit tag
 *   (high bits of the key), the backend id, the state and the last-seen second. Writers claim and
 *   change a slot with compare-and-swap on val; readers load key, then val, then key again and
 *   check the tag. A claimer stores its key before it makes val live, so a slot freed and
 *   claimed for another key between a reader's loads (even one with the same 16-bit tag) shows
 *   the other key on the second load: a reader never takes a value that belongs to another key.
 * - Each key may live in one of two buckets (two-choice hashing), so the table fills evenly.
 * - Full (both buckets hold only live dialogs): create fails with -ENOSPC; the caller still
 *   routes the call by hash and counts it. Expired slots count as free.
 * - Two Call-IDs whose 64-bit hashes are equal share an entry: at a million dialogs that is a
 *   chance of about 3e-8. Key 0 marks a never-used slot, so a hash of 0 shares the entry of 1.
 * - Two workers creating the same key at once end with one entry and the same backend; the
 *   later one may spin (a few hundred ns) until the other has decided.
 * - With two choices and no relocation, the first -ENOSPC comes near 75% full (about 1% of
 *   creates fail at 90%): size capacity at about 1.4 times the peak of live dialogs.
 */

enum slb_dlg_state {
	SLB_DLG_FREE = 0,
	SLB_DLG_EARLY = 1,     /* initial INVITE seen, no response from its backend yet */
	SLB_DLG_CONFIRMED = 2, /* 2xx to the INVITE seen */
	SLB_DLG_ANSWERED = 3,  /* initial INVITE answered provisionally (1xx), no 2xx yet: the
	                        * backend has the call; it lives as long as an EARLY one */
};

struct slb_dlg_cfg {
	uint32_t capacity;          /* dialogs; rounded up to a power of two of 8-slot buckets */
	uint32_t early_timeout;     /* seconds an EARLY dialog lives without a message */
	uint32_t confirmed_timeout; /* seconds a CONFIRMED dialog lives without a message */
};

struct slb_dlg_table;

/* Bytes slb_dlg_init() needs for this config (so the dataplane can place it in hugepages). */
size_t slb_dlg_memsize(const struct slb_dlg_cfg *cfg);

/* Initialise a table in mem (64-byte aligned, slb_dlg_memsize() bytes). NULL on bad config. */
struct slb_dlg_table *slb_dlg_init(void *mem, const struct slb_dlg_cfg *cfg);

/* Convenience for tools and tests: aligned_alloc + init, and its free. */
struct slb_dlg_table *slb_dlg_create(const struct slb_dlg_cfg *cfg);
void slb_dlg_destroy(struct slb_dlg_table *t);

/* Slots in the table (capacity after rounding). */
uint32_t slb_dlg_slots(const struct slb_dlg_table *t);

/*
 * Find a live dialog. Returns 1 and sets *be_id and *state (either may be NULL) on a hit (and
 * refreshes its last-seen time, at most one write per second and never backwards), 0 on a miss.
 * now is in seconds. A dialog whose create has not returned yet may be missed.
 */
int slb_dlg_lookup(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t *be_id,
	uint8_t *state);

/*
 * As slb_dlg_lookup(), but leaves the last-seen time alone: for the slow path (an operator's
 * look at a call must not keep it alive).
 */
int slb_dlg_peek(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t *be_id,
	uint8_t *state);

/*
 * Create an EARLY dialog pinned to be_id. Returns 0 when created, 1 when a live one existed
 * (*be_id is then set to its backend: a retransmitted INVITE keeps its backend; its last-seen
 * time is refreshed), -ENOSPC when full, -EBUSY when another worker's create of the same key
 * stayed undecided for too long (a bounded spin, never a system call: route this one by hash),
 * -EINVAL when *be_id >= SLB_BE_ID_MAX.
 * *expired_key (if not NULL) is set on every return: the key of the expired dialog whose slot
 * this call took (it expired here, not in the sweep: count it and report it, even when the call
 * returns 1), else 0 (no key is 0: a hash of 0 is kept as 1).
 */
int slb_dlg_create_entry(struct slb_dlg_table *t, uint64_t key, uint16_t *be_id, uint32_t now,
	uint64_t *expired_key);

/*
 * Mark a live EARLY dialog ANSWERED (a provisional response came back) and refresh it. 1 if it
 * was EARLY, 0 otherwise (absent, or answered or confirmed already).
 */
int slb_dlg_answered(struct slb_dlg_table *t, uint64_t key, uint32_t now);

/*
 * Move a live EARLY dialog (never answered) from backend from to backend to: its backend died
 * before answering, so the caller's retransmission may go to a live one. 1 if moved, 0 if the
 * dialog is absent, answered, confirmed or pinned to another backend (then it stays).
 */
int slb_dlg_repin(struct slb_dlg_table *t, uint64_t key, uint16_t from, uint16_t to,
	uint32_t now);

/* Mark a live dialog CONFIRMED (2xx to INVITE) and refresh it. 1 if done, 0 if not found. */
int slb_dlg_confirm(struct slb_dlg_table *t, uint64_t key, uint32_t now);

/*
 * Pin a dialog known elsewhere (loaded from Redis, or another balancer's) to be_id in state
 * (EARLY, ANSWERED or CONFIRMED), last seen now. The slow path's: it may wait as a create does.
 * Returns 0 when created; 1 when a live one was there: it keeps its own backend (messages
 * through us went there) and is refreshed, and its state only moves forward (CONFIRMED confirms
 * an EARLY or ANSWERED one, ANSWERED marks an EARLY one on be_id answered); -ENOSPC when full;
 * -EBUSY when a worker's create of the same key stayed undecided; -EINVAL when be_id >=
 * SLB_BE_ID_MAX or state is another value.
 */
int slb_dlg_pin(struct slb_dlg_table *t, uint64_t key, uint16_t be_id, uint8_t state,
	uint32_t now);

/*
 * End a dialog (200 to BYE, final non-2xx to the initial INVITE). 1 if it ended, 0 if absent;
 * *be_id (if not NULL) is set to its backend when it ended. It has no clock: a dialog that has
 * expired but is not swept yet is ended too.
 */
int slb_dlg_end(struct slb_dlg_table *t, uint64_t key, uint16_t *be_id);

/*
 * Free expired slots in buckets [first, first + n) (wrapping). Returns how many expired. The slow
 * path calls it a slice at a time so that the expiry counter rises even without new calls.
 * keys (NULL: not wanted) receives the key of each dialog freed, at most cap: the sweep then
 * stops before a bucket when fewer than 8 places are left, so that no freed key goes unlisted
 * (cap >= 8 * n never stops it). *swept (if not NULL): the buckets swept, from first on.
 */
uint32_t slb_dlg_expire(struct slb_dlg_table *t, uint32_t now, uint32_t first, uint32_t n,
	uint64_t *keys, uint32_t cap, uint32_t *swept);

/*
 * Prefetch the two buckets key may live in: a burst parses all its messages first and prefetches,
 * so that the table's cache misses overlap instead of stalling one message at a time.
 */
void slb_dlg_prefetch(const struct slb_dlg_table *t, uint64_t key);

/* Number of buckets (for the sweeper's slices). */
uint32_t slb_dlg_buckets(const struct slb_dlg_table *t);

/*
 * Where the live copy of key is: bucket * 8 + slot, or -1 when there is none. For tools and
 * tests (the slow path): where a call is pinned, and which slots a test has filled.
 */
int32_t slb_dlg_where(struct slb_dlg_table *t, uint64_t key, uint32_t now);

/*
 * Add the live dialogs of buckets [first, first + n) (wrapping) to per_be[backend id]
 * (SLB_BE_ID_MAX entries). The sweep calls it a slice at a time beside slb_dlg_expire().
 */
void slb_dlg_count_be(const struct slb_dlg_table *t, uint32_t now, uint32_t first, uint32_t n,
	uint32_t *per_be);

/* Live dialogs (a scan: slow path only). */
uint32_t slb_dlg_count(const struct slb_dlg_table *t, uint32_t now);

#endif /* SLB_DLG_H */
