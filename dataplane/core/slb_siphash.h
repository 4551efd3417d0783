/* slb_siphash.h: SipHash-2-4 (Aumasson and Bernstein, 2012), inline, for the Via branch MAC. */
#ifndef SLB_SIPHASH_H
#define SLB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slb_key.h"

/*
 * Why not libsodium's crypto_shorthash_siphash24(): the branch MAC runs on every request and
 * every response, over some 40 bytes. The call through the PLT, the key read byte by byte and
 * the result written as bytes for us to read back cost a third of the MAC; inline, the compiler
 * keeps the state in registers. The result is the same 64-bit value: byte i of libsodium's
 * output is bits 8i..8i+7 of it (tests/unit/test_siphash.c checks them against each other).
 */

static inline uint64_t
slb_sip_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian loads, as the algorithm reads its key and message words. */
static inline uint64_t
slb_sip_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

struct slb_sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void
slb_sip_round(struct slb_sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = slb_sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = slb_sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = slb_sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = slb_sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = slb_sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = slb_sip_rotl(s->v2, 32);
}

/* One message word: two compression rounds. */
static inline void
slb_sip_word(struct slb_sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	slb_sip_round(s);
	slb_sip_round(s);
	s->v0 ^= m;
}

/* The 1 to 7 bytes after the last whole word, little-endian, without reading past them. */
static inline uint64_t
slb_sip_tail(const uint8_t *p, size_t n)
{
	uint64_t t = 0;

	if (n & 4) {
		uint32_t w;

		memcpy(&w, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap32(w);
#endif
		t = w;
		p += 4;
	}
	if (n & 2) {
		t |= ((uint64_t)p[0] | (uint64_t)p[1] << 8) << (8 * (n & 4));
		p += 2;
	}
	if (n & 1)
		t |= (uint64_t)p[0] << (8 * (n & 6));
	return t;
}

/* SipHash-2-4 of len bytes at p under the 128-bit key. */
static inline uint64_t
slb_siphash24(const struct slb_key128 *key, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t k0 = slb_sip_le64(key->b), k1 = slb_sip_le64(key->b + 8);
	struct slb_sip_state s = {
		.v0 = k0 ^ 0x736f6d6570736575ull,
		.v1 = k1 ^ 0x646f72616e646f6dull,
		.v2 = k0 ^ 0x6c7967656e657261ull,
		.v3 = k1 ^ 0x7465646279746573ull,
	};
	size_t n = len;

	for (; n >= 8; b += 8, n -= 8)
		slb_sip_word(&s, slb_sip_le64(b));
	/* the last word: the remaining bytes and the length's low byte on top */
	slb_sip_word(&s, slb_sip_tail(b, n) | (uint64_t)len << 56);
	s.v2 ^= 0xff;
	slb_sip_round(&s);
	slb_sip_round(&s);
	slb_sip_round(&s);
	slb_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

#endif /* SLB_SIPHASH_H */
