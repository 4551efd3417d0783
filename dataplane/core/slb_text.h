/* slb_text.h: short copies, ASCII case folding and hex digits a word at a time, for the rewrite. */
#ifndef SLB_TEXT_H
#define SLB_TEXT_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Why: the rewrite copies and compares runs of 2 to 100 bytes whose length is known only at run
 * time (hosts, branches, tags). memcpy() and memcmp() with such a length are calls into libc
 * that cost more than the bytes; fixed-size moves of 8 or 16 bytes compile to one load and one
 * store each. None of these reads or writes a byte outside [p, p + n). Words are read in
 * memory order on a little-endian machine (x86-64, arm64 as DPDK runs it).
 */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "slb_text.h reads words little-endian");

/* n bytes from s to d (no overlap): 16-byte steps, the last one overlapping the one before. */
static inline void
slb_text_copy(void *d, const void *s, uint32_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	uint64_t a, b;
	uint32_t i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			memcpy(dp + i, sp + i, 16);
		memcpy(dp + n - 16, sp + n - 16, 16);
	} else if (n >= 8) {
		memcpy(&a, sp, 8);
		memcpy(&b, sp + n - 8, 8);
		memcpy(dp, &a, 8);
		memcpy(dp + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t x, y;

		memcpy(&x, sp, 4);
		memcpy(&y, sp + n - 4, 4);
		memcpy(dp, &x, 4);
		memcpy(dp + n - 4, &y, 4);
	} else if (n > 0) {
		uint8_t x = sp[0], y = sp[n / 2], z = sp[n - 1];

		dp[0] = x;
		dp[n / 2] = y;
		dp[n - 1] = z;
	}
}

/* The 8 bytes of x with 'A'..'Z' turned into 'a'..'z', every other byte value left as it is. */
static inline uint64_t
slb_text_lower8(uint64_t x)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full, high = 0x8080808080808080ull;
	uint64_t h = x & low7; /* no carry from one byte into the next below */
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3full; /* bit 7 set where h >= 'A' (0x41) */
	uint64_t gt_z = h + 0x2525252525252525ull; /* bit 7 set where h > 'Z' (0x5a) */
	uint64_t upper = ge_a & ~gt_z & ~x & high; /* ... and x itself below 0x80 */

	return x | (upper >> 2); /* 0x80 >> 2 is 0x20, the case bit */
}

/* Up to 8 bytes at p (n <= 8), in memory order, zero above them; reads only [p, p + n). */
static inline uint64_t
slb_text_load_short(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	if (n == 8) {
		memcpy(&v, p, 8);
	} else if (n >= 4) {
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		/* b starts at byte n - 4, over a's last 8 - n bytes: the same bytes */
		v = a | (uint64_t)b << (8 * (n - 4));
	} else if (n > 0) {
		v = p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
			(uint64_t)p[n - 1] << (8 * (n - 1));
	}
	return v;
}

/* Are the n bytes at a and b equal? memcmp() without the call, for a few dozen bytes. */
static inline bool
slb_text_eq(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t x, y;
	uint32_t i;

	if (n < 8)
		return slb_text_load_short(a, n) == slb_text_load_short(b, n);
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

/* Are the n bytes at a and b equal, ASCII letters in either case? */
static inline bool
slb_text_eq_nocase(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t x, y;
	uint32_t i;

	if (n < 8)
		return slb_text_lower8(slb_text_load_short(a, n)) ==
			slb_text_lower8(slb_text_load_short(b, n));
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (slb_text_lower8(x) != slb_text_lower8(y))
			return false;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return slb_text_lower8(x) == slb_text_lower8(y);
}

/* The 8 hex digits (lower case) of v, most significant first, as they go into memory. */
static inline uint64_t
slb_text_hex8(uint32_t v)
{
	uint64_t x = v, letters;

	/* one nibble a byte, the most significant in the most significant byte */
	x = (x | x << 16) & 0x0000ffff0000ffffull;
	x = (x | x << 8) & 0x00ff00ff00ff00ffull;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
	/* 0x01 in each byte that is 10 or more: those become 'a'..'f', 39 past '0' + 10 */
	letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
	x += 0x3030303030303030ull + letters * 39;
	return __builtin_bswap64(x); /* the first digit in the lowest address */
}

/* 16 hex digits of v, most significant first, at d. */
static inline void
slb_text_hex16(char *d, uint64_t v)
{
	uint64_t hi = slb_text_hex8((uint32_t)(v >> 32)), lo = slb_text_hex8((uint32_t)v);

	memcpy(d, &hi, 8);
	memcpy(d + 8, &lo, 8);
}

#endif /* SLB_TEXT_H */
