/* worker.c: the worker lcores: state set up before launch, and the hot loop. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "be_swap.h"
#include "ctl_shm.h"
#include "frag.h"
#include "ip_out.h"
#include "l2.h"
#include "log.h"
#include "sip_io.h"
#include "stats.h"
#include "worker.h"

RTE_LOG_REGISTER(slb_logtype_worker, siplb.worker, INFO);

#define RX_BURST_MAX 512
#define UNANSWERED_GAP_MS 100 /* INVITE_UNANSWERED: one per backend per worker per this */

void
slb_tx_refused(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct slb_stats_ctr *c = userdata;
	uint16_t i;

	for (i = 0; i < unsent; i++) {
		c->tx_bytes -= pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	c->tx_full += unsent;
}

static void
flush_all(struct slb_worker *w)
{
	uint32_t p;

	for (p = 0; p < slb_dp.nb_ports; p++)
		if (w->tx[p].buf->length != 0)
			slb_tx_flush(&w->tx[p], slb_w_ctr(w));
}

static inline void
stats_close(struct slb_worker *w)
{
	if (w->st_open) {
		slb_stats_end(w->st);
		w->st_open = false;
	}
}

/*
 * Contract of one iteration: receive a burst from each (port, queue) this worker polls and
 * handle every packet of it; take the fragments other workers steered here; past the drain
 * deadline, send the tx buffers, the packets whose ARP resolved, and (worker 0) the main
 * lcore's re-ARPs and control's probes; then report a quiescent state: no backend table
 * pointer survives the iteration. Counters change only inside the iteration's stats window
 * (slb_w_ctr()), closed before the quiescent state.
 *
 * When to transmit: a tx buffer goes out when it holds tx_burst packets, at the drain deadline,
 * and (queues.tx_flush_idle) at the end of any iteration in which no rx queue returned a full
 * burst. A short burst means the queue was empty when we asked, so holding what we buffered
 * until the deadline would only add latency, up to tx_drain_us (bench/latency.sh, polling
 * workers on net_af_packet at 1,000 calls/s: p50 69 us without the early flush, 6.6 us with).
 * Under load every queue returns full bursts and the buffers still go out full or at the
 * deadline. A device that returns fewer than asked while more wait only makes us send earlier,
 * never later.
 */
#define IDLE_POLLS 256

int
slb_worker_main(void *arg)
{
	struct slb_worker *w = arg;
	struct rte_mbuf *pkts[RX_BURST_MAX];
	uint64_t last_drain = rte_rdtsc();
	uint32_t idle = 0, got;
	uint16_t q, n, i;
	bool full;

	slb_be_reader_online(w->idx);
	SLB_LOG(worker, INFO, "worker %u on lcore %u: %u rx queues", w->idx, w->lcore_id,
		w->nb_rxq);

	while (!slb_dp_quitting()) {
		w->tsc = rte_rdtsc();
		w->now_s = slb_dp_now_s(w->tsc);
		w->bt = slb_be_current();

		got = 0;
		full = false;
		for (q = 0; q < w->nb_rxq; q++) {
			const struct slb_rxq *rq = &w->rxq[q];

			n = rte_eth_rx_burst(rq->port_id, rq->queue, pkts, w->rx_burst);
			if (n == 0)
				continue;
			got += n;
			full |= n == w->rx_burst;
			slb_w_ctr(w)->rx_pkts += n;
			for (i = 0; i < n; i++) {
				if (i + 1 < n)
					rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
				slb_w_ctr(w)->rx_bytes += pkts[i]->pkt_len;
				slb_l2_input(w, rq->pidx, pkts[i]);
			}
			slb_sip_flush(w);
		}
		slb_frag_service(w);
		slb_sip_flush(w); /* datagrams reassembled from steered fragments */

		if (w->tsc - last_drain >= w->drain_tsc) {
			if (w->pend_n != 0)
				slb_pend_service(w);
			slb_frag_expire(w);
			if (w->idx == 0) {
				slb_probe_service(w);
				slb_ctl_probe_service(w);
			}
			flush_all(w);
			last_drain = w->tsc;
		} else if (!full && w->flush_idle) {
			flush_all(w); /* the queues are drained: nothing will join these packets */
		}
		w->bt = NULL;
		stats_close(w);
		slb_be_quiescent(w->idx);

		/*
		 * Off by default (pure polling). On a machine shared with other work, a worker
		 * that found nothing for IDLE_POLLS passes in a row sleeps briefly, after its
		 * quiescent state and with its tx buffers drained by the deadline above.
		 */
		if (w->idle_sleep_us != 0) {
			idle = got ? 0 : idle + 1;
			if (idle >= IDLE_POLLS && w->pend_n == 0) {
				flush_all(w);
				stats_close(w); /* the flush may count: readers must not see it open */
				rte_delay_us_sleep(w->idle_sleep_us);
			}
		}
	}

	/* drain: what is buffered goes out, what waits for ARP is freed */
	slb_pend_flush(w);
	flush_all(w);
	stats_close(w);
	slb_be_reader_offline(w->idx);
	SLB_LOG(worker, INFO, "worker %u stopped", w->idx);
	return 0;
}

static int
setup_worker(struct slb_dp *dp, uint32_t idx)
{
	const struct slb_cfg *cfg = dp->cfg;
	unsigned int lcore = dp->worker_lcore[idx];
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct slb_worker *w;
	uint32_t p;

	w = rte_zmalloc_socket("slb_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return -1;
	dp->worker[idx] = w;
	w->idx = idx;
	w->lcore_id = lcore;
	w->rx_burst = (uint16_t)RTE_MIN(cfg->rx_burst, (uint32_t)RX_BURST_MAX);
	w->flush_idle = cfg->tx_flush_idle;
	w->idle_sleep_us = cfg->idle_sleep_us;
	w->drain_tsc = dp->tsc_hz * cfg->tx_drain_us / 1000000;
	w->pend_tsc = dp->tsc_hz * cfg->pending_timeout_ms / 1000;
	w->st = &dp->shm->lcore[idx];
	w->ctl_evt = dp->ctl != NULL ? slb_ctl_evt_ring(dp->ctl, idx) : NULL;
	slb_fwd_lcore_init(&w->fl, (uint16_t)idx, (uint16_t)dp->nb_workers);

	for (p = 0; p < dp->nb_ports; p++) {
		struct slb_port *port = &dp->port[p];
		struct slb_tx *t = &w->tx[p];

		if (idx < port->nb_rxq) {
			w->rxq[w->nb_rxq].pidx = (uint16_t)p;
			w->rxq[w->nb_rxq].port_id = port->port_id;
			w->rxq[w->nb_rxq].queue = (uint16_t)idx;
			w->nb_rxq++;
		}
		t->port_id = port->port_id;
		t->queue = (uint16_t)(idx % port->nb_txq);
		t->lock = port->txq_shared ? &port->txq_lock[t->queue].lock : NULL;
		t->buf = rte_zmalloc_socket("slb_txbuf", RTE_ETH_TX_BUFFER_SIZE(cfg->tx_burst), 0,
			socket);
		if (t->buf == NULL)
			return -1;
		rte_eth_tx_buffer_init(t->buf, (uint16_t)cfg->tx_burst);
		rte_eth_tx_buffer_set_err_callback(t->buf, slb_tx_refused, &w->st->c);
	}

	w->unans_gap_tsc = dp->tsc_hz * UNANSWERED_GAP_MS / 1000;
	w->unans_tsc = rte_zmalloc_socket("slb_unans", sizeof(w->unans_tsc[0]) * SLB_BE_ID_MAX, 0,
		socket);
	if (w->unans_tsc == NULL)
		return -1;

	w->pend_cap = (uint16_t)cfg->pending;
	w->pend = rte_zmalloc_socket("slb_pend", sizeof(w->pend[0]) * w->pend_cap, 0, socket);
	if (w->pend == NULL)
		return -1;
	return slb_frag_worker_init(w);
}

int
slb_worker_init(struct slb_dp *dp)
{
	uint32_t i;

	for (i = 0; i < dp->nb_workers; i++)
		if (setup_worker(dp, i) < 0) {
			SLB_LOG(worker, ERR, "worker %u: cannot allocate its state", i);
			return -1;
		}
	return 0;
}

void
slb_worker_term(struct slb_dp *dp)
{
	uint32_t i, p;

	for (i = 0; i < dp->nb_workers; i++) {
		struct slb_worker *w = dp->worker[i];

		if (w == NULL)
			continue;
		slb_frag_worker_term(w);
		for (p = 0; p < SLB_CFG_MAX_PORTS; p++)
			rte_free(w->tx[p].buf);
		rte_free(w->pend);
		rte_free(w->unans_tsc);
		rte_free(w);
		dp->worker[i] = NULL;
	}
}
