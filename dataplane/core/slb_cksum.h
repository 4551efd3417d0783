/* slb_cksum.h: the Internet checksum (RFC 1071) of UDP over IPv4: whole, and its parts. */
#ifndef SLB_CKSUM_H
#define SLB_CKSUM_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Why not rte_raw_cksum(): in DPDK 22.11 it adds 16-bit words one by one, and a SIP datagram
 * is 300 to 3000 bytes, so the UDP checksum was a sixth of the per-message instructions. Adding
 * 32-bit words into a 64-bit accumulator needs no carry handling until the end (2^32 words would
 * be needed to overflow) and the compiler vectorises the loop. The one's-complement sum does not
 * depend on byte order, so native loads give the sum in memory order, as rte_raw_cksum does.
 */
static inline uint64_t
slb_cksum_add(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *b = buf;
	size_t i, n4;

#ifdef __SSE2__
	/*
	 * Sixteen bytes a step: widen the 16-bit words to 32-bit lanes and add. A lane gains at
	 * most 0x1fffe a step, so 2^15 steps (512 KB) cannot overflow it; SIP datagrams are < 64 KB.
	 */
	if (len >= 64 && len <= (1u << 19)) {
		__m128i acc = _mm_setzero_si128(), zero = _mm_setzero_si128();
		uint32_t lanes[4];

		for (; len >= 16; b += 16, len -= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)b);

			acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(v, zero));
			acc = _mm_add_epi32(acc, _mm_unpackhi_epi16(v, zero));
		}
		_mm_storeu_si128((__m128i *)lanes, acc);
		sum += (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
	}
#endif
	n4 = len / 4;

	for (i = 0; i < n4; i++) {
		uint32_t w;

		memcpy(&w, b + 4 * i, 4);
		sum += w;
	}
	b += 4 * n4;
	len -= 4 * n4;
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, b, 2);
		sum += w;
		b += 2;
		len -= 2;
	}
	if (len)
		sum += *b; /* the odd byte, padded with a zero byte after it */
	return sum;
}

/* Fold a 64-bit sum to 16 bits (not complemented). */
static inline uint16_t
slb_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * A sum of bytes that start at an odd offset of the datagram: every byte sits in the other half
 * of its 16-bit word, so the sum is the byte swap of the sum taken from an even offset
 * (RFC 1071, 2(B)). It holds for folded sums, end-around carries included.
 */
static inline uint16_t
slb_cksum_swap(uint16_t s)
{
	return (uint16_t)(s << 8 | s >> 8);
}

/* The UDP pseudo header of RFC 768 (addresses, protocol, udp_len_be), in memory order. */
static inline uint64_t
slb_cksum_phdr4(const struct rte_ipv4_hdr *ip, rte_be16_t udp_len_be)
{
	return slb_cksum_add(&ip->src_addr, 8, 0) + rte_cpu_to_be_16(IPPROTO_UDP) + udp_len_be;
}

/*
 * Write the UDP checksum of a whole datagram (pseudo header, UDP header and payload, as many
 * bytes as dgram_len says), as RFC 768 wants it: a computed zero is sent as all ones, since
 * zero in the field means "no checksum".
 */
static inline void
slb_cksum_udp4_fill(const struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp)
{
	uint64_t sum;
	uint16_t c;

	udp->dgram_cksum = 0;
	sum = slb_cksum_add(udp, rte_be_to_cpu_16(udp->dgram_len), slb_cksum_phdr4(ip,
		udp->dgram_len));
	c = (uint16_t)~slb_cksum_fold(sum);
	udp->dgram_cksum = c == 0 ? 0xffff : c;
}

#endif /* SLB_CKSUM_H */
