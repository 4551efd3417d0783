/* slb_testpkt.h: packets for tests and benchmarks: hand-made mbufs, frames, an independent sum. */
#ifndef SLB_TESTPKT_H
#define SLB_TESTPKT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "slb_rw.h"

#define TESTPKT_L2 14
#define TESTPKT_L3 20
#define TESTPKT_L4 8
#define TESTPKT_HDRS (TESTPKT_L2 + TESTPKT_L3 + TESTPKT_L4)

/*
 * The one's-complement sum of RFC 1071, written out byte by byte so that checks do not test
 * DPDK's or slb_cksum.h's code against itself. Returns the folded 16-bit sum.
 */
static inline uint32_t
testpkt_sum16(const uint8_t *d, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		s += (uint32_t)d[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static inline uint16_t
testpkt_be16(const uint8_t *d)
{
	return (uint16_t)(d[0] << 8 | d[1]);
}

/* The UDP pseudo-header and datagram (with its checksum field), summed as a receiver would. */
static inline uint32_t
testpkt_udp_sum(const uint8_t *ip, const uint8_t *udp)
{
	uint16_t len = testpkt_be16(udp + 4);

	return testpkt_sum16(udp, len, testpkt_sum16(ip + 12, 8, 0) + 17 + len);
}

/* An mbuf with its data area right behind it, as a mempool lays it out; NULL if out of memory. */
static inline struct rte_mbuf *
testpkt_mbuf(uint16_t headroom, uint16_t room)
{
	size_t size = (sizeof(struct rte_mbuf) + headroom + room + 63) & ~(size_t)63;
	struct rte_mbuf *m = aligned_alloc(64, size);

	if (m == NULL)
		return NULL;
	memset(m, 0, size);
	m->buf_addr = (char *)m + sizeof(*m);
	m->buf_len = (uint16_t)(headroom + room);
	m->data_off = headroom;
	m->nb_segs = 1;
	return m;
}

/* The Ethernet header every test frame carries (locally administered MACs, IPv4). */
static inline const uint8_t *
testpkt_eth(void)
{
	static const uint8_t eth[TESTPKT_L2] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	};

	return eth;
}

/*
 * Ethernet + IPv4 + UDP around sip (len bytes) at d, with correct lengths and checksums;
 * addresses in host order. Fills p when not NULL. Returns the frame's length.
 */
static inline uint16_t
testpkt_frame(uint8_t *d, const void *sip, uint16_t len, uint32_t src, uint16_t sport,
	uint32_t dst, uint16_t dport, struct slb_pkt *p)
{
	uint8_t *ip = d + TESTPKT_L2, *udp = ip + TESTPKT_L3;
	uint16_t ck, ulen = (uint16_t)(TESTPKT_L4 + len);

	memcpy(d, testpkt_eth(), TESTPKT_L2);
	memset(ip, 0, TESTPKT_L3 + TESTPKT_L4);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((TESTPKT_L3 + ulen) >> 8);
	ip[3] = (uint8_t)(TESTPKT_L3 + ulen);
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = (uint8_t)(src >> 24);
	ip[13] = (uint8_t)(src >> 16);
	ip[14] = (uint8_t)(src >> 8);
	ip[15] = (uint8_t)src;
	ip[16] = (uint8_t)(dst >> 24);
	ip[17] = (uint8_t)(dst >> 16);
	ip[18] = (uint8_t)(dst >> 8);
	ip[19] = (uint8_t)dst;
	ck = (uint16_t)~testpkt_sum16(ip, TESTPKT_L3, 0);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	memcpy(udp + TESTPKT_L4, sip, len);
	ck = (uint16_t)~testpkt_udp_sum(ip, udp);
	if (ck == 0)
		ck = 0xffff;
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
	if (p != NULL) {
		p->l3_off = TESTPKT_L2;
		p->l4_off = TESTPKT_L2 + TESTPKT_L3;
		p->sip_off = TESTPKT_HDRS;
		p->sip_len = len;
		p->csum = SLB_PKT_CSUM_RX; /* the sums above are right, as a receive path checks */
	}
	return (uint16_t)(TESTPKT_HDRS + len);
}

/* A frame in mbuf m (data from its headroom on): lengths set, p filled. */
static inline struct rte_mbuf *
testpkt_load(struct rte_mbuf *m, uint16_t headroom, const void *sip, uint16_t len, uint32_t src,
	uint16_t sport, uint32_t dst, uint16_t dport, struct slb_pkt *p)
{
	m->data_off = headroom;
	m->nb_segs = 1;
	m->next = NULL;
	m->data_len = testpkt_frame(rte_pktmbuf_mtod(m, uint8_t *), sip, len, src, sport, dst,
		dport, p);
	m->pkt_len = m->data_len;
	return m;
}

#endif /* SLB_TESTPKT_H */
