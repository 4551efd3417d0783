/* sip_io.c: hot path: fill struct slb_pkt, call the SIP core, count, route the result. */
#include <rte_ether.h>

#include "ctl.h"
#include "ip_out.h"
#include "sip_io.h"
#include "slb_fwd.h"
#include "worker.h"

#define L2_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static_assert(SLB_DROP__COUNT <= SLB_STATS_FWD_DROPS, "slb_stats.h: fwd_drop[] is too short");
static_assert(SLB_DROP__COUNT == SLB_STATS_FWD_DROP_NAMED, "slb_stats.h: a fwd drop has no name");
static_assert(SLB_SIP_E__COUNT <= SLB_STATS_SIP_ERRS, "slb_stats.h: sip_err[] is too short");
static_assert(SLB_BE_ID_MAX == SLB_STATS_BE_IDS, "slb_stats.h: be_fwd[] must match ids");
static_assert(SLB_FWD_CALLID_MAX == SLB_CTL_CALLID_MAX, "an event keeps what the SIP core copied");
static_assert(SLB_PKT_FROM_CALLERS == SLB_ROLE_CALLER && SLB_PKT_FROM_BACKENDS == SLB_ROLE_BACKEND,
	"a port's role is the SIP core's in_role");

static inline void
count_events(struct slb_stats_ctr *c, uint16_t ev)
{
	if (likely(ev == 0))
		return;
	c->dlg_created += !!(ev & SLB_FWD_EV_DLG_CREATED);
	c->dlg_confirmed += !!(ev & SLB_FWD_EV_DLG_CONFIRMED);
	c->dlg_ended += !!(ev & SLB_FWD_EV_DLG_ENDED);
	c->dlg_full += !!(ev & SLB_FWD_EV_DLG_FULL);
	c->dlg_busy += !!(ev & SLB_FWD_EV_DLG_BUSY);
	c->dlg_reused += !!(ev & SLB_FWD_EV_DLG_REUSED);
	c->dlg_by_hash += !!(ev & SLB_FWD_EV_BY_HASH);
	c->policy_pass += !!(ev & SLB_FWD_EV_POLICY_PASS);
	c->sip_replied += !!(ev & SLB_FWD_EV_REPLIED);
	c->dlg_rehashed += !!(ev & SLB_FWD_EV_REHASHED);
	c->sip_503 += !!(ev & SLB_FWD_EV_NO_BACKEND);
}

/* An event about datagram i of the burst for siplb-control, on this worker's ring. */
static void
ctl_event(struct slb_worker *w, const struct slb_be_table *bt, uint16_t type, uint16_t i,
	const struct slb_fwd_out *out)
{
	struct slb_ctl_evt e = {
		.type = type,
		.be_id = out->src_be < bt->nb_be ? bt->be[out->src_be].id : SLB_BE_NONE,
		.status = out->status,
		.port = rte_be_to_cpu_16(w->sip_src[i].port),
		.ip = rte_be_to_cpu_32(w->sip_src[i].ip),
		.retry_after = out->retry_after,
		.nonce = out->probe_nonce,
		.tsc = w->tsc,
	};

	slb_ctl_worker_emit(w->ctl_evt, &e, slb_w_ctr(w));
}

/*
 * A dialog event (siplb-control's Redis), or an INVITE its backend left unanswered (its health
 * checks): of those, at most one per backend per unans_gap_tsc from this worker, so that a
 * storm of retransmissions cannot fill the ring. Never waits: a full ring counts ctl_evt_lost.
 */
static void
dlg_event(struct slb_worker *w, const struct slb_be_table *bt, const struct slb_fwd_out *out)
{
	const struct slb_fwd_dlg_ev *d = &out->dlg;
	struct slb_ctl_evt e = {
		.be_id = d->be_id,
		.tsc = w->tsc,
		.callid_hash = d->hash,
		.callid_len = d->callid_len,
	};
	uint16_t idx;

	if (out->events & SLB_FWD_EV_INVITE_UNANSWERED) {
		if (!(w->fl.want & SLB_FWD_WANT_UNANSWERED) || d->be_id >= SLB_BE_ID_MAX ||
			w->tsc - w->unans_tsc[d->be_id] < w->unans_gap_tsc)
			return;
		w->unans_tsc[d->be_id] = w->tsc;
		e.type = SLB_CTL_EVT_INVITE_UNANSWERED;
		idx = slb_be_index(bt, d->be_id);
		if (idx != SLB_BE_NONE) {
			e.ip = bt->be[idx].ip;
			e.port = bt->be[idx].port;
		}
	} else if (out->events & (SLB_FWD_EV_DLG_CREATED | SLB_FWD_EV_DLG_CONFIRMED |
					 SLB_FWD_EV_DLG_ENDED)) {
		if (!(w->fl.want & SLB_FWD_WANT_DLG))
			return;
		e.type = out->events & SLB_FWD_EV_DLG_CREATED ? SLB_CTL_EVT_DLG_CREATED :
			out->events & SLB_FWD_EV_DLG_CONFIRMED ? SLB_CTL_EVT_DLG_CONFIRMED :
								SLB_CTL_EVT_DLG_ENDED;
	} else {
		return;
	}
	memcpy(e.callid, d->callid, d->callid_len);
	slb_ctl_worker_emit(w->ctl_evt, &e, slb_w_ctr(w));
}

/*
 * A new call took the slot of a dialog that had expired but was not swept yet: the sweep will
 * not see it, so its expiry goes out from here, as the sweep's would (one hash).
 */
static void
reused_event(struct slb_worker *w, const struct slb_fwd_out *out)
{
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_DLG_EXPIRED,
		.be_id = SLB_BE_NONE,
		.tsc = w->tsc,
		.callid_len = sizeof(uint64_t),
	};

	if (!(w->fl.want & SLB_FWD_WANT_DLG))
		return;
	memcpy(e.callid, &out->dlg.expired_hash, sizeof(uint64_t));
	slb_ctl_worker_emit(w->ctl_evt, &e, slb_w_ctr(w));
}

/*
 * How the checksums of the datagram will be written (enum slb_pkt_csum): by the device when every
 * port it may leave through offloads them (port.c), else updated from the checksum that came in
 * when udp_input() or the device checked it (a wrong one never gets here). RX_L4_CKSUM_NONE: the
 * device checked the data but the field is not filled in, so there is nothing to update; nor
 * with a zero field (no checksum).
 */
static inline uint8_t
csum_mode(const struct slb_port *in, const struct rte_mbuf *m, const struct rte_udp_hdr *udp)
{
	uint64_t rx = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (in->csum_out)
		return SLB_PKT_CSUM_OFFLOAD;
	if (udp->dgram_cksum != 0 &&
		(rx == RTE_MBUF_F_RX_L4_CKSUM_GOOD || rx == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN))
		return SLB_PKT_CSUM_RX;
	return SLB_PKT_CSUM_NONE;
}

void
slb_sip_input(struct slb_worker *w, uint16_t pidx, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
	struct rte_udp_hdr *udp)
{
	struct slb_pkt *p;

	if (unlikely(w->sip_n == SLB_FWD_BURST))
		slb_sip_flush(w);
	p = &w->sip_pkt[w->sip_n];
	p->l3_off = L2_LEN;
	p->l4_off = (uint16_t)(L2_LEN + rte_ipv4_hdr_len(ip));
	p->sip_off = (uint16_t)(p->l4_off + sizeof(*udp));
	p->sip_len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
	p->in_role = (uint8_t)slb_dp.port[pidx].role;
	p->csum = csum_mode(&slb_dp.port[pidx], m, udp);
	w->sip_src[w->sip_n].ip = ip->src_addr;
	w->sip_src[w->sip_n].port = udp->src_port;
	w->sip_m[w->sip_n++] = m;
}

/*
 * Datagram i of the burst, decided: count, then free or send. A reply to one of control's
 * probes goes to control (and no further); a backend's 503 to an initial INVITE is reported to
 * control and forwarded as usual.
 */
static void
finish(struct slb_worker *w, const struct slb_be_table *bt, uint16_t i, enum slb_fwd_verdict v,
	const struct slb_fwd_out *out)
{
	struct slb_stats_ctr *c = slb_w_ctr(w);
	struct rte_mbuf *m = w->sip_m[i];
	const struct slb_pkt *p = &w->sip_pkt[i];

	if (likely(out->sip_err < SLB_SIP_E__COUNT))
		c->sip_err[out->sip_err]++;
	count_events(c, out->events);
	if (unlikely(out->events & SLB_FWD_EV_DLG_DETAILED) && w->fl.want != 0) {
		if (out->events & SLB_FWD_EV_DLG_REUSED)
			reused_event(w, out);
		dlg_event(w, bt, out);
	}
	if (unlikely(out->events & SLB_FWD_EV_INVITE_503)) {
		c->invite_503++;
		ctl_event(w, bt, SLB_CTL_EVT_INVITE_503, i, out);
	}
	if (unlikely(v == SLB_FWD_PROBE)) {
		c->probe_rx++;
		ctl_event(w, bt, SLB_CTL_EVT_PROBE_REPLY, i, out);
		rte_pktmbuf_free(m);
		return;
	}
	if (v != SLB_FWD_SEND) {
		c->fwd_drop[out->drop < SLB_DROP__COUNT ? out->drop : SLB_DROP_NONE]++;
		rte_pktmbuf_free(m);
		return;
	}

	/* the rewrite may have moved the start of the packet: keep exactly L2_LEN before IPv4 */
	if (unlikely(p->l3_off != L2_LEN)) {
		if (p->l3_off > L2_LEN)
			rte_pktmbuf_adj(m, (uint16_t)(p->l3_off - L2_LEN));
		else if (rte_pktmbuf_prepend(m, (uint16_t)(L2_LEN - p->l3_off)) == NULL) {
			c->fwd_drop[SLB_DROP_NO_ROOM]++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (out->to_backend) {
		c->sip_to_backend++;
		if (out->be_idx != SLB_BE_NONE && out->be_idx < bt->nb_be)
			c->be_fwd[bt->be[out->be_idx].id]++;
		slb_ip_send(w, m, out->dst_ip, SLB_ROLE_BACKEND);
	} else {
		c->sip_to_caller++;
		slb_ip_send(w, m, out->dst_ip, SLB_ROLE_CALLER);
	}
}

void
slb_sip_flush(struct slb_worker *w)
{
	struct slb_fwd_out out[SLB_FWD_BURST];
	enum slb_fwd_verdict v[SLB_FWD_BURST];
	uint16_t i, n = w->sip_n;

	if (n == 0)
		return;
	w->sip_n = 0;
	slb_w_ctr(w)->sip_rx += n;
	w->fl.want = __atomic_load_n(&slb_dp.ctl_want, __ATOMIC_RELAXED);
	slb_fwd_process_burst(&slb_dp.fwd, &w->fl, w->bt, w->sip_m, w->sip_pkt, n, w->now_s, out,
		v);
	for (i = 0; i < n; i++)
		finish(w, w->bt, i, v[i], &out[i]);
}

const char *
slb_sip_drop_name(unsigned int d)
{
	return slb_stats_fwd_drop_name(d);
}
