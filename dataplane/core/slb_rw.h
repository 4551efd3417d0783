/* slb_rw.h: the stateless-proxy rewrite of RFC 3261 §16.11 on a single-segment mbuf. */
#ifndef SLB_RW_H
#define SLB_RW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "slb_sip.h"

/* Where the layers of a packet start, counted from rte_pktmbuf_mtod(m). */
struct slb_pkt {
	uint16_t l3_off;  /* IPv4 header */
	uint16_t l4_off;  /* UDP header */
	uint16_t sip_off; /* first byte of the SIP message */
	uint16_t sip_len; /* its length (the UDP payload) */
};

#define SLB_RW_HOST_LEN 64

/* The balancer's own identity in the headers it writes. */
struct slb_rw_cfg {
	char host[SLB_RW_HOST_LEN]; /* sent-by host for its Via, e.g. "198.18.1.1" */
	uint16_t host_len;
	uint16_t port;              /* sent-by port and Record-Route port; 0: none written (5060) */
	char rr_host[SLB_RW_HOST_LEN]; /* host in its Record-Route (often the caller-side address) */
	uint16_t rr_host_len;       /* 0: Record-Route uses host */
	uint64_t secret;            /* keys the branch hash: others cannot forge our Via */
};

/* Flags for slb_rw_request(). */
#define SLB_RW_RECORD_ROUTE 0x1u /* insert Record-Route (only on dialog-creating requests) */
#define SLB_RW_DROP_ROUTE 0x2u   /* remove the first Route value (the caller checked it is ours) */

/* Branch parameter values of our Via: magic cookie, our mark, 16 hex digits. */
#define SLB_RW_BRANCH_PREFIX "z9hG4bK-slb-"
#define SLB_RW_BRANCH_LEN (sizeof(SLB_RW_BRANCH_PREFIX) - 1 + 16)

/*
 * Most bytes slb_rw_request() adds (Via, Record-Route, Max-Forwards with the longest hosts): an rx
 * path that keeps this much headroom never takes the slower tailroom path.
 */
#define SLB_RW_MAX_INSERT 256

/*
 * Write the branch for a request into out (SLB_RW_BRANCH_LEN bytes, not terminated).
 * Deterministic: a retransmission, its CANCEL and its non-2xx ACK get the same branch, because it
 * hashes the request's top Via branch and sent-by (RFC 3261 cookie) or, for RFC 2543 peers,
 * Call-ID, CSeq number, From tag, Request-URI and top Via (§16.11).
 */
void slb_rw_branch(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_rw_cfg *cfg,
	char *out);

/*
 * Forward a request: decrement Max-Forwards in place (insert "Max-Forwards: 70" if absent), put
 * our Via on top, and per flags insert Record-Route and remove the first Route value. The message
 * must have parsed with a top Via and max_forwards != 0. Grows into the headroom, moving only the
 * bytes before the insert point; falls back to the tailroom when the headroom is short.
 * Updates p->sip_len and the IPv4 and UDP length fields (not checksums: see slb_rw_finish()).
 * Our Via is "SIP/2.0/UDP host:port;branch=...;rport" (RFC 3581: answer where it came from).
 * Returns 0, -ENOSPC (no room in the mbuf), -EINVAL (chained mbuf, bad offsets, not a request,
 * no Via, max_forwards == 0, SLB_RW_DROP_ROUTE without a Route, a folded line right after the
 * start line, which our headers would take as their continuation). On error the packet is as it
 * was.
 * Afterwards the spans in msg no longer describe the packet: parse again to look at it.
 */
int slb_rw_request(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t flags);

/*
 * Is the top Via ours: sent-by is our host and port, and the branch is the one we would have
 * given the request that the second Via describes (when that Via has an RFC 3261 branch).
 */
bool slb_rw_via_is_ours(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg);

/*
 * Forward a response: remove the top Via value (the whole header field when it is alone in it),
 * moving only the bytes before it, and shrink the packet from the front. Updates p and the IPv4
 * and UDP lengths. Returns 0 or -EINVAL (also when via_count < 2: nowhere to send it). Call
 * slb_rw_response_dest() first: afterwards the spans in msg no longer describe the packet.
 */
int slb_rw_response(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg);

/*
 * Where a response goes back (§18.2.2): received or sent-by host, rport or port (5060). *ip is in
 * host byte order. Returns 0, or -1 when that host is not an IPv4 literal (it would need DNS).
 */
int slb_rw_response_dest(const uint8_t *sip, const struct slb_sip_via *via, uint32_t *ip,
	uint16_t *port);

/*
 * Recompute the IPv4 header checksum and the UDP checksum after addresses and ports are set.
 * Rewrites the IPv4 and UDP lengths from p first, so the sums never read outside the packet;
 * does nothing to a packet that p does not describe (chained, offsets out of the mbuf).
 */
void slb_rw_finish(struct rte_mbuf *m, const struct slb_pkt *p);

#endif /* SLB_RW_H */
