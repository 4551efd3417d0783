/* slb_rw.h: the stateless-proxy rewrite of RFC 3261 §16.11 on a single-segment mbuf. */
#ifndef SLB_RW_H
#define SLB_RW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "slb_key.h"
#include "slb_sip.h"

/*
 * What slb_rw_finish() may build the UDP checksum from (struct slb_pkt.csum). Whoever fills
 * struct slb_pkt says what it knows of the datagram as it came; the rewrite keeps it true.
 */
enum slb_pkt_csum {
	/* nothing: sum the whole datagram (it came without a checksum, or nobody checked it) */
	SLB_PKT_CSUM_NONE = 0,
	/*
	 * The checksum field is right for the datagram as it is (the receive path checked it).
	 * slb_rw_request() and slb_rw_response() turn it into SLB_PKT_CSUM_SUM; a packet changed
	 * by anything else (a reply written in place) is summed whole, as with NONE.
	 */
	SLB_PKT_CSUM_RX,
	/* sip_sum is the sum of the SIP bytes as they are: the rewrite updated it edit by edit */
	SLB_PKT_CSUM_SUM,
	/*
	 * The port will compute both checksums (transmit offload): slb_rw_finish() writes the
	 * pseudo-header sum and sets the mbuf's ol_flags and l3_len; the transmit path sets l2_len,
	 * and completes the sums in software for a datagram it has to fragment.
	 */
	SLB_PKT_CSUM_OFFLOAD,
};

/* Where the layers of a packet start, counted from rte_pktmbuf_mtod(m). */
struct slb_pkt {
	uint16_t l3_off;  /* IPv4 header */
	uint16_t l4_off;  /* UDP header */
	uint16_t sip_off; /* first byte of the SIP message */
	uint16_t sip_len; /* its length (the UDP payload) */
	uint8_t in_role;  /* SLB_PKT_FROM_* of the port it arrived on */
	uint8_t csum;     /* enum slb_pkt_csum */
	uint16_t sip_sum; /* SLB_PKT_CSUM_SUM: one's-complement sum of the SIP bytes, in memory
	                   * order (slb_cksum.h), folded to 16 bits, not complemented */
};

/* Who can be reached through the port a packet arrived on (the port's role in the config). */
#define SLB_PKT_FROM_CALLERS 0x1u
#define SLB_PKT_FROM_BACKENDS 0x2u

#define SLB_RW_HOST_LEN 64

/* The balancer's own identity in the headers it writes. */
struct slb_rw_cfg {
	char host[SLB_RW_HOST_LEN]; /* sent-by host for its Via, e.g. "198.18.1.1" */
	uint16_t host_len;
	uint16_t port;              /* sent-by port and Record-Route port; 0: none written (5060) */
	char rr_host[SLB_RW_HOST_LEN]; /* host in its Record-Route (often the caller-side address) */
	uint16_t rr_host_len;       /* 0: Record-Route uses host */
	struct slb_key128 key;      /* branch_secret: keys the MAC in our branch */
};

/* Flags for slb_rw_request(). */
#define SLB_RW_RECORD_ROUTE 0x1u /* insert Record-Route (only on dialog-creating requests) */
#define SLB_RW_DROP_ROUTE 0x2u   /* remove the first Route value (the caller checked it is ours) */

/* Branch parameter values of our Via: magic cookie, our mark, 16 hex digits. */
#define SLB_RW_BRANCH_PREFIX "z9hG4bK-slb-"
#define SLB_RW_BRANCH_LEN (sizeof(SLB_RW_BRANCH_PREFIX) - 1 + 16)

/*
 * Most bytes slb_rw_request() inserts at the top (Via, Record-Route, Max-Forwards with the longest
 * hosts); received and rport in the sender's Via add up to 37 more. An rx path that keeps this
 * much headroom almost never takes the slower tailroom path.
 */
#define SLB_RW_MAX_INSERT 256

/*
 * Write the branch for a request that came from src_ip:src_port into out (SLB_RW_BRANCH_LEN
 * bytes, not terminated). It is a MAC (SipHash-2-4 keyed by cfg->key) over the request's
 * transaction, its top Via branch (RFC 3261 cookie) or, for RFC 2543 peers, Call-ID, CSeq number
 * and From tag (§16.11), with its sent-by and the address its responses go back to (src_ip, and
 * src_port when the Via has rport). Deterministic: a retransmission, its CANCEL and its non-2xx
 * ACK from the same source get the same branch. Nobody without the key can make one.
 */
void slb_rw_branch(const uint8_t *sip, const struct slb_sip_msg *msg, const struct slb_rw_cfg *cfg,
	uint32_t src_ip, uint16_t src_port, char *out);

/*
 * Forward a request that came from src_ip:src_port (host order): decrement Max-Forwards in place
 * (insert "Max-Forwards: 70" if absent), put our Via on top, write received and rport into the
 * sender's Via (§18.2.1, RFC 3581: received when the source differs from sent-by or the Via has
 * rport, rport filled with the source port; any received or rport the sender wrote is replaced),
 * and per flags insert Record-Route and remove the first Route value. Where the headers go:
 * our Via right above the sender's top Via line, so that the Via lines stay together (some user
 * agents and test tools copy only consecutive Via lines into their responses); Record-Route and
 * Max-Forwards right after the start line, so that ours is the first Record-Route (§16.6 step 4)
 * and sits above our Via, as widely deployed proxies place it. The message
 * must have parsed with a top Via and max_forwards != 0. Grows into the headroom, moving only the
 * bytes before the insert point; falls back to the tailroom when the headroom is short.
 * Updates p->sip_len and the IPv4 and UDP length fields (not checksums: see slb_rw_finish()),
 * and p->sip_sum from the bytes it takes out, puts in and moves by an odd count, when p->csum
 * lets it (SLB_PKT_CSUM_RX or SUM): a cost that depends on the edits, not on the length.
 * Our Via is "SIP/2.0/UDP host:port;branch=...;rport" (RFC 3581: answer where it came from).
 * Returns 0, -ENOSPC (no room in the mbuf), -EINVAL (chained mbuf, bad offsets, not a request,
 * no Via, max_forwards == 0, SLB_RW_DROP_ROUTE without a Route, a folded line right after the
 * start line, which our headers would take as their continuation, more than a few received or
 * rport parameters). On error the packet is as it was.
 * Afterwards the spans in msg no longer describe the packet: parse again to look at it.
 */
int slb_rw_request(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t flags, uint32_t src_ip, uint16_t src_port);

/*
 * Is the top Via ours: sent-by is our host and port, and the branch is the MAC we would have
 * given the request that the second Via describes, with the return address that Via now names
 * (received or sent-by, rport or port). Whatever the source of the response and whatever the
 * second Via's form (RFC 3261 or RFC 2543): without the key nobody can make a response check.
 */
bool slb_rw_via_is_ours(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg);

/*
 * The same, with where the second Via sends the response back (slb_rw_response_dest() of
 * msg->via[1]) already at hand: the forwarding path needs that address anyway, and reads it
 * once for the check and the destination.
 */
bool slb_rw_via_is_ours_to(const uint8_t *sip, const struct slb_sip_msg *msg,
	const struct slb_rw_cfg *cfg, uint32_t ret_ip, uint16_t ret_port);

/*
 * Forward a response: remove the top Via value (the whole header field when it is alone in it),
 * moving only the bytes before it, and shrink the packet from the front. Updates p and the IPv4
 * and UDP lengths, and p->sip_sum as slb_rw_request() does. Returns 0 or -EINVAL (also when
 * via_count < 2: nowhere to send it). Call
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
 * Write the IPv4 header checksum and the UDP checksum after addresses and ports are set, as
 * p->csum allows: from p->sip_sum and the headers (SLB_PKT_CSUM_SUM: no byte of the message is
 * read), over the whole datagram (NONE, RX), or left to the port (OFFLOAD: see there). Rewrites
 * the IPv4 and UDP lengths from p first, so the sums never read outside the packet; does
 * nothing to a packet that p does not describe (chained, offsets out of the mbuf).
 */
void slb_rw_finish(struct rte_mbuf *m, const struct slb_pkt *p);

#endif /* SLB_RW_H */
