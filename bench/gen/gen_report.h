/* gen_report.h: siplb-gen's progress line and final summary (text and JSON), EAL-free. */
#ifndef SLBG_REPORT_H
#define SLBG_REPORT_H

#include <stdio.h>

#include "gen_args.h"
#include "gen_call.h"

/* What the run adds to the engine's counters for the summary. */
struct slbg_run {
	double seconds;	     /* from the first call to the end of the last (or the stop) */
	double send_seconds; /* from the first call to the last one started */
	uint32_t unfinished; /* calls still in progress when the run stopped */
	bool signalled;	     /* SIGINT or SIGTERM stopped it */
	bool straggled;	     /* the wait for calls still in progress ran out */
	uint64_t port_rx;    /* frames, all ports */
	uint64_t port_tx;
	uint64_t tx_full; /* frames the ports refused (dropped here) */
	uint64_t no_mbuf;
	uint64_t not_ours; /* frames for no address we play */
	uint64_t frags_tx;
	uint64_t reasm;	      /* datagrams reassembled */
	uint64_t max_gap_tsc; /* the longest time between two polls of the ports */
	double max_gap_us;
	double max_gap_at; /* when, seconds from the first call */
};

/* One line: second, attempted, completed, failed, in progress, msgs/s each way, retrans. */
void slbg_progress(FILE *f, double t, const struct slbg_stats *now, const struct slbg_stats *prev,
	double dt, uint32_t in_progress);

/* Messages lost on the way: sent by one side and never received by the other. */
uint64_t slbg_lost(const struct slbg_stats *st);

void slbg_summary_text(FILE *f, const struct slbg_args *a, const struct slbg_stats *st,
	const struct slbg_run *run);
void slbg_summary_json(FILE *f, const struct slbg_args *a, const struct slbg_stats *st,
	const struct slbg_run *run);

#endif /* SLBG_REPORT_H */
