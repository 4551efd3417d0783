/* dp.h: the dataplane process's shared state: built by the init modules, read-only after launch. */
#ifndef SLB_DP_H
#define SLB_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "addr.h"
#include "cfg.h"
#include "slb_fwd.h"
#include "slb_stats.h"

#define SLB_MAX_WORKERS (SLB_STATS_MAX_LCORES - 1)

struct slb_ctl_hdr;
struct slb_neigh_tbl;
struct slb_worker;
struct rte_ring;

struct slb_port {
	char name[SLB_CFG_NAME_LEN];
	uint16_t port_id;  /* DPDK's */
	uint16_t nb_rxq;   /* workers 0..nb_rxq-1 poll one queue each */
	uint16_t nb_txq;   /* worker w sends on queue w % nb_txq */
	uint16_t mtu;
	uint32_t role;     /* enum slb_port_role */
	bool txq_shared;   /* fewer tx queues than workers: txq_lock serialises them */
	bool tx_multiseg;  /* sends mbuf chains: fragments may be header + indirect data */
	bool tx_csum;      /* computes IPv4 and UDP checksums of what it sends (offload on) */
	bool csum_out;     /* what arrives here leaves with SLB_PKT_CSUM_OFFLOAD (port.c) */
	bool started;
	bool open;         /* found or probed: closed at exit */
	struct rte_ether_addr mac;
	uint64_t rss_hf;
	/* written by workers (shared tx queues only): lines of their own */
	struct {
		rte_spinlock_t lock;
	} __rte_cache_aligned txq_lock[SLB_MAX_WORKERS]; /* one cache line each */
};

struct slb_dp {
	struct slb_cfg *cfg;
	uint32_t nb_workers;
	unsigned int worker_lcore[SLB_MAX_WORKERS];
	uint32_t nb_ports;
	struct slb_port port[SLB_CFG_MAX_PORTS];
	struct slb_addr_tbl addr;

	struct rte_mempool *pool;     /* rx, ARP/ICMP replies, fragment headers */
	struct rte_mempool *big_pool; /* reassembled datagrams, linearised */
	struct rte_mempool *ind_pool; /* indirect mbufs of output fragments */

	struct slb_neigh_tbl *neigh;
	struct rte_ring *probe_ring;  /* main lcore -> worker 0: neighbours to re-ARP */
	struct rte_ring *ctl_probe_ring; /* main lcore -> worker 0: control's probes (mbufs) */
	struct slb_ctl_hdr *ctl;      /* the control segment (ctl.c): rings, stats, backend sets */

	struct slb_key128 branch_key; /* branch_secret and hash_secret, from the file or new */
	struct slb_key128 hash_key;
	struct slb_fwd_ctx fwd;
	void *dlg_mem;

	struct slb_stats_shm *shm;    /* in the control segment */
	struct slb_worker *worker[SLB_MAX_WORKERS];

	uint64_t tsc_hz;
	uint64_t tsc0;                /* TSC at start: second 1 of slb_dp_now_s() */

	/*
	 * What siplb-control wants from the workers now, SLB_FWD_WANT_* bits: computed by the
	 * main lcore from control's heartbeat (slb_ctl_service()), stored only when it changes,
	 * loaded by each worker once per burst (relaxed: a burst late is fine).
	 */
	uint32_t ctl_want;
};

extern struct slb_dp slb_dp;

/* Set by SIGINT/SIGTERM; every loop watches it. */
extern volatile int slb_quit;

/* Set by SIGHUP; the main lcore's loop reloads the backends. */
extern volatile int slb_reload;

static inline bool
slb_dp_quitting(void)
{
	return __atomic_load_n(&slb_quit, __ATOMIC_RELAXED) != 0;
}

/* Seconds since start, from 1: the clock of the dialog table (workers and the sweeper agree). */
static inline uint32_t
slb_dp_now_s(uint64_t tsc)
{
	return (uint32_t)((tsc - slb_dp.tsc0) / slb_dp.tsc_hz) + 1;
}

#endif /* SLB_DP_H */
