/* slb_stats.h: the dataplane's counters as other processes see them (in the control segment). */
#ifndef SLB_STATS_H
#define SLB_STATS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The dataplane keeps one struct slb_stats_shm in its control segment (slb_ctl.h: the file
 * /dev/shm/<control.shm>, at hdr.stats_off). A reader in another process maps that file; this
 * header needs only libc so such a reader needs no DPDK types.
 *
 * Writers: each lcore slot is written only by its own lcore, with plain stores. Around the
 * counter updates of one loop iteration the lcore bumps its slot's seq: odd while it writes, even
 * when the slot is consistent; an idle lcore writes nothing and leaves seq even. A reader copies a
 * slot between two equal even reads of seq and retries otherwise (slb_stats_read_lcore()). Under
 * heavy load a reader may run out of tries: each counter is an aligned 64-bit word, so its copy
 * still holds no torn counter, only counters from slightly different instants.
 *
 * Restart: hdr.epoch is the primary's start time; a reader that sees it change starts over.
 * Layout changes bump SLB_STATS_VERSION; hdr.hdr_size and hdr.lcore_size let a reader check it
 * was built against the same layout.
 */

#define SLB_STATS_MAGIC 0x53424c53u /* "SLBS" */
#define SLB_STATS_VERSION 2u

#define SLB_STATS_MAX_LCORES 32 /* slots: workers 0..n-1, then the main lcore */
#define SLB_STATS_BE_IDS 4096   /* per-backend counters by backend id (== SLB_BE_ID_MAX) */
#define SLB_STATS_SIP_ERRS 32   /* per enum slb_sip_err (>= SLB_SIP_E__COUNT) */
#define SLB_STATS_FWD_DROPS 16  /* per enum slb_fwd_drop (>= SLB_DROP__COUNT) */
#define SLB_STATS_DROPS 32      /* per enum slb_stats_drop */

/* Why a packet was dropped before (or after) the SIP core; the core's own reasons are apart. */
enum slb_stats_drop {
	SLB_STATS_DROP_SHORT = 0,      /* shorter than the headers it claims */
	SLB_STATS_DROP_ETHERTYPE,      /* neither IPv4 nor ARP (VLAN-tagged frames included) */
	SLB_STATS_DROP_L2_DST,         /* neither our MAC nor broadcast */
	SLB_STATS_DROP_IP_HDR,         /* bad version, header length or total length */
	SLB_STATS_DROP_IP_CSUM,        /* bad IPv4 header checksum */
	SLB_STATS_DROP_NOT_OURS,       /* IPv4 destination is not one of our addresses */
	SLB_STATS_DROP_PROTO,          /* neither UDP nor ICMP */
	SLB_STATS_DROP_ICMP,           /* ICMP other than an echo request, or an unreachable
	                                * about a SIP datagram of ours (those are icmp_unreach) */
	SLB_STATS_DROP_UDP_PORT,       /* UDP to a port other than sip_port */
	SLB_STATS_DROP_UDP_HDR,        /* UDP length does not match the IPv4 length */
	SLB_STATS_DROP_UDP_CSUM,       /* bad UDP checksum */
	SLB_STATS_DROP_ARP_BAD,        /* ARP that is not Ethernet/IPv4 or is too short */
	SLB_STATS_DROP_ARP_NOT_OURS,   /* ARP whose target is not our address on that port */
	SLB_STATS_DROP_FRAG_RING,      /* a fragment could not be handed to its reassembling lcore */
	SLB_STATS_DROP_REASM,          /* fragment mbufs freed by reassembly: timeout, overlap, full */
	SLB_STATS_DROP_LINEARIZE,      /* a reassembled datagram did not fit one mbuf, or none free */
	SLB_STATS_DROP_NO_ROUTE,       /* no on-link prefix and no gateway for the destination */
	SLB_STATS_DROP_NEIGH_TIMEOUT,  /* the next hop did not answer ARP in time */
	SLB_STATS_DROP_PENDING_FULL,   /* this lcore's queue of packets awaiting ARP was full */
	SLB_STATS_DROP_FRAG_OUT,       /* fragmenting to the port MTU failed */
	SLB_STATS_DROP_NO_MBUF,        /* no mbuf for an ARP request */
	SLB_STATS_DROP_NEIGH_FULL,     /* no free neighbour entry for the next hop */
	SLB_STATS_DROP_SHUTDOWN,       /* held (awaiting ARP) when the dataplane stopped */
	SLB_STATS_DROP_ARP_PORT,       /* ARP to us from off the receiving port's prefixes */
	SLB_STATS_DROP_FRAG_PORTS,     /* a datagram whose fragments came in on different ports */
	SLB_STATS_DROP__COUNT
};

static_assert(SLB_STATS_DROP__COUNT <= SLB_STATS_DROPS, "slb_stats_drop outgrew its array");

static inline const char *
slb_stats_drop_name(unsigned int d)
{
	static const char *const names[SLB_STATS_DROP__COUNT] = {
		"short", "ethertype", "l2_dst", "ip_hdr", "ip_csum", "not_ours", "proto", "icmp",
		"udp_port", "udp_hdr", "udp_csum", "arp_bad", "arp_not_ours", "frag_ring", "reasm",
		"linearize", "no_route", "neigh_timeout", "pending_full", "frag_out", "no_mbuf",
		"neigh_full", "shutdown", "arp_port", "frag_ports",
	};
	return d < SLB_STATS_DROP__COUNT ? names[d] : "?";
}

/* The forwarding drops (enum slb_fwd_drop of the SIP core, in its order: the dataplane asserts it). */
#define SLB_STATS_FWD_DROP_NAMED 11

static inline const char *
slb_stats_fwd_drop_name(unsigned int d)
{
	static const char *const names[SLB_STATS_FWD_DROP_NAMED] = {
		"none", "not_sip", "malformed", "no_backend", "unknown_via", "max_forwards",
		"need_dns", "no_room", "loop", "relay_denied", "reply_limited",
	};
	return d < SLB_STATS_FWD_DROP_NAMED ? names[d] : "?";
}

/* Every field is a uint64_t counter, so a sum over lcores is a sum of arrays of words. */
struct slb_stats_ctr {
	/* ports */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;     /* accepted by the NIC */
	uint64_t tx_bytes;    /* handed to the tx buffers, less tx_full's */
	uint64_t tx_full;     /* refused by the NIC (queue full): freed */

	/* SIP */
	uint64_t sip_rx;      /* datagrams handed to slb_fwd_process() */
	uint64_t sip_to_backend;
	uint64_t sip_to_caller;
	uint64_t dlg_created;
	uint64_t dlg_confirmed;
	uint64_t dlg_ended;
	uint64_t dlg_full;    /* table full: the call went by hash */
	uint64_t dlg_reused;  /* an expired dialog's slot was taken by a new one */
	uint64_t dlg_by_hash; /* a mid-dialog request found no dialog and went by hash */
	uint64_t policy_pass; /* malformed, forwarded by Call-ID alone */
	uint64_t sip_replied; /* answered by the balancer itself (483 Too Many Hops) */
	uint64_t dlg_expired; /* freed by the main lcore's sweep */
	uint64_t dlg_busy;    /* another worker was creating the same dialog: went by hash */

	/* ARP, neighbours, ICMP */
	uint64_t arp_rx_request;
	uint64_t arp_rx_reply;
	uint64_t arp_tx_request;
	uint64_t arp_tx_reply;
	uint64_t arp_learned;   /* neighbour entries created or refreshed from ARP */
	uint64_t neigh_probe;   /* ARPs asked by the main lcore: re-ARP before expiry, backends */
	uint64_t neigh_failed;  /* entries that aged out or never resolved */
	uint64_t pend_queued;   /* packets held awaiting ARP */
	uint64_t pend_sent;     /* ... and sent once it resolved */
	uint64_t icmp_echo;     /* echo requests answered */

	/* fragments */
	uint64_t frag_rx;       /* fragments received (this lcore's reassembly or steered here) */
	uint64_t frag_steered;  /* fragments handed to another lcore */
	uint64_t reasm_ok;      /* datagrams reassembled */
	uint64_t tx_fragmented; /* datagrams split to the port MTU */
	uint64_t tx_frags;      /* fragments produced */

	/* control channel (slb_ctl.h) and health checks */
	uint64_t ctl_evt_lost;  /* events for siplb-control dropped: its ring was full */
	uint64_t probe_tx;      /* SIP OPTIONS probes sent for siplb-control */
	uint64_t probe_rx;      /* replies to them, handed to siplb-control */
	uint64_t invite_503;    /* initial INVITEs a backend answered 503 */
	uint64_t icmp_unreach;  /* ICMP destination unreachable about a datagram of ours */
	uint64_t dlg_rehashed;  /* INVITEs their failed backend never answered, sent to a live one */
	uint64_t sip_503;       /* new calls answered 503 by the balancer: no backend takes calls */
	uint64_t dlg_pinned;    /* pins from siplb-control applied (Redis load, other balancers) */

	uint64_t drop[SLB_STATS_DROPS];         /* enum slb_stats_drop */
	uint64_t fwd_drop[SLB_STATS_FWD_DROPS]; /* enum slb_fwd_drop */
	uint64_t sip_err[SLB_STATS_SIP_ERRS];   /* enum slb_sip_err of messages seen */
	uint64_t be_fwd[SLB_STATS_BE_IDS];      /* requests sent to each backend, by backend id */
};

static_assert(sizeof(struct slb_stats_ctr) % sizeof(uint64_t) == 0, "counters are words");
static_assert(offsetof(struct slb_stats_ctr, drop) == 41 * 8, "counter layout moved");
static_assert(sizeof(struct slb_stats_ctr) == (41 + 32 + 16 + 32 + 4096) * 8, "counter layout");

#define SLB_STATS_NB_WORDS (sizeof(struct slb_stats_ctr) / sizeof(uint64_t))

/*
 * The scalar counters by name, once for every reader: the dataplane's log, siplbctl and the
 * Prometheus exporter walk this table (the arrays drop[], fwd_drop[], sip_err[] and be_fwd[]
 * have their names above and in slb_sip.h). A new counter is a field and a line here.
 */
struct slb_stats_field {
	const char *name;
	uint32_t off;     /* in struct slb_stats_ctr */
	const char *help;
};

#define SLB_STATS_FIELD(f, h) {#f, offsetof(struct slb_stats_ctr, f), h}

static const struct slb_stats_field slb_stats_fields[] = {
	SLB_STATS_FIELD(rx_pkts, "packets received"),
	SLB_STATS_FIELD(rx_bytes, "bytes received"),
	SLB_STATS_FIELD(tx_pkts, "packets accepted by the NIC"),
	SLB_STATS_FIELD(tx_bytes, "bytes handed to the tx buffers"),
	SLB_STATS_FIELD(tx_full, "packets the NIC refused (tx queue full)"),
	SLB_STATS_FIELD(sip_rx, "SIP datagrams decided"),
	SLB_STATS_FIELD(sip_to_backend, "SIP messages sent to backends"),
	SLB_STATS_FIELD(sip_to_caller, "SIP messages sent to callers"),
	SLB_STATS_FIELD(dlg_created, "dialogs created"),
	SLB_STATS_FIELD(dlg_confirmed, "dialogs confirmed by a 2xx"),
	SLB_STATS_FIELD(dlg_ended, "dialogs ended"),
	SLB_STATS_FIELD(dlg_full, "new calls routed by hash: dialog table full"),
	SLB_STATS_FIELD(dlg_reused, "expired dialogs whose slot a new one took"),
	SLB_STATS_FIELD(dlg_by_hash, "mid-dialog requests without a dialog, routed by hash"),
	SLB_STATS_FIELD(policy_pass, "malformed messages forwarded by Call-ID (policy)"),
	SLB_STATS_FIELD(sip_replied, "requests answered by the balancer (483, 503)"),
	SLB_STATS_FIELD(dlg_expired, "dialogs expired by the sweep"),
	SLB_STATS_FIELD(dlg_busy, "creates that met another worker's create: routed by hash"),
	SLB_STATS_FIELD(arp_rx_request, "ARP requests received"),
	SLB_STATS_FIELD(arp_rx_reply, "ARP replies received"),
	SLB_STATS_FIELD(arp_tx_request, "ARP requests sent"),
	SLB_STATS_FIELD(arp_tx_reply, "ARP replies sent"),
	SLB_STATS_FIELD(arp_learned, "neighbour entries learned or refreshed"),
	SLB_STATS_FIELD(neigh_probe, "re-ARPs asked by the main lcore"),
	SLB_STATS_FIELD(neigh_failed, "neighbour entries failed"),
	SLB_STATS_FIELD(pend_queued, "packets held awaiting ARP"),
	SLB_STATS_FIELD(pend_sent, "held packets sent once ARP resolved"),
	SLB_STATS_FIELD(icmp_echo, "ICMP echo requests answered"),
	SLB_STATS_FIELD(frag_rx, "IPv4 fragments received"),
	SLB_STATS_FIELD(frag_steered, "fragments handed to the reassembling lcore"),
	SLB_STATS_FIELD(reasm_ok, "datagrams reassembled"),
	SLB_STATS_FIELD(tx_fragmented, "datagrams fragmented to the MTU"),
	SLB_STATS_FIELD(tx_frags, "fragments sent"),
	SLB_STATS_FIELD(ctl_evt_lost, "events for siplb-control lost: ring full"),
	SLB_STATS_FIELD(probe_tx, "OPTIONS probes sent"),
	SLB_STATS_FIELD(probe_rx, "replies to probes handed to siplb-control"),
	SLB_STATS_FIELD(invite_503, "initial INVITEs a backend answered 503"),
	SLB_STATS_FIELD(icmp_unreach, "ICMP unreachable about our datagrams"),
	SLB_STATS_FIELD(dlg_rehashed, "unanswered INVITEs of a failed backend sent to a live one"),
	SLB_STATS_FIELD(sip_503, "new calls answered 503: no backend takes calls"),
	SLB_STATS_FIELD(dlg_pinned, "dialogs pinned by siplb-control (Redis, other balancers)"),
};

#define SLB_STATS_NB_FIELDS (sizeof(slb_stats_fields) / sizeof(slb_stats_fields[0]))

enum slb_stats_role {
	SLB_STATS_ROLE_NONE = 0,
	SLB_STATS_ROLE_WORKER = 1,
	SLB_STATS_ROLE_MAIN = 2,
};

/* One lcore's slot, written by that lcore only. */
struct slb_stats_lcore {
	uint64_t seq;      /* odd while the lcore writes */
	uint32_t lcore_id; /* EAL lcore id */
	uint32_t role;     /* enum slb_stats_role */
	uint64_t _pad[6];
	struct slb_stats_ctr c;
} __attribute__((aligned(64)));

static_assert(offsetof(struct slb_stats_lcore, c) == 64, "counters start on their own line");
static_assert(sizeof(struct slb_stats_lcore) % 64 == 0, "slots are whole cache lines");

enum slb_stats_state {
	SLB_STATS_STARTING = 0,
	SLB_STATS_RUNNING = 1,
	SLB_STATS_STOPPING = 2,
};

/* Written by the main lcore only. */
struct slb_stats_hdr {
	uint32_t magic;       /* SLB_STATS_MAGIC, written last at init */
	uint32_t version;     /* SLB_STATS_VERSION */
	uint32_t hdr_size;    /* sizeof(struct slb_stats_hdr) */
	uint32_t lcore_size;  /* sizeof(struct slb_stats_lcore) */
	uint64_t epoch;       /* the primary's start, ns since the Unix epoch */
	uint64_t tsc_hz;
	uint32_t nb_lcores;   /* slots in use */
	uint32_t nb_workers;  /* slots 0..nb_workers-1 are workers, the next one is the main lcore */
	uint32_t state;       /* enum slb_stats_state */
	uint32_t nb_ports;
	uint64_t heartbeat;   /* seconds since start, updated by the main lcore's loop */
	uint64_t be_version;  /* version of the backend table the workers use */
	uint32_t be_count;    /* backends in it */
	uint32_t dlg_live;    /* live dialogs at the sweep's last full pass (every dialog.sweep_period s) */
	uint32_t dlg_slots;
	uint32_t neigh_used;  /* neighbour entries in use at the last aging pass */
	uint32_t pool_free;   /* main mempool: free mbufs at the last stats interval, and its size */
	uint32_t pool_size;
	uint64_t _pad[5];
} __attribute__((aligned(64)));

static_assert(sizeof(struct slb_stats_hdr) == 128, "header layout");
static_assert(offsetof(struct slb_stats_hdr, be_count) == 64, "header layout moved");

struct slb_stats_shm {
	struct slb_stats_hdr hdr;
	struct slb_stats_lcore lcore[SLB_STATS_MAX_LCORES];
};

static_assert(offsetof(struct slb_stats_shm, lcore) == 128, "slots follow the header");

/*
 * Copy one slot consistently: up to tries attempts, each between two equal even reads of seq.
 * Returns 0 on a consistent copy, -1 when the writer was always busy (dst then holds the last,
 * possibly mixed, copy: every counter in it is still whole).
 */
static inline int
slb_stats_read_lcore(const struct slb_stats_lcore *src, struct slb_stats_lcore *dst,
	unsigned int tries)
{
	uint64_t s1, s2;

	while (tries-- > 0) {
		s1 = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);
		memcpy(dst, src, sizeof(*dst));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&src->seq, __ATOMIC_RELAXED);
		if (s1 == s2 && (s1 & 1) == 0)
			return 0;
	}
	return -1;
}

/* Add the counters of src to sum. */
static inline void
slb_stats_add(struct slb_stats_ctr *sum, const struct slb_stats_ctr *src)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *s = (const uint64_t *)src;
	size_t i;

	for (i = 0; i < SLB_STATS_NB_WORDS; i++)
		d[i] += s[i];
}

#ifdef __cplusplus
}
#endif

#endif /* SLB_STATS_H */
