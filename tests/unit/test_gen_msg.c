/* test_gen_msg.c: siplb-gen's messages (checked with siplb's own parser), scan, args. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "gen_args.h"
#include "gen_msg.h"
#include "slb_sip.h"
#include "slb_test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static char buf[20000];

static void
dlg_init(struct slbg_dlg *d, uint32_t slot, uint32_t serial)
{
	memset(d, 0, sizeof(*d));
	d->slot = slot;
	d->serial = serial;
	d->caller_ip = IP(198, 18, 0, 10);
	d->caller_port = 5062;
	d->lb_ip = IP(198, 18, 0, 1);
	d->lb_port = 5060;
	d->be_ip = IP(198, 18, 1, 11);
	d->be_port = 5060;
	d->target_ip = d->be_ip;
	d->target_port = 5060;
	d->from_tag = 0x1234abcd;
	d->to_tag = 0x99887766;
	slbg_callid_make(d, 0x0123456789abcdefull);
	strcpy(d->uac_route, "<sip:198.18.0.1:5060;lr>");
	d->uac_route_len = (uint8_t)strlen(d->uac_route);
	strcpy(d->uas_route, d->uac_route);
	d->uas_route_len = d->uac_route_len;
	strcpy(d->uas_via, "Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bKlb1\r\n"
			   "Via: SIP/2.0/UDP 198.18.0.10:5062;branch=z9hG4bK1;rport=5062\r\n");
	d->uas_via_len = (uint16_t)strlen(d->uas_via);
}

/* siplb's parser takes it whole, and its Call-ID, CSeq and method are ours. */
static void
check_parse(const char *m, uint32_t len, enum slb_sip_kind kind, enum slb_sip_method cseq_m,
	const struct slbg_dlg *d)
{
	struct slb_sip_msg msg;

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)m, len, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(msg.kind, kind);
	CU_ASSERT_EQUAL(msg.cseq_method, cseq_m);
	CU_ASSERT_EQUAL(msg.call_id.len, d->callid_len);
	CU_ASSERT_EQUAL(memcmp(m + msg.call_id.off, d->callid, d->callid_len), 0);
	CU_ASSERT_FALSE(msg.extra_bytes);
	CU_ASSERT_EQUAL((uint32_t)msg.content_length, len - msg.hdr_end);
}

static void
t_callid(void)
{
	struct slbg_dlg d;
	struct slbg_span sp;
	uint32_t slot, serial;

	dlg_init(&d, 0xabc, 0x10002);
	/* as long as real ones: a UUID and a host */
	CU_ASSERT(d.callid_len >= 40 && d.callid_len <= 60);
	CU_ASSERT_EQUAL(memcmp(d.callid, "00000abc-0001-0002-", 19), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.callid, "@198.18.0.10"));
	memcpy(buf, d.callid, d.callid_len);
	sp.off = 0;
	sp.len = d.callid_len;
	CU_ASSERT_EQUAL(slbg_callid_parse(buf, sp, &slot, &serial), 0);
	CU_ASSERT_EQUAL(slot, 0xabc);
	CU_ASSERT_EQUAL(serial, 0x10002);
	memcpy(buf, "someone-else@host.example", 25);
	sp.len = 25;
	CU_ASSERT_EQUAL(slbg_callid_parse(buf, sp, &slot, &serial), -1);
}

static void
t_invite(void)
{
	struct slbg_dlg d;
	struct slb_sip_msg msg;
	struct slbg_scan s;
	uint32_t len;

	dlg_init(&d, 7, 1);
	len = slbg_build_invite(&d, 0x1122334455667788ull, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_INVITE, &d);
	slb_sip_parse((const uint8_t *)buf, len, &msg);
	CU_ASSERT_EQUAL(msg.method, SLB_M_INVITE);
	CU_ASSERT_EQUAL(msg.via_count, 1);
	CU_ASSERT_EQUAL(msg.max_forwards, 70);
	CU_ASSERT_TRUE(slb_sip_is_initial(&msg));
	/* a realistic SDP: a few hundred bytes */
	CU_ASSERT(msg.content_length >= 250 && msg.content_length <= 600);
	CU_ASSERT_EQUAL(memcmp(buf + msg.hdr_end, "v=0\r\n", 5), 0);
	CU_ASSERT_EQUAL(slbg_scan(buf, len, &s), 0);
	CU_ASSERT_TRUE(s.request);
	CU_ASSERT_EQUAL(s.mt, SLBG_MT_INVITE);
	CU_ASSERT_TRUE(s.has_ts);
	CU_ASSERT_EQUAL(s.ts, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(s.cseq, 1);
	CU_ASSERT_FALSE(s.to_tagged);
	/* above the MTU when asked */
	d.sdp_len = 3000;
	len = slbg_build_invite(&d, 1, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_INVITE, &d);
	CU_ASSERT(len > 3000);
	/* too small a buffer: 0, never a cut message */
	CU_ASSERT_EQUAL(slbg_build_invite(&d, 1, buf, 500), 0);
}

static void
t_in_dialog(void)
{
	struct slbg_dlg d;
	struct slb_sip_msg msg;
	uint32_t len;

	dlg_init(&d, 7, 1);
	len = slbg_build_ack(&d, true, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_ACK, &d);
	slb_sip_parse((const uint8_t *)buf, len, &msg);
	CU_ASSERT_EQUAL(msg.route_count, 1);
	CU_ASSERT(msg.to_tag.len == 8);
	CU_ASSERT_EQUAL(memcmp(buf, "ACK sip:service@198.18.1.11:5060 ", 33), 0);

	len = slbg_build_ack(&d, false, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_ACK, &d);
	slb_sip_parse((const uint8_t *)buf, len, &msg);
	CU_ASSERT_EQUAL(msg.route_count, 0); /* hop by hop, as the INVITE went */

	len = slbg_build_bye(&d, false, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_BYE, &d);
	slb_sip_parse((const uint8_t *)buf, len, &msg);
	CU_ASSERT_EQUAL(msg.cseq, 2);

	/* the callee's BYE: to the caller's Contact along our Route, its own From tag */
	len = slbg_build_bye(&d, true, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_BYE, &d);
	slb_sip_parse((const uint8_t *)buf, len, &msg);
	CU_ASSERT_EQUAL(memcmp(buf, "BYE sip:caller@198.18.0.10:5062 ", 32), 0);
	CU_ASSERT_EQUAL(msg.route_count, 1);
	CU_ASSERT_EQUAL(memcmp(buf + msg.from_tag.off, "99887766", 8), 0);
	CU_ASSERT_EQUAL(memcmp(buf + msg.to_tag.off, "1234abcd", 8), 0);

	len = slbg_build_cancel(&d, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_CANCEL, &d);
	len = slbg_build_ood(&d, SLBG_MT_OPTIONS, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_OPTIONS, &d);
	len = slbg_build_ood(&d, SLBG_MT_REGISTER, 5, buf, sizeof(buf));
	check_parse(buf, len, SLB_SIP_REQUEST, SLB_M_REGISTER, &d);
}

/* Branches: one per transaction, the CANCEL's and the non-2xx ACK's the INVITE's (§9.1). */
static void
t_branches(void)
{
	struct slbg_dlg d;
	struct slb_sip_msg msg;
	char inv[64], ack2xx[64], cancel[64], ack487[64], bye[64];
	uint32_t len;

	dlg_init(&d, 3, 9);
#define BRANCH(dst, call)                                                                          \
	len = call;                                                                                \
	slb_sip_parse((const uint8_t *)buf, len, &msg);                                            \
	memcpy(dst, buf + msg.via[0].branch.off, msg.via[0].branch.len);                           \
	dst[msg.via[0].branch.len] = '\0'
	BRANCH(inv, slbg_build_invite(&d, 1, buf, sizeof(buf)));
	BRANCH(ack2xx, slbg_build_ack(&d, true, 1, buf, sizeof(buf)));
	BRANCH(ack487, slbg_build_ack(&d, false, 1, buf, sizeof(buf)));
	BRANCH(cancel, slbg_build_cancel(&d, 1, buf, sizeof(buf)));
	BRANCH(bye, slbg_build_bye(&d, false, 1, buf, sizeof(buf)));
#undef BRANCH
	CU_ASSERT_EQUAL(strncmp(inv, "z9hG4bK", 7), 0);
	CU_ASSERT_STRING_EQUAL(inv, cancel);
	CU_ASSERT_STRING_EQUAL(inv, ack487);
	CU_ASSERT_STRING_NOT_EQUAL(inv, ack2xx);
	CU_ASSERT_STRING_NOT_EQUAL(inv, bye);
	CU_ASSERT_STRING_NOT_EQUAL(ack2xx, bye);
}

/* What the balancer hands the backend: its Via and Record-Route on top of ours. */
static const char through_lb[] =
	"BYE sip:service@198.18.1.11:5060 SIP/2.0\r\n"
	"Record-Route: <sip:198.18.0.1:5060;lr>\r\n"
	"Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bKlb77\r\n"
	"v: SIP/2.0/UDP 198.18.0.10:5062;branch=z9hG4bK1;received=198.18.0.10;rport=5062\r\n"
	"f: \"x\" <sip:+15551000007@198.18.0.10>;tag=abc\r\n"
	"t: <sip:service@198.18.0.1>\r\n"
	"i: 00000007-0000-0001-0123-456789abcdef@198.18.0.10\r\n"
	"CSeq: 2 BYE\r\n"
	"Content-Length: 0\r\n"
	"X-Gen-TS: 00000000000003e8\r\n"
	"\r\n";

static void
t_scan_and_answer(void)
{
	struct slbg_scan s;
	struct slbg_dlg d;
	struct slb_sip_msg msg;
	char rr[64];
	uint32_t len, rr_len, slot, serial;

	dlg_init(&d, 7, 1);
	CU_ASSERT_EQUAL_FATAL(slbg_scan(through_lb, sizeof(through_lb) - 1, &s), 0);
	CU_ASSERT_EQUAL(s.mt, SLBG_MT_BYE);
	CU_ASSERT_EQUAL(s.nb_via, 2);
	CU_ASSERT_EQUAL(s.nb_rr, 1);
	CU_ASSERT_EQUAL(s.ts, 1000);
	CU_ASSERT_EQUAL(slbg_callid_parse(through_lb, s.callid, &slot, &serial), 0);
	CU_ASSERT_EQUAL(slot, 7);
	CU_ASSERT_EQUAL(serial, 1);
	CU_ASSERT_EQUAL(slbg_scan_rr(through_lb, &s, false, rr, sizeof(rr), &rr_len), 0);
	CU_ASSERT_EQUAL(rr_len, strlen("<sip:198.18.0.1:5060;lr>"));
	/* the answer: both Vias in order, the To tagged, parsed by siplb as a response */
	len = slbg_build_response(&d, through_lb, &s, 200, 77, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)buf, len, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(msg.kind, SLB_SIP_RESPONSE);
	CU_ASSERT_EQUAL(msg.status, 200);
	CU_ASSERT_EQUAL(msg.via_count, 2);
	CU_ASSERT_EQUAL(memcmp(buf + msg.via[0].branch.off, "z9hG4bKlb77", 11), 0);
	CU_ASSERT_EQUAL(memcmp(buf + msg.to_tag.off, "99887766", 8), 0);
	CU_ASSERT_EQUAL(slbg_scan(buf, len, &s), 0);
	CU_ASSERT_EQUAL(s.mt, SLBG_MT_200_BYE);
	CU_ASSERT_EQUAL(s.ts, 77);
	/* not SIP at all */
	CU_ASSERT_EQUAL(slbg_scan("hello world, not sip\r\n\r\n", 24, &s), -1);
}

static void
t_inv_responses(void)
{
	static const struct {
		uint16_t status;
		enum slbg_mt mt;
	} r[] = {{100, SLBG_MT_100}, {180, SLBG_MT_180}, {200, SLBG_MT_200_INVITE},
		{487, SLBG_MT_487}};
	struct slbg_dlg d;
	struct slb_sip_msg msg;
	struct slbg_scan s;
	uint32_t ip, len, i;
	uint16_t port;

	dlg_init(&d, 7, 1);
	for (i = 0; i < 4; i++) {
		len = slbg_build_inv_response_again(&d, r[i].status, 9, buf, sizeof(buf));
		check_parse(buf, len, SLB_SIP_RESPONSE, SLB_M_INVITE, &d);
		slb_sip_parse((const uint8_t *)buf, len, &msg);
		CU_ASSERT_EQUAL(msg.status, r[i].status);
		CU_ASSERT_EQUAL(msg.via_count, 2);
		CU_ASSERT_EQUAL(msg.to_tag.len, r[i].status == 100 ? 0 : 8);
		CU_ASSERT_EQUAL(msg.rr_count, r[i].status == 100 || r[i].status == 487 ? 0 : 1);
		CU_ASSERT_EQUAL(slbg_scan(buf, len, &s), 0);
		CU_ASSERT_EQUAL(s.mt, r[i].mt);
	}
	len = slbg_build_inv_response_again(&d, 200, 9, buf, sizeof(buf));
	slbg_scan(buf, len, &s);
	CU_ASSERT_EQUAL(slbg_uri_ipport(buf + s.contact.off, s.contact.len, &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, d.be_ip);
	CU_ASSERT_EQUAL(port, 5060);
	CU_ASSERT_EQUAL(
		slbg_route_first("<sip:198.18.0.1:5080;lr>, <sip:10.0.0.1;lr>", 44, &ip, &port), 0);
	CU_ASSERT_EQUAL(ip, IP(198, 18, 0, 1));
	CU_ASSERT_EQUAL(port, 5080);
	CU_ASSERT_EQUAL(slbg_uri_ipport("<sip:host.example>", 18, &ip, &port), -1);
}

/* ---- the command line ---- */

static enum slbg_args_result
parse(struct slbg_args *a, const char *line)
{
	char copy[512], *argv[32], *tok;
	int argc = 0;
	FILE *null = fopen("/dev/null", "w");
	enum slbg_args_result r;

	snprintf(copy, sizeof(copy), "siplb-gen %s", line);
	for (tok = strtok(copy, " "); tok != NULL && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	r = slbg_args_parse(a, argc, argv, null, null);
	fclose(null);
	return r;
}

static void
t_args(void)
{
	static struct slbg_args a;

	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10,198.18.1.11 "
				  "--scenario cancel --rate 0 --duration 5 --hold 100 -- -l 0-1"),
		SLBG_ARGS_RUN);
	CU_ASSERT_EQUAL(a.cfg.nb_be, 2);
	CU_ASSERT_EQUAL(a.cfg.be_ip[1], IP(198, 18, 1, 11));
	CU_ASSERT_EQUAL(a.cfg.scen, SLBG_SC_CANCEL);
	CU_ASSERT_EQUAL(a.rate, 0);
	CU_ASSERT_EQUAL(a.duration_s, 5);
	CU_ASSERT_EQUAL(a.calls, 0);
	CU_ASSERT_EQUAL(a.lb_be_ip, IP(198, 18, 0, 1));
	CU_ASSERT_EQUAL(a.eal_argc, 2);
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1:5070 --lb-backend 198.18.1.1 --backends "
				  "198.18.1.10 --callers 198.18.2.0+1000 --caller-ports 6000+4"),
		SLBG_ARGS_RUN);
	CU_ASSERT_EQUAL(a.cfg.lb_port, 5070);
	CU_ASSERT_EQUAL(a.cfg.nb_caller_ip, 1000);
	CU_ASSERT_EQUAL(a.cfg.nb_caller_port, 4);
	CU_ASSERT_EQUAL(a.calls, 10000); /* bounded by default */

	CU_ASSERT_EQUAL(parse(&a, "--help"), SLBG_ARGS_HELP);
	CU_ASSERT_EQUAL(parse(&a, "--version"), SLBG_ARGS_VERSION);
	CU_ASSERT_EQUAL(parse(&a, "--backends 198.18.1.10"), SLBG_ARGS_BAD); /* no --lb */
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1"), SLBG_ARGS_BAD);	     /* no backends */
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.256 --backends 198.18.1.10"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(
		parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 --scenario nope"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(
		parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 --rate -1"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(
		parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 --calls 0"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 --t1 500 --t2 100"),
		SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 --caller-ports 65535+2"),
		SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(parse(&a, "--lb 198.18.0.1 --backends 198.18.1.10 stray"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(parse(&a, "--no-such-option"), SLBG_ARGS_BAD);
	CU_ASSERT_EQUAL(parse(&a, "-Z"), SLBG_ARGS_BAD);
}

/* Every octet value, in each of an address's four places, as printf writes it. */
static void
t_put_ip(void)
{
	char got[32], want[32];
	uint32_t v, pos;

	for (pos = 0; pos < 4; pos++)
		for (v = 0; v < 256; v++) {
			uint32_t ip = (0xC6120001u & ~(0xffu << (8 * pos))) | v << (8 * pos);
			struct slbg_buf b = {got, got + sizeof(got), false};

			slbg_put_ip(&b, ip);
			CU_ASSERT_FALSE(b.over);
			*b.p = '\0';
			snprintf(want, sizeof(want), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
				(ip >> 8) & 0xff, ip & 0xff);
			CU_ASSERT_STRING_EQUAL(got, want);
		}
	/* one byte short: nothing written, over set */
	{
		struct slbg_buf b = {got, got + 14, false};

		slbg_put_ip(&b, 0xC6120A0Au); /* 198.18.10.10: 12 bytes fit */
		CU_ASSERT_FALSE(b.over);
		slbg_put_ip(&b, 0xFFFFFFFFu);
		CU_ASSERT_TRUE(b.over);
	}
}

/* Every message: the same bytes whether From and To are written once per call or each time. */
static uint32_t
build_nth(const struct slbg_dlg *d, int i, char *out, uint32_t cap)
{
	static const uint16_t st[] = {100, 180, 200, 487};

	switch (i) {
	case 0:
		return slbg_build_invite(d, 42, out, cap);
	case 1:
		return slbg_build_ack(d, true, 42, out, cap);
	case 2:
		return slbg_build_ack(d, false, 42, out, cap);
	case 3:
		return slbg_build_cancel(d, 42, out, cap);
	case 4:
		return slbg_build_bye(d, false, 42, out, cap);
	case 5:
		return slbg_build_bye(d, true, 42, out, cap);
	case 6:
		return slbg_build_ood(d, SLBG_MT_OPTIONS, 42, out, cap);
	case 7:
		return slbg_build_ood(d, SLBG_MT_REGISTER, 42, out, cap);
	default:
		return slbg_build_inv_response_again(d, st[(i - 8) % 4], 42, out, cap);
	}
}

static void
t_texts_same(void)
{
	static char a[8192], b[8192];
	struct slbg_dlg d;
	uint32_t la, lb;
	int i;

	for (i = 0; i < 12; i++) {
		dlg_init(&d, 7, 0x10001);
		la = build_nth(&d, i, a, sizeof(a));
		slbg_dlg_texts(&d);
		CU_ASSERT(d.from_len > 0 && d.to_len > 0 && d.via_len > 0);
		lb = build_nth(&d, i, b, sizeof(b));
		CU_ASSERT(la > 0);
		CU_ASSERT_EQUAL(la, lb);
		CU_ASSERT(memcmp(a, b, la) == 0);
		if (i == 0 || i == 1 || i == 8) { /* INVITE and 100: no To tag; the ACK: one */
			struct slbg_scan sc;

			CU_ASSERT_EQUAL_FATAL(slbg_scan(b, lb, &sc), 0);
			CU_ASSERT_EQUAL(sc.to_tagged, i == 1);
		}
	}
}

static CU_TestInfo tests[] = {
	{"put_ip_every_octet", t_put_ip},
	{"from_to_written_once_same_bytes", t_texts_same},
	{"callid_unique_shape_round_trip", t_callid},
	{"invite_parses_realistic_sdp", t_invite},
	{"in_dialog_requests_parse", t_in_dialog},
	{"branches_per_transaction", t_branches},
	{"scan_through_balancer_and_answer", t_scan_and_answer},
	{"invite_responses", t_inv_responses},
	{"args", t_args},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("gen_msg", tests);
}
