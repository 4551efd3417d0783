/* rewrite.c: the stateless-proxy rewrite of RFC 3261 §16.6 and §16.11, in place in the mbuf. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "slb_hash.h"
#include "slb_cksum.h"
#include "slb_rw.h"
#include "slb_sip.h"

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

static inline uint8_t
to_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool
eq_nocase(const uint8_t *a, const char *b, uint16_t len)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		if (to_lower(a[i]) != to_lower((uint8_t)b[i]))
			return false;
	return true;
}

static inline bool
has_cookie(const uint8_t *sip, const struct slb_sip_via *via)
{
	return via->branch.len >= COOKIE_LEN &&
		memcmp(sip + via->branch.off, COOKIE, COOKIE_LEN) == 0;
}

static inline uint64_t
hash_span(const uint8_t *sip, struct slb_span s, uint64_t seed)
{
	return slb_hash_seeded(sip + s.off, s.len, seed);
}

/* Hosts compare case-insensitively (§19.1.4), so the hash sees them in lower case. */
static uint64_t
hash_lower(const uint8_t *s, uint16_t len, uint64_t seed)
{
	uint8_t buf[64];
	uint16_t i, n;

	do {
		n = len < sizeof(buf) ? len : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = to_lower(s[i]);
		seed = slb_hash_seeded(buf, n, seed);
		s += n;
		len -= n;
	} while (len > 0);
	return seed;
}

static inline void
put_be(uint8_t *out, uint64_t v, unsigned int bytes)
{
	while (bytes-- > 0) {
		out[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * The branch we give a request whose top Via is top. Each field is hashed on its own, chained
 * through the seed, so that moving bytes from one field to the next changes the result.
 */
static void
branch_of(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_sip_via *top,
	uint64_t secret, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t num[4];
	uint64_t h;
	int i;

	if (has_cookie(sip, top)) {
		/*
		 * The client's branch already names the transaction, and its CANCEL and non-2xx
		 * ACK carry the same one (§9.1, §17.1.1.3); sent-by keeps two clients apart.
		 */
		h = hash_span(sip, top->branch, secret);
		h = hash_lower(sip + top->host.off, top->host.len, h);
		put_be(num, port_or_default(top->port), 2);
		h = slb_hash_seeded(num, 2, h);
	} else {
		/*
		 * RFC 2543 peer: what a CANCEL and a non-2xx ACK share with their INVITE (§16.11).
		 * Not the method, and not the To tag: the ACK has the response's, the INVITE none.
		 */
		h = hash_span(sip, msg->call_id, ~secret);
		put_be(num, msg->cseq, 4);
		h = slb_hash_seeded(num, 4, h);
		h = hash_span(sip, msg->from_tag, h);
		h = hash_span(sip, msg->ruri, h);
		h = hash_span(sip, top->value, h);
	}
	memcpy(out, SLB_RW_BRANCH_PREFIX, PREFIX_LEN);
	for (i = 0; i < 16; i++)
		out[PREFIX_LEN + i] = hex[(h >> (60 - 4 * i)) & 0xf];
}

void
slb_rw_branch(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_rw_cfg *cfg,
	char *out)
{
	branch_of(sip, msg, &msg->via[0], cfg->secret, out);
}

bool
slb_rw_via_is_ours(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg)
{
	const struct slb_sip_via *v = &msg->via[0];
	const uint8_t *br = sip + v->branch.off;
	char want[SLB_RW_BRANCH_LEN];
	size_t i;

	if (msg->via_count < 1 || cfg->host_len > SLB_RW_HOST_LEN)
		return false;
	if (v->host.len != cfg->host_len || !eq_nocase(sip + v->host.off, cfg->host, cfg->host_len))
		return false;
	if (port_or_default(v->port) != port_or_default(cfg->port))
		return false;
	if (v->branch.len != SLB_RW_BRANCH_LEN || memcmp(br, SLB_RW_BRANCH_PREFIX, PREFIX_LEN) != 0)
		return false;
	if (msg->via_count >= 2 && has_cookie(sip, &msg->via[1])) {
		branch_of(sip, msg, &msg->via[1], cfg->secret, want);
		return memcmp(br, want, SLB_RW_BRANCH_LEN) == 0;
	}
	/* An RFC 2543 request's hash covers its Request-URI, which no response carries. */
	for (i = PREFIX_LEN; i < SLB_RW_BRANCH_LEN; i++)
		if (!((br[i] >= '0' && br[i] <= '9') || (br[i] >= 'a' && br[i] <= 'f')))
			return false;
	return true;
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

/* Whether splice() can put n bytes in and take rm out: headroom first, then tailroom. */
static int
room(const struct rte_mbuf *m, const struct slb_pkt *p, uint16_t n, uint16_t rm)
{
	uint32_t ip_len = (uint32_t)p->sip_off + p->sip_len + n - rm - p->l3_off;

	if (ip_len > UINT16_MAX)
		return -ENOSPC;
	if (n <= rm || n - rm <= rte_pktmbuf_headroom(m) || n - rm <= rte_pktmbuf_tailroom(m))
		return 0;
	return -ENOSPC;
}

/*
 * The one edit both directions make: take the SIP bytes [r0, r1) out and put n bytes of blk in
 * at ins (ins <= r0). With room in the headroom, the headers in front (L2-L4, the start line)
 * move, not the rest of the message, and the bytes between ins and r0 slide over the removed
 * range: usually a few hundred bytes move however long the message is. Only when the headroom is
 * short does everything after ins move towards the tail. The caller checked room().
 */
static void
splice(struct rte_mbuf *m, struct slb_pkt *p, uint16_t ins, const char *blk, uint16_t n,
	uint16_t r0, uint16_t r1)
{
	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t a = (uint32_t)p->sip_off + ins; /* bytes in front of the insert point */
	uint16_t mid = r0 - ins;                 /* bytes between the insert point and the cut */
	uint16_t rm = r1 - r0;
	uint8_t *front;

	if (n <= rm || n - rm <= rte_pktmbuf_headroom(m)) {
		/* The middle slides forward over the cut, the front moves by rm - n. */
		if (mid > 0 && rm > 0)
			memmove(base + a + rm, base + a, mid);
		front = base + rm - n;
		if (front != base)
			memmove(front, base, a);
		if (n > 0)
			memcpy(front + a, blk, n);
		if (n > rm)
			rte_pktmbuf_prepend(m, n - rm);
		else if (rm > n)
			rte_pktmbuf_adj(m, rm - n);
	} else {
		/* n > rm here: the tail moves first, since the middle's new place overlaps it. */
		uint32_t tail = (uint32_t)p->sip_off + r1;
		uint32_t tail_len = m->data_len - tail;

		rte_pktmbuf_append(m, n - rm);
		memmove(base + tail + (n - rm), base + tail, tail_len);
		if (mid > 0)
			memmove(base + a + n, base + a, mid);
		memcpy(base + a, blk, n);
	}
	p->sip_len = (uint16_t)(p->sip_len + n - rm);
}

static char *
put_str(char *d, const char *s, size_t len)
{
	memcpy(d, s, len);
	return d + len;
}

static char *
put_u16(char *d, uint16_t v)
{
	char tmp[5];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*d++ = tmp[--n];
	return d;
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

int
slb_rw_request(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t flags)
{
	char blk[SLB_RW_MAX_INSERT];
	const char *rr_host;
	uint16_t rr_len, ins, r0, r1;
	bool mf_present;
	uint8_t *sip;
	char *d = blk;
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

	r0 = r1 = ins;
	if (flags & SLB_RW_DROP_ROUTE) {
		uint16_t vstart;

		if (msg->route_count == 0)
			return -EINVAL;
		rc = route_value_start(sip, &msg->route_hdr, p->sip_len, &vstart);
		if (rc == 0)
			rc = value_range(&msg->route_hdr, vstart, p->sip_len, &r0, &r1);
		if (rc != 0)
			return rc;
		if (r0 < ins)
			return -EINVAL;
	}
	mf_present = msg->max_forwards > 0;
	if (mf_present && check_max_fwd(sip, msg->max_fwd, p->sip_len) != 0)
		return -EINVAL;

	/* Everything the block needs is read before any byte moves. */
	d = put_str(d, VIA_START, LIT_LEN(VIA_START));
	d = put_str(d, cfg->host, cfg->host_len);
	if (cfg->port != 0) {
		*d++ = ':';
		d = put_u16(d, cfg->port);
	}
	d = put_str(d, VIA_BRANCH, LIT_LEN(VIA_BRANCH));
	slb_rw_branch(sip, msg, cfg, d);
	d += SLB_RW_BRANCH_LEN;
	d = put_str(d, VIA_END, LIT_LEN(VIA_END));
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
	if (!mf_present)
		d = put_str(d, MF_LINE, LIT_LEN(MF_LINE));

	/* Check before the first write so that a refused packet is left as it came. */
	rc = room(m, p, (uint16_t)(d - blk), r1 - r0);
	if (rc != 0)
		return rc;
	if (mf_present)
		decrement_digits(sip + msg->max_fwd.off, msg->max_fwd.len);
	splice(m, p, ins, blk, (uint16_t)(d - blk), r0, r1);
	set_lengths(m, p);
	return 0;
}

int
slb_rw_response(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg)
{
	uint16_t r0, r1;
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
	splice(m, p, r0, NULL, 0, r0, r1);
	set_lengths(m, p);
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

	/* Both sums read as many bytes as the length fields say: those must describe the packet. */
	if (check_pkt(m, p) != 0)
		return;
	set_lengths(m, p);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = 0;
	{
		/* pseudo header (DPDK's, in memory order) + UDP header and payload (slb_cksum.h) */
		uint64_t sum = rte_ipv4_phdr_cksum(ip, 0);
		uint16_t c;

		sum = slb_cksum_add(udp, rte_be_to_cpu_16(udp->dgram_len), sum);
		c = (uint16_t)~slb_cksum_fold(sum);
		/* RFC 768: a computed zero is sent as all ones; zero means "no checksum" */
		udp->dgram_cksum = c == 0 ? 0xffff : c;
	}
}
