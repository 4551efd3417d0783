/* ipv4.c: IPv4 input: header checks, our addresses, fragments aside, ICMP, UDP to SIP. */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "slb_cksum.h"
#include "ctl.h"
#include "ctl_pkt.h"
#include "frag.h"
#include "ip_out.h"
#include "ipv4.h"
#include "sip_io.h"
#include "worker.h"

#define L2_LEN ((uint32_t)sizeof(struct rte_ether_hdr))

static inline struct rte_ipv4_hdr *
ip_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L2_LEN);
}

/* The UDP checksum of a datagram checks out: the sum over it, with its checksum, is all ones. */
static inline bool
udp_sum_ok(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp)
{
	uint64_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum = slb_cksum_add(udp, rte_be_to_cpu_16(udp->dgram_len), sum);
	return slb_cksum_fold(sum) == 0xffff;
}

void
slb_ipv4_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip;
	uint16_t hl, tot;
	uint64_t csum;

	if (unlikely(rte_pktmbuf_data_len(m) < L2_LEN + sizeof(*ip))) {
		slb_w_drop(w, m, SLB_STATS_DROP_SHORT);
		return;
	}
	ip = ip_hdr(m);
	hl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely((ip->version_ihl >> 4) != 4 || hl < sizeof(*ip) || tot < hl ||
			L2_LEN + hl > rte_pktmbuf_data_len(m) || L2_LEN + tot > m->pkt_len)) {
		slb_w_drop(w, m, SLB_STATS_DROP_IP_HDR);
		return;
	}
	/* UNKNOWN: check it here; GOOD, or NONE (verified data, field not final): trust it */
	csum = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(csum == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			(csum == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && rte_raw_cksum(ip, hl) != 0xffff))) {
		slb_w_drop(w, m, SLB_STATS_DROP_IP_CSUM);
		return;
	}
	/* Ethernet pads short frames: make the packet end where the datagram does */
	if (m->pkt_len > L2_LEN + tot)
		rte_pktmbuf_trim(m, m->pkt_len - L2_LEN - tot);

	/* We are an end host (a proxy), not a router: anything not to us is dropped. */
	if (unlikely(slb_addr_local(&slb_dp.addr, rte_be_to_cpu_32(ip->dst_addr)) < 0)) {
		slb_w_drop(w, m, SLB_STATS_DROP_NOT_OURS);
		return;
	}
	if (unlikely(rte_ipv4_frag_pkt_is_fragmented(ip))) {
		slb_frag_input(w, pidx, m, ip);
		return;
	}
	/*
	 * What follows reads the datagram as one run of bytes (checksums, the SIP parser): a chain
	 * (virtio mergeable buffers, memif) is copied into one mbuf first.
	 */
	if (unlikely(m->nb_segs > 1)) {
		m = slb_frag_linearize(w, m);
		if (m == NULL)
			return;
	}
	slb_ipv4_local(w, pidx, m);
}

#define ICMP_DEST_UNREACH 3

/*
 * A destination unreachable about a SIP datagram of ours (a backend's host or port is gone) is
 * news for siplb-control's health checks: handed over and counted as icmp_unreach, not as a
 * drop. Any other unreachable is dropped as reason icmp, as before.
 */
static void
unreach_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m,
	const struct rte_icmp_hdr *icmp, uint16_t len)
{
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_ICMP_UNREACH,
		.be_id = SLB_BE_NONE,
		.tsc = w->tsc,
	};
	uint16_t idx;

	if (!slb_ctl_icmp_unreach(icmp, len, pidx, &slb_dp.addr, slb_dp.fwd.sip_port, &e.ip,
			&e.port)) {
		slb_w_drop(w, m, SLB_STATS_DROP_ICMP);
		return;
	}
	idx = w->bt != NULL ? slb_be_find_addr(w->bt, e.ip, e.port) : SLB_BE_NONE;
	if (idx != SLB_BE_NONE)
		e.be_id = w->bt->be[idx].id;
	slb_w_ctr(w)->icmp_unreach++;
	slb_ctl_worker_emit(w->ctl_evt, &e, slb_w_ctr(w));
	rte_pktmbuf_free(m);
}

static void
icmp_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint16_t hl = rte_ipv4_hdr_len(ip);
	uint16_t len = rte_be_to_cpu_16(ip->total_length) - hl;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + hl);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr to;
	uint32_t a;
	uint16_t ck;

	if (unlikely(len >= sizeof(*icmp) && icmp->icmp_type == ICMP_DEST_UNREACH)) {
		unreach_input(w, pidx, m, icmp, len);
		return;
	}
	if (len < sizeof(*icmp) || icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
			icmp->icmp_code != 0 || rte_raw_cksum(icmp, len) != 0xffff) {
		slb_w_drop(w, m, SLB_STATS_DROP_ICMP);
		return;
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	ck = (uint16_t)~rte_raw_cksum(icmp, len);
	icmp->icmp_cksum = ck;

	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	/* straight back to the frame's sender: no route or ARP lookup for a reply */
	to = eth->src_addr;
	slb_w_ctr(w)->icmp_echo++;
	slb_eth_send(w, pidx, m, &to);
}

static void
udp_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint16_t hl = rte_ipv4_hdr_len(ip);
	uint16_t len = rte_be_to_cpu_16(ip->total_length) - hl;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + hl);
	uint64_t csum;

	if (unlikely(len < sizeof(*udp) || rte_be_to_cpu_16(udp->dgram_len) != len)) {
		slb_w_drop(w, m, SLB_STATS_DROP_UDP_HDR);
		return;
	}
	if (rte_be_to_cpu_16(udp->dst_port) != slb_dp.fwd.sip_port) {
		slb_w_drop(w, m, SLB_STATS_DROP_UDP_PORT);
		return;
	}
	/*
	 * After the rewrite the checksum is computed afresh (by the device, or in software for a
	 * datagram that came without one), which would bless a corrupted datagram, or updated from
	 * this one (slb_rw.h), which must be right to start from: check it first. With the
	 * checksum in place a correct sum is 0xffff, which rte_ipv4_udptcp_cksum() reports as
	 * 0xffff (it returns the complement, 0 mapped to 0xffff). A zero checksum means "none" in
	 * UDP over IPv4.
	 */
	csum = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (udp->dgram_cksum != 0 && unlikely(csum == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
			(csum == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN && !udp_sum_ok(ip, udp)))) {
		slb_w_drop(w, m, SLB_STATS_DROP_UDP_CSUM);
		return;
	}
	slb_sip_input(w, pidx, m, ip, udp);
}

void
slb_ipv4_local(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_hdr(m);

	switch (ip->next_proto_id) {
	case IPPROTO_UDP:
		udp_input(w, pidx, m, ip);
		return;
	case IPPROTO_ICMP:
		icmp_input(w, pidx, m, ip);
		return;
	default:
		slb_w_drop(w, m, SLB_STATS_DROP_PROTO);
		return;
	}
}
