/* gen_report.c: siplb-gen's progress line and summary: what a run measured, as text and JSON. */
#include <inttypes.h>

#include "gen_report.h"

void
slbg_progress(FILE *f, double t, const struct slbg_stats *now, const struct slbg_stats *prev,
	double dt, uint32_t in_progress)
{
	double up = (double)(now->tx[SLBG_CALLER] - prev->tx[SLBG_CALLER]) / dt;
	double down = (double)(now->tx[SLBG_BACKEND] - prev->tx[SLBG_BACKEND]) / dt;

	fprintf(f,
		"%6.1fs calls: %" PRIu64 " attempted, %" PRIu64 " completed, %" PRIu64
		" failed, %u in progress; msgs/s: %.0f callers->lb, %.0f backends->lb; %" PRIu64
		" retrans\n",
		t, now->attempted, now->completed, now->failed, in_progress, up, down,
		now->retrans);
	fflush(f);
}

uint64_t
slbg_lost(const struct slbg_stats *st)
{
	uint64_t sent = st->tx[0] + st->tx[1], got = st->rx[0] + st->rx[1];

	return sent > got ? sent - got : 0;
}

static double
us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

void
slbg_summary_text(
	FILE *f, const struct slbg_args *a, const struct slbg_stats *st, const struct slbg_run *run)
{
	uint64_t sent = st->tx[0] + st->tx[1], lost = slbg_lost(st);
	double secs = run->seconds > 0 ? run->seconds : 1;
	uint32_t i;

	fprintf(f, "siplb-gen summary: scenario %s, %.2f s\n", slbg_scen_name(a->cfg.scen),
		run->seconds);
	fprintf(f,
		"  calls: %" PRIu64 " attempted, %" PRIu64 " completed, %" PRIu64
		" failed; %.0f calls/s started, %.0f completed/s\n",
		st->attempted, st->completed, st->failed,
		run->send_seconds > 0 ? (double)st->attempted / run->send_seconds : 0,
		(double)st->completed / secs);
	if (run->unfinished != 0 || run->signalled)
		fprintf(f, "  stopped %s: %u calls unfinished (neither completed nor failed)\n",
			run->signalled ? "by a signal" : "after the wait for calls in progress",
			run->unfinished);
	fprintf(f,
		"  messages: %" PRIu64 " sent (callers %" PRIu64 ", backends %" PRIu64 "), %" PRIu64
		" received, %.0f msgs/s through the balancer; %" PRIu64 " retransmissions\n",
		sent, st->tx[0], st->tx[1], st->rx[0] + st->rx[1],
		(double)(st->rx[0] + st->rx[1]) / secs, st->retrans);
	fprintf(f,
		"  loss: %" PRIu64 " of %" PRIu64 " (%.4f%%)%s; stray %" PRIu64
		", unexpected %" PRIu64 ", unreadable %" PRIu64 "\n",
		lost, sent, sent ? 100.0 * (double)lost / (double)sent : 0.0,
		st->drop_injected ? " (injected drops included)" : "", st->stray, st->unexpected,
		st->bad);
	fprintf(f, "  affinity violations: %" PRIu64 "%s\n", st->aff_violations,
		st->misrouted ? " (misroutes injected)" : "");
	fprintf(f, "  calls per backend:");
	for (i = 0; i < a->cfg.nb_be; i++)
		fprintf(f, " %u.%u.%u.%u=%" PRIu64, a->cfg.be_ip[i] >> 24,
			(a->cfg.be_ip[i] >> 16) & 0xff, (a->cfg.be_ip[i] >> 8) & 0xff,
			a->cfg.be_ip[i] & 0xff, st->be_calls[i]);
	fprintf(f, "\n  latency through the balancer, us (p50 / p99 / p99.9 / max, count):\n");
	for (i = 0; i < SLBG_MT__COUNT; i++) {
		const struct slbg_hist *h = &st->lat[i];

		if (h->count == 0)
			continue;
		fprintf(f, "    %-13s %9.1f %9.1f %9.1f %9.1f  %" PRIu64 "\n",
			slbg_mt_name((enum slbg_mt)i), us(slbg_hist_quantile(h, 0.5)),
			us(slbg_hist_quantile(h, 0.99)), us(slbg_hist_quantile(h, 0.999)),
			us(h->max), h->count);
	}
	fprintf(f,
		"  ports: %" PRIu64 " frames in, %" PRIu64 " out, %" PRIu64 " refused, %" PRIu64
		" without mbuf, %" PRIu64 " not ours, %" PRIu64 " fragments out, %" PRIu64
		" reassembled\n",
		run->port_rx, run->port_tx, run->tx_full, run->no_mbuf, run->not_ours,
		run->frags_tx, run->reasm);
	fprintf(f, "  siplb-gen's longest pause between two polls: %.0f us, at %.2f s\n",
		run->max_gap_us, run->max_gap_at);
}

void
slbg_summary_json(
	FILE *f, const struct slbg_args *a, const struct slbg_stats *st, const struct slbg_run *run)
{
	uint64_t sent = st->tx[0] + st->tx[1];
	uint32_t i;
	const char *sep = "";

	fprintf(f,
		"{\"scenario\":\"%s\",\"seconds\":%.3f,\"send_seconds\":%.3f,"
		"\"calls\":{\"attempted\":%" PRIu64 ",\"completed\":%" PRIu64 ",\"failed\":%" PRIu64
		",\"unfinished\":%u},\"stopped_by\":\"%s\",",
		slbg_scen_name(a->cfg.scen), run->seconds, run->send_seconds, st->attempted,
		st->completed, st->failed, run->unfinished,
		run->signalled	 ? "signal"
		: run->straggled ? "wait"
				 : "end");
	fprintf(f,
		"\"messages\":{\"sent\":%" PRIu64 ",\"sent_callers\":%" PRIu64
		",\"sent_backends\":%" PRIu64 ",\"received\":%" PRIu64
		",\"received_callers\":%" PRIu64 ",\"received_backends\":%" PRIu64
		",\"lost\":%" PRIu64 ",\"retransmissions\":%" PRIu64 ",\"drop_injected\":%" PRIu64
		",\"stray\":%" PRIu64 ",\"unexpected\":%" PRIu64 ",\"unreadable\":%" PRIu64 "},",
		sent, st->tx[0], st->tx[1], st->rx[0] + st->rx[1], st->rx[0], st->rx[1],
		slbg_lost(st), st->retrans, st->drop_injected, st->stray, st->unexpected, st->bad);
	fprintf(f,
		"\"affinity_violations\":%" PRIu64 ",\"misroutes_injected\":%" PRIu64
		",\"backends\":{",
		st->aff_violations, st->misrouted);
	for (i = 0; i < a->cfg.nb_be; i++) {
		fprintf(f, "%s\"%u.%u.%u.%u\":{\"calls\":%" PRIu64 ",\"messages\":%" PRIu64 "}",
			sep, a->cfg.be_ip[i] >> 24, (a->cfg.be_ip[i] >> 16) & 0xff,
			(a->cfg.be_ip[i] >> 8) & 0xff, a->cfg.be_ip[i] & 0xff, st->be_calls[i],
			st->be_msgs[i]);
		sep = ",";
	}
	fprintf(f, "},\"latency_us\":{");
	sep = "";
	for (i = 0; i < SLBG_MT__COUNT; i++) {
		const struct slbg_hist *h = &st->lat[i];

		if (h->count == 0)
			continue;
		fprintf(f,
			"%s\"%s\":{\"count\":%" PRIu64 ",\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,"
			"\"max\":%.2f}",
			sep, slbg_mt_name((enum slbg_mt)i), h->count,
			us(slbg_hist_quantile(h, 0.5)), us(slbg_hist_quantile(h, 0.99)),
			us(slbg_hist_quantile(h, 0.999)), us(h->max));
		sep = ",";
	}
	fprintf(f,
		"},\"ports\":{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_refused\":%" PRIu64
		",\"no_mbuf\":%" PRIu64 ",\"not_ours\":%" PRIu64 ",\"fragments_tx\":%" PRIu64
		",\"reassembled\":%" PRIu64
		"},\"max_poll_gap_us\":%.1f,\"max_poll_gap_at\":%.3f}\n",
		run->port_rx, run->port_tx, run->tx_full, run->no_mbuf, run->not_ours,
		run->frags_tx, run->reasm, run->max_gap_us, run->max_gap_at);
}
