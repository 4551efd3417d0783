/* gen_end.h: when siplb-gen's run is over: every call ended, a bounded wait, or a signal. */
#ifndef SLBG_END_H
#define SLBG_END_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The run has two phases: sending (calls start) and draining (no call starts; those in
 * progress finish). It is over
 *   - LINGER after the last call in progress ended (late copies of its messages still count),
 *   - or STRAGGLE after the sending stopped, whatever is still in progress: each call has its
 *     own deadline (hold + --timeout) already, this only bounds the run if one were missed,
 *   - or LINGER after the first SIGINT/SIGTERM, whatever is still in progress (the summary
 *     reports those calls as unfinished).
 * Times are in the caller's clock ticks; nothing here reads a clock, so the unit tests drive it.
 */

/* Late copies still on the way after the last call ended: 200 ms. */
#define SLBG_END_LINGER_MS 200

struct slbg_end {
	uint64_t linger;   /* ticks */
	uint64_t straggle; /* ticks */
	uint64_t stop_at;  /* when the sending stopped (if stopped) */
	uint64_t idle_at;  /* since when nothing is in progress, or the signal (if idle) */
	uint64_t last_end; /* when the last call in progress was first seen ended: the run's end */
	bool stopped;	   /* the sending stopped */
	bool idle;	   /* nothing in progress, or a signal: the linger runs */
	bool signalled;	   /* a signal stopped it */
	bool straggled;	   /* the wait for stragglers ran out */
};

/*
 * hz: clock ticks per second; t1_ms, hold_ms, timeout_ms: the calls' (slbg_cfg). The wait for
 * stragglers is hold + the lesser of timeout and 64*T1 (RFC 3261's transaction timeout).
 */
void slbg_end_init(
	struct slbg_end *e, uint64_t hz, uint32_t t1_ms, uint32_t hold_ms, uint32_t timeout_ms);

/* The stragglers' wait in ms, as slbg_end_init computed it (for the message that states it). */
uint64_t slbg_end_straggle_ms(uint32_t t1_ms, uint32_t hold_ms, uint32_t timeout_ms);

/* The sending stopped at now (the last call started, the duration passed, or a signal). */
void slbg_end_stop_sending(struct slbg_end *e, uint64_t now);

/*
 * Whether the run is over at now, with in_progress calls still open and quit signals
 * received so far (the first one stops the sending too). Call once per pass of the loop.
 */
bool slbg_end_over(struct slbg_end *e, uint64_t now, uint32_t in_progress, int quit);

#endif /* SLBG_END_H */
