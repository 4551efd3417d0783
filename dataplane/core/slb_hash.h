/* slb_hash.h: the one keyed hash of a Call-ID that the dialog table and the backend table use. */
#ifndef SLB_HASH_H
#define SLB_HASH_H

#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "slb_key.h"

#define SLB_HASH_SECRET_LEN 192

/*
 * XXH3 (libxxhash) with a secret derived from hash_secret: fast on short keys, well mixed in
 * every bit (the backend table takes the low bits and the dialog table the high bits of the same
 * value), and without the secret nobody can compute where a Call-ID lands, so Call-IDs cannot be
 * precomputed to load one backend or fill one dialog bucket. XXH3 is not a cryptographic PRF:
 * what it resists is precomputation without the secret, which is the attack at hand (a caller
 * sees neither the hash nor the bucket). Call-IDs compare byte for byte (RFC 3261 §20.8), so the
 * hash is over the raw bytes.
 */
struct slb_hash_key {
	uint8_t secret[SLB_HASH_SECRET_LEN];
	uint64_t seed; /* for the rendezvous scores (be_table.c), also derived from the key */
};

/* Derive the hash secret and seed from a 128-bit key (slow path). */
static inline void
slb_hash_key_init(struct slb_hash_key *hk, const struct slb_key128 *key)
{
	XXH3_generateSecret(hk->secret, sizeof(hk->secret), key->b, sizeof(key->b));
	hk->seed = XXH3_64bits_withSecret("rendezvous", 10, hk->secret, sizeof(hk->secret));
}

static inline uint64_t
slb_hash_callid(const struct slb_hash_key *hk, const void *p, uint32_t len)
{
	return XXH3_64bits_withSecret(p, len, hk->secret, sizeof(hk->secret));
}

static inline uint64_t
slb_hash_seeded(const void *p, uint32_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(p, len, seed);
}

#endif /* SLB_HASH_H */
