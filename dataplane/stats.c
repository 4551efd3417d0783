/* stats.c: the counters in the control segment, their header, and the summed reports. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "be_swap.h"
#include "ctl_shm.h"
#include "dp.h"
#include "log.h"
#include "sip_io.h"
#include "stats.h"

RTE_LOG_REGISTER(slb_logtype_stats, siplb.stats, INFO);

#define LINE_COLS 100
#define READ_TRIES 64

/* Rates between two interval logs. */
static struct {
	uint64_t tsc;
	uint64_t rx, tx, sip;
} last;

struct slb_stats_lcore *
slb_stats_main_slot(struct slb_dp *dp)
{
	return &dp->shm->lcore[dp->nb_workers];
}

void
slb_stats_sum(const struct slb_dp *dp, struct slb_stats_ctr *sum)
{
	static struct slb_stats_lcore copy; /* main lcore only; 33 KB is too big for its stack */
	uint32_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < dp->shm->hdr.nb_lcores; i++) {
		slb_stats_read_lcore(&dp->shm->lcore[i], &copy, READ_TRIES);
		slb_stats_add(sum, &copy.c);
	}
}

/* Lines no wider than LINE_COLS; a long list continues on the next line, indented. */
struct out {
	FILE *f;     /* NULL: rte_log */
	char buf[LINE_COLS + 64];
	size_t len;
	size_t head_len; /* what a line holds before its first item */
	bool warn;       /* log at WARNING rather than INFO */
};

static void
out_flush(struct out *o)
{
	if (o->len == 0)
		return;
	if (o->f != NULL)
		fprintf(o->f, "%s\n", o->buf);
	else if (o->warn)
		SLB_LOG(stats, WARNING, "%s", o->buf);
	else
		SLB_LOG(stats, INFO, "%s", o->buf);
	o->len = 0;
	o->buf[0] = '\0';
}

static void
out_start(struct out *o, const char *head)
{
	out_flush(o);
	o->len = (size_t)snprintf(o->buf, sizeof(o->buf), "%s", head);
	o->head_len = o->len;
}

static void __attribute__((format(printf, 2, 3)))
out_add(struct out *o, const char *fmt, ...)
{
	char item[LINE_COLS + 32];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	/* room for the log prefix "stats: " */
	if (o->len > o->head_len && o->len + (size_t)n > LINE_COLS - 8) {
		out_flush(o);
		o->len = (size_t)snprintf(o->buf, sizeof(o->buf), "  ");
		o->head_len = o->len;
	}
	o->len += (size_t)snprintf(o->buf + o->len, sizeof(o->buf) - o->len, "%s", item);
}

static void
report(struct slb_dp *dp, const struct slb_stats_ctr *c, struct out *o)
{
	const struct slb_stats_hdr *h = &dp->shm->hdr;
	const struct slb_be_table *bt = slb_be_current();
	unsigned int i, any;

	out_start(o, "");
	out_add(o, "rx %" PRIu64 " pkts %" PRIu64 " B | tx %" PRIu64 " pkts %" PRIu64 " B, "
		"full %" PRIu64, c->rx_pkts, c->rx_bytes, c->tx_pkts, c->tx_bytes, c->tx_full);

	out_start(o, "");
	out_add(o, "sip %" PRIu64 " in, %" PRIu64 " to backends, %" PRIu64 " to callers, %" PRIu64
		" answered (483)", c->sip_rx, c->sip_to_backend, c->sip_to_caller, c->sip_replied);

	out_start(o, "");
	out_add(o, "dialogs live %u/%u, created %" PRIu64 " confirmed %" PRIu64 " ended %" PRIu64
		" expired %" PRIu64 ",", h->dlg_live, h->dlg_slots, c->dlg_created, c->dlg_confirmed,
		c->dlg_ended, c->dlg_expired);
	out_add(o, " reused %" PRIu64 " full %" PRIu64 " busy %" PRIu64 " by_hash %" PRIu64
		" policy_pass %" PRIu64, c->dlg_reused, c->dlg_full, c->dlg_busy, c->dlg_by_hash,
		c->policy_pass);

	out_start(o, "");
	out_add(o, "arp rx req %" PRIu64 " rep %" PRIu64 ", tx req %" PRIu64 " rep %" PRIu64
		", learned %" PRIu64, c->arp_rx_request, c->arp_rx_reply, c->arp_tx_request,
		c->arp_tx_reply, c->arp_learned);
	out_add(o, " | neigh %u used, probes %" PRIu64 " failed %" PRIu64, h->neigh_used,
		c->neigh_probe, c->neigh_failed);

	out_start(o, "");
	out_add(o, "held for arp %" PRIu64 " sent %" PRIu64 " | icmp echo %" PRIu64,
		c->pend_queued, c->pend_sent, c->icmp_echo);
	out_start(o, "");
	out_add(o, "frag rx %" PRIu64 " steered %" PRIu64 " reassembled %" PRIu64 " | tx "
		"fragmented %" PRIu64 " into %" PRIu64, c->frag_rx, c->frag_steered, c->reasm_ok,
		c->tx_fragmented, c->tx_frags);

	/* the control channel's and health checks' counters, by their names in slb_stats.h */
	out_start(o, "control:");
	for (i = 0; i < SLB_STATS_NB_FIELDS; i++) {
		const struct slb_stats_field *fl = &slb_stats_fields[i];

		if (fl->off >= offsetof(struct slb_stats_ctr, ctl_evt_lost) &&
				fl->off < offsetof(struct slb_stats_ctr, drop))
			out_add(o, " %s %" PRIu64, fl->name,
				*(const uint64_t *)((const char *)c + fl->off));
	}

	out_start(o, "drops:");
	for (i = 0, any = 0; i < SLB_STATS_DROP__COUNT; i++)
		if (c->drop[i] != 0) {
			out_add(o, " %s %" PRIu64, slb_stats_drop_name(i), c->drop[i]);
			any++;
		}
	for (i = 1; i < SLB_DROP__COUNT; i++)
		if (c->fwd_drop[i] != 0) {
			out_add(o, " sip.%s %" PRIu64, slb_sip_drop_name(i), c->fwd_drop[i]);
			any++;
		}
	if (any == 0)
		out_add(o, " none");

	out_start(o, "sip errors:");
	for (i = 1, any = 0; i < SLB_SIP_E__COUNT; i++)
		if (c->sip_err[i] != 0) {
			out_add(o, " %s %" PRIu64, slb_sip_err_name((enum slb_sip_err)i),
				c->sip_err[i]);
			any++;
		}
	if (any == 0)
		out_add(o, " none");

	out_start(o, "backends:");
	if (bt != NULL) {
		for (i = 0; i < bt->nb_be; i++)
			out_add(o, " %s %" PRIu64, bt->be[i].name, c->be_fwd[bt->be[i].id]);
		out_add(o, " (table v%" PRIu64 ")", bt->version);
	}
	out_flush(o);
}

/*
 * Whatever went wrong since the last interval, as one WARNING: every drop reason, full tx queues,
 * a full or contended dialog table, neighbours that stopped answering. Counted per packet on the
 * fast path, logged here once per interval, so a flood of them costs one line.
 */
static void
warn_deltas(const struct slb_stats_ctr *c, const struct slb_stats_ctr *p)
{
	struct out o = {.f = NULL, .warn = true};
	unsigned int i;

	out_start(&o, "in the last interval:");
	for (i = 0; i < SLB_STATS_DROP__COUNT; i++)
		/* frames for other hosts and other protocols are a LAN's normal chatter */
		if (c->drop[i] != p->drop[i] && i != SLB_STATS_DROP_L2_DST &&
			i != SLB_STATS_DROP_ETHERTYPE && i != SLB_STATS_DROP_ARP_NOT_OURS)
			out_add(&o, " %s +%" PRIu64, slb_stats_drop_name(i), c->drop[i] - p->drop[i]);
	for (i = 1; i < SLB_DROP__COUNT; i++)
		if (c->fwd_drop[i] != p->fwd_drop[i])
			out_add(&o, " sip.%s +%" PRIu64, slb_sip_drop_name(i),
				c->fwd_drop[i] - p->fwd_drop[i]);
	if (c->tx_full != p->tx_full)
		out_add(&o, " tx_full +%" PRIu64, c->tx_full - p->tx_full);
	if (c->dlg_full != p->dlg_full)
		out_add(&o, " dialog_table_full +%" PRIu64, c->dlg_full - p->dlg_full);
	if (c->dlg_busy != p->dlg_busy)
		out_add(&o, " dialog_busy +%" PRIu64, c->dlg_busy - p->dlg_busy);
	if (c->neigh_failed != p->neigh_failed)
		out_add(&o, " neighbours_failed +%" PRIu64, c->neigh_failed - p->neigh_failed);
	if (o.len > o.head_len)
		out_flush(&o);
}

void
slb_stats_log(struct slb_dp *dp)
{
	static struct slb_stats_ctr prev;
	static struct slb_stats_ctr sum;
	struct out o = {.f = NULL};
	uint64_t tsc = rte_rdtsc();
	double dt;

	slb_stats_sum(dp, &sum);
	dt = last.tsc != 0 ? (double)(tsc - last.tsc) / (double)dp->tsc_hz : 0;
	if (dt > 0)
		SLB_LOG(stats, INFO, "%.0f rx/s, %.0f tx/s, %.0f sip/s; mempool %u of %u free",
			(double)(sum.rx_pkts - last.rx) / dt, (double)(sum.tx_pkts - last.tx) / dt,
			(double)(sum.sip_rx - last.sip) / dt, dp->shm->hdr.pool_free,
			dp->shm->hdr.pool_size);
	last.tsc = tsc;
	last.rx = sum.rx_pkts;
	last.tx = sum.tx_pkts;
	last.sip = sum.sip_rx;
	report(dp, &sum, &o);
	if (dt > 0)
		warn_deltas(&sum, &prev);
	prev = sum;
}

void
slb_stats_print(struct slb_dp *dp, FILE *f)
{
	static struct slb_stats_ctr sum;
	struct out o = {.f = f};

	slb_stats_sum(dp, &sum);
	fprintf(f, "final counters, summed over %u lcores:\n", dp->shm->hdr.nb_lcores);
	report(dp, &sum, &o);
	fflush(f);
}

int
slb_stats_init(struct slb_dp *dp)
{
	struct slb_stats_shm *shm;
	struct slb_stats_hdr *h;
	uint32_t i;

	if (dp->ctl == NULL) {
		SLB_LOG(stats, ERR, "no control segment to hold the counters");
		return -1;
	}
	shm = slb_ctl_stats(dp->ctl);
	memset(shm, 0, sizeof(*shm));
	h = &shm->hdr;
	h->version = SLB_STATS_VERSION;
	h->hdr_size = sizeof(*h);
	h->lcore_size = sizeof(shm->lcore[0]);
	h->epoch = dp->ctl->epoch; /* one start time for the segment and its counters */
	h->tsc_hz = dp->tsc_hz;
	h->nb_workers = dp->nb_workers;
	h->nb_lcores = dp->nb_workers + 1;
	h->nb_ports = dp->cfg->nb_ports;
	h->state = SLB_STATS_STARTING;
	for (i = 0; i < dp->nb_workers; i++) {
		shm->lcore[i].lcore_id = dp->worker_lcore[i];
		shm->lcore[i].role = SLB_STATS_ROLE_WORKER;
	}
	shm->lcore[dp->nb_workers].lcore_id = rte_lcore_id();
	shm->lcore[dp->nb_workers].role = SLB_STATS_ROLE_MAIN;
	/* readers check the magic last */
	__atomic_store_n(&h->magic, SLB_STATS_MAGIC, __ATOMIC_RELEASE);
	dp->shm = shm;
	SLB_LOG(stats, INFO, "counters in the control segment: %zu KB, %u lcore slots",
		sizeof(*shm) >> 10, h->nb_lcores);
	return 0;
}

/* The counters go with the segment (ctl.c removes it). */
void
slb_stats_term(struct slb_dp *dp)
{
	dp->shm = NULL;
}
