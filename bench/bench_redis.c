/* bench_redis.c: the Redis writer and loader alone against a redis-server of the bench's own:
 * events/s written, lag at a paced rate, Redis memory per dialog, the load of N dialogs. */
#include <malloc.h>
#include <signal.h>
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

/* An event of call k (tag: the phase), pushed when the buffer has room (never lost). */
static void
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
	snprintf(cid, sizeof(cid), "%c%011llu-7f3a9c1e5b2d4f60@proxy-a.carrier.example.net", tag,
		(unsigned long long)k);
	cid[CALLID_LEN] = '\0';
	memset(&e, 0, sizeof(e));
	e.type = type;
	e.be_id = (uint16_t)(k % 16);
	e.tsc = __rdtsc();
	e.callid_len = CALLID_LEN;
	memcpy(e.callid, cid, CALLID_LEN);
	e.callid_hash = slb_hash_callid(&hk, cid, CALLID_LEN);
	ctl_redis_event(r, &e);
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

int
main(int argc, char **argv)
{
	uint64_t dialogs = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000, k, calls, ops;
	struct redis_srv srv;
	struct ctl_redis *w, *l;
	struct ctl_redis_stats st;
	struct ctl_redis_pin end;
	char top[64] = "/tmp/siplb-bench-redis.XXXXXX", key[128];
	double t0, dt, rate;
	long long m0, m1;
	redisReply *rep;
	uint64_t c0;
	int port;

	signal(SIGPIPE, SIG_IGN);
	/* as siplb-control's main() does */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	ctl_log_max = CTL_LOG_WARN;
	publish = !(argc > 2 && strcmp(argv[2], "nopub") == 0);
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
	ctl_redis_stop(l);
	redis_srv_kill(&srv, SIGTERM);
	redis_srv_kill_all();
	snprintf(key, sizeof(key), "rm -rf '%s'", top);
	return system(key) == 0 ? 0 : 1;
}
