/* test_ctl_probe.c: the health probe's OPTIONS: exact text, parsed clean by our own parser. */
#include <string.h>

#include <CUnit/Basic.h>

#include "ctl_probe.h"
#include "slb_sip.h"
#include "slb_test.h"

#define BE_IP 0xc612010au  /* 198.18.1.10 */
#define OUR_IP 0xc6120101u /* 198.18.1.1 */

static const char expected[] =
	"OPTIONS sip:198.18.1.10:5070 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK-slbp-00f1e2d3c4b5a697\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:siplb@198.18.1.1>;tag=c4b5a697\r\n"
	"To: <sip:198.18.1.10:5070>\r\n"
	"Call-ID: 00f1e2d3c4b5a697@siplb-probe\r\n"
	"CSeq: 42 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static void
test_text(void)
{
	char buf[SLB_CTL_PROBE_MAX];
	int n;

	n = ctl_probe_text(buf, sizeof(buf), BE_IP, 5070, OUR_IP, 5060, 0x00f1e2d3c4b5a697ull, 42);
	CU_ASSERT_EQUAL_FATAL(n, (int)strlen(expected));
	CU_ASSERT_STRING_EQUAL(buf, expected);
	/* too small: refused, not cut */
	CU_ASSERT_EQUAL(ctl_probe_text(buf, (size_t)n, BE_IP, 5070, OUR_IP, 5060,
				0x00f1e2d3c4b5a697ull, 42),
		-1);
}

static bool
span_is(const char *buf, struct slb_span s, const char *want)
{
	return s.len == strlen(want) && memcmp(buf + s.off, want, s.len) == 0;
}

static void
test_parses(void)
{
	struct slb_sip_msg msg;
	char buf[SLB_CTL_PROBE_MAX];
	int n;

	n = ctl_probe_text(buf, sizeof(buf), 0xffffffffu, 65535, 0xfffffffeu, 65535, UINT64_MAX,
		0x7fffffffu); /* RFC 3261: CSeq < 2^31 */
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(slb_sip_parse((const uint8_t *)buf, (uint32_t)n, &msg), SLB_SIP_OK);
	CU_ASSERT_EQUAL(msg.kind, SLB_SIP_REQUEST);
	CU_ASSERT_EQUAL(msg.method, SLB_M_OPTIONS);
	CU_ASSERT_EQUAL(msg.cseq_method, SLB_M_OPTIONS);
	CU_ASSERT_EQUAL(msg.cseq, 0x7fffffffu);
	CU_ASSERT_EQUAL(msg.via_count, 1);
	CU_ASSERT(span_is(buf, msg.via[0].branch, SLB_CTL_PROBE_BRANCH "ffffffffffffffff"));
	CU_ASSERT(span_is(buf, msg.call_id, "ffffffffffffffff@siplb-probe"));
	CU_ASSERT(span_is(buf, msg.from_tag, "ffffffff"));
	CU_ASSERT_EQUAL(msg.to_tag.len, 0);
	CU_ASSERT_EQUAL(msg.max_forwards, 70);
	CU_ASSERT_EQUAL(msg.content_length, 0);
	CU_ASSERT_EQUAL(msg.via[0].port, 65535);
}

static void
test_req(void)
{
	struct slb_ctl_req req;

	memset(&req, 0xa5, sizeof(req));
	CU_ASSERT_EQUAL_FATAL(
		ctl_probe_req(&req, 9, 3, BE_IP, 5070, OUR_IP, 5060, 0x00f1e2d3c4b5a697ull, 42), 0);
	CU_ASSERT_EQUAL(req.type, SLB_CTL_REQ_PROBE);
	CU_ASSERT_EQUAL(req.req_id, 9);
	CU_ASSERT_EQUAL(req.gen, 0);
	CU_ASSERT_EQUAL(req.probe.nonce, 0x00f1e2d3c4b5a697ull);
	CU_ASSERT_EQUAL(req.probe.dst_ip, BE_IP);
	CU_ASSERT_EQUAL(req.probe.dst_port, 5070);
	CU_ASSERT_EQUAL(req.probe.be_id, 3);
	CU_ASSERT_EQUAL(req.probe.len, strlen(expected));
	CU_ASSERT_EQUAL(memcmp(req.probe.sip, expected, req.probe.len), 0);
	/* nothing of the 0xa5 filling is left past the text */
	CU_ASSERT_EQUAL(req.probe.sip[req.probe.len], 0);
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"OPTIONS text, byte for byte", test_text},
		{"our parser takes it clean", test_parses},
		{"the REQ_PROBE request", test_req},
		CU_TEST_INFO_NULL,
	};

	return slb_test_main("ctl_probe", tests);
}
