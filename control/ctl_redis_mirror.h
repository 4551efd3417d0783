/* ctl_redis_mirror.h: control's copy of the dialogs in Redis: Call-ID hash -> dialog, bounded. */
#ifndef CTL_REDIS_MIRROR_H
#define CTL_REDIS_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_redis_enc.h"

/*
 * Why control keeps one: the dataplane's EXPIRED events carry hashes only (its table has no
 * Call-IDs), a TTL is refreshed for every live dialog this instance owns, and when Redis comes
 * back the whole live state is written again. Keyed by the dataplane's keyed Call-ID hash.
 *
 * Bounded by dialog.capacity entries (the dataplane's own bound): past it a put fails and the
 * caller counts it. Open addressing with linear probing in twice as many slots (at most half
 * full: short probes), deletion by shifting back (no tombstones, so a table that churns at
 * 100k calls/s never degrades). A Call-ID lives in its own allocation: most are 30-60 bytes.
 *
 * Owners: 0 is this instance; other instances' names are interned once (up to 254; the
 * 255th and later share the last index, "others") so an entry holds one byte.
 */

#define CTL_REDIS_OWNER_SELF 0
#define CTL_REDIS_OWNERS 256

struct ctl_redis_dlg {
	uint64_t hash;	    /* 0: a free slot (a hash of 0 is kept as 1) */
	char *callid;	    /* NUL-terminated */
	uint32_t refresh_s; /* owned: when its TTL is refreshed next (monotonic seconds) */
	uint16_t be_id;
	uint8_t state; /* enum slb_ctl_dlg_state */
	uint8_t owner;
	uint8_t len; /* bytes of callid */
};

struct ctl_redis_mirror {
	struct ctl_redis_dlg *slot;
	uint32_t mask;	   /* slots - 1 */
	uint32_t capacity; /* entries at most */
	uint32_t count;
	uint32_t by[2][4];  /* [remote?][state]: entries by owner (self, others) and state */
	uint64_t full;	    /* puts refused: capacity reached */
	uint32_t nb_owners; /* names interned, index 0 unused */
	char owners[CTL_REDIS_OWNERS][CTL_REDIS_NAME_MAX + 1];
};

/* A mirror for capacity entries (>= 1). NULL when out of memory. */
struct ctl_redis_mirror *ctl_redis_mirror_create(uint32_t capacity);
void ctl_redis_mirror_destroy(struct ctl_redis_mirror *m);

/* The index of another instance's name (1..255), interned on first sight. */
uint8_t ctl_redis_mirror_owner(struct ctl_redis_mirror *m, const char *name, size_t n);

/* The name of an owner index ("" for CTL_REDIS_OWNER_SELF). */
const char *ctl_redis_mirror_owner_name(const struct ctl_redis_mirror *m, uint8_t owner);

/*
 * Insert or update the dialog of hash. 0 new, 1 updated (the Call-ID is kept: same hash, same
 * dialog), -ENOSPC (full: counted in full), -ENOMEM, -EINVAL (a Call-ID we cannot write).
 */
int ctl_redis_mirror_put(struct ctl_redis_mirror *m, uint64_t hash, const char *callid, size_t n,
	uint16_t be_id, uint8_t state, uint8_t owner, uint32_t refresh_s);

/* Start loading the cache line where hash's entry begins its probe (a load inserts pages of
 * keys: prefetching a few ahead hides the miss of each insert into a large table). */
void ctl_redis_mirror_prefetch(const struct ctl_redis_mirror *m, uint64_t hash);

/* The entry of hash or NULL; valid until the next put or del. The caller may change
 * refresh_s in it, and state or owner through ctl_redis_mirror_set(). */
struct ctl_redis_dlg *ctl_redis_mirror_get(struct ctl_redis_mirror *m, uint64_t hash);

/* Change an entry's state, backend or owner (keeps the counts right). */
void ctl_redis_mirror_set(struct ctl_redis_mirror *m, struct ctl_redis_dlg *d, uint16_t be_id,
	uint8_t state, uint8_t owner);

/*
 * Remove the entry of hash. 1 and a copy in *out (its callid points to callid_out, which gets
 * the len bytes without a NUL: room for CTL_REDIS_CALLID_MAX; either may be NULL), or 0.
 */
int ctl_redis_mirror_del(
	struct ctl_redis_mirror *m, uint64_t hash, struct ctl_redis_dlg *out, char *callid_out);

typedef void ctl_redis_mirror_fn(void *arg, struct ctl_redis_dlg *d);

/*
 * Visit the entries of up to max slots from *cursor on (fn must not put or del); *cursor
 * moves on, and back to 0 past the last slot. Returns true when this call reached the end.
 */
bool ctl_redis_mirror_scan(struct ctl_redis_mirror *m, uint32_t *cursor, uint32_t max,
	ctl_redis_mirror_fn *fn, void *arg);

typedef uint64_t ctl_redis_hash_fn(void *arg, const char *callid, size_t n);

/* Every entry under a new hash of its Call-ID (the dataplane's key changed). Entries whose
 * new hashes collide keep one. 0, or -ENOMEM (the mirror is unchanged). */
int ctl_redis_mirror_rehash(struct ctl_redis_mirror *m, ctl_redis_hash_fn *fn, void *arg);

#endif /* CTL_REDIS_MIRROR_H */
