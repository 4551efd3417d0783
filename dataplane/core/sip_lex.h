/* sip_lex.h: character classes and small scanners of RFC 3261's grammar, for the parser. */
#ifndef SLB_SIP_LEX_H
#define SLB_SIP_LEX_H

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __SSSE3__
#include <tmmintrin.h>
#endif

/* Bits of lex_class[]. */
#define LEX_TOKEN 0x01 /* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
#define LEX_DIGIT 0x02
#define LEX_ALPHA 0x04
#define LEX_LWS 0x08   /* SP HT CR LF: inside a value, CRLF followed by WSP is folding */
#define LEX_CTL 0x10   /* 0x00-0x1f and 0x7f */
#define LEX_VSEP 0x20  /* , " < > : what ends or nests a comma-separated header value */

extern const uint8_t slb_lex_class[256];
extern const uint8_t slb_lex_lower[256];

static inline int
lex_is_token(uint8_t c)
{
	return slb_lex_class[c] & LEX_TOKEN;
}

static inline int
lex_is_digit(uint8_t c)
{
	return slb_lex_class[c] & LEX_DIGIT;
}

static inline int
lex_is_alnum(uint8_t c)
{
	return slb_lex_class[c] & (LEX_DIGIT | LEX_ALPHA);
}

static inline int
lex_is_lws(uint8_t c)
{
	return slb_lex_class[c] & LEX_LWS;
}

static inline int
lex_is_ctl(uint8_t c)
{
	return slb_lex_class[c] & LEX_CTL;
}

static inline uint8_t
lex_lower(uint8_t c)
{
	return slb_lex_lower[c];
}

/*
 * Case-insensitive compare of n bytes of p with a literal written in lower case, eight bytes at a
 * time: OR-ing 0x20 lowers A-Z and leaves a-z, digits and "-./:" alone. It would also map some
 * control bytes onto those, so callers pass only bytes already known to be free of them (token
 * characters, or a start line checked for control bytes).
 */
static inline int
lex_ieq(const uint8_t *p, const char *lit, uint32_t n)
{
	uint64_t a, b;

	uint32_t x, y;

	for (; n >= 8; n -= 8, p += 8, lit += 8) {
		memcpy(&a, p, 8);
		memcpy(&b, lit, 8);
		if ((a | 0x2020202020202020ull) != b)
			return 0;
	}
	if (n >= 4) {
		/* two four-byte words, overlapping when n < 8 */
		memcpy(&x, p, 4);
		memcpy(&y, lit, 4);
		if ((x | 0x20202020u) != y)
			return 0;
		memcpy(&x, p + n - 4, 4);
		memcpy(&y, lit + n - 4, 4);
		return (x | 0x20202020u) == y;
	}
	for (; n > 0; n--, p++, lit++)
		if ((uint8_t)(*p | 0x20) != (uint8_t)*lit)
			return 0;
	return 1;
}

/*
 * Eight bytes of p against a literal, where mask holds 0x20 at the literal's lower-case letters
 * and 0 elsewhere: OR-ing bit 5 maps only the upper-case twin onto a letter, so unlike lex_ieq()
 * it is exact on any bytes (a control byte cannot pass for '/' or '.'). Constant literals and
 * masks fold into two immediates.
 */
static inline int
lex_eq8(const uint8_t *p, const char *lit, const char *mask)
{
	uint64_t a, l, m;

	memcpy(&a, p, 8);
	memcpy(&l, lit, 8);
	memcpy(&m, mask, 8);
	return (a | m) == l;
}

/* Four bytes of p against a literal, as lex_eq8(). */
static inline int
lex_eq4(const uint8_t *p, const char *lit, const char *mask)
{
	uint32_t a, l, m;

	memcpy(&a, p, 4);
	memcpy(&l, lit, 4);
	memcpy(&m, mask, 4);
	return (a | m) == l;
}

static inline uint32_t
lex_skip_lws(const uint8_t *b, uint32_t i, uint32_t e)
{
	while (i < e && lex_is_lws(b[i]))
		i++;
	return i;
}

/* The end of [s, e) without trailing LWS. */
static inline uint32_t
lex_trim_lws(const uint8_t *b, uint32_t s, uint32_t e)
{
	while (e > s && lex_is_lws(b[e - 1]))
		e--;
	return e;
}

/*
 * b[i] is '"': the index after the closing quote, honouring quoted-pair escapes, or 0 when the
 * quoted string is not closed before e (0 is never an end: the quote itself is at i >= 0).
 */
static inline uint32_t
lex_quoted_end(const uint8_t *b, uint32_t i, uint32_t e)
{
	for (i++; i < e; i++) {
		if (b[i] == '\\') {
			i++;
			continue;
		}
		if (b[i] == '"')
			return i + 1;
	}
	return 0;
}

/* The same, but e when the quoted string is not closed: for scans that just skip it. */
static inline uint32_t
lex_skip_quoted(const uint8_t *b, uint32_t i, uint32_t e)
{
	uint32_t q = lex_quoted_end(b, i, e);

	return q ? q : e;
}

/*
 * The decimal digits at b[i] (at most eight, none at or past e) read from one 8-byte word, in
 * the manner of SWAR number parsers: returns how many there are and puts their value in *v. The
 * caller makes sure that lim - i >= 8. A count of 8 says the run may go on past the word.
 */
static inline uint32_t
lex_digits8(const uint8_t *b, uint32_t i, uint32_t e, uint64_t *v)
{
	uint64_t x, d, nd;
	uint32_t n;

	memcpy(&x, b + i, 8);
	/*
	 * d: each byte less '0'; a byte is a digit when that is below 10. No byte before the
	 * first non-digit borrows or carries, so the first non-digit is told exactly: bit 7 of
	 * d (it was below '0') or of d + 0x76 (it was above '9').
	 */
	d = x - 0x3030303030303030ull;
	nd = (d | (d + 0x7676767676767676ull)) & 0x8080808080808080ull;
	n = nd != 0 ? (uint32_t)__builtin_ctzll(nd) >> 3 : 8;
	if (n > e - i)
		n = e - i;
	if (n == 0) {
		*v = 0;
		return 0;
	}
	/* the n digits to the top bytes, zeros (leading zeros) below; then pairs, then all */
	d <<= 8 * (8 - n);
	d = d * 10 + (d >> 8);
	d = ((d & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
		((d >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >> 32;
	*v = d;
	return n;
}

/*
 * Runs of a character set, sixteen bytes at a time. Each set is two 16-byte tables indexed by a
 * byte's low and high nibble (the pshufb trick): a byte is in the set when the two entries share
 * a bit. The tables are filled from slb_lex_class[] when the library loads (sip_lex.c), so the
 * sets stay defined in one place. Without SSSE3 the same tables serve a byte loop.
 */
enum lex_set {
	LEX_SET_TOKEN = 0, /* token characters */
	LEX_SET_HOST,      /* what a host name or IPv4 address is made of: alphanum . - _ */
	LEX_SET_PVAL,      /* a parameter value: token characters and ':' (IPv6 in received) */
	LEX_SET_NOT_SP,    /* anything but SP, CR and LF */
	LEX_SET_ADDR,      /* what a From/To scan passes over: anything but ; " < */
	LEX_SET_VALUE,     /* what a header value's split passes over: anything but , " < */
	LEX_SET_NOT_GT,    /* the inside of < >: anything but > */
	LEX_SET_ANGLE,     /* the inside of < > as a value split sees it: anything but > " */
	LEX_SET_NAMEADDR,  /* what comes before a name-addr's < : anything but " < */
	LEX_SET_TAGVAL,    /* a From/To parameter value: anything but ; SP HT CR LF */
	LEX_SET__COUNT
};

extern uint8_t slb_lex_nib[LEX_SET__COUNT][2][16] __attribute__((aligned(16)));

static inline int
lex_in_set(uint8_t c, enum lex_set set)
{
	return slb_lex_nib[set][0][c & 15] & slb_lex_nib[set][1][c >> 4];
}

/*
 * The first index in [i, e) whose byte is not in the set, or e. lim (>= e) is how many bytes of b
 * may be read: a step may load up to 16 bytes past e, below lim, and ignore them, so that short
 * runs (most header names and parameters) still take one vector step.
 */
static inline uint32_t
lex_span(const uint8_t *b, uint32_t i, uint32_t e, uint32_t lim, enum lex_set set)
{
#ifdef __SSSE3__
	if (lim - i >= 16) {
		const __m128i lo_tbl = _mm_load_si128((const __m128i *)slb_lex_nib[set][0]);
		const __m128i hi_tbl = _mm_load_si128((const __m128i *)slb_lex_nib[set][1]);
		const __m128i nib = _mm_set1_epi8(0x0f);

		do {
			__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
			__m128i lo = _mm_shuffle_epi8(lo_tbl, _mm_and_si128(v, nib));
			__m128i hi = _mm_shuffle_epi8(hi_tbl, _mm_and_si128(_mm_srli_epi16(v, 4), nib));
			__m128i in = _mm_and_si128(lo, hi);
			unsigned int out = (unsigned int)_mm_movemask_epi8(
				_mm_cmpeq_epi8(in, _mm_setzero_si128()));

			if (e - i < 16)
				out |= ~0u << (e - i); /* bytes at and past e stop the run */
			if (out != 0)
				return i + (uint32_t)__builtin_ctz(out);
			i += 16;
		} while (lim - i >= 16);
	}
#else
	(void)lim;
#endif
	while (i < e && lex_in_set(b[i], set))
		i++;
	return i;
}

/*
 * The first index in [i, e) whose byte is ch, or e; lim as for lex_span(). One compare a step
 * where a set needs two lookups: for the long runs that end at one byte ('>' after a URI).
 */
static inline uint32_t
lex_find(const uint8_t *b, uint32_t i, uint32_t e, uint32_t lim, uint8_t ch)
{
#ifdef __SSE2__
	if (lim - i >= 16) {
		const __m128i c = _mm_set1_epi8((char)ch);

		do {
			unsigned int hit = (unsigned int)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(b + i)), c));

			if (e - i < 16)
				hit |= ~0u << (e - i); /* bytes at and past e stop the search */
			if (hit != 0)
				return i + (uint32_t)__builtin_ctz(hit);
			i += 16;
		} while (lim - i >= 16);
	}
#else
	(void)lim;
#endif
	while (i < e && b[i] != ch)
		i++;
	return i;
}

/*
 * A start line [s, e) in one pass (lim >= e: bytes of b that may be read, as for lex_span):
 * *ctl is the first control byte other than HT (or e), *sp the first SP (or e), *nsp how many
 * SPs there are. The line's fields are then found from the SPs without scanning again.
 */
static inline void
lex_line_scan(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim, uint32_t *ctl,
	uint32_t *sp, uint32_t *nsp)
{
	uint32_t i = s, n = 0, first = e;

	*ctl = e;
#ifdef __SSE2__
	{
		const __m128i spc = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7f);
		const __m128i ht = _mm_set1_epi8('\t'), us = _mm_set1_epi8(0x1f);

		for (; i < e && lim - i >= 16; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
			/* a control byte: at most 0x1f (min(v, 0x1f) == v) or DEL, but not HT */
			__m128i c = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, us), v),
				_mm_cmpeq_epi8(v, del));
			unsigned int bad = (unsigned int)_mm_movemask_epi8(
				_mm_andnot_si128(_mm_cmpeq_epi8(v, ht), c));
			unsigned int sps = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(v, spc));

			if (e - i < 16) {
				/* bytes at and past e are not the line's */
				bad &= (1u << (e - i)) - 1;
				sps &= (1u << (e - i)) - 1;
			}
			if (bad != 0) {
				*ctl = i + (uint32_t)__builtin_ctz(bad);
				*sp = first;
				*nsp = 0;
				return;
			}
			if (sps != 0) {
				if (first == e)
					first = i + (uint32_t)__builtin_ctz(sps);
				n += (uint32_t)__builtin_popcount(sps);
			}
		}
	}
#else
	(void)lim;
#endif
	for (; i < e; i++) {
		if (lex_is_ctl(b[i]) && b[i] != '\t') {
			*ctl = i;
			*sp = first;
			*nsp = 0;
			return;
		}
		if (b[i] == ' ') {
			if (first == e)
				first = i;
			n++;
		}
	}
	*sp = first;
	*nsp = n;
}

/* Header names the parser looks into. */
enum lex_hdr {
	LEX_H_OTHER = 0,
	LEX_H_CALLID,
	LEX_H_CSEQ,
	LEX_H_VIA,
	LEX_H_MAXFWD,
	LEX_H_CLEN,
	LEX_H_FROM,
	LEX_H_TO,
	LEX_H_ROUTE,
	LEX_H_RR,
};

/* Long names case-insensitively and compact forms (§7.3.3) by length and first letter. */
static inline enum lex_hdr
lex_header_id(const uint8_t *n, uint32_t len)
{
	uint8_t c0 = lex_lower(n[0]);

	switch (len) {
	case 1:
		switch (c0) {
		case 'i': return LEX_H_CALLID;
		case 'v': return LEX_H_VIA;
		case 'l': return LEX_H_CLEN;
		case 'f': return LEX_H_FROM;
		case 't': return LEX_H_TO;
		}
		return LEX_H_OTHER;
	case 2:
		return c0 == 't' && lex_ieq(n, "to", 2) ? LEX_H_TO : LEX_H_OTHER;
	case 3:
		return c0 == 'v' && lex_ieq(n, "via", 3) ? LEX_H_VIA : LEX_H_OTHER;
	case 4:
		if (c0 == 'c' && lex_ieq(n, "cseq", 4))
			return LEX_H_CSEQ;
		if (c0 == 'f' && lex_ieq(n, "from", 4))
			return LEX_H_FROM;
		return LEX_H_OTHER;
	case 5:
		return c0 == 'r' && lex_ieq(n, "route", 5) ? LEX_H_ROUTE : LEX_H_OTHER;
	case 7:
		return c0 == 'c' && lex_ieq(n, "call-id", 7) ? LEX_H_CALLID : LEX_H_OTHER;
	case 12:
		if (c0 == 'm' && lex_ieq(n, "max-forwards", 12))
			return LEX_H_MAXFWD;
		if (c0 == 'r' && lex_ieq(n, "record-route", 12))
			return LEX_H_RR;
		return LEX_H_OTHER;
	case 14:
		return c0 == 'c' && lex_ieq(n, "content-length", 14) ? LEX_H_CLEN : LEX_H_OTHER;
	}
	return LEX_H_OTHER;
}

/*
 * The header names the decision reads, as nearly every sender writes them (name, then the colon
 * at once), recognised by their first letter and one or two exact 8-byte compares (lex_eq8:
 * letters in any case, a wildcard past the colon). *vs is the index after the colon. Anything
 * else (another header, a space before the colon) is LEX_H_OTHER, for the full check. p has at
 * least 16 readable bytes; a match lies within the line, since no line end passes for a letter
 * or a colon.
 */
static inline enum lex_hdr
lex_header_fast(const uint8_t *p, uint32_t *n)
{
	switch (p[0] | 0x20) {
	case 'v':
		if (lex_eq8(p, "via:\xff\xff\xff\xff", "\x20\x20\x20\x00\xff\xff\xff\xff")) {
			*n = 4;
			return LEX_H_VIA;
		}
		if (lex_eq8(p, "v:\xff\xff\xff\xff\xff\xff", "\x20\x00\xff\xff\xff\xff\xff\xff")) {
			*n = 2;
			return LEX_H_VIA;
		}
		break;
	case 'c':
		if (lex_eq8(p, "call-id:", "\x20\x20\x20\x20\x00\x20\x20\x00")) {
			*n = 8;
			return LEX_H_CALLID;
		}
		if (lex_eq8(p, "cseq:\xff\xff\xff", "\x20\x20\x20\x20\x00\xff\xff\xff")) {
			*n = 5;
			return LEX_H_CSEQ;
		}
		if (lex_eq8(p, "content-", "\x20\x20\x20\x20\x20\x20\x20\x00") &&
			lex_eq8(p + 8, "length:\xff", "\x20\x20\x20\x20\x20\x20\x00\xff")) {
			*n = 15;
			return LEX_H_CLEN;
		}
		break;
	case 'i':
		if (lex_eq8(p, "i:\xff\xff\xff\xff\xff\xff", "\x20\x00\xff\xff\xff\xff\xff\xff")) {
			*n = 2;
			return LEX_H_CALLID;
		}
		break;
	case 'f':
		if (lex_eq8(p, "from:\xff\xff\xff", "\x20\x20\x20\x20\x00\xff\xff\xff")) {
			*n = 5;
			return LEX_H_FROM;
		}
		if (lex_eq8(p, "f:\xff\xff\xff\xff\xff\xff", "\x20\x00\xff\xff\xff\xff\xff\xff")) {
			*n = 2;
			return LEX_H_FROM;
		}
		break;
	case 't':
		if (lex_eq8(p, "to:\xff\xff\xff\xff\xff", "\x20\x20\x00\xff\xff\xff\xff\xff")) {
			*n = 3;
			return LEX_H_TO;
		}
		if (lex_eq8(p, "t:\xff\xff\xff\xff\xff\xff", "\x20\x00\xff\xff\xff\xff\xff\xff")) {
			*n = 2;
			return LEX_H_TO;
		}
		break;
	case 'm':
		if (lex_eq8(p, "max-forw", "\x20\x20\x20\x00\x20\x20\x20\x20") &&
			lex_eq8(p + 8, "ards:\xff\xff\xff", "\x20\x20\x20\x20\x00\xff\xff\xff")) {
			*n = 13;
			return LEX_H_MAXFWD;
		}
		break;
	case 'l':
		if (lex_eq8(p, "l:\xff\xff\xff\xff\xff\xff", "\x20\x00\xff\xff\xff\xff\xff\xff")) {
			*n = 2;
			return LEX_H_CLEN;
		}
		break;
	case 'r':
		if (lex_eq8(p, "route:\xff\xff", "\x20\x20\x20\x20\x20\x00\xff\xff")) {
			*n = 6;
			return LEX_H_ROUTE;
		}
		if (lex_eq8(p, "record-r", "\x20\x20\x20\x20\x20\x20\x00\x20") &&
			lex_eq8(p + 8, "oute:\xff\xff\xff", "\x20\x20\x20\x20\x00\xff\xff\xff")) {
			*n = 13;
			return LEX_H_RR;
		}
		break;
	}
	return LEX_H_OTHER;
}

#endif /* SLB_SIP_LEX_H */
