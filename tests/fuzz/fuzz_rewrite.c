/* fuzz_rewrite.c: libFuzzer target: parse, rewrite, parse again; the result must be SIP, ours. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "slb_rw.h"
#include "slb_sip.h"
#include "slb_testpkt.h"

#define MAX_SIP 4096
#define L2_LEN 14

/*
 * A first input byte with the top bit set drives the harness and the rest is the UDP payload;
 * SIP never starts with such a byte, so a corpus of plain SIP messages works as it is, with the
 * control taken from the length instead:
 *   bits 0-1  slb_rw_request() flags
 *   bits 2-3  headroom: 128 (the default), 0, 80, 160 (around what a request grows by)
 *   bits 4-5  tailroom: 0, 16, 80, 256
 *   bit 6     an IPv4 header with 4 bytes of options
 */
static const uint16_t headrooms[4] = {RTE_PKTMBUF_HEADROOM, 0, 80, 160};
static const uint16_t tailrooms[4] = {0, 16, 80, 256};

static const struct slb_rw_cfg cfg = {
	.host = "198.18.1.1",
	.host_len = 10,
	.port = 5060,
	.rr_host = "203.0.113.10",
	.rr_host_len = 12,
	.key = {{0x5e, 0xed, 0x5e, 0xed, 0x12, 0x34, 0x56, 0x78}},
};

/* The datagram's source: received and rport in the sender's Via must name it afterwards. */
#define SRC_IP 0x0a000007u
#define SRC_PORT 5060

/* What slb_rw_request() writes for cfg: Via, Record-Route, Max-Forwards. */
#define VIA_LEN                                                                                   \
	(sizeof("Via: SIP/2.0/UDP 198.18.1.1:5060;branch=;rport\r\n") - 1 + SLB_RW_BRANCH_LEN)
#define RR_LEN (sizeof("Record-Route: <sip:203.0.113.10:5060;lr>\r\n") - 1)
#define MF_LEN (sizeof("Max-Forwards: 70\r\n") - 1)
#define SRC_LEN (sizeof(";received=255.255.255.255;rport=65535") - 1)

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);     \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

/* Lengths consistent with p and the mbuf, checksums right (the UDP one updated edit by edit). */
static void
check_packet(const struct rte_mbuf *m, const struct slb_pkt *p, uint16_t ihl)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + p->l3_off, *udp = d + p->l4_off;
	uint16_t ulen = testpkt_be16(udp + 4);

	CHECK(m->data_off + m->data_len <= m->buf_len);
	CHECK(m->pkt_len == m->data_len);
	CHECK(m->data_len == p->sip_off + p->sip_len);
	CHECK(testpkt_be16(ip + 2) == ihl + 8 + p->sip_len);
	CHECK(ulen == 8 + p->sip_len);
	CHECK(testpkt_sum16(ip, ihl, 0) == 0xffff);
	CHECK(testpkt_sum16(udp, ulen, testpkt_sum16(ip + 12, 8, 0) + 17 + ulen) == 0xffff);
	CHECK(testpkt_be16(udp + 6) != 0);
}

static bool
span_eq(const uint8_t *a, struct slb_span sa, const uint8_t *b, struct slb_span sb)
{
	return sa.len == sb.len && memcmp(a + sa.off, b + sb.off, sa.len) == 0;
}

/* received or rport parameters in a Via value (a quoted one may count too: an upper bound) */
static unsigned int
source_params(const uint8_t *sip, struct slb_span v)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = v.off; i < (uint32_t)v.off + v.len; i++)
		if (sip[i] == ';')
			n++;
	return n;
}

/* A folded line with no header before it: the rewrite refuses, as it would fold into ours. */
static bool
orphan_fold(const uint8_t *sip, uint16_t len, const struct slb_sip_msg *msg)
{
	uint32_t i = (uint32_t)msg->start_line.off + msg->start_line.len;

	return i < len && (sip[i] == ' ' || sip[i] == '\t');
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct slb_sip_msg msg, again;
	struct slb_pkt p, p0;
	struct rte_mbuf *m, m0;
	uint8_t *buf, *copy, *ip, *udp, *sip;
	const uint8_t *orig; /* the message as it came, in the copy */
	uint16_t headroom, tailroom, ihl, len;
	uint32_t flags;
	uint8_t ctl;
	int rc;

	if (n < 1)
		return 0;
	if (d[0] & 0x80) {
		ctl = d[0];
		d++;
		n--;
	} else {
		ctl = (uint8_t)(n * 37);
	}
	if (n > MAX_SIP)
		return 0;
	flags = ctl & 3;
	headroom = headrooms[(ctl >> 2) & 3];
	tailroom = tailrooms[(ctl >> 4) & 3];
	ihl = (ctl & 0x40) ? 24 : 20;
	len = (uint16_t)n;

	/* The buffer apart from the mbuf, so that ASan sees a move past either end. */
	m = aligned_alloc(64, (sizeof(*m) + 63) & ~(size_t)63);
	buf = malloc(headroom + L2_LEN + ihl + 8 + len + tailroom);
	copy = malloc(headroom + L2_LEN + ihl + 8 + len + tailroom);
	if (m == NULL || buf == NULL || copy == NULL)
		abort();
	memset(m, 0, sizeof(*m));
	m->buf_addr = buf;
	m->buf_len = (uint16_t)(headroom + L2_LEN + ihl + 8 + len + tailroom);
	m->data_off = headroom;
	m->nb_segs = 1;
	m->data_len = (uint16_t)(L2_LEN + ihl + 8 + len);
	m->pkt_len = m->data_len;
	memset(buf, 0xa5, m->buf_len);

	p.l3_off = L2_LEN;
	p.l4_off = (uint16_t)(L2_LEN + ihl);
	p.sip_off = (uint16_t)(p.l4_off + 8);
	p.sip_len = len;
	ip = buf + headroom + L2_LEN;
	udp = ip + ihl;
	memset(buf + headroom, 0, L2_LEN + ihl + 8);
	buf[headroom + 12] = 0x08;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[2] = (uint8_t)((ihl + 8 + len) >> 8);
	ip[3] = (uint8_t)(ihl + 8 + len);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){10, 0, 0, 7, 198, 18, 1, 1}, 8);
	udp[1] = udp[3] = 0xc4;
	udp[0] = udp[2] = 0x13;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	sip = udp + 8;
	memcpy(sip, d, len);
	{
		/* a right checksum, as the receive path lets through: the rewrite updates it */
		uint16_t ck = (uint16_t)~testpkt_udp_sum(ip, udp);

		ck = ck == 0 ? 0xffff : ck;
		udp[6] = (uint8_t)(ck >> 8);
		udp[7] = (uint8_t)ck;
		p.csum = SLB_PKT_CSUM_RX;
	}

	slb_sip_parse(sip, len, &msg);
	if (slb_sip_policy(msg.err) == SLB_SIP_ACT_DROP)
		goto out;

	memcpy(copy, buf, m->buf_len);
	orig = copy + headroom + p.sip_off;
	m0 = *m;
	p0 = p;
	if (msg.kind == SLB_SIP_REQUEST) {
		/* at most: the block on top and the sender's received and rport */
		uint16_t grow = VIA_LEN + ((flags & SLB_RW_RECORD_ROUTE) ? RR_LEN : 0) +
			(msg.max_forwards < 0 ? MF_LEN : 0) + SRC_LEN;
		uint32_t rip;
		uint16_t rport;

		if (msg.via_count < 1 || msg.max_forwards == 0)
			goto out;
		rc = slb_rw_request(m, &p, &msg, &cfg, flags, SRC_IP, SRC_PORT);
		if (rc != 0) {
			/* refused: as it was, and only for a reason the harness can see */
			CHECK(memcmp(copy, buf, m->buf_len) == 0);
			CHECK(memcmp(&m0, m, sizeof(m0)) == 0 && memcmp(&p0, &p, sizeof(p)) == 0);
			if (rc == -EINVAL)
				CHECK(((flags & SLB_RW_DROP_ROUTE) && msg.route_count == 0) ||
					orphan_fold(sip, len, &msg) ||
					source_params(sip, msg.via[0].value) >= 5);
			else
				CHECK(rc == -ENOSPC && grow > headroom && grow > tailroom);
			goto out;
		}
		CHECK(p.csum == SLB_PKT_CSUM_SUM);
		slb_rw_finish(m, &p);
		check_packet(m, &p, ihl);

		sip = rte_pktmbuf_mtod_offset(m, uint8_t *, p.sip_off);
		slb_sip_parse(sip, p.sip_len, &again);
		CHECK(slb_sip_policy(again.err) != SLB_SIP_ACT_DROP);
		CHECK(again.kind == SLB_SIP_REQUEST);
		CHECK(again.via_count == msg.via_count + 1 || msg.via_count == UINT16_MAX);
		CHECK(slb_rw_via_is_ours(sip, &again, &cfg));
		CHECK(again.max_forwards == (msg.max_forwards > 0 ? msg.max_forwards - 1 : 70));
		CHECK(span_eq(sip, again.call_id, orig, msg.call_id));
		/* the sender's Via keeps its identity and now sends responses to the source */
		CHECK(span_eq(sip, again.via[1].host, orig, msg.via[0].host));
		CHECK(span_eq(sip, again.via[1].branch, orig, msg.via[0].branch));
		CHECK(again.via[1].port == msg.via[0].port);
		CHECK(slb_rw_response_dest(sip, &again.via[1], &rip, &rport) == 0);
		CHECK(rip == SRC_IP);
		CHECK(rport == (msg.via[0].has_rport ? SRC_PORT :
			(msg.via[0].port ? msg.via[0].port : 5060)));
		CHECK(span_eq(sip, again.body, orig, msg.body));
		CHECK(again.rr_count == msg.rr_count + !!(flags & SLB_RW_RECORD_ROUTE) ||
			msg.rr_count == UINT16_MAX);
		CHECK(again.route_count == msg.route_count - !!(flags & SLB_RW_DROP_ROUTE) ||
			msg.route_count == UINT16_MAX);
	} else if (msg.kind == SLB_SIP_RESPONSE) {
		rc = slb_rw_response(m, &p, &msg);
		if (msg.via_count < 2) {
			CHECK(rc == -EINVAL);
			CHECK(memcmp(copy, buf, m->buf_len) == 0);
			goto out;
		}
		CHECK(rc == 0);
		CHECK(p.csum == SLB_PKT_CSUM_SUM);
		slb_rw_finish(m, &p);
		check_packet(m, &p, ihl);
		/* one side of the cut stayed: the shorter one moved */
		CHECK(rte_pktmbuf_mtod(m, uint8_t *) + m->data_len == buf + headroom + m0.data_len ||
			rte_pktmbuf_mtod(m, uint8_t *) == buf + headroom);

		sip = rte_pktmbuf_mtod_offset(m, uint8_t *, p.sip_off);
		slb_sip_parse(sip, p.sip_len, &again);
		CHECK(again.kind == SLB_SIP_RESPONSE);
		CHECK(again.via_count == msg.via_count - 1 || msg.via_count == UINT16_MAX);
		CHECK(span_eq(sip, again.via[0].value, orig, msg.via[1].value));
		CHECK(span_eq(sip, again.call_id, orig, msg.call_id));
	}
out:
	free(copy);
	free(buf);
	free(m);
	return 0;
}
