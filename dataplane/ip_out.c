/* ip_out.c: IPv4 output: route, neighbour lookup, the pending queue while ARP resolves, tx. */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "frag.h"
#include "ip_out.h"
#include "l2.h"
#include "neigh.h"
#include "slb_cksum.h"
#include "worker.h"

/*
 * The checksums a device was to compute (slb_rw_finish(), SLB_PKT_CSUM_OFFLOAD), computed here:
 * for a datagram that leaves in fragments, whose UDP checksum covers them all (no device sums
 * across packets), or for one that leaves by a port without the offload (a reply of ours going
 * back the way it came: port.c). The whole datagram is summed: nothing kept a sum to update.
 */
static void
csum_in_software(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));

	m->ol_flags &= ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	slb_cksum_udp4_fill(ip, udp);
}

void
slb_eth_send(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m,
	const struct rte_ether_addr *dmac)
{
	const struct slb_port *port = &slb_dp.port[pidx];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	bool frag = rte_be_to_cpu_16(ip->total_length) > port->mtu;

	eth->dst_addr = *dmac;
	eth->src_addr = port->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) {
		if (likely(port->tx_csum && !frag))
			m->l2_len = sizeof(*eth); /* l3_len: slb_rw_finish() */
		else
			csum_in_software(m, ip);
	}
	if (unlikely(frag)) {
		slb_frag_output(w, pidx, m);
		return;
	}
	slb_tx_one(&w->tx[pidx], m, slb_w_ctr(w));
}

/*
 * Hold m until (pidx, nh) resolves. want: create the entry to wait on and ask for it; not when
 * the lookup found the entry's chain locked (SLB_NEIGH_BUSY): a worker does not wait for the
 * writer, the pending service looks again on the next pass.
 */
static void
pend_add(struct slb_worker *w, struct rte_mbuf *m, uint32_t nh, uint16_t pidx, bool want)
{
	struct slb_pend *p;
	int idx;

	if (unlikely(w->pend_n == w->pend_cap)) {
		slb_w_drop(w, m, SLB_STATS_DROP_PENDING_FULL);
		return;
	}
	if (likely(want)) {
		idx = slb_neigh_want(slb_dp.neigh, pidx, nh, w->tsc);
		if (unlikely(idx < 0)) {
			slb_w_drop(w, m, SLB_STATS_DROP_NEIGH_FULL);
			return;
		}
		if (slb_neigh_may_request(slb_dp.neigh, idx, w->tsc))
			slb_arp_request(w, pidx, nh);
	}
	p = &w->pend[w->pend_n++];
	p->m = m;
	p->nh = nh;
	p->pidx = pidx;
	p->deadline = w->tsc + w->pend_tsc;
	slb_w_ctr(w)->pend_queued++;
}

void
slb_ip_send(struct slb_worker *w, struct rte_mbuf *m, uint32_t dst, uint32_t role)
{
	struct slb_neigh_view v;
	uint32_t nh;
	int pidx, idx;

	pidx = slb_addr_route(&slb_dp.addr, dst, role, &nh);
	if (unlikely(pidx < 0)) {
		slb_w_drop(w, m, SLB_STATS_DROP_NO_ROUTE);
		return;
	}
	/* the MAC must have been learned on the port we send from */
	idx = slb_neigh_lookup(slb_dp.neigh, (uint16_t)pidx, nh, &v);
	if (likely(idx >= 0 && slb_neigh_usable(&v))) {
		/* PROBE: still good, but ask again (one lcore, once per retry interval) */
		if (unlikely(v.state == SLB_NEIGH_PROBE) &&
				slb_neigh_may_request(slb_dp.neigh, idx, w->tsc))
			slb_arp_request(w, (uint16_t)pidx, nh);
		slb_eth_send(w, (uint16_t)pidx, m, &v.mac);
		return;
	}
	pend_add(w, m, nh, (uint16_t)pidx, idx != SLB_NEIGH_BUSY);
}

void
slb_pend_service(struct slb_worker *w)
{
	struct slb_neigh_view v;
	uint16_t i, j = 0;
	int idx;

	for (i = 0; i < w->pend_n; i++) {
		struct slb_pend p = w->pend[i];

		idx = slb_neigh_lookup(slb_dp.neigh, p.pidx, p.nh, &v);
		if (idx >= 0 && slb_neigh_usable(&v)) {
			slb_w_ctr(w)->pend_sent++;
			slb_eth_send(w, p.pidx, p.m, &v.mac);
			continue;
		}
		if ((int64_t)(w->tsc - p.deadline) >= 0) {
			slb_w_drop(w, p.m, SLB_STATS_DROP_NEIGH_TIMEOUT);
			continue;
		}
		if (idx == SLB_NEIGH_MISS)
			idx = slb_neigh_want(slb_dp.neigh, p.pidx, p.nh, w->tsc);
		if (idx >= 0 && slb_neigh_may_request(slb_dp.neigh, idx, w->tsc))
			slb_arp_request(w, p.pidx, p.nh);
		w->pend[j++] = p;
	}
	w->pend_n = j;
}

void
slb_pend_flush(struct slb_worker *w)
{
	uint16_t i;

	for (i = 0; i < w->pend_n; i++)
		slb_w_drop(w, w->pend[i].m, SLB_STATS_DROP_SHUTDOWN);
	w->pend_n = 0;
}

void
slb_probe_service(struct slb_worker *w)
{
	struct slb_neigh_probe pr[16];
	struct slb_neigh_view v;
	unsigned int n, i;
	int idx;

	n = rte_ring_dequeue_burst_elem(slb_dp.probe_ring, pr, sizeof(pr[0]), RTE_DIM(pr), NULL);
	for (i = 0; i < n; i++) {
		idx = slb_neigh_lookup(slb_dp.neigh, pr[i].pidx, pr[i].ip, &v);
		if (idx >= 0 && v.state == SLB_NEIGH_REACHABLE)
			continue; /* answered meanwhile */
		if (idx == SLB_NEIGH_BUSY)
			continue; /* a writer is on it; the next aging pass or packet asks again */
		if (idx < 0 || v.state != SLB_NEIGH_PROBE)
			idx = slb_neigh_want(slb_dp.neigh, pr[i].pidx, pr[i].ip, w->tsc);
		if (idx >= 0 && slb_neigh_may_request(slb_dp.neigh, idx, w->tsc)) {
			slb_w_ctr(w)->neigh_probe++;
			slb_arp_request(w, pr[i].pidx, pr[i].ip);
		}
	}
}

void
slb_ctl_probe_service(struct slb_worker *w)
{
	struct rte_mbuf *m[8];
	const struct rte_ipv4_hdr *ip;
	unsigned int n, i;

	if (slb_dp.ctl_probe_ring == NULL)
		return;
	n = rte_ring_sc_dequeue_burst(slb_dp.ctl_probe_ring, (void **)m, RTE_DIM(m), NULL);
	for (i = 0; i < n; i++) {
		ip = rte_pktmbuf_mtod_offset(m[i], const struct rte_ipv4_hdr *,
			sizeof(struct rte_ether_hdr));
		slb_w_ctr(w)->probe_tx++;
		slb_ip_send(w, m[i], rte_be_to_cpu_32(ip->dst_addr), SLB_ROLE_BACKEND);
	}
}
