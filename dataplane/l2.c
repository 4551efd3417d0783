/* l2.c: Ethernet demultiplexing and ARP: answer requests for our addresses, learn, ask. */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "ipv4.h"
#include "l2.h"
#include "log.h"
#include "neigh.h"
#include "worker.h"

RTE_LOG_REGISTER(slb_logtype_l2, siplb.l2, INFO);

#define ARP_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

void
slb_arp_request(struct slb_worker *w, uint16_t pidx, uint32_t target)
{
	const struct slb_port *port = &slb_dp.port[pidx];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(slb_dp.pool);
	if (unlikely(m == NULL)) {
		slb_w_ctr(w)->drop[SLB_STATS_DROP_NO_MBUF]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_LEN);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = port->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = port->mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(slb_addr_src(&slb_dp.addr, pidx, target));
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(target);
	slb_w_ctr(w)->arp_tx_request++;
	slb_tx_one(&w->tx[pidx], m, slb_w_ctr(w));
}

static void
arp_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	const struct slb_port *port = &slb_dp.port[pidx];
	struct slb_stats_ctr *c = slb_w_ctr(w);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	struct rte_ether_addr sha;
	enum slb_arp_verdict verdict;
	uint32_t sip, tip;
	uint16_t op;

	if (unlikely(rte_pktmbuf_data_len(m) < ARP_LEN)) {
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_BAD);
		return;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
			arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_BAD);
		return;
	}
	op = rte_be_to_cpu_16(arp->arp_opcode);
	sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	sha = arp->arp_data.arp_sha;

	verdict = slb_addr_arp_verdict(&slb_dp.addr, pidx, sip, tip);
	switch (verdict) {
	case SLB_ARP_CLAIM:
		/* someone else claims one of our addresses (or our own frame came back) */
		if (!rte_is_same_ether_addr(&sha, &port->mac) &&
				slb_log_ratelimit(&w->log_tsc, w->tsc, slb_dp.tsc_hz * 10)) {
			char ip[16];

			SLB_LOG(l2, WARNING, "port %s: %s is claimed by " RTE_ETHER_ADDR_PRT_FMT,
				port->name, slb_cfg_ip_str(sip, ip),
				RTE_ETHER_ADDR_BYTES(&sha));
		}
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_NOT_OURS);
		return;
	case SLB_ARP_REFRESH:
		/* not for us: only refresh what we already use on this port (gratuitous ARP) */
		slb_neigh_learn(slb_dp.neigh, pidx, sip, &sha, w->tsc, false);
		/* fall through */
	case SLB_ARP_OTHER:
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_NOT_OURS);
		return;
	case SLB_ARP_OFF_PORT:
		/*
		 * For us, from a sender we could not reach through this port. Our traffic to it
		 * would go by route anyway; an answer would only help a host on another link (or
		 * one lying about its address) aim at us. Counted, not logged: the interval's drop
		 * summary shows it.
		 */
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_PORT);
		return;
	case SLB_ARP_PROBE:
	case SLB_ARP_LEARN:
		break;
	}

	switch (op) {
	case RTE_ARP_OP_REQUEST:
		c->arp_rx_request++;
		if (verdict == SLB_ARP_LEARN &&
				slb_neigh_learn(slb_dp.neigh, pidx, sip, &sha, w->tsc, true) >= 0)
			c->arp_learned++;
		/* answer in place */
		eth->dst_addr = eth->src_addr;
		eth->src_addr = port->mac;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		arp->arp_data.arp_tha = sha;
		arp->arp_data.arp_tip = arp->arp_data.arp_sip;
		arp->arp_data.arp_sha = port->mac;
		arp->arp_data.arp_sip = rte_cpu_to_be_32(tip);
		c->arp_tx_reply++;
		slb_tx_one(&w->tx[pidx], m, c);
		return;
	case RTE_ARP_OP_REPLY:
		c->arp_rx_reply++;
		if (verdict == SLB_ARP_LEARN &&
				slb_neigh_learn(slb_dp.neigh, pidx, sip, &sha, w->tsc, true) >= 0)
			c->arp_learned++;
		rte_pktmbuf_free(m);
		return;
	default:
		slb_w_drop(w, m, SLB_STATS_DROP_ARP_BAD);
		return;
	}
}

void
slb_l2_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
		slb_w_drop(w, m, SLB_STATS_DROP_SHORT);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &slb_dp.port[pidx].mac) &&
			!rte_is_broadcast_ether_addr(&eth->dst_addr))) {
		slb_w_drop(w, m, SLB_STATS_DROP_L2_DST);
		return;
	}
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		slb_ipv4_input(w, pidx, m);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(w, pidx, m);
		return;
	default: /* VLAN-tagged frames included: not supported */
		slb_w_drop(w, m, SLB_STATS_DROP_ETHERTYPE);
		return;
	}
}
