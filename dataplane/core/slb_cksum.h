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

#ifdef __SSE2__
	/*
	 * Widen the 16-bit words to 32-bit lanes and add. Added together, a lane has taken one
	 * word in four: up to 512 KB, 2^16 words of at most 0xffff, which cannot overflow it; SIP
	 * datagrams are < 64 KB. From 16 bytes on: the rewrite sums many short runs (slb_rw.h),
	 * where a byte loop costs more than setting up the vector.
	 */
	if (len >= 16 && len <= (1u << 19)) {
		__m128i acc = _mm_setzero_si128(), acc2 = _mm_setzero_si128();
		__m128i zero = _mm_setzero_si128();
		uint64_t lanes[2];

		/* 32 bytes a step into two accumulators (fewer loop steps), then the last 16 */
		for (; len >= 32; b += 32, len -= 32) {
			__m128i v = _mm_loadu_si128((const __m128i *)b);
			__m128i w = _mm_loadu_si128((const __m128i *)(b + 16));

			acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(v, zero));
			acc2 = _mm_add_epi32(acc2, _mm_unpacklo_epi16(w, zero));
			acc = _mm_add_epi32(acc, _mm_unpackhi_epi16(v, zero));
			acc2 = _mm_add_epi32(acc2, _mm_unpackhi_epi16(w, zero));
		}
		if (len >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)b);

			acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(v, zero));
			acc2 = _mm_add_epi32(acc2, _mm_unpackhi_epi16(v, zero));
			b += 16;
			len -= 16;
		}
		acc = _mm_add_epi32(acc, acc2);
		/* four 32-bit lanes into two 64-bit ones: their sum could pass 32 bits */
		acc = _mm_add_epi64(_mm_unpacklo_epi32(acc, zero), _mm_unpackhi_epi32(acc, zero));
		_mm_storeu_si128((__m128i *)lanes, acc);
		sum += lanes[0] + lanes[1];
	}
#endif
	/* the rest (under 16 bytes with SSE2): 8 bytes as two 32-bit words, then 4, 2, 1 */
	for (; len >= 8; b += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, b, 8);
		sum += (w & 0xffffffffu) + (w >> 32);
	}
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		sum += w;
		b += 4;
		len -= 4;
	}
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

/*
 * Fold a 64-bit sum to 16 bits (not complemented). Two folds each way are enough: two halves of
 * at most 2^32 - 1 add up to at most 2^33 - 2, whose second fold is at most 2^32 - 1; and two
 * 16-bit halves of that to at most 0x1fffe, whose second fold is at most 0xffff.
 */
static inline uint16_t
slb_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The IPv4 header checksum to write into hdr_checksum (which must be zero), the value
 * rte_ipv4_cksum() gives, which sums 16-bit words one by one: for the usual 20-byte header,
 * five 32-bit words.
 */
static inline uint16_t
slb_cksum_ipv4(const struct rte_ipv4_hdr *ip)
{
	uint32_t w[5];
	uint64_t sum;

	if (rte_ipv4_hdr_len(ip) != sizeof(w))
		return (uint16_t)~slb_cksum_fold(slb_cksum_add(ip, rte_ipv4_hdr_len(ip), 0));
	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	return (uint16_t)~slb_cksum_fold(sum);
}

/*
 * The UDP pseudo header of RFC 768 (addresses, protocol, udp_len_be), in memory order: 32-bit
 * words added as slb_cksum_add() adds them, without its loop for so few.
 */
static inline uint64_t
slb_cksum_phdr4(const struct rte_ipv4_hdr *ip, rte_be16_t udp_len_be)
{
	return (uint64_t)ip->src_addr + ip->dst_addr + rte_cpu_to_be_16(IPPROTO_UDP) + udp_len_be;
}

/* The UDP header's 8 bytes (ports, length, checksum field as it is), in memory order. */
static inline uint64_t
slb_cksum_udph(const struct rte_udp_hdr *udp)
{
	uint32_t w[2];

	memcpy(w, udp, sizeof(w));
	return (uint64_t)w[0] + w[1];
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
