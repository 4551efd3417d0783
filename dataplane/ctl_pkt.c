/* ctl_pkt.c: build a probe datagram for control; recognise ICMP unreachables about ours. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ctl_pkt.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_HOST_UNREACH 1
#define ICMP_PORT_UNREACH 3
#define ICMP_HDR_LEN 8u /* type, code, checksum, 4 unused bytes; the quote follows */
#define QUOTE_L4 8u     /* RFC 792: at least 64 bits of the datagram after its header */

static_assert(SLB_CTL_PROBE_HDRS == sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr),
	"probe headers");

uint16_t
slb_ctl_probe_write(void *buf, const struct slb_ctl_probe *pr, uint32_t src, uint16_t sport)
{
	struct rte_ipv4_hdr *ip = buf;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t len;

	if (pr->len > SLB_CTL_PROBE_MAX)
		return 0;
	len = (uint16_t)(SLB_CTL_PROBE_HDRS + pr->len);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(pr->dst_ip);
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(pr->dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*ip)));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, pr->sip, pr->len);
	/* rte_ipv4_udptcp_cksum() maps a zero sum to 0xffff: 0 would mean "no checksum" */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return len;
}

bool
slb_ctl_icmp_unreach(const void *icmp, uint32_t len, uint16_t pidx,
	const struct slb_addr_tbl *addr, uint16_t sip_port, uint32_t *ip, uint16_t *port)
{
	const uint8_t *b = icmp;
	const struct rte_ipv4_hdr *q;
	const struct rte_udp_hdr *qu;
	uint32_t qhl, qsrc, qdst, nh;

	if (len < ICMP_HDR_LEN + sizeof(*q) || b[0] != ICMP_DEST_UNREACH ||
			(b[1] != ICMP_HOST_UNREACH && b[1] != ICMP_PORT_UNREACH))
		return false;
	if (rte_raw_cksum(icmp, len) != 0xffff)
		return false;
	q = (const struct rte_ipv4_hdr *)(b + ICMP_HDR_LEN);
	qhl = (uint32_t)(q->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if ((q->version_ihl >> 4) != 4 || qhl < sizeof(*q) || len < ICMP_HDR_LEN + qhl + QUOTE_L4)
		return false;
	/* a later fragment quotes no UDP header */
	if (q->next_proto_id != IPPROTO_UDP ||
			(rte_be_to_cpu_16(q->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return false;
	qsrc = rte_be_to_cpu_32(q->src_addr);
	qdst = rte_be_to_cpu_32(q->dst_addr);
	if (slb_addr_local(addr, qsrc) < 0 || slb_addr_local(addr, qdst) >= 0)
		return false;
	/* toward a backend or toward a caller: either way it left from the port it came back to */
	if (slb_addr_route(addr, qdst, SLB_ROLE_BACKEND, &nh) != (int)pidx &&
			slb_addr_route(addr, qdst, SLB_ROLE_CALLER, &nh) != (int)pidx)
		return false;
	qu = (const struct rte_udp_hdr *)(b + ICMP_HDR_LEN + qhl);
	if (rte_be_to_cpu_16(qu->src_port) != sip_port)
		return false;
	*ip = qdst;
	*port = rte_be_to_cpu_16(qu->dst_port);
	return true;
}
