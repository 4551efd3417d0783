/* gen_call.c: siplb-gen's engine: the UAC and UAS state machines of every call (gen_call.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gen_call.h"

enum uac_state {
	U_IDLE = 0,
	U_INVITING,   /* INVITE sent, nothing back: timer A */
	U_PROCEEDING, /* a provisional response came */
	U_CANCELLING, /* CANCEL sent (timer E until its 200), waiting for the 487 */
	U_HOLDING,    /* ACK sent; the caller's BYE when the hold ends */
	U_WAIT_BYE,   /* ACK sent; the callee will hang up */
	U_BYE,	      /* BYE sent: timer E */
	U_OOD,	      /* OPTIONS or REGISTER sent: timer E */
	U_DONE,
};

enum uas_state {
	S_IDLE = 0,
	S_RINGING,   /* 100 and 180 sent, waiting for the CANCEL */
	S_ANSWERED,  /* 200 sent, again until the ACK */
	S_CONFIRMED, /* ACK came, waiting for the caller's BYE */
	S_HOLDING,   /* ACK came; the callee's BYE when the hold ends */
	S_BYE,	     /* the callee's BYE sent: timer E */
	S_CANCELLED, /* 487 sent, again until the ACK */
	S_DONE,
};

/* Each slot has three timers: the caller's, the callee's and the call's deadline. */
enum { T_UAC = 0, T_UAS, T_DEADLINE, T__COUNT };

struct slbg_call {
	struct slbg_dlg d;
	uint64_t be_mask; /* the backends its messages reached */
	uint64_t seq;	  /* the how-manieth call this is (1: the first) */
	uint32_t uac_rto; /* the caller's current retransmission interval, ms */
	uint32_t uas_rto;
	uint32_t peer_ip; /* where the INVITE came from: the balancer's backend address */
	uint16_t peer_port;
	uint8_t uac;
	uint8_t uas;
	bool busy;
};

static const char *const scen_names[SLBG_SC__COUNT] = {
	[SLBG_SC_BASIC] = "basic",
	[SLBG_SC_CALLEE_BYE] = "callee-bye",
	[SLBG_SC_CANCEL] = "cancel",
	[SLBG_SC_OPTIONS] = "options",
	[SLBG_SC_REGISTER] = "register",
	[SLBG_SC_BIG] = "big-invite",
};

const char *
slbg_scen_name(enum slbg_scen sc)
{
	return sc < SLBG_SC__COUNT ? scen_names[sc] : "?";
}

int
slbg_scen_parse(const char *s)
{
	int i;

	for (i = 0; i < SLBG_SC__COUNT; i++)
		if (strcmp(s, scen_names[i]) == 0)
			return i;
	return -1;
}

static uint64_t
next_rnd(struct slbg_engine *e)
{
	/* xorshift64*: enough to make tags and Call-IDs look random */
	uint64_t x = e->rnd;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	e->rnd = x;
	return x * 0x2545F4914F6CDD1Dull;
}

int
slbg_engine_init(struct slbg_engine *e, const struct slbg_cfg *cfg, const struct slbg_io *io)
{
	uint32_t i;

	memset(e, 0, offsetof(struct slbg_engine, scratch));
	e->cfg = *cfg;
	e->io = *io;
	if (cfg->max_calls == 0 || cfg->nb_be == 0 || cfg->nb_be > SLBG_MAX_BE ||
		cfg->nb_caller_ip == 0 || cfg->nb_caller_port == 0 || io->hz < 1000 ||
		cfg->t1_ms == 0 || cfg->t2_ms < cfg->t1_ms)
		return -1;
	e->ticks_per_ms = io->hz / 1000;
	e->rnd = cfg->seed != 0 ? cfg->seed : 0x9e3779b97f4a7c15ull;
	e->call = calloc(cfg->max_calls, sizeof(*e->call));
	e->free_slot = malloc(cfg->max_calls * sizeof(*e->free_slot));
	if (e->call == NULL || e->free_slot == NULL ||
		slbg_wheel_init(&e->wheel, cfg->max_calls * T__COUNT, 12,
			io->clock(io->ctx) / e->ticks_per_ms) < 0) {
		slbg_engine_free(e);
		return -1;
	}
	/* slot 0 on top: the first calls take the lowest slots */
	for (i = 0; i < cfg->max_calls; i++)
		e->free_slot[i] = cfg->max_calls - 1 - i;
	e->nb_free = cfg->max_calls;
	return 0;
}

void
slbg_engine_free(struct slbg_engine *e)
{
	free(e->call);
	free(e->free_slot);
	e->call = NULL;
	e->free_slot = NULL;
	slbg_wheel_free(&e->wheel);
}

static uint64_t
now_ms(struct slbg_engine *e)
{
	return e->io.clock(e->io.ctx) / e->ticks_per_ms;
}

static void
arm(struct slbg_engine *e, const struct slbg_call *c, unsigned int t, uint32_t ms)
{
	slbg_timer_arm(&e->wheel, c->d.slot * T__COUNT + t, now_ms(e) + ms);
}

static void
stop(struct slbg_engine *e, const struct slbg_call *c, unsigned int t)
{
	slbg_timer_stop(&e->wheel, c->d.slot * T__COUNT + t);
}

static uint32_t
backoff(const struct slbg_engine *e, uint32_t rto)
{
	return rto * 2 < e->cfg.t2_ms ? rto * 2 : e->cfg.t2_ms;
}

/* Count and send what e->scratch holds; the Nth message is dropped when asked (a test). */
static void
emit(struct slbg_engine *e, enum slbg_side side, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
	uint16_t dport, enum slbg_mt mt, uint32_t len, bool again)
{
	if (len == 0) {
		e->st.bad++; /* did not fit: a configuration the scratch cannot hold */
		return;
	}
	if (e->quiet)
		return;
	e->st.tx[side]++;
	e->st.mt_tx[mt]++;
	if (again)
		e->st.retrans++;
	if (e->cfg.drop_nth != 0 && ++e->tx_seq == e->cfg.drop_nth) {
		e->st.drop_injected++;
		return;
	}
	e->io.send(e->io.ctx, side, src_ip, sport, dst_ip, dport, e->scratch, len);
}

static uint64_t
stamp(struct slbg_engine *e)
{
	return e->io.clock(e->io.ctx);
}

/* ---- the caller ------------------------------------------------------------------------ */

/* Where an in-dialog request of the caller goes: the first Route, else the Contact. */
static void
uac_next_hop(const struct slbg_call *c, uint32_t *ip, uint16_t *port)
{
	if (c->d.uac_route_len == 0 ||
		slbg_route_first(c->d.uac_route, c->d.uac_route_len, ip, port) < 0) {
		*ip = c->d.target_ip;
		*port = c->d.target_port;
	}
}

static void
uac_send(struct slbg_engine *e, struct slbg_call *c, enum slbg_mt mt, bool again)
{
	const struct slbg_dlg *d = &c->d;
	uint32_t len = 0, dst = d->lb_ip;
	uint16_t dport = d->lb_port;
	uint32_t cap = sizeof(e->scratch);

	switch (mt) {
	case SLBG_MT_INVITE:
		len = slbg_build_invite(d, stamp(e), e->scratch, cap);
		break;
	case SLBG_MT_CANCEL:
		len = slbg_build_cancel(d, stamp(e), e->scratch, cap);
		break;
	case SLBG_MT_BYE:
		len = slbg_build_bye(d, false, stamp(e), e->scratch, cap);
		uac_next_hop(c, &dst, &dport);
		break;
	case SLBG_MT_OPTIONS:
	case SLBG_MT_REGISTER:
		len = slbg_build_ood(d, mt, stamp(e), e->scratch, cap);
		break;
	default:
		return;
	}
	emit(e, SLBG_CALLER, d->caller_ip, d->caller_port, dst, dport, mt, len, again);
}

static void slbg_rx_quiet(struct slbg_engine *e, uint32_t be, const char *buf, uint32_t len);

static void
uac_ack(struct slbg_engine *e, struct slbg_call *c, bool for_2xx, bool again)
{
	uint32_t dst = c->d.lb_ip, len;
	uint16_t dport = c->d.lb_port;

	len = slbg_build_ack(&c->d, for_2xx, stamp(e), e->scratch, sizeof(e->scratch));
	if (for_2xx)
		uac_next_hop(c, &dst, &dport);
	emit(e, SLBG_CALLER, c->d.caller_ip, c->d.caller_port, dst, dport, SLBG_MT_ACK, len, again);
	if (!again && c->seq == e->cfg.misroute_nth && e->cfg.nb_be > 1 && len != 0) {
		/*
		 * A test of the affinity check: the ACK also reaches another backend, as it would
		 * through a balancer that lost the dialog. Delivered here, not on the wire.
		 */
		uint32_t other = (uint32_t)__builtin_ctzll(c->be_mask | (1ull << 63));

		other = other < e->cfg.nb_be ? (other + 1) % e->cfg.nb_be : 0;
		e->st.misrouted++;
		slbg_rx_quiet(e, other, e->scratch, len);
	}
}

static void
call_end(struct slbg_engine *e, struct slbg_call *c, bool ok)
{
	unsigned int t;

	for (t = 0; t < T__COUNT; t++)
		stop(e, c, t);
	if (ok)
		e->st.completed++;
	else
		e->st.failed++;
	if (__builtin_popcountll(c->be_mask) > 1)
		e->st.aff_violations++;
	c->busy = false;
	e->free_slot[e->nb_free++] = c->d.slot;
	e->in_progress--;
}

static void
maybe_done(struct slbg_engine *e, struct slbg_call *c)
{
	if (c->uac == U_DONE && c->uas == S_DONE)
		call_end(e, c, true);
}

int
slbg_call_start(struct slbg_engine *e)
{
	const struct slbg_cfg *cfg = &e->cfg;
	struct slbg_call *c;
	struct slbg_dlg *d;
	uint64_t seq = e->st.attempted, rnd;
	uint32_t slot;

	if (e->nb_free == 0)
		return -1;
	slot = e->free_slot[--e->nb_free];
	c = &e->call[slot];
	/* the kept texts are not cleared: their lengths are */
	memset(&c->d, 0, offsetof(struct slbg_dlg, uac_route_len));
	memset(&c->be_mask, 0, sizeof(*c) - offsetof(struct slbg_call, be_mask));
	d = &c->d;
	d->slot = slot;
	d->serial = ++e->serial;
	/* every address first, then the next port: the balancer sees many sources soon */
	d->caller_ip = cfg->caller_ip + (uint32_t)(seq % cfg->nb_caller_ip);
	d->caller_port =
		(uint16_t)(cfg->caller_port + (seq / cfg->nb_caller_ip) % cfg->nb_caller_port);
	d->lb_ip = cfg->lb_ip;
	d->lb_port = cfg->lb_port;
	d->be_port = cfg->be_port;
	rnd = next_rnd(e);
	d->from_tag = (uint32_t)rnd;
	d->to_tag = (uint32_t)(rnd >> 32);
	d->sdp_len = cfg->sdp_len;
	slbg_callid_make(d, next_rnd(e));
	slbg_dlg_texts(d);
	d->uac_route_len = 0;
	d->uas_route_len = 0;
	d->uas_via_len = 0;
	c->busy = true;
	c->seq = seq + 1;
	c->uac_rto = cfg->t1_ms;
	e->st.attempted++;
	e->in_progress++;
	arm(e, c, T_DEADLINE, cfg->hold_ms + cfg->timeout_ms);
	arm(e, c, T_UAC, cfg->t1_ms);
	if (cfg->scen == SLBG_SC_OPTIONS || cfg->scen == SLBG_SC_REGISTER) {
		c->uac = U_OOD;
		uac_send(e, c, cfg->scen == SLBG_SC_OPTIONS ? SLBG_MT_OPTIONS : SLBG_MT_REGISTER,
			false);
	} else {
		c->uac = U_INVITING;
		uac_send(e, c, SLBG_MT_INVITE, false);
	}
	return 0;
}

/* The caller's hold ended (or there is none): its BYE. */
static void
uac_hang_up(struct slbg_engine *e, struct slbg_call *c)
{
	c->uac = U_BYE;
	c->uac_rto = e->cfg.t1_ms;
	arm(e, c, T_UAC, c->uac_rto);
	uac_send(e, c, SLBG_MT_BYE, false);
}

static void
uac_answered(struct slbg_engine *e, struct slbg_call *c, const char *buf, const struct slbg_scan *s)
{
	uint32_t len;

	stop(e, c, T_UAC);
	if (slbg_scan_rr(buf, s, true, c->d.uac_route, sizeof(c->d.uac_route), &len) < 0)
		len = 0;
	c->d.uac_route_len = (uint8_t)len;
	if (s->contact.len == 0 || slbg_uri_ipport(buf + s->contact.off, s->contact.len,
					   &c->d.target_ip, &c->d.target_port) < 0) {
		e->st.unexpected++;
		c->d.target_ip = c->d.lb_ip;
		c->d.target_port = c->d.lb_port;
	}
	uac_ack(e, c, true, false);
	if (e->cfg.scen == SLBG_SC_CALLEE_BYE) {
		c->uac = U_WAIT_BYE;
	} else if (e->cfg.hold_ms == 0) {
		uac_hang_up(e, c);
	} else {
		c->uac = U_HOLDING;
		arm(e, c, T_UAC, e->cfg.hold_ms);
	}
}

static void
uac_response(struct slbg_engine *e, struct slbg_call *c, const char *buf, const struct slbg_scan *s)
{
	switch (s->mt) {
	case SLBG_MT_100:
	case SLBG_MT_180:
		if (c->uac == U_INVITING) {
			stop(e, c, T_UAC); /* §17.1.1.2: a provisional response ends timer A */
			c->uac = U_PROCEEDING;
		}
		if (s->mt == SLBG_MT_180 && e->cfg.scen == SLBG_SC_CANCEL &&
			c->uac == U_PROCEEDING) {
			c->uac = U_CANCELLING;
			c->uac_rto = e->cfg.t1_ms;
			arm(e, c, T_UAC, c->uac_rto);
			uac_send(e, c, SLBG_MT_CANCEL, false);
		}
		return;
	case SLBG_MT_200_INVITE:
		if (c->uac == U_INVITING || c->uac == U_PROCEEDING)
			uac_answered(e, c, buf, s);
		else if (c->uac == U_HOLDING || c->uac == U_WAIT_BYE || c->uac == U_BYE)
			uac_ack(e, c, true, true); /* our ACK was lost: the 200 came again */
		else
			e->st.unexpected++;
		return;
	case SLBG_MT_487:
		if (c->uac == U_CANCELLING || c->uac == U_PROCEEDING || c->uac == U_INVITING) {
			stop(e, c, T_UAC);
			uac_ack(e, c, false, false);
			c->uac = U_DONE;
			maybe_done(e, c);
		} else if (c->uac == U_DONE) {
			uac_ack(e, c, false, true);
		} else {
			e->st.unexpected++;
		}
		return;
	case SLBG_MT_200_CANCEL:
		if (c->uac == U_CANCELLING)
			stop(e, c, T_UAC); /* the 487 is the callee's to send again now */
		return;
	case SLBG_MT_200_BYE:
	case SLBG_MT_200_OPTIONS:
	case SLBG_MT_200_REGISTER:
		if ((c->uac == U_BYE && s->mt == SLBG_MT_200_BYE) ||
			(c->uac == U_OOD && s->mt != SLBG_MT_200_BYE)) {
			c->uac = U_DONE;
			maybe_done(e, c);
		}
		return;
	default:
		e->st.unexpected++;
		return;
	}
}

/* Answer a request from the request alone (d: to tag the To); to where it came from. */
static void
answer(struct slbg_engine *e, enum slbg_side side, const struct slbg_dlg *d, uint32_t src_ip,
	uint16_t sport, uint32_t dst_ip, uint16_t dport, const char *buf, const struct slbg_scan *s,
	bool again)
{
	uint32_t len =
		slbg_build_response(d, buf, s, 200, stamp(e), e->scratch, sizeof(e->scratch));
	enum slbg_mt mt;

	switch (s->mt) {
	case SLBG_MT_BYE:
		mt = SLBG_MT_200_BYE;
		break;
	case SLBG_MT_CANCEL:
		mt = SLBG_MT_200_CANCEL;
		break;
	case SLBG_MT_OPTIONS:
		mt = SLBG_MT_200_OPTIONS;
		break;
	case SLBG_MT_REGISTER:
		mt = SLBG_MT_200_REGISTER;
		break;
	default:
		mt = SLBG_MT_OTHER;
		break;
	}
	emit(e, side, src_ip, sport, dst_ip, dport, mt, len, again);
}

static void
uac_request(struct slbg_engine *e, struct slbg_call *c, uint32_t src_ip, uint16_t sport,
	const char *buf, const struct slbg_scan *s)
{
	if (s->mt != SLBG_MT_BYE) {
		e->st.unexpected++;
		return;
	}
	/* the callee hangs up: answer, also a BYE sent again because our 200 was lost */
	answer(e, SLBG_CALLER, NULL, c->d.caller_ip, c->d.caller_port, src_ip, sport, buf, s,
		c->uac == U_DONE);
	if (c->uac == U_WAIT_BYE || c->uac == U_HOLDING) {
		stop(e, c, T_UAC);
		c->uac = U_DONE;
		maybe_done(e, c);
	}
}

/* ---- the callee (the backend) ---------------------------------------------------------- */

static void
uas_inv_response(struct slbg_engine *e, struct slbg_call *c, uint16_t status, bool again)
{
	uint32_t len = slbg_build_inv_response_again(
		&c->d, status, stamp(e), e->scratch, sizeof(e->scratch));
	enum slbg_mt mt = status == 100	  ? SLBG_MT_100
			  : status == 180 ? SLBG_MT_180
			  : status == 200 ? SLBG_MT_200_INVITE
					  : SLBG_MT_487;

	emit(e, SLBG_BACKEND, c->d.be_ip, c->d.be_port, c->peer_ip, c->peer_port, mt, len, again);
}

static void
uas_bye(struct slbg_engine *e, struct slbg_call *c, bool again)
{
	uint32_t dst = c->d.caller_ip, len;
	uint16_t dport = c->d.caller_port;

	len = slbg_build_bye(&c->d, true, stamp(e), e->scratch, sizeof(e->scratch));
	if (c->d.uas_route_len != 0)
		slbg_route_first(c->d.uas_route, c->d.uas_route_len, &dst, &dport);
	emit(e, SLBG_BACKEND, c->d.be_ip, c->d.be_port, dst, dport, SLBG_MT_BYE, len, again);
}

/* A new INVITE at backend be: keep what its responses need, then 100, 180 and maybe 200. */
static void
uas_invite(struct slbg_engine *e, struct slbg_call *c, uint32_t be, uint32_t src_ip, uint16_t sport,
	const char *buf, const struct slbg_scan *s)
{
	struct slbg_buf vb = {c->d.uas_via, c->d.uas_via + sizeof(c->d.uas_via), false};
	uint32_t i, len;

	c->d.be_ip = e->cfg.be_ip[be];
	c->peer_ip = src_ip;
	c->peer_port = sport;
	for (i = 0; i < s->nb_via; i++)
		slbg_put(&vb, buf + s->via[i].off, s->via[i].len);
	if (vb.over || s->via_cut)
		e->st.unexpected++; /* the responses will lack a Via */
	c->d.uas_via_len = (uint16_t)(vb.p - c->d.uas_via);
	if (slbg_scan_rr(buf, s, false, c->d.uas_route, sizeof(c->d.uas_route), &len) < 0)
		len = 0;
	c->d.uas_route_len = (uint8_t)len;
	uas_inv_response(e, c, 100, false);
	uas_inv_response(e, c, 180, false);
	if (e->cfg.scen == SLBG_SC_CANCEL) {
		c->uas = S_RINGING;
		return;
	}
	c->uas = S_ANSWERED;
	c->uas_rto = e->cfg.t1_ms;
	arm(e, c, T_UAS, c->uas_rto);
	uas_inv_response(e, c, 200, false);
}

static void
uas_request(struct slbg_engine *e, struct slbg_call *c, uint32_t be, uint32_t src_ip,
	uint16_t sport, const char *buf, const struct slbg_scan *s)
{
	const struct slbg_dlg *d = &c->d;

	switch (s->mt) {
	case SLBG_MT_INVITE:
		if (c->uas == S_IDLE)
			uas_invite(e, c, be, src_ip, sport, buf, s);
		else if (c->uas == S_RINGING)
			uas_inv_response(e, c, 180, true);
		else if (c->uas == S_ANSWERED)
			uas_inv_response(e, c, 200, true);
		else if (c->uas == S_CANCELLED)
			uas_inv_response(e, c, 487, true);
		return;
	case SLBG_MT_ACK:
		if (c->uas == S_ANSWERED) {
			stop(e, c, T_UAS);
			if (e->cfg.scen == SLBG_SC_CALLEE_BYE) {
				c->uas = S_HOLDING;
				arm(e, c, T_UAS, e->cfg.hold_ms);
			} else {
				c->uas = S_CONFIRMED;
			}
		} else if (c->uas == S_CANCELLED) {
			stop(e, c, T_UAS);
			c->uas = S_DONE;
			maybe_done(e, c);
		}
		return;
	case SLBG_MT_BYE:
		answer(e, SLBG_BACKEND, NULL, d->be_ip, d->be_port, src_ip, sport, buf, s,
			c->uas == S_DONE);
		if (c->uas == S_ANSWERED || c->uas == S_CONFIRMED) {
			stop(e, c, T_UAS); /* a BYE also ends the wait for a lost ACK */
			c->uas = S_DONE;
			maybe_done(e, c);
		}
		return;
	case SLBG_MT_CANCEL:
		answer(e, SLBG_BACKEND, NULL, d->be_ip, d->be_port, src_ip, sport, buf, s,
			c->uas == S_CANCELLED);
		if (c->uas == S_RINGING) {
			c->uas = S_CANCELLED;
			c->uas_rto = e->cfg.t1_ms;
			arm(e, c, T_UAS, c->uas_rto);
			uas_inv_response(e, c, 487, false);
		}
		return;
	case SLBG_MT_OPTIONS:
	case SLBG_MT_REGISTER:
		c->d.be_ip = e->cfg.be_ip[be];
		answer(e, SLBG_BACKEND, d, d->be_ip, d->be_port, src_ip, sport, buf, s,
			c->uas == S_DONE);
		c->uas = S_DONE;
		maybe_done(e, c);
		return;
	default:
		e->st.unexpected++;
		return;
	}
}

static void
uas_response(struct slbg_engine *e, struct slbg_call *c, const struct slbg_scan *s)
{
	if (s->mt == SLBG_MT_200_BYE && c->uas == S_BYE) {
		stop(e, c, T_UAS);
		c->uas = S_DONE;
		maybe_done(e, c);
	} else if (s->mt != SLBG_MT_200_BYE) {
		e->st.unexpected++;
	}
}

/* ---- arrivals --------------------------------------------------------------------------- */

/* The live call a message belongs to, or NULL (a late message of a call that ended). */
static struct slbg_call *
find_call(struct slbg_engine *e, const char *buf, const struct slbg_scan *s)
{
	uint32_t slot, serial;
	struct slbg_call *c;

	if (slbg_callid_parse(buf, s->callid, &slot, &serial) < 0 || slot >= e->cfg.max_calls)
		return NULL;
	c = &e->call[slot];
	if (!c->busy || c->d.serial != serial)
		return NULL;
	return c;
}

/* A message of no call in progress: a request sent again after its call ended is answered. */
static void
stray(struct slbg_engine *e, enum slbg_side side, uint32_t be, uint32_t src_ip, uint16_t sport,
	const char *buf, const struct slbg_scan *s)
{
	e->st.stray++;
	if (!s->request || s->mt == SLBG_MT_INVITE || s->mt == SLBG_MT_ACK ||
		s->mt == SLBG_MT_OTHER)
		return;
	if (side == SLBG_BACKEND)
		answer(e, side, NULL, e->cfg.be_ip[be], e->cfg.be_port, src_ip, sport, buf, s,
			true);
}

static void
rx_one(struct slbg_engine *e, enum slbg_side side, uint32_t be, uint32_t src_ip, uint16_t sport,
	const char *buf, uint32_t len, uint64_t rx_tsc)
{
	struct slbg_scan s;
	struct slbg_call *c;

	if (slbg_scan(buf, len, &s) < 0) {
		e->st.bad++;
		return;
	}
	if (!e->quiet) {
		e->st.rx[side]++;
		e->st.mt_rx[s.mt]++;
		if (side == SLBG_BACKEND)
			e->st.be_msgs[be]++;
		if (s.has_ts && rx_tsc >= s.ts)
			slbg_hist_add(&e->st.lat[s.mt], (rx_tsc - s.ts) * 1000000000ull / e->io.hz);
	}
	c = find_call(e, buf, &s);
	if (c == NULL) {
		stray(e, side, be, src_ip, sport, buf, &s);
		return;
	}
	if (side == SLBG_CALLER) {
		if (s.request)
			uac_request(e, c, src_ip, sport, buf, &s);
		else
			uac_response(e, c, buf, &s);
		return;
	}
	if (s.request) {
		if (c->be_mask == 0)
			e->st.be_calls[be]++;
		c->be_mask |= 1ull << be;
		uas_request(e, c, be, src_ip, sport, buf, &s);
	} else {
		uas_response(e, c, &s);
	}
}

void
slbg_rx(struct slbg_engine *e, enum slbg_side side, uint32_t be, uint32_t src_ip, uint16_t sport,
	const char *buf, uint32_t len, uint64_t rx_tsc)
{
	if (side == SLBG_BACKEND && be >= e->cfg.nb_be) {
		e->st.bad++;
		return;
	}
	rx_one(e, side, be, src_ip, sport, buf, len, rx_tsc);
}

/* The injected misroute: the message reaches backend be uncounted, its answers unsent. */
static void
slbg_rx_quiet(struct slbg_engine *e, uint32_t be, const char *buf, uint32_t len)
{
	char copy[4096];

	if (len > sizeof(copy))
		return;
	memcpy(copy, buf, len); /* the answers are written where buf is */
	e->quiet = true;
	rx_one(e, SLBG_BACKEND, be, e->cfg.lb_ip, e->cfg.lb_port, copy, len, 0);
	e->quiet = false;
}

/* ---- timers ----------------------------------------------------------------------------- */

static void
uac_timer(struct slbg_engine *e, struct slbg_call *c)
{
	switch (c->uac) {
	case U_INVITING:
		c->uac_rto *= 2; /* timer A doubles without the T2 cap (§17.1.1.2) */
		arm(e, c, T_UAC, c->uac_rto);
		uac_send(e, c, SLBG_MT_INVITE, true);
		return;
	case U_CANCELLING:
	case U_BYE:
	case U_OOD:
		c->uac_rto = backoff(e, c->uac_rto);
		arm(e, c, T_UAC, c->uac_rto);
		uac_send(e, c,
			c->uac == U_CANCELLING		 ? SLBG_MT_CANCEL
			: c->uac == U_BYE		 ? SLBG_MT_BYE
			: e->cfg.scen == SLBG_SC_OPTIONS ? SLBG_MT_OPTIONS
							 : SLBG_MT_REGISTER,
			true);
		return;
	case U_HOLDING:
		uac_hang_up(e, c);
		return;
	default:
		return;
	}
}

static void
uas_timer(struct slbg_engine *e, struct slbg_call *c)
{
	switch (c->uas) {
	case S_ANSWERED:
	case S_CANCELLED:
		c->uas_rto = backoff(e, c->uas_rto);
		arm(e, c, T_UAS, c->uas_rto);
		uas_inv_response(e, c, c->uas == S_ANSWERED ? 200 : 487, true);
		return;
	case S_HOLDING:
		c->uas = S_BYE;
		c->uas_rto = e->cfg.t1_ms;
		arm(e, c, T_UAS, c->uas_rto);
		uas_bye(e, c, false);
		return;
	case S_BYE:
		c->uas_rto = backoff(e, c->uas_rto);
		arm(e, c, T_UAS, c->uas_rto);
		uas_bye(e, c, true);
		return;
	default:
		return;
	}
}

static void
on_timer(void *arg, uint32_t id)
{
	struct slbg_engine *e = arg;
	struct slbg_call *c = &e->call[id / T__COUNT];

	if (!c->busy)
		return;
	switch (id % T__COUNT) {
	case T_UAC:
		uac_timer(e, c);
		return;
	case T_UAS:
		uas_timer(e, c);
		return;
	default:
		call_end(e, c, false); /* timer B, F or H's work: the call failed */
		return;
	}
}

void
slbg_engine_poll(struct slbg_engine *e, uint64_t now)
{
	slbg_wheel_run(&e->wheel, now / e->ticks_per_ms, on_timer, e);
}
