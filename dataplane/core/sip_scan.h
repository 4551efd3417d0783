/* sip_scan.h: the parser's structural index: line ends and NULs, 64 bytes per step. */
#ifndef SLB_SIP_SCAN_H
#define SLB_SIP_SCAN_H

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * In the manner of simdjson's first stage: one pass over the header section, 64 bytes a step,
 * turns the bytes into a bit mask of LFs (bit k: byte base + k is LF), walked with tzcnt. A
 * header line then costs a count and a clear of the lowest bit instead of a memchr call (which
 * measured ~45 instructions a call, ~14 calls a message, under callgrind). The same step keeps
 * the bytewise minimum of the windows, so that whether the header section holds a NUL costs one
 * test at the end instead of a test per window; where it is, is looked for only then (rare).
 * (Keeping that state in a scalar instead, to spare the xmm saves around the parser's calls,
 * measured 28 instructions a message more.)
 *
 * Windows start at multiples of 64 from the first byte and are loaded in order, each once; the
 * last one is read through a copy so that no byte past len is read (reading the message's last
 * 64 bytes and shifting the masks instead measured 11 instructions a message more). With SSE2 a
 * window is four compares and movemasks for the LFs and three minimums for the NULs; without,
 * a byte loop builds the same.
 */
#if defined(__SSE2__) && !defined(SLB_SCAN_SCALAR) /* SLB_SCAN_SCALAR: measure the byte loop */
#define LEX_SCAN_SIMD 1
#endif

struct lex_scan {
	const uint8_t *b;
	uint32_t len;
	uint32_t base; /* offset of the current window */
	uint64_t lf;   /* LF bits of the current window not yet returned */
#ifdef LEX_SCAN_SIMD
	__m128i low;   /* bytewise minimum of the windows loaded: a zero byte when one held a NUL */
#else
	uint8_t low;
#endif
};

/* Load the window at base (< len). */
static inline void
lex_scan_load(struct lex_scan *s, uint32_t base)
{
	const uint8_t *p = s->b + base;
	uint8_t tmp[64];

	s->base = base;
	if (s->len - base < 64) {
		/* the tail, through a copy padded with a byte that is neither LF nor NUL */
		memset(tmp, 0xff, sizeof(tmp));
		memcpy(tmp, p, s->len - base);
		p = tmp;
	}
#ifdef LEX_SCAN_SIMD
	{
		const __m128i nl = _mm_set1_epi8('\n');
		__m128i v0 = _mm_loadu_si128((const __m128i *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
		__m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
		uint64_t l0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl));
		uint64_t l1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, nl));
		uint64_t l2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, nl));
		uint64_t l3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, nl));

		s->lf = l0 | l1 << 16 | l2 << 32 | l3 << 48;
		s->low = _mm_min_epu8(s->low, _mm_min_epu8(_mm_min_epu8(v0, v1), _mm_min_epu8(v2, v3)));
	}
#else
	{
		unsigned int k;

		s->lf = 0;
		for (k = 0; k < 64; k++) {
			s->lf |= (uint64_t)(p[k] == '\n') << k;
			s->low = p[k] < s->low ? p[k] : s->low;
		}
	}
#endif
}

static inline void
lex_scan_init(struct lex_scan *s, const uint8_t *b, uint32_t len)
{
	s->b = b;
	s->len = len;
#ifdef LEX_SCAN_SIMD
	s->low = _mm_set1_epi8((char)0xff);
#else
	s->low = 0xff;
#endif
	s->lf = 0;
	s->base = 0;
	if (len > 0)
		lex_scan_load(s, 0);
}

/* Whether a window loaded so far held a NUL. */
static inline int
lex_scan_saw_nul(const struct lex_scan *s)
{
#ifdef LEX_SCAN_SIMD
	return _mm_movemask_epi8(_mm_cmpeq_epi8(s->low, _mm_setzero_si128())) != 0;
#else
	return s->low == 0;
#endif
}

/*
 * The first LF after the last one returned, or len when there is none. Each window is loaded in
 * turn, none skipped, so that none goes unseen for NULs.
 */
static inline uint32_t
lex_scan_next(struct lex_scan *s)
{
	uint64_t m = s->lf;

	while (m == 0) {
		if (s->len - s->base <= 64)
			return s->len;
		lex_scan_load(s, s->base + 64);
		m = s->lf;
	}
	s->lf = m & (m - 1);
	return s->base + (uint32_t)__builtin_ctzll(m);
}

/* The first LF at or after from, which is at or after the last one returned (or len). */
static inline uint32_t
lex_scan_lf(struct lex_scan *s, uint32_t from)
{
	if (from >= s->len)
		return s->len;
	while (from - s->base >= 64)
		lex_scan_load(s, s->base + 64);
	s->lf &= ~0ull << (from - s->base);
	return lex_scan_next(s);
}

#endif /* SLB_SIP_SCAN_H */
