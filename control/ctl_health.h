/* ctl_health.h: one backend's health as siplb-control sees it: pure state machine, no I/O. */
#ifndef CTL_HEALTH_H
#define CTL_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "slb_ctl.h"

/*
 * The rules, per backend (times on control's monotonic clock):
 *  - One probe in flight at most, one every probe_interval_ms from the last one's send (the first
 *    ones spread over an interval); a signal (503 with suspect_on_503, ICMP) makes one due now.
 *  - A probe fails when probe_timeout_ms pass without a final reply, when its reply comes after
 *    that (late: never a success), or when the final status is not alive. Alive: >= 200 and, with
 *    reply_codes listed, in one of the ranges. 1xx, a wrong nonce or no probe in flight: ignored.
 *  - fall failures in a row: down. rise good probes in a row: up. A good probe resets the
 *    failure run and a failure the good run. After a failure, while fewer than fall in a row,
 *    the next probe is due at once (a dead backend is found in fall timeouts, not intervals).
 *  - INVITE 503: Retry-After R > 0 holds the backend out of rotation for R s (at most
 *    CTL_HEALTH_RETRY_AFTER_MAX), whatever the probes say meanwhile; then the probes decide. fall
 *    503s in a row, each less than probe_interval_ms after the previous (the dataplane reports no
 *    good INVITE reply, so a quiet interval is what ends a run), take it down as fall failed
 *    probes would: rise good probes bring it back.
 *  - INVITE 503s that took it down (fall in a row) also hold it out, whatever the probes say:
 *    CTL_HEALTH_HOLD_503_MIN the first time, twice as long each time it does it again within
 *    CTL_HEALTH_HOLD_RESET of coming back, at most CTL_HEALTH_HOLD_503_MAX. A proxy that answers
 *    OPTIONS but refuses every INVITE would otherwise come back after rise probes, refuse fall
 *    more calls and go down again, every few seconds for ever.
 *  - ICMP unreachable about it: fails the probe in flight, or else counts as one failure and
 *    makes a probe due now; at most one such failure per probe_timeout_ms.
 *  - An initial INVITE it left unanswered (the dataplane saw the caller retransmit it while no
 *    response at all, not even 100 Trying, had come back; with suspect_unanswered and fall >= 2,
 *    since a caller can forge it; with fall 1 it only brings the probe forward): one failure
 *    (at most one per probe_timeout_ms, shared with ICMP) and a probe due now, but a probe in
 *    flight is left to answer or time out. A proxy answers 100 Trying at once (RFC 3261 16.2), so
 *    a caller's retransmission 500 ms later with nothing back is a strong sign; one lost INVITE
 *    costs one failure, which the next good probe clears.
 *  - draining and disabled are the operator's: probes run and count, but do not change the
 *    state; "enable" gives the state the probes found meanwhile.
 *  - The dataplane gets: up UP, draining DRAIN, down and disabled FAILED (dead_dialogs
 *    "pinned") or DOWN ("rehash").
 */

#define CTL_HEALTH_MAX_CODES 16
#define CTL_HEALTH_RETRY_AFTER_MAX 3600 /* seconds: a longer Retry-After is capped */
#define CTL_HEALTH_HOLD_503_MIN 5000000ull   /* us: out after 503s took it down, the first time */
#define CTL_HEALTH_HOLD_503_MAX 300000000ull /* us: the hold doubles up to this */
#define CTL_HEALTH_HOLD_RESET 600000000ull   /* us up without a 503 take-down: hold back to min */

/*
 * Control's states. up and down come from the probes (and the passive signals); draining and
 * disabled are the operator's and win over what the probes say, which are still sent and
 * counted: enabling a backend again gives it the state its probes found meanwhile.
 */
enum ctl_state {
	CTL_UP = 0,
	CTL_DOWN,     /* by probe, by repeated INVITE 503s, or held out by a Retry-After */
	CTL_DRAINING, /* operator: keeps its dialogs, no new calls */
	CTL_DISABLED, /* operator: out */
};

enum ctl_admin {
	CTL_ADMIN_NONE = 0, /* the probes decide */
	CTL_ADMIN_DRAIN,
	CTL_ADMIN_DISABLE,
};

/* What the rules need from control's config section; all times in microseconds. */
struct ctl_health_cfg {
	uint64_t interval_us;
	uint64_t timeout_us;
	uint32_t fall;
	uint32_t rise;
	uint32_t nb_codes; /* 0: any final response (>= 200) means alive */
	uint16_t code_lo[CTL_HEALTH_MAX_CODES];
	uint16_t code_hi[CTL_HEALTH_MAX_CODES];
	bool dead_rehash; /* control.dead_dialogs = "rehash" (else "pinned") */
	bool suspect_on_503;
	bool suspect_unanswered;
};

/* What a probe reply, an event or the clock did to a backend. */
enum ctl_verdict {
	CTL_V_IGNORED = 0, /* not ours, stale, 1xx: nothing counted */
	CTL_V_OK,	   /* a good probe */
	CTL_V_FAILED,	   /* a failure counted */
};

struct ctl_health {
	/* the state and its causes */
	enum ctl_state state; /* derived: admin, else alive and not held */
	enum ctl_admin admin;
	bool alive;		/* the probes' (and passive signals') view */
	uint64_t since_us;	/* state's start, control's clock */
	uint64_t hold_until_us; /* out of rotation until then (Retry-After), 0: not held */

	/* the probe in flight: at most one per backend */
	bool outstanding;
	uint64_t nonce;
	uint64_t sent_us;  /* when control asked for it */
	uint64_t sent_tsc; /* PROBE_SENT's tsc, 0 until it came */
	uint64_t next_us;  /* when the next probe is due */

	/* counts */
	uint32_t fails_in_row;
	uint32_t oks_in_row;
	uint64_t probes_ok;
	uint64_t probes_failed;
	int32_t last_status; /* of the last probe reply, -1: none yet */
	double rtt_ms;	     /* of the last good probe, < 0: none yet */
	uint32_t run_503;    /* INVITE 503s in a row, each within an interval of the previous */
	uint64_t last_503_us;
	uint64_t last_passive_us; /* the last ICMP or unanswered INVITE counted as a failure */
	uint64_t nb_503;
	uint64_t nb_icmp;
	uint64_t nb_unanswered;
	uint64_t hold_503_us;	/* the next 503 take-down's hold, 0: not yet (MIN) */
	uint64_t last_503_down_us; /* when 503s last took it down */
};

/* Fill hc from control's section of the config (the values of struct slb_cfg's ctl_*). */
void ctl_health_cfg_set(struct ctl_health_cfg *hc, uint32_t interval_ms, uint32_t timeout_ms,
	uint32_t fall, uint32_t rise, uint32_t nb_codes, const uint16_t *lo, const uint16_t *hi,
	bool dead_rehash, bool suspect_on_503, bool suspect_unanswered);

/*
 * A backend whose probes have not spoken yet: alive (it was in the table: taking it out until
 * rise probes came back would cut capacity at every control restart), admin as given, first
 * probe due at first_us (spread the backends over an interval).
 */
void ctl_health_init(
	struct ctl_health *h, enum ctl_admin admin, bool alive, uint64_t now_us, uint64_t first_us);

/* Whether a final status of a probe reply means alive: >= 200 and in a range (or any). */
bool ctl_health_code_alive(const struct ctl_health_cfg *hc, uint16_t status);

/* Whether a probe is due now (none in flight, and its time came or a signal asked for it). */
bool ctl_health_probe_due(const struct ctl_health *h, uint64_t now_us);

/* Control asked the dataplane to send probe nonce now. */
void ctl_health_probe_sent(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t nonce, uint64_t now_us);

/* The probe could not be handed over (no dataplane, ring full): try again at the next tick. */
void ctl_health_probe_unsent(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us);

/* PROBE_SENT: the main lcore sent nonce at tsc. Returns whether it was this backend's probe. */
bool ctl_health_on_sent(struct ctl_health *h, uint64_t nonce, uint64_t tsc);

/*
 * PROBE_REPLY with nonce and status at tsc (the dataplane's clock, tsc_hz; 0 if unknown). A
 * wrong nonce, no probe in flight, or a 1xx: ignored. Past the timeout: the probe failed
 * (the reply came too late to count as alive). A final status: ok or failed by the codes.
 */
enum ctl_verdict ctl_health_on_reply(struct ctl_health *h, const struct ctl_health_cfg *hc,
	uint64_t nonce, uint16_t status, uint64_t tsc, uint64_t tsc_hz, uint64_t now_us);

/* The clock: a probe in flight past its timeout failed; a Retry-After hold ends. */
enum ctl_verdict ctl_health_tick(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us);

/*
 * An initial INVITE answered 503 (retry_after in seconds, 0: none). With suspect_on_503 a probe
 * is due at once. Retry-After R: out of rotation for R seconds (capped), then the probes
 * decide. fall 503s in a row, each less than one probe interval after the previous: down, as
 * if fall probes had failed (rise good probes bring it back).
 */
void ctl_health_on_503(struct ctl_health *h, const struct ctl_health_cfg *hc, uint32_t retry_after,
	uint64_t now_us);

/*
 * ICMP unreachable about a datagram to the backend: a probe in flight fails with it; otherwise
 * it counts as one failure and a probe is due at once. At most one ICMP failure per probe
 * timeout (a burst of ICMP about one burst of traffic is one signal).
 */
enum ctl_verdict ctl_health_on_icmp(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us);

/*
 * An initial INVITE the backend left unanswered (SLB_CTL_EVT_INVITE_UNANSWERED): with
 * suspect_unanswered, as an ICMP unreachable (a failure at most once per probe timeout, and a
 * probe due now); without, ignored. Returns what it counted.
 */
enum ctl_verdict ctl_health_on_unanswered(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us);

/* The operator: drain, disable, or hand the backend back to the probes. */
void ctl_health_set_admin(struct ctl_health *h, enum ctl_admin admin, uint64_t now_us);

/* Forget the probe in flight without counting it (the dataplane restarted: it is lost). */
void ctl_health_forget_probe(struct ctl_health *h, uint64_t now_us);

/* The dataplane could not send the probe in flight (no mbuf...): not the backend's failure; the
 * next one goes at its usual time. */
void ctl_health_probe_refused(struct ctl_health *h, uint64_t nonce);

/* The dataplane's state for a control state (dead_dialogs decides down's and disabled's). */
enum slb_ctl_be_state ctl_health_dp_state(enum ctl_state s, bool dead_rehash);

/* Control's view of a backend the dataplane runs in state dp (control restarted). */
void ctl_health_from_dp(
	enum slb_ctl_be_state dp, bool dead_rehash, enum ctl_admin *admin, bool *alive);

const char *ctl_state_name(enum ctl_state s);
const char *ctl_dp_state_name(unsigned int dp);

#endif /* CTL_HEALTH_H */
