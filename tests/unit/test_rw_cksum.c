/* test_rw_cksum.c: CUnit suite for the rewrite's UDP checksum: updated edit by edit, offloaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "slb_cksum.h"
#include "slb_rw.h"
#include "slb_sip.h"
#include "slb_test.h"
#include "slb_testpkt.h"

#define TXT_MAX 4096
#define ROUNDS 3000

/* Host lengths of both parities: our Via's length has the parity of the host's. */
static const char *const hosts[] = {"198.18.1.1", "198.18.1.10", "198.18.100.10", "lb"};

static struct slb_rw_cfg
cfg_of(unsigned int h, uint16_t port)
{
	struct slb_rw_cfg c = {
		.port = port,
		.rr_host = "203.0.113.10",
		.rr_host_len = 12,
		.key = {{0x5e, 0xed, 0x5e, 0xed, 0x12, 0x34, 0x56, 0x78}},
	};

	c.host_len = (uint16_t)strlen(hosts[h]);
	memcpy(c.host, hosts[h], c.host_len);
	return c;
}

/* xorshift64: the same messages on every run, so that a failure can be replayed. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* len random token characters at out; returns the end. */
static char *
put_rand(char *out, uint32_t len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~";
	uint32_t i;

	for (i = 0; i < len; i++)
		*out++ = set[rnd(sizeof(set) - 1)];
	*out = '\0';
	return out;
}

/* A header "name: <len random characters>\r\n" at s + *n. */
static void
filler(char *s, size_t *n, const char *name, uint32_t len)
{
	char v[512];

	put_rand(v, len);
	*n += (size_t)snprintf(s + *n, TXT_MAX - *n, "%s: %s\r\n", name, v);
}

/* A body of len bytes: text lines, as SDP is, with the bytes above 0x7f a body may carry. */
static void
body(char *b, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		b[i] = (i % 61 == 60) ? '\n' : (char)(0x20 + rnd(0xe0));
	b[len] = '\0';
}

/*
 * A request with the edits in every order and of every parity: headers before the Via or not
 * (our Via then goes in apart from Record-Route), Max-Forwards of any width or none, received
 * and rport written or not, our Route to take out or not, a body of any length. *route: whether
 * the first Route is ours (SLB_RW_DROP_ROUTE may be asked).
 */
static void
random_request(char *s, bool *route)
{
	static const char *const methods[] = {"INVITE", "BYE", "ACK", "OPTIONS", "SUBSCRIBE"};
	char user[32], br[40], cid[80], b[1600];
	const char *method = methods[rnd(5)];
	uint32_t mf = rnd(3), blen = rnd(4) == 0 ? 0 : rnd(1500);
	size_t n = 0;

	put_rand(user, 1 + rnd(20));
	put_rand(br, 1 + rnd(30));
	put_rand(cid, 1 + rnd(60));
	body(b, blen);
	if (rnd(8) == 0)
		n += (size_t)snprintf(s + n, TXT_MAX - n, "\r\n"); /* allowed before it */
	n += (size_t)snprintf(s + n, TXT_MAX - n, "%s sip:%s@198.18.1.1 SIP/2.0\r\n", method, user);
	if (rnd(3) == 0)
		n += (size_t)snprintf(s + n, TXT_MAX - n,
			"Record-Route: <sip:p%u.example.net;lr>\r\n", rnd(1000));
	if (rnd(4) == 0)
		filler(s, &n, "X-Before", rnd(400));
	if (mf == 1)
		n += (size_t)snprintf(s + n, TXT_MAX - n, "Max-Forwards: %0*u\r\n", 1 + (int)rnd(3),
			1 + rnd(999));
	n += (size_t)snprintf(s + n, TXT_MAX - n,
		"Via: SIP/2.0/UDP %s%s;branch=z9hG4bK%s%s%s%s\r\n",
		rnd(2) ? "10.0.0.7" : "client.example.com", rnd(2) ? ":5062" : "", br,
		rnd(2) ? ";rport" : "", rnd(3) == 0 ? ";received=192.0.2.1" : "",
		rnd(3) == 0 ? ", SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx" : "");
	if (mf == 2)
		n += (size_t)snprintf(s + n, TXT_MAX - n, "Max-Forwards: %0*u\r\n", 1 + (int)rnd(3),
			1 + rnd(999));
	*route = rnd(3) == 0;
	if (*route)
		n += (size_t)snprintf(s + n, TXT_MAX - n, "Route: <sip:198.18.1.1;lr>%s\r\n",
			rnd(2) ? ", <sip:p2.example.net;lr>" : "");
	while (rnd(3) != 0)
		filler(s, &n, "X-Fill", rnd(80));
	snprintf(s + n, TXT_MAX - n,
		"From: <sip:a@example.com>;tag=%u\r\nTo: <sip:%s@198.18.1.1>\r\nCall-ID: %s\r\n"
		"CSeq: %u %s\r\nContent-Length: %u\r\n\r\n%s", rnd(100000), user, cid, 1 + rnd(100),
		method, blen, b);
}

/* A response with our Via on top (params of any length), the next alone or joined, a body. */
static void
random_response(char *s)
{
	char br[40], cid[80], b[1600], ours[128];
	uint32_t blen = rnd(3) == 0 ? 0 : rnd(1500);
	size_t n = 0;

	put_rand(br, 1 + rnd(30));
	put_rand(cid, 1 + rnd(60));
	body(b, blen);
	snprintf(ours, sizeof(ours), "SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK-slb-%016x%s%s",
		rnd(1u << 31), rnd(2) ? ";rport=5060" : "", rnd(2) ? ";received=198.18.1.1" : "");
	n += (size_t)snprintf(s + n, TXT_MAX - n, "SIP/2.0 %u OK\r\n", 100 + rnd(500));
	if (rnd(4) == 0)
		filler(s, &n, "X-Before", rnd(300));
	if (rnd(2))
		n += (size_t)snprintf(s + n, TXT_MAX - n,
			"Via: %s\r\nVia: SIP/2.0/UDP 10.0.0.7:%u;branch=z9hG4bK%s\r\n", ours,
			1 + rnd(65535), br);
	else
		n += (size_t)snprintf(s + n, TXT_MAX - n,
			"Via: %s%s,SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK%s;rport=%u\r\n", ours,
			rnd(2) ? " " : "", br, 1 + rnd(65535));
	while (rnd(3) != 0)
		filler(s, &n, "X-Fill", rnd(80));
	snprintf(s + n, TXT_MAX - n,
		"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: %u\r\n\r\n%s", cid, blen, b);
}

/* The packet goes out from other addresses and ports, as the SIP core writes them. */
static void
readdress(struct rte_mbuf *m, const struct slb_pkt *p)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l3_off);
	uint8_t *udp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	unsigned int i;

	for (i = 12; i < 20; i++)
		ip[i] = (uint8_t)rnd(256);
	for (i = 0; i < 4; i++)
		udp[i] = (uint8_t)rnd(256);
	ip[8] = 64;
	ip[4] = (uint8_t)rnd(256);
}

/*
 * The checksum slb_rw_finish() writes from the updated sum is the one a whole recomputation
 * writes, and a receiver finds it right.
 */
static void
check_against_full(struct rte_mbuf *m, const struct slb_pkt *p)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3_off);
	const uint8_t *udp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);
	struct slb_pkt whole = *p;
	uint16_t updated;

	CU_ASSERT_EQUAL(p->csum, SLB_PKT_CSUM_SUM);
	slb_rw_finish(m, p);
	updated = testpkt_be16(udp + 6);
	whole.csum = SLB_PKT_CSUM_NONE;
	slb_rw_finish(m, &whole);
	CU_ASSERT_EQUAL(updated, testpkt_be16(udp + 6));
	CU_ASSERT_EQUAL(testpkt_sum16(ip, 20, 0), 0xffff);
	CU_ASSERT_EQUAL(testpkt_udp_sum(ip, udp), 0xffff);
	CU_ASSERT_NOT_EQUAL(updated, 0);
}

static enum slb_sip_err
parse(struct rte_mbuf *m, const struct slb_pkt *p, struct slb_sip_msg *msg)
{
	return slb_sip_parse(rte_pktmbuf_mtod_offset(m, uint8_t *, p->sip_off), p->sip_len, msg);
}

static struct rte_mbuf *
load(const char *sip, uint16_t headroom, uint16_t tailroom, uint32_t src, struct slb_pkt *p)
{
	uint16_t len = (uint16_t)strlen(sip);
	struct rte_mbuf *m = testpkt_mbuf(headroom, (uint16_t)(TESTPKT_HDRS + len + tailroom));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return testpkt_load(m, headroom, sip, len, src, 5062, 0xc6120101u, 5060, p);
}

/* Many random requests and edits: the updated checksum is always the recomputed one. */
static void
t_random_requests(void)
{
	static const uint16_t rooms[] = {0, 40, 128, 256, 600};
	unsigned int r, done = 0, odd = 0, split = 0;
	char s[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_rw_cfg c;
	struct slb_pkt p;
	struct rte_mbuf *m;
	uint32_t flags, src;
	bool route;
	int rc;

	for (r = 0; r < ROUNDS; r++) {
		random_request(s, &route);
		c = cfg_of(rnd(4), rnd(3) == 0 ? 0 : 5060);
		src = rnd(2) ? 0x0a000007u : 0x0a000000u + rnd(256);
		m = load(s, rooms[rnd(5)], rooms[rnd(5)], src, &p);
		CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
		flags = rnd(2) ? SLB_RW_RECORD_ROUTE : 0;
		if (route && rnd(2))
			flags |= SLB_RW_DROP_ROUTE;
		rc = slb_rw_request(m, &p, &msg, &c, flags, src, 5062);
		if (rc == -ENOSPC) {
			free(m);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		odd += (p.sip_len - strlen(s)) & 1;
		split += msg.via_hdr.line.off != msg.start_line.off + msg.start_line.len;
		readdress(m, &p);
		check_against_full(m, &p);
		done++;
		free(m);
	}
	/* the cases the update must handle all came up: odd shifts, our Via apart from the rest */
	CU_ASSERT(done > ROUNDS / 2);
	CU_ASSERT(odd > done / 4);
	CU_ASSERT(split > done / 8);
}

static void
t_random_responses(void)
{
	static const uint16_t rooms[] = {0, 64, 128};
	unsigned int r, done = 0, odd = 0;
	char s[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;

	for (r = 0; r < ROUNDS; r++) {
		random_response(s);
		m = load(s, rooms[rnd(3)], rooms[rnd(3)], 0xc6120102u, &p);
		CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
		CU_ASSERT_EQUAL_FATAL(slb_rw_response(m, &p, &msg), 0);
		odd += (strlen(s) - p.sip_len) & 1;
		readdress(m, &p);
		check_against_full(m, &p);
		done++;
		free(m);
	}
	CU_ASSERT(odd > done / 4);
}

/*
 * Odd offsets by construction: a host of 11 characters makes our Via 77 bytes, so the sender's
 * Via behind it moves to the other half of its 16-bit words, and a byte swap of its sum is all
 * the update may use for it. received=10.0.0.7 and rport=5062 or 50620 in place of ";rport" add
 * 23 or 24: the tail (the rest of the headers and the body) moves by 100 or 101, for bodies of
 * either parity and both ways of summing it (the run itself, or the bytes in front of it when
 * those are fewer). This is the test that fails when the swap is wrong or missing.
 */
static void
t_odd_offsets(void)
{
	static const uint16_t sports[] = {5062, 50620};
	struct slb_rw_cfg c = cfg_of(1, 5060);
	char s[TXT_MAX], b[1600], pad[400];
	uint32_t blen, plen, i, tail_odd = 0;
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;

	for (blen = 0; blen < 1200; blen += 299) {
		for (plen = 0; plen < 400; plen += 133) {
			for (i = 0; i < 2; i++) {
				body(b, blen);
				memset(pad, 'p', plen);
				pad[plen] = '\0';
				snprintf(s, sizeof(s),
					"INVITE sip:bob@198.18.1.1 SIP/2.0\r\nX-Pad: %s\r\n"
					"Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKodd;rport\r\n"
					"Max-Forwards: 7\r\nCall-ID: odd@x\r\nCSeq: 1 INVITE\r\n"
					"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
					"Content-Length: %u\r\n\r\n%s", pad, blen, b);
				m = load(s, 256, 0, 0x0a000007u, &p);
				CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
				CU_ASSERT_EQUAL_FATAL(slb_rw_request(m, &p, &msg, &c, 0,
					0x0a000007u, sports[i]), 0);
				CU_ASSERT_EQUAL(p.sip_len - strlen(s), 100u + i);
				tail_odd += i;
				check_against_full(m, &p);
				free(m);
			}
		}
	}
	CU_ASSERT(tail_odd > 0);
}

/*
 * A datagram that came without a checksum (0: none sent) leaves with one, summed whole: there
 * is nothing to update.
 */
static void
t_no_checksum_in(void)
{
	char s[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_rw_cfg c = cfg_of(0, 5060);
	struct slb_pkt p;
	struct rte_mbuf *m;
	uint8_t *udp;
	bool route;

	random_request(s, &route);
	m = load(s, 256, 0, 0x0a000007u, &p);
	udp = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l4_off);
	udp[6] = udp[7] = 0;
	CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL_FATAL(slb_rw_request(m, &p, &msg, &c, 0, 0x0a000007u, 5062), 0);
	CU_ASSERT_EQUAL(p.csum, SLB_PKT_CSUM_RX); /* not turned into a sum it cannot have */
	slb_rw_finish(m, &p);
	udp = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l4_off);
	CU_ASSERT_NOT_EQUAL(testpkt_be16(udp + 6), 0);
	CU_ASSERT_EQUAL(testpkt_udp_sum(udp - 20, udp), 0xffff);
	free(m);
}

/*
 * Offload: nothing summed but the pseudo header, flags as DPDK wants them; a device that
 * completes the sums as DPDK says (IPv4 header; UDP over its header and payload, the pseudo
 * header's sum in the field) sends a datagram a receiver finds right.
 */
static void
t_offload(void)
{
	char s[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_rw_cfg c = cfg_of(1, 5060);
	struct slb_pkt p;
	struct rte_mbuf *m;
	uint8_t *ip, *udp;
	uint16_t ck;
	unsigned int r;
	bool route;

	for (r = 0; r < 50; r++) {
		random_request(s, &route);
		m = load(s, 600, 0, 0x0a000007u, &p);
		p.csum = SLB_PKT_CSUM_OFFLOAD;
		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
		CU_ASSERT_EQUAL_FATAL(slb_rw_request(m, &p, &msg, &c, SLB_RW_RECORD_ROUTE,
			0x0a000007u, 5062), 0);
		CU_ASSERT_EQUAL(p.csum, SLB_PKT_CSUM_OFFLOAD);
		readdress(m, &p);
		slb_rw_finish(m, &p);
		CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK,
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
		CU_ASSERT_EQUAL(m->l3_len, 20);
		ip = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l3_off);
		udp = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l4_off);
		CU_ASSERT_EQUAL(testpkt_be16(ip + 10), 0);
		/* the field holds the pseudo header's sum, not complemented */
		CU_ASSERT_EQUAL(testpkt_be16(udp + 6),
			testpkt_sum16(ip + 12, 8, 17 + testpkt_be16(udp + 4)));
		/* the device's part */
		ck = (uint16_t)~testpkt_sum16(ip, 20, 0);
		ip[10] = (uint8_t)(ck >> 8);
		ip[11] = (uint8_t)ck;
		ck = (uint16_t)~testpkt_sum16(udp, testpkt_be16(udp + 4), 0);
		udp[6] = (uint8_t)(ck >> 8);
		udp[7] = (uint8_t)ck;
		CU_ASSERT_EQUAL(testpkt_udp_sum(ip, udp), 0xffff);
		free(m);
	}
}

/*
 * The IPv4 header checksum (slb_cksum_ipv4()) is DPDK's rte_ipv4_cksum(): random headers of
 * every length the IHL allows, all-ones and zero words among them.
 */
static void
t_ipv4_header_sum(void)
{
	uint8_t h[60];
	unsigned int r, i, ihl, bad = 0;

	for (r = 0; r < 20000; r++) {
		ihl = 5 + rnd(11);
		for (i = 0; i < sizeof(h); i++)
			h[i] = r % 7 == 0 ? 0xff : r % 7 == 1 ? 0 : (uint8_t)rnd(256);
		h[0] = (uint8_t)(0x40 | ihl);
		h[10] = h[11] = 0;
		if (slb_cksum_ipv4((const struct rte_ipv4_hdr *)h) !=
			rte_ipv4_cksum((const struct rte_ipv4_hdr *)h))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/*
 * slb_cksum_fold() keeps the value modulo 65535 in 16 bits, and gives 0 only for 0: the sums
 * that come nearest to carrying out of a fold (all ones in 32 and 64 bits, 2^32, 0x1fffe...)
 * and random ones.
 */
static void
t_fold(void)
{
	static const uint64_t edge[] = {0, 1, 0xffff, 0x10000, 0x1fffe, 0x1ffff, 0xffffffffull,
		0x100000000ull, 0x1fffffffeull, 0xffffffffffffffffull, 0xfffffffffffeffffull,
		0x8000000080000000ull, 0xffff0000ffff0000ull};
	unsigned int i, bad = 0;
	uint64_t x;

	for (i = 0; i < 100000; i++) {
		x = i < sizeof(edge) / sizeof(edge[0]) ? edge[i] :
			(uint64_t)rnd(1u << 31) << 33 ^ (uint64_t)rnd(1u << 31) << 2 ^ rnd(4);
		if (slb_cksum_fold(x) % 65535 != x % 65535 || (slb_cksum_fold(x) == 0) != (x == 0))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static CU_TestInfo tests[] = {
	{"random requests: updated sum = recomputed", t_random_requests},
	{"random responses: updated sum = recomputed", t_random_responses},
	{"odd offsets: runs moved by an odd count", t_odd_offsets},
	{"no checksum in: summed whole", t_no_checksum_in},
	{"transmit offload: pseudo header and flags", t_offload},
	{"IPv4 header sum = rte_ipv4_cksum()", t_ipv4_header_sum},
	{"fold to 16 bits", t_fold},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("rw_cksum", tests);
}
