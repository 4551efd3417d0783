/* test_rewrite.c: CUnit suite for the proxy rewrite, on real packets in hand-made mbufs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_mbuf.h>

#include "slb_rw.h"
#include "slb_sip.h"
#include "slb_test.h"
#include "slb_testpkt.h"

#define HDRS_LEN TESTPKT_HDRS
#define L3_LEN TESTPKT_L3
#define L4_LEN TESTPKT_L4
#define TXT_MAX 4096

static const struct slb_rw_cfg cfg = {
	.host = "198.18.1.1",
	.host_len = 10,
	.port = 5060,
	.rr_host = "203.0.113.10",
	.rr_host_len = 12,
	.key = {{0x5e, 0xed, 0x5e, 0xed, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02,
		0x03, 0x04}},
};

/* Ethernet + IPv4 + UDP + sip from 10.0.0.7:5060 to 198.18.1.1:5060, lengths and sums right. */
#define SRC_IP 0x0a000007u
#define DST_IP 0xc6120101u
#define SRC_PORT 5060

/* What the rewrite writes into the invite()'s Via (it has rport) coming from SRC_IP:SRC_PORT. */
#define SOURCED ";received=10.0.0.7;rport=5060\r\n"

static struct rte_mbuf *
pkt_new(const char *sip, uint16_t headroom, uint16_t tailroom, struct slb_pkt *p)
{
	uint16_t len = (uint16_t)strlen(sip);
	struct rte_mbuf *m = testpkt_mbuf(headroom, (uint16_t)(HDRS_LEN + len + tailroom));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return testpkt_load(m, headroom, sip, len, SRC_IP, 5060, DST_IP, 5060, p);
}

static uint8_t *
sip_of(struct rte_mbuf *m, const struct slb_pkt *p)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, p->sip_off);
}

static void
sip_text(struct rte_mbuf *m, const struct slb_pkt *p, char *out)
{
	memcpy(out, sip_of(m, p), p->sip_len);
	out[p->sip_len] = '\0';
}

/* Lengths agree with each other and with the mbuf; L2 and the addresses came through intact. */
static void
check_layout(struct rte_mbuf *m, const struct slb_pkt *p)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + p->l3_off, *udp = d + p->l4_off;

	CU_ASSERT_EQUAL(m->pkt_len, m->data_len);
	CU_ASSERT_EQUAL(m->data_len, HDRS_LEN + p->sip_len);
	CU_ASSERT_EQUAL(testpkt_be16(ip + 2), L3_LEN + L4_LEN + p->sip_len);
	CU_ASSERT_EQUAL(testpkt_be16(udp + 4), L4_LEN + p->sip_len);
	CU_ASSERT_EQUAL(memcmp(d, testpkt_eth(), TESTPKT_L2), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 12, (const uint8_t[]){10, 0, 0, 7, 198, 18, 1, 1}, 8), 0);
	CU_ASSERT_EQUAL(testpkt_be16(udp), 5060);
	CU_ASSERT(m->data_off + m->data_len <= m->buf_len);
}

static void
check_sums(struct rte_mbuf *m, const struct slb_pkt *p)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3_off);
	const uint8_t *udp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);

	CU_ASSERT_EQUAL(testpkt_sum16(ip, L3_LEN, 0), 0xffff);
	CU_ASSERT_EQUAL(testpkt_udp_sum(ip, udp), 0xffff);
	CU_ASSERT_NOT_EQUAL(testpkt_be16(udp + 6), 0); /* 0 would mean "no checksum" */
}

static enum slb_sip_err
parse(struct rte_mbuf *m, const struct slb_pkt *p, struct slb_sip_msg *msg)
{
	return slb_sip_parse(sip_of(m, p), p->sip_len, msg);
}

/* Rewrite a request as the dataplane would; out gets the SIP text of the result. */
static int
rw_req(const char *in, uint32_t flags, uint16_t headroom, uint16_t tailroom, char *out)
{
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m = pkt_new(in, headroom, tailroom, &p);
	int rc;

	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	rc = slb_rw_request(m, &p, &msg, &cfg, flags, SRC_IP, SRC_PORT);
	if (rc == 0) {
		check_layout(m, &p);
		slb_rw_finish(m, &p);
		check_sums(m, &p);
	}
	sip_text(m, &p, out);
	free(m);
	return rc;
}

static int
rw_resp(const char *in, char *out)
{
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m = pkt_new(in, RTE_PKTMBUF_HEADROOM, 0, &p);
	const uint8_t *end;
	int rc;

	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	end = sip_of(m, &p) + p.sip_len;
	rc = slb_rw_response(m, &p, &msg);
	if (rc == 0) {
		check_layout(m, &p);
		/* only the bytes in front of the cut moved */
		CU_ASSERT_PTR_EQUAL(sip_of(m, &p) + p.sip_len, end);
		slb_rw_finish(m, &p);
		check_sums(m, &p);
	}
	sip_text(m, &p, out);
	free(m);
	return rc;
}

/* ---- SIP text ---- */

static const char sdp[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

/* headers + Content-Length + empty line + body */
static void
with_body(char *out, const char *hdrs, const char *body)
{
	int n = snprintf(out, TXT_MAX, "%sContent-Length: %zu\r\n\r\n%s", hdrs, strlen(body), body);

	CU_ASSERT_FATAL(n > 0 && n < TXT_MAX);
}

static void
invite(char *out, const char *branch_param, const char *extra)
{
	char hdrs[TXT_MAX];

	snprintf(hdrs, sizeof(hdrs),
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=%s;rport\r\n"
		"%s"
		"From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
		"Content-Type: application/sdp\r\n",
		branch_param, extra);
	with_body(out, hdrs, sdp);
}

/* Insert ins right after the start line of s. */
static void
after_start_line(char *s, const char *ins)
{
	char *at = strstr(s, "\r\n");
	size_t il = strlen(ins);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	at += 2;
	memmove(at + il, at, strlen(at) + 1);
	memcpy(at, ins, il);
}

static void
branch_of_text(const char *sip, char *out)
{
	struct slb_sip_msg msg;

	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)sip, (uint32_t)strlen(sip), &msg),
		SLB_SIP_OK);
	slb_rw_branch((const uint8_t *)sip, &msg, &cfg, SRC_IP, SRC_PORT, out);
	out[SLB_RW_BRANCH_LEN] = '\0';
}

/* The caller's Via of an invite() as the rewrite leaves it: received and rport filled in. */
static void
sourced(char *s)
{
	slb_test_replace(s, ";rport\r\n", SOURCED);
}

static void
our_via(const char *orig, char *out)
{
	char br[SLB_RW_BRANCH_LEN + 1];

	branch_of_text(orig, br);
	snprintf(out, 256, "Via: SIP/2.0/UDP 198.18.1.1:5060;branch=%s;rport\r\n", br);
}

/*
 * The header lines of sip whose names are in names (with folded continuation lines), in message
 * order, appended to out.
 */
static void
pick_headers(const char *sip, const char *const *names, char *out)
{
	const char *l = strstr(sip, "\r\n") + 2;
	bool keep = false;

	while (strncmp(l, "\r\n", 2) != 0) {
		const char *e = strstr(l, "\r\n") + 2;

		if (*l != ' ' && *l != '\t') {
			size_t nl = strcspn(l, " \t:");
			int i;

			keep = false;
			for (i = 0; names[i] != NULL; i++)
				if (strlen(names[i]) == nl && strncasecmp(l, names[i], nl) == 0)
					keep = true;
		}
		if (keep)
			strncat(out, l, (size_t)(e - l));
		l = e;
	}
}

static const char *const via_names[] = {"Via", "v", NULL};

/* The response a backend sends to req: its Via lines and dialog headers, To tagged. */
static void
response_to(const char *req, const char *status, char *out)
{
	static const char *const dlg[] = {"From", "To", "Call-ID", "CSeq", NULL};

	snprintf(out, TXT_MAX, "SIP/2.0 %s\r\n", status);
	pick_headers(req, via_names, out);
	pick_headers(req, dlg, out);
	slb_test_replace(out, "To: Bob <sip:bob@biloxi.example.com>",
		"To: Bob <sip:bob@biloxi.example.com>;tag=8321234356");
	strcat(out, "Content-Length: 0\r\n\r\n");
}

/* ---- tests ---- */

/* Byte for byte: our Via on top, Max-Forwards 69, nothing else touched. */
static void
t_request_exact(void)
{
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256];

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	our_via(in, via);
	strcpy(want, in);
	sourced(want);
	after_start_line(want, via);
	slb_test_replace(want, "Max-Forwards: 70", "Max-Forwards: 69");
	CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
}

/* request -> backend response -> our strip: the Via section is the caller's again, exactly. */
static void
t_via_roundtrip(void)
{
	static const char *const vias[] = {
		"", /* the caller's one Via */
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8"
		";received=192.0.2.1\r\n",
		"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP [2001:db8::9]:5070"
		";branch=z9hG4bK2\r\n",
		"Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK3,\r\n"
		" SIP/2.0/UDP c.example.com;branch=x\r\n",
	};
	char in[TXT_MAX], out[TXT_MAX], resp[TXT_MAX], fwd[TXT_MAX], via_in[TXT_MAX];
	char via_fwd[TXT_MAX];
	struct slb_sip_msg msg;
	unsigned int i;

	for (i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
		char extra[512];

		snprintf(extra, sizeof(extra), "%sMax-Forwards: 10\r\n", vias[i]);
		invite(in, "z9hG4bK74bf9", extra);
		CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, RTE_PKTMBUF_HEADROOM, 512, out), 0);
		response_to(out, "180 Ringing", resp);
		CU_ASSERT_EQUAL_FATAL(slb_sip_parse((const uint8_t *)resp, (uint32_t)strlen(resp),
			&msg), SLB_SIP_OK);
		CU_ASSERT_TRUE(slb_rw_via_is_ours((const uint8_t *)resp, &msg, &cfg));
		CU_ASSERT_EQUAL(rw_resp(resp, fwd), 0);
		via_in[0] = via_fwd[0] = '\0';
		sourced(in);
		pick_headers(in, via_names, via_in);
		pick_headers(fwd, via_names, via_fwd);
		CU_ASSERT_STRING_EQUAL(via_fwd, via_in);
	}
}

/* A backend may fold our Via into one header with the others: we take the first value only. */
static void
t_response_first_value(void)
{
	char in[TXT_MAX], out[TXT_MAX], want[TXT_MAX];
	const char *hdrs =
		"From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		"To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
		"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";

	snprintf(in, sizeof(in), "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK-slb-0123456789abcdef;rport=5060"
		";received=198.18.1.1 , SIP/2.0/UDP client.atlanta.example.com"
		";branch=z9hG4bK74bf9\r\n"
		"%s", hdrs);
	snprintf(want, sizeof(want), "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\r\n%s", hdrs);
	CU_ASSERT_EQUAL(rw_resp(in, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* folded after the comma: the whole fold goes with the first value */
	snprintf(in, sizeof(in), "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.18.1.1;branch=z9hG4bK-slb-0123456789abcdef,\r\n"
		"     SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\r\n%s", hdrs);
	CU_ASSERT_EQUAL(rw_resp(in, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* our Via alone: nowhere to forward */
	snprintf(in, sizeof(in), "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.18.1.1;branch=z9hG4bK-slb-0123456789abcdef\r\n%s", hdrs);
	CU_ASSERT_EQUAL(rw_resp(in, out), -EINVAL);
	CU_ASSERT_STRING_EQUAL(out, in);
}

static void
t_max_forwards(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"Max-Forwards: 70\r\n", "Max-Forwards: 69\r\n"},
		{"Max-Forwards: 10\r\n", "Max-Forwards: 09\r\n"},
		{"Max-Forwards: 1\r\n", "Max-Forwards: 0\r\n"},
		{"Max-Forwards:100 \r\n", "Max-Forwards:099 \r\n"},
		{"Max-Forwards: 256\r\n", "Max-Forwards: 255\r\n"},
	};
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		invite(in, "z9hG4bK74bf9", cases[i].in);
		our_via(in, via);
		strcpy(want, in);
		sourced(want);
		after_start_line(want, via);
		slb_test_replace(want, cases[i].in, cases[i].out);
		CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), 0);
		CU_ASSERT_STRING_EQUAL(out, want);
	}

	/* absent: ours says 70, after Record-Route, above our Via (136 bytes: > headroom) */
	invite(in, "z9hG4bK74bf9", "");
	our_via(in, via);
	strcpy(want, in);
	sourced(want);
	after_start_line(want, via);
	/* Record-Route and Max-Forwards above our Via: the Via lines stay together */
	after_start_line(want, "Record-Route: <sip:203.0.113.10:5060;lr>\r\nMax-Forwards: 70\r\n");
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, RTE_PKTMBUF_HEADROOM, 0, out), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(out, in);
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, RTE_PKTMBUF_HEADROOM, 256, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, 256, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* 0: the caller must answer 483 instead; the packet stays as it was */
	invite(in, "z9hG4bK74bf9", "Max-Forwards: 0\r\n");
	CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), -EINVAL);
	CU_ASSERT_STRING_EQUAL(out, in);
}

static void
t_record_route(void)
{
	struct slb_rw_cfg c2 = cfg;
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256];
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	our_via(in, via);
	strcpy(want, in);
	sourced(want);
	after_start_line(want, via);
	/* Record-Route above our Via: the Via lines stay together */
	after_start_line(want, "Record-Route: <sip:203.0.113.10:5060;lr>\r\n");
	slb_test_replace(want, "Max-Forwards: 70", "Max-Forwards: 69");
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, 256, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)out, (uint32_t)strlen(out), &msg),
		SLB_SIP_OK);
	CU_ASSERT_EQUAL(msg.rr_count, 1);

	/* no rr_host: Record-Route names the Via host */
	c2.rr_host_len = 0;
	m = pkt_new(in, 256, 0, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &c2, SLB_RW_RECORD_ROUTE, SRC_IP, SRC_PORT), 0);
	sip_text(m, &p, out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nRecord-Route: <sip:198.18.1.1:5060;lr>\r\n"));
	free(m);
}

/*
 * Headers before the sender's Via (an upstream proxy's Record-Route, Max-Forwards): our
 * Record-Route stays the first one (§16.6 step 4), our Via goes right above the sender's, so the
 * Via lines stay together, and a missing Max-Forwards goes with our Record-Route.
 */
static void
t_via_lines_together(void)
{
	static const char rest[] =
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: together@x\r\n"
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char rr[] = "Record-Route: <sip:203.0.113.10:5060;lr>\r\n";
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256];
	struct slb_sip_msg msg;

	snprintf(in, sizeof(in), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\n"
		"Record-Route: <sip:p1.example.net;lr>\r\nMax-Forwards: 70\r\n"
		"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKp1, "
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKa\r\n%s", rest);
	our_via(in, via);
	snprintf(want, sizeof(want), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\n%s"
		"Record-Route: <sip:p1.example.net;lr>\r\nMax-Forwards: 69\r\n%s"
		"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKp1;received=10.0.0.7, "
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKa\r\n%s", rr, via, rest);
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, 256, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL_FATAL(slb_sip_parse((const uint8_t *)out, (uint32_t)strlen(out), &msg),
		SLB_SIP_OK);
	CU_ASSERT_EQUAL(msg.via_count, 3);
	CU_ASSERT_EQUAL(msg.rr_count, 2);
	CU_ASSERT_EQUAL(msg.max_forwards, 69);

	/* no Max-Forwards: ours goes above our Via with the Record-Route; none asked: alone */
	snprintf(in, sizeof(in), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\nX-First: 1\r\n"
		"Via: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKb\r\n%s", rest);
	our_via(in, via);
	snprintf(want, sizeof(want), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\nMax-Forwards: 70\r\n"
		"X-First: 1\r\n%sVia: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKb\r\n%s", via, rest);
	CU_ASSERT_EQUAL(rw_req(in, 0, 256, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
	snprintf(in, sizeof(in), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\nMax-Forwards: 5\r\n"
		"Via: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKb\r\n%s", rest);
	our_via(in, via);
	snprintf(want, sizeof(want), "INVITE sip:bob@198.18.1.1 SIP/2.0\r\nMax-Forwards: 4\r\n"
		"%sVia: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKb\r\n%s", via, rest);
	CU_ASSERT_EQUAL(rw_req(in, 0, 0, 256, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static void
t_route_removal(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* alone in its header field: the whole line goes */
		{"Route: <sip:203.0.113.10;lr>\r\nRoute: <sip:ss2.biloxi.example.com;lr>\r\n",
			"Route: <sip:ss2.biloxi.example.com;lr>\r\n"},
		{"Route: <sip:203.0.113.10;lr>\r\n", ""},
		/* first of comma-joined values, with a display name, and across a fold */
		{"Route: <sip:203.0.113.10;lr>, <sip:ss2.biloxi.example.com;lr>\r\n",
			"Route: <sip:ss2.biloxi.example.com;lr>\r\n"},
		{"Route:  \"lb, the first\" <sip:203.0.113.10;lr>,<sip:b.example.com;lr>\r\n",
			"Route:  <sip:b.example.com;lr>\r\n"},
		{"route :<sip:203.0.113.10;lr>,\r\n\t<sip:b.example.com;lr>, <sip:c;lr>\r\n",
			"route :<sip:b.example.com;lr>, <sip:c;lr>\r\n"},
	};
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256], extra[512];
	unsigned int i;
	uint16_t hr;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* both paths: into the headroom, and the tailroom when the headroom is short */
		for (hr = 0; hr <= RTE_PKTMBUF_HEADROOM; hr += RTE_PKTMBUF_HEADROOM) {
			snprintf(extra, sizeof(extra), "Max-Forwards: 70\r\n%s", cases[i].in);
			invite(in, "z9hG4bK74bf9", extra);
			our_via(in, via);
			strcpy(want, in);
			sourced(want);
			after_start_line(want, via);
			/* Record-Route above our Via: the Via lines stay together */
			after_start_line(want, "Record-Route: <sip:203.0.113.10:5060;lr>\r\n");
			slb_test_replace(want, "Max-Forwards: 70", "Max-Forwards: 69");
			slb_test_replace(want, cases[i].in, cases[i].out);
			CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE | SLB_RW_DROP_ROUTE, hr, 512,
				out), 0);
			CU_ASSERT_STRING_EQUAL(out, want);
		}
	}

	/* Route removal that frees more than the insert needs: the packet shrinks */
	snprintf(extra, sizeof(extra), "Route: <sip:203.0.113.10;lr;%0200d>\r\n", 0);
	invite(in, "z9hG4bK74bf9", extra);
	our_via(in, via);
	strcpy(want, in);
	sourced(want);
	after_start_line(want, via);
	/* Max-Forwards above our Via: the Via lines stay together */
	after_start_line(want, "Max-Forwards: 70\r\n");
	slb_test_replace(want, extra, "");
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_DROP_ROUTE, 0, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* nothing to drop */
	invite(in, "z9hG4bK74bf9", "");
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_DROP_ROUTE, RTE_PKTMBUF_HEADROOM, 0, out), -EINVAL);
	CU_ASSERT_STRING_EQUAL(out, in);
}

/* Like invite() for other methods: same transaction identifiers, method where it goes. */
static void
request(char *out, const char *method, const char *ruri, const char *top_via, const char *callid,
	uint32_t cseq, const char *to_tag)
{
	char hdrs[TXT_MAX];

	snprintf(hdrs, sizeof(hdrs),
		"%s %s SIP/2.0\r\n"
		"Via: %s\r\n"
		"Max-Forwards: 70\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		"To: Bob <sip:bob@biloxi.example.com>%s%s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u %s\r\n",
		method, ruri, top_via, to_tag ? ";tag=" : "", to_tag ? to_tag : "", callid, cseq,
		method);
	with_body(out, hdrs, strcmp(method, "INVITE") == 0 ? sdp : "");
}

static void
t_branch_determinism(void)
{
	static const char ruri[] = "sip:bob@biloxi.example.com";
	static const char via[] = "SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9";
	static const char cid[] = "3848276298220188511@atlanta.example.com";
	char msg[TXT_MAX], inv[SLB_RW_BRANCH_LEN + 1], br[SLB_RW_BRANCH_LEN + 1];
	struct slb_rw_cfg c2 = cfg;
	struct slb_sip_msg parsed;
	size_t i;

	request(msg, "INVITE", ruri, via, cid, 1, NULL);
	branch_of_text(msg, inv);
	CU_ASSERT_EQUAL(strncmp(inv, SLB_RW_BRANCH_PREFIX, strlen(SLB_RW_BRANCH_PREFIX)), 0);
	for (i = strlen(SLB_RW_BRANCH_PREFIX); i < SLB_RW_BRANCH_LEN; i++)
		CU_ASSERT_PTR_NOT_NULL(strchr("0123456789abcdef", inv[i]));

	/* the retransmission, its CANCEL and its non-2xx ACK */
	request(msg, "INVITE", ruri, via, cid, 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
	request(msg, "CANCEL", ruri, via, cid, 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
	request(msg, "ACK", ruri, via, cid, 1, "8321234356");
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
	/* host case does not matter, an explicit 5060 is the default */
	request(msg, "CANCEL", ruri,
		"SIP/2.0/UDP Client.Atlanta.EXAMPLE.com;branch=z9hG4bK74bf9", cid, 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);

	/* another transaction, another client, another secret */
	request(msg, "INVITE", ruri,
		"SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bfa",
		cid, 2, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri,
		"SIP/2.0/UDP client.atlanta.example.com:5062;branch=z9hG4bK74bf9",
		cid, 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri,
		"SIP/2.0/UDP client.chicago.example.com:5060;branch=z9hG4bK74bf9",
		cid, 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri, via, cid, 1, NULL);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)msg, (uint32_t)strlen(msg), &parsed),
		SLB_SIP_OK);
	c2.key.b[0] ^= 1;
	slb_rw_branch((const uint8_t *)msg, &parsed, &c2, SRC_IP, SRC_PORT, br);
	CU_ASSERT_NOT_EQUAL(memcmp(br, inv, SLB_RW_BRANCH_LEN), 0);
	/* the same request from another address: its responses go elsewhere, so another MAC */
	slb_rw_branch((const uint8_t *)msg, &parsed, &cfg, SRC_IP + 1, SRC_PORT, br);
	CU_ASSERT_NOT_EQUAL(memcmp(br, inv, SLB_RW_BRANCH_LEN), 0);
	/* no rport in that Via: the source port is not where responses go, so it does not count */
	slb_rw_branch((const uint8_t *)msg, &parsed, &cfg, SRC_IP, SRC_PORT + 1, br);
	CU_ASSERT_EQUAL(memcmp(br, inv, SLB_RW_BRANCH_LEN), 0);
	/* with the cookie only Via counts: the Request-URI and Call-ID may change (a spiral) */
	request(msg, "INVITE", "sip:bob@192.0.2.4", via, "other@x", 1, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
}

/*
 * The MAC's value itself, pinned: branches written before a change to how the MAC is computed
 * must still check after it (a rolling upgrade, instances sharing branch_secret). Each case
 * takes another path through the MAC input: the cookie, RFC 2543's fields, a field long enough
 * to enter as its own MAC, a host in upper case, a host longer than MAC_HOST_MAX, IPv6, rport.
 */
static void
t_branch_pinned(void)
{
	static const struct {
		const char *via, *callid;
		uint16_t src_port;
		const char *want;
	} c[] = {
		{"SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
			"3848276298220188511@atlanta.example.com", 5060,
			"z9hG4bK-slb-64869ee8a7eaca31"},
		{"SIP/2.0/UDP Client.Atlanta.EXAMPLE.com;branch=z9hG4bK74bf9;rport",
			"3848276298220188511@atlanta.example.com", 40000,
			"z9hG4bK-slb-ed2188d79f452c13"},
		{"SIP/2.0/UDP 10.0.0.7:5070;branch=7f3a", "a84b4c76e66710@pc33.atlanta.example.com",
			5060, "z9hG4bK-slb-c1865e1138f8e9b7"},
		{"SIP/2.0/UDP 10.0.0.7", "a84b4c76e66710", 5060, "z9hG4bK-slb-0f9d4eb03e79e8dc"},
		{"SIP/2.0/UDP 10.0.0.7;branch=7f3a",
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@x",
			5060, "z9hG4bK-slb-65d06eb4858100d9"},
		{"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"x@y", 5060, "z9hG4bK-slb-6d392599e74f39e6"},
		{"SIP/2.0/UDP [2001:DB8::1]:5062;branch=z9hG4bK.a;rport", "x@y", 1024,
			"z9hG4bK-slb-80cca6b6586b0d95"},
		{"SIP/2.0/UDP HOST"
			"-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			".EXAMPLE;branch=z9hG4bKx",
			"x@y", 5060, "z9hG4bK-slb-e55c8ea8dcfdf500"},
	};
	char msg[TXT_MAX], br[SLB_RW_BRANCH_LEN + 1];
	struct slb_sip_msg parsed;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		request(msg, "INVITE", "sip:bob@biloxi.example.com", c[i].via, c[i].callid, 1, NULL);
		CU_ASSERT_EQUAL_FATAL(slb_sip_parse((const uint8_t *)msg, (uint32_t)strlen(msg),
			&parsed), SLB_SIP_OK);
		slb_rw_branch((const uint8_t *)msg, &parsed, &cfg, SRC_IP, c[i].src_port, br);
		br[SLB_RW_BRANCH_LEN] = '\0';
		CU_ASSERT_STRING_EQUAL(br, c[i].want);
	}
}

/*
 * RFC 2543 peers have no transaction id: Call-ID, CSeq number, From tag, branch and sent-by stand
 * in. Not the Request-URI: no response carries it, and the MAC must be checked on responses.
 */
static void
t_branch_rfc2543(void)
{
	static const char ruri[] = "sip:bob@biloxi.example.com";
	static const char via[] = "SIP/2.0/UDP client.atlanta.example.com;branch=7f3a";
	static const char cid[] = "a84b4c76e66710@pc33.atlanta.example.com";
	char msg[TXT_MAX], inv[SLB_RW_BRANCH_LEN + 1], br[SLB_RW_BRANCH_LEN + 1];

	request(msg, "INVITE", ruri, via, cid, 314159, NULL);
	branch_of_text(msg, inv);
	request(msg, "CANCEL", ruri, via, cid, 314159, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
	request(msg, "ACK", ruri, via, cid, 314159, "8321234356");
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);

	request(msg, "INVITE", ruri, via, cid, 314160, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri, via, "b84b4c76e66710@pc33.atlanta.example.com", 314159, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", "sip:carol@biloxi.example.com", via, cid, 314159, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_EQUAL(br, inv);
	request(msg, "INVITE", ruri, "SIP/2.0/UDP client.atlanta.example.com:5070;branch=7f3a", cid,
		314159, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri, "SIP/2.0/UDP client.atlanta.example.com", cid, 314159, NULL);
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
	request(msg, "INVITE", ruri, via, cid, 314159, NULL);
	slb_test_replace(msg, "tag=9fxced76sl", "tag=9fxced76sm");
	branch_of_text(msg, br);
	CU_ASSERT_STRING_NOT_EQUAL(br, inv);
}

static bool
ours(const char *resp)
{
	struct slb_sip_msg msg;

	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)resp, (uint32_t)strlen(resp), &msg),
		SLB_SIP_OK);
	return slb_rw_via_is_ours((const uint8_t *)resp, &msg, &cfg);
}

static void
t_via_is_ours(void)
{
	char in[TXT_MAX], out[TXT_MAX], resp[TXT_MAX], forged[TXT_MAX];
	char br[SLB_RW_BRANCH_LEN + 1], bad[SLB_RW_BRANCH_LEN + 1], via[256];

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	branch_of_text(in, br);
	CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), 0);
	response_to(out, "200 OK", resp);
	CU_ASSERT_TRUE(ours(resp));

	/* what a backend adds (received, rport=) and how it may spell our host */
	strcpy(forged, resp);
	slb_test_replace(forged, ";rport\r\n", ";rport=5060;received=198.18.1.1\r\n");
	CU_ASSERT_TRUE(ours(forged));

	strcpy(forged, resp);
	slb_test_replace(forged, "198.18.1.1:5060", "198.18.1.2:5060");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "198.18.1.1:5060", "198.18.1.1:5061");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "198.18.1.1:5060", "198.18.1.1");
	CU_ASSERT_TRUE(ours(forged));
	strcpy(forged, resp);
	strcpy(bad, br);
	bad[SLB_RW_BRANCH_LEN - 1] = bad[SLB_RW_BRANCH_LEN - 1] == '0' ? '1' : '0';
	slb_test_replace(forged, br, bad);
	CU_ASSERT_FALSE(ours(forged));
	/* the branch of another transaction of the same client */
	strcpy(forged, resp);
	slb_test_replace(forged, "branch=z9hG4bK74bf9", "branch=z9hG4bK74bfa");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "z9hG4bK-slb-", "z9hG4bK-slc-");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, br, "z9hG4bK-slb-0123");
	CU_ASSERT_FALSE(ours(forged));

	/* the caller's Via as we wrote it: aiming it elsewhere breaks the MAC */
	strcpy(forged, resp);
	slb_test_replace(forged, "received=10.0.0.7", "received=203.0.113.9");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "rport=5060", "rport=5080");
	CU_ASSERT_FALSE(ours(forged));

	/*
	 * Below us an RFC 2543 Via: the MAC is checked all the same (Call-ID, CSeq, From tag,
	 * sent-by, return address). A well-formed branch of our form is not enough: that was an
	 * open reflector (any response with our address on top went wherever its second Via said).
	 */
	invite(in, "7f3a", "Max-Forwards: 70\r\n");
	branch_of_text(in, br);
	CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), 0);
	response_to(out, "200 OK", resp);
	CU_ASSERT_TRUE(ours(resp));
	strcpy(forged, resp);
	slb_test_replace(forged, br, "z9hG4bK-slb-0123456789abcdef");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, br, "z9hG4bK-slb-0123456789abcdeg");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "CSeq: 1 INVITE", "CSeq: 2 INVITE");
	CU_ASSERT_FALSE(ours(forged));
	strcpy(forged, resp);
	slb_test_replace(forged, "client.atlanta.example.com:5060;branch=7f3a",
		"victim.example.com:5060;branch=7f3a");
	CU_ASSERT_FALSE(ours(forged));

	/* the caller's Via on top is not ours */
	response_to(in, "200 OK", resp);
	CU_ASSERT_FALSE(ours(resp));
	(void)via;
}

static int
dest_of(const char *via, uint32_t *ip, uint16_t *port)
{
	char resp[TXT_MAX];
	struct slb_sip_msg msg;

	snprintf(resp, sizeof(resp), "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.18.1.1;branch=z9hG4bK-slb-0123456789abcdef\r\n"
		"Via: %s\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", via);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)resp, (uint32_t)strlen(resp), &msg),
		SLB_SIP_OK);
	*ip = 0;
	*port = 0;
	return slb_rw_response_dest((const uint8_t *)resp, &msg.via[1], ip, port);
}

static void
t_response_dest(void)
{
	uint32_t ip;
	uint16_t port;

	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK1"
		";received=192.0.2.1;rport=40000", &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, 0xc0000201);
	CU_ASSERT_EQUAL(port, 40000);
	/* rport without a value (the sender asked, nobody filled it in): the sent-by port */
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP 192.0.2.7:5070;rport;branch=z9hG4bK1", &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, 0xc0000207);
	CU_ASSERT_EQUAL(port, 5070);
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP 10.1.2.3;branch=z9hG4bK1", &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, 0x0a010203);
	CU_ASSERT_EQUAL(port, 5060);
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP 10.1.2.3:5062;branch=z9hG4bK1;received=10.9.9.9", &ip,
		&port), 0);
	CU_ASSERT_EQUAL(ip, 0x0a090909);
	CU_ASSERT_EQUAL(port, 5062);
	/* names need DNS, and IPv6 is not ours to answer */
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1", &ip, &port), -1);
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1", &ip, &port), -1);
	CU_ASSERT_EQUAL(dest_of("SIP/2.0/UDP 10.1.2.3;received=[2001:db8::1];branch=z9hG4bK1", &ip,
		&port), -1);
}

/*
 * The one case the RFC 768 rule is about: a sum that comes out 0 is sent as 0xffff, whether the
 * datagram is summed whole (SLB_PKT_CSUM_NONE) or from the message's sum (SLB_PKT_CSUM_SUM).
 */
static void
t_checksum_zero(void)
{
	static const uint8_t modes[] = {SLB_PKT_CSUM_NONE, SLB_PKT_CSUM_SUM};
	char in[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;
	uint8_t *ip, *udp, *w;
	uint16_t need;
	unsigned int i;

	for (i = 0; i < sizeof(modes); i++) {
		request(in, "OPTIONS", "sip:198.18.1.1", "SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1",
			"c@x", 1, NULL);
		m = pkt_new(in, RTE_PKTMBUF_HEADROOM, 0, &p);
		CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
		CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, 0, SRC_IP, SRC_PORT), 0);
		CU_ASSERT_EQUAL(p.csum, SLB_PKT_CSUM_SUM);
		ip = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l3_off);
		udp = rte_pktmbuf_mtod_offset(m, uint8_t *, p.l4_off);
		/* choose two bytes of the Call-ID so the datagram sums to 0xffff with a zero field */
		CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
		w = sip_of(m, &p) + msg.call_id.off;
		if ((w - udp) & 1)
			w++;
		w[0] = w[1] = 0;
		udp[6] = udp[7] = 0;
		need = (uint16_t)~testpkt_udp_sum(ip, udp);
		w[0] = (uint8_t)(need >> 8);
		w[1] = (uint8_t)need;
		CU_ASSERT_EQUAL(testpkt_udp_sum(ip, udp), 0xffff);
		/* the bytes changed behind the rewrite's back: say what is known of them now */
		p.csum = modes[i];
		p.sip_sum = rte_cpu_to_be_16((uint16_t)testpkt_sum16(sip_of(m, &p), p.sip_len, 0));
		slb_rw_finish(m, &p);
		CU_ASSERT_EQUAL(testpkt_be16(udp + 6), 0xffff);
		check_sums(m, &p);

		/* lengths come from p, so a sum never covers bytes that are not the datagram's */
		ip[2] = ip[3] = 0xff;
		udp[4] = 0;
		udp[5] = 1;
		slb_rw_finish(m, &p);
		check_layout(m, &p);
		check_sums(m, &p);
		free(m);
	}
}

/*
 * Short headroom: the block goes in through the tail, and the result is the same packet. Our Via,
 * Record-Route and the caller's received and rport together (153 bytes here) pass the usual
 * 128-byte headroom, so an rx mbuf has the body moved toward its tailroom.
 */
static void
t_headroom_fallback(void)
{
	char in[TXT_MAX], a[TXT_MAX], b[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;
	const uint8_t *eth;

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, 256, 0, a), 0);
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, 16, 256, b), 0);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_EQUAL(rw_req(in, SLB_RW_RECORD_ROUTE, RTE_PKTMBUF_HEADROOM, 256, b), 0);
	CU_ASSERT_STRING_EQUAL(a, b);

	/* the headroom path moves the front only; the tail path leaves the front in place */
	m = pkt_new(in, 16, 256, &p);
	eth = rte_pktmbuf_mtod(m, const uint8_t *);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, SLB_RW_RECORD_ROUTE, SRC_IP, SRC_PORT), 0);
	CU_ASSERT_PTR_EQUAL(rte_pktmbuf_mtod(m, const uint8_t *), eth);
	CU_ASSERT_EQUAL(m->data_off, 16);
	check_layout(m, &p);
	free(m);

	m = pkt_new(in, 256, 0, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	eth = sip_of(m, &p) + p.sip_len;
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, SLB_RW_RECORD_ROUTE, SRC_IP, SRC_PORT), 0);
	CU_ASSERT_PTR_EQUAL(sip_of(m, &p) + p.sip_len, eth);
	CU_ASSERT_EQUAL(m->data_len, m->buf_len - m->data_off);
	free(m);
}

/* No room either side: -ENOSPC, and not one byte or field of the packet changed. */
static void
t_enospc(void)
{
	char in[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_pkt p, p0;
	struct rte_mbuf *m, m0;
	uint8_t *copy;

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\nRoute: <sip:203.0.113.10;lr>\r\n");
	m = pkt_new(in, 16, 16, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	copy = malloc(m->buf_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, m->buf_addr, m->buf_len);
	m0 = *m;
	p0 = p;
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, SLB_RW_RECORD_ROUTE | SLB_RW_DROP_ROUTE,
		SRC_IP, SRC_PORT), -ENOSPC);
	CU_ASSERT_EQUAL(memcmp(copy, m->buf_addr, m->buf_len), 0);
	CU_ASSERT_EQUAL(memcmp(&m0, m, sizeof(m0)), 0);
	CU_ASSERT_EQUAL(memcmp(&p0, &p, sizeof(p0)), 0);
	free(copy);
	free(m);
}

static void
t_invalid(void)
{
	char in[TXT_MAX], resp[TXT_MAX];
	struct slb_sip_msg msg;
	struct slb_pkt p, bad;
	struct rte_mbuf *m, seg2;

	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	m = pkt_new(in, RTE_PKTMBUF_HEADROOM, 0, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);

	memset(&seg2, 0, sizeof(seg2));
	m->next = &seg2;
	m->nb_segs = 2;
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, 0, SRC_IP, SRC_PORT), -EINVAL);
	m->next = NULL;
	m->nb_segs = 1;

	bad = p;
	bad.sip_len++;
	CU_ASSERT_EQUAL(slb_rw_request(m, &bad, &msg, &cfg, 0, SRC_IP, SRC_PORT), -EINVAL);
	bad = p;
	bad.l4_off = bad.l3_off + 24; /* disagrees with the IHL */
	bad.sip_off = bad.l4_off + 8;
	bad.sip_len -= 4;
	CU_ASSERT_EQUAL(slb_rw_request(m, &bad, &msg, &cfg, 0, SRC_IP, SRC_PORT), -EINVAL);
	CU_ASSERT_EQUAL(slb_rw_response(m, &p, &msg), -EINVAL); /* a request */
	CU_ASSERT_EQUAL(m->data_off, RTE_PKTMBUF_HEADROOM);
	CU_ASSERT_EQUAL(m->data_len, HDRS_LEN + strlen(in));
	free(m);

	response_to(in, "200 OK", resp);
	m = pkt_new(resp, RTE_PKTMBUF_HEADROOM, 0, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, 0, SRC_IP, SRC_PORT), -EINVAL); /* a response */
	free(m);

	/*
	 * A folded line with no header before it (the parser calls it a bad header, which the
	 * policy forwards): inserted after the start line, our last header would take it as its
	 * continuation, so the rewrite refuses.
	 */
	invite(in, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	slb_test_replace(in, "SIP/2.0\r\n", "SIP/2.0\r\n  ;lr\r\n");
	m = pkt_new(in, RTE_PKTMBUF_HEADROOM, 0, &p);
	CU_ASSERT_EQUAL(parse(m, &p, &msg), SLB_SIP_E_HEADER);
	CU_ASSERT_NOT_EQUAL(slb_sip_policy(msg.err), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_rw_request(m, &p, &msg, &cfg, 0, SRC_IP, SRC_PORT), -EINVAL);
	sip_text(m, &p, resp);
	CU_ASSERT_STRING_EQUAL(resp, in);
	free(m);
}

/* CRLF keep-alive bytes in front of the start line: our Via still goes after the start line. */
static void
t_leading_crlf(void)
{
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], via[256], body[TXT_MAX];

	invite(body, "z9hG4bK74bf9", "Max-Forwards: 70\r\n");
	strcpy(in, "\r\n\r\n");
	strcat(in, body);
	our_via(in, via);
	strcpy(want, body);
	sourced(want);
	after_start_line(want, via);
	slb_test_replace(want, "Max-Forwards: 70", "Max-Forwards: 69");
	memmove(want + 4, want, strlen(want) + 1);
	memcpy(want, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
}

/* Rewrite a request with this top Via from SRC_IP:SRC_PORT; top_via_out gets its Via line. */
static void
sourced_via(const char *via, const char *want)
{
	char in[TXT_MAX], out[TXT_MAX], line[512];
	struct slb_sip_msg msg;
	const char *l;
	uint32_t ip;
	uint16_t port;

	request(in, "OPTIONS", "sip:bob@biloxi.example.com", via, "c@x", 1, NULL);
	CU_ASSERT_EQUAL_FATAL(rw_req(in, 0, RTE_PKTMBUF_HEADROOM, 256, out), 0);
	/* the second Via line: the first is ours */
	l = strstr(strstr(out, "\r\nVia: ") + 2, "\r\nVia: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	l += 7;
	snprintf(line, sizeof(line), "%.*s", (int)(strstr(l, "\r\n") - l), l);
	CU_ASSERT_STRING_EQUAL(line, want);
	/* and responses go back to the source, whatever the Via claimed */
	CU_ASSERT_EQUAL_FATAL(slb_sip_parse((const uint8_t *)out, (uint32_t)strlen(out), &msg),
		SLB_SIP_OK);
	CU_ASSERT_EQUAL(slb_rw_response_dest((const uint8_t *)out, &msg.via[1], &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, SRC_IP);
	CU_ASSERT_EQUAL(port, strstr(via, "rport") ? SRC_PORT : (strstr(via, ":5070") ? 5070 : 5060));
}

/*
 * RFC 3261 §18.2.1 and RFC 3581 as the server transport does them: received when the source
 * differs from sent-by (a name always differs), always with rport, whose value is the source
 * port; a received or rport the sender wrote itself (a forgery aiming our responses at a victim)
 * is replaced, not believed.
 */
static void
t_received_rport(void)
{
	/* sent-by is the source and no rport: nothing to add */
	sourced_via("SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1", "SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1");
	sourced_via("SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK1",
		"SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK1");
	/* behind a NAT: another address, another port */
	sourced_via("SIP/2.0/UDP 192.168.1.20:5070;branch=z9hG4bK1",
		"SIP/2.0/UDP 192.168.1.20:5070;branch=z9hG4bK1;received=10.0.0.7");
	sourced_via("SIP/2.0/UDP 192.168.1.20:5070;rport;branch=z9hG4bK1",
		"SIP/2.0/UDP 192.168.1.20:5070;branch=z9hG4bK1;received=10.0.0.7;rport=5060");
	sourced_via("SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1",
		"SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1;received=10.0.0.7");
	/* rport from the source itself: received all the same (RFC 3581 §4) */
	sourced_via("SIP/2.0/UDP 10.0.0.7;rport;branch=z9hG4bK1",
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;received=10.0.0.7;rport=5060");
	/* forged by the sender: replaced, wherever they stand, however spelt */
	sourced_via("SIP/2.0/UDP 10.0.0.7;received=203.0.113.9;branch=z9hG4bK1;rport=9999",
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;received=10.0.0.7;rport=5060");
	sourced_via("SIP/2.0/UDP 10.0.0.7 ;RECEIVED = 203.0.113.9 ;branch=z9hG4bK1",
		"SIP/2.0/UDP 10.0.0.7 ;branch=z9hG4bK1;received=10.0.0.7");
	sourced_via("SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;received=203.0.113.9",
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;received=10.0.0.7");
	/* names that only begin like ours, and a quoted ';' are left alone */
	sourced_via("SIP/2.0/UDP h.example.com;rports=1;x=\"a;received=1\";branch=z9hG4bK1",
		"SIP/2.0/UDP h.example.com;rports=1;x=\"a;received=1\";branch=z9hG4bK1"
		";received=10.0.0.7");
	/* parameters under 16 bytes, and over 64 (both found another way than the usual) */
	sourced_via("SIP/2.0/UDP 10.0.0.7;rport",
		"SIP/2.0/UDP 10.0.0.7;received=10.0.0.7;rport=5060");
	sourced_via("SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;x-pad=0123456789abcdef0123456789abcdef"
		"0123456789abcdef;Rport;received=1.2.3.4;y",
		"SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK1;x-pad=0123456789abcdef0123456789abcdef"
		"0123456789abcdef;y;received=10.0.0.7;rport=5060");
	/* the first of two values in one header field: the second is not touched */
	sourced_via("SIP/2.0/UDP h.example.com;branch=z9hG4bK1;rport, SIP/2.0/UDP p.example.com"
		";branch=z9hG4bK0;rport",
		"SIP/2.0/UDP h.example.com;branch=z9hG4bK1;received=10.0.0.7;rport=5060, SIP/2.0/UDP "
		"p.example.com;branch=z9hG4bK0;rport");
}

/*
 * received and rport as decimal text for every digit count of an address byte (0..255) and of a
 * port (1..65535), and our Via's port: the digits are written in pairs, each length its own path.
 */
static void
t_source_digits(void)
{
	static const uint32_t ips[] = {0x00090a63u, 0x64ff0001u, 0xc0a80a05u, 0x0a000007u};
	static const uint16_t ports[] = {1, 9, 10, 99, 100, 999, 1000, 5060, 9999, 10000, 10009,
		65535};
	char in[TXT_MAX], via[TXT_MAX], want[64];
	struct slb_rw_cfg c = cfg;
	struct slb_sip_msg msg;
	struct slb_pkt p;
	struct rte_mbuf *m;
	unsigned int i, j;
	char *out;

	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		for (j = 0; j < sizeof(ports) / sizeof(ports[0]); j++) {
			invite(in, "z9hG4bK1", ""); /* its Via has rport */
			m = pkt_new(in, RTE_PKTMBUF_HEADROOM, 0, &p);
			CU_ASSERT_EQUAL_FATAL(parse(m, &p, &msg), SLB_SIP_OK);
			c.port = ports[j];
			CU_ASSERT_EQUAL_FATAL(slb_rw_request(m, &p, &msg, &c, 0, ips[i], ports[j]),
				0);
			out = (char *)sip_of(m, &p);
			out[p.sip_len - 1] = '\0'; /* the last byte of the body: a line end */
			snprintf(want, sizeof(want), ";received=%u.%u.%u.%u;rport=%u\r\n",
				ips[i] >> 24, (ips[i] >> 16) & 0xff, (ips[i] >> 8) & 0xff,
				ips[i] & 0xff, ports[j]);
			CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
			snprintf(via, sizeof(via), "Via: SIP/2.0/UDP 198.18.1.1:%u;branch=",
				ports[j]);
			CU_ASSERT_PTR_NOT_NULL(strstr(out, via));
			free(m);
		}
	}
}

/*
 * Several edits at once (our block, the caller's Via, our Route before or after it) come out the
 * same whatever the room on either side: each layout of head- and tailroom picks another run to
 * keep in place, and a layout with no room leaves the packet as it came.
 */
static void
t_splice_layouts(void)
{
	static const uint16_t hr[] = {0, 8, 40, 90, 100, 128, 160, 200, 512};
	static const uint16_t tr[] = {0, 8, 40, 100, 160, 512};
	char in[TXT_MAX], want[TXT_MAX], out[TXT_MAX], hdrs[TXT_MAX];
	unsigned int order, i, j, ok, split = 0;
	size_t grow;
	int rc;

	for (order = 0; order < 2; order++) {
		snprintf(hdrs, sizeof(hdrs), "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
			"%s"
			"Via: SIP/2.0/UDP 192.168.1.20:5070;received=203.0.113.9;branch=z9hG4bK7"
			";rport=1\r\n"
			"%s"
			"Max-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
			"Call-ID: splice@x\r\nCSeq: 1 INVITE\r\n",
			order == 0 ? "Route: <sip:203.0.113.10;lr>, <sip:p2.example.com;lr>\r\n" : "",
			order == 1 ? "Route: <sip:203.0.113.10;lr;long-parameter-to-remove>\r\n" : "");
		with_body(in, hdrs, sdp);
		CU_ASSERT_EQUAL_FATAL(rw_req(in, SLB_RW_RECORD_ROUTE | SLB_RW_DROP_ROUTE, 512, 512,
			want), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(want, ";branch=z9hG4bK7;received=10.0.0.7;rport=5060"
			"\r\n"));
		CU_ASSERT_PTR_NULL(strstr(want, "203.0.113.9"));
		CU_ASSERT_PTR_NULL(strstr(want, "<sip:203.0.113.10;lr"));
		grow = strlen(want) - strlen(in);
		ok = 0;
		for (i = 0; i < sizeof(hr) / sizeof(hr[0]); i++) {
			for (j = 0; j < sizeof(tr) / sizeof(tr[0]); j++) {
				rc = rw_req(in, SLB_RW_RECORD_ROUTE | SLB_RW_DROP_ROUTE, hr[i],
					tr[j], out);
				if (rc == 0) {
					CU_ASSERT_STRING_EQUAL(out, want);
					ok++;
					split += hr[i] < grow && tr[j] < grow;
				} else {
					CU_ASSERT_EQUAL(rc, -ENOSPC);
					CU_ASSERT_STRING_EQUAL(out, in);
					/* either side alone that can take it all is always used */
					CU_ASSERT(hr[i] < grow && tr[j] < grow);
				}
			}
		}
		CU_ASSERT(ok >= 30);
	}
	/* some layouts fit only by growing on both sides at once (Route before Via: 90 + 8) */
	CU_ASSERT(split > 0);
}

static CU_TestInfo tests[] = {
	{"request rewritten byte for byte", t_request_exact},
	{"Via round trip request -> response", t_via_roundtrip},
	{"response: first of joined Vias", t_response_first_value},
	{"Max-Forwards", t_max_forwards},
	{"Record-Route", t_record_route},
	{"Via lines together, Record-Route above", t_via_lines_together},
	{"Route removal", t_route_removal},
	{"branch: RFC 3261 determinism", t_branch_determinism},
	{"branch: RFC 2543 fallback", t_branch_rfc2543},
	{"branch: the MAC's value pinned", t_branch_pinned},
	{"via_is_ours", t_via_is_ours},
	{"response_dest", t_response_dest},
	{"UDP checksum 0 sent as 0xffff", t_checksum_zero},
	{"headroom fallback to tailroom", t_headroom_fallback},
	{"ENOSPC leaves the packet", t_enospc},
	{"invalid input", t_invalid},
	{"CRLF before the start line", t_leading_crlf},
	{"received and rport (RFC 3581)", t_received_rport},
	{"received, rport and our port: every digit count", t_source_digits},
	{"several edits in any room layout", t_splice_layouts},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("rewrite", tests);
}
