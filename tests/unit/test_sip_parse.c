/* test_sip_parse.c: the SIP parser, its error table and URI helpers, on messages made up here. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slb_sip.h"
#include "slb_test.h"
#include "slb_testsip.h"

/* Header fields most messages share; a test leaves out or replaces the one it is about. */
#define RL_INV "INVITE sip:bob@b.example SIP/2.0\r\n"
#define VIA1 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1\r\n"
#define FROM1 "From: <sip:alice@a.example>;tag=f1\r\n"
#define TO1 "To: <sip:bob@b.example>\r\n"
#define CID1 "Call-ID: c1@a.example\r\n"
#define CSEQ1 "CSeq: 1 INVITE\r\n"
/* An INVITE with the given Via, Call-ID and CSeq lines, extra lines, then the empty line. */
#define REQ(via, cid, cseq, extra) RL_INV via FROM1 TO1 cid cseq extra "\r\n"
#define REQ_X(extra) REQ(VIA1, CID1, CSEQ1, extra)
#define RESP_HDRS                                                                                  \
	VIA1 FROM1 "To: <sip:bob@b.example>;tag=t1\r\n" CID1 CSEQ1 "Content-Length: 0\r\n\r\n"

#define SDP                                                                                        \
	"v=0\r\n"                                                                                  \
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\n"                                     \
	"s=-\r\n"                                                                                  \
	"c=IN IP4 192.0.2.101\r\n"                                                                 \
	"t=0 0\r\n"                                                                                \
	"m=audio 49172 RTP/AVP 0 8\r\n"                                                            \
	"a=rtpmap:0 PCMU/8000\r\n"

/* The reference INVITE: two Via, a two-value Route, Record-Route and an SDP body. */
#define INVITE_FMT                                                                                 \
	"INVITE sip:bob@biloxi.example.com:5062;transport=udp SIP/2.0\r\n"                         \
	"Via: SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds"                   \
	";received=192.0.2.101;rport=5066\r\n"                                                     \
	"Via: SIP/2.0/TCP proxy.example.net;branch=z9hG4bK2d4790.1\r\n"                            \
	"Max-Forwards: 69\r\n"                                                                     \
	"Route: <sip:lb1.example.net;lr>, <sip:sbc.example.net:5070;lr>\r\n"                       \
	"Record-Route: <sip:p1.example.net;lr>\r\n"                                                \
	"To: Bob <sip:bob@biloxi.example.com>%s\r\n"                                               \
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"                           \
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"                                     \
	"CSeq: 314159 INVITE\r\n"                                                                  \
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"                                        \
	"Content-Type: application/sdp\r\n"                                                        \
	"Content-Length: %zu\r\n"                                                                  \
	"\r\n"                                                                                     \
	"%s"

static uint32_t
make_invite(char *buf, size_t size, const char *to_params)
{
	int n = snprintf(buf, size, INVITE_FMT, to_params, strlen(SDP), SDP);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < size);
	return (uint32_t)n;
}

/* --- checks every parse goes through --- */

static int
span_in(struct slb_span s, uint32_t len)
{
	return (uint32_t)s.off + s.len <= len;
}

static int
next_in(const struct slb_sip_hdr *h)
{
	return h->next == 0 ||
		(h->next > h->line.off && (uint32_t)h->next < (uint32_t)h->line.off + h->line.len);
}

/* Every span of msg lies inside a message of len bytes. */
static int
spans_within(const struct slb_sip_msg *m, uint32_t len)
{
	int ok = 1, i;

	ok &= span_in(m->start_line, len) && span_in(m->method_str, len) && span_in(m->ruri, len);
	ok &= span_in(m->reason, len) && span_in(m->call_id, len);
	ok &= span_in(m->cseq_method_str, len);
	for (i = 0; i < 2; i++) {
		const struct slb_sip_via *v = &m->via[i];

		ok &= span_in(v->value, len) && span_in(v->transport, len) && span_in(v->host, len);
		ok &= span_in(v->branch, len) && span_in(v->received, len);
		ok &= span_in(m->route_uri[i], len);
	}
	ok &= span_in(m->via_hdr.line, len) && next_in(&m->via_hdr);
	ok &= span_in(m->route_hdr.line, len) && next_in(&m->route_hdr);
	ok &= span_in(m->max_fwd, len) && span_in(m->body, len);
	ok &= span_in(m->from_tag, len) && span_in(m->to_tag, len);
	ok &= m->hdr_end <= len && m->err_off <= len;
	return ok;
}

/* A message said to be fine has what the balancer needs. */
static int
ok_is_sane(const struct slb_sip_msg *m)
{
	if (m->err != SLB_SIP_OK)
		return 1;
	return m->kind != SLB_SIP_NONE && m->call_id.len > 0 && m->via_count >= 1 &&
		m->via[0].host.len > 0 && m->body.off == m->hdr_end && m->has_from && m->has_to &&
		m->cseq_method != SLB_M_NONE;
}

/*
 * Parse a copy of the bytes in a buffer of exactly len bytes (so that a sanitizer build sees any
 * overread) and check the invariants. Spans index the caller's bytes just as well.
 */
static enum slb_sip_err
parse_n(const void *bytes, uint32_t len, struct slb_sip_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum slb_sip_err err;

	CU_ASSERT_FATAL(copy != NULL);
	if (len)
		memcpy(copy, bytes, len);
	err = slb_sip_parse(copy, len, m);
	CU_ASSERT(testsip_want_none_agrees(copy, len, m));
	free(copy);
	CU_ASSERT_EQUAL(err, m->err);
	CU_ASSERT(spans_within(m, len));
	CU_ASSERT(ok_is_sane(m));
	return err;
}

/* The bytes of span sp are the string want; says what they were if not. */
static int
span_is(const void *buf, struct slb_span sp, const char *want)
{
	const char *b = buf;
	size_t n = strlen(want);

	if (sp.len == n && memcmp(b + sp.off, want, n) == 0)
		return 1;
	fprintf(stderr, "\n    span {%u,%u} is \"%.*s\", want \"%s\"\n", sp.off, sp.len,
		(int)sp.len, b + sp.off, want);
	return 0;
}

#define SPAN_IS(buf, sp, want) CU_ASSERT(span_is((buf), (sp), (want)))

/* From a header's second value to the end of its line. */
static struct slb_span
after_next(const struct slb_sip_hdr *h)
{
	struct slb_span s = {h->next, (uint16_t)(h->line.off + h->line.len - h->next)};

	return s;
}

static void
expect_err(const char *name, const void *bytes, uint32_t len, enum slb_sip_err want,
	struct slb_sip_msg *m)
{
	enum slb_sip_err got = parse_n(bytes, len, m);

	if (got != want)
		fprintf(stderr, "\n    %s: got %s at %u, want %s\n", name, slb_sip_err_name(got),
			m->err_off, slb_sip_err_name(want));
	CU_ASSERT_EQUAL(got, want);
}

/* --- one message, every field --- */

static void
t_invite_sdp(void)
{
	char b[2048];
	uint32_t n = make_invite(b, sizeof(b), ""), ip;
	struct slb_sip_msg m;
	struct slb_span host;
	uint16_t port;
	bool lr;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, n, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.kind, SLB_SIP_REQUEST);
	CU_ASSERT_EQUAL(m.method, SLB_M_INVITE);
	SPAN_IS(b, m.method_str, "INVITE");
	SPAN_IS(b, m.start_line,
		"INVITE sip:bob@biloxi.example.com:5062;transport=udp SIP/2.0\r\n");
	SPAN_IS(b, m.ruri, "sip:bob@biloxi.example.com:5062;transport=udp");
	CU_ASSERT_EQUAL(m.status, 0);
	CU_ASSERT_EQUAL(m.reason.len, 0);
	SPAN_IS(b, m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	CU_ASSERT_EQUAL(m.cseq, 314159);
	CU_ASSERT_EQUAL(m.cseq_method, SLB_M_INVITE);
	SPAN_IS(b, m.cseq_method_str, "INVITE");

	CU_ASSERT_EQUAL(m.via_count, 2);
	SPAN_IS(b, m.via[0].value,
		"SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds"
		";received=192.0.2.101;rport=5066");
	SPAN_IS(b, m.via[0].transport, "UDP");
	SPAN_IS(b, m.via[0].host, "pc33.atlanta.example.com");
	CU_ASSERT_EQUAL(m.via[0].port, 5066);
	SPAN_IS(b, m.via[0].branch, "z9hG4bK776asdhds");
	SPAN_IS(b, m.via[0].received, "192.0.2.101");
	CU_ASSERT(m.via[0].has_rport);
	CU_ASSERT_EQUAL(m.via[0].rport, 5066);
	SPAN_IS(b, m.via[1].transport, "TCP");
	SPAN_IS(b, m.via[1].host, "proxy.example.net");
	CU_ASSERT_EQUAL(m.via[1].port, 0);
	SPAN_IS(b, m.via[1].branch, "z9hG4bK2d4790.1");
	CU_ASSERT_EQUAL(m.via[1].received.len, 0);
	CU_ASSERT(!m.via[1].has_rport);
	SPAN_IS(b, m.via_hdr.line,
		"Via: SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds"
		";received=192.0.2.101;rport=5066\r\n");
	CU_ASSERT_EQUAL(m.via_hdr.next, 0);

	CU_ASSERT_EQUAL(m.max_forwards, 69);
	SPAN_IS(b, m.max_fwd, "69");
	CU_ASSERT_EQUAL(m.content_length, (int32_t)strlen(SDP));
	SPAN_IS(b, m.body, SDP);
	CU_ASSERT_EQUAL(m.body.off, m.hdr_end);
	CU_ASSERT_EQUAL(m.hdr_end, n - strlen(SDP));
	CU_ASSERT(!m.bare_lf);
	CU_ASSERT(!m.extra_bytes);

	CU_ASSERT(m.has_from);
	CU_ASSERT(m.has_to);
	SPAN_IS(b, m.from_tag, "1928301774");
	CU_ASSERT_EQUAL(m.to_tag.len, 0);
	CU_ASSERT(slb_sip_is_initial(&m));

	CU_ASSERT_EQUAL(m.route_count, 2);
	SPAN_IS(b, m.route_uri[0], "sip:lb1.example.net;lr");
	SPAN_IS(b, m.route_uri[1], "sip:sbc.example.net:5070;lr");
	SPAN_IS(b, m.route_hdr.line,
		"Route: <sip:lb1.example.net;lr>, <sip:sbc.example.net:5070;lr>\r\n");
	SPAN_IS(b, after_next(&m.route_hdr), "<sip:sbc.example.net:5070;lr>\r\n");
	CU_ASSERT_EQUAL(m.rr_count, 1);

	/* the helpers, on what the parser found */
	CU_ASSERT_EQUAL(slb_sip_uri_hostport((uint8_t *)b, m.ruri, &host, &port, &lr), 0);
	SPAN_IS(b, host, "biloxi.example.com");
	CU_ASSERT_EQUAL(port, 5062);
	CU_ASSERT(!lr);
	CU_ASSERT_EQUAL(slb_sip_uri_hostport((uint8_t *)b, m.route_uri[0], &host, &port, &lr), 0);
	SPAN_IS(b, host, "lb1.example.net");
	CU_ASSERT_EQUAL(port, 0);
	CU_ASSERT(lr);
	CU_ASSERT_EQUAL(slb_sip_uri_hostport((uint8_t *)b, m.route_uri[1], &host, &port, &lr), 0);
	SPAN_IS(b, host, "sbc.example.net");
	CU_ASSERT_EQUAL(port, 5070);
	CU_ASSERT(lr);
	CU_ASSERT_EQUAL(slb_sip_ipv4((uint8_t *)b, m.via[0].received, &ip), 0);
	CU_ASSERT_EQUAL(ip, 0xc0000265u);
	CU_ASSERT_EQUAL(slb_sip_ipv4((uint8_t *)b, m.via[0].host, &ip), -1);

	/* the same dialog, in-dialog: To has a tag */
	n = make_invite(b, sizeof(b), ";tag=a6c85cf");
	CU_ASSERT_EQUAL_FATAL(parse_n(b, n, &m), SLB_SIP_OK);
	SPAN_IS(b, m.to_tag, "a6c85cf");
	CU_ASSERT(!slb_sip_is_initial(&m));
}

/* Every proper prefix of the INVITE is refused, with an error that is dropped. */
static void
t_invite_prefixes(void)
{
	char b[2048];
	uint32_t n = make_invite(b, sizeof(b), ""), cut, hdr_end;
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, n, &m), SLB_SIP_OK);
	hdr_end = m.hdr_end;
	for (cut = 0; cut < n; cut++) {
		enum slb_sip_err err = parse_n(b, cut, &m);

		CU_ASSERT_NOT_EQUAL(err, SLB_SIP_OK);
		CU_ASSERT_EQUAL(slb_sip_policy(err), SLB_SIP_ACT_DROP);
		if (cut >= hdr_end)
			CU_ASSERT_EQUAL(err, SLB_SIP_E_BODY_SHORT);
	}
}

static void
t_responses(void)
{
	static const struct {
		const char *line;
		uint16_t status;
		const char *reason;
	} r[] = {
		{"SIP/2.0 100 Trying\r\n", 100, "Trying"},
		{"SIP/2.0 180 Ringing\r\n", 180, "Ringing"},
		{"SIP/2.0 200 OK\r\n", 200, "OK"},
		{"SIP/2.0 486 Busy Here\r\n", 486, "Busy Here"},
		{"SIP/2.0 200\r\n", 200, ""},
		{"SIP/2.0 603 \r\n", 603, ""},
		{"SIP/2.0 699 Any  reason, even: this;one\r\n", 699, "Any  reason, even: this;one"},
		{"sip/2.0 487 Request Terminated\r\n", 487, "Request Terminated"},
	};
	char b[512];
	struct slb_sip_msg m;
	unsigned int i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		uint32_t n = (uint32_t)snprintf(b, sizeof(b), "%s%s", r[i].line, RESP_HDRS);

		CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
		CU_ASSERT_EQUAL(m.kind, SLB_SIP_RESPONSE);
		CU_ASSERT_EQUAL(m.status, r[i].status);
		SPAN_IS(b, m.reason, r[i].reason);
		SPAN_IS(b, m.start_line, r[i].line);
		CU_ASSERT_EQUAL(m.method, SLB_M_NONE);
		CU_ASSERT_EQUAL(m.ruri.len, 0);
		CU_ASSERT_EQUAL(m.cseq_method, SLB_M_INVITE);
		SPAN_IS(b, m.to_tag, "t1");
		SPAN_IS(b, m.from_tag, "f1");
		SPAN_IS(b, m.via[0].branch, "z9hG4bKa1");
		CU_ASSERT(!slb_sip_is_initial(&m));
	}
}

/* A 200 to an INVITE, with SDP, and a response whose CSeq method is not the request's own. */
static void
t_response_body(void)
{
	static const char bye[] = "SIP/2.0 200 OK\r\n" VIA1 FROM1 TO1 CID1 "CSeq: 2 BYE\r\n\r\n";
	char b[1024];
	uint32_t n = (uint32_t)snprintf(b, sizeof(b),
		"SIP/2.0 200 OK\r\n" VIA1 FROM1 "To: <sip:bob@b.example>;tag=t1\r\n" CID1 CSEQ1
		"Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		strlen(SDP), SDP);
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
	SPAN_IS(b, m.body, SDP);
	CU_ASSERT_EQUAL(m.content_length, (int32_t)strlen(SDP));
	CU_ASSERT_EQUAL(parse_n(bye, sizeof(bye) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.cseq_method, SLB_M_BYE);
	CU_ASSERT_EQUAL(m.content_length, -1);
	CU_ASSERT_EQUAL(m.body.len, 0);
}

/* --- line folding, compact forms, case and whitespace --- */

static void
t_folding(void)
{
	static const char b[] =
		"INVITE sip:bob@b.example SIP/2.0\r\n"
		"Via: SIP/2.0/UDP\r\n 192.0.2.7:5070\r\n\t;branch=z9hG4bKfold\r\n"
		"From: <sip:alice@a.example>\r\n ;tag=ff\r\n"
		"To:\r\n <sip:bob@b.example>\r\n"
		"Call-ID:\r\n  fold-1@a.example\r\n"
		"CSeq: 7\r\n INVITE\r\n"
		"Subject: I know you are there,\r\n         pick up the phone\r\n"
		"Max-Forwards:\r\n 70\r\n"
		"\r\n";
	static const char two[] =
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK1,\r\n"
		" SIP/2.0/TCP b.example:5080;branch=z9hG4bK2\r\n"
		"f: <sip:a@a.example>;tag=1\r\nt: <sip:b@b.example>;tag=2\r\n"
		"i: x\r\nCSeq: 1 INVITE\r\n\r\n";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	SPAN_IS(b, m.via_hdr.line,
		"Via: SIP/2.0/UDP\r\n 192.0.2.7:5070\r\n\t;branch=z9hG4bKfold\r\n");
	SPAN_IS(b, m.via[0].transport, "UDP");
	SPAN_IS(b, m.via[0].host, "192.0.2.7");
	CU_ASSERT_EQUAL(m.via[0].port, 5070);
	SPAN_IS(b, m.via[0].branch, "z9hG4bKfold");
	SPAN_IS(b, m.from_tag, "ff");
	SPAN_IS(b, m.call_id, "fold-1@a.example");
	CU_ASSERT_EQUAL(m.cseq, 7);
	CU_ASSERT_EQUAL(m.cseq_method, SLB_M_INVITE);
	CU_ASSERT_EQUAL(m.max_forwards, 70);
	SPAN_IS(b, m.max_fwd, "70");
	CU_ASSERT(m.has_to);
	CU_ASSERT(!m.bare_lf);

	CU_ASSERT_EQUAL_FATAL(parse_n(two, sizeof(two) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.via_count, 2);
	SPAN_IS(two, m.via_hdr.line,
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK1,\r\n"
		" SIP/2.0/TCP b.example:5080;branch=z9hG4bK2\r\n");
	SPAN_IS(two, after_next(&m.via_hdr), "SIP/2.0/TCP b.example:5080;branch=z9hG4bK2\r\n");
	SPAN_IS(two, m.via[1].host, "b.example");
	CU_ASSERT_EQUAL(m.via[1].port, 5080);
}

static void
t_compact(void)
{
	static const char b[] =
		"REGISTER sip:reg.example SIP/2.0\r\n"
		"v: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKc\r\n"
		"f: sip:u@reg.example;tag=fc\r\n"
		"t: sip:u@reg.example\r\n"
		"i: compact-1\r\n"
		"CSeq: 2 REGISTER\r\n"
		"m: <sip:u@192.0.2.9>\r\n"
		"l: 4\r\n"
		"\r\n"
		"abcd";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.method, SLB_M_REGISTER);
	CU_ASSERT_EQUAL(m.via_count, 1);
	SPAN_IS(b, m.via[0].host, "192.0.2.9");
	SPAN_IS(b, m.via_hdr.line, "v: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKc\r\n");
	SPAN_IS(b, m.from_tag, "fc");
	CU_ASSERT(m.has_to);
	CU_ASSERT_EQUAL(m.to_tag.len, 0);
	SPAN_IS(b, m.call_id, "compact-1");
	CU_ASSERT_EQUAL(m.content_length, 4);
	SPAN_IS(b, m.body, "abcd");
	CU_ASSERT(slb_sip_is_initial(&m));
}

static void
t_case_and_colon_space(void)
{
	static const char b[] =
		"OPTIONS sip:x.example SIP/2.0\r\n"
		"VIA: SIP/2.0/UDP h.example\r\n"
		"fRoM: <sip:a@x.example>;TAG=Up\r\n"
		"tO \t: <sip:x.example>\r\n"
		"cALL-iD   :  odd-1  \r\n"
		"cseq: 3 OPTIONS\r\n"
		"MAX-FORWARDS : 10\r\n"
		"Record-ROUTE: <sip:p.example;lr>\r\n"
		"ROUTE: <sip:q.example;lr>\r\n"
		"CONTENT-length:0\r\n"
		"\r\n";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.method, SLB_M_OPTIONS);
	SPAN_IS(b, m.call_id, "odd-1");
	SPAN_IS(b, m.from_tag, "Up");
	CU_ASSERT(m.has_to);
	CU_ASSERT_EQUAL(m.max_forwards, 10);
	CU_ASSERT_EQUAL(m.content_length, 0);
	CU_ASSERT_EQUAL(m.rr_count, 1);
	CU_ASSERT_EQUAL(m.route_count, 1);
	SPAN_IS(b, m.via[0].host, "h.example");
	CU_ASSERT_EQUAL(m.via[0].port, 0);
	CU_ASSERT_EQUAL(m.via[0].branch.len, 0);
}

/* --- Via --- */

static void
t_via_many(void)
{
	static const char b[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP p1.example:5060;branch=z9hG4bKp1, "
		"SIP/2.0/TCP p2.example;branch=z9hG4bKp2 ,SIP/2.0/UDP p3.example\r\n"
		"Via: SIP/2.0/UDP p4.example;branch=z9hG4bKp4\r\n"
		"v: SIP/2.0/UDP p5.example, SIP/2.0/UDP p6.example\r\n"
		FROM1 "To: <sip:b@b.example>;tag=2\r\n" CID1 CSEQ1 "\r\n";
	static const char sep[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP p1.example;branch=z9hG4bKp1\r\n"
		"Via: SIP/2.0/UDP p2.example:5070;branch=z9hG4bKp2;received=10.0.0.2\r\n"
		FROM1 "To: <sip:b@b.example>;tag=2\r\n" CID1 CSEQ1 "\r\n";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.via_count, 6);
	SPAN_IS(b, m.via[0].host, "p1.example");
	SPAN_IS(b, m.via[0].value, "SIP/2.0/UDP p1.example:5060;branch=z9hG4bKp1");
	SPAN_IS(b, m.via[1].value, "SIP/2.0/TCP p2.example;branch=z9hG4bKp2");
	SPAN_IS(b, m.via[1].transport, "TCP");
	SPAN_IS(b, m.via[1].host, "p2.example");
	SPAN_IS(b, m.via[1].branch, "z9hG4bKp2");
	SPAN_IS(b, m.via_hdr.line,
		"Via: SIP/2.0/UDP p1.example:5060;branch=z9hG4bKp1, "
		"SIP/2.0/TCP p2.example;branch=z9hG4bKp2 ,SIP/2.0/UDP p3.example\r\n");
	SPAN_IS(b, after_next(&m.via_hdr),
		"SIP/2.0/TCP p2.example;branch=z9hG4bKp2 ,SIP/2.0/UDP p3.example\r\n");

	/* one value per header: the top header has no second value */
	CU_ASSERT_EQUAL_FATAL(parse_n(sep, sizeof(sep) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.via_count, 2);
	CU_ASSERT_EQUAL(m.via_hdr.next, 0);
	SPAN_IS(sep, m.via_hdr.line, "Via: SIP/2.0/UDP p1.example;branch=z9hG4bKp1\r\n");
	SPAN_IS(sep, m.via[1].host, "p2.example");
	CU_ASSERT_EQUAL(m.via[1].port, 5070);
	SPAN_IS(sep, m.via[1].received, "10.0.0.2");
}

static void
t_via_ipv6_received_rport(void)
{
	static const char v6[] =
		REQ("Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK6"
		";received=[2001:db8::1];rport\r\n",
		CID1, CSEQ1, "");
	static const char v6np[] =
		REQ("Via: SIP/2.0/TLS [::1];branch=z9hG4bK7\r\n", CID1, CSEQ1, "");
	static const char rp[] =
		REQ("Via: SIP/2.0/UDP 10.1.2.3:5060;rport=1234;received=192.0.2.200"
		";branch=z9hG4bKr\r\n",
		CID1, CSEQ1, "");
	struct slb_sip_msg m;
	uint32_t ip;

	CU_ASSERT_EQUAL_FATAL(parse_n(v6, sizeof(v6) - 1, &m), SLB_SIP_OK);
	SPAN_IS(v6, m.via[0].host, "[2001:db8::9]");
	CU_ASSERT_EQUAL(m.via[0].port, 5060);
	SPAN_IS(v6, m.via[0].received, "[2001:db8::1]");
	CU_ASSERT(m.via[0].has_rport);
	CU_ASSERT_EQUAL(m.via[0].rport, 0);
	SPAN_IS(v6, m.via[0].branch, "z9hG4bK6");
	CU_ASSERT_EQUAL(slb_sip_ipv4((const uint8_t *)v6, m.via[0].host, &ip), -1);

	CU_ASSERT_EQUAL_FATAL(parse_n(v6np, sizeof(v6np) - 1, &m), SLB_SIP_OK);
	SPAN_IS(v6np, m.via[0].host, "[::1]");
	SPAN_IS(v6np, m.via[0].transport, "TLS");
	CU_ASSERT_EQUAL(m.via[0].port, 0);

	CU_ASSERT_EQUAL_FATAL(parse_n(rp, sizeof(rp) - 1, &m), SLB_SIP_OK);
	CU_ASSERT(m.via[0].has_rport);
	CU_ASSERT_EQUAL(m.via[0].rport, 1234);
	SPAN_IS(rp, m.via[0].received, "192.0.2.200");
	SPAN_IS(rp, m.via[0].branch, "z9hG4bKr");
	CU_ASSERT_EQUAL(slb_sip_ipv4((const uint8_t *)rp, m.via[0].host, &ip), 0);
	CU_ASSERT_EQUAL(ip, 0x0a010203u);
}

/*
 * The forms the Via parse takes without a scan (a port read as one 8-byte word, "UDP " and
 * ";rport", ";branch=", ";received=" matched whole) and their neighbours, which take the general
 * path: each must give what the grammar says. Last in the header section, the Via's port has
 * fewer than eight bytes after it, so the byte loop reads it.
 */
static void
t_via_fast_forms(void)
{
	static const struct {
		const char *via;   /* the value after "Via: " */
		const char *host;
		uint16_t port;
		bool rport;
		uint16_t rport_val;
		const char *branch; /* NULL: none */
		const char *received;
	} k[] = {
		{"SIP/2.0/UDP h:1;branch=z9hG4bKa", "h", 1, false, 0, "z9hG4bKa", NULL},
		{"SIP/2.0/UDP h:12;rport", "h", 12, true, 0, NULL, NULL},
		{"SIP/2.0/UDP h:123;RPORT", "h", 123, true, 0, NULL, NULL},
		{"SIP/2.0/UDP h:1234;rport;branch=z9hG4bKb", "h", 1234, true, 0, "z9hG4bKb", NULL},
		{"SIP/2.0/UDP h:65535;rportx", "h", 65535, false, 0, NULL, NULL},
		{"SIP/2.0/UDP h:0000005;x", "h", 5, false, 0, NULL, NULL},
		{"SIP/2.0/UDP h:00005060;x", "h", 5060, false, 0, NULL, NULL},
		{"SIP/2.0/UDP h:0000000005060;x", "h", 5060, false, 0, NULL, NULL},
		{"SIP/2.0/UDP h:5060 ;branch=z9hG4bKc", "h", 5060, false, 0, "z9hG4bKc", NULL},
		{"SIP/2.0/UDP h : 5060;branch=z9hG4bKd", "h", 5060, false, 0, "z9hG4bKd", NULL},
		{"SIP/2.0/UDP  \t h:5060", "h", 5060, false, 0, NULL, NULL},
		{"sip/2.0/udp 10.0.0.1:5070;Received=10.9.8.7;rport=5071", "10.0.0.1", 5070, true,
			5071, NULL, "10.9.8.7"},
		{"SIP/2.0/UDP h;received =10.9.8.6;BRANCH= z9hG4bKe", "h", 0, false, 0, "z9hG4bKe",
			"10.9.8.6"},
		{"SIP/2.0/UDP h;branch=\"z9hG4bK;f\";received=[2001:db8::2]", "h", 0, false, 0,
			"\"z9hG4bK;f\"", "[2001:db8::2]"},
		{"SIP/2.0/TCP h:5061;branch=z9hG4bKg", "h", 5061, false, 0, "z9hG4bKg", NULL},
	};
	char b[512];
	struct slb_sip_msg m;
	unsigned int i, last;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		for (last = 0; last < 2; last++) {
			uint32_t n = last ?
				(uint32_t)snprintf(b, sizeof(b), RL_INV FROM1 TO1 CID1 CSEQ1
					"Via: %s\r\n\r\n", k[i].via) :
				(uint32_t)snprintf(b, sizeof(b), RL_INV "Via: %s\r\n" FROM1 TO1
					CID1 CSEQ1 "\r\n", k[i].via);

			if (parse_n(b, n, &m) != SLB_SIP_OK) {
				fprintf(stderr, "\n    Via \"%s\": %s\n", k[i].via,
					slb_sip_err_name(m.err));
				CU_FAIL("a Via of the table was refused");
				continue;
			}
			SPAN_IS(b, m.via[0].value, k[i].via);
			SPAN_IS(b, m.via[0].host, k[i].host);
			CU_ASSERT_EQUAL(m.via[0].port, k[i].port);
			CU_ASSERT_EQUAL(m.via[0].has_rport, k[i].rport);
			CU_ASSERT_EQUAL(m.via[0].rport, k[i].rport_val);
			if (k[i].branch) {
				SPAN_IS(b, m.via[0].branch, k[i].branch);
			} else {
				CU_ASSERT_EQUAL(m.via[0].branch.len, 0);
			}
			if (k[i].received) {
				SPAN_IS(b, m.via[0].received, k[i].received);
			} else {
				CU_ASSERT_EQUAL(m.via[0].received.len, 0);
			}
		}
	}
}

/* --- Route, Record-Route, tags --- */

static void
t_route_rr(void)
{
	static const char two[] =
		REQ_X("Route: <sip:r1.example;lr>,<sip:r2.example:5080;lr>\r\n"
		"Route: <sip:r3.example;lr>\r\n");
	static const char sep[] =
		REQ_X("Route: <sip:r1.example;lr>\r\n"
		"Route: \"Proxy, Two\" <sip:r2.example;lr>\r\n");
	static const char rr[] =
		REQ_X("Record-Route: \"Edge, \\\"West\\\"\" <sip:rr1.example;lr>, "
		"<sip:rr2.example;lr;x=\"a,b\">\r\n"
		"Record-Route: \"<not,a uri>\" <sip:rr3.example;lr>\r\n"
		"Record-Route: <sip:rr4.example;lr?h=a,b>\r\n");
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(two, sizeof(two) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.route_count, 3);
	SPAN_IS(two, m.route_uri[0], "sip:r1.example;lr");
	SPAN_IS(two, m.route_uri[1], "sip:r2.example:5080;lr");
	SPAN_IS(two, m.route_hdr.line, "Route: <sip:r1.example;lr>,<sip:r2.example:5080;lr>\r\n");
	SPAN_IS(two, after_next(&m.route_hdr), "<sip:r2.example:5080;lr>\r\n");
	CU_ASSERT_EQUAL(m.rr_count, 0);

	CU_ASSERT_EQUAL_FATAL(parse_n(sep, sizeof(sep) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.route_count, 2);
	CU_ASSERT_EQUAL(m.route_hdr.next, 0);
	SPAN_IS(sep, m.route_hdr.line, "Route: <sip:r1.example;lr>\r\n");
	SPAN_IS(sep, m.route_uri[1], "sip:r2.example;lr");

	CU_ASSERT_EQUAL_FATAL(parse_n(rr, sizeof(rr) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.rr_count, 4);
	CU_ASSERT_EQUAL(m.route_count, 0);
	CU_ASSERT_EQUAL(m.route_hdr.line.len, 0);
}

static void
t_tags(void)
{
	static const struct {
		const char *to;
		const char *tag; /* NULL: none */
	} c[] = {
		{"To: sip:bob@b.example;tag=abc\r\n", "abc"},
		{"To: sip:bob@b.example;user=phone;tag=abc2\r\n", "abc2"},
		{"To: \"Bob;tag=fake\" <sip:bob@b.example>\r\n", NULL},
		{"To: \"Bob;tag=fake\" <sip:bob@b.example;tag=alsofake>;tag=real\r\n", "real"},
		{"To: <sip:bob@b.example>;TAG=x\r\n", "x"},
		{"To: <sip:bob@b.example>;Tag=mixed\r\n", "mixed"},
		{"To: <sip:bob@b.example>;foo=bar;tag=t1;baz\r\n", "t1"},
		{"To: <sip:bob@b.example> ; tag = t2 \r\n", "t2"},
		{"To: <sip:bob@b.example>;tag=\r\n", NULL},
		{"To: <sip:bob@b.example>;tagx=1\r\n", NULL},
		{"To: <sip:bob@b.example>;xtag=1\r\n", NULL},
		{"To: \"Es\\\"caped;tag=no\" <sip:bob@b.example>;tag=yes\r\n", "yes"},
		{"t: <sip:bob@b.example>;tag=compact\r\n", "compact"},
		{"To: Bob <sip:bob@b.example>\r\n", NULL},
	};
	char b[512];
	struct slb_sip_msg m;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t n = (uint32_t)snprintf(b, sizeof(b),
			RL_INV VIA1 FROM1 "%s" CID1 CSEQ1 "\r\n", c[i].to);

		CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
		CU_ASSERT(m.has_to);
		if (c[i].tag == NULL) {
			if (m.to_tag.len != 0)
				fprintf(stderr, "\n    %s: found tag %.*s\n", c[i].to, m.to_tag.len,
					b + m.to_tag.off);
			CU_ASSERT_EQUAL(m.to_tag.len, 0);
		} else {
			SPAN_IS(b, m.to_tag, c[i].tag);
		}
		SPAN_IS(b, m.from_tag, "f1");
	}
}

/* --- line ends --- */

/* Copy src to dst with CRLF made LF in its first upto bytes; returns the new length. */
static uint32_t
lf_only(char *dst, const char *src, uint32_t n, uint32_t upto)
{
	uint32_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (i < upto && src[i] == '\r' && i + 1 < n && src[i + 1] == '\n')
			continue;
		dst[o++] = src[i];
	}
	return o;
}

static void
t_line_ends(void)
{
	char b[2048], lf[2048];
	uint32_t n = make_invite(b, sizeof(b), ";tag=lf"), k;
	static const char mixed[] =
		"BYE sip:bob@192.0.2.4 SIP/2.0\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKm\r\n"
		"From: <sip:alice@a.example>;tag=f1\n"
		"To: <sip:bob@b.example>;tag=t1\r\n"
		"Call-ID: mixed-1\n"
		"CSeq: 2 BYE\r\n"
		"\n";
	static const char crlf_then_lf[] = RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "\n";
	static const char lead[] = "\r\n\r\n\r\n" REQ_X("");
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, n, &m), SLB_SIP_OK);
	k = lf_only(lf, b, n, m.hdr_end);
	CU_ASSERT_EQUAL_FATAL(parse_n(lf, k, &m), SLB_SIP_OK);
	CU_ASSERT(m.bare_lf);
	SPAN_IS(lf, m.start_line, "INVITE sip:bob@biloxi.example.com:5062;transport=udp SIP/2.0\n");
	SPAN_IS(lf, m.ruri, "sip:bob@biloxi.example.com:5062;transport=udp");
	SPAN_IS(lf, m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	SPAN_IS(lf, m.via[0].branch, "z9hG4bK776asdhds");
	CU_ASSERT_EQUAL(m.via[0].rport, 5066);
	CU_ASSERT_EQUAL(m.via_count, 2);
	SPAN_IS(lf, m.to_tag, "lf");
	SPAN_IS(lf, m.route_uri[1], "sip:sbc.example.net:5070;lr");
	SPAN_IS(lf, m.body, SDP);
	CU_ASSERT_EQUAL(m.max_forwards, 69);

	CU_ASSERT_EQUAL_FATAL(parse_n(mixed, sizeof(mixed) - 1, &m), SLB_SIP_OK);
	CU_ASSERT(m.bare_lf);
	CU_ASSERT_EQUAL(m.method, SLB_M_BYE);
	SPAN_IS(mixed, m.call_id, "mixed-1");
	SPAN_IS(mixed, m.to_tag, "t1");
	CU_ASSERT_EQUAL(m.hdr_end, sizeof(mixed) - 1);

	/* every line CRLF except the empty one */
	CU_ASSERT_EQUAL(parse_n(crlf_then_lf, sizeof(crlf_then_lf) - 1, &m), SLB_SIP_OK);
	CU_ASSERT(m.bare_lf);
	CU_ASSERT_EQUAL(m.hdr_end, sizeof(crlf_then_lf) - 1);
	CU_ASSERT_EQUAL(m.body.len, 0);

	/* §7.5: CRLFs before the start line are skipped */
	CU_ASSERT_EQUAL_FATAL(parse_n(lead, sizeof(lead) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.start_line.off, 6);
	SPAN_IS(lead, m.start_line, RL_INV);
	SPAN_IS(lead, m.call_id, "c1@a.example");
	CU_ASSERT(!m.bare_lf);
}

/* --- body and Content-Length --- */

static void
t_body(void)
{
	static const char extra[] =
		RL_INV VIA1 FROM1 TO1 CID1 CSEQ1
		"Content-Length: 4\r\n\r\nabcdEXTRA";
	static const char nocl[] = RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "\r\nhello, world";
	static const char shortb[] =
		RL_INV VIA1 FROM1 TO1 CID1 CSEQ1
		"Content-Length: 10\r\n\r\nhello";
	static const char zero[] = RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "Content-Length: 0\r\n\r\n";
	static const char inbody[] =
		RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "l: 27\r\n\r\n"
		"Call-ID: evil\r\nVia: x\r\n\r\n\0\0";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL(parse_n(extra, sizeof(extra) - 1, &m), SLB_SIP_OK);
	SPAN_IS(extra, m.body, "abcd");
	CU_ASSERT(m.extra_bytes);
	CU_ASSERT_EQUAL(m.content_length, 4);

	CU_ASSERT_EQUAL(parse_n(nocl, sizeof(nocl) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.content_length, -1);
	SPAN_IS(nocl, m.body, "hello, world");
	CU_ASSERT(!m.extra_bytes);

	CU_ASSERT_EQUAL(parse_n(shortb, sizeof(shortb) - 1, &m), SLB_SIP_E_BODY_SHORT);
	CU_ASSERT_EQUAL(m.content_length, 10);
	SPAN_IS(shortb, m.body, "hello");
	SPAN_IS(shortb, m.call_id, "c1@a.example");

	CU_ASSERT_EQUAL(parse_n(zero, sizeof(zero) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.body.len, 0);
	CU_ASSERT_EQUAL(m.body.off, sizeof(zero) - 1);
	CU_ASSERT(!m.extra_bytes);

	/* header-looking lines and NULs in the body are the body's business */
	CU_ASSERT_EQUAL(parse_n(inbody, sizeof(inbody) - 1, &m), SLB_SIP_OK);
	SPAN_IS(inbody, m.call_id, "c1@a.example");
	CU_ASSERT_EQUAL(m.via_count, 1);
	CU_ASSERT_EQUAL(m.body.len, 27);
}

/* --- the table of messages and the error each one must give --- */

#define CASE(name, lit, err) {name, lit, sizeof(lit) - 1, SLB_SIP_##err}

static const struct err_case {
	const char *name;
	const char *bytes;
	uint32_t len;
	enum slb_sip_err err;
} err_cases[] = {
	/* fine */
	CASE("minimal INVITE", REQ_X(""), OK),
	CASE("Max-Forwards 0", REQ_X("Max-Forwards: 0\r\n"), OK),
	CASE("Max-Forwards 255", REQ_X("Max-Forwards: 255\r\n"), OK),
	CASE("equal Call-IDs", REQ(VIA1, CID1 "i:  c1@a.example \r\n", CSEQ1, ""), OK),
	CASE("equal Content-Lengths", REQ_X("Content-Length: 0\r\nl: 0\r\n"), OK),
	CASE("third Via is only counted", REQ(VIA1 VIA1 "Via: not a via\r\n", CID1, CSEQ1, ""), OK),
	CASE("CSeq 2^31-1", REQ(VIA1, CID1, "CSeq: 2147483647 INVITE\r\n", ""), OK),
	CASE("underscore in the Via host",
		REQ("Via: SIP/2.0/UDP my_host.example;branch=z9hG4bKu\r\n", CID1, CSEQ1, ""), OK),
	CASE("token chars in a name", REQ_X("X-Odd.Name_~!%*+`': v\r\n"), OK),
	CASE("UTF-8 in a value", REQ_X("Subject: caf\xc3\xa9\r\n"), OK),
	CASE("NUL in the body",
		RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "Content-Length: 3\r\n\r\na\0b", OK),
	CASE("response without Content-Length",
		"SIP/2.0 200 OK\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n", OK),
	CASE("unknown method", "FOO sip:bob@b.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1
		"CSeq: 1 FOO\r\n\r\n", OK),
	CASE("lower-case version", "INVITE sip:bob@b.example sip/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1
		"\r\n", OK),
	/* not SIP */
	CASE("zero bytes", "", E_EMPTY),
	CASE("keep-alive", "\r\n\r\n", E_EMPTY),
	CASE("a lone LF", "\n", E_EMPTY),
	CASE("only whitespace", " \t\r\n  ", E_EMPTY),
	CASE("NUL in the method", "INV\0ITE sip:bob@b.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1
		"\r\n", E_BINARY),
	CASE("control byte in the start line", "INVITE sip:bob@b.example\x01 SIP/2.0\r\n" VIA1 FROM1
		TO1 CID1 CSEQ1 "\r\n", E_BINARY),
	CASE("CR inside the start line",
		"INVITE sip:bob@b.example\r SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n",
		E_BINARY),
	CASE("NUL in the Call-ID", REQ(VIA1, "Call-ID: c1\0x@a.example\r\n", CSEQ1, ""), E_BINARY),
	CASE("NUL in a header name", REQ_X("X-N\0ame: v\r\n"), E_BINARY),
	CASE("NUL as a whole value", REQ_X("Subject: \0\r\n"), E_BINARY),
	CASE("NUL instead of a line", REQ_X("\0\r\n"), E_BINARY),
	CASE("text", "hello world\r\n\r\n", E_START_LINE),
	CASE("method alone", "INVITE\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n", E_START_LINE),
	CASE("no version", "INVITE sip:bob@b.example\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n",
		E_START_LINE),
	CASE("two spaces", "INVITE  sip:bob@b.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n",
		E_START_LINE),
	CASE("bad method char", "INV<ITE sip:bob@b.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1
		"\r\n", E_START_LINE),
	CASE("HTTP request", "GET / HTTP/1.1\r\nHost: b.example\r\n\r\n", E_START_LINE),
	CASE("HTTP response", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", E_START_LINE),
	CASE("request SIP/3.0", "INVITE sip:bob@b.example SIP/3.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1
		"\r\n", E_VERSION),
	CASE("response SIP/3.0", "SIP/3.0 200 OK\r\n" RESP_HDRS, E_VERSION),
	CASE("response SIP/2.00", "SIP/2.00 200 OK\r\n" RESP_HDRS, E_VERSION),
	CASE("status 099", "SIP/2.0 099 Early\r\n" RESP_HDRS, E_STATUS),
	CASE("status 700", "SIP/2.0 700 Late\r\n" RESP_HDRS, E_STATUS),
	CASE("status 2x0", "SIP/2.0 2x0 OK\r\n" RESP_HDRS, E_STATUS),
	CASE("status 20", "SIP/2.0 20 OK\r\n" RESP_HDRS, E_STATUS),
	CASE("status 2000", "SIP/2.0 2000 OK\r\n" RESP_HDRS, E_STATUS),
	CASE("status missing", "SIP/2.0 OK\r\n" RESP_HDRS, E_STATUS),
	CASE("version alone", "SIP/2.0\r\n" RESP_HDRS, E_STATUS),
	/* cut short */
	CASE("no empty line", RL_INV VIA1 FROM1 TO1 CID1 CSEQ1, E_TRUNCATED),
	CASE("cut inside a header", RL_INV VIA1 FROM1 "To: <sip:bo", E_TRUNCATED),
	CASE("cut after the CR of the empty line", RL_INV VIA1 FROM1 TO1 CID1 CSEQ1 "\r",
		E_TRUNCATED),
	CASE("cut inside a folded header", RL_INV VIA1 "From: <sip:a@a.example>\r\n ", E_TRUNCATED),
	CASE("request line alone, no LF", "INVITE sip:bob@b.example SIP/2.0", E_TRUNCATED),
	CASE("status line alone, no LF", "SIP/2.0 180 Ringing", E_TRUNCATED),
	CASE("request line alone", RL_INV, E_TRUNCATED),
	CASE("cut in the method", "INVI", E_START_LINE),
	CASE("cut in the request URI", "INVITE sip:bo", E_START_LINE),
	CASE("cut in the version", "INVITE sip:bob@b.example SIP/2", E_VERSION),
	CASE("cut in the status", "SIP/2.0 1", E_STATUS),
	/* no Call-ID or two */
	CASE("no Call-ID", REQ(VIA1, "", CSEQ1, ""), E_NO_CALLID),
	CASE("empty Call-ID", REQ(VIA1, "Call-ID:   \r\n", CSEQ1, ""), E_NO_CALLID),
	CASE("no header at all", "INVITE sip:bob@b.example SIP/2.0\r\n\r\n", E_NO_CALLID),
	CASE("two Call-IDs", REQ(VIA1, CID1 "Call-ID: c2@a.example\r\n", CSEQ1, ""), E_DUP_CALLID),
	CASE("Call-IDs differ in case", REQ(VIA1, CID1 "i: C1@a.example\r\n", CSEQ1, ""),
		E_DUP_CALLID),
	/* Via */
	CASE("no Via", REQ("", CID1, CSEQ1, ""), E_NO_VIA),
	CASE("empty Via", REQ("Via: \r\n", CID1, CSEQ1, ""), E_NO_VIA),
	CASE("Via without transport slash",
		REQ("Via: SIP/2.0 UDP host.example\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via without protocol", REQ("Via: UDP host.example\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via SIP/3.0", REQ("Via: SIP/3.0/UDP host.example\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via without host", REQ("Via: SIP/2.0/UDP\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via with empty host", REQ("Via: SIP/2.0/UDP :5060;branch=z9hG4bK1\r\n", CID1, CSEQ1,
		""), E_VIA),
	CASE("Via port 0", REQ("Via: SIP/2.0/UDP h.example:0\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via port 70000", REQ("Via: SIP/2.0/UDP h.example:70000\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via port 65536", REQ("Via: SIP/2.0/UDP h.example:65536\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via colon no port", REQ("Via: SIP/2.0/UDP h.example:;branch=x\r\n", CID1, CSEQ1, ""),
		E_VIA),
	CASE("Via trailing semicolon",
		REQ("Via: SIP/2.0/UDP h.example;\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via rport=0", REQ("Via: SIP/2.0/UDP h.example;rport=0\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via rport=x", REQ("Via: SIP/2.0/UDP h.example;rport=x\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via port of eight digits 99999999",
		REQ("Via: SIP/2.0/UDP h.example:99999999\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via port 0000065536", REQ("Via: SIP/2.0/UDP h:0000065536\r\n", CID1, CSEQ1, ""),
		E_VIA),
	CASE("Via branch empty",
		REQ("Via: SIP/2.0/UDP h.example;branch=;rport\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via received empty",
		REQ("Via: SIP/2.0/UDP h.example;received=;rport\r\n", CID1, CSEQ1, ""), E_VIA),
	/* unclosed, they would swallow the received and rport the rewrite appends */
	CASE("Via param unclosed quote",
		REQ("Via: SIP/2.0/UDP h.example;x=\"a;b\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via param quote ends escaped",
		REQ("Via: SIP/2.0/UDP h.example;x=\"a\\\"\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via param unclosed bracket",
		REQ("Via: SIP/2.0/UDP h.example;received=[2001:db8::1;b=1\r\n", CID1, CSEQ1, ""),
		E_VIA),
	CASE("Via junk after host", REQ("Via: SIP/2.0/UDP h.example junk\r\n", CID1, CSEQ1, ""),
		E_VIA),
	CASE("Via unclosed IPv6", REQ("Via: SIP/2.0/UDP [2001:db8::1:5060\r\n", CID1, CSEQ1, ""),
		E_VIA),
	CASE("Via empty value between commas", REQ("Via: SIP/2.0/UDP a.example, , SIP/2.0/UDP "
		"b.example\r\n", CID1, CSEQ1, ""), E_VIA),
	CASE("Via without space before host", REQ("Via: SIP/2.0/UDP[::1]:5060\r\n", CID1, CSEQ1,
		""), E_VIA),
	CASE("second Via bad", REQ(VIA1 "Via: SIP/2.0 UDP h.example\r\n", CID1, CSEQ1, ""), E_VIA),
	/* Content-Length and body */
	CASE("Content-Length not a number", REQ_X("Content-Length: abc\r\n"), E_CLEN),
	CASE("Content-Length empty", REQ_X("Content-Length: \r\n"), E_CLEN),
	CASE("Content-Length negative", REQ_X("Content-Length: -1\r\n"), E_CLEN),
	CASE("Content-Length 70000", REQ_X("Content-Length: 70000\r\n"), E_CLEN),
	CASE("two Content-Lengths differ", REQ_X("Content-Length: 0\r\nl: 1\r\n") "x", E_CLEN),
	CASE("body shorter than Content-Length", REQ_X("Content-Length: 10\r\n") "hello",
		E_BODY_SHORT),
	/* soft: forwarded by Call-ID */
	CASE("line without colon", REQ_X("this line has no colon\r\n"), E_HEADER),
	CASE("empty header name", REQ_X(": v\r\n"), E_HEADER),
	CASE("header line starting with space", RL_INV " Subject: x\r\n" VIA1 FROM1 TO1 CID1 CSEQ1
		"\r\n", E_HEADER),
	CASE("bad char in a header name", REQ_X("X(Y): v\r\n"), E_HEADER),
	CASE("no CSeq", REQ(VIA1, CID1, "", ""), E_NO_CSEQ),
	CASE("CSeq without number", REQ(VIA1, CID1, "CSeq: INVITE\r\n", ""), E_CSEQ),
	CASE("CSeq without method", REQ(VIA1, CID1, "CSeq: 1\r\n", ""), E_CSEQ),
	CASE("CSeq without space", REQ(VIA1, CID1, "CSeq: 1INVITE\r\n", ""), E_CSEQ),
	CASE("CSeq negative", REQ(VIA1, CID1, "CSeq: -1 INVITE\r\n", ""), E_CSEQ),
	CASE("CSeq 2^31", REQ(VIA1, CID1, "CSeq: 2147483648 INVITE\r\n", ""), E_CSEQ),
	CASE("CSeq method mismatch", REQ(VIA1, CID1, "CSeq: 1 BYE\r\n", ""), E_CSEQ),
	CASE("CSeq method longer", REQ(VIA1, CID1, "CSeq: 1 INVITEX\r\n", ""), E_CSEQ),
	CASE("CSeq method shorter", REQ(VIA1, CID1, "CSeq: 1 INV\r\n", ""), E_CSEQ),
	CASE("CSeq method case differs", REQ(VIA1, CID1, "CSeq: 1 invite\r\n", ""), E_CSEQ),
	CASE("CSeq method not a token", REQ(VIA1, CID1, "CSeq: 1 INV@ITE\r\n", ""), E_CSEQ),
	CASE("CSeq method other than the request's other",
		"FOO sip:x.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 "CSeq: 1 BAR\r\n\r\n", E_CSEQ),
	CASE("CSeq method known, the request's other",
		"FOO sip:x.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 CSEQ1 "\r\n", E_CSEQ),
	CASE("request method not a token",
		"F@O sip:x.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 "CSeq: 1 F@O\r\n\r\n",
		E_START_LINE),
	CASE("two CSeqs", REQ(VIA1, CID1, CSEQ1 CSEQ1, ""), E_CSEQ),
	CASE("Max-Forwards not a number", REQ_X("Max-Forwards: abc\r\n"), E_MAX_FWD),
	CASE("Max-Forwards empty", REQ_X("Max-Forwards:\r\n"), E_MAX_FWD),
	CASE("Max-Forwards negative", REQ_X("Max-Forwards: -1\r\n"), E_MAX_FWD),
	CASE("Max-Forwards two numbers", REQ_X("Max-Forwards: 70 70\r\n"), E_MAX_FWD),
	CASE("Max-Forwards 40000", REQ_X("Max-Forwards: 40000\r\n"), E_MAX_FWD),
	CASE("two Max-Forwards", REQ_X("Max-Forwards: 70\r\nMax-Forwards: 70\r\n"), E_MAX_FWD),
	CASE("no From", RL_INV VIA1 TO1 CID1 CSEQ1 "\r\n", E_NO_FROM_TO),
	CASE("no To", RL_INV VIA1 FROM1 CID1 CSEQ1 "\r\n", E_NO_FROM_TO),
};

static void
t_error_table(void)
{
	const unsigned int nb_cases = sizeof(err_cases) / sizeof(err_cases[0]);
	/* every result the parser can give has a row, but TOO_LONG: t_huge needs 64 KB for it */
	const uint32_t all = ((1u << SLB_SIP_E__COUNT) - 1) & ~(1u << SLB_SIP_E_TOO_LONG);
	struct slb_sip_msg m;
	uint32_t covered = 0, got = 0;
	unsigned int i, matched = 0;

	static_assert(SLB_SIP_E__COUNT <= 32, "the coverage mask is 32 bits");
	for (i = 0; i < nb_cases; i++) {
		const struct err_case *c = &err_cases[i];

		expect_err(c->name, c->bytes, c->len, c->err, &m);
		covered |= 1u << c->err;
		got |= 1u << m.err;
		matched += m.err == c->err;
		/* the policy forwards soft errors by Call-ID: there must be one, and a Via */
		if (m.err == c->err && slb_sip_policy(c->err) == SLB_SIP_ACT_CALLID) {
			CU_ASSERT(m.call_id.len > 0);
			CU_ASSERT(m.via_count >= 1);
		}
	}
	CU_ASSERT_EQUAL(matched, nb_cases);
	CU_ASSERT_EQUAL(covered, all);
	CU_ASSERT_EQUAL(got, all);
}

/* A soft error in one header does not stop the parser finding the rest. */
static void
t_soft_header_error(void)
{
	static const char b[] =
		"INVITE sip:bob@b.example SIP/2.0\r\n" VIA1 FROM1
		"This is not a header\r\n" TO1 CID1 CSEQ1 "Max-Forwards: 5\r\n\r\n";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_E_HEADER);
	CU_ASSERT_EQUAL(m.err_off, strstr(b, "This is") - b);
	SPAN_IS(b, m.call_id, "c1@a.example");
	CU_ASSERT_EQUAL(m.via_count, 1);
	SPAN_IS(b, m.via[0].branch, "z9hG4bKa1");
	CU_ASSERT_EQUAL(m.max_forwards, 5);
	CU_ASSERT(m.has_to);
	CU_ASSERT_EQUAL(m.cseq_method, SLB_M_INVITE);
	CU_ASSERT_EQUAL(m.hdr_end, sizeof(b) - 1);
	CU_ASSERT_EQUAL(slb_sip_policy(m.err), SLB_SIP_ACT_CALLID);
}

static void
t_methods(void)
{
	static const struct {
		const char *name;
		enum slb_sip_method m;
	} k[] = {
		{"INVITE", SLB_M_INVITE}, {"ACK", SLB_M_ACK}, {"BYE", SLB_M_BYE},
		{"CANCEL", SLB_M_CANCEL}, {"OPTIONS", SLB_M_OPTIONS},
		{"REGISTER", SLB_M_REGISTER}, {"PRACK", SLB_M_PRACK},
		{"SUBSCRIBE", SLB_M_SUBSCRIBE}, {"NOTIFY", SLB_M_NOTIFY},
		{"PUBLISH", SLB_M_PUBLISH}, {"INFO", SLB_M_INFO}, {"REFER", SLB_M_REFER},
		{"MESSAGE", SLB_M_MESSAGE}, {"UPDATE", SLB_M_UPDATE},
		{"FOO", SLB_M_OTHER}, {"invite", SLB_M_OTHER}, {"INVITEX", SLB_M_OTHER},
		{"NEW-METHOD.1", SLB_M_OTHER},
	};
	char b[512];
	struct slb_sip_msg m;
	unsigned int i;

	CU_ASSERT_EQUAL(sizeof(k) / sizeof(k[0]) - 4, SLB_M__COUNT - 2);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint32_t n = (uint32_t)snprintf(b, sizeof(b),
			"%s sip:x.example SIP/2.0\r\n" VIA1 FROM1 TO1 CID1 "CSeq: 9 %s\r\n\r\n",
			k[i].name, k[i].name);

		CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
		CU_ASSERT_EQUAL(m.method, k[i].m);
		CU_ASSERT_EQUAL(m.cseq_method, k[i].m);
		SPAN_IS(b, m.method_str, k[i].name);
		SPAN_IS(b, m.cseq_method_str, k[i].name);
		if (k[i].m == SLB_M_OTHER) {
			CU_ASSERT_PTR_NULL(slb_sip_method_name(k[i].m));
		} else {
			CU_ASSERT_STRING_EQUAL(slb_sip_method_name(k[i].m), k[i].name);
		}
	}
	CU_ASSERT_PTR_NULL(slb_sip_method_name(SLB_M_NONE));
}

/* --- sizes --- */

static void
t_huge(void)
{
	const uint32_t big = 60000;
	char *b = malloc(SLB_SIP_MAX_LEN + 2);
	const char *head = REQ_X("");
	uint32_t hl = (uint32_t)strlen(head) - 2, n, clen; /* hl: without the empty line */
	struct slb_sip_msg m;

	CU_ASSERT_FATAL(b != NULL);

	/* one 60 KB header */
	memcpy(b, head, hl);
	n = hl;
	memcpy(b + n, "Subject: ", 9);
	n += 9;
	memset(b + n, 'a', big);
	n += big;
	memcpy(b + n, "\r\n\r\n", 4);
	n += 4;
	CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.hdr_end, n);

	/* a 30 KB Call-ID */
	n = (uint32_t)snprintf(b, SLB_SIP_MAX_LEN, RL_INV VIA1 FROM1 TO1 CSEQ1 "Call-ID: ");
	memset(b + n, 'c', 30000);
	n += 30000;
	memcpy(b + n, "\r\n\r\n", 4);
	n += 4;
	CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.call_id.len, 30000);

	/* exactly SLB_SIP_MAX_LEN bytes, the last span ending on the last byte */
	memcpy(b, head, hl);
	n = hl;
	memcpy(b + n, "X-Pad: ", 7);
	n += 7;
	memset(b + n, 'p', SLB_SIP_MAX_LEN - n - 4);
	memcpy(b + SLB_SIP_MAX_LEN - 4, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(parse_n(b, SLB_SIP_MAX_LEN, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.hdr_end, SLB_SIP_MAX_LEN);
	CU_ASSERT_EQUAL(m.body.off, SLB_SIP_MAX_LEN);
	CU_ASSERT_EQUAL(m.body.len, 0);

	/* and the same with a body reaching the last byte ("Content-Length: NNNNN" + 2 CRLF) */
	n = (uint32_t)snprintf(b, 1024, "%s", head) - 2;
	clen = SLB_SIP_MAX_LEN - n - 25;
	n += (uint32_t)snprintf(b + n, 1024, "Content-Length: %u\r\n\r\n", clen);
	CU_ASSERT_EQUAL(n + clen, SLB_SIP_MAX_LEN);
	CU_ASSERT_FATAL(n < SLB_SIP_MAX_LEN);
	memset(b + n, 'B', SLB_SIP_MAX_LEN - n);
	CU_ASSERT_EQUAL(parse_n(b, SLB_SIP_MAX_LEN, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL((uint32_t)m.body.off + m.body.len, SLB_SIP_MAX_LEN);
	CU_ASSERT(!m.extra_bytes);

	/* one byte more is refused before anything is read */
	b[SLB_SIP_MAX_LEN] = '\n';
	CU_ASSERT_EQUAL(parse_n(b, SLB_SIP_MAX_LEN + 1, &m), SLB_SIP_E_TOO_LONG);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)b, UINT32_MAX, &m), SLB_SIP_E_TOO_LONG);
	free(b);
}

/*
 * The parser is linear in the message: 60 KB of short headers, of Via values, of Record-Route
 * values in one header and of folded lines all parse (repeatedly) without blowing up. No clock:
 * a quadratic parser would show up as a test run that takes minutes.
 */
static void
t_linear(void)
{
	static const char *const unit[] = {
		"X: y\r\n",
		"v: SIP/2.0/UDP h\r\n",
		NULL, /* Record-Route values, one header */
		"Subject: x\r\n ", /* folding: one header made of many lines */
	};
	char *b = malloc(SLB_SIP_MAX_LEN);
	struct slb_sip_msg m;
	unsigned int k, rep;

	CU_ASSERT_FATAL(b != NULL);
	for (k = 0; k < sizeof(unit) / sizeof(unit[0]); k++) {
		uint32_t n = (uint32_t)snprintf(b, 1024, "%s", REQ_X(""));
		uint32_t units = 0;

		n -= 2;
		if (k == 2) {
			memcpy(b + n, "Record-Route: <sip:a>", 21);
			n += 21;
			units = 1;
			while (n + 12 + 4 < 61440) {
				memcpy(b + n, ",<sip:a;lr>", 11);
				n += 11;
				units++;
			}
		} else if (k == 3) {
			memcpy(b + n, "Subject: x", 10);
			n += 10;
			while (n + 5 + 4 < 61440) {
				memcpy(b + n, "\r\n y", 4);
				n += 4;
				units++;
			}
		} else {
			size_t ul = strlen(unit[k]);

			while (n + ul + 2 < 61440) {
				memcpy(b + n, unit[k], ul);
				n += (uint32_t)ul;
				units++;
			}
		}
		memcpy(b + n, k >= 2 ? "\r\n\r\n" : "\r\n", k >= 2 ? 4 : 2);
		n += k >= 2 ? 4 : 2;
		for (rep = 0; rep < 50; rep++)
			CU_ASSERT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
		/* 60 KB of units changed nothing else the parser found */
		CU_ASSERT_EQUAL(m.hdr_end, n);
		SPAN_IS(b, m.call_id, "c1@a.example");
		CU_ASSERT_EQUAL(m.cseq, 1);
		CU_ASSERT_EQUAL(m.cseq_method, SLB_M_INVITE);
		CU_ASSERT(m.has_from && m.has_to);
		SPAN_IS(b, m.via[0].branch, "z9hG4bKa1");
		if (k != 1)
			CU_ASSERT_EQUAL(m.via_count, 1);
		if (k != 2)
			CU_ASSERT_EQUAL(m.rr_count, 0);
		if (k == 1)
			CU_ASSERT_EQUAL(m.via_count, units + 1);
		if (k == 2)
			CU_ASSERT_EQUAL(m.rr_count, units);
	}
	free(b);
}

/* --- random bytes --- */

static uint32_t
xorshift32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/*
 * Random bytes never parse as SIP; random SIP-ish text and mutated real messages may, but every
 * span stays inside the buffer (parse_n copies into an exact-size buffer for sanitizer builds).
 */
static void
t_garbage(void)
{
	static const char alpha[] =
		"SIP/2.0 INVITEsip:@;,<>\"\\=:\r\n\r\n \tViaCall-IDi v0123456789";
	char ref[2048], b[2048];
	uint32_t refn = make_invite(ref, sizeof(ref), ";tag=g"), seed = 0x5eed1234u;
	struct slb_sip_msg m;
	unsigned int it, j;

	for (it = 0; it < 20000; it++) {
		uint32_t n = xorshift32(&seed) % 700;

		for (j = 0; j < n; j++)
			b[j] = (char)xorshift32(&seed);
		CU_ASSERT_NOT_EQUAL(parse_n(b, n, &m), SLB_SIP_OK);
	}
	for (it = 0; it < 20000; it++) {
		uint32_t n = xorshift32(&seed) % 700;

		for (j = 0; j < n; j++)
			b[j] = alpha[xorshift32(&seed) % (sizeof(alpha) - 1)];
		parse_n(b, n, &m);
	}
	for (it = 0; it < 20000; it++) {
		uint32_t n = refn, flips = 1 + xorshift32(&seed) % 8;

		memcpy(b, ref, refn);
		for (j = 0; j < flips; j++) {
			uint32_t at = xorshift32(&seed) % n, r = xorshift32(&seed);

			b[at] = (r & 1) ? (char)(r >> 8) : alpha[(r >> 8) % (sizeof(alpha) - 1)];
		}
		if (xorshift32(&seed) & 1)
			n = xorshift32(&seed) % (refn + 1);
		parse_n(b, n, &m);
	}
}

/* --- torture-test style messages (in the spirit of RFC 4475, written for these tests) --- */

static void
t_torture_whitespace(void)
{
	static const char b[] =
		"OPTIONS sip:carol@chicago.example.com;weird-param SIP/2.0\r\n"
		"tO  :\r\n <sip:carol@chicago.example.com>  ;  tAg  =  to-777\r\n"
		"FROM:\t\"Lee \\\"the \\\\ Quoter\\\" ;tag=no\"\t<sip:lee@example.org>"
		"\r\n ;\r\n\ttag = fr-12\r\n"
		"Max-Forwards:\t0009\r\n"
		"cAll-Id :\r\n\t ws-torture.1@192.0.2.44  \r\n"
		"CSEQ : 00042\r\n\tOPTIONS\r\n"
		"VIA : SIP / 2.0\r\n / UDP\r\n   192.0.2.44 : 5061 ; branch = z9hG4bKws1"
		" ; rport\r\n"
		"X-Empty-Ish: ;;,,;;\r\n"
		"X-Nothing:\r\n"
		"l :   0\r\n"
		"\r\n";
	struct slb_sip_msg m;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.method, SLB_M_OPTIONS);
	SPAN_IS(b, m.ruri, "sip:carol@chicago.example.com;weird-param");
	SPAN_IS(b, m.to_tag, "to-777");
	SPAN_IS(b, m.from_tag, "fr-12");
	CU_ASSERT_EQUAL(m.max_forwards, 9);
	SPAN_IS(b, m.max_fwd, "0009");
	SPAN_IS(b, m.call_id, "ws-torture.1@192.0.2.44");
	CU_ASSERT_EQUAL(m.cseq, 42);
	CU_ASSERT_EQUAL(m.cseq_method, SLB_M_OPTIONS);
	SPAN_IS(b, m.via[0].transport, "UDP");
	SPAN_IS(b, m.via[0].host, "192.0.2.44");
	CU_ASSERT_EQUAL(m.via[0].port, 5061);
	SPAN_IS(b, m.via[0].branch, "z9hG4bKws1");
	CU_ASSERT(m.via[0].has_rport);
	CU_ASSERT_EQUAL(m.content_length, 0);
}

static void
t_torture_quoted_and_escaped(void)
{
	static const char b[] =
		"MESSAGE sip:%61lice@atlanta.example.com;transport=udp SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKq;x=\"a;b,c\\\"d\"\r\n"
		"Via: SIP/2.0/UDP 192.0.2.6;branch=z9hG4bKq2\r\n"
		"From: \"\\\\\\\"<sip:fake@x>;tag=nope\" <sip:bob@biloxi.example.com>"
		";tag=q-1\r\n"
		"To: \"Alice, of \\\"Atlanta\\\"\" <sip:alice@atlanta.example.com>\r\n"
		"Route: \"Odd \\\"<sip:x;lr>\\\", proxy\" <sip:r1.example;lr>, "
		"<sip:r2.example;lr>\r\n"
		"Call-ID: q%40ueer!id.~`'+*_-@192.0.2.5\r\n"
		"CSeq: 1 MESSAGE\r\n"
		"Content-Type: text/plain; charset=\"utf-8\"\r\n"
		"Content-Length: 7\r\n"
		"\r\n"
		"Hi \xe2\x9c\x93\n";
	struct slb_sip_msg m;
	struct slb_span host;
	uint16_t port;
	bool lr;

	CU_ASSERT_EQUAL_FATAL(parse_n(b, sizeof(b) - 1, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.method, SLB_M_MESSAGE);
	CU_ASSERT_EQUAL(m.via_count, 2);
	SPAN_IS(b, m.via[0].branch, "z9hG4bKq");
	SPAN_IS(b, m.via[1].host, "192.0.2.6");
	SPAN_IS(b, m.from_tag, "q-1");
	CU_ASSERT_EQUAL(m.to_tag.len, 0);
	CU_ASSERT_EQUAL(m.route_count, 2);
	SPAN_IS(b, m.route_uri[0], "sip:r1.example;lr");
	SPAN_IS(b, m.route_uri[1], "sip:r2.example;lr");
	SPAN_IS(b, m.call_id, "q%40ueer!id.~`'+*_-@192.0.2.5");
	SPAN_IS(b, m.body, "Hi \xe2\x9c\x93\n");
	CU_ASSERT_EQUAL(slb_sip_uri_hostport((const uint8_t *)b, m.ruri, &host, &port, &lr), 0);
	SPAN_IS(b, host, "atlanta.example.com");
}

static void
t_torture_long_values(void)
{
	char *b = malloc(16384);
	int n;
	char tag[2001], branch[1001], cid[4001], meth[201];
	struct slb_sip_msg m;

	CU_ASSERT_FATAL(b != NULL);
	memset(tag, 't', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = 0;
	memset(branch, 'b', sizeof(branch) - 1);
	branch[sizeof(branch) - 1] = 0;
	memset(cid, 'c', sizeof(cid) - 1);
	cid[sizeof(cid) - 1] = 0;
	memset(meth, 'M', sizeof(meth) - 1);
	meth[sizeof(meth) - 1] = 0;
	n = snprintf(b, 16384,
		"%s sip:x.example SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h.example;branch=z9hG4bK%s\r\n"
		"From: <sip:a@a.example>;tag=%s\r\n"
		"To: <sip:b@b.example>;tag=%s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 2147483647 %s\r\n"
		"\r\n",
		meth, branch, tag, tag, cid, meth);
	CU_ASSERT_FATAL(n > 0 && n < 16384);
	CU_ASSERT_EQUAL_FATAL(parse_n(b, (uint32_t)n, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.method, SLB_M_OTHER);
	CU_ASSERT_EQUAL(m.method_str.len, 200);
	CU_ASSERT_EQUAL(m.via[0].branch.len, 1007);
	CU_ASSERT_EQUAL(m.from_tag.len, 2000);
	CU_ASSERT_EQUAL(m.to_tag.len, 2000);
	CU_ASSERT_EQUAL(m.call_id.len, 4000);
	CU_ASSERT_EQUAL(m.cseq, 2147483647u);
	free(b);
}

/* --- the error table and the policy --- */

static void
t_err_names_policy(void)
{
	unsigned int i, j;

	for (i = 0; i < SLB_SIP_E__COUNT; i++) {
		const char *n = slb_sip_err_name(i), *r = slb_sip_err_reason(i);

		CU_ASSERT_FATAL(n != NULL && r != NULL);
		CU_ASSERT(n[0] != '\0');
		CU_ASSERT(r[0] != '\0');
		CU_ASSERT_STRING_NOT_EQUAL(n, "unknown");
		for (j = 0; j < i; j++) {
			CU_ASSERT_STRING_NOT_EQUAL(n, slb_sip_err_name(j));
			CU_ASSERT_STRING_NOT_EQUAL(r, slb_sip_err_reason(j));
		}
	}
	CU_ASSERT_STRING_EQUAL(slb_sip_err_name(SLB_SIP_OK), "ok");
	CU_ASSERT_STRING_EQUAL(slb_sip_err_name(SLB_SIP_E_TRUNCATED), "truncated");
	CU_ASSERT_STRING_EQUAL(slb_sip_err_name(SLB_SIP_E__COUNT), "unknown");
	CU_ASSERT_PTR_NOT_NULL(slb_sip_err_reason(SLB_SIP_E__COUNT));

	/* no error: forward */
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_OK), SLB_SIP_ACT_FORWARD);
	/* not SIP, or the balancer cannot pin by Call-ID or route back by Via: drop */
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_EMPTY), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_TOO_LONG), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_BINARY), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_START_LINE), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_VERSION), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_STATUS), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_TRUNCATED), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_NO_CALLID), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_DUP_CALLID), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_NO_VIA), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_VIA), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_CLEN), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_BODY_SHORT), SLB_SIP_ACT_DROP);
	/* soft: pin by Call-ID and let the backend answer 400 */
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_HEADER), SLB_SIP_ACT_CALLID);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_NO_CSEQ), SLB_SIP_ACT_CALLID);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_CSEQ), SLB_SIP_ACT_CALLID);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_MAX_FWD), SLB_SIP_ACT_CALLID);
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E_NO_FROM_TO), SLB_SIP_ACT_CALLID);
	/* out of range: the safe choice */
	CU_ASSERT_EQUAL(slb_sip_policy(SLB_SIP_E__COUNT), SLB_SIP_ACT_DROP);
	CU_ASSERT_EQUAL(slb_sip_policy((enum slb_sip_err)-1), SLB_SIP_ACT_DROP);
}

/* --- URI and IPv4 helpers --- */

struct uri_case {
	const char *uri;
	int ret;
	const char *host;
	uint16_t port;
	bool lr;
};

static void
check_uri(const struct uri_case *c, unsigned int nc)
{
	unsigned int i;

	for (i = 0; i < nc; i++) {
		size_t n = strlen(c[i].uri);
		/* the URI in the middle of other bytes, which must not be read */
		char *b = malloc(n + 4);
		struct slb_span uri = {2, (uint16_t)n}, host = {0, 0};
		uint16_t port = 7;
		bool lr = true;
		int ret;

		CU_ASSERT_FATAL(b != NULL);
		memcpy(b, "<<", 2);
		memcpy(b + 2, c[i].uri, n);
		memcpy(b + 2 + n, ">;", 2);
		ret = slb_sip_uri_hostport((uint8_t *)b, uri, &host, &port, &lr);
		if (ret != c[i].ret)
			fprintf(stderr, "\n    uri %s: returned %d\n", c[i].uri, ret);
		CU_ASSERT_EQUAL(ret, c[i].ret);
		if (ret == 0 && c[i].ret == 0) {
			SPAN_IS(b, host, c[i].host);
			CU_ASSERT(host.off >= 2 && host.off + host.len <= 2 + n);
			CU_ASSERT_EQUAL(port, c[i].port);
			CU_ASSERT_EQUAL(lr, c[i].lr);
			/* lr may be NULL */
			ret = slb_sip_uri_hostport((uint8_t *)b, uri, &host, &port, NULL);
			CU_ASSERT_EQUAL(ret, 0);
		}
		free(b);
	}
}

static void
t_uri_hostport(void)
{
	static const struct uri_case c[] = {
		{"sip:alice@atlanta.example.com", 0, "atlanta.example.com", 0, false},
		{"sip:atlanta.example.com", 0, "atlanta.example.com", 0, false},
		{"sip:atlanta.example.com:5070", 0, "atlanta.example.com", 5070, false},
		{"sip:alice:secret@h.example:5061;transport=tcp", 0, "h.example", 5061, false},
		{"sips:bob@[2001:db8::1]:5061", 0, "[2001:db8::1]", 5061, false},
		{"sip:[::1]", 0, "[::1]", 0, false},
		{"<sip:p1.example.net;lr>", 0, "p1.example.net", 0, true},
		{"<sip:p1.example.net:5080;transport=udp;lr>", 0, "p1.example.net", 5080, true},
		{"sip:p1.example.net;LR", 0, "p1.example.net", 0, true},
		{"sip:p1.example.net;lr=on", 0, "p1.example.net", 0, true},
		{"sip:p1.example.net;lrx", 0, "p1.example.net", 0, false},
		{"sip:p1.example.net;xlr", 0, "p1.example.net", 0, false},
		{"sip:p1.example.net?subject=lr", 0, "p1.example.net", 0, false},
		{"SIP:Host.Example", 0, "Host.Example", 0, false},
		{"sIpS:u@h.example:65535", 0, "h.example", 65535, false},
		{"sip:192.0.2.1:5060", 0, "192.0.2.1", 5060, false},
		{"sip:%61lice@h.example", 0, "h.example", 0, false},
		{"tel:+15551234567", -1, NULL, 0, false},
		{"http://h.example/", -1, NULL, 0, false},
		{"sip", -1, NULL, 0, false},
		{"sip:", -1, NULL, 0, false},
		{"sip:user@", -1, NULL, 0, false},
		{"sip:h.example:0", -1, NULL, 0, false},
		{"sip:h.example:70000", -1, NULL, 0, false},
		{"sip:h.example:", -1, NULL, 0, false},
		{"<sip:[::1>", -1, NULL, 0, false},
		/* a host that is not a host: refused rather than cut short */
		{"sip:a+b.example", -1, NULL, 0, false},
		{"sip:h.example:5060x", -1, NULL, 0, false},
		{"sip:h.example xyz", -1, NULL, 0, false},
		{"<>", -1, NULL, 0, false},
		{"", -1, NULL, 0, false},
	};

	check_uri(c, sizeof(c) / sizeof(c[0]));
}

static void
t_ipv4(void)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t ip;
	} c[] = {
		{"192.0.2.1", 0, 0xc0000201u},
		{"0.0.0.0", 0, 0},
		{"255.255.255.255", 0, 0xffffffffu},
		{"10.1.2.3", 0, 0x0a010203u},
		{"256.1.1.1", -1, 0},
		{"1.2.3.256", -1, 0},
		{"1.2.3", -1, 0},
		{"1.2.3.", -1, 0},
		{"1.2.3.4x", -1, 0},
		{"1.2.3.4.", -1, 0},
		{"1.2.3.4.5", -1, 0},
		{"1..2.3", -1, 0},
		{"1234.1.1.1", -1, 0},
		{"0001.2.3.4", -1, 0},
		{" 1.2.3.4", -1, 0},
		{"a.b.c.d", -1, 0},
		{"[::1]", -1, 0},
		{"", -1, 0},
	};
	static const char tail[] = "1.2.3.45";
	struct slb_span s = {0, 7};
	unsigned int i;
	uint32_t ip;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t n = strlen(c[i].s);
		char *b = malloc(n ? n : 1);
		struct slb_span sp = {0, (uint16_t)n};

		CU_ASSERT_FATAL(b != NULL);
		memcpy(b, c[i].s, n);
		ip = 0xdeadbeef;
		CU_ASSERT_EQUAL(slb_sip_ipv4((uint8_t *)b, sp, &ip), c[i].ret);
		if (c[i].ret == 0)
			CU_ASSERT_EQUAL(ip, c[i].ip);
		free(b);
	}
	/* only the span counts */
	CU_ASSERT_EQUAL(slb_sip_ipv4((const uint8_t *)tail, s, &ip), 0);
	CU_ASSERT_EQUAL(ip, 0x01020304u);
}

/*
 * A soft error (forwarded by Call-ID) never hides a drop error: a colon-less line must not let a
 * message without Call-ID or Via, with a short body or cut short, be forwarded.
 */
static void
t_soft_error_never_hides_drop(void)
{
	static const struct err_case c[] = {
		CASE("bad line, then cut short", RL_INV VIA1 FROM1 "no colon\r\n" TO1 CID1 CSEQ1,
			E_TRUNCATED),
		CASE("bad line, no Call-ID", REQ(VIA1, "", CSEQ1, "no colon\r\n"), E_NO_CALLID),
		CASE("bad line, two Call-IDs",
			REQ(VIA1, CID1 "i: other\r\n", CSEQ1, "no colon\r\n"), E_DUP_CALLID),
		CASE("bad line, no Via", REQ("", CID1, CSEQ1, "no colon\r\n"), E_NO_VIA),
		CASE("bad line, bad Via",
			REQ("Via: SIP/2.0 UDP h\r\n", CID1, CSEQ1, "no colon\r\n"), E_VIA),
		CASE("bad line, bad Content-Length", REQ_X("no colon\r\nl: x\r\n"), E_CLEN),
		CASE("bad line, short body", REQ_X("no colon\r\nl: 9\r\n") "abc", E_BODY_SHORT),
		/* what the fuzzer found first */
		CASE("comma in the Call-ID name", "REGISTER sip:reg.example SIP/2.0\r\n" VIA1
			"To: <sip:b@b.example>\r\nFrom: <sip:b@b.example>;tag=1\r\n"
			"Ca,ll-ID: 8438@x\r\nCSeq: 1 REGISTER\r\n\r\n", E_NO_CALLID),
	};
	struct slb_sip_msg m;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_err(c[i].name, c[i].bytes, c[i].len, c[i].err, &m);
		CU_ASSERT_EQUAL(slb_sip_policy(m.err), SLB_SIP_ACT_DROP);
	}
}

/* --- bugs found while writing these tests (see the report; the parser is not changed here) --- */

/*
 * RFC 3261 §25.1 lets the user part hold ';' and '?' (user-unreserved); RFC 4475 §3.1.1.13 has
 * such a URI, and telephony sends "sip:+1...;npdi;rn=...@host". slb_sip_uri_hostport() stops
 * looking for '@' at the first ';' and returns the user as the host. It also takes a control
 * byte for the scheme's colon.
 */
static void
t_bug_uri_user_semicolon(void)
{
	static const struct uri_case c[] = {
		{"sip:+15551234567;npdi;rn=+15559999999@carrier.example;user=phone", 0,
			"carrier.example", 0, false},
		{"sip:user;par=u%40example.net@example.com", 0, "example.com", 0, false},
		{"<sip:svc;x=1@lb.example:5070;lr>", 0, "lb.example", 5070, true},
		{"sip:who?x@h.example", 0, "h.example", 0, false},
	};
	/* lex_ieq() may only see bytes free of control bytes: 0x1a | 0x20 is ':' */
	static const struct uri_case ctl[] = {
		{"sip\x1ahost.example", -1, NULL, 0, false},
		{"<sips\x1ahost.example;lr>", -1, NULL, 0, false},
	};

	check_uri(c, sizeof(c) / sizeof(c[0]));
	check_uri(ctl, sizeof(ctl) / sizeof(ctl[0]));
}

/* A datagram cut between the CR and the LF of the start line is cut short, not binary. */
static void
t_bug_cr_ends_datagram(void)
{
	static const char req[] = "INVITE sip:bob@b.example SIP/2.0\r";
	static const char resp[] = "SIP/2.0 200 OK\r";
	struct slb_sip_msg m;

	expect_err("request line then CR", req, sizeof(req) - 1, SLB_SIP_E_TRUNCATED, &m);
	expect_err("status line then CR", resp, sizeof(resp) - 1, SLB_SIP_E_TRUNCATED, &m);
}

/*
 * A Via value is counted the same wherever it stands: the first two are split by their own
 * parse, the rest by value_end(), and they must agree (fuzz_rewrite: a quote inside an IPv6
 * reference was taken by one and not the other, so removing the top value changed the count by
 * two).
 */
static void
t_bug_via_count_position(void)
{
	static const char *const odd[] = {"[2001\"db8::7]", "[2001<db8::7]", "[2001,db8::7]"};
	char a[512], b[512];
	struct slb_sip_msg ma, mb;
	unsigned int i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		snprintf(a, sizeof(a), RL_INV "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, "
			"SIP/2.0/UDP b.example;branch=z9hG4bK2, SIP/2.0/TCP %s:5061;branch=z9hG4bK3, "
			"SIP/2.0/UDP d.example;branch=z9hG4bK4\r\n" FROM1 TO1 CID1 CSEQ1 "\r\n", odd[i]);
		snprintf(b, sizeof(b), RL_INV "Via: SIP/2.0/UDP b.example;branch=z9hG4bK2, "
			"SIP/2.0/TCP %s:5061;branch=z9hG4bK3, "
			"SIP/2.0/UDP d.example;branch=z9hG4bK4\r\n" FROM1 TO1 CID1 CSEQ1 "\r\n", odd[i]);
		parse_n(a, (uint32_t)strlen(a), &ma);
		parse_n(b, (uint32_t)strlen(b), &mb);
		CU_ASSERT_EQUAL(mb.via_count + 1, ma.via_count);
		CU_ASSERT_EQUAL(mb.err, SLB_SIP_E_VIA);
	}
}

static CU_TestInfo tests[] = {
	{"INVITE with SDP: every field", t_invite_sdp},
	{"every prefix of the INVITE is refused", t_invite_prefixes},
	{"responses and reasons", t_responses},
	{"response with a body", t_response_body},
	{"folded header lines", t_folding},
	{"compact header names", t_compact},
	{"odd case, space around colon", t_case_and_colon_space},
	{"Via values in one and several headers", t_via_many},
	{"Via IPv6, received, rport", t_via_ipv6_received_rport},
	{"Via forms read without a scan, and their neighbours", t_via_fast_forms},
	{"Route and Record-Route", t_route_rr},
	{"To and From tags", t_tags},
	{"bare LF, mixed, leading CRLF", t_line_ends},
	{"body and Content-Length", t_body},
	{"table of messages and errors", t_error_table},
	{"soft header error keeps parsing", t_soft_header_error},
	{"methods", t_methods},
	{"huge messages", t_huge},
	{"linear in the message", t_linear},
	{"random and mutated bytes", t_garbage},
	{"torture: whitespace", t_torture_whitespace},
	{"torture: quoting and escapes", t_torture_quoted_and_escaped},
	{"torture: long values", t_torture_long_values},
	{"error names and policy", t_err_names_policy},
	{"slb_sip_uri_hostport", t_uri_hostport},
	{"slb_sip_ipv4", t_ipv4},
	{"soft error never hides a drop error", t_soft_error_never_hides_drop},
	{"URI user part with ;, control byte as colon (regression)", t_bug_uri_user_semicolon},
	{"CR at datagram end is truncated (regression)", t_bug_cr_ends_datagram},
	{"Via count independent of position (regression)", t_bug_via_count_position},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("sip_parse", tests);
}
