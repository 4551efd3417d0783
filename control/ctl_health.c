/* ctl_health.c: the backend health rules (fall/rise, reply codes, 503, ICMP), no I/O. */
#include <string.h>

#include "ctl_health.h"

#define ICMP_NONE UINT64_MAX

void
ctl_health_cfg_set(struct ctl_health_cfg *hc, uint32_t interval_ms, uint32_t timeout_ms,
	uint32_t fall, uint32_t rise, uint32_t nb_codes, const uint16_t *lo, const uint16_t *hi,
	bool dead_rehash, bool suspect_on_503, bool suspect_unanswered)
{
	uint32_t i;

	memset(hc, 0, sizeof(*hc));
	hc->interval_us = (uint64_t)interval_ms * 1000;
	hc->timeout_us = (uint64_t)timeout_ms * 1000;
	hc->fall = fall > 0 ? fall : 1;
	hc->rise = rise > 0 ? rise : 1;
	hc->nb_codes = nb_codes < CTL_HEALTH_MAX_CODES ? nb_codes : CTL_HEALTH_MAX_CODES;
	for (i = 0; i < hc->nb_codes; i++) {
		hc->code_lo[i] = lo[i];
		hc->code_hi[i] = hi[i];
	}
	hc->dead_rehash = dead_rehash;
	hc->suspect_on_503 = suspect_on_503;
	hc->suspect_unanswered = suspect_unanswered;
}

/* The state follows from its causes; since moves only when it changes. */
static void
derive(struct ctl_health *h, uint64_t now_us)
{
	enum ctl_state s;

	if (h->hold_until_us != 0 && now_us >= h->hold_until_us)
		h->hold_until_us = 0;
	if (h->admin == CTL_ADMIN_DRAIN)
		s = CTL_DRAINING;
	else if (h->admin == CTL_ADMIN_DISABLE)
		s = CTL_DISABLED;
	else
		s = h->alive && h->hold_until_us == 0 ? CTL_UP : CTL_DOWN;
	if (s != h->state) {
		h->state = s;
		h->since_us = now_us;
	}
}

void
ctl_health_init(
	struct ctl_health *h, enum ctl_admin admin, bool alive, uint64_t now_us, uint64_t first_us)
{
	memset(h, 0, sizeof(*h));
	h->admin = admin;
	h->alive = alive;
	h->last_status = -1;
	h->rtt_ms = -1.0;
	h->last_passive_us = ICMP_NONE;
	h->next_us = first_us;
	h->state = (enum ctl_state) - 1;
	derive(h, now_us);
}

bool
ctl_health_code_alive(const struct ctl_health_cfg *hc, uint16_t status)
{
	uint32_t i;

	if (status < 200 || status > 699)
		return false;
	if (hc->nb_codes == 0)
		return true;
	for (i = 0; i < hc->nb_codes; i++)
		if (status >= hc->code_lo[i] && status <= hc->code_hi[i])
			return true;
	return false;
}

static void
count_failure(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	h->oks_in_row = 0;
	if (h->fails_in_row < UINT32_MAX)
		h->fails_in_row++;
	if (h->fails_in_row >= hc->fall)
		h->alive = false;
	derive(h, now_us);
}

/*
 * A probe failed: while the backend is still alive by the probes (fewer than fall failures in a
 * row), the next one goes at once rather than an interval later, so that fall failures take
 * (fall - 1) intervals less: with a 1 s interval, 800 ms timeout and fall 2, a dead backend is
 * down 1.6 to 2.6 s after it died instead of 1.8 to 2.8 s (the first probe after the death
 * comes within an interval; an ICMP unreachable from its host cuts that short). A backend found
 * down is probed at the interval again.
 */
static void
probe_failed(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	h->probes_failed++;
	count_failure(h, hc, now_us);
	if (h->alive && h->next_us > now_us)
		h->next_us = now_us;
}

static void
count_ok(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	h->fails_in_row = 0;
	if (h->oks_in_row < UINT32_MAX)
		h->oks_in_row++;
	if (!h->alive && h->oks_in_row >= hc->rise)
		h->alive = true;
	derive(h, now_us);
}

bool
ctl_health_probe_due(const struct ctl_health *h, uint64_t now_us)
{
	return !h->outstanding && now_us >= h->next_us;
}

void
ctl_health_probe_sent(
	struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t nonce, uint64_t now_us)
{
	h->outstanding = true;
	h->nonce = nonce;
	h->sent_us = now_us;
	h->sent_tsc = 0;
	h->next_us = now_us + hc->interval_us;
}

void
ctl_health_probe_unsent(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	(void)hc;
	h->next_us = now_us + 10000;
}

bool
ctl_health_on_sent(struct ctl_health *h, uint64_t nonce, uint64_t tsc)
{
	if (!h->outstanding || h->nonce != nonce)
		return false;
	h->sent_tsc = tsc;
	return true;
}

enum ctl_verdict
ctl_health_on_reply(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t nonce,
	uint16_t status, uint64_t tsc, uint64_t tsc_hz, uint64_t now_us)
{
	if (!h->outstanding || h->nonce != nonce || status < 200)
		return CTL_V_IGNORED;
	h->outstanding = false;
	h->last_status = status;
	if (now_us - h->sent_us > hc->timeout_us || !ctl_health_code_alive(hc, status)) {
		probe_failed(h, hc, now_us);
		return CTL_V_FAILED;
	}
	if (h->sent_tsc != 0 && tsc > h->sent_tsc && tsc_hz != 0)
		h->rtt_ms = (double)(tsc - h->sent_tsc) * 1000.0 / (double)tsc_hz;
	else
		h->rtt_ms = (double)(now_us - h->sent_us) / 1000.0;
	h->probes_ok++;
	count_ok(h, hc, now_us);
	return CTL_V_OK;
}

enum ctl_verdict
ctl_health_tick(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	if (h->outstanding && now_us - h->sent_us >= hc->timeout_us) {
		h->outstanding = false;
		probe_failed(h, hc, now_us);
		return CTL_V_FAILED;
	}
	derive(h, now_us);
	return CTL_V_IGNORED;
}

void
ctl_health_on_503(struct ctl_health *h, const struct ctl_health_cfg *hc, uint32_t retry_after,
	uint64_t now_us)
{
	h->nb_503++;
	if (h->run_503 > 0 && now_us - h->last_503_us < hc->interval_us)
		h->run_503++;
	else
		h->run_503 = 1;
	h->last_503_us = now_us;
	if (hc->suspect_on_503 && h->next_us > now_us)
		h->next_us = now_us;
	if (retry_after > 0) {
		uint64_t until;

		if (retry_after > CTL_HEALTH_RETRY_AFTER_MAX)
			retry_after = CTL_HEALTH_RETRY_AFTER_MAX;
		until = now_us + (uint64_t)retry_after * 1000000;
		if (until > h->hold_until_us)
			h->hold_until_us = until;
	}
	if (h->run_503 >= hc->fall && h->alive) {
		uint64_t hold;

		h->alive = false;
		h->oks_in_row = 0;
		/* dampen a backend that keeps coming back only to refuse calls again */
		if (h->hold_503_us == 0 || now_us - h->last_503_down_us > CTL_HEALTH_HOLD_RESET)
			hold = CTL_HEALTH_HOLD_503_MIN;
		else
			hold = h->hold_503_us * 2 > CTL_HEALTH_HOLD_503_MAX ?
				CTL_HEALTH_HOLD_503_MAX : h->hold_503_us * 2;
		h->hold_503_us = hold;
		h->last_503_down_us = now_us;
		if (now_us + hold > h->hold_until_us)
			h->hold_until_us = now_us + hold;
	}
	derive(h, now_us);
}

/* A sign from the data path (ICMP, an unanswered INVITE): a failure at most once per timeout. */
static enum ctl_verdict
passive_failure(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	if (h->outstanding) {
		h->outstanding = false;
		h->last_passive_us = now_us;
		probe_failed(h, hc, now_us);
		return CTL_V_FAILED;
	}
	if (h->next_us > now_us)
		h->next_us = now_us;
	if (h->last_passive_us != ICMP_NONE && now_us - h->last_passive_us < hc->timeout_us)
		return CTL_V_IGNORED;
	h->last_passive_us = now_us;
	count_failure(h, hc, now_us);
	return CTL_V_FAILED;
}

enum ctl_verdict
ctl_health_on_icmp(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	h->nb_icmp++;
	return passive_failure(h, hc, now_us);
}

enum ctl_verdict
ctl_health_on_unanswered(struct ctl_health *h, const struct ctl_health_cfg *hc, uint64_t now_us)
{
	h->nb_unanswered++;
	if (!hc->suspect_unanswered)
		return CTL_V_IGNORED;
	/*
	 * Unlike an ICMP error, it says nothing about a probe in flight: that one times out or
	 * not on its own, so that going down always takes a probe's failure too (fall >= 2).
	 */
	if (!h->outstanding && h->next_us > now_us)
		h->next_us = now_us;
	/*
	 * A caller can forge the sign (an INVITE sent twice before any answer): with fall 1 it
	 * would take the backend down alone, so then it only brings the probe forward.
	 */
	if (hc->fall < 2)
		return CTL_V_IGNORED;
	if (h->last_passive_us != ICMP_NONE && now_us - h->last_passive_us < hc->timeout_us)
		return CTL_V_IGNORED;
	h->last_passive_us = now_us;
	count_failure(h, hc, now_us);
	return CTL_V_FAILED;
}

void
ctl_health_set_admin(struct ctl_health *h, enum ctl_admin admin, uint64_t now_us)
{
	h->admin = admin;
	derive(h, now_us);
}

void
ctl_health_forget_probe(struct ctl_health *h, uint64_t now_us)
{
	h->outstanding = false;
	if (h->next_us > now_us)
		h->next_us = now_us;
}

void
ctl_health_probe_refused(struct ctl_health *h, uint64_t nonce)
{
	if (h->outstanding && h->nonce == nonce)
		h->outstanding = false;
}

enum slb_ctl_be_state
ctl_health_dp_state(enum ctl_state s, bool dead_rehash)
{
	switch (s) {
	case CTL_UP:
		return SLB_CTL_BE_UP;
	case CTL_DRAINING:
		return SLB_CTL_BE_DRAIN;
	case CTL_DOWN:
	case CTL_DISABLED:
	default:
		return dead_rehash ? SLB_CTL_BE_DOWN : SLB_CTL_BE_FAILED;
	}
}

/*
 * The dataplane's states carry less than control's: down and disabled both map to DOWN
 * (rehash) or FAILED (pinned). The one that only the operator can have made is taken as
 * disabled (DOWN with pinned dialogs: a file's "down"); the ambiguous one as down, so that the
 * probes bring back a backend that is alive rather than leave it out until someone enables it.
 * (siplb-control keeps the ids it disabled in a file to tell the two apart: ctl_apply.c.)
 */
void
ctl_health_from_dp(enum slb_ctl_be_state dp, bool dead_rehash, enum ctl_admin *admin, bool *alive)
{
	*admin = CTL_ADMIN_NONE;
	*alive = true;
	switch (dp) {
	case SLB_CTL_BE_UP:
		break;
	case SLB_CTL_BE_DRAIN:
		*admin = CTL_ADMIN_DRAIN;
		break;
	case SLB_CTL_BE_DOWN:
		if (dead_rehash)
			*alive = false;
		else
			*admin = CTL_ADMIN_DISABLE;
		break;
	case SLB_CTL_BE_FAILED:
	default:
		*alive = false;
		break;
	}
}

const char *
ctl_state_name(enum ctl_state s)
{
	static const char *const names[] = {"up", "down", "draining", "disabled"};

	return (unsigned int)s < 4 ? names[s] : "?";
}

const char *
ctl_dp_state_name(unsigned int dp)
{
	static const char *const names[] = {"up", "drain", "down", "failed"};

	return dp < 4 ? names[dp] : "?";
}
