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
 * header line then costs a shift and a count instead of a memchr call (which measured ~45
 * instructions a call, ~14 calls a message, under callgrind). The same step notes the first
 * NUL, so that the header section needs no second pass for it.
 *
 * Windows start at multiples of 64 from the first byte and are loaded in order, each once; the
 * last one is read through a copy so that no byte past len is read (reading the message's last
 * 64 bytes and shifting the masks instead measured 11 instructions a message more). With SSE2 a window is four
 * compares and movemasks per mask; without, a byte loop builds the same masks.
 */
struct lex_scan {
	const uint8_t *b;
	uint32_t len;
	uint32_t base;  /* offset of the current window */
	uint32_t nul;   /* first NUL in the windows loaded so far, or UINT32_MAX */
	uint64_t lf;    /* LF bits of the current window */
};

#define LEX_SCAN_NONE UINT32_MAX

static inline void
lex_scan_masks(const uint8_t *p, uint64_t *lf, uint64_t *nul)
{
#if defined(__SSE2__) && !defined(SLB_SCAN_SCALAR) /* SLB_SCAN_SCALAR: measure the byte loop */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i v0 = _mm_loadu_si128((const __m128i *)p);
	__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
	__m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
	uint64_t l0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl));
	uint64_t l1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, nl));
	uint64_t l2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, nl));
	uint64_t l3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, nl));
	/* NULs are rare: one test for all four, the positions only when there is one */
	__m128i z = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v0, zero), _mm_cmpeq_epi8(v1, zero)),
		_mm_or_si128(_mm_cmpeq_epi8(v2, zero), _mm_cmpeq_epi8(v3, zero)));

	*lf = l0 | l1 << 16 | l2 << 32 | l3 << 48;
	*nul = 0;
	if (__builtin_expect(_mm_movemask_epi8(z) != 0, 0)) {
		unsigned int k;

		for (k = 0; k < 64; k++)
			*nul |= (uint64_t)(p[k] == 0) << k;
	}
#else
	unsigned int k;

	*lf = 0;
	*nul = 0;
	for (k = 0; k < 64; k++) {
		*lf |= (uint64_t)(p[k] == '\n') << k;
		*nul |= (uint64_t)(p[k] == 0) << k;
	}
#endif
}

/* Load the window at base (< len). */
static inline void
lex_scan_load(struct lex_scan *s, uint32_t base)
{
	uint64_t lf, nul;

	s->base = base;
	if (s->len - base >= 64) {
		lex_scan_masks(s->b + base, &lf, &nul);
	} else {
		/* the tail, through a copy padded with a byte that is neither LF nor NUL */
		uint8_t tmp[64];
		uint32_t n = s->len - base;

		memset(tmp, 0xff, sizeof(tmp));
		memcpy(tmp, s->b + base, n);
		lex_scan_masks(tmp, &lf, &nul);
	}
	s->lf = lf;
	if (nul != 0 && s->nul == LEX_SCAN_NONE)
		s->nul = base + (uint32_t)__builtin_ctzll(nul);
}

static inline void
lex_scan_init(struct lex_scan *s, const uint8_t *b, uint32_t len)
{
	s->b = b;
	s->len = len;
	s->nul = LEX_SCAN_NONE;
	s->lf = 0;
	s->base = 0;
	if (len > 0)
		lex_scan_load(s, 0);
}

/*
 * The first LF at or after from, or len when there is none. from never goes back (it is one past
 * the last LF returned, or where the message starts).
 */
static inline uint32_t
lex_scan_lf(struct lex_scan *s, uint32_t from)
{
	uint64_t m;

	if (from >= s->len)
		return s->len;
	while (from - s->base >= 64) /* each window in turn: none may go unseen for NULs */
		lex_scan_load(s, s->base + 64);
	m = s->lf & (~0ull << (from - s->base));
	while (m == 0) {
		if (s->len - s->base <= 64)
			return s->len;
		lex_scan_load(s, s->base + 64);
		m = s->lf;
	}
	return s->base + (uint32_t)__builtin_ctzll(m);
}

#endif /* SLB_SIP_SCAN_H */
