/* fwd.c: the per-datagram decision of a worker: parse, pick the backend or previous hop, rewrite. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "slb_ctl.h"
#include "slb_fwd.h"
#include "slb_hash.h"
#include "slb_reply.h"
#include "slb_text.h"

void
slb_fwd_ctx_init(struct slb_fwd_ctx *ctx)
{
	unsigned int e;

	for (e = 0; e < SLB_SIP_E__COUNT; e++)
		ctx->policy[e] = (uint8_t)slb_sip_policy((enum slb_sip_err)e);
	ctx->reply_rate = 100;
}

static void
set_host(char *host, uint16_t *len, uint32_t ip)
{
	int n = snprintf(host, SLB_RW_HOST_LEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		(ip >> 8) & 0xff, ip & 0xff);

	*len = (uint16_t)n;
}

static void
set_self_uri(struct slb_fwd_ctx *ctx, unsigned int side, uint32_t ip, uint16_t port)
{
	int n = snprintf(ctx->self_uri[side], sizeof(ctx->self_uri[side]), "sip:%u.%u.%u.%u:%u",
		ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, port);

	ctx->self_uri_len[side] = (uint8_t)n;
}

void
slb_fwd_ctx_set_addrs(struct slb_fwd_ctx *ctx, uint32_t caller_ip, uint32_t backend_ip,
	uint16_t sip_port, const struct slb_key128 *branch_secret)
{
	ctx->caller_ip = caller_ip;
	ctx->backend_ip = backend_ip;
	ctx->sip_port = sip_port;
	set_host(ctx->rw_caller.host, &ctx->rw_caller.host_len, caller_ip);
	set_host(ctx->rw_backend.host, &ctx->rw_backend.host_len, backend_ip);
	set_host(ctx->rw_backend.rr_host, &ctx->rw_backend.rr_host_len, caller_ip);
	set_self_uri(ctx, 0, caller_ip, sip_port);
	set_self_uri(ctx, 1, backend_ip, sip_port);
	ctx->rw_caller.rr_host_len = 0; /* its own host */
	ctx->rw_caller.port = sip_port;
	ctx->rw_backend.port = sip_port;
	ctx->rw_caller.key = *branch_secret;
	ctx->rw_backend.key = *branch_secret;
}

void
slb_fwd_ctx_set_hash_key(struct slb_fwd_ctx *ctx, const struct slb_key128 *hash_secret)
{
	slb_hash_key_init(&ctx->hkey, hash_secret);
}

int
slb_fwd_ctx_add_caller_net(struct slb_fwd_ctx *ctx, uint32_t a, uint8_t plen)
{
	uint32_t mask = plen == 0 ? 0 : ~0u << (32 - (plen > 32 ? 32 : plen));

	if (ctx->nb_caller_nets == SLB_FWD_MAX_NETS)
		return -1;
	ctx->caller_nets[ctx->nb_caller_nets].net = a & mask;
	ctx->caller_nets[ctx->nb_caller_nets].mask = mask;
	ctx->nb_caller_nets++;
	return 0;
}

static bool
in_caller_nets(const struct slb_fwd_ctx *ctx, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < ctx->nb_caller_nets; i++)
		if ((ip & ctx->caller_nets[i].mask) == ctx->caller_nets[i].net)
			return true;
	return false;
}

static enum slb_fwd_verdict
drop(struct slb_fwd_out *out, enum slb_fwd_drop why)
{
	out->drop = (uint8_t)why;
	return SLB_FWD_DROP;
}

/* Errors that mean "this is not SIP at all", as opposed to broken SIP. */
static int
not_sip(enum slb_sip_err e)
{
	return e == SLB_SIP_E_EMPTY || e == SLB_SIP_E_BINARY || e == SLB_SIP_E_START_LINE ||
		e == SLB_SIP_E_TOO_LONG;
}

/*
 * The Route we wrote ourselves, as it comes back: "<sip:" our host ':' our port, then ';' (or
 * '>' when in brackets), and no '@' before the URI ends (else what matched was user info).
 * Exactly what slb_sip_uri_hostport() and slb_sip_ipv4() would find ours: a cheap yes for the
 * usual case; every other form of our address takes the full parse.
 */
static bool
route_is_our_text(const struct slb_fwd_ctx *ctx, const uint8_t *u, uint32_t n)
{
	bool bracket = n > 0 && u[0] == '<';
	unsigned int side;
	uint32_t i, l;

	u += bracket;
	n -= bracket;
	for (side = 0; side < 2; side++) {
		l = ctx->self_uri_len[side];
		if (l == 0 || n <= l || !(u[l] == ';' || (bracket && u[l] == '>')) ||
			!slb_text_eq(u, (const uint8_t *)ctx->self_uri[side], l))
			continue;
		for (i = l; i < n && !(bracket && u[i] == '>'); i++)
			if (u[i] == '@')
				return false;
		return true;
	}
	return false;
}

/* Is host:port (from a URI) one of our addresses and our SIP port? */
static int
uri_is_ours(const struct slb_fwd_ctx *ctx, const uint8_t *sip, struct slb_span uri)
{
	struct slb_span host;
	uint16_t port;
	uint32_t ip;

	if (route_is_our_text(ctx, sip + uri.off, uri.len))
		return 1;
	if (uri.len == 0 || slb_sip_uri_hostport(sip, uri, &host, &port, NULL) < 0)
		return 0;
	if (slb_sip_ipv4(sip, host, &ip) < 0)
		return 0;
	if (ip != ctx->caller_ip && ip != ctx->backend_ip)
		return 0;
	return (port ? port : 5060) == ctx->sip_port;
}

/* The IPv4 literal and port of a URI; -1 when it names a host that would need DNS. */
static int
uri_dest(const uint8_t *sip, struct slb_span uri, uint32_t *ip, uint16_t *port)
{
	struct slb_span host;

	if (uri.len == 0 || slb_sip_uri_hostport(sip, uri, &host, port, NULL) < 0)
		return -1;
	if (slb_sip_ipv4(sip, host, ip) < 0)
		return -1;
	if (*port == 0)
		*port = 5060;
	return 0;
}

/*
 * The datagram leaves as a new one from the proxy, not a routed one: the sender's IP options
 * (source routes, record route) are taken out, moving the bytes in front of them.
 */
static void
drop_ip_options(struct rte_mbuf *m, struct slb_pkt *p)
{
	uint16_t opt = (uint16_t)(p->l4_off - p->l3_off - sizeof(struct rte_ipv4_hdr));
	uint8_t *pkt = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(pkt + opt, pkt, (size_t)p->l3_off + sizeof(struct rte_ipv4_hdr));
	rte_pktmbuf_adj(m, opt);
	p->l4_off = (uint16_t)(p->l4_off - opt);
	p->sip_off = (uint16_t)(p->sip_off - opt);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p->l3_off)->version_ihl =
		RTE_IPV4_VHL_DEF;
}

/*
 * Write addresses, ports and our own IP identification into the (possibly moved) IPv4 and UDP
 * headers, then checksums.
 */
static void
set_l3l4(struct rte_mbuf *m, struct slb_pkt *p, struct slb_fwd_lcore *lc, uint32_t src,
	uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *pkt;

	if (unlikely(p->l4_off - p->l3_off > (int)sizeof(struct rte_ipv4_hdr)))
		drop_ip_options(m, p);
	pkt = rte_pktmbuf_mtod(m, uint8_t *);
	ip = (struct rte_ipv4_hdr *)(pkt + p->l3_off);
	udp = (struct rte_udp_hdr *)(pkt + p->l4_off);
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->time_to_live = 64; /* a new datagram from the proxy, not a routed one */
	ip->fragment_offset = 0; /* no DF: a router on the way may still fragment it */
	ip->packet_id = rte_cpu_to_be_16(lc->ip_id);
	lc->ip_id = (uint16_t)(lc->ip_id + lc->ip_id_step);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	slb_rw_finish(m, p);
}

/*
 * Answer a request ourselves, in place (483 for Max-Forwards 0, §16.3 step 3; 503 when no
 * backend takes new calls), within the worker's budget of replies. out->drop says what it is
 * counted as when the budget is spent or the reply does not fit.
 */
static enum slb_fwd_verdict
answer(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc, struct rte_mbuf *m,
	struct slb_pkt *p, const struct slb_sip_msg *msg, uint16_t code, const char *reason,
	uint32_t src_ip, uint16_t src_port, uint32_t our_ip, uint32_t now, struct slb_fwd_out *out)
{
	/* the source is unverified: a per-second budget, so that we reflect little */
	if (lc->reply_sec != now) {
		lc->reply_sec = now;
		lc->reply_left = ctx->reply_rate;
	}
	if (lc->reply_left == 0)
		return drop(out, SLB_DROP_REPLY_LIMIT);
	lc->reply_left--;
	if (slb_reply_make(m, p, msg, code, reason) < 0)
		return SLB_FWD_DROP;
	/* §18.2.2: back to the source address, to rport's port or the Via's */
	out->dst_ip = src_ip;
	out->dst_port = msg->via[0].has_rport ? src_port :
						    (msg->via[0].port ? msg->via[0].port : 5060);
	out->to_backend = 0;
	out->drop = SLB_DROP_NONE;
	out->events |= SLB_FWD_EV_REPLIED;
	set_l3l4(m, p, lc, our_ip, out->dst_ip, ctx->sip_port, out->dst_port);
	return SLB_FWD_SEND;
}

/*
 * A dialog event: its bit always (the counters), its details only when the worker wants them
 * (control listens): otherwise one test. Called before the rewrite, while msg describes sip.
 */
static inline void
dlg_event(const struct slb_fwd_lcore *lc, uint32_t want, uint16_t ev, const uint8_t *sip,
	const struct slb_sip_msg *msg, uint64_t h, uint16_t be_id, struct slb_fwd_out *out)
{
	uint16_t n;

	out->events |= ev;
	if (likely(!(lc->want & want)))
		return;
	n = msg->call_id.len < SLB_FWD_CALLID_MAX ? msg->call_id.len : SLB_FWD_CALLID_MAX;
	out->dlg.hash = h;
	out->dlg.be_id = be_id;
	out->dlg.callid_len = n;
	memcpy(out->dlg.callid, sip + msg->call_id.off, n);
}

/*
 * The backend for a request from a caller: its dialog's, else the hash's. An initial INVITE
 * creates the dialog. Returns the index in bt->be[] or SLB_BE_NONE.
 */
static uint16_t
pick_backend(const struct slb_fwd_ctx *ctx, const struct slb_fwd_lcore *lc,
	const struct slb_be_table *bt, const uint8_t *sip, const struct slb_sip_msg *msg,
	uint64_t h, uint32_t now, struct slb_fwd_out *out)
{
	uint16_t be_id, idx;
	uint8_t state;
	uint64_t expired;
	int rc;

	if (slb_dlg_lookup(ctx->dlg, h, now, &be_id, &state)) {
		idx = slb_be_index(bt, be_id);
		/*
		 * A dialog stays with its backend unless that backend is gone or DOWN, or FAILED
		 * before it answered the INVITE at all: the call is not on that backend yet, so
		 * the caller's retransmission goes to a live one and the call completes late
		 * instead of failing.
		 */
		if (idx != SLB_BE_NONE && bt->be[idx].state == SLB_BE_FAILED &&
			state == SLB_DLG_EARLY) {
			uint16_t live = slb_be_pick(bt, h);

			if (live != SLB_BE_NONE &&
				slb_dlg_repin(ctx->dlg, h, be_id, bt->be[live].id, now)) {
				out->events |= SLB_FWD_EV_REHASHED;
				return live;
			}
		}
		if (idx != SLB_BE_NONE && bt->be[idx].state != SLB_BE_DOWN) {
			/* the INVITE again, and its backend has not said a word: tell control */
			if (unlikely(state == SLB_DLG_EARLY) && msg->method == SLB_M_INVITE &&
				slb_sip_is_initial(msg))
				dlg_event(lc, SLB_FWD_WANT_UNANSWERED, SLB_FWD_EV_INVITE_UNANSWERED,
					sip, msg, h, be_id, out);
			return idx;
		}
	}
	idx = slb_be_pick(bt, h);
	if (idx == SLB_BE_NONE)
		return idx;
	/*
	 * Only a well-formed initial INVITE creates a dialog: one forwarded by policy despite a bad
	 * To or CSeq could never be ended by its final response, and would fill the table.
	 */
	if (msg->method != SLB_M_INVITE || !slb_sip_is_initial(msg) || msg->err != SLB_SIP_OK) {
		if (!slb_sip_is_initial(msg))
			out->events |= SLB_FWD_EV_BY_HASH;
		return idx;
	}
	be_id = bt->be[idx].id;
	rc = slb_dlg_create_entry(ctx->dlg, h, &be_id, now, &expired);
	if (unlikely(expired != 0)) {
		/* it expired here, not in the sweep: the sweep will not report it */
		out->events |= SLB_FWD_EV_DLG_REUSED;
		if (lc->want & SLB_FWD_WANT_DLG)
			out->dlg.expired_hash = expired;
	}
	if (rc == 0) {
		dlg_event(lc, SLB_FWD_WANT_DLG, SLB_FWD_EV_DLG_CREATED, sip, msg, h, be_id, out);
	} else if (rc == 1) {
		/* another worker created it first, or a stale entry to a DOWN backend: theirs wins */
		uint16_t other = slb_be_index(bt, be_id);

		if (other != SLB_BE_NONE && bt->be[other].state != SLB_BE_DOWN)
			idx = other;
	} else if (rc == -EBUSY) {
		out->events |= SLB_FWD_EV_DLG_BUSY;
	} else {
		out->events |= SLB_FWD_EV_DLG_FULL;
	}
	return idx;
}

static enum slb_fwd_verdict
request(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc, const struct slb_be_table *bt,
	struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg, uint64_t h,
	uint32_t now, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, struct slb_fwd_out *out)
{
	const uint8_t *sip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->sip_off);
	uint32_t flags = 0, from_ip, next_ip;
	uint16_t next_port, idx, be_id;
	const struct slb_rw_cfg *rw;
	bool be_addr, from_backend;
	uint8_t state;

	/* A UDP source proves nothing: a backend's address counts only where backends are. */
	be_addr = slb_be_find_addr(bt, src_ip, src_port) != SLB_BE_NONE;
	from_backend = be_addr && (p->in_role & SLB_PKT_FROM_BACKENDS);
	if (be_addr && !from_backend)
		return drop(out, SLB_DROP_RELAY_DENIED);
	if (!from_backend && ctx->strangers_drop && dst_ip == ctx->backend_ip &&
		ctx->backend_ip != ctx->caller_ip)
		return drop(out, SLB_DROP_RELAY_DENIED);

	if (msg->max_forwards == 0) {
		out->drop = SLB_DROP_MAX_FWD;
		if (!ctx->reply_483 || msg->method == SLB_M_ACK)
			return SLB_FWD_DROP;
		return answer(ctx, lc, m, p, msg, 483, "Too Many Hops", src_ip, src_port,
			from_backend ? ctx->backend_ip : ctx->caller_ip, now, out);
	}

	if (msg->route_count > 0 && uri_is_ours(ctx, sip, msg->route_uri[0]))
		flags |= SLB_RW_DROP_ROUTE;

	if (!from_backend) {
		idx = pick_backend(ctx, lc, bt, sip, msg, h, now, out);
		if (idx == SLB_BE_NONE) {
			out->drop = SLB_DROP_NO_BACKEND;
			if (!ctx->reply_503 || msg->method == SLB_M_ACK)
				return SLB_FWD_DROP;
			if (answer(ctx, lc, m, p, msg, 503, "Service Unavailable", src_ip, src_port,
					ctx->caller_ip, now, out) != SLB_FWD_SEND)
				return SLB_FWD_DROP;
			out->events |= SLB_FWD_EV_NO_BACKEND;
			return SLB_FWD_SEND;
		}
		if (ctx->record_route && slb_sip_is_initial(msg) &&
			(msg->method == SLB_M_INVITE || msg->method == SLB_M_SUBSCRIBE ||
				msg->method == SLB_M_REFER))
			flags |= SLB_RW_RECORD_ROUTE;
		next_ip = bt->be[idx].ip;
		next_port = bt->be[idx].port;
		from_ip = ctx->backend_ip;
		rw = &ctx->rw_backend;
		out->be_idx = idx;
		out->to_backend = 1;
	} else {
		/*
		 * Toward a caller: by the next Route (after ours) or the Request-URI. Only along a
		 * dialog we record-routed (our Route on top) or to a caller network the operator
		 * listed: a backend is not a relay to anywhere. The dialog is only refreshed: a
		 * backend's request never creates or moves one.
		 */
		struct slb_span target = msg->ruri;

		if (msg->route_count > 0 && !(flags & SLB_RW_DROP_ROUTE))
			target = msg->route_uri[0];
		else if (msg->route_count > 1)
			target = msg->route_uri[1];
		if (uri_dest(sip, target, &next_ip, &next_port) < 0)
			return drop(out, SLB_DROP_NEED_DNS);
		if (!(flags & SLB_RW_DROP_ROUTE) && !in_caller_nets(ctx, next_ip))
			return drop(out, SLB_DROP_RELAY_DENIED);
		slb_dlg_lookup(ctx->dlg, h, now, &be_id, &state);
		from_ip = ctx->caller_ip;
		rw = &ctx->rw_caller;
		out->to_backend = 0;
	}
	if ((next_ip == ctx->caller_ip || next_ip == ctx->backend_ip) && next_port == ctx->sip_port)
		return drop(out, SLB_DROP_LOOP);

	if (slb_rw_request(m, p, msg, rw, flags, src_ip, src_port) < 0)
		return drop(out, SLB_DROP_NO_ROOM);
	out->dst_ip = next_ip;
	out->dst_port = next_port;
	set_l3l4(m, p, lc, from_ip, next_ip, ctx->sip_port, next_port);
	return SLB_FWD_SEND;
}

/* Seconds of a Retry-After header (§20.33), 0 when absent or unreadable. Only for 503s. */
static uint32_t
retry_after(const uint8_t *sip, const struct slb_sip_msg *msg)
{
	static const char name[] = "retry-after";
	uint32_t i = (uint32_t)msg->start_line.off + msg->start_line.len, end = msg->body.off;
	uint32_t v = 0, k;

	while (i + sizeof(name) < end) {
		for (k = 0; k < sizeof(name) - 1; k++)
			if ((sip[i + k] | 0x20) != name[k])
				break;
		if (k == sizeof(name) - 1) {
			for (i += k; i < end && (sip[i] == ' ' || sip[i] == '\t'); i++)
				;
			if (i < end && sip[i] == ':') {
				for (i++; i < end && (sip[i] == ' ' || sip[i] == '\t'); i++)
					;
				for (; i < end && sip[i] >= '0' && sip[i] <= '9' && v < 100000000; i++)
					v = v * 10 + (sip[i] - '0');
				return v;
			}
		}
		/* the next line */
		while (i < end && sip[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/*
 * Dialog state from a response: a provisional one to the initial INVITE marks it answered (the
 * call is on that backend now), 2xx confirms, a final failure of the initial INVITE or a 2xx
 * to BYE ends. A backend that answers a new call 503 is reported (it may be overloaded).
 */
static void
track_dialog(const struct slb_fwd_ctx *ctx, const struct slb_fwd_lcore *lc, const uint8_t *sip,
	const struct slb_sip_msg *msg, uint64_t h, uint32_t now, struct slb_fwd_out *out)
{
	uint16_t be_id;
	uint8_t state;

	if (msg->cseq_method == SLB_M_INVITE) {
		if (msg->status < 200) {
			slb_dlg_answered(ctx->dlg, h, now);
			return;
		}
		if (!slb_dlg_lookup(ctx->dlg, h, now, &be_id, &state) ||
			(state != SLB_DLG_EARLY && state != SLB_DLG_ANSWERED))
			return; /* a failed re-INVITE leaves the dialog as it was (§14.1) */
		if (msg->status < 300) {
			if (slb_dlg_confirm(ctx->dlg, h, now))
				dlg_event(lc, SLB_FWD_WANT_DLG, SLB_FWD_EV_DLG_CONFIRMED, sip, msg,
					h, be_id, out);
			return;
		}
		if (slb_dlg_end(ctx->dlg, h, NULL))
			dlg_event(lc, SLB_FWD_WANT_DLG, SLB_FWD_EV_DLG_ENDED, sip, msg, h, be_id,
				out);
		if (msg->status == 503 && out->src_be != SLB_BE_NONE) {
			out->events |= SLB_FWD_EV_INVITE_503;
			out->status = msg->status;
			out->retry_after = retry_after(sip, msg);
		}
	} else if (msg->cseq_method == SLB_M_BYE && msg->status >= 200 && msg->status < 300) {
		if (slb_dlg_end(ctx->dlg, h, &be_id))
			dlg_event(lc, SLB_FWD_WANT_DLG, SLB_FWD_EV_DLG_ENDED, sip, msg, h, be_id,
				out);
	}
}

/*
 * A reply to one of control's probes: our Via alone, on the backend side, with a probe branch
 * (SLB_CTL_PROBE_BRANCH and 16 hex digits: the nonce control matches it by).
 */
static bool
probe_reply(const struct slb_fwd_ctx *ctx, const uint8_t *sip, const struct slb_sip_msg *msg,
	uint64_t *nonce)
{
	static const char prefix[] = SLB_CTL_PROBE_BRANCH;
	const struct slb_sip_via *v = &msg->via[0];
	const uint8_t *b = sip + v->branch.off;
	uint64_t n = 0;
	uint16_t i;

	if (msg->via_count != 1 || v->branch.len != sizeof(prefix) - 1 + 16 ||
		memcmp(b, prefix, sizeof(prefix) - 1) != 0)
		return false;
	if (v->host.len != ctx->rw_backend.host_len ||
		memcmp(sip + v->host.off, ctx->rw_backend.host, v->host.len) != 0 ||
		(v->port ? v->port : 5060) != ctx->sip_port)
		return false;
	for (i = sizeof(prefix) - 1; i < v->branch.len; i++) {
		uint8_t c = b[i];

		if (c >= '0' && c <= '9')
			n = n << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			n = n << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*nonce = n;
	return true;
}

static enum slb_fwd_verdict
response(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc, const struct slb_be_table *bt,
	struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg, uint64_t h,
	uint32_t now, uint32_t src_ip, uint16_t src_port, struct slb_fwd_out *out)
{
	const uint8_t *sip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->sip_off);
	uint32_t next_ip, from_ip;
	uint16_t next_port;

	/*
	 * A probe's reply has our Via alone, and is taken only from a backend, where backends
	 * are: control matches the nonce anyway, but a stranger's flood of them would fill the
	 * event ring that real replies need. The backend lookup is paid by such replies only.
	 */
	if (unlikely(msg->via_count == 1 && (p->in_role & SLB_PKT_FROM_BACKENDS))) {
		out->src_be = slb_be_find_addr(bt, src_ip, src_port);
		if (out->src_be != SLB_BE_NONE && probe_reply(ctx, sip, msg, &out->probe_nonce)) {
			out->status = msg->status;
			return SLB_FWD_PROBE;
		}
	}
	/*
	 * The MAC in our branch decides, not the source: see slb_rw_via_is_ours(). It covers where
	 * the second Via sends the response, which is read once for the check and the next hop. A
	 * second Via that names no IPv4 literal is not one we could have sent: not ours.
	 */
	if (msg->via_count < 2 || slb_rw_response_dest(sip, &msg->via[1], &next_ip, &next_port) < 0)
		return drop(out, SLB_DROP_UNKNOWN_VIA);
	if (!slb_rw_via_is_ours_to(sip, msg, &ctx->rw_backend, next_ip, next_port) &&
		!slb_rw_via_is_ours_to(sip, msg, &ctx->rw_caller, next_ip, next_port))
		return drop(out, SLB_DROP_UNKNOWN_VIA);
	if ((next_ip == ctx->caller_ip || next_ip == ctx->backend_ip) && next_port == ctx->sip_port)
		return drop(out, SLB_DROP_LOOP);

	/* a 503 from a backend is reported (track_dialog): which one, only then */
	if (unlikely(msg->status == 503))
		out->src_be = slb_be_find_addr(bt, src_ip, src_port);
	track_dialog(ctx, lc, sip, msg, h, now, out);

	out->be_idx = slb_be_find_addr(bt, next_ip, next_port);
	out->to_backend = out->be_idx != SLB_BE_NONE;
	from_ip = out->to_backend ? ctx->backend_ip : ctx->caller_ip;
	if (slb_rw_response(m, p, msg) < 0)
		return drop(out, SLB_DROP_NO_ROOM);
	out->dst_ip = next_ip;
	out->dst_port = next_port;
	set_l3l4(m, p, lc, from_ip, next_ip, ctx->sip_port, next_port);
	return SLB_FWD_SEND;
}

/*
 * Stage one: parse, apply the error policy and hash the Call-ID. Returns SLB_FWD_SEND when the
 * message goes on to stage two, else its drop verdict. Touches no shared table.
 */
static enum slb_fwd_verdict
classify(const struct slb_fwd_ctx *ctx, struct rte_mbuf *m, const struct slb_pkt *p,
	struct slb_sip_msg *msg, uint64_t *h, struct slb_fwd_out *out)
{
	const uint8_t *sip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->sip_off);

	memset(out, 0, offsetof(struct slb_fwd_out, dlg));
	out->be_idx = SLB_BE_NONE;
	out->src_be = SLB_BE_NONE;

	if (m->nb_segs != 1 || (uint32_t)p->sip_off + p->sip_len > rte_pktmbuf_data_len(m))
		return drop(out, SLB_DROP_MALFORMED);

	slb_sip_parse_want(sip, p->sip_len, msg, 0); /* the decision's fields only */
	out->sip_err = (uint8_t)msg->err;
	if (msg->err != SLB_SIP_OK) {
		if (not_sip(msg->err))
			return drop(out, SLB_DROP_NOT_SIP);
		/*
		 * Forward by Call-ID alone only when the balancer can still route: a Call-ID, a
		 * parsed top Via, and for a response the Via to send it back by.
		 */
		if (ctx->policy[msg->err] == SLB_SIP_ACT_DROP || msg->call_id.len == 0 ||
			msg->via_count == 0 || msg->via[0].host.len == 0 ||
			(msg->kind == SLB_SIP_RESPONSE && msg->via[1].host.len == 0))
			return drop(out, SLB_DROP_MALFORMED);
		out->events |= SLB_FWD_EV_POLICY_PASS;
	}
	*h = slb_hash_callid(&ctx->hkey, sip + msg->call_id.off, msg->call_id.len);
	return SLB_FWD_SEND;
}

/* Stage two: the dialog and backend tables, the rewrite. */
static enum slb_fwd_verdict
decide(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc, const struct slb_be_table *bt,
	struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg, uint64_t h,
	uint32_t now, struct slb_fwd_out *out)
{
	const uint8_t *pkt = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(pkt + p->l3_off);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(pkt + p->l4_off);

	if (msg->kind == SLB_SIP_REQUEST)
		return request(ctx, lc, bt, m, p, msg, h, now, rte_be_to_cpu_32(ip->src_addr),
			rte_be_to_cpu_16(udp->src_port), rte_be_to_cpu_32(ip->dst_addr), out);
	return response(ctx, lc, bt, m, p, msg, h, now, rte_be_to_cpu_32(ip->src_addr),
		rte_be_to_cpu_16(udp->src_port), out);
}

enum slb_fwd_verdict
slb_fwd_process(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc,
	const struct slb_be_table *bt, struct rte_mbuf *m, struct slb_pkt *p, uint32_t now,
	struct slb_fwd_out *out)
{
	struct slb_sip_msg msg;
	uint64_t h;

	if (classify(ctx, m, p, &msg, &h, out) != SLB_FWD_SEND)
		return SLB_FWD_DROP;
	return decide(ctx, lc, bt, m, p, &msg, h, now, out);
}

void
slb_fwd_process_burst(const struct slb_fwd_ctx *ctx, struct slb_fwd_lcore *lc,
	const struct slb_be_table *bt, struct rte_mbuf **m, struct slb_pkt *p, uint16_t n,
	uint32_t now, struct slb_fwd_out *out, enum slb_fwd_verdict *v)
{
	struct slb_sip_msg msg[SLB_FWD_BURST];
	uint64_t h[SLB_FWD_BURST];
	uint16_t base, k, i;

	for (base = 0; base < n; base += k) {
		k = (uint16_t)RTE_MIN(n - base, SLB_FWD_BURST);
		for (i = 0; i < k; i++) {
			v[base + i] = classify(ctx, m[base + i], &p[base + i], &msg[i], &h[i],
				&out[base + i]);
			if (v[base + i] == SLB_FWD_SEND)
				slb_dlg_prefetch(ctx->dlg, h[i]);
		}
		for (i = 0; i < k; i++)
			if (v[base + i] == SLB_FWD_SEND)
				v[base + i] = decide(ctx, lc, bt, m[base + i], &p[base + i],
					&msg[i], h[i], now, &out[base + i]);
	}
}
