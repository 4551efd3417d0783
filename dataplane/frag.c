/* frag.c: IPv4 reassembly (per-lcore rte_ip_frag table), linearising, and output fragmentation. */
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "frag.h"
#include "ipv4.h"
#include "log.h"
#include "slb_rw.h"
#include "worker.h"

RTE_LOG_REGISTER(slb_logtype_frag, siplb.frag, INFO);

#define L2_LEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define STEER_BURST 32
#define FRAG_OUT_MAX 64
/* Room a linearised datagram keeps for the SIP rewrite: headroom first (its fast path). */
#define LINEAR_HEADROOM RTE_MAX(RTE_PKTMBUF_HEADROOM, SLB_RW_MAX_INSERT)
#define LINEAR_SLACK (2 * SLB_RW_MAX_INSERT)

static inline uint32_t
frag_owner(const struct rte_ipv4_hdr *ip, uint32_t nb_workers)
{
	uint32_t h = ip->src_addr ^ ip->dst_addr ^
		((uint32_t)ip->packet_id << 16 | ip->next_proto_id);

	h *= 2654435769u;
	return (uint32_t)(((uint64_t)h * nb_workers) >> 32);
}

static void
free_death_row(struct slb_worker *w)
{
	slb_w_ctr(w)->drop[SLB_STATS_DROP_REASM] += w->dr.cnt;
	rte_ip_frag_free_death_row(&w->dr, 3);
}

/*
 * The SIP rewrite needs one contiguous segment: copy the chain into one mbuf, from the main pool
 * when it fits with room to spare, else from the big pool.
 */
struct rte_mbuf *
slb_frag_linearize(struct slb_worker *w, struct rte_mbuf *m)
{
	struct rte_mempool *mp = slb_dp.pool;
	uint32_t len = m->pkt_len, off = 0;
	const struct rte_mbuf *s;
	struct rte_mbuf *n;
	uint8_t *dst;

	if (len + LINEAR_HEADROOM + LINEAR_SLACK > rte_pktmbuf_data_room_size(mp))
		mp = slb_dp.big_pool;
	if (unlikely(len + RTE_PKTMBUF_HEADROOM > rte_pktmbuf_data_room_size(mp)))
		goto fail;
	n = rte_pktmbuf_alloc(mp);
	if (unlikely(n == NULL))
		goto fail;
	if (len + LINEAR_HEADROOM <= n->buf_len)
		n->data_off = LINEAR_HEADROOM;
	dst = (uint8_t *)rte_pktmbuf_append(n, (uint16_t)len);
	for (s = m; s != NULL; s = s->next) {
		memcpy(dst + off, rte_pktmbuf_mtod(s, const void *), s->data_len);
		off += s->data_len;
	}
	n->port = m->port;
	rte_pktmbuf_free(m);
	return n;
fail:
	slb_w_drop(w, m, SLB_STATS_DROP_LINEARIZE);
	return NULL;
}

static void
reassemble(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L2_LEN);
	struct rte_mbuf *mo, *s;

	slb_w_ctr(w)->frag_rx++;
	m->l2_len = L2_LEN;
	m->l3_len = rte_ipv4_hdr_len(ip);
	mo = rte_ipv4_frag_reassemble_packet(w->frag_tbl, &w->dr, m, w->tsc, ip);
	/* the death row holds RTE_IP_FRAG_DEATH_ROW_LEN datagrams' worth: never let it fill */
	if (w->dr.cnt >= RTE_IP_FRAG_DEATH_ROW_MBUF_LEN / 2)
		free_death_row(w);
	if (mo == NULL)
		return;
	/*
	 * Who the datagram is from depends on the port it came in on (a backend's request counts
	 * only from a backend-side port): a fragment slipped in from another port must not make
	 * a stranger's bytes part of a backend's datagram, nor the reverse.
	 */
	for (s = mo; s != NULL; s = s->next)
		if (unlikely(s->port != pidx)) {
			slb_w_drop(w, mo, SLB_STATS_DROP_FRAG_PORTS);
			return;
		}
	slb_w_ctr(w)->reasm_ok++;
	if (mo->nb_segs > 1) {
		mo = slb_frag_linearize(w, mo);
		if (mo == NULL)
			return;
	}
	mo->ol_flags = 0; /* the first fragment's checksum flags say nothing about the whole */
	slb_ipv4_local(w, pidx, mo);
}

void
slb_frag_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t owner;

	/* our port index travels in m->port: the owner maps it back, reassembly compares them */
	m->port = pidx;
	if (slb_dp.nb_workers > 1) {
		owner = frag_owner(ip, slb_dp.nb_workers);
		if (owner != w->idx) {
			if (unlikely(rte_ring_mp_enqueue(slb_dp.worker[owner]->frag_ring, m) != 0)) {
				slb_w_drop(w, m, SLB_STATS_DROP_FRAG_RING);
				return;
			}
			slb_w_ctr(w)->frag_steered++;
			return;
		}
	}
	reassemble(w, pidx, m);
}

/*
 * DPDK drops a timed-out reassembly only when another fragment lands in its bucket: without this
 * sweep, fragments that never complete would hold rx mbufs until the pool ran dry and rx (and so
 * any eviction) stopped. Called on the drain tick.
 */
void
slb_frag_expire(struct slb_worker *w)
{
	rte_ip_frag_table_del_expired_entries(w->frag_tbl, &w->dr, w->tsc);
	if (w->dr.cnt != 0)
		free_death_row(w);
}

void
slb_frag_service(struct slb_worker *w)
{
	struct rte_mbuf *m[STEER_BURST];
	unsigned int n, i;

	if (w->frag_ring != NULL) {
		n = rte_ring_sc_dequeue_burst(w->frag_ring, (void **)m, STEER_BURST, NULL);
		for (i = 0; i < n; i++)
			reassemble(w, m[i]->port, m[i]);
	}
	if (w->dr.cnt != 0)
		free_death_row(w);
}

void
slb_frag_output(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	struct rte_mbuf *frag[FRAG_OUT_MAX];
	struct rte_ether_hdr eth, *feth;
	struct rte_ipv4_hdr *ip;
	int32_t n, i;

	memcpy(&eth, rte_pktmbuf_mtod(m, void *), sizeof(eth));
	rte_pktmbuf_adj(m, L2_LEN);
	/*
	 * We made the datagram (the rewrite can grow it past the MTU): like a host, clear DF
	 * and fragment rather than answer ourselves with "fragmentation needed".
	 */
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	ip->fragment_offset &= ~rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	if (likely(slb_dp.port[pidx].tx_multiseg))
		n = rte_ipv4_fragment_packet(m, frag, FRAG_OUT_MAX, slb_dp.port[pidx].mtu,
			slb_dp.pool, slb_dp.ind_pool);
	else
		n = rte_ipv4_fragment_copy_nonseg_packet(m, frag, FRAG_OUT_MAX,
			slb_dp.port[pidx].mtu, slb_dp.pool);
	rte_pktmbuf_free(m); /* the fragments hold their own references to its data */
	if (unlikely(n <= 0)) {
		slb_w_ctr(w)->drop[SLB_STATS_DROP_FRAG_OUT]++;
		return;
	}
	slb_w_ctr(w)->tx_fragmented++;
	slb_w_ctr(w)->tx_frags += (uint64_t)n;
	for (i = 0; i < n; i++) {
		feth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(frag[i], L2_LEN);
		if (unlikely(feth == NULL)) {
			slb_w_drop(w, frag[i], SLB_STATS_DROP_FRAG_OUT);
			continue;
		}
		*feth = eth;
		ip = (struct rte_ipv4_hdr *)(feth + 1);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		slb_tx_one(&w->tx[pidx], frag[i], slb_w_ctr(w));
	}
}

int
slb_frag_worker_init(struct slb_worker *w)
{
	const struct slb_cfg *cfg = slb_dp.cfg;
	int socket = (int)rte_lcore_to_socket_id(w->lcore_id);
	uint64_t cycles = slb_dp.tsc_hz * cfg->frag_timeout_ms / 1000;
	char name[RTE_RING_NAMESIZE];

	w->frag_tbl = rte_ip_frag_table_create(cfg->frag_buckets, cfg->frag_bucket_entries,
		cfg->frag_max_entries, cycles, socket);
	if (w->frag_tbl == NULL) {
		SLB_LOG(frag, ERR, "worker %u: fragment table: %s", w->idx,
			rte_strerror(rte_errno));
		return -1;
	}
	if (slb_dp.nb_workers > 1) {
		snprintf(name, sizeof(name), "slb_frag_%u", w->idx);
		w->frag_ring = rte_ring_create(name, cfg->frag_ring, socket, RING_F_SC_DEQ);
		if (w->frag_ring == NULL) {
			SLB_LOG(frag, ERR, "worker %u: fragment ring: %s", w->idx,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

void
slb_frag_worker_term(struct slb_worker *w)
{
	struct rte_mbuf *m;

	if (w->frag_ring != NULL) {
		while (rte_ring_dequeue(w->frag_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->frag_ring);
		w->frag_ring = NULL;
	}
	if (w->dr.cnt != 0)
		rte_ip_frag_free_death_row(&w->dr, 0);
	if (w->frag_tbl != NULL) {
		rte_ip_frag_table_destroy(w->frag_tbl); /* frees the fragments it holds */
		w->frag_tbl = NULL;
	}
}
