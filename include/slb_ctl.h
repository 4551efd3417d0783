/* slb_ctl.h: the control channel between siplb-dataplane and siplb-control (shared memory). */
#ifndef SLB_CTL_H
#define SLB_CTL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "slb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Why shared memory and not a DPDK secondary process: a secondary holds a lock on the primary's
 * runtime files, so a dataplane restarted while siplb-control runs could not start, and a
 * secondary cannot re-attach to a new primary without re-executing itself. Here each process
 * can be restarted alone: the dataplane creates the segment (a file under /dev/shm named by
 * control.shm, mode 0600) with a new epoch at every start; siplb-control maps it, waits for it
 * while it is absent or not RUNNING, and maps it again when the epoch changes. Nothing in it is
 * a pointer: rings and areas are found by their offsets from the segment's start.
 *
 * The rings are DPDK rte_rings (rte_ring_init() on memory of the segment) of fixed-size
 * elements, used with the rte_ring_*_elem functions, which are inline and need no EAL, so the
 * control process links no DPDK library:
 *   req ring     control -> dataplane main lcore   struct slb_ctl_req   (SP/SC)
 *   rsp ring     main lcore -> control             struct slb_ctl_evt   (SP/SC)
 *   evt ring[i]  worker i -> control               struct slb_ctl_evt   (SP/SC, one per worker)
 * A worker never waits on its ring: a full ring drops the event and counts it (ctl_evt_lost in
 * the worker's stats slot). The main lcore applies requests between its other duties; workers
 * never see a request.
 *
 * The dialog events of the Redis issue travel on the same evt rings (SLB_CTL_EVT_DLG_*).
 */

#define SLB_CTL_MAGIC 0x534c4243u /* "SLBC" */
#define SLB_CTL_VERSION 3u
#define SLB_CTL_MAX_WORKERS (SLB_STATS_MAX_LCORES - 1)
#define SLB_CTL_MAX_BE 1024            /* == SLB_BE_MAX */
#define SLB_CTL_NAME_LEN 32            /* == SLB_BE_NAME_LEN */
#define SLB_CTL_PROBE_MAX 1024         /* bytes of a probe's SIP payload */
#define SLB_CTL_REQ_RING 1024          /* elements (power of two): a load of dialogs fills it */
#define SLB_CTL_RSP_RING 4096
#define SLB_CTL_EVT_RING 16384         /* per worker: dialog events at 100k calls/s for 50 ms */

enum slb_ctl_state {
	SLB_CTL_STARTING = 0,
	SLB_CTL_RUNNING = 1,
	SLB_CTL_STOPPING = 2,
	SLB_CTL_LOADING = 3,  /* redis.enabled: started, rx not polled yet, waiting for control to
	                       * load the dialogs in Redis (SLB_CTL_REQ_DLG, then _LOADED) for at
	                       * most redis.attach_wait_ms, then redis.load_wait_ms */
};

/*
 * Backend states as the dataplane applies them (enum slb_be_state's values). siplb-control
 * keeps its own richer states (up, down by probe, draining, disabled) and maps them onto these.
 */
enum slb_ctl_be_state {
	SLB_CTL_BE_UP = 0,     /* takes new calls and keeps its dialogs */
	SLB_CTL_BE_DRAIN = 1,  /* keeps its dialogs, takes no new calls */
	SLB_CTL_BE_DOWN = 2,   /* takes nothing: its dialogs go by the hash again */
	SLB_CTL_BE_FAILED = 3, /* dead: keeps its answered dialogs pinned (it may come back), takes
	                        * no new calls, and INVITEs it never answered are hashed again */
};

/* One backend, as control sends it and as the dataplane publishes what it runs. */
struct slb_ctl_be {
	uint16_t id;
	uint16_t weight;
	uint32_t ip;   /* host order */
	uint16_t port;
	uint8_t state; /* enum slb_ctl_be_state */
	uint8_t _pad;
	char name[SLB_CTL_NAME_LEN];
};

static_assert(sizeof(struct slb_ctl_be) == 44, "slb_ctl_be layout");

/*
 * A backend set. Two in the segment: stage (written by control, read by the main lcore on
 * SLB_CTL_REQ_BACKENDS with the same gen) and cur (written by the main lcore after every swap,
 * whatever caused it: a request, SIGHUP, the start; read by control when it starts or resyncs).
 * cur is a seqlock: seq odd while the main lcore writes it.
 */
struct slb_ctl_be_set {
	uint64_t seq;
	uint64_t gen;     /* stage: the request's; cur: the table version in the dataplane */
	uint32_t nb_be;
	uint32_t _pad;
	struct slb_ctl_be be[SLB_CTL_MAX_BE];
};

enum slb_ctl_req_type {
	SLB_CTL_REQ_BACKENDS = 1, /* apply the stage set whose gen is req.gen */
	SLB_CTL_REQ_PROBE,        /* send req.probe as a UDP datagram from our backend-side address */
	SLB_CTL_REQ_RELOAD,       /* re-read the config file's backends, as SIGHUP does */
	SLB_CTL_REQ_DLG,          /* pin or unpin the dialogs in req.dlg (Redis: a load, or another
	                           * instance's events); no event is emitted for them */
	SLB_CTL_REQ_LOADED,       /* the load from Redis is over (req.gen: dialogs sent, req.req_id
	                           * echoed; result < 0: it failed): a LOADING dataplane starts */
};

/* Dialog states as the dialog table keeps them (enum slb_dlg_state's values). */
enum slb_ctl_dlg_state {
	SLB_CTL_DLG_EARLY = 1,     /* initial INVITE forwarded, no response yet */
	SLB_CTL_DLG_CONFIRMED = 2, /* 2xx to the INVITE seen */
	SLB_CTL_DLG_ANSWERED = 3,  /* a provisional response seen, no 2xx yet */
};

enum slb_ctl_dlg_opcode {
	SLB_CTL_DLG_PIN = 1,   /* create it pinned to be_id in state (a live local one wins, but an
	                        * EARLY/ANSWERED one is moved on to CONFIRMED) */
	SLB_CTL_DLG_UNPIN = 2, /* end it */
	SLB_CTL_DLG_LOOKUP = 3, /* alone in its request: answered by SLB_CTL_EVT_REPLY with
	                         * result 1 (live: be_id, status = its state) or 0 (none) */
};

/*
 * One dialog of SLB_CTL_REQ_DLG. callid_hash is the dataplane's keyed Call-ID hash, computed by
 * control with the key in the header (hash_secret): the table keeps hashes, not Call-IDs.
 */
struct slb_ctl_dlg_op {
	uint64_t callid_hash;
	uint16_t be_id;
	uint8_t state;  /* enum slb_ctl_dlg_state */
	uint8_t op;     /* enum slb_ctl_dlg_opcode */
	uint32_t _pad;
};

#define SLB_CTL_DLG_OPS 64 /* per request */

struct slb_ctl_probe {
	uint64_t nonce;    /* also in the probe's Via branch: a reply is matched by it */
	uint32_t dst_ip;   /* host order */
	uint16_t dst_port;
	uint16_t be_id;
	uint16_t len;      /* bytes of sip[] */
	uint16_t _pad[3];
	uint8_t sip[SLB_CTL_PROBE_MAX];
};

struct slb_ctl_req {
	uint32_t type;     /* enum slb_ctl_req_type */
	uint32_t req_id;   /* echoed in the SLB_CTL_EVT_REPLY */
	uint64_t gen;      /* SLB_CTL_REQ_BACKENDS; SLB_CTL_REQ_LOADED: dialogs loaded */
	int32_t result;    /* SLB_CTL_REQ_LOADED: 0, or a negative errno (Redis unreachable) */
	uint32_t nb_dlg;   /* SLB_CTL_REQ_DLG: ops in dlg[] */
	union {
		struct slb_ctl_probe probe;                   /* SLB_CTL_REQ_PROBE */
		struct slb_ctl_dlg_op dlg[SLB_CTL_DLG_OPS];   /* SLB_CTL_REQ_DLG */
	};
};

static_assert(sizeof(struct slb_ctl_req) % 8 == 0, "ring elements are whole words");

/*
 * Our probes' Via branch: this prefix, then the nonce in 16 hex digits. A response whose top Via
 * is ours with such a branch is never forwarded: a worker hands its status to control.
 */
#define SLB_CTL_PROBE_BRANCH "z9hG4bK-slbp-"

enum slb_ctl_evt_type {
	SLB_CTL_EVT_REPLY = 1,    /* main lcore: a request's outcome (req_id, result, gen) */
	SLB_CTL_EVT_PROBE_SENT,   /* main lcore: probe nonce handed to worker 0 at tsc */
	SLB_CTL_EVT_PROBE_REPLY,  /* worker: a response to probe nonce (status, ip:port, tsc) */
	SLB_CTL_EVT_INVITE_503,   /* worker: a backend answered an initial INVITE 503 */
	SLB_CTL_EVT_ICMP_UNREACH, /* worker: ICMP port/host unreachable about a datagram to ip:port */
	SLB_CTL_EVT_TABLE,        /* main lcore: a new backend table runs (gen = its version) */
	/*
	 * Dialog events, emitted only with redis.enabled while control is alive (its heartbeat in
	 * the header is under 2 s old). Workers, on their evt ring, with callid, callid_hash, be_id:
	 * CREATED (initial INVITE forwarded, a new entry), CONFIRMED (2xx to it), ENDED (200 to
	 * BYE, or a final non-2xx to the initial INVITE). The main lcore, on the rsp ring: EXPIRED,
	 * swept without a message for the early/confirmed timeout; the table has no Call-IDs, so
	 * callid[] holds callid_len / 8 expired hashes (uint64_t, up to 16), be_id is 0xffff.
	 */
	SLB_CTL_EVT_DLG_CREATED,
	SLB_CTL_EVT_DLG_CONFIRMED,
	SLB_CTL_EVT_DLG_ENDED,
	SLB_CTL_EVT_DLG_EXPIRED,
	/*
	 * Worker: a retransmission of an initial INVITE whose dialog is still EARLY (its backend
	 * be_id, ip:port, has sent no response, not even 100 Trying, to the first copy): the
	 * backend may be letting INVITEs time out. Control probes it at once.
	 */
	SLB_CTL_EVT_INVITE_UNANSWERED,
	/* main lcore, on the rsp ring: SLB_CTL_REQ_LOADED applied; gen: dialogs pinned */
	SLB_CTL_EVT_LOADED,
};

#define SLB_CTL_CALLID_MAX 128

struct slb_ctl_evt {
	uint16_t type;        /* enum slb_ctl_evt_type */
	uint16_t be_id;       /* 0xffff: none */
	uint16_t status;      /* SIP status of a reply */
	uint16_t port;        /* the peer's UDP port, host order */
	uint32_t ip;          /* the peer's IPv4 address, host order */
	uint32_t req_id;      /* SLB_CTL_EVT_REPLY */
	int32_t result;       /* SLB_CTL_EVT_REPLY: 0 or a negative errno */
	uint32_t retry_after; /* SLB_CTL_EVT_INVITE_503: seconds, 0 if absent */
	uint64_t nonce;       /* probe events */
	uint64_t gen;         /* SLB_CTL_EVT_REPLY to REQ_BACKENDS, SLB_CTL_EVT_TABLE */
	uint64_t tsc;         /* when it happened, in the dataplane's TSC (hdr.tsc_hz) */
	uint64_t callid_hash; /* dialog events */
	uint16_t callid_len;  /* bytes in callid[]; the Call-ID was longer when it equals the max */
	uint16_t _pad[3];
	char callid[SLB_CTL_CALLID_MAX];
};

static_assert(sizeof(struct slb_ctl_evt) == 192, "slb_ctl_evt layout");

/*
 * Live dialogs per backend id, counted by the main lcore's sweep over the dialog table: one
 * full pass every dialog.sweep_period seconds, published when it ends (pass counts them; 0:
 * none yet), so the figures are up to that old. A seqlock like the cur set's.
 */
struct slb_ctl_dlg_count {
	uint64_t seq;
	uint64_t pass;
	uint32_t live[SLB_STATS_BE_IDS];
};

/* The segment's header; the areas follow at the offsets it gives. */
struct slb_ctl_hdr {
	uint32_t magic;       /* SLB_CTL_MAGIC, written last at creation */
	uint32_t version;     /* SLB_CTL_VERSION */
	uint64_t seg_size;    /* bytes of the whole segment */
	uint64_t epoch;       /* the dataplane's start, ns since the Unix epoch */
	uint64_t tsc_hz;
	uint64_t heartbeat_ms; /* CLOCK_MONOTONIC ms, stored by the main lcore every loop */
	uint32_t state;       /* enum slb_ctl_state */
	uint32_t nb_workers;
	uint32_t caller_ip;   /* our addresses, host order */
	uint32_t backend_ip;
	uint16_t sip_port;
	uint16_t _pad[3];
	uint8_t hash_secret[16];  /* keys the Call-ID hash (slb_hash_key_init): control computes the
	                           * hashes of SLB_CTL_REQ_DLG with it (the segment is mode 0600) */
	uint64_t ctl_heartbeat_ms; /* CLOCK_MONOTONIC ms, stored by siplb-control every loop */
	uint64_t req_ring_off;
	uint64_t rsp_ring_off;
	uint64_t evt_ring_off[SLB_CTL_MAX_WORKERS];
	uint64_t stats_off;   /* struct slb_stats_shm */
	uint64_t stage_off;   /* struct slb_ctl_be_set */
	uint64_t cur_off;     /* struct slb_ctl_be_set */
	uint64_t dlg_off;     /* struct slb_ctl_dlg_count */
};

#ifdef __cplusplus
}
#endif

#endif /* SLB_CTL_H */
