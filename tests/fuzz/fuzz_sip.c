/* fuzz_sip.c: libFuzzer target for the SIP parser; traps when a parse breaks the API's promises. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slb_sip.h"

/*
 * Also check the lenient policy's precondition: a message forwarded by Call-ID has a Call-ID, a
 * Via and a complete header section (a soft error must never hide a drop error).
 */
#ifndef FUZZ_CHECK_POLICY
#define FUZZ_CHECK_POLICY 1
#endif

#define CAP (SLB_SIP_MAX_LEN + 1 + 16)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_span(struct slb_span s, uint32_t len)
{
	CHECK((uint32_t)s.off + s.len <= len);
}

/* next, when set, points inside the line after its first byte. */
static void
check_hdr(const struct slb_sip_hdr *h, uint32_t len)
{
	check_span(h->line, len);
	if (h->next != 0) {
		CHECK(h->next > h->line.off);
		CHECK((uint32_t)h->next < (uint32_t)h->line.off + h->line.len);
	}
}

/* The URI helper on a span: a host it returns lies inside the URI. */
static void
check_uri(const uint8_t *buf, struct slb_span uri)
{
	struct slb_span host = {0, 0};
	uint16_t port;
	bool lr;

	if (slb_sip_uri_hostport(buf, uri, &host, &port, &lr) == 0) {
		CHECK(host.len > 0);
		CHECK(host.off >= uri.off);
		CHECK((uint32_t)host.off + host.len <= (uint32_t)uri.off + uri.len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = size > CAP ? CAP : (uint32_t)size, ip;
	/* an exact-size copy, so that ASan sees a read one past the end */
	uint8_t *buf = malloc(len ? len : 1);
	struct slb_sip_msg m;
	enum slb_sip_err err;
	int i;

	if (buf == NULL)
		return 0;
	if (len)
		memcpy(buf, data, len);
	err = slb_sip_parse(buf, len, &m);

	/*
	 * The forwarding decision's parse (nothing wanted) agrees with the full one on the error
	 * and on every field but those it leaves out: rr_count, and from_tag unless a top Via is
	 * RFC 2543's, when it must be there for the rewrite.
	 */
	{
		struct slb_sip_msg d = m;

		CHECK(slb_sip_parse_want(buf, len, &d, 0) == err);
		if (d.from_tag.len != m.from_tag.len) {
			CHECK(d.from_tag.len == 0);
			d.from_tag = m.from_tag;
		}
		d.rr_count = m.rr_count;
		CHECK(memcmp(&d, &m, sizeof(d)) == 0);
	}

	CHECK(err == m.err);
	CHECK((unsigned int)err < SLB_SIP_E__COUNT);
	if (len > SLB_SIP_MAX_LEN)
		CHECK(err == SLB_SIP_E_TOO_LONG);

	check_span(m.start_line, len);
	check_span(m.method_str, len);
	check_span(m.ruri, len);
	check_span(m.reason, len);
	check_span(m.call_id, len);
	check_span(m.cseq_method_str, len);
	for (i = 0; i < 2; i++) {
		check_span(m.via[i].value, len);
		check_span(m.via[i].transport, len);
		check_span(m.via[i].host, len);
		check_span(m.via[i].branch, len);
		check_span(m.via[i].received, len);
		check_span(m.route_uri[i], len);
	}
	check_hdr(&m.via_hdr, len);
	check_hdr(&m.route_hdr, len);
	check_span(m.max_fwd, len);
	check_span(m.body, len);
	check_span(m.from_tag, len);
	check_span(m.to_tag, len);
	CHECK(m.hdr_end <= len);
	CHECK(m.err_off <= len);

	if (err == SLB_SIP_OK) {
		CHECK(m.kind != SLB_SIP_NONE);
		CHECK(m.call_id.len > 0);
		CHECK(m.via_count >= 1);
		CHECK(m.via[0].host.len > 0 && m.via[0].transport.len > 0);
		CHECK(m.body.off == m.hdr_end);
		CHECK(m.hdr_end > 0);
		CHECK(m.has_from && m.has_to);
		CHECK(m.cseq_method != SLB_M_NONE);
		if (m.content_length >= 0)
			CHECK(m.body.len == (uint32_t)m.content_length);
		else
			CHECK((uint32_t)m.body.off + m.body.len == len);
		if (m.kind == SLB_SIP_REQUEST)
			CHECK(m.method != SLB_M_NONE && m.ruri.len > 0 && m.method_str.len > 0);
		else
			CHECK(m.status >= 100 && m.status <= 699);
		/* a NUL in a valid header section is a quoted-pair's: a backslash before it */
		for (i = m.start_line.off + m.start_line.len; i < m.hdr_end; i++)
			if (buf[i] == 0)
				CHECK(buf[i - 1] == '\\');
	}
#if FUZZ_CHECK_POLICY
	if (slb_sip_policy(err) == SLB_SIP_ACT_CALLID)
		CHECK(m.call_id.len > 0 && m.via_count >= 1 && m.hdr_end > 0);
#endif

	/* the helpers, on whatever the parser found */
	if (m.ruri.len)
		check_uri(buf, m.ruri);
	for (i = 0; i < 2; i++)
		if (m.route_uri[i].len)
			check_uri(buf, m.route_uri[i]);
	for (i = 0; i < 2; i++) {
		if (m.via[i].host.len)
			(void)slb_sip_ipv4(buf, m.via[i].host, &ip);
		if (m.via[i].received.len)
			(void)slb_sip_ipv4(buf, m.via[i].received, &ip);
	}
	/* and on the raw input as one span, as the control side may */
	if (len && len <= SLB_SIP_MAX_LEN) {
		struct slb_span all = {0, (uint16_t)len};

		check_uri(buf, all);
		(void)slb_sip_ipv4(buf, all, &ip);
	}
	free(buf);
	return 0;
}
