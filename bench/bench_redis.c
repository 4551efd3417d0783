/* bench_redis.c: the Redis writer and loader alone against a redis-server of the bench's own:
 * events/s written, lag at a paced rate, Redis memory per dialog, the load of N dialogs, the
 * time until another instance sees a dialog by pub/sub. */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "ctl_log.h"
#include "ctl_redis.h"
#include "redis_srv.h"
#include "slb_hash.h"

/*
 * bench_redis [DIALOGS [nopub]]   (default 1000000, redis.publish on)
 * Starts redis-server on a free loopback port (own directory, no persistence, killed by its PID
 * at the end) and siplb-control's Redis module (ctl_redis.c: writer, subscriber and loader
 * threads, batches of 512) with no dataplane: the bench pushes the dialog events a dataplane
 * would, with Call-IDs of 48 bytes, and reads the module's counters.
 *  1. throughput: calls created, confirmed and ended (3 events, 2 SET + 1 DEL, each also a
 *     published line) as fast as the buffer takes them; events/s = events / time until written.
 *  2. lag: the same at a paced rate for 3 s; p50/p99 from the event's TSC to Redis's reply.
 *  3. memory: DIALOGS calls created and confirmed; INFO used_memory before and after, per
 *     dialog, and MEMORY USAGE of one key.
 *  4. load: another instance attached, as at a dataplane's start: SCAN + MGET of every key,
 *     hashed, into its mirror and out as pins taken 64 at a time as control's loop does; time
 *     to the end-of-load marker.
 *  5. pub/sub: that instance (B) kept, and another one (A) on the same prefix after its own
 *     load; A gets calls created then ended at a paced rate for 3 s, B's pins taken as
 *     control's loop takes them (ctl_dlg_run: 64 at a time until none, then a 1 ms sleep, its
 *     LOOP_REDIS_MS). Per event, the time from the TSC A was handed it with (as the lag's) to
 *     B's loop holding its pin (created) or unpin (ended), one process so one TSC; p50, p99,
 *     max, and how many were seen of those sent. Skipped with nopub.
 */

#define BUFFER 1000000
#define CALLID_LEN 48

static struct slb_key128 secret = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
static struct slb_hash_key hk;
static uint64_t tsc_hz;
static bool publish = true;

static struct ctl_redis *
start(const char *instance, int port)
{
	struct slb_cfg *c = calloc(1, sizeof(*c));
	struct ctl_redis *r;
	bool failed;

	c->redis_enabled = true;
	snprintf(c->redis_address, sizeof(c->redis_address), "127.0.0.1:%d", port);
	snprintf(c->redis_prefix, sizeof(c->redis_prefix), "siplb:");
	snprintf(c->redis_instance, sizeof(c->redis_instance), "%s", instance);
	snprintf(c->redis_master, sizeof(c->redis_master), "siplb");
	c->redis_connect_timeout_ms = 500;
	c->redis_command_timeout_ms = 2000;
	c->redis_buffer = BUFFER;
	c->redis_batch = 512;
	c->redis_publish = publish;
	c->dlg_capacity = 2000000;
	c->dlg_early_timeout = 180;
	c->dlg_confirmed_timeout = 7200;
	c->dlg_sweep_period = 10;
	r = ctl_redis_start(c, &failed);
	free(c);
	if (r == NULL) {
		fprintf(stderr, "cannot start the Redis module\n");
		exit(1);
	}
	ctl_redis_attach(r, &secret, tsc_hz);
	return r;
}

static struct ctl_redis_stats
snap(struct ctl_redis *r)
{
	struct ctl_redis_stats st;

	ctl_redis_snapshot(r, &st);
	return st;
}

/* Call k's Call-ID (tag: the phase) in cid[96], and its hash with the dataplane's key. */
static uint64_t
callid_of(char *cid, char tag, uint64_t k)
{
	snprintf(cid, 96, "%c%011llu-7f3a9c1e5b2d4f60@proxy-a.carrier.example.net", tag,
		(unsigned long long)k);
	cid[CALLID_LEN] = '\0';
	return slb_hash_callid(&hk, cid, CALLID_LEN);
}

/* An event of call k, pushed when the buffer has room (never lost): the TSC it was handed at. */
static uint64_t
event(struct ctl_redis *r, uint16_t type, char tag, uint64_t k)
{
	static uint32_t since_look;
	struct slb_ctl_evt e;
	char cid[96];

	/* a look at the buffer per 1024 events: the snapshot is not free */
	if (++since_look == 1024) {
		since_look = 0;
		while (snap(r).buffered > BUFFER - 2048)
			usleep(200);
	}
	memset(&e, 0, sizeof(e));
	e.callid_hash = callid_of(cid, tag, k);
	e.type = type;
	e.be_id = (uint16_t)(k % 16);
	e.callid_len = CALLID_LEN;
	memcpy(e.callid, cid, CALLID_LEN);
	e.tsc = __rdtsc();
	ctl_redis_event(r, &e);
	return e.tsc;
}

static void
wait_written(struct ctl_redis *r, uint64_t n)
{
	while (snap(r).written < n)
		usleep(500);
}

/* The loader's pins taken as control's loop takes them, until the end-of-load marker. */
static struct ctl_redis_pin
drain_load(struct ctl_redis *r, uint64_t *ops)
{
	struct ctl_redis_pin p[64];
	uint32_t n, i;

	*ops = 0;
	for (;;) {
		n = ctl_redis_pins_peek(r, p, 64);
		for (i = 0; i < n; i++) {
			if (p[i].kind == CTL_REDIS_PIN_LOADED) {
				ctl_redis_pins_drop(r, n);
				return p[i];
			}
			(*ops)++;
		}
		ctl_redis_pins_drop(r, n);
		if (n == 0)
			usleep(100);
	}
}

static long long
used_memory(int port)
{
	redisReply *rep = redis_srv_cmd(port, "INFO %s", "memory");
	long long v = -1;
	char *p;

	if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
		(p = strstr(rep->str, "used_memory:")) != NULL)
		v = atoll(p + 12);
	if (rep != NULL)
		freeReplyObject(rep);
	return v;
}

/* 5. pub/sub: B's side. Call k's pin is event 2k, its unpin 2k + 1. */
struct call_hash {
	uint64_t hash;
	uint64_t k;
};

struct seen {
	struct ctl_redis *b;
	const struct call_hash *by_hash; /* sorted */
	uint64_t calls;
	uint64_t *at; /* the TSC each event was seen at; written by B's loop, read after its join */
	atomic_uint_fast64_t n;
	uint64_t twice, other;
	atomic_bool stop;
};

static int
cmp_hash(const void *a, const void *b)
{
	uint64_t x = ((const struct call_hash *)a)->hash, y = ((const struct call_hash *)b)->hash;

	return x < y ? -1 : x > y;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
see(struct seen *s, const struct ctl_redis_pin *p, uint64_t now)
{
	struct call_hash key = {.hash = p->op.callid_hash}, *c = NULL;
	uint64_t i;

	if (p->kind == CTL_REDIS_PIN_OP)
		c = bsearch(&key, s->by_hash, s->calls, sizeof(key), cmp_hash);
	if (c == NULL) {
		s->other++;
		return;
	}
	i = 2 * c->k + (p->op.op == SLB_CTL_DLG_UNPIN);
	if (s->at[i] != 0) {
		s->twice++;
		return;
	}
	s->at[i] = now;
	atomic_fetch_add(&s->n, 1);
}

/* B's loop: every pass takes pins until none, then sleeps as control's poll() does. */
static void *
b_loop(void *arg)
{
	struct ctl_redis_pin p[SLB_CTL_DLG_OPS];
	struct seen *s = arg;
	uint32_t n, i;
	uint64_t now;

	while (!atomic_load(&s->stop)) {
		while ((n = ctl_redis_pins_peek(s->b, p, SLB_CTL_DLG_OPS)) > 0) {
			now = __rdtsc();
			for (i = 0; i < n; i++)
				see(s, &p[i], now);
			ctl_redis_pins_drop(s->b, n);
		}
		usleep(1000);
	}
	return NULL;
}

/* The q quantile of n sorted TSC spans, in ms; -1 when none. */
static double
quantile_ms(const uint64_t *v, uint64_t n, double q)
{
	uint64_t i = (uint64_t)(q * (double)n);

	if (n == 0)
		return -1;
	return (double)v[i < n ? i : n - 1] * 1e3 / (double)tsc_hz;
}

/* Until i / rate s after t0: slept when far (the machine is shared), spun when near. */
static void
pace(double t0, uint64_t i, double rate)
{
	double ahead;

	while ((ahead = (double)i / rate - (redis_srv_now() - t0)) > 0)
		if (ahead > 300e-6)
			usleep((useconds_t)(ahead * 1e6) - 150);
}

/* Calls created then ended through a at rate events/s for 3 s; b's loop sees them. */
static void
pubsub(struct ctl_redis *a, struct ctl_redis *b, double rate, char tag)
{
	uint64_t n = 2 * (uint64_t)(rate * 3 / 2), i, nl = 0, *sent, *lat;
	struct seen s = {.b = b, .calls = n / 2};
	struct call_hash *by = calloc(n / 2, sizeof(*by));
	struct ctl_redis_stats sa, sb0 = snap(b), sb;
	char cid[96];
	pthread_t t;
	double t0;

	sent = calloc(n, sizeof(*sent));
	lat = calloc(n, sizeof(*lat));
	s.at = calloc(n, sizeof(*s.at));
	if (by == NULL || sent == NULL || lat == NULL || s.at == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < n / 2; i++)
		by[i] = (struct call_hash){.hash = callid_of(cid, tag, i), .k = i};
	qsort(by, n / 2, sizeof(*by), cmp_hash);
	s.by_hash = by;
	if (pthread_create(&t, NULL, b_loop, &s) != 0) {
		fprintf(stderr, "cannot start B's loop\n");
		exit(1);
	}
	t0 = redis_srv_now();
	for (i = 0; i < n; i++) {
		pace(t0, i, rate);
		sent[i] = event(
			a, i % 2 ? SLB_CTL_EVT_DLG_ENDED : SLB_CTL_EVT_DLG_CREATED, tag, i / 2);
	}
	/* a missing one is waited for 5 s at most */
	for (t0 = redis_srv_now(); atomic_load(&s.n) < n && redis_srv_now() - t0 < 5;)
		usleep(1000);
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	for (i = 0; i < n; i++)
		if (s.at[i] != 0)
			lat[nl++] = s.at[i] > sent[i] ? s.at[i] - sent[i] : 0;
	qsort(lat, nl, sizeof(*lat), cmp_u64);
	sa = snap(a);
	sb = snap(b);
	printf("pub/sub at %.0f events/s for 3 s (calls created then ended): A's event to B's pin "
	       "or unpin p50 %.3f ms, p99 %.3f ms, max %.3f ms; seen %llu of %llu sent (missing "
	       "%llu, twice %llu, unknown %llu); B read %llu lines, dropped %llu pins; A lost "
	       "%llu\n",
		rate, quantile_ms(lat, nl, 0.5), quantile_ms(lat, nl, 0.99),
		quantile_ms(lat, nl, 1), (unsigned long long)nl, (unsigned long long)n,
		(unsigned long long)(n - nl), (unsigned long long)s.twice,
		(unsigned long long)s.other,
		(unsigned long long)(sb.remote_lines - sb0.remote_lines),
		(unsigned long long)(sb.pins_dropped - sb0.pins_dropped),
		(unsigned long long)sa.lost);
	free(by);
	free(sent);
	free(lat);
	free(s.at);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [DIALOGS [nopub]]\n"
		"  DIALOGS      dialogs for the memory and load figures (default 1000000)\n"
		"  nopub        redis.publish off: no pub/sub figures\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n",
		prog);
}

enum { OPT_VERSION = 256 };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	uint64_t dialogs = 1000000, k, calls, ops;
	struct redis_srv srv;
	struct ctl_redis *w, *l, *a;
	struct ctl_redis_stats st;
	struct ctl_redis_pin end;
	char top[64] = "/tmp/siplb-bench-redis.XXXXXX", key[128];
	double t0, dt, rate;
	long long m0, m1;
	redisReply *rep;
	uint64_t c0;
	int port, opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("bench_redis %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (argc - optind > 2 || (argc - optind == 2 && strcmp(argv[optind + 1], "nopub") != 0)) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (optind < argc)
		dialogs = strtoull(argv[optind], NULL, 10);
	publish = argc - optind < 2;
	signal(SIGPIPE, SIG_IGN);
	/* as siplb-control's main() does */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	ctl_log_max = CTL_LOG_WARN;
	slb_hash_key_init(&hk, &secret);
	t0 = redis_srv_now();
	c0 = __rdtsc();
	usleep(50000);
	tsc_hz = (uint64_t)((double)(__rdtsc() - c0) / (redis_srv_now() - t0));
	if (mkdtemp(top) == NULL || (port = redis_srv_free_port(26900)) < 0 ||
		redis_srv_start(&srv, top, "redis", port, NULL, NULL) < 0) {
		fprintf(stderr, "cannot start redis-server\n");
		return 1;
	}
	printf("redis-server 127.0.0.1:%d (no persistence), Call-IDs of %d bytes, batches of 512, "
	       "pub/sub %s\n",
		port, CALLID_LEN, publish ? "on" : "off");
	w = start("bench-w", port);
	usleep(200000);

	/* 1. throughput */
	calls = dialogs / 4 > 100000 ? dialogs / 4 : 100000;
	t0 = redis_srv_now();
	for (k = 0; k < calls; k++) {
		event(w, SLB_CTL_EVT_DLG_CREATED, 't', k);
		event(w, SLB_CTL_EVT_DLG_CONFIRMED, 't', k);
		event(w, SLB_CTL_EVT_DLG_ENDED, 't', k);
	}
	wait_written(w, 3 * calls);
	dt = redis_srv_now() - t0;
	printf("throughput: %llu calls, %llu events written in %.2f s: %.0f events/s (%.0f "
	       "calls/s)\n",
		(unsigned long long)calls, (unsigned long long)(3 * calls), dt, 3 * calls / dt,
		calls / dt);

	/* 2. lag at paced rates */
	for (rate = 30000; rate <= 300000; rate *= 10) {
		uint64_t base = snap(w).written, n = (uint64_t)(rate * 3), i;

		t0 = redis_srv_now();
		for (i = 0; i < n; i++) {
			while (redis_srv_now() - t0 < (double)i / rate)
				;
			event(w, (uint16_t)(SLB_CTL_EVT_DLG_CREATED + i % 3), 'p', i / 3);
		}
		wait_written(w, base + n);
		usleep(1100000);
		st = snap(w);
		printf("lag at %.0f events/s for 3 s: p50 %.3f ms, p99 %.3f ms (last second, %llu "
		       "writes); lost %llu\n",
			rate, st.lag_p50_ms, st.lag_p99_ms, (unsigned long long)st.lag_n,
			(unsigned long long)st.lost);
	}

	/* 3. memory per dialog */
	m0 = used_memory(port);
	t0 = redis_srv_now();
	for (k = 0; k < dialogs; k++) {
		event(w, SLB_CTL_EVT_DLG_CREATED, 'm', k);
		event(w, SLB_CTL_EVT_DLG_CONFIRMED, 'm', k);
	}
	wait_written(w, snap(w).written + snap(w).buffered);
	dt = redis_srv_now() - t0;
	m1 = used_memory(port);
	snprintf(key, sizeof(key), "siplb:dlg:m%011llu-7f3a9c1e5b2d4f60@proxy-a.carrier.ex", 7ull);
	key[10 + CALLID_LEN] = '\0';
	rep = redis_srv_cmd(port, "MEMORY USAGE %s", key);
	printf("memory: %llu dialogs (%llu events in %.2f s): used_memory +%.1f MB, %.0f bytes per "
	       "dialog; MEMORY USAGE of one key: %lld bytes (key %zu bytes, value %zu)\n",
		(unsigned long long)dialogs, (unsigned long long)(2 * dialogs), dt,
		(double)(m1 - m0) / 1e6, (double)(m1 - m0) / (double)dialogs,
		rep != NULL && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1LL, strlen(key),
		strlen("15 confirmed bench-w"));
	if (rep != NULL)
		freeReplyObject(rep);
	ctl_redis_stop(w);

	/* 4. load */
	l = start("bench-l", port);
	t0 = redis_srv_now();
	end = drain_load(l, &ops);
	dt = redis_srv_now() - t0;
	printf("load: %llu dialogs read (SCAN+MGET, hashed, mirrored) and %llu pins taken in "
	       "%.0f ms (loader's own count %.0f ms, result %d)\n",
		(unsigned long long)end.count, (unsigned long long)ops, dt * 1e3, end.ms,
		end.result);

	/* 5. pub/sub: l is B */
	if (publish) {
		a = start("bench-a", port);
		drain_load(a, &ops);
		for (t0 = redis_srv_now();
			(!snap(a).up || !snap(l).sub_up) && redis_srv_now() - t0 < 5;)
			usleep(10000);
		pubsub(a, l, 1000, 'a');
		pubsub(a, l, 30000, 'b');
		ctl_redis_stop(a);
	} else {
		printf("pub/sub: not measured (nopub)\n");
	}
	ctl_redis_stop(l);
	redis_srv_kill(&srv, SIGTERM);
	redis_srv_kill_all();
	snprintf(key, sizeof(key), "rm -rf '%s'", top);
	return system(key) == 0 ? 0 : 1;
}
