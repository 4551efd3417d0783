/* test_fwd.c: CUnit suite for slb_fwd_process(): whole call flows through the decision, no EAL. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "slb_ctl.h"
#include "slb_fwd.h"
#include "slb_hash.h"
#include "slb_test.h"
#include "slb_testpkt.h"

#define CALLER RTE_IPV4(198, 18, 1, 2)
#define LB_C RTE_IPV4(198, 18, 1, 1)
#define LB_B RTE_IPV4(198, 18, 2, 1)
#define ROOM 8192

static struct slb_fwd_ctx ctx;
static struct slb_fwd_lcore lc;
static struct slb_be_table *bt;
static struct rte_mbuf *mem;
static struct rte_mbuf *m;
static struct slb_pkt pkt;
static struct slb_fwd_out out;

static void
setup_tables(uint32_t nbe, uint32_t dlg_cap)
{
	struct slb_dlg_cfg d = {.capacity = dlg_cap, .early_timeout = 60, .confirmed_timeout = 600};
	struct slb_be be[8];
	uint32_t k;

	static const struct slb_key128 branch_key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
		14, 15, 16}};
	static const struct slb_key128 hash_key = {{42}};

	if (ctx.dlg)
		slb_dlg_destroy(ctx.dlg);
	memset(&ctx, 0, sizeof(ctx));
	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_C, LB_B, 5060, &branch_key);
	slb_fwd_ctx_set_hash_key(&ctx, &hash_key);
	ctx.record_route = true;
	ctx.reply_483 = true;
	ctx.dlg = slb_dlg_create(&d);
	CU_ASSERT_FATAL(ctx.dlg != NULL);
	slb_fwd_lcore_init(&lc, 0, 1);

	memset(be, 0, sizeof(be));
	for (k = 0; k < nbe; k++) {
		be[k].id = (uint16_t)(10 + k);
		be[k].weight = 1;
		be[k].ip = RTE_IPV4(198, 18, 2, 11 + k);
		be[k].port = 5060;
		be[k].state = SLB_BE_UP;
	}
	if (bt)
		slb_be_table_free(bt);
	bt = slb_be_table_build(be, nbe, 10, ctx.hkey.seed);
	CU_ASSERT_FATAL(bt != NULL);
}

/* noipa: specialised for a string literal,, gcc 12 warns about XXH3's paths for long inputs */
static __attribute__((noipa)) uint64_t
hash_of(const char *callid)
{
	return slb_hash_callid(&ctx.hkey, callid, (uint32_t)strlen(callid));
}

/* A frame src:sport -> dst:5060 carrying sip in mbuf x; fills pp. */
static struct rte_mbuf *
fill(struct rte_mbuf *x, struct slb_pkt *pp, const char *sip, uint32_t src, uint16_t sport,
	uint32_t dst)
{
	return testpkt_load(x, RTE_PKTMBUF_HEADROOM, sip, (uint16_t)strlen(sip), src, sport, dst,
		5060, pp);
}

/* Put a frame arriving on a port of this role into the test mbuf and process it. */
static enum slb_fwd_verdict
feed_on(uint8_t role, const char *sip, uint32_t src, uint16_t sport, uint32_t dst, uint32_t now)
{
	enum slb_fwd_verdict v;

	if (mem == NULL)
		mem = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, ROOM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	m = fill(mem, &pkt, sip, src, sport, dst);
	pkt.in_role = role;
	v = slb_fwd_process(&ctx, &lc, bt, m, &pkt, now, &out);
	if (v == SLB_FWD_SEND) {
		/* whatever path the checksums took (updated, or summed whole for a reply) */
		const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.l3_off);

		CU_ASSERT_EQUAL(testpkt_sum16(ip, 20, 0), 0xffff);
		CU_ASSERT_EQUAL(testpkt_udp_sum(ip, ip + 20), 0xffff);
	}
	return v;
}

/* The e2e topology: 198.18.2.0/24 (the backends) is behind the backend port, the rest not. */
static enum slb_fwd_verdict
feed(const char *sip, uint32_t src, uint16_t sport, uint32_t dst, uint32_t now)
{
	return feed_on((src >> 8) == (RTE_IPV4(198, 18, 2, 0) >> 8) ? SLB_PKT_FROM_BACKENDS :
		SLB_PKT_FROM_CALLERS, sip, src, sport, dst, now);
}


/* The forwarded SIP text, NUL-terminated, in a static buffer. */
static const char *
sent_sip(void)
{
	static char s[ROOM + 1];

	memcpy(s, rte_pktmbuf_mtod_offset(m, char *, pkt.sip_off), pkt.sip_len);
	s[pkt.sip_len] = 0;
	return s;
}

/*
 * The response a UA or proxy sends to the request siplb just forwarded: every Via line of it as
 * siplb wrote them (its own on top, received and rport in the sender's), the dialog headers,
 * the To tagged. Tests start from what siplb writes, not from what they expect it to write.
 */
static char *
response_to_sent(char *buf, size_t cap, const char *status)
{
	const char *s = sent_sip(), *l;
	size_t n = (size_t)snprintf(buf, cap, "SIP/2.0 %s\r\n", status);
	int pass;

	/* the Via lines first, as a UA writes them, then the rest */
	for (pass = 0; pass < 2; pass++) {
		for (l = strstr(s, "\r\n") + 2; strncmp(l, "\r\n", 2) != 0;
			l = strstr(l, "\r\n") + 2) {
			const char *e = strstr(l, "\r\n") + 2;
			bool via = strncmp(l, "Via:", 4) == 0;

			if (pass == 0 && via)
				n += (size_t)snprintf(buf + n, cap - n, "%.*s", (int)(e - l), l);
			if (pass == 1 && (strncmp(l, "From:", 5) == 0 ||
				strncmp(l, "Call-ID:", 8) == 0 || strncmp(l, "CSeq:", 5) == 0 ||
				strncmp(l, "Record-Route:", 13) == 0))
				n += (size_t)snprintf(buf + n, cap - n, "%.*s", (int)(e - l), l);
			if (pass == 1 && strncmp(l, "To:", 3) == 0)
				n += (size_t)snprintf(buf + n, cap - n, "%.*s%s\r\n",
					(int)(e - l - 2), l,
					memmem(l, (size_t)(e - l), ";tag=", 5) ? "" : ";tag=b1");
		}
	}
	snprintf(buf + n, cap - n, "Content-Length: 0\r\n\r\n");
	return buf;
}

static uint32_t
sent_ip(int src)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pkt.l3_off);

	return rte_be_to_cpu_32(src ? ip->src_addr : ip->dst_addr);
}

static char *
invite(char *buf, size_t cap, const char *callid, const char *branch)
{
	snprintf(buf, cap,
		"INVITE sip:bob@198.18.1.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=%s;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@198.18.1.2>;tag=a1\r\n"
		"To: <sip:bob@198.18.1.1>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.18.1.2:5062>\r\n"
		"Content-Length: 0\r\n\r\n",
		branch, callid);
	return buf;
}

/* Our Via line (the first Via line, below a Record-Route) of the last forwarded request. */
static void
our_via(char *out_line, size_t cap)
{
	const char *v = strstr(sent_sip(), "\r\nVia: ") + 2, *e = strstr(v, "\r\n");

	snprintf(out_line, cap, "%.*s", (int)(e - v), v);
}

static void
t_call_flow(void)
{
	char inv[1024], resp[2048], req[1024];
	uint32_t be_ip;
	uint16_t be_id;
	uint8_t st;

	setup_tables(3, 1024);
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "call-1@x", "z9hG4bKc1"), CALLER, 5062, LB_C,
				1), SLB_FWD_SEND);
	CU_ASSERT(out.to_backend);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT_EQUAL(out.dst_port, 5060);
	be_ip = out.dst_ip;
	CU_ASSERT_EQUAL(be_ip, bt->be[out.be_idx].ip);
	CU_ASSERT_EQUAL(sent_ip(1), LB_B);
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Via: SIP/2.0/UDP 198.18.2.1:5060;branch=z9hG4bK-slb-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Record-Route: <sip:198.18.1.1:5060;lr>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Max-Forwards: 69\r\n"));
	/* the caller's Via says rport: siplb fills it and adds received (RFC 3581) */
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKc1"
		";received=198.18.1.2;rport=5062\r\n"));

	/* 180 and 200 from the backend go back to the caller's rport, without our Via */
	response_to_sent(resp, sizeof(resp), "200 OK");
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT(!out.to_backend);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CONFIRMED);
	CU_ASSERT_PTR_NULL(strstr(sent_sip(), "198.18.2.1:5060;branch"));
	CU_ASSERT(strncmp(sent_sip(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.1.2:5062", 48) == 0);
	CU_ASSERT_EQUAL(sent_ip(1), LB_C);
	CU_ASSERT_EQUAL(slb_dlg_lookup(ctx.dlg, hash_of("call-1@x"), 2, &be_id, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);

	/* ACK and BYE with our Route: same backend, Route removed */
	snprintf(req, sizeof(req),
		"BYE sip:bob@198.18.2.11 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKbye1\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\nMax-Forwards: 70\r\n"
		"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
		"Call-ID: call-1@x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(req, CALLER, 5062, LB_C, 3), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, be_ip);
	CU_ASSERT_PTR_NULL(strstr(sent_sip(), "Route:"));
	response_to_sent(resp, sizeof(resp), "200 OK");
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 4), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_ENDED);
	CU_ASSERT_EQUAL(slb_dlg_lookup(ctx.dlg, hash_of("call-1@x"), 4, &be_id, &st), 0);
}

/*
 * Our Route is taken out in every form that names us (our address on either side, our port or
 * none for 5060, any case, user info), and only then: the text we write is spotted without
 * the full URI parse, which must not make a look-alike ours (user info ending in '@' after
 * our address, a longer port, a longer address).
 */
static void
t_our_route_spotted(void)
{
	static const struct {
		const char *route;
		bool ours;
	} c[] = {
		{"<sip:198.18.1.1:5060;lr>", true},
		{"<sip:198.18.2.1:5060;lr>", true},
		{"<sip:198.18.1.1:5060>", true},
		{"<sip:198.18.1.1:5060;lr;x=y>", true},
		{"<SIP:198.18.1.1;lr>", true},
		{"<sip:lb@198.18.1.1:5060;lr>", true},
		{"<sip:198.18.1.1:5060;lr@203.0.113.9>", false},
		{"<sip:198.18.1.1:5060;lr@203.0.113.9:5060;lr>", false},
		{"<sip:198.18.1.1:50600;lr>", false},
		{"<sip:198.18.1.10:5060;lr>", false},
		{"<sip:198.18.1.1:5061;lr>", false},
	};
	char req[1024];
	unsigned int i;

	setup_tables(3, 1024);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(req, sizeof(req),
			"BYE sip:bob@198.18.2.11 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKr%u\r\n"
			"Route: %s\r\nMax-Forwards: 70\r\n"
			"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
			"Call-ID: route-%u@x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
			i, c[i].route, i);
		CU_ASSERT_EQUAL(feed(req, CALLER, 5062, LB_C, 3), SLB_FWD_SEND);
		CU_ASSERT_EQUAL(strstr(sent_sip(), "Route:") == NULL, c[i].ours);
		if (!c[i].ours)
			CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), c[i].route));
	}
}

/* Every message of many calls lands on the backend its INVITE went to; CANCEL too. */
static void
t_affinity(void)
{
	char inv[1024], req[1024], cid[64];
	uint32_t i, first, moved = 0, spread[3] = {0, 0, 0};

	setup_tables(3, 1 << 14);
	for (i = 0; i < 3000; i++) {
		snprintf(cid, sizeof(cid), "aff-%u@198.18.1.2", i);
		CU_ASSERT_EQUAL_FATAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKa"), CALLER, 5062,
					      LB_C, 1), SLB_FWD_SEND);
		first = out.dst_ip;
		spread[out.be_idx]++;
		snprintf(req, sizeof(req),
			"CANCEL sip:bob@198.18.1.1 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKa;rport\r\n"
			"Max-Forwards: 70\r\nFrom: <sip:alice@198.18.1.2>;tag=a1\r\n"
			"To: <sip:bob@198.18.1.1>\r\nCall-ID: %s\r\nCSeq: 1 CANCEL\r\n"
			"Content-Length: 0\r\n\r\n", cid);
		CU_ASSERT_EQUAL(feed(req, CALLER, 5062, LB_C, 2), SLB_FWD_SEND);
		moved += out.dst_ip != first;
	}
	CU_ASSERT_EQUAL(moved, 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT(spread[i] > 850 && spread[i] < 1150);
}

/* A retransmitted INVITE and its CANCEL get the same branch as the INVITE. */
static void
t_branch_stable(void)
{
	char inv[1024], v1[256], v2[256];

	setup_tables(3, 1024);
	feed(invite(inv, sizeof(inv), "br@x", "z9hG4bKbr"), CALLER, 5062, LB_C, 1);
	our_via(v1, sizeof(v1));
	feed(inv, CALLER, 5062, LB_C, 1);
	our_via(v2, sizeof(v2));
	CU_ASSERT_STRING_EQUAL(v1, v2);
	feed(invite(inv, sizeof(inv), "br@x", "z9hG4bKother"), CALLER, 5062, LB_C, 1);
	our_via(v2, sizeof(v2));
	CU_ASSERT_STRING_NOT_EQUAL(v1, v2);
}

/* A request from a backend goes to the caller by the Route after ours, or the Request-URI. */
static void
t_backend_request(void)
{
	char req[1024];

	setup_tables(3, 1024);
	snprintf(req, sizeof(req),
		"BYE sip:alice@198.18.1.2:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.2.12:5060;branch=z9hG4bKcb1\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\nMax-Forwards: 70\r\n"
		"From: <sip:bob@198.18.1.1>;tag=b1\r\nTo: <sip:alice@198.18.1.2>;tag=a1\r\n"
		"Call-ID: cb@x\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(req, RTE_IPV4(198, 18, 2, 12), 5060, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT(!out.to_backend);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT_EQUAL(sent_ip(1), LB_C);
	CU_ASSERT_PTR_NULL(strstr(sent_sip(), "Route:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Via: SIP/2.0/UDP 198.18.1.1:5060;branch="));

	/* a host name would need DNS: dropped and counted */
	snprintf(req, sizeof(req),
		"BYE sip:alice@phone.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.2.12:5060;branch=z9hG4bKcb2\r\nMax-Forwards: 70\r\n"
		"From: <sip:bob@198.18.1.1>;tag=b1\r\nTo: <sip:alice@198.18.1.2>;tag=a1\r\n"
		"Call-ID: cb@x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(req, RTE_IPV4(198, 18, 2, 12), 5060, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_NEED_DNS);
}

static void
t_drops(void)
{
	char inv[1024], resp[1024];
	static const uint8_t junk[] = {0x16, 0x03, 0x01, 0x00, 0x2f, 0xff, 0x00, 0x41};

	setup_tables(3, 1024);
	CU_ASSERT_EQUAL(feed("hello world\r\n\r\n", CALLER, 5062, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_NOT_SIP);
	memcpy(inv, junk, sizeof(junk));
	inv[sizeof(junk)] = 0;
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_NOT_SIP);
	/* truncated INVITE: cut in the middle of the headers */
	invite(inv, sizeof(inv), "tr@x", "z9hG4bKt");
	inv[90] = 0;
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_MALFORMED);
	/* a response whose top Via is someone else's */
	snprintf(resp, sizeof(resp),
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.9.9:5060;branch=z9hG4bK-slb-0000000000000000\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKx\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: v@x\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(resp, RTE_IPV4(198, 18, 2, 11), 5060, LB_B, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
	/* no backend up */
	{
		struct slb_be down = {.id = 1, .weight = 1, .ip = RTE_IPV4(198, 18, 2, 11),
			.port = 5060, .state = SLB_BE_DOWN};

		slb_be_table_free(bt);
		bt = slb_be_table_build(&down, 1, 10, ctx.hkey.seed);
		CU_ASSERT_FATAL(bt != NULL);
	}
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "nb@x", "z9hG4bKn"), CALLER, 5062, LB_C, 1),
		SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_NO_BACKEND);
}

/* Max-Forwards 0: a 483 back to the caller with its Via, From, To (tagged), Call-ID, CSeq. */
static void
t_483(void)
{
	char inv[1024];
	const char *s;

	setup_tables(3, 1024);
	invite(inv, sizeof(inv), "mf@x", "z9hG4bKm");
	memcpy(strstr(inv, "Max-Forwards: 70"), "Max-Forwards: 00", 16);
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_REPLIED);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	s = sent_sip();
	CU_ASSERT(strncmp(s, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKm;rport\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "To: <sip:bob@198.18.1.1>;tag="));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Call-ID: mf@x\r\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "Contact:"));
	CU_ASSERT_EQUAL(pkt.sip_len, strlen(s));
	/* leading CRLFs (RFC 3261 §7.5) must not cost the reply its headers */
	{
		char lead[1100];

		snprintf(lead, sizeof(lead), "\r\n%s", inv);
		CU_ASSERT_EQUAL(feed(lead, CALLER, 5062, LB_C, 1), SLB_FWD_SEND);
		s = sent_sip();
		CU_ASSERT(strncmp(s, "SIP/2.0 483 Too Many Hops\r\nVia: SIP/2.0/UDP 198.18.1.2", 53) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "Call-ID: mf@x\r\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "CSeq: 1 INVITE\r\n"));
	}
	ctx.reply_483 = false;
	feed(inv, CALLER, 5062, LB_C, 1);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_MAX_FWD);
}

/* Full dialog table: the call still goes by hash, and the event says so. */
static void
t_dialog_full(void)
{
	char inv[1024], cid[32];
	uint32_t i, full = 0, created = 0;

	setup_tables(3, 8);
	CU_ASSERT_EQUAL_FATAL(slb_dlg_slots(ctx.dlg), 8); /* one bucket of 8 */
	for (i = 0; i < 40; i++) {
		snprintf(cid, sizeof(cid), "full-%u", i);
		CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKf"), CALLER, 5062, LB_C,
					1), SLB_FWD_SEND);
		full += !!(out.events & SLB_FWD_EV_DLG_FULL);
		created += !!(out.events & SLB_FWD_EV_DLG_CREATED);
	}
	CU_ASSERT_EQUAL(created, 8);
	CU_ASSERT_EQUAL(full, 32);
}

/*
 * The burst entry point gives what one call per message in order gives: verdicts, destinations,
 * events and bytes, over a sequence that creates, cancels and re-sends dialogs within a burst
 * and spans several SLB_FWD_BURST chunks.
 */
#define SEQ 100

static void
t_burst_same(void)
{
	static char text[SEQ][1024];
	struct rte_mbuf *mm[SEQ];
	struct rte_mbuf *bm[SEQ];
	struct slb_pkt bp[SEQ], sp[SEQ];
	struct slb_fwd_out bo[SEQ], so[SEQ];
	enum slb_fwd_verdict bv[SEQ], sv[SEQ];
	char single[SEQ][1200];
	uint16_t slen[SEQ];
	uint32_t i, mismatch = 0;

	for (i = 0; i < SEQ; i++) {
		char cid[32], br[32];

		snprintf(cid, sizeof(cid), "b-%u@x", i / 3);
		snprintf(br, sizeof(br), "z9hG4bKb%u", i / 3);
		if (i % 3 == 0 || i % 3 == 1) /* an INVITE and its retransmission */
			invite(text[i], sizeof(text[i]), cid, br);
		else if (i % 9 == 2)
			snprintf(text[i], sizeof(text[i]), "junk %u", i);
		else
			snprintf(text[i], sizeof(text[i]),
				"CANCEL sip:bob@198.18.1.1 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=%s;rport\r\n"
				"Max-Forwards: 70\r\nFrom: <sip:alice@198.18.1.2>;tag=a1\r\n"
				"To: <sip:bob@198.18.1.1>\r\nCall-ID: %s\r\nCSeq: 1 CANCEL\r\n"
				"Content-Length: 0\r\n\r\n", br, cid);
		mm[i] = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, ROOM);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mm[i]);
	}
	setup_tables(3, 1024);
	for (i = 0; i < SEQ; i++) {
		struct rte_mbuf *x = fill(mm[i], &sp[i], text[i], CALLER, 5062, LB_C);

		x->port = 0;
		sp[i].in_role = SLB_PKT_FROM_CALLERS;
		sv[i] = slb_fwd_process(&ctx, &lc, bt, x, &sp[i], 1, &so[i]);
		slen[i] = sp[i].sip_len;
		memcpy(single[i], rte_pktmbuf_mtod_offset(x, char *, sp[i].sip_off), slen[i]);
	}
	setup_tables(3, 1024);
	for (i = 0; i < SEQ; i++) {
		bm[i] = fill(mm[i], &bp[i], text[i], CALLER, 5062, LB_C);
		bp[i].in_role = SLB_PKT_FROM_CALLERS;
	}
	slb_fwd_process_burst(&ctx, &lc, bt, bm, bp, SEQ, 1, bo, bv);
	for (i = 0; i < SEQ; i++) {
		mismatch += bv[i] != sv[i] || bo[i].drop != so[i].drop ||
			bo[i].dst_ip != so[i].dst_ip || bo[i].dst_port != so[i].dst_port ||
			bo[i].events != so[i].events || bp[i].sip_len != slen[i] ||
			memcmp(rte_pktmbuf_mtod_offset(bm[i], char *, bp[i].sip_off), single[i],
				slen[i]) != 0;
	}
	CU_ASSERT_EQUAL(mismatch, 0);
	CU_ASSERT_EQUAL(sv[0], SLB_FWD_SEND);
	CU_ASSERT(so[0].events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT_EQUAL(sv[2], SLB_FWD_DROP); /* junk */
	for (i = 0; i < SEQ; i++)
		free(mm[i]);
}

/* ---- issue 6: siplb is no relay and no reflector ---- */

#define BE2 RTE_IPV4(198, 18, 2, 12)  /* a configured backend */
#define TARGET RTE_IPV4(203, 0, 113, 9) /* where a stranger wants us to send */

/* A request that would be relayed to sip:x@203.0.113.9:5080 by its Request-URI. */
static char *
relay_req(char *buf, size_t cap, const char *route)
{
	snprintf(buf, cap,
		"MESSAGE sip:victim@203.0.113.9:5080 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.2.12:5060;branch=z9hG4bKrel\r\n"
		"%sMax-Forwards: 70\r\n"
		"From: <sip:fraud@198.18.2.12>;tag=f1\r\nTo: <sip:victim@203.0.113.9>\r\n"
		"Call-ID: relay@x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n", route);
	return buf;
}

/*
 * A backend's source address on the caller side is forged (backends are not there): dropped as
 * relay_denied, whatever the request carries. On today's code it went to the Request-URI.
 */
static void
t_spoofed_backend_source(void)
{
	char req[1024];

	setup_tables(3, 1024);
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, relay_req(req, sizeof(req), ""), BE2, 5060,
		LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, relay_req(req, sizeof(req),
		"Route: <sip:198.18.1.1:5060;lr>\r\n"), BE2, 5060, LB_B, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	/* the same from the backend port is the backend's: by our Route it goes on */
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_BACKENDS, relay_req(req, sizeof(req),
		"Route: <sip:198.18.1.1:5060;lr>\r\n"), BE2, 5060, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, TARGET);
	/* a backend's address at another port is not that backend: a caller, load-balanced */
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_BACKENDS, relay_req(req, sizeof(req), ""), BE2, 5999,
		LB_B, 1), SLB_FWD_SEND);
	CU_ASSERT(out.to_backend);
	CU_ASSERT_NOT_EQUAL(out.dst_ip, TARGET);
}

/*
 * A real backend's request goes toward a caller only along a dialog we record-routed (our Route
 * on top) or to a caller network the operator listed: a backend is not a relay to anywhere.
 */
static void
t_backend_relay_limits(void)
{
	char req[1024];

	setup_tables(3, 1024);
	CU_ASSERT_EQUAL(feed(relay_req(req, sizeof(req), ""), BE2, 5060, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	/* a Route that is not ours does not make it ours */
	CU_ASSERT_EQUAL(feed(relay_req(req, sizeof(req), "Route: <sip:203.0.113.9:5080;lr>\r\n"),
		BE2, 5060, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	/* with the callers' network listed, toward it without our Route, and nowhere else */
	CU_ASSERT_EQUAL(slb_fwd_ctx_add_caller_net(&ctx, RTE_IPV4(198, 18, 1, 0), 24), 0);
	CU_ASSERT_EQUAL(feed(relay_req(req, sizeof(req), ""), BE2, 5060, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	snprintf(req, sizeof(req),
		"NOTIFY sip:alice@198.18.1.2:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.2.12:5060;branch=z9hG4bKn1\r\nMax-Forwards: 70\r\n"
		"From: <sip:bob@198.18.1.1>;tag=b1\r\nTo: <sip:alice@198.18.1.2>;tag=a1\r\n"
		"Call-ID: n@x\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(req, BE2, 5060, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
}

/*
 * A caller that sends to our backend-side address is a caller (load-balanced, never sent to its
 * Request-URI), or refused when the config says so.
 */
static void
t_stranger_to_backend_side(void)
{
	char req[1024];

	setup_tables(3, 1024);
	relay_req(req, sizeof(req), "");
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, req, CALLER, 5062, LB_B, 1), SLB_FWD_SEND);
	CU_ASSERT(out.to_backend);
	CU_ASSERT_EQUAL(out.dst_ip, bt->be[out.be_idx].ip);
	ctx.strangers_drop = true;
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, req, CALLER, 5062, LB_B, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_RELAY_DENIED);
	/* to the caller-side address it is an ordinary caller's */
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, req, CALLER, 5062, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT(out.to_backend);
}

/*
 * Responses with our address on top and a branch of our form, but not a MAC we made: dropped,
 * from any source, whatever the second Via. The cookie-less second Via was the reflector: its
 * branch was only checked for being 16 hex digits.
 */
static void
t_forged_response(void)
{
	static const char *const second[] = {
		"SIP/2.0/UDP 203.0.113.9:5080;branch=1234",
		"SIP/2.0/UDP 203.0.113.9:5080",
		"SIP/2.0/UDP 203.0.113.9:5080;branch=z9hG4bKx",
		"SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKx;received=203.0.113.9;rport=5080",
	};
	static const char *const top[] = {"198.18.1.1:5060", "198.18.2.1:5060", "198.18.2.1"};
	char resp[1024];
	unsigned int i, j;

	setup_tables(3, 1024);
	for (i = 0; i < sizeof(second) / sizeof(second[0]); i++)
		for (j = 0; j < sizeof(top) / sizeof(top[0]); j++) {
			snprintf(resp, sizeof(resp),
				"SIP/2.0 200 OK\r\n"
				"Via: SIP/2.0/UDP %s;branch=z9hG4bK-slb-0123456789abcdef\r\n"
				"Via: %s\r\n"
				"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: f@x\r\n"
				"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", top[j], second[i]);
			CU_ASSERT_EQUAL(feed(resp, CALLER, 5062, LB_C, 1), SLB_FWD_DROP);
			CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
			CU_ASSERT_EQUAL(feed(resp, BE2, 5060, LB_B, 1), SLB_FWD_DROP);
			CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
		}
}

/*
 * The MAC decides, not the source: the 200 to a callee's BYE comes from the caller and goes to
 * the backend; the same response with its second Via aimed elsewhere does not check.
 */
static void
t_response_from_caller(void)
{
	char req[1024], resp[2048], *at;

	setup_tables(3, 1024);
	snprintf(req, sizeof(req),
		"BYE sip:alice@198.18.1.2:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.2.12:5060;branch=z9hG4bKcb9;rport\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\nMax-Forwards: 70\r\n"
		"From: <sip:bob@198.18.1.1>;tag=b1\r\nTo: <sip:alice@198.18.1.2>;tag=a1\r\n"
		"Call-ID: cb9@x\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(req, BE2, 5060, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	response_to_sent(resp, sizeof(resp), "200 OK");
	CU_ASSERT_EQUAL(feed(resp, CALLER, 5062, LB_C, 2), SLB_FWD_SEND);
	CU_ASSERT(out.to_backend);
	CU_ASSERT_EQUAL(out.dst_ip, BE2);
	CU_ASSERT_EQUAL(out.dst_port, 5060);

	CU_ASSERT_EQUAL(feed(req, BE2, 5060, LB_C, 3), SLB_FWD_SEND);
	response_to_sent(resp, sizeof(resp), "200 OK");
	at = strstr(resp, "received=198.18.2.12");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, "received=203.0.113.9", 20); /* same length: the message stays well-formed */
	CU_ASSERT_EQUAL(feed(resp, CALLER, 5062, LB_C, 4), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
}

/*
 * A caller behind a NAT: its Via names a private address, the datagram comes from the NAT's
 * public address and port. Responses go back there (received, rport), not to the Via.
 */
static void
t_caller_behind_nat(void)
{
	char inv[1024], resp[2048];

	setup_tables(3, 1024);
	snprintf(inv, sizeof(inv),
		"INVITE sip:bob@198.18.1.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.20:5062;rport;branch=z9hG4bKnat\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@192.168.1.20>;tag=a1\r\n"
		"To: <sip:bob@198.18.1.1>\r\nCall-ID: nat@x\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@192.168.1.20:5062>\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(inv, CALLER, 40001, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Via: SIP/2.0/UDP 192.168.1.20:5062;branch="
		"z9hG4bKnat;received=198.18.1.2;rport=40001\r\n"));
	response_to_sent(resp, sizeof(resp), "180 Ringing");
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 1), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 40001);

	/* no rport: the address is the source's, the port the Via's */
	slb_test_replace(inv, ";rport;", ";");
	CU_ASSERT_EQUAL(feed(inv, CALLER, 40001, LB_C, 2), SLB_FWD_SEND);
	response_to_sent(resp, sizeof(resp), "180 Ringing");
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
}

/*
 * Only a well-formed initial INVITE creates a dialog: an INVITE forwarded by policy despite a
 * bad CSeq or no To would never be ended by its final response and would fill the table.
 */
static void
t_malformed_invite_no_dialog(void)
{
	static const char *const bad[][2] = {
		{"CSeq: 1 INVITE", "CSeq: x INVITE"},
		{"CSeq: 1 INVITE", "CSeq: 1 BYE"},
		{"To: <sip:bob@198.18.1.1>\r\n", ""},
	};
	char inv[1024], cid[32];
	unsigned int i;

	setup_tables(3, 1024);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cid, sizeof(cid), "bad-%u@x", i);
		invite(inv, sizeof(inv), cid, "z9hG4bKbad");
		slb_test_replace(inv, bad[i][0], bad[i][1]);
		CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 1), SLB_FWD_SEND);
		CU_ASSERT(out.events & SLB_FWD_EV_POLICY_PASS);
		CU_ASSERT(!(out.events & SLB_FWD_EV_DLG_CREATED));
		CU_ASSERT_EQUAL(slb_dlg_lookup(ctx.dlg, hash_of(cid), 1, NULL, NULL), 0);
	}
	CU_ASSERT_EQUAL(slb_dlg_count(ctx.dlg, 1), 0);
}

/* Datagrams leave with our own IP IDs (per worker, disjoint) and without the sender's options. */
static void
t_ip_id_and_options(void)
{
	struct rte_ipv4_hdr *ip;
	char inv[1024];
	uint16_t id1, id2;
	uint8_t *d;

	setup_tables(3, 1024);
	slb_fwd_lcore_init(&lc, 1, 4); /* worker 1 of 4: IDs 1, 5, 9, ... */
	invite(inv, sizeof(inv), "id@x", "z9hG4bKid");
	if (mem == NULL)
		mem = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, ROOM);
	m = fill(mem, &pkt, inv, CALLER, 5062, LB_C);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pkt.l3_off);
	ip->packet_id = rte_cpu_to_be_16(0x4242);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	pkt.in_role = SLB_PKT_FROM_CALLERS;
	CU_ASSERT_EQUAL(slb_fwd_process(&ctx, &lc, bt, m, &pkt, 1, &out), SLB_FWD_SEND);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pkt.l3_off);
	id1 = rte_be_to_cpu_16(ip->packet_id);
	CU_ASSERT_EQUAL(id1, 1);

	/* 8 bytes of options (two NOPs and a timestamp-like blob): taken out */
	m = fill(mem, &pkt, inv, CALLER, 5062, LB_C);
	d = rte_pktmbuf_mtod(m, uint8_t *);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_prepend(m, 8));
	memmove(d - 8, d, pkt.l4_off);
	memset(d - 8 + pkt.l4_off, 1, 8); /* NOP options */
	pkt.l4_off += 8;
	pkt.sip_off += 8;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pkt.l3_off);
	ip->version_ihl = 0x47;
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 8);
	pkt.in_role = SLB_PKT_FROM_CALLERS;
	CU_ASSERT_EQUAL(slb_fwd_process(&ctx, &lc, bt, m, &pkt, 1, &out), SLB_FWD_SEND);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pkt.l3_off);
	id2 = rte_be_to_cpu_16(ip->packet_id);
	CU_ASSERT_EQUAL(id2, 5);
	CU_ASSERT_EQUAL(ip->version_ihl, 0x45);
	CU_ASSERT_EQUAL(pkt.l4_off - pkt.l3_off, 20);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 20 + 8 + pkt.sip_len);
	CU_ASSERT_EQUAL(testpkt_sum16((const uint8_t *)ip, 20, 0), 0xffff);
	CU_ASSERT_EQUAL(testpkt_udp_sum((const uint8_t *)ip,
		rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.l4_off)), 0xffff);
	CU_ASSERT_EQUAL(ip->fragment_offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sent_sip(), "Call-ID: id@x\r\n"));
	slb_fwd_lcore_init(&lc, 0, 1);
}

/* 483s answer unverified sources: at most reply_rate a second per worker, the rest dropped. */
static void
t_483_rate(void)
{
	char inv[1024];
	unsigned int i, sent = 0, limited = 0;

	setup_tables(3, 1024);
	ctx.reply_rate = 3;
	invite(inv, sizeof(inv), "rate@x", "z9hG4bKr");
	slb_test_replace(inv, "Max-Forwards: 70", "Max-Forwards: 0");
	for (i = 0; i < 10; i++) {
		if (feed(inv, CALLER, 5062, LB_C, 7) == SLB_FWD_SEND)
			sent++;
		else
			limited += out.drop == SLB_DROP_REPLY_LIMIT;
	}
	CU_ASSERT_EQUAL(sent, 3);
	CU_ASSERT_EQUAL(limited, 7);
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 8), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_REPLIED);
}

/*
 * Calls in progress keep their backend across a backend-table change: a backend set to drain
 * keeps its dialogs (and takes no new call), a weight change moves no dialog. Only a backend
 * that is gone or down gives its dialogs to the hash.
 */
static void
t_affinity_across_table_change(void)
{
	char inv[1024], req[1024], resp[2048], cid[64];
	struct slb_be be[3];
	struct slb_be_table *t2;
	uint32_t dst[300], i, moved = 0, to_drained = 0, new_to_drained = 0;

	setup_tables(3, 1 << 12);
	for (i = 0; i < 300; i++) {
		snprintf(cid, sizeof(cid), "chg-%u@x", i);
		CU_ASSERT_EQUAL_FATAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKc"), CALLER, 5062,
			LB_C, 1), SLB_FWD_SEND);
		dst[i] = out.dst_ip;
		to_drained += dst[i] == RTE_IPV4(198, 18, 2, 13);
		response_to_sent(resp, sizeof(resp), "200 OK");
		CU_ASSERT_EQUAL(feed(resp, dst[i], 5060, LB_B, 1), SLB_FWD_SEND);
		CU_ASSERT(out.events & SLB_FWD_EV_DLG_CONFIRMED);
	}
	CU_ASSERT(to_drained > 50);
	/* the third backend drains, the first weighs 5 */
	memcpy(be, bt->be, sizeof(be));
	be[0].weight = 5;
	be[2].state = SLB_BE_DRAIN;
	t2 = slb_be_table_build(be, 3, 10, ctx.hkey.seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	slb_be_table_free(bt);
	bt = t2;
	for (i = 0; i < 300; i++) {
		snprintf(cid, sizeof(cid), "chg-%u@x", i);
		snprintf(req, sizeof(req),
			"BYE sip:bob@198.18.2.11 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKbye%u\r\n"
			"Route: <sip:198.18.1.1:5060;lr>\r\nMax-Forwards: 70\r\n"
			"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
			"Call-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", i, cid);
		CU_ASSERT_EQUAL(feed(req, CALLER, 5062, LB_C, 2), SLB_FWD_SEND);
		moved += out.dst_ip != dst[i];
		snprintf(cid, sizeof(cid), "new-%u@x", i);
		CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKn"), CALLER, 5062, LB_C,
			2), SLB_FWD_SEND);
		new_to_drained += out.dst_ip == RTE_IPV4(198, 18, 2, 13);
	}
	CU_ASSERT_EQUAL(moved, 0);
	CU_ASSERT_EQUAL(new_to_drained, 0);
}

/* ---- issue 7: what the SIP core does for health checks and failures ---- */

/* Rebuild the table with backend i (0..2) in state st; the dialog table stays. */
static void
set_state(unsigned int i, uint8_t st)
{
	struct slb_be be[3];
	struct slb_be_table *t2;

	memcpy(be, bt->be, sizeof(be));
	be[i].state = st;
	t2 = slb_be_table_build(be, 3, 10, ctx.hkey.seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	slb_be_table_free(bt);
	bt = t2;
}

/*
 * A reply to a probe (our Via alone, the probe branch and its nonce) goes to control, never to
 * anyone else; a probe branch that is not 16 hex digits, or not on our backend-side Via, is not.
 */
static void
t_probe_reply(void)
{
	char resp[1024];

	setup_tables(3, 1024);
	snprintf(resp, sizeof(resp),
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.18.2.1:5060;branch=" SLB_CTL_PROBE_BRANCH "00000000deadbeef\r\n"
		"From: <sip:siplb@198.18.2.1>;tag=p1\r\nTo: <sip:198.18.2.12:5060>;tag=x\r\n"
		"Call-ID: 00000000deadbeef@siplb-probe\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(resp, BE2, 5060, LB_B, 1), SLB_FWD_PROBE);
	CU_ASSERT_EQUAL(out.probe_nonce, 0xdeadbeefull);
	CU_ASSERT_EQUAL(out.status, 200);
	CU_ASSERT_EQUAL(out.src_be, slb_be_find_addr(bt, BE2, 5060));
	/* not from a stranger, nor from a backend's address where backends are not */
	CU_ASSERT_EQUAL(feed(resp, CALLER, 5062, LB_C, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
	CU_ASSERT_EQUAL(feed_on(SLB_PKT_FROM_CALLERS, resp, BE2, 5060, LB_B, 1), SLB_FWD_DROP);
	slb_test_replace(resp, "deadbeef\r\n", "deadbeeg\r\n");
	CU_ASSERT_EQUAL(feed(resp, BE2, 5060, LB_B, 1), SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_UNKNOWN_VIA);
	slb_test_replace(resp, "deadbeeg\r\n", "deadbeef\r\n");
	slb_test_replace(resp, "198.18.2.1:5060;branch", "198.18.1.1:5060;branch");
	CU_ASSERT_EQUAL(feed(resp, BE2, 5060, LB_B, 1), SLB_FWD_DROP);
}

/* A backend that answers a new INVITE 503 is reported, with its Retry-After. */
static void
t_invite_503(void)
{
	char inv[1024], resp[2048];

	setup_tables(3, 1024);
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "503@x", "z9hG4bK503"), CALLER, 5062, LB_C,
		1), SLB_FWD_SEND);
	response_to_sent(resp, sizeof(resp), "503 Service Unavailable");
	slb_test_replace(resp, "Content-Length: 0", "Retry-After: 30 (maintenance)\r\nContent-Length: 0");
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_INVITE_503);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_ENDED);
	CU_ASSERT_EQUAL(out.retry_after, 30);
	CU_ASSERT_NOT_EQUAL(out.src_be, SLB_BE_NONE);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	/* without Retry-After */
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "503b@x", "z9hG4bK503b"), CALLER, 5062, LB_C,
		3), SLB_FWD_SEND);
	response_to_sent(resp, sizeof(resp), "503 Service Unavailable");
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 3), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_INVITE_503);
	CU_ASSERT_EQUAL(out.retry_after, 0);
	/* a 486 is a callee's answer, not the proxy's health */
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "486@x", "z9hG4bK486"), CALLER, 5062, LB_C,
		4), SLB_FWD_SEND);
	response_to_sent(resp, sizeof(resp), "486 Busy Here");
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 4), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_INVITE_503));
}

/*
 * A backend found dead (FAILED): an INVITE it never answered goes to a live one on its next
 * retransmission, and stays there; a call it answered (even only 100 Trying) stays pinned to
 * it; new calls avoid it.
 */
static void
t_failed_backend(void)
{
	char inv[1024], resp[2048], cid[32];
	uint32_t dead_ip = 0, i, rehashed = 0, kept = 0, n_dead = 0;
	uint32_t first[60];
	bool answered[60];
	unsigned int dead = 0;

	setup_tables(3, 1024);
	for (i = 0; i < 60; i++) {
		snprintf(cid, sizeof(cid), "fail-%u@x", i);
		CU_ASSERT_EQUAL_FATAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKf"), CALLER, 5062,
			LB_C, 1), SLB_FWD_SEND);
		first[i] = out.dst_ip;
		answered[i] = i % 2 == 0;
		if (answered[i]) {
			response_to_sent(resp, sizeof(resp), "100 Trying");
			CU_ASSERT_EQUAL(feed(resp, first[i], 5060, LB_B, 1), SLB_FWD_SEND);
		}
	}
	dead_ip = bt->be[dead].ip;
	set_state(dead, SLB_BE_FAILED);
	for (i = 0; i < 60; i++) {
		snprintf(cid, sizeof(cid), "fail-%u@x", i);
		CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKf"), CALLER, 5062, LB_C,
			2), SLB_FWD_SEND);
		if (first[i] != dead_ip) {
			CU_ASSERT_EQUAL(out.dst_ip, first[i]);
			continue;
		}
		n_dead++;
		if (answered[i]) {
			kept += out.dst_ip == dead_ip;
		} else {
			rehashed += out.dst_ip != dead_ip && (out.events & SLB_FWD_EV_REHASHED);
			/* and its next retransmission and CANCEL stay on the new one */
			first[i] = out.dst_ip;
			CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 3), SLB_FWD_SEND);
			CU_ASSERT_EQUAL(out.dst_ip, first[i]);
			CU_ASSERT(!(out.events & SLB_FWD_EV_REHASHED));
		}
	}
	CU_ASSERT(n_dead > 5);
	CU_ASSERT_EQUAL(kept + rehashed, n_dead);
	CU_ASSERT(kept > 0 && rehashed > 0);
	/* new calls never go to it */
	for (i = 0; i < 60; i++) {
		snprintf(cid, sizeof(cid), "fail-new-%u@x", i);
		CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKn"), CALLER, 5062, LB_C,
			3), SLB_FWD_SEND);
		CU_ASSERT_NOT_EQUAL(out.dst_ip, dead_ip);
	}
}

/* No backend takes new calls: a 503 from the balancer (within the reply budget), or a drop. */
static void
t_no_backend_503(void)
{
	char inv[1024];
	unsigned int i;

	setup_tables(3, 1024);
	for (i = 0; i < 3; i++)
		set_state(i, i == 0 ? SLB_BE_DOWN : SLB_BE_FAILED);
	ctx.reply_503 = true;
	ctx.reply_rate = 2;
	invite(inv, sizeof(inv), "nob@x", "z9hG4bKnob");
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 1), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_NO_BACKEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT(strncmp(sent_sip(), "SIP/2.0 503 Service Unavailable\r\n", 33) == 0);
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "nob@x", "z9hG4bKnob"), CALLER, 5062, LB_C, 1),
		SLB_FWD_SEND);
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "nob@x", "z9hG4bKnob"), CALLER, 5062, LB_C, 1),
		SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_REPLY_LIMIT);
	CU_ASSERT(!(out.events & SLB_FWD_EV_NO_BACKEND));
	ctx.reply_503 = false;
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "nob@x", "z9hG4bKnob"), CALLER, 5062, LB_C, 2),
		SLB_FWD_DROP);
	CU_ASSERT_EQUAL(out.drop, SLB_DROP_NO_BACKEND);
}

/* ---- issue 8: dialog events for siplb-control (Redis) and unanswered INVITEs ---- */

static void
poison_dlg(void)
{
	memset(&out.dlg, 0xa5, sizeof(out.dlg));
}

/* The details of the last message were left alone (what an unwanted event must cost). */
static bool
dlg_untouched(void)
{
	const uint8_t *b = (const uint8_t *)&out.dlg;
	size_t i;

	for (i = 0; i < sizeof(out.dlg); i++)
		if (b[i] != 0xa5)
			return false;
	return true;
}

static bool
dlg_is(const char *callid, uint16_t be_id)
{
	size_t n = strlen(callid);

	if (n > SLB_FWD_CALLID_MAX)
		n = SLB_FWD_CALLID_MAX;
	return out.dlg.hash == hash_of(callid) && out.dlg.be_id == be_id &&
		out.dlg.callid_len == n && memcmp(out.dlg.callid, callid, n) == 0;
}

/*
 * CREATED, CONFIRMED and ENDED carry the Call-ID, its hash and the dialog's backend when the
 * worker wants them, and touch nothing of the details when it does not.
 */
static void
t_dialog_event_details(void)
{
	char inv[1024], resp[2048], req[1024], longid[220];
	uint32_t be_ip;
	uint16_t be_id;

	setup_tables(3, 1024);
	/* not wanted: the bit only */
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "ev-1@x", "z9hG4bKe1"), CALLER, 5062, LB_C,
		1), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT(dlg_untouched());
	response_to_sent(resp, sizeof(resp), "200 OK");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 1), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CONFIRMED);
	CU_ASSERT(dlg_untouched());

	lc.want = SLB_FWD_WANT_DLG;
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "ev-2@x", "z9hG4bKe2"), CALLER, 5062, LB_C,
		2), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	be_ip = out.dst_ip;
	be_id = bt->be[out.be_idx].id;
	CU_ASSERT(dlg_is("ev-2@x", be_id));
	/* a provisional response is no event */
	response_to_sent(resp, sizeof(resp), "180 Ringing");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_DLG_DETAILED));
	CU_ASSERT(dlg_untouched());
	/* the 200 (from the Call-ID of the response, before its rewrite) */
	poison_dlg();
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 2), SLB_FWD_SEND); /* 180 again */
	slb_test_replace(resp, "180 Ringing", "200 OK");
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 3), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CONFIRMED);
	CU_ASSERT(dlg_is("ev-2@x", be_id));
	/* its retransmission confirms nothing new */
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 3), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_DLG_CONFIRMED));
	/* BYE: no event; its 200: ENDED with the dialog's backend */
	snprintf(req, sizeof(req),
		"BYE sip:bob@198.18.2.11 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKbye2\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\nMax-Forwards: 70\r\n"
		"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
		"Call-ID: ev-2@x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(req, CALLER, 5062, LB_C, 4), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, be_ip);
	CU_ASSERT(!(out.events & SLB_FWD_EV_DLG_DETAILED));
	CU_ASSERT(dlg_untouched());
	response_to_sent(resp, sizeof(resp), "200 OK");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 4), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_ENDED);
	CU_ASSERT(dlg_is("ev-2@x", be_id));

	/* a final failure of the initial INVITE ends it, with its backend */
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "ev-3@x", "z9hG4bKe3"), CALLER, 5062, LB_C,
		5), SLB_FWD_SEND);
	be_id = bt->be[out.be_idx].id;
	response_to_sent(resp, sizeof(resp), "486 Busy Here");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(resp, out.dst_ip, 5060, LB_B, 5), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_ENDED);
	CU_ASSERT(dlg_is("ev-3@x", be_id));

	/* a Call-ID longer than the details keep: cut, and the hash is the whole one's */
	memset(longid, 'q', 200);
	snprintf(longid + 200, sizeof(longid) - 200, "@x");
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), longid, "z9hG4bKe4"), CALLER, 5062, LB_C, 6),
		SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT_EQUAL(out.dlg.callid_len, SLB_FWD_CALLID_MAX);
	CU_ASSERT(dlg_is(longid, bt->be[out.be_idx].id));

	/* only the unanswered INVITEs wanted: a creation's details are not filled */
	lc.want = SLB_FWD_WANT_UNANSWERED;
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "ev-5@x", "z9hG4bKe5"), CALLER, 5062, LB_C,
		7), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT(dlg_untouched());
	lc.want = 0;
}

/*
 * A new call that takes an expired (unswept) dialog's slot reports that expiry itself, with the
 * expired dialog's hash: the sweep will never see it.
 */
static void
t_reused_slot_reports_expiry(void)
{
	char inv[1024], cid[32];
	uint64_t first[8];
	uint32_t i;

	setup_tables(3, 8); /* one bucket of 8 */
	for (i = 0; i < 8; i++) {
		snprintf(cid, sizeof(cid), "old-%u@x", i);
		first[i] = hash_of(cid);
		CU_ASSERT_EQUAL_FATAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKo"), CALLER, 5062,
			LB_C, 1), SLB_FWD_SEND);
		CU_ASSERT(!(out.events & SLB_FWD_EV_DLG_REUSED));
	}
	/* 60 s on, all eight have expired; none swept */
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "new-0@x", "z9hG4bKn"), CALLER, 5062, LB_C,
		61), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_REUSED);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CREATED);
	CU_ASSERT(dlg_untouched()); /* not wanted */
	lc.want = SLB_FWD_WANT_DLG;
	poison_dlg();
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "new-1@x", "z9hG4bKn"), CALLER, 5062, LB_C,
		61), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_REUSED);
	CU_ASSERT(dlg_is("new-1@x", bt->be[out.be_idx].id));
	for (i = 0; i < 8 && first[i] != out.dlg.expired_hash; i++)
		;
	CU_ASSERT(i < 8);
	CU_ASSERT_NOT_EQUAL(out.dlg.expired_hash, hash_of("new-0@x"));
	lc.want = 0;
}

/*
 * An initial INVITE seen again while its dialog is EARLY: its backend has not answered even
 * 100 Trying. Not once it answered, not for a CANCEL, not when the INVITE moves to a live
 * backend because its own FAILED (that is REHASHED).
 */
static void
t_invite_unanswered(void)
{
	char inv[1024], resp[2048], cncl[1024], cid[32];
	uint32_t be_ip, i, dead_ip;
	uint16_t be_id;

	setup_tables(3, 1024);
	lc.want = SLB_FWD_WANT_UNANSWERED;
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "un-1@x", "z9hG4bKu1"), CALLER, 5062, LB_C,
		1), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_INVITE_UNANSWERED));
	be_ip = out.dst_ip;
	be_id = bt->be[out.be_idx].id;
	poison_dlg();
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 2), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_INVITE_UNANSWERED);
	CU_ASSERT_EQUAL(out.dst_ip, be_ip); /* it still goes there */
	CU_ASSERT(dlg_is("un-1@x", be_id));
	/* not wanted: the bit alone */
	lc.want = 0;
	poison_dlg();
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 2), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_INVITE_UNANSWERED);
	CU_ASSERT(dlg_untouched());
	lc.want = SLB_FWD_WANT_UNANSWERED;
	/* answered (100 Trying): its retransmissions are the caller's, not the backend's fault */
	response_to_sent(resp, sizeof(resp), "100 Trying");
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 3), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_INVITE_UNANSWERED));

	/* a CANCEL of an unanswered INVITE is not the INVITE again */
	CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), "un-2@x", "z9hG4bKu2"), CALLER, 5062, LB_C,
		4), SLB_FWD_SEND);
	memcpy(cncl, inv, sizeof(cncl));
	slb_test_replace(cncl, "INVITE sip:", "CANCEL sip:");
	slb_test_replace(cncl, "1 INVITE", "1 CANCEL");
	CU_ASSERT_EQUAL(feed(cncl, CALLER, 5062, LB_C, 4), SLB_FWD_SEND);
	CU_ASSERT(!(out.events & SLB_FWD_EV_INVITE_UNANSWERED));

	/* FAILED before it answered: the retransmission moves (REHASHED), then is unanswered there */
	dead_ip = bt->be[0].ip;
	for (i = 0; i < 100; i++) {
		snprintf(cid, sizeof(cid), "un-f-%u@x", i);
		CU_ASSERT_EQUAL_FATAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKuf"), CALLER, 5062,
			LB_C, 5), SLB_FWD_SEND);
		if (out.dst_ip == dead_ip)
			break;
	}
	CU_ASSERT_FATAL(i < 100);
	set_state(0, SLB_BE_FAILED);
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 6), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_REHASHED);
	CU_ASSERT(!(out.events & SLB_FWD_EV_INVITE_UNANSWERED));
	CU_ASSERT_NOT_EQUAL(out.dst_ip, dead_ip);
	be_id = bt->be[out.be_idx].id;
	CU_ASSERT_EQUAL(feed(inv, CALLER, 5062, LB_C, 7), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_INVITE_UNANSWERED);
	CU_ASSERT(dlg_is(cid, be_id));
	lc.want = 0;
}

static CU_TestInfo tests[] = {
	{"call flow INVITE..200/BYE", t_call_flow},
	{"affinity and CANCEL over 3000 calls", t_affinity},
	{"branch stable across retransmission", t_branch_stable},
	{"request from a backend", t_backend_request},
	{"our Route spotted, look-alikes not", t_our_route_spotted},
	{"drops by reason", t_drops},
	{"483 Too Many Hops", t_483},
	{"dialog table full", t_dialog_full},
	{"burst gives what single calls give", t_burst_same},
	{"relay: spoofed backend source", t_spoofed_backend_source},
	{"relay: a backend only by our Route or to caller networks", t_backend_relay_limits},
	{"relay: a stranger at the backend-side address", t_stranger_to_backend_side},
	{"forged responses dropped", t_forged_response},
	{"response from a caller checked by MAC", t_response_from_caller},
	{"caller behind NAT: received and rport", t_caller_behind_nat},
	{"malformed INVITE creates no dialog", t_malformed_invite_no_dialog},
	{"IP ID ours, options dropped", t_ip_id_and_options},
	{"483 rate limit", t_483_rate},
	{"affinity across a backend-table change", t_affinity_across_table_change},
	{"probe replies go to control", t_probe_reply},
	{"a 503 to a new INVITE is reported", t_invite_503},
	{"a failed backend: unanswered INVITEs move, answered calls stay", t_failed_backend},
	{"no backend: 503 or drop", t_no_backend_503},
	{"dialog events: details only when wanted", t_dialog_event_details},
	{"an INVITE its backend never answered, seen again", t_invite_unanswered},
	{"a reused slot reports its expiry", t_reused_slot_reports_expiry},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("fwd", tests);
}
