/* slb_hash.h: the one hash of a Call-ID that the dialog table and the backend table both use. */
#ifndef SLB_HASH_H
#define SLB_HASH_H

#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/*
 * XXH3 (libxxhash): fast on short keys and well mixed in every bit, so the backend table can
 * take the low bits and the dialog table the high bits of the same value. Call-IDs compare
 * byte for byte (RFC 3261 §20.8), so the hash is over the raw bytes.
 */
static inline uint64_t
slb_hash_callid(const void *p, uint32_t len)
{
	return XXH3_64bits(p, len);
}

static inline uint64_t
slb_hash_seeded(const void *p, uint32_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(p, len, seed);
}

#endif /* SLB_HASH_H */
