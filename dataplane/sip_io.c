/* sip_io.c: hot path: fill struct slb_pkt, call the SIP core, count, route the result. */
#include <rte_ether.h>

#include "ip_out.h"
#include "sip_io.h"
#include "slb_fwd.h"
#include "worker.h"

#define L2_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static_assert(SLB_DROP__COUNT <= SLB_STATS_FWD_DROPS, "slb_stats.h: fwd_drop[] is too short");
static_assert(SLB_DROP__COUNT == SLB_STATS_FWD_DROP_NAMED, "slb_stats.h: a fwd drop has no name");
static_assert(SLB_SIP_E__COUNT <= SLB_STATS_SIP_ERRS, "slb_stats.h: sip_err[] is too short");
static_assert(SLB_BE_ID_MAX == SLB_STATS_BE_IDS, "slb_stats.h: be_fwd[] must match ids");
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
	w->sip_m[w->sip_n++] = m;
}

/* One decided datagram: count, then free or send. */
static void
finish(struct slb_worker *w, const struct slb_be_table *bt, struct rte_mbuf *m,
	const struct slb_pkt *p, enum slb_fwd_verdict v, const struct slb_fwd_out *out)
{
	struct slb_stats_ctr *c = slb_w_ctr(w);

	if (likely(out->sip_err < SLB_SIP_E__COUNT))
		c->sip_err[out->sip_err]++;
	count_events(c, out->events);
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
	slb_fwd_process_burst(&slb_dp.fwd, &w->fl, w->bt, w->sip_m, w->sip_pkt, n, w->now_s, out,
		v);
	for (i = 0; i < n; i++)
		finish(w, w->bt, w->sip_m[i], &w->sip_pkt[i], v[i], &out[i]);
}

const char *
slb_sip_drop_name(unsigned int d)
{
	return slb_stats_fwd_drop_name(d);
}
