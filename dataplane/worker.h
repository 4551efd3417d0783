/* worker.h: a worker lcore's state, cache-aligned and filled before launch, and its loop. */
#ifndef SLB_WORKER_H
#define SLB_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "slb_be.h"
#include "slb_fwd.h"
#include "slb_stats.h"
#include "stats.h"
#include "tx.h"

struct rte_ring;

struct slb_rxq {
	uint16_t pidx;     /* our port index */
	uint16_t port_id;
	uint16_t queue;
};

/* A packet awaiting its next hop's ARP answer. */
struct slb_pend {
	struct rte_mbuf *m;  /* Ethernet header space at mtod, IPv4 after it */
	uint64_t deadline;   /* TSC */
	uint32_t nh;         /* next hop, host order */
	uint16_t pidx;
};

struct slb_worker {
	/* set before launch, read-only afterwards */
	uint32_t idx;               /* worker number: rx queue, RCU thread id, stats slot */
	unsigned int lcore_id;
	uint16_t nb_rxq;
	uint16_t rx_burst;
	bool flush_idle;            /* queues.tx_flush_idle (see worker.c) */
	uint64_t drain_tsc;
	uint64_t pend_tsc;          /* how long a packet may wait for ARP */
	struct slb_rxq rxq[SLB_CFG_MAX_PORTS];
	struct slb_stats_lcore *st; /* this lcore's slot of the counters */
	struct rte_ring *frag_ring; /* fragments other workers steer to this one (SC) */
	struct rte_ring *ctl_evt;   /* events for siplb-control (SP: this worker's own) */
	struct rte_ip_frag_tbl *frag_tbl;
	struct slb_pend *pend;      /* pend_cap entries */
	uint16_t pend_cap;
	uint32_t idle_sleep_us;     /* 0: poll without pause (see worker.c) */

	struct slb_fwd_lcore fl;    /* the SIP core's state of this worker (IP IDs, 483 budget) */
	uint64_t *unans_tsc;        /* SLB_BE_ID_MAX: when INVITE_UNANSWERED last went out per
	                             * backend id (a storm of retransmissions is one event) */
	uint64_t unans_gap_tsc;     /* at most one per backend per this many TSC cycles */

	/* SIP datagrams of this iteration, decided together (sip_io.c) */
	uint16_t sip_n;
	struct rte_mbuf *sip_m[SLB_FWD_BURST];
	struct slb_pkt sip_pkt[SLB_FWD_BURST];
	struct {
		uint32_t ip;                /* network order, as received: the rewrite changes it */
		uint16_t port;
	} sip_src[SLB_FWD_BURST];

	/* per-iteration state, this lcore only */
	uint16_t pend_n;
	uint32_t now_s;             /* slb_dp_now_s() at the start of the iteration */
	uint64_t tsc;
	const struct slb_be_table *bt; /* loaded once per iteration */
	uint64_t log_tsc;           /* rate limit for this lcore's messages */
	bool st_open;               /* the stats slot's write window is open (seq odd) */
	struct slb_tx tx[SLB_CFG_MAX_PORTS] __rte_cache_aligned;
	struct rte_ip_frag_death_row dr;
} __rte_cache_aligned;

/*
 * This lcore's counters, for writing. The first use in an iteration opens the slot's write
 * window (seq odd); slb_worker_main() closes it at the end of the iteration. An idle lcore, which
 * touches no counter, leaves its slot consistent for readers all the time.
 */
static inline struct slb_stats_ctr *
slb_w_ctr(struct slb_worker *w)
{
	if (unlikely(!w->st_open)) {
		slb_stats_begin(w->st);
		w->st_open = true;
	}
	return &w->st->c;
}

static inline void
slb_w_drop(struct slb_worker *w, struct rte_mbuf *m, enum slb_stats_drop why)
{
	slb_w_ctr(w)->drop[why]++;
	rte_pktmbuf_free(m);
}

/* rte_eal_remote_launch() entry: the hot loop. arg is the struct slb_worker. */
int slb_worker_main(void *arg);

/* Module init/term: allocate and free every worker's state. */
int slb_worker_init(struct slb_dp *dp);
void slb_worker_term(struct slb_dp *dp);

#endif /* SLB_WORKER_H */
