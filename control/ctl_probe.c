/* ctl_probe.c: the OPTIONS a health probe sends; its branch and Call-ID carry the nonce. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl_probe.h"

#define IP4(ip) ((ip) >> 24) & 0xff, ((ip) >> 16) & 0xff, ((ip) >> 8) & 0xff, (ip)&0xff

int
ctl_probe_text(char *buf, size_t size, uint32_t be_ip, uint16_t be_port, uint32_t our_ip,
	uint16_t sip_port, uint64_t nonce, uint32_t cseq)
{
	int n;

	/* The From tag is the nonce's low half: unique per probe, and it gives nothing away. */
	n = snprintf(buf, size,
		"OPTIONS sip:%u.%u.%u.%u:%u SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %u.%u.%u.%u:%u;branch=" SLB_CTL_PROBE_BRANCH "%016" PRIx64 "\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:siplb@%u.%u.%u.%u>;tag=%08" PRIx32 "\r\n"
		"To: <sip:%u.%u.%u.%u:%u>\r\n"
		"Call-ID: %016" PRIx64 "@siplb-probe\r\n"
		"CSeq: %" PRIu32 " OPTIONS\r\n"
		"Content-Length: 0\r\n"
		"\r\n",
		IP4(be_ip), be_port, IP4(our_ip), sip_port, nonce, IP4(our_ip),
		(uint32_t)(nonce & 0xffffffffu), IP4(be_ip), be_port, nonce, cseq);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

int
ctl_probe_req(struct slb_ctl_req *req, uint32_t req_id, uint16_t be_id, uint32_t be_ip,
	uint16_t be_port, uint32_t our_ip, uint16_t sip_port, uint64_t nonce, uint32_t cseq)
{
	char text[SLB_CTL_PROBE_MAX + 1];
	int n;

	n = ctl_probe_text(text, sizeof(text), be_ip, be_port, our_ip, sip_port, nonce, cseq);
	if (n < 0)
		return -1;
	memset(req, 0, sizeof(*req));
	req->type = SLB_CTL_REQ_PROBE;
	req->req_id = req_id;
	req->probe.nonce = nonce;
	req->probe.dst_ip = be_ip;
	req->probe.dst_port = be_port;
	req->probe.be_id = be_id;
	req->probe.len = (uint16_t)n;
	memcpy(req->probe.sip, text, (size_t)n);
	return 0;
}
