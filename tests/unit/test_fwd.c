/* test_fwd.c: CUnit suite for slb_fwd_process(): whole call flows through the decision, no EAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "slb_fwd.h"
#include "slb_hash.h"
#include "slb_test.h"
#include "slb_testpkt.h"

#define CALLER RTE_IPV4(198, 18, 1, 2)
#define LB_C RTE_IPV4(198, 18, 1, 1)
#define LB_B RTE_IPV4(198, 18, 2, 1)
#define ROOM 8192

static struct slb_fwd_ctx ctx;
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
	bt = slb_be_table_build(be, nbe, 10);
	CU_ASSERT_FATAL(bt != NULL);
	if (ctx.dlg)
		slb_dlg_destroy(ctx.dlg);
	memset(&ctx, 0, sizeof(ctx));
	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_C, LB_B, 5060, 42);
	ctx.record_route = true;
	ctx.reply_483 = true;
	ctx.dlg = slb_dlg_create(&d);
	CU_ASSERT_FATAL(ctx.dlg != NULL);
}

/* A frame src:sport -> dst:5060 carrying sip in mbuf x; fills pp. */
static struct rte_mbuf *
fill(struct rte_mbuf *x, struct slb_pkt *pp, const char *sip, uint32_t src, uint16_t sport,
	uint32_t dst)
{
	return testpkt_load(x, RTE_PKTMBUF_HEADROOM, sip, (uint16_t)strlen(sip), src, sport, dst,
		5060, pp);
}

/* Put a frame into the test mbuf and process it. */
static enum slb_fwd_verdict
feed(const char *sip, uint32_t src, uint16_t sport, uint32_t dst, uint32_t now)
{
	if (mem == NULL)
		mem = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, ROOM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	m = fill(mem, &pkt, sip, src, sport, dst);
	return slb_fwd_process(&ctx, bt, m, &pkt, now, &out);
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

/* Our Via line (first line after the start line) of the last forwarded request. */
static void
our_via(char *out_line, size_t cap)
{
	const char *s = sent_sip(), *v = strstr(s, "\r\n") + 2, *e = strstr(v, "\r\n");

	snprintf(out_line, cap, "%.*s", (int)(e - v), v);
}

static void
t_call_flow(void)
{
	char inv[1024], resp[2048], via[256], req[1024];
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
	our_via(via, sizeof(via));

	/* 180 and 200 from the backend go back to the caller's rport, without our Via */
	snprintf(resp, sizeof(resp),
		"SIP/2.0 200 OK\r\n%s\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKc1;rport=5062;received=198.18.1.2\r\n"
		"Record-Route: <sip:198.18.1.1:5060;lr>\r\n"
		"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
		"Call-ID: call-1@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		via);
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 2), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, CALLER);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT(!out.to_backend);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_CONFIRMED);
	CU_ASSERT_PTR_NULL(strstr(sent_sip(), "198.18.2.1:5060;branch"));
	CU_ASSERT(strncmp(sent_sip(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.1.2:5062", 48) == 0);
	CU_ASSERT_EQUAL(sent_ip(1), LB_C);
	CU_ASSERT_EQUAL(slb_dlg_lookup(ctx.dlg, slb_hash_callid("call-1@x", 8), 2, &be_id, &st), 1);
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
	our_via(via, sizeof(via));
	snprintf(resp, sizeof(resp),
		"SIP/2.0 200 OK\r\n%s\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKbye1\r\n"
		"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
		"Call-ID: call-1@x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		via);
	CU_ASSERT_EQUAL(feed(resp, be_ip, 5060, LB_B, 4), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_port, 5062);
	CU_ASSERT(out.events & SLB_FWD_EV_DLG_ENDED);
	CU_ASSERT_EQUAL(slb_dlg_lookup(ctx.dlg, slb_hash_callid("call-1@x", 8), 4, &be_id, &st), 0);
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
		bt = slb_be_table_build(&down, 1, 10);
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
	uint32_t i, full = 0;

	setup_tables(3, 8);
	for (i = 0; i < 40; i++) {
		snprintf(cid, sizeof(cid), "full-%u", i);
		CU_ASSERT_EQUAL(feed(invite(inv, sizeof(inv), cid, "z9hG4bKf"), CALLER, 5062, LB_C,
					1), SLB_FWD_SEND);
		full += !!(out.events & SLB_FWD_EV_DLG_FULL);
	}
	CU_ASSERT(full >= 40 - slb_dlg_slots(ctx.dlg));
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

		sv[i] = slb_fwd_process(&ctx, bt, x, &sp[i], 1, &so[i]);
		slen[i] = sp[i].sip_len;
		memcpy(single[i], rte_pktmbuf_mtod_offset(x, char *, sp[i].sip_off), slen[i]);
	}
	setup_tables(3, 1024);
	for (i = 0; i < SEQ; i++)
		bm[i] = fill(mm[i], &bp[i], text[i], CALLER, 5062, LB_C);
	slb_fwd_process_burst(&ctx, bt, bm, bp, SEQ, 1, bo, bv);
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

static CU_TestInfo tests[] = {
	{"call flow INVITE..200/BYE", t_call_flow},
	{"affinity and CANCEL over 3000 calls", t_affinity},
	{"branch stable across retransmission", t_branch_stable},
	{"request from a backend", t_backend_request},
	{"drops by reason", t_drops},
	{"483 Too Many Hops", t_483},
	{"dialog table full", t_dialog_full},
	{"burst gives what single calls give", t_burst_same},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("fwd", tests);
}
