/* slb_fwd.h: one SIP datagram in, one decision out: the per-message work of a worker lcore. */
#ifndef SLB_FWD_H
#define SLB_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "slb_be.h"
#include "slb_dlg.h"
#include "slb_hash.h"
#include "slb_key.h"
#include "slb_rw.h"
#include "slb_sip.h"

/*
 * The caller (a worker) has checked Ethernet and IPv4 (one fragment-free, single-segment packet
 * whose UDP destination is our SIP port on one of our addresses) and filled struct slb_pkt.
 * slb_fwd_process() parses the SIP message, decides, rewrites the SIP headers, the IP addresses
 * and UDP ports, and recomputes checksums. The caller then resolves the next hop, writes the
 * Ethernet header, and sends or fragments. It never frees the mbuf: on SLB_FWD_DROP the caller
 * frees it and counts out->drop.
 */

enum slb_fwd_verdict {
	SLB_FWD_SEND = 0, /* send to out->dst_ip:dst_port */
	SLB_FWD_DROP,     /* free; out->drop says why */
	SLB_FWD_PROBE,    /* a reply to one of control's probes: hand out->probe_nonce,
	                   * out->status and the source to control, then free */
};

/* Why a SIP datagram was dropped; each is a counter. */
enum slb_fwd_drop {
	SLB_DROP_NONE = 0,
	SLB_DROP_NOT_SIP,      /* the bytes are not SIP at all (start line, binary, empty) */
	SLB_DROP_MALFORMED,    /* SIP with an error the policy table drops */
	SLB_DROP_NO_BACKEND,   /* no backend can take a new call */
	SLB_DROP_UNKNOWN_VIA,  /* a response whose top Via is not ours */
	SLB_DROP_MAX_FWD,      /* Max-Forwards was 0 (a 483 is sent back when reply is on) */
	SLB_DROP_NEED_DNS,     /* the next hop is a host name, not an IP literal */
	SLB_DROP_NO_ROOM,      /* the rewrite did not fit in the mbuf */
	SLB_DROP_LOOP,         /* the destination would be ourselves */
	SLB_DROP_RELAY_DENIED, /* a relay nobody may ask of us: a backend's address on the caller
	                        * side, a backend's request neither by our Route nor to a caller
	                        * network, a stranger at our backend-side address (by config) */
	SLB_DROP_REPLY_LIMIT,  /* a 483 over reply_483_rate: its source is unverified, so a flood
	                        * of Max-Forwards 0 cannot make us a reflector */
	SLB_DROP__COUNT
};

/* Dialog events of one message, for the per-lcore counters (bit mask). */
#define SLB_FWD_EV_DLG_CREATED 0x01u
#define SLB_FWD_EV_DLG_CONFIRMED 0x02u
#define SLB_FWD_EV_DLG_ENDED 0x04u
#define SLB_FWD_EV_DLG_FULL 0x08u     /* the table was full: the call went by hash */
#define SLB_FWD_EV_DLG_REUSED 0x10u   /* an expired dialog's slot was taken (it expired here,
                                       * not in the sweep: out->dlg.expired_hash) */
#define SLB_FWD_EV_BY_HASH 0x20u      /* a mid-dialog request found no dialog and went by hash */
#define SLB_FWD_EV_POLICY_PASS 0x40u  /* malformed, forwarded by Call-ID alone (policy) */
#define SLB_FWD_EV_REPLIED 0x80u      /* answered by the balancer itself (483): the caller
                                       * rate-limits these, since their source is unverified */
#define SLB_FWD_EV_DLG_BUSY 0x100u    /* another worker was creating the dialog: went by hash */
#define SLB_FWD_EV_INVITE_503 0x200u  /* a backend (out->src_be) answered an initial INVITE 503;
                                       * out->retry_after: its Retry-After, 0 if none */
#define SLB_FWD_EV_REHASHED 0x400u    /* an INVITE its backend never answered went to a live
                                       * one: that backend is FAILED */
#define SLB_FWD_EV_NO_BACKEND 0x800u  /* answered 503 by the balancer: no backend takes calls */
#define SLB_FWD_EV_INVITE_UNANSWERED 0x1000u /* an initial INVITE again (a retransmission) while
                                              * its dialog is EARLY: its backend has sent
                                              * nothing, not even 100 Trying, to the first copy */

/*
 * The events whose details (struct slb_fwd_dlg_ev) the caller may want: CREATED, CONFIRMED,
 * ENDED and REUSED (an expiry) for siplb-control's Redis (SLB_FWD_WANT_DLG), INVITE_UNANSWERED
 * for its health checks (SLB_FWD_WANT_UNANSWERED). Unwanted, an event is its bit alone: the
 * details cost a copy of the Call-ID, paid only while someone listens (slb_fwd_lcore.want).
 */
#define SLB_FWD_EV_DLG_DETAILED                                                              \
	(SLB_FWD_EV_DLG_CREATED | SLB_FWD_EV_DLG_CONFIRMED | SLB_FWD_EV_DLG_ENDED |           \
		SLB_FWD_EV_DLG_REUSED | SLB_FWD_EV_INVITE_UNANSWERED)
#define SLB_FWD_WANT_DLG 0x1u        /* details of CREATED, CONFIRMED, ENDED */
#define SLB_FWD_WANT_UNANSWERED 0x2u /* details of INVITE_UNANSWERED */

#define SLB_FWD_CALLID_MAX 128 /* bytes of a Call-ID kept in an event's details */

#define SLB_FWD_MAX_NETS 16

/* A prefix, host order. */
struct slb_fwd_net {
	uint32_t net;
	uint32_t mask;
};

/* Shared, read-only while workers run (the backend table is passed per call). */
struct slb_fwd_ctx {
	/*
	 * Our identity on each side: the Via we put on a request names the address the request
	 * leaves from, so that the response comes back to the same side. Record-Route names
	 * rw_caller's rr_host: backends must be able to reach it too (one record-route entry).
	 */
	struct slb_rw_cfg rw_caller;
	struct slb_rw_cfg rw_backend;
	uint32_t caller_ip;  /* our address toward callers (host order) */
	uint32_t backend_ip; /* our address toward backends (may equal caller_ip) */
	uint16_t sip_port;   /* our SIP port on both */
	/* "sip:" address ':' port of each side (caller, backend): the Route we write, to spot it */
	char self_uri[2][32];
	uint8_t self_uri_len[2];
	bool record_route;   /* insert Record-Route on dialog-creating requests */
	bool reply_483;      /* answer Max-Forwards 0 with a 483 instead of a silent drop */
	bool reply_503;      /* answer a new call that no backend can take with a 503 */
	uint32_t reply_rate; /* at most this many 483s per second per worker (default 100) */
	struct slb_dlg_table *dlg;
	uint8_t policy[SLB_SIP_E__COUNT]; /* enum slb_sip_action per error; filled from the default table */

	/*
	 * Relay control. A request is a backend's only when it arrives on a port backends are
	 * reached through, from a backend's ip:port; it then goes toward a caller only by our own
	 * Route (a dialog we record-routed) or to one of caller_nets. A backend's address seen on
	 * a caller-only port is forged. A stranger's request to backend_ip is a caller's, or
	 * dropped when strangers_drop.
	 */
	bool strangers_drop;
	uint32_t nb_caller_nets;
	struct slb_fwd_net caller_nets[SLB_FWD_MAX_NETS];

	struct slb_hash_key hkey; /* hash_secret: keys the Call-ID hash (slb_fwd_ctx_set_hash_key) */
};

/* What one worker keeps from message to message (its own: written without atomics). */
struct slb_fwd_lcore {
	uint16_t ip_id;      /* the IPv4 identification of the next datagram this worker sends */
	uint16_t ip_id_step; /* workers: worker i uses the IDs equal to i modulo this */
	uint32_t reply_sec;  /* the second reply_left counts for */
	uint32_t reply_left; /* 483s this worker may still send in that second */
	uint32_t want;       /* SLB_FWD_WANT_*: the event details to fill; the worker sets it */
};

/*
 * Datagrams leave from our own address, so they take IDs of our own: the sender's ID could
 * meet another sender's at the next hop's reassembly (same source, destination and ID).
 */
static inline void
slb_fwd_lcore_init(struct slb_fwd_lcore *lc, uint16_t worker, uint16_t nb_workers)
{
	lc->ip_id = worker;
	lc->ip_id_step = nb_workers > 0 ? nb_workers : 1;
	lc->reply_sec = 0;
	lc->reply_left = 0;
	lc->want = 0;
}

/* A dialog event's details, for siplb-control (slb_ctl.h's dialog events). */
struct slb_fwd_dlg_ev {
	uint64_t hash;         /* the keyed Call-ID hash: the dialog table's key */
	uint64_t expired_hash; /* SLB_FWD_EV_DLG_REUSED: the key of the dialog that expired */
	uint16_t be_id;        /* the backend id of the dialog */
	uint16_t callid_len;   /* bytes in callid[]; the Call-ID was longer when it equals max */
	char callid[SLB_FWD_CALLID_MAX];
};

struct slb_fwd_out {
	uint32_t dst_ip;   /* host order */
	uint16_t dst_port;
	uint16_t be_idx;   /* index in the backend table of the backend it went to, or SLB_BE_NONE */
	uint8_t drop;      /* enum slb_fwd_drop */
	uint16_t events;   /* SLB_FWD_EV_* */
	uint8_t sip_err;   /* enum slb_sip_err of the message (also when forwarded by policy) */
	uint8_t to_backend; /* 1: toward a backend, 0: toward a caller */
	uint16_t status;   /* a response's status code (SLB_FWD_PROBE, SLB_FWD_EV_INVITE_503) */
	uint16_t src_be;   /* index of the backend a response came from, or SLB_BE_NONE */
	uint32_t retry_after; /* SLB_FWD_EV_INVITE_503 */
	uint64_t probe_nonce; /* SLB_FWD_PROBE */
	/*
	 * Filled only for an event of SLB_FWD_EV_DLG_DETAILED that lc->want asked for (a message
	 * has one at most), and never cleared: everything above is zeroed for each message, this
	 * is not, so that an unwanted event costs no stores.
	 */
	struct slb_fwd_dlg_ev dlg;
};

/* Fill ctx->policy from the default table (slb_sip_policy()). */
void slb_fwd_ctx_init(struct slb_fwd_ctx *ctx);

/*
 * Our addresses (host order), SIP port and branch secret, and from them both sides' Via and
 * Record-Route text: our Via names the side a request leaves from, so that its response comes
 * back there; the Record-Route (inserted toward backends) names the caller side, where callers
 * send their in-dialog requests. One secret for both, so either side's Via checks.
 */
void slb_fwd_ctx_set_addrs(struct slb_fwd_ctx *ctx, uint32_t caller_ip, uint32_t backend_ip,
	uint16_t sip_port, const struct slb_key128 *branch_secret);

/* Key the Call-ID hash with hash_secret (the backend table takes slb_fwd_ctx.hkey.seed). */
void slb_fwd_ctx_set_hash_key(struct slb_fwd_ctx *ctx, const struct slb_key128 *hash_secret);

/* Add a caller network (a, plen: host order, 0..32); -1 when the list is full. */
int slb_fwd_ctx_add_caller_net(struct slb_fwd_ctx *ctx, uint32_t a, uint8_t plen);

/*
 * Decide and rewrite. p->in_role says who is reached through the port the datagram came in on.
 * lc: the calling worker's own state. now: seconds, from the worker's TSC.
 */
enum slb_fwd_verdict slb_fwd_process(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc,
	const struct slb_be_table *bt, struct rte_mbuf *m, struct slb_pkt *p, uint32_t now,
	struct slb_fwd_out *out);

#define SLB_FWD_BURST 32

/*
 * The same for n datagrams, with the same result as one call each in order: SLB_FWD_BURST at a
 * time, it parses them all first and prefetches their dialog-table buckets, then decides each,
 * so the table's cache misses overlap. v[i] and out[i] are message i's verdict and details.
 */
void slb_fwd_process_burst(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc,
	const struct slb_be_table *bt, struct rte_mbuf **m, struct slb_pkt *p, uint16_t n,
	uint32_t now, struct slb_fwd_out *out, enum slb_fwd_verdict *v);

#endif /* SLB_FWD_H */
