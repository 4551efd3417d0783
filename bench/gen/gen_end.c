/* gen_end.c: when siplb-gen's run is over (gen_end.h says when). */
#include "gen_end.h"

uint64_t
slbg_end_straggle_ms(uint32_t t1_ms, uint32_t hold_ms, uint32_t timeout_ms)
{
	uint64_t tx = 64ull * t1_ms;

	return (uint64_t)hold_ms + (timeout_ms < tx ? timeout_ms : tx);
}

void
slbg_end_init(
	struct slbg_end *e, uint64_t hz, uint32_t t1_ms, uint32_t hold_ms, uint32_t timeout_ms)
{
	e->linger = hz * SLBG_END_LINGER_MS / 1000;
	e->straggle = hz * slbg_end_straggle_ms(t1_ms, hold_ms, timeout_ms) / 1000;
	e->stop_at = 0;
	e->idle_at = 0;
	e->last_end = 0;
	e->stopped = false;
	e->idle = false;
	e->signalled = false;
	e->straggled = false;
}

void
slbg_end_stop_sending(struct slbg_end *e, uint64_t now)
{
	if (!e->stopped) {
		e->stopped = true;
		e->stop_at = now;
	}
}

bool
slbg_end_over(struct slbg_end *e, uint64_t now, uint32_t in_progress, int quit)
{
	if (quit > 0 && !e->signalled) {
		/* a signal: stop now, what is open stays open (unfinished in the summary) */
		e->signalled = true;
		slbg_end_stop_sending(e, now);
		if (!e->idle) {
			e->idle = true;
			e->idle_at = now;
			e->last_end = now;
		}
	}
	if (!e->stopped)
		return false;
	if (!e->idle && in_progress == 0) {
		e->idle = true;
		e->idle_at = now;
		e->last_end = now;
	}
	if (e->idle)
		return now - e->idle_at >= e->linger;
	if (now - e->stop_at >= e->straggle) {
		e->straggled = true;
		e->last_end = now;
		return true;
	}
	return false;
}
