/* test_gen_call.c: siplb-gen's engine through a fake balancer: flows, timers, loss, affinity. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "gen_call.h"
#include "slb_test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define LB_C IP(198, 18, 0, 1)
#define LB_B IP(198, 18, 1, 1)
#define MS 1000000ull /* the fake clock counts ns */

/*
 * The fake balancer: a stateless proxy as siplb is. A caller's request gets our Via (and a
 * Record-Route when it starts a dialog) and goes to backend hash(Call-ID) % 3 unless `pick`
 * says otherwise; a response loses our Via and goes to whom the next Via names; a backend's
 * request goes to the caller. Every datagram waits in a queue and crosses after `delay` ns.
 */
struct pkt {
	enum slbg_side from;
	uint32_t src_ip;
	uint16_t sport;
	uint32_t dst_ip;
	uint16_t dport;
	uint32_t len;
	char data[4096];
};

static struct pkt q[4096];
static uint32_t q_head, q_tail;
static uint64_t clock_ns;
static uint64_t delivered;
static uint64_t drop_at;   /* deliver-count of a datagram to lose, 0: none */
static int drop_mt = -1;   /* lose every datagram of this message type (SLBG_MT_*) */
static uint32_t drop_left; /* ... this many times */
static int (*pick)(const char *callid, uint32_t len, enum slbg_mt mt);
static uint32_t delay_ns = 100000; /* 100 us through the balancer */
static uint32_t sent_mt[SLBG_MT__COUNT];
static struct slbg_engine eng;

static uint64_t
fake_clock(void *ctx)
{
	(void)ctx;
	return clock_ns;
}

static void
fake_send(void *ctx, enum slbg_side side, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
	uint16_t dport, const char *buf, uint32_t len)
{
	struct pkt *p = &q[q_tail++ % 4096];

	(void)ctx;
	CU_ASSERT_FATAL(len <= sizeof(p->data));
	p->from = side;
	p->src_ip = src_ip;
	p->sport = sport;
	p->dst_ip = dst_ip;
	p->dport = dport;
	p->len = len;
	memcpy(p->data, buf, len);
}

static int
hash_pick(const char *callid, uint32_t len, enum slbg_mt mt)
{
	uint32_t h = 2166136261u, i;

	(void)mt;
	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)callid[i]) * 16777619u;
	return (int)(h % 3);
}

/* The ACKs and BYEs of every call go to the next backend: a balancer that lost its dialogs. */
static int
split_pick(const char *callid, uint32_t len, enum slbg_mt mt)
{
	int be = hash_pick(callid, len, mt);

	return mt == SLBG_MT_ACK || mt == SLBG_MT_BYE ? (be + 1) % 3 : be;
}

/* Insert line after the start line. */
static void
insert_after_start(struct pkt *p, const char *line)
{
	char *eol = memchr(p->data, '\n', p->len);
	size_t n = strlen(line), at = (size_t)(eol + 1 - p->data);

	memmove(p->data + at + n, p->data + at, p->len - at);
	memcpy(p->data + at, line, n);
	p->len += (uint32_t)n;
}

/* Remove the first Via line (ours on a response). */
static void
strip_top_via(struct pkt *p)
{
	char *v = strstr(p->data, "\r\nVia: ");
	char *e;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	v += 2;
	e = strstr(v, "\r\n") + 2;
	n = (size_t)(e - v);
	memmove(v, e, p->len - (size_t)(e - p->data));
	p->len -= (uint32_t)n;
}

static void
deliver(struct pkt *p)
{
	struct slbg_scan s;
	char via[128];
	uint32_t ip;
	uint16_t port;
	int be;

	CU_ASSERT_EQUAL_FATAL(slbg_scan(p->data, p->len, &s), 0);
	sent_mt[s.mt]++;
	delivered++;
	if (delivered == drop_at)
		return;
	if ((int)s.mt == drop_mt && drop_left > 0) {
		drop_left--;
		return;
	}
	if (!s.request) {
		strip_top_via(p);
		CU_ASSERT_EQUAL_FATAL(slbg_scan(p->data, p->len, &s), 0);
		/* to the next Via's host */
		CU_ASSERT_EQUAL(slbg_uri_ipport("sip:x", 0, &ip, &port), -1);
		{
			const char *h = p->data + s.via[0].off + strlen("Via: SIP/2.0/UDP ");
			char tmp[40];

			snprintf(tmp, sizeof(tmp), "sip:%.*s", 21, h);
			CU_ASSERT_EQUAL_FATAL(
				slbg_uri_ipport(tmp, (uint32_t)strlen(tmp), &ip, &port), 0);
		}
		if (p->from == SLBG_BACKEND) {
			slbg_rx(&eng, SLBG_CALLER, 0, LB_C, 5060, p->data, p->len, clock_ns);
		} else {
			for (be = 0; be < 3 && eng.cfg.be_ip[be] != ip; be++)
				;
			CU_ASSERT_FATAL(be < 3);
			slbg_rx(&eng, SLBG_BACKEND, (uint32_t)be, LB_B, 5060, p->data, p->len,
				clock_ns);
		}
		return;
	}
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKfake%lu\r\n",
		p->from == SLBG_CALLER ? "198.18.1.1" : "198.18.0.1", (unsigned long)delivered);
	insert_after_start(p, via);
	if (p->from == SLBG_BACKEND) {
		slbg_rx(&eng, SLBG_CALLER, 0, LB_C, 5060, p->data, p->len, clock_ns);
		return;
	}
	if (s.mt == SLBG_MT_INVITE && !s.to_tagged)
		insert_after_start(p, "Record-Route: <sip:198.18.0.1:5060;lr>\r\n");
	CU_ASSERT_EQUAL_FATAL(slbg_scan(p->data, p->len, &s), 0);
	be = pick(p->data + s.callid.off, s.callid.len, s.mt);
	slbg_rx(&eng, SLBG_BACKEND, (uint32_t)be, LB_B, 5060, p->data, p->len, clock_ns);
}

/* Advance the clock by ms, a tenth of a millisecond at a time: deliver, then run timers. */
static void
run_ms(uint64_t ms)
{
	uint64_t end = clock_ns + ms * MS;

	while (clock_ns < end) {
		uint32_t n = q_tail - q_head;

		clock_ns += delay_ns;
		while (n-- > 0)
			deliver(&q[q_head++ % 4096]);
		slbg_engine_poll(&eng, clock_ns);
	}
}

static void
setup(enum slbg_scen sc, uint32_t max_calls, uint32_t hold_ms)
{
	struct slbg_cfg cfg;
	struct slbg_io io = {
		.ctx = NULL, .hz = 1000000000ull, .clock = fake_clock, .send = fake_send};

	memset(&cfg, 0, sizeof(cfg));
	cfg.scen = sc;
	cfg.lb_ip = LB_C;
	cfg.lb_port = 5060;
	cfg.be_port = 5060;
	cfg.caller_ip = IP(198, 18, 0, 10);
	cfg.nb_caller_ip = 50;
	cfg.caller_port = 5060;
	cfg.nb_caller_port = 4;
	cfg.be_ip[0] = IP(198, 18, 1, 10);
	cfg.be_ip[1] = IP(198, 18, 1, 11);
	cfg.be_ip[2] = IP(198, 18, 1, 12);
	cfg.nb_be = 3;
	cfg.max_calls = max_calls;
	cfg.hold_ms = hold_ms;
	cfg.t1_ms = 500;
	cfg.t2_ms = 4000;
	cfg.timeout_ms = 32000;
	cfg.sdp_len = sc == SLBG_SC_BIG ? 3000 : 0;
	q_head = q_tail = 0;
	clock_ns = 1000 * MS;
	delivered = 0;
	drop_at = 0;
	drop_mt = -1;
	drop_left = 0;
	pick = hash_pick;
	delay_ns = 100000;
	memset(sent_mt, 0, sizeof(sent_mt));
	CU_ASSERT_EQUAL_FATAL(slbg_engine_init(&eng, &cfg, &io), 0);
}

/* n calls, started at once, run until all are done or ms have passed. */
static void
calls(uint32_t n, uint64_t ms)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(slbg_call_start(&eng), 0);
	for (i = 0; i < ms && slbg_in_progress(&eng) > 0; i++)
		run_ms(1);
}

static void
t_basic(void)
{
	const struct slbg_stats *st = &eng.st;

	setup(SLBG_SC_BASIC, 200, 50);
	calls(200, 2000);
	CU_ASSERT_EQUAL(st->attempted, 200);
	CU_ASSERT_EQUAL(st->completed, 200);
	CU_ASSERT_EQUAL(st->failed, 0);
	CU_ASSERT_EQUAL(slbg_in_progress(&eng), 0);
	CU_ASSERT_EQUAL(st->retrans, 0);
	CU_ASSERT_EQUAL(st->aff_violations, 0);
	CU_ASSERT_EQUAL(st->unexpected + st->stray + st->bad, 0);
	/* INVITE 100 180 200 ACK BYE 200, each once per call, each received */
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_100], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_180], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_200_INVITE], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_ACK], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 200);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_200_BYE], 200);
	CU_ASSERT_EQUAL(st->tx[0] + st->tx[1], 1400);
	CU_ASSERT_EQUAL(st->rx[0] + st->rx[1], 1400);
	CU_ASSERT_EQUAL(st->mt_rx[SLBG_MT_ACK], 200);
	/* every call at one backend, all three used */
	CU_ASSERT_EQUAL(st->be_calls[0] + st->be_calls[1] + st->be_calls[2], 200);
	CU_ASSERT(st->be_calls[0] > 30 && st->be_calls[1] > 30 && st->be_calls[2] > 30);
	/* the latency: the fake's 100 us, measured from the stamp in every message */
	CU_ASSERT_EQUAL(st->lat[SLBG_MT_INVITE].count, 200);
	CU_ASSERT(slbg_hist_quantile(&st->lat[SLBG_MT_BYE], 0.5) >= 100000 * 15 / 16);
	CU_ASSERT(slbg_hist_quantile(&st->lat[SLBG_MT_BYE], 0.999) <= 100000 * 17 / 16);
	slbg_engine_free(&eng);
}

/* The cap: no more calls in progress than slots; a slot is free again when its call ends. */
static void
t_cap(void)
{
	int i;

	setup(SLBG_SC_BASIC, 10, 1000);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(slbg_call_start(&eng), 0);
	CU_ASSERT_EQUAL(slbg_call_start(&eng), -1);
	CU_ASSERT_EQUAL(slbg_in_progress(&eng), 10);
	run_ms(1100);
	CU_ASSERT_EQUAL(slbg_in_progress(&eng), 0);
	CU_ASSERT_EQUAL(slbg_call_start(&eng), 0);
	run_ms(1100);
	CU_ASSERT_EQUAL(eng.st.completed, 11);
	/* a late copy of an ended call's message is stray, not a new call */
	CU_ASSERT_EQUAL(eng.st.stray, 0);
	slbg_engine_free(&eng);
}

/* Timer A: an INVITE nobody answers goes again at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; at 32 s
 * the call has failed. */
static void
t_timer_a(void)
{
	setup(SLBG_SC_BASIC, 4, 0);
	drop_mt = SLBG_MT_INVITE;
	drop_left = 1000;
	calls(1, 0);
	run_ms(499);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 1);
	run_ms(2);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 2);
	run_ms(1000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 3);
	run_ms(2000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 4);
	run_ms(4000 + 8000 + 16000 - 10);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 6);
	CU_ASSERT_EQUAL(eng.st.failed, 0);
	run_ms(600);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_INVITE], 7);
	CU_ASSERT_EQUAL(eng.st.failed, 1);
	CU_ASSERT_EQUAL(eng.st.retrans, 6);
	CU_ASSERT_EQUAL(slbg_in_progress(&eng), 0);
	slbg_engine_free(&eng);
}

/* Timer E: a BYE nobody answers goes again at 0.5, 1, 2, then every 4 s (T2). */
static void
t_timer_e(void)
{
	setup(SLBG_SC_BASIC, 4, 0);
	drop_mt = SLBG_MT_BYE;
	drop_left = 1000;
	calls(1, 0);
	run_ms(10); /* INVITE ... ACK, BYE sent at once (no hold) */
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 1);
	run_ms(500);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 2);
	run_ms(1000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 3);
	run_ms(2000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 4);
	run_ms(4000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 5);
	run_ms(4000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_BYE], 6); /* capped at T2 */
	/* the BYE gets through at last: the call completes */
	drop_left = 0;
	run_ms(4100);
	CU_ASSERT_EQUAL(eng.st.completed, 1);
	CU_ASSERT_EQUAL(eng.st.failed, 0);
	slbg_engine_free(&eng);
}

/* A lost ACK: the callee sends its 200 again until the ACK comes (the caller ACKs each). */
static void
t_200_until_ack(void)
{
	setup(SLBG_SC_BASIC, 4, 3000);
	drop_mt = SLBG_MT_ACK;
	drop_left = 2;
	calls(1, 0);
	run_ms(510);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_200_INVITE], 2);
	run_ms(1000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_200_INVITE], 3);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_ACK], 3);
	run_ms(4000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_200_INVITE], 3); /* the third ACK stopped it */
	CU_ASSERT_EQUAL(eng.st.completed, 1);
	CU_ASSERT_EQUAL(eng.st.retrans, 4); /* two 200s, two ACKs */
	slbg_engine_free(&eng);
}

/*
 * Any one message lost: the call completes anyway, and the loss shows in the counters (one sent
 * and never received). A lost INVITE, 200 or BYE (1st, 4th, 6th) or 200 to BYE is sent again;
 * a provisional response needs nothing, and a lost ACK is made good by the BYE right after it.
 */
static void
t_any_loss_recovers(void)
{
	static const bool resent[8] = {false, true, false, false, true, false, true, true};
	uint64_t n;

	for (n = 1; n <= 7; n++) {
		setup(SLBG_SC_BASIC, 4, 0);
		drop_at = n;
		calls(1, 40000);
		CU_ASSERT_EQUAL(eng.st.completed, 1);
		CU_ASSERT_EQUAL(eng.st.failed, 0);
		CU_ASSERT_EQUAL(eng.st.tx[0] + eng.st.tx[1], eng.st.rx[0] + eng.st.rx[1] + 1);
		CU_ASSERT_EQUAL(eng.st.retrans >= 1, resent[n]);
		slbg_engine_free(&eng);
	}
}

/* The engine's own injected drop: counted as sent, never sent; the summary sees the loss. */
static void
t_drop_nth(void)
{
	setup(SLBG_SC_BASIC, 20, 0);
	eng.cfg.drop_nth = 3;
	calls(10, 5000);
	CU_ASSERT_EQUAL(eng.st.completed, 10);
	CU_ASSERT_EQUAL(eng.st.drop_injected, 1);
	CU_ASSERT_EQUAL(eng.st.tx[0] + eng.st.tx[1], eng.st.rx[0] + eng.st.rx[1] + 1);
	CU_ASSERT(eng.st.retrans >= 1);
	slbg_engine_free(&eng);
}

static void
t_affinity(void)
{
	/* a balancer that sends ACK and BYE elsewhere: every call is a violation */
	setup(SLBG_SC_BASIC, 50, 0);
	pick = split_pick;
	calls(50, 2000);
	CU_ASSERT_EQUAL(eng.st.completed, 50);
	CU_ASSERT_EQUAL(eng.st.aff_violations, 50);
	slbg_engine_free(&eng);
	/* the injected misroute: exactly the 7th call */
	setup(SLBG_SC_BASIC, 50, 0);
	eng.cfg.misroute_nth = 7;
	calls(50, 2000);
	CU_ASSERT_EQUAL(eng.st.completed, 50);
	CU_ASSERT_EQUAL(eng.st.misrouted, 1);
	CU_ASSERT_EQUAL(eng.st.aff_violations, 1);
	CU_ASSERT_EQUAL(eng.st.tx[0] + eng.st.tx[1], 350); /* the copy is not on the wire */
	CU_ASSERT_EQUAL(eng.st.rx[0] + eng.st.rx[1], 350);
	slbg_engine_free(&eng);
}

static void
t_scenarios(void)
{
	static const struct {
		enum slbg_scen sc;
		uint32_t msgs;
		enum slbg_mt must;
	} s[] = {
		{SLBG_SC_CALLEE_BYE, 7, SLBG_MT_BYE},
		{SLBG_SC_CANCEL, 7, SLBG_MT_487},
		{SLBG_SC_OPTIONS, 2, SLBG_MT_200_OPTIONS},
		{SLBG_SC_REGISTER, 2, SLBG_MT_200_REGISTER},
		{SLBG_SC_BIG, 7, SLBG_MT_200_BYE},
	};
	uint32_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		setup(s[i].sc, 100, 20);
		calls(100, 3000);
		CU_ASSERT_EQUAL(eng.st.completed, 100);
		CU_ASSERT_EQUAL(eng.st.failed, 0);
		CU_ASSERT_EQUAL(eng.st.retrans, 0);
		CU_ASSERT_EQUAL(eng.st.unexpected + eng.st.stray + eng.st.bad, 0);
		CU_ASSERT_EQUAL(eng.st.rx[0] + eng.st.rx[1], 100 * s[i].msgs);
		CU_ASSERT_EQUAL(sent_mt[s[i].must], 100);
		CU_ASSERT_EQUAL(eng.st.aff_violations, 0);
		slbg_engine_free(&eng);
	}
	/* callee hangs up: its BYE went to the caller, the caller sent none */
	setup(SLBG_SC_CALLEE_BYE, 10, 0);
	calls(10, 1000);
	CU_ASSERT_EQUAL(eng.st.tx[SLBG_CALLER], 30); /* INVITE, ACK, 200 */
	CU_ASSERT_EQUAL(eng.st.mt_rx[SLBG_MT_BYE], 10);
	CU_ASSERT_EQUAL(eng.st.completed, 10);
	slbg_engine_free(&eng);
	/* a lost 487's ACK: the callee sends its 487 again */
	setup(SLBG_SC_CANCEL, 4, 0);
	drop_mt = SLBG_MT_ACK;
	drop_left = 1;
	calls(1, 3000);
	CU_ASSERT_EQUAL(sent_mt[SLBG_MT_487], 2);
	CU_ASSERT_EQUAL(eng.st.completed, 1);
	slbg_engine_free(&eng);
}

static CU_TestInfo tests[] = {
	{"basic_200_calls_3_backends", t_basic},
	{"cap_in_progress", t_cap},
	{"timer_a_doubles_then_fails", t_timer_a},
	{"timer_e_doubles_to_t2", t_timer_e},
	{"200_again_until_ack", t_200_until_ack},
	{"any_one_loss_recovers", t_any_loss_recovers},
	{"drop_nth_counted_lost", t_drop_nth},
	{"affinity_violations", t_affinity},
	{"scenarios", t_scenarios},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("gen_call", tests);
}
