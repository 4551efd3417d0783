/* rewrite.c: the stateless-proxy rewrite of RFC 3261 §16.6 and §16.11, in place in the mbuf. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "slb_cksum.h"
#include "slb_rw.h"
#include "slb_sip.h"
#include "slb_siphash.h"
#include "slb_text.h"

#define COOKIE "z9hG4bK"
#define COOKIE_LEN (sizeof(COOKIE) - 1)
#define PREFIX_LEN (sizeof(SLB_RW_BRANCH_PREFIX) - 1)
#define SIP_PORT 5060

#define VIA_START "Via: SIP/2.0/UDP "
#define VIA_BRANCH ";branch="
/* rport (RFC 3581) so the next hop answers the address and port we really sent from. */
#define VIA_END ";rport\r\n"
#define RR_START "Record-Route: <sip:"
#define RR_END ";lr>\r\n"
#define MF_LINE "Max-Forwards: 70\r\n"
/* What source_edits() appends to the sender's Via, at most. */
#define SOURCE_PARAMS ";received=255.255.255.255;rport=65535"
#define SOURCE_LEN (sizeof(SOURCE_PARAMS) - 1)
#define LIT_LEN(s) (sizeof(s) - 1)

static_assert(LIT_LEN(VIA_START) + SLB_RW_HOST_LEN + 6 + LIT_LEN(VIA_BRANCH) + SLB_RW_BRANCH_LEN +
		LIT_LEN(VIA_END) + LIT_LEN(RR_START) + SLB_RW_HOST_LEN + 6 + LIT_LEN(RR_END) +
		LIT_LEN(MF_LINE) <= SLB_RW_MAX_INSERT,
	"SLB_RW_MAX_INSERT too small for the largest block slb_rw_request() writes");

/* An absent port means the default (§18.2.2, §20.42), so 5060 and no port compare equal. */
static inline uint16_t
port_or_default(uint16_t port)
{
	return port != 0 ? port : SIP_PORT;
}

static inline bool
eq_nocase(const uint8_t *a, const char *b, uint16_t len)
{
	return slb_text_eq_nocase(a, (const uint8_t *)b, len);
}

/*
 * Our branch is a MAC (SipHash-2-4, keyed by branch_secret) over what identifies the next hop's
 * transaction and where its responses go back. The MAC, not the source address, tells our
 * responses from forged ones: a response to a request we sent toward a caller (the 200 to a
 * callee's BYE) rightly comes from a caller. Its input is a byte string of fields, each with its
 * length first so that moving bytes from one field to the next changes the result:
 *   'C', the client's branch (RFC 3261 cookie), or
 *   'R', Call-ID, CSeq number, From tag and the branch if any (RFC 2543: what a CANCEL and a
 *        non-2xx ACK share with their INVITE, §16.11; not the method, not the To tag: the ACK
 *        has the response's tag, and not the Request-URI, which no response carries),
 * then the sent-by host (lower case, §19.1.4) and port, and the address and port its responses
 * go back to (received and rport as we write them), so that a response whose second Via was
 * edited to aim elsewhere does not check.
 */
#define MAC_FIELD_MAX 128 /* a longer field enters as its own MAC */
#define MAC_HOST_MAX 255  /* a DNS name is shorter; a longer host enters by length and prefix */
#define MAC_BUF 768

static_assert(1 + 3 * (2 + MAC_FIELD_MAX) + 4 + 2 + MAC_HOST_MAX + 2 + 4 + 2 <= MAC_BUF,
	"MAC_BUF too small for the longest MAC input");

/* What a field's copy and the host's case folding may write past the input's end: < 16. */
#define MAC_SLACK 16

struct mac_in {
	uint8_t b[MAC_BUF + MAC_SLACK];
	uint32_t n;
};

static_assert(MAC_FIELD_MAX >= 8 + 2, "a field's own MAC must not be longer than the field");

/* The low bytes of v, big-endian: one 8-byte store, n advanced by bytes. */
static inline void
mac_be(struct mac_in *in, uint64_t v, unsigned int bytes)
{
	uint64_t be = __builtin_bswap64(v << (8 * (8 - bytes)));

	memcpy(in->b + in->n, &be, 8); /* in the slack when it passes the input */
	in->n += bytes;
}

/*
 * A field: its length (2 bytes), then its bytes, or 0xffff and its own MAC (as the 8 bytes of
 * SipHash's output, least significant first) when it is longer than MAC_FIELD_MAX.
 */
static void
mac_field(struct mac_in *in, const struct slb_key128 *key, const uint8_t *sip, struct slb_span s)
{
	uint64_t h;

	if (s.len <= MAC_FIELD_MAX) {
		mac_be(in, s.len, 2);
		slb_text_copy(in->b + in->n, sip + s.off, s.len);
		in->n += s.len;
		return;
	}
	mac_be(in, 0xffff, 2);
	h = slb_siphash24(key, sip + s.off, s.len);
	memcpy(in->b + in->n, &h, 8);
	in->n += 8;
}

/* The host: its length, then at most MAC_HOST_MAX of its bytes in lower case (§19.1.4). */
static void
mac_host(struct mac_in *in, const uint8_t *sip, struct slb_span s)
{
	uint32_t i, n = s.len < MAC_HOST_MAX ? s.len : MAC_HOST_MAX;
	uint8_t *d;
	uint64_t w;

	mac_be(in, s.len, 2);
	d = in->b + in->n;
	slb_text_copy(d, sip + s.off, n);
	/* whole words: the bytes past n are folded too, then overwritten by the next field */
	for (i = 0; i < n; i += 8) {
		memcpy(&w, d + i, 8);
		w = slb_text_lower8(w);
		memcpy(d + i, &w, 8);
	}
	in->n += n;
}

static inline bool
has_cookie(const uint8_t *sip, const struct slb_sip_via *via)
{
	return via->branch.len >= COOKIE_LEN &&
		memcmp(sip + via->branch.off, COOKIE, COOKIE_LEN) == 0;
}

/* The branch for the transaction via describes, whose responses go back to ret_ip:ret_port. */
static void
branch_of(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_sip_via *via,
	const struct slb_key128 *key, uint32_t ret_ip, uint16_t ret_port, char *out)
{
	struct mac_in in;
	uint64_t h;

	in.n = 1;
	if (has_cookie(sip, via)) {
		in.b[0] = 'C';
		mac_field(&in, key, sip, via->branch);
	} else {
		in.b[0] = 'R';
		mac_field(&in, key, sip, msg->call_id);
		mac_be(&in, msg->cseq, 4);
		mac_field(&in, key, sip, msg->from_tag);
		mac_field(&in, key, sip, via->branch); /* whatever it is, it comes back the same */
	}
	mac_host(&in, sip, via->host);
	/* sent-by port, return address and port: 8 bytes, one store */
	mac_be(&in, (uint64_t)port_or_default(via->port) << 48 | (uint64_t)ret_ip << 16 | ret_port,
		8);
	h = slb_siphash24(key, in.b, in.n);

	/* the digits of SipHash's output bytes in order, as the MAC has always been written */
	memcpy(out, SLB_RW_BRANCH_PREFIX, PREFIX_LEN);
	slb_text_hex16(out + PREFIX_LEN, __builtin_bswap64(h));
}

/* Where responses to a request that came from src_ip:src_port with top Via v go (§18.2.2). */
static inline uint16_t
return_port(const struct slb_sip_via *v, uint16_t src_port)
{
	return v->has_rport ? src_port : port_or_default(v->port);
}

void
slb_rw_branch(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_rw_cfg *cfg,
	uint32_t src_ip, uint16_t src_port, char *out)
{
	/* the return address is the source: received is written whenever sent-by differs */
	branch_of(sip, msg, &msg->via[0], &cfg->key, src_ip, return_port(&msg->via[0], src_port),
		out);
}

bool
slb_rw_via_is_ours_to(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t ret_ip, uint16_t ret_port)
{
	const struct slb_sip_via *v = &msg->via[0];
	char want[SLB_RW_BRANCH_LEN];

	if (msg->via_count < 2 || cfg->host_len > SLB_RW_HOST_LEN)
		return false;
	if (v->host.len != cfg->host_len || !eq_nocase(sip + v->host.off, cfg->host, cfg->host_len))
		return false;
	if (port_or_default(v->port) != port_or_default(cfg->port))
		return false;
	if (v->branch.len != SLB_RW_BRANCH_LEN)
		return false;
	/* the request we sent carried received/rport as we wrote them: the MAC covers them */
	branch_of(sip, msg, &msg->via[1], &cfg->key, ret_ip, ret_port, want);
	return slb_text_eq(sip + v->branch.off, (const uint8_t *)want, SLB_RW_BRANCH_LEN);
}

bool
slb_rw_via_is_ours(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg)
{
	uint16_t ret_port;
	uint32_t ret_ip;

	if (msg->via_count < 2 || slb_rw_response_dest(sip, &msg->via[1], &ret_ip, &ret_port) < 0)
		return false;
	return slb_rw_via_is_ours_to(sip, msg, cfg, ret_ip, ret_port);
}

/* Reject a layout that would make a move leave the mbuf or the lengths disagree with the IHL. */
static int
check_pkt(const struct rte_mbuf *m, const struct slb_pkt *p)
{
	const struct rte_ipv4_hdr *ip;

	if (m->nb_segs != 1 || m->next != NULL)
		return -EINVAL;
	if ((uint32_t)p->l3_off + sizeof(struct rte_ipv4_hdr) > p->l4_off ||
			(uint32_t)p->l4_off + sizeof(struct rte_udp_hdr) > p->sip_off ||
			(uint32_t)p->sip_off + p->sip_len > m->data_len)
		return -EINVAL;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, p->l3_off);
	if (rte_ipv4_hdr_len(ip) != (uint32_t)(p->l4_off - p->l3_off))
		return -EINVAL;
	return 0;
}

static void
set_lengths(struct rte_mbuf *m, const struct slb_pkt *p)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p->l3_off);
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, p->l4_off);
	uint32_t end = (uint32_t)p->sip_off + p->sip_len;

	ip->total_length = rte_cpu_to_be_16((uint16_t)(end - p->l3_off));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(end - p->l4_off));
}

/*
 * The range a header value's removal takes out of the message: the whole line when the value is
 * alone in its header field, else from vstart (the value) to the next value.
 */
static int
value_range(const struct slb_sip_hdr *hdr, uint16_t vstart, uint16_t sip_len, uint16_t *r0,
	uint16_t *r1)
{
	uint32_t end = (uint32_t)hdr->line.off + hdr->line.len;

	if (hdr->line.len == 0 || end > sip_len)
		return -EINVAL;
	if (hdr->next == 0) {
		*r0 = hdr->line.off;
		*r1 = (uint16_t)end;
		return 0;
	}
	if (vstart < hdr->line.off || vstart >= hdr->next || hdr->next > end)
		return -EINVAL;
	*r0 = vstart;
	*r1 = hdr->next;
	return 0;
}

/* Where the first Route value starts: after the colon and any whitespace, folding included. */
static int
route_value_start(const uint8_t *sip, const struct slb_sip_hdr *hdr, uint16_t sip_len,
	uint16_t *vstart)
{
	uint32_t end = (uint32_t)hdr->line.off + hdr->line.len;
	uint32_t i = hdr->line.off;

	if (hdr->line.len == 0 || end > sip_len)
		return -EINVAL;
	while (i < end && sip[i] != ':')
		i++;
	if (i == end)
		return -EINVAL;
	for (i++; i < end; i++)
		if (sip[i] != ' ' && sip[i] != '\t' && sip[i] != '\r' && sip[i] != '\n')
			break;
	*vstart = (uint16_t)i;
	return 0;
}

/*
 * One change to the SIP bytes: rm bytes out at off, then n bytes of blk in at off. A request's
 * rewrite makes up to MAX_EDITS of them (Record-Route and Max-Forwards after the start line, our
 * Via above the sender's, the caller's received/rport, our Route), a response's one; splice()
 * applies them all in one pass over the bytes that have to move.
 */
struct edit {
	uint16_t off;
	uint16_t rm;
	uint16_t n;
	const char *blk; /* never inside the packet */
};

#define MAX_EDITS 9

/* Does x go before y: a lower offset, or an insertion where y removes at the same offset? */
static inline bool
edit_before(const struct edit *x, const struct edit *y)
{
	return x->off < y->off || (x->off == y->off && x->rm == 0 && y->rm > 0);
}

/* Sort by offset (an insertion before a removal at the same offset); -EINVAL on an overlap. */
static int
sort_edits(struct edit *e, unsigned int k, uint16_t sip_len)
{
	unsigned int i, j;

	for (i = 1; i < k; i++) {
		struct edit x = e[i];

		if (!edit_before(&x, &e[i - 1]))
			continue; /* in place already, as the rewrite mostly builds them */
		for (j = i; j > 0 && edit_before(&x, &e[j - 1]); j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
	for (i = 0; i < k; i++) {
		if ((uint32_t)e[i].off + e[i].rm > sip_len)
			return -EINVAL;
		if (i > 0 && (uint32_t)e[i - 1].off + e[i - 1].rm > e[i].off)
			return -EINVAL;
	}
	return 0;
}

/* Bytes the edits add (negative: remove). */
static int32_t
edits_delta(const struct edit *e, unsigned int k)
{
	int32_t d = 0;
	unsigned int i;

	for (i = 0; i < k; i++)
		d += (int32_t)e[i].n - e[i].rm;
	return d;
}

/*
 * The edits cut the packet into k + 1 runs of bytes that stay as they are: the front (L2-L4
 * headers, the start line), the runs between edits, and the tail. One run, the anchor, stays in
 * place; the runs in front of it move toward the headroom by what the edits in front of it add,
 * the runs behind it toward the tailroom by what the edits behind it add. The layout records
 * where each run starts, how long it is and how far it moves.
 */
struct layout {
	uint32_t start[MAX_EDITS + 1];
	uint32_t len[MAX_EDITS + 1];
	int32_t shift[MAX_EDITS + 1];
	int32_t delta; /* what the edits add to the message: edits_delta() */
};

/*
 * Choose the anchor that moves the fewest bytes within the room there is: usually the tail
 * (only headers move, however long the body), the front when the headroom is short. Returns 0,
 * or -ENOSPC when no anchor fits (also when the IPv4 datagram would pass 65535 bytes).
 */
static int
plan(const struct rte_mbuf *m, const struct slb_pkt *p, const struct edit *e, unsigned int k,
	struct layout *l)
{
	int32_t before = 0, after = l->delta = edits_delta(e, k), head = rte_pktmbuf_headroom(m);
	int32_t tail = rte_pktmbuf_tailroom(m);
	uint32_t moved, best_moved = UINT32_MAX, total = 0;
	unsigned int i, a, best = 0;

	if ((int64_t)p->sip_off + p->sip_len + after - p->l3_off > UINT16_MAX)
		return -ENOSPC;
	for (i = 0; i <= k; i++) {
		l->start[i] = i == 0 ? 0 : (uint32_t)p->sip_off + e[i - 1].off + e[i - 1].rm;
		l->len[i] = (i == k ? m->data_len : (uint32_t)p->sip_off + e[i].off) - l->start[i];
		total += l->len[i];
	}
	/* anchor a: edits 0..a-1 grow into the headroom, edits a..k-1 into the tailroom */
	moved = total - l->len[0];
	for (a = 0; a <= k; a++) {
		if (a > 0) {
			before += (int32_t)e[a - 1].n - e[a - 1].rm;
			after -= (int32_t)e[a - 1].n - e[a - 1].rm;
			moved += l->len[a - 1];
			moved -= l->len[a];
		}
		if (before <= head && after <= tail && moved < best_moved) {
			best_moved = moved;
			best = a;
		}
	}
	if (best_moved == UINT32_MAX)
		return -ENOSPC;
	l->shift[best] = 0;
	for (i = best; i > 0; i--)
		l->shift[i - 1] = l->shift[i] + e[i - 1].rm - e[i - 1].n;
	for (i = best; i < k; i++)
		l->shift[i + 1] = l->shift[i] + e[i].n - e[i].rm;
	return 0;
}

/*
 * Apply k sorted, disjoint edits as planned. Runs moving toward the front are moved first to
 * last and runs moving toward the tail last to first, so that no run overwrites one not yet
 * moved (two neighbours keep their order, and a run moving one way never lands where its
 * neighbour moving the other way still is); the inserted bytes are written last.
 */
static void
splice(struct rte_mbuf *m, struct slb_pkt *p, const struct edit *e, unsigned int k,
	const struct layout *l)
{
	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned int i;

	for (i = 0; i <= k; i++)
		if (l->shift[i] < 0 && l->len[i] > 0)
			memmove(base + l->start[i] + l->shift[i], base + l->start[i], l->len[i]);
	for (i = k + 1; i-- > 0;)
		if (l->shift[i] > 0 && l->len[i] > 0)
			memmove(base + l->start[i] + l->shift[i], base + l->start[i], l->len[i]);
	for (i = 0; i < k; i++)
		if (e[i].n > 0)
			memcpy(base + l->start[i] + l->len[i] + l->shift[i], e[i].blk, e[i].n);
	if (l->shift[0] < 0)
		rte_pktmbuf_prepend(m, (uint16_t)-l->shift[0]);
	else if (l->shift[0] > 0)
		rte_pktmbuf_adj(m, (uint16_t)l->shift[0]);
	if (l->shift[k] > 0)
		rte_pktmbuf_append(m, (uint16_t)l->shift[k]);
	else if (l->shift[k] < 0)
		rte_pktmbuf_trim(m, (uint16_t)-l->shift[k]);
	p->sip_len = (uint16_t)(p->sip_len + l->delta);
}

static char *
put_str(char *d, const char *s, size_t len)
{
	slb_text_copy(d, s, (uint32_t)len);
	return d + len;
}

/* "00" to "99": the digits of a number two at a time, one division per pair. */
static const char two_digits[200] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline char *
put_pair(char *d, unsigned int v)
{
	memcpy(d, two_digits + 2 * v, 2);
	return d + 2;
}

/* The decimal digits of v, no leading zeros. */
static char *
put_u16(char *d, uint16_t v)
{
	if (v < 10) {
		*d++ = (char)('0' + v);
		return d;
	}
	if (v < 100)
		return put_pair(d, v);
	if (v < 1000) {
		*d++ = (char)('0' + v / 100);
		return put_pair(d, v % 100);
	}
	if (v >= 10000) {
		*d++ = (char)('0' + v / 10000);
		v %= 10000;
	}
	d = put_pair(d, v / 100);
	return put_pair(d, v % 100);
}

/* Count down the digits in place, keeping their width: "70" -> "69", "10" -> "09". */
static void
decrement_digits(uint8_t *d, uint16_t len)
{
	while (len-- > 0) {
		if (d[len] != '0') {
			d[len]--;
			return;
		}
		d[len] = '9';
	}
}

/* The Max-Forwards digits must be digits and not all zero, or counting down would wrap. */
static int
check_max_fwd(const uint8_t *sip, struct slb_span s, uint16_t sip_len)
{
	bool nonzero = false;
	uint16_t i;

	if (s.len == 0 || (uint32_t)s.off + s.len > sip_len)
		return -EINVAL;
	for (i = 0; i < s.len; i++) {
		if (sip[s.off + i] < '0' || sip[s.off + i] > '9')
			return -EINVAL;
		nonzero |= sip[s.off + i] != '0';
	}
	return nonzero ? 0 : -EINVAL;
}

/*
 * Is parameter [s, e) of a Via (from its ';') received or rport? Most are not even an 'r': one
 * byte tells, and only then are the names compared.
 */
static bool
param_is_source(const uint8_t *sip, uint32_t s, uint32_t e)
{
	uint32_t i = s + 1, n;

	while (i < e && (sip[i] == ' ' || sip[i] == '\t' || sip[i] == '\r' || sip[i] == '\n'))
		i++;
	if (i == e || (sip[i] | 0x20) != 'r')
		return false;
	if (e - i >= 8 && eq_nocase(sip + i, "received", 8))
		n = 8;
	else if (e - i >= 5 && eq_nocase(sip + i, "rport", 5))
		n = 5;
	else
		return false;
	i += n;
	return i == e || sip[i] == '=' || sip[i] == ' ' || sip[i] == '\t' || sip[i] == '\r' ||
		sip[i] == '\n';
}

/* Bit j set where b[j] is c, for the n <= 64 bytes at b: 16 at a time, the last 16 overlapping. */
static inline uint64_t
byte_mask(const uint8_t *b, uint32_t n, uint8_t c)
{
	uint64_t m = 0;
	uint32_t j;

#ifdef __SSE2__
	if (n >= 16) {
		const __m128i cv = _mm_set1_epi8((char)c);

		for (j = 0; j + 16 <= n; j += 16)
			m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
				_mm_loadu_si128((const __m128i *)(b + j)), cv)) << j;
		if (j < n)
			m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
				_mm_loadu_si128((const __m128i *)(b + n - 16)), cv)) << (n - 16);
		return m;
	}
#endif
	for (j = 0; j < n; j++)
		m |= (uint64_t)(b[j] == c) << j;
	return m;
}

/*
 * The received and rport parameters of Via value v, each from its ';' to the next parameter,
 * as removals (at most max of them; -EINVAL for more). Quoted strings are skipped whole.
 */
static int
via_params_out(const uint8_t *sip, const struct slb_sip_via *v, struct edit *e, unsigned int max,
	unsigned int *k)
{
	uint32_t i = (uint32_t)v->host.off + v->host.len, end = (uint32_t)v->value.off + v->value.len;

	/*
	 * Up to 64 bytes of parameters (the usual: branch, rport) without a quote: every ';'
	 * starts one, and one mask holds them all. Else the scan below, ';' by ';'.
	 */
	if (end - i <= 64 && byte_mask(sip + i, end - i, '"') == 0) {
		uint64_t semis = byte_mask(sip + i, end - i, ';');

		while (semis != 0) {
			uint32_t a = (uint32_t)__builtin_ctzll(semis), b;

			semis &= semis - 1;
			b = semis != 0 ? (uint32_t)__builtin_ctzll(semis) : end - i;
			if (param_is_source(sip, i + a, i + b)) {
				if (*k == max)
					return -EINVAL;
				e[*k] = (struct edit){.off = (uint16_t)(i + a),
					.rm = (uint16_t)(b - a)};
				(*k)++;
			}
		}
		return 0;
	}
	/* without a quoted string every ';' starts a parameter: memchr finds them */
	bool quotes = memchr(sip + i, '"', end - i) != NULL;
	const uint8_t *semi = memchr(sip + i, ';', end - i);

	i = semi != NULL ? (uint32_t)(semi - sip) : end;
	while (i < end) {
		uint32_t j = i + 1;
		bool quoted = false;

		if (!quotes) {
			semi = memchr(sip + j, ';', end - j);
			j = semi != NULL ? (uint32_t)(semi - sip) : end;
		}
		while (quotes && j < end && (quoted || sip[j] != ';')) {
			if (sip[j] == '"')
				quoted = !quoted;
			else if (quoted && sip[j] == '\\' && j + 1 < end)
				j++;
			j++;
		}
		if (j > end)
			j = end;
		if (param_is_source(sip, i, j)) {
			if (*k == max)
				return -EINVAL;
			e[*k] = (struct edit){.off = (uint16_t)i, .rm = (uint16_t)(j - i)};
			(*k)++;
		}
		i = j;
	}
	return 0;
}

static char *
put_ipv4(char *d, uint32_t ip)
{
	d = put_u16(d, (uint16_t)(ip >> 24));
	*d++ = '.';
	d = put_u16(d, (uint16_t)((ip >> 16) & 0xff));
	*d++ = '.';
	d = put_u16(d, (uint16_t)((ip >> 8) & 0xff));
	*d++ = '.';
	return put_u16(d, (uint16_t)(ip & 0xff));
}

/*
 * §18.2.1 and RFC 3581: received when the source differs from sent-by (always with rport), and
 * rport filled with the source port. A received or rport the sender wrote itself is replaced:
 * responses go where the request really came from, never where its Via claims.
 */
static int
source_edits(const uint8_t *sip, const struct slb_sip_via *v, uint32_t src_ip, uint16_t src_port,
	char *blk, struct edit *e, unsigned int max, unsigned int *k)
{
	uint32_t host_ip;
	char *d = blk;
	int rc;

	if (!v->has_rport && v->received.len == 0 && slb_sip_ipv4(sip, v->host, &host_ip) == 0 &&
			host_ip == src_ip)
		return 0;
	rc = via_params_out(sip, v, e, max - 1, k);
	if (rc != 0)
		return rc;
	d = put_str(d, ";received=", 10);
	d = put_ipv4(d, src_ip);
	if (v->has_rport) {
		d = put_str(d, ";rport=", 7);
		d = put_u16(d, src_port);
	}
	e[*k] = (struct edit){.off = (uint16_t)(v->value.off + v->value.len),
		.n = (uint16_t)(d - blk), .blk = blk};
	(*k)++;
	return 0;
}

/*
 * Our headers: Record-Route and the missing Max-Forwards right after the start line (ours is the
 * first Record-Route, §16.6 step 4), our Via right above the sender's top Via line, so that the
 * Via lines stay together whatever headers come before them. One block when the top Via is the
 * first header, as usual; two edits otherwise. blk holds SLB_RW_MAX_INSERT bytes.
 */
static int
top_blocks(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_rw_cfg *cfg,
	uint32_t flags, uint32_t src_ip, uint16_t src_port, uint16_t ins, bool add_mf, char *blk,
	struct edit *e, unsigned int *k)
{
	uint16_t via_at = msg->via_hdr.line.off, top;
	const char *rr_host;
	uint16_t rr_len;
	char *d = blk;

	if (msg->via_hdr.line.len == 0 || via_at < ins || via_at > msg->via[0].value.off)
		return -EINVAL;
	/* Everything the blocks need is read before any byte moves. */
	if (flags & SLB_RW_RECORD_ROUTE) {
		rr_host = cfg->rr_host_len != 0 ? cfg->rr_host : cfg->host;
		rr_len = cfg->rr_host_len != 0 ? cfg->rr_host_len : cfg->host_len;
		d = put_str(d, RR_START, LIT_LEN(RR_START));
		d = put_str(d, rr_host, rr_len);
		if (cfg->port != 0) {
			*d++ = ':';
			d = put_u16(d, cfg->port);
		}
		d = put_str(d, RR_END, LIT_LEN(RR_END));
	}
	if (add_mf)
		d = put_str(d, MF_LINE, LIT_LEN(MF_LINE));
	top = (uint16_t)(d - blk);
	d = put_str(d, VIA_START, LIT_LEN(VIA_START));
	d = put_str(d, cfg->host, cfg->host_len);
	if (cfg->port != 0) {
		*d++ = ':';
		d = put_u16(d, cfg->port);
	}
	d = put_str(d, VIA_BRANCH, LIT_LEN(VIA_BRANCH));
	slb_rw_branch(sip, msg, cfg, src_ip, src_port, d);
	d += SLB_RW_BRANCH_LEN;
	d = put_str(d, VIA_END, LIT_LEN(VIA_END));
	if (via_at == ins) {
		e[(*k)++] = (struct edit){.off = ins, .n = (uint16_t)(d - blk), .blk = blk};
		return 0;
	}
	if (top > 0)
		e[(*k)++] = (struct edit){.off = ins, .n = top, .blk = blk};
	e[(*k)++] = (struct edit){.off = via_at, .n = (uint16_t)(d - blk - top), .blk = blk + top};
	return 0;
}

/*
 * The UDP checksum, kept up to date through the edits (RFC 1624: HC' = ~(~HC + ~m + m'), where
 * m is what goes out and m' what comes in), so that its cost depends on the edits, not on the
 * length of the message. Sums are one's-complement sums in memory order (slb_cksum.h), kept
 * unfolded in 64 bits: all that counts is their value modulo 65535, and 2^64 = 1 modulo 65535,
 * so a carry out of bit 63 comes back in at bit 0, and ~x (2^64 - 1 - x) is -x. One fold at the
 * end; the edits cost no fold each.
 */
static inline uint64_t
acc_add(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t
acc_sub(uint64_t a, uint64_t b)
{
	return acc_add(a, ~b);
}

/* The same value modulo 65535 in at most 33 bits, so that it can be multiplied. */
static inline uint64_t
fold32(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	return (s & 0xffffffffu) + (s >> 32);
}

/*
 * n bytes at offset off of the SIP message, as they add into the UDP checksum. The message
 * starts 8 bytes (even) after the UDP header, so its offsets have the parity of the datagram's.
 * Bytes at an odd offset sit in the other half of their words: their sum is the byte swap of
 * the sum taken from an even offset (RFC 1071, 2(B)), which modulo 65535 is that sum times 256
 * (x = 256h + l, and 256x = 65536h + 256l = h + 256l): no fold to 16 bits for it either.
 */
static inline uint64_t
run_sum(const void *b, uint32_t n, uint32_t off)
{
	uint64_t s = slb_cksum_add(b, n, 0);

	return (off & 1) ? fold32(s) << 8 : s;
}

/*
 * Where the sum of the SIP bytes starts from. With SLB_PKT_CSUM_RX the checksum field is right
 * for the datagram as it is: summed with it, the datagram gives all ones, so the payload sums to
 * the complement of the pseudo header and the UDP header, checksum field included. Only that
 * case: the receive path drops a datagram whose checksum is wrong (ipv4.c) before the SIP core
 * sees it, so the field is never trusted unchecked. Had a wrong one got through, an update would
 * keep it exactly as wrong, and the next hop would drop the datagram as we should have: a
 * corruption stays visible, where a sum computed afresh would bless it.
 */
static bool
sum_begin(const struct rte_mbuf *m, const struct slb_pkt *p, uint64_t *sum)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;

	if (p->csum == SLB_PKT_CSUM_SUM) {
		*sum = p->sip_sum;
		return true;
	}
	if (p->csum != SLB_PKT_CSUM_RX)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, p->l3_off);
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, p->l4_off);
	if (udp->dgram_cksum == 0)
		return false; /* "no checksum": there is nothing to start from */
	*sum = ~(slb_cksum_phdr4(ip, udp->dgram_len) + slb_cksum_udph(udp));
	return true;
}

static inline void
sum_end(struct slb_pkt *p, uint64_t sum)
{
	p->sip_sum = slb_cksum_fold(sum);
	p->csum = SLB_PKT_CSUM_SUM;
}

/*
 * The sum of the SIP bytes after the k sorted edits, from sum before them; called before
 * splice() moves anything, while what goes out is still there. Each removal is subtracted at its
 * offset and each insertion added at its new one. A run of bytes between edits that moves by an
 * odd count changes the half of the words its bytes are in: its sum s becomes 256 s, a change
 * of 255 s. That costs a pass over the run. The last run (the rest of the headers and the body:
 * the long one) moves by what all the edits add; when that is odd its sum is sum less the sum
 * of the bytes in front of it (one pass over them: few runs, short, mostly the headers the
 * rewrite moves anyway), unless the run itself is the shorter.
 */
static uint64_t
sum_edits(const uint8_t *sip, uint16_t sip_len, const struct edit *e, unsigned int k,
	uint64_t sum)
{
	uint32_t start = 0, i;
	uint64_t acc = sum, s;
	int32_t shift = 0; /* how far the run from start moves */

	for (i = 0; i < k; i++) {
		if (shift & 1) {
			s = run_sum(sip + start, e[i].off - start, start);
			acc = acc_add(acc, fold32(s) * 255);
		}
		if (e[i].rm > 0)
			acc = acc_sub(acc, run_sum(sip + e[i].off, e[i].rm, e[i].off));
		if (e[i].n > 0)
			acc = acc_add(acc, run_sum(e[i].blk, e[i].n, (uint32_t)(e[i].off + shift)));
		shift += (int32_t)e[i].n - e[i].rm;
		start = (uint32_t)e[i].off + e[i].rm;
	}
	if (shift & 1) {
		if (sip_len - start > start)
			s = acc_sub(sum, slb_cksum_add(sip, start, 0));
		else
			s = run_sum(sip + start, sip_len - start, start);
		acc = acc_add(acc, fold32(s) * 255);
	}
	return acc;
}

/*
 * The same sum another way: everything in front of the last run (all the edits are there) summed
 * as it was and as it is after the splice, both from offset 0; the last run is the rest of the
 * old sum, moved as a whole by what the edits add. Two passes over the front, against
 * sum_edits()'s pass over each edit (three or more for a request), over each run moved by an
 * odd count, and over the shorter of the front and the last run when that moves by an odd
 * count. Measured on bench_pipeline's requests, whose front (start line to the end of the top
 * Via or of our Route) is some 150 bytes: 50 instructions fewer a request. Weighing each
 * message's edits to choose cost more than it saved (100 instructions); a front up to
 * FRONT_MAX bytes is summed twice, a longer one (headers above the Via) takes the edits.
 */
#define FRONT_MAX 384

int
slb_rw_request(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t flags, uint32_t src_ip, uint16_t src_port)
{
	char blk[SLB_RW_MAX_INSERT], src_blk[SOURCE_LEN];
	struct edit e[MAX_EDITS];
	struct layout l;
	unsigned int k = 0;
	bool mf_present, mf_in_front, track, by_front;
	uint64_t sum = 0;
	uint32_t front;
	uint16_t ins;
	uint8_t *sip;
	int rc;

	rc = check_pkt(m, p);
	if (rc != 0)
		return rc;
	if (msg->kind != SLB_SIP_REQUEST || msg->via_count < 1 || msg->max_forwards == 0)
		return -EINVAL;
	if (cfg->host_len == 0 || cfg->host_len > SLB_RW_HOST_LEN ||
			cfg->rr_host_len > SLB_RW_HOST_LEN)
		return -EINVAL;
	sip = rte_pktmbuf_mtod_offset(m, uint8_t *, p->sip_off);
	/* After the start line, which need not be at 0: CRLFs may come before it (§7.5). */
	ins = (uint16_t)(msg->start_line.off + msg->start_line.len);
	if (msg->start_line.len == 0 ||
			(uint32_t)msg->start_line.off + msg->start_line.len > p->sip_len)
		return -EINVAL;
	/* A continuation line right after the start line would fold into the last header we add. */
	if (ins < p->sip_len && (sip[ins] == ' ' || sip[ins] == '\t'))
		return -EINVAL;
	if (msg->via[0].value.len == 0 || msg->via[0].value.off < ins)
		return -EINVAL;

	/*
	 * The edits in offset order as far as it is known: our headers (before the sender's Via
	 * value), the sender's Via, then the Route's removal, which may stand anywhere. The sort
	 * has little to move. The source edits may take as many removals as ever: MAX_EDITS less
	 * the Route's and our headers' edits.
	 */
	mf_present = msg->max_forwards > 0;
	rc = top_blocks(sip, msg, cfg, flags, src_ip, src_port, ins, !mf_present, blk, e, &k);
	if (rc != 0)
		return rc;
	rc = source_edits(sip, &msg->via[0], src_ip, src_port, src_blk, e,
		k + MAX_EDITS - 2 - ((flags & SLB_RW_DROP_ROUTE) != 0), &k);
	if (rc != 0)
		return rc;
	if (flags & SLB_RW_DROP_ROUTE) {
		uint16_t vstart, r0, r1;

		if (msg->route_count == 0)
			return -EINVAL;
		rc = route_value_start(sip, &msg->route_hdr, p->sip_len, &vstart);
		if (rc == 0)
			rc = value_range(&msg->route_hdr, vstart, p->sip_len, &r0, &r1);
		if (rc != 0)
			return rc;
		if (r0 < ins)
			return -EINVAL;
		e[k++] = (struct edit){.off = r0, .rm = (uint16_t)(r1 - r0)};
	}
	if (mf_present && check_max_fwd(sip, msg->max_fwd, p->sip_len) != 0)
		return -EINVAL;

	/* Check before the first write so that a refused packet is left as it came. */
	rc = sort_edits(e, k, p->sip_len);
	if (rc == 0)
		rc = plan(m, p, e, k, &l);
	if (rc != 0)
		return rc;
	track = sum_begin(m, p, &sum);
	by_front = mf_in_front = false;
	front = (uint32_t)e[k - 1].off + e[k - 1].rm;
	if (track && front <= FRONT_MAX) {
		/* the Max-Forwards digits lie in the front or in the last run, never across */
		mf_in_front = mf_present && (uint32_t)msg->max_fwd.off + msg->max_fwd.len <= front;
		by_front = mf_in_front || !mf_present || msg->max_fwd.off >= front;
		if (by_front)
			sum = acc_sub(sum, slb_cksum_add(sip, front, 0)); /* the last run's sum */
	}
	if (mf_present) {
		/* in place: its old digits out of the sum, the new ones in, at the same offset */
		bool adjust = track && !(by_front && mf_in_front);

		if (adjust)
			sum = acc_sub(sum, run_sum(sip + msg->max_fwd.off, msg->max_fwd.len,
				msg->max_fwd.off));
		decrement_digits(sip + msg->max_fwd.off, msg->max_fwd.len);
		if (adjust)
			sum = acc_add(sum, run_sum(sip + msg->max_fwd.off, msg->max_fwd.len,
				msg->max_fwd.off));
	}
	if (track && !by_front)
		sum = sum_edits(sip, p->sip_len, e, k, sum);
	splice(m, p, e, k, &l);
	set_lengths(m, p);
	if (by_front) {
		int32_t delta = l.delta;

		/* the front as it is now, and the last run moved by delta (RFC 1071, 2(B)) */
		sip = rte_pktmbuf_mtod_offset(m, uint8_t *, p->sip_off);
		sum = acc_add(slb_cksum_add(sip, (uint32_t)((int32_t)front + delta), 0),
			(delta & 1) ? fold32(sum) << 8 : sum);
	}
	if (track)
		sum_end(p, sum);
	return 0;
}

int
slb_rw_response(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg)
{
	struct layout l;
	struct edit e;
	uint16_t r0, r1;
	uint64_t sum;
	bool track;
	int rc;

	rc = check_pkt(m, p);
	if (rc != 0)
		return rc;
	/* With our Via alone there is no one to forward to. */
	if (msg->kind != SLB_SIP_RESPONSE || msg->via_count < 2)
		return -EINVAL;
	rc = value_range(&msg->via_hdr, msg->via[0].value.off, p->sip_len, &r0, &r1);
	if (rc != 0)
		return rc;
	e = (struct edit){.off = r0, .rm = (uint16_t)(r1 - r0)};
	rc = plan(m, p, &e, 1, &l);
	if (rc != 0)
		return rc;
	track = sum_begin(m, p, &sum);
	if (track)
		sum = sum_edits(rte_pktmbuf_mtod_offset(m, const uint8_t *, p->sip_off), p->sip_len,
			&e, 1, sum);
	splice(m, p, &e, 1, &l);
	set_lengths(m, p);
	if (track)
		sum_end(p, sum);
	return 0;
}

int
slb_rw_response_dest(const uint8_t *sip, const struct slb_sip_via *via, uint32_t *ip,
	uint16_t *port)
{
	struct slb_span host = via->received.len != 0 ? via->received : via->host;

	if (slb_sip_ipv4(sip, host, ip) != 0)
		return -1;
	if (via->has_rport && via->rport != 0)
		*port = via->rport;
	else
		*port = port_or_default(via->port);
	return 0;
}

void
slb_rw_finish(struct rte_mbuf *m, const struct slb_pkt *p)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p->l3_off);
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, p->l4_off);
	uint16_t c;

	/* Both sums read as many bytes as the length fields say: those must describe the packet. */
	if (check_pkt(m, p) != 0)
		return;
	set_lengths(m, p);
	ip->hdr_checksum = 0;
	switch (p->csum) {
	case SLB_PKT_CSUM_OFFLOAD:
		/* what DPDK asks for: flags, the IPv4 header's length, the pseudo-header sum (the
		 * value of rte_ipv4_phdr_cksum() without TSO, lengths and protocol as set) */
		m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) | RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
		m->l3_len = (uint16_t)(p->l4_off - p->l3_off);
		udp->dgram_cksum = slb_cksum_fold(slb_cksum_phdr4(ip, udp->dgram_len));
		return;
	case SLB_PKT_CSUM_SUM:
		/* the headers as they are now (addresses, ports, lengths) and the message's sum */
		ip->hdr_checksum = slb_cksum_ipv4(ip);
		udp->dgram_cksum = 0;
		c = (uint16_t)~slb_cksum_fold(slb_cksum_phdr4(ip, udp->dgram_len) +
			slb_cksum_udph(udp) + p->sip_sum);
		/* RFC 768: a computed zero is sent as all ones; zero means "no checksum" */
		udp->dgram_cksum = c == 0 ? 0xffff : c;
		return;
	default:
		/*
		 * What came in without a checksum leaves with one: the datagram is ours now, and
		 * the next hop should be able to tell a corruption on our link.
		 */
		ip->hdr_checksum = slb_cksum_ipv4(ip);
		slb_cksum_udp4_fill(ip, udp);
	}
}
