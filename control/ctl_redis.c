/* ctl_redis.c: the Redis module's face to the main loop: start, events, pins, figures, queries. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_log.h"
#include "ctl_redis_pvt.h"

static_assert(SLB_CFG_NAME_LEN == CTL_REDIS_NAME_MAX + 1, "instance names fit");
static_assert(SLB_CFG_ADDR_LEN == CTL_REDIS_ADDR_LEN, "addresses fit");
static_assert(SLB_CFG_MAX_SENTINELS == CTL_REDIS_SENTINELS, "sentinels fit");
static_assert(SLB_CFG_SECRET_LEN == CTL_REDIS_SECRET_LEN, "passwords fit");
static_assert(SLB_BE_ID_MAX == CTL_REDIS_BE_MAX, "backend ids fit");
static_assert(sizeof(((struct ctl_redis *)0)->prefix) == SLB_CFG_NAME_LEN, "prefixes fit");

uint32_t
ctl_redis_now_s(void)
{
	return (uint32_t)(ctl_now_ms() / 1000);
}

uint64_t
ctl_redis_hash(const struct ctl_redis *r, const char *callid, size_t n)
{
	return slb_hash_callid(&r->hkey, callid, (uint32_t)n);
}

int
ctl_redis_pin_push(struct ctl_redis *r, const struct ctl_redis_pin *p)
{
	if (!r->attached || r->pin_count == CTL_REDIS_PINQ) {
		r->st.pins_dropped++;
		return -1;
	}
	r->pins[(r->pin_head + r->pin_count) & (CTL_REDIS_PINQ - 1)] = *p;
	r->pin_count++;
	return 0;
}

/* The redis section into the module: names, timeouts, TTLs. */
static int
configure(struct ctl_redis *r, const struct slb_cfg *cfg)
{
	struct ctl_redis_conn_cfg *k = &r->conn;
	uint32_t i;

	snprintf(k->address, sizeof(k->address), "%s", cfg->redis_address);
	for (i = 0; i < cfg->redis_nb_sentinels && i < CTL_REDIS_SENTINELS; i++)
		snprintf(k->sentinels[i], sizeof(k->sentinels[i]), "%s", cfg->redis_sentinels[i]);
	k->nb_sentinels = i;
	snprintf(k->master, sizeof(k->master), "%s", cfg->redis_master);
	snprintf(k->password, sizeof(k->password), "%s", cfg->redis_password);
	k->db = cfg->redis_db;
	k->connect_ms = cfg->redis_connect_timeout_ms;
	k->command_ms = cfg->redis_command_timeout_ms;
	snprintf(r->prefix, sizeof(r->prefix), "%s", cfg->redis_prefix);
	snprintf(r->channel, sizeof(r->channel), "%sevents", cfg->redis_prefix);
	if (cfg->redis_instance[0] != '\0') {
		snprintf(r->instance, sizeof(r->instance), "%s", cfg->redis_instance);
	} else {
		char host[256];

		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "siplb");
		/* a longer host name is cut to the room of redis.instance */
		host[CTL_REDIS_NAME_MAX] = '\0';
		memcpy(r->instance, host, strlen(host) + 1);
	}
	if (!ctl_redis_name_ok(r->instance, strlen(r->instance))) {
		CTL_ERR("redis: instance name '%s' (the host name?) is not printable without "
			"spaces: set redis.instance",
			r->instance);
		return -1;
	}
	r->ttl.early_s = cfg->dlg_early_timeout + cfg->dlg_sweep_period;
	r->ttl.confirmed_s = cfg->dlg_confirmed_timeout + cfg->dlg_sweep_period;
	r->batch = cfg->redis_batch;
	r->publish = cfg->redis_publish;
	snprintf(r->st.instance, sizeof(r->st.instance), "%s", r->instance);
	snprintf(r->st.master, sizeof(r->st.master), "%s",
		k->nb_sentinels > 0 ? "(sentinels)" : k->address);
	snprintf(r->st.error, sizeof(r->st.error), "not connected yet");
	r->st.buffer_size = cfg->redis_buffer;
	r->st.since_ms = ctl_now_ms();
	r->st.load_result = 0;
	return 0;
}

/*
 * A thread of the module, with every signal blocked in it: SIGTERM and SIGHUP go to the main
 * loop, whose poll() they interrupt, never into a hiredis call.
 */
static int
spawn(pthread_t *t, const pthread_attr_t *at, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, at, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void
destroy(struct ctl_redis *r)
{
	ctl_redis_buf_free(&r->buf);
	ctl_redis_mirror_destroy(r->mirror);
	free(r->pins);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	pthread_cond_destroy(&r->pin_room);
	pthread_cond_destroy(&r->loader_gone);
	free(r);
}

struct ctl_redis *
ctl_redis_start(const struct slb_cfg *cfg, bool *failed)
{
	pthread_condattr_t ca;
	struct ctl_redis *r;

	*failed = false;
	if (!cfg->redis_enabled)
		return NULL;
	*failed = true;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	/* the writer sleeps on the monotonic clock: a step of the wall clock wakes nobody late */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_cond_init(&r->pin_room, &ca);
	pthread_cond_init(&r->loader_gone, &ca);
	pthread_condattr_destroy(&ca);
	if (configure(r, cfg) < 0 || ctl_redis_buf_init(&r->buf, cfg->redis_buffer) < 0 ||
		(r->mirror = ctl_redis_mirror_create(cfg->dlg_capacity)) == NULL ||
		(r->pins = calloc(CTL_REDIS_PINQ, sizeof(*r->pins))) == NULL) {
		CTL_ERR("redis: cannot allocate the buffer (%u events) or the mirror (%u dialogs)",
			cfg->redis_buffer, cfg->dlg_capacity);
		destroy(r);
		return NULL;
	}
	r->st.mirror_capacity = cfg->dlg_capacity;
	if (spawn(&r->writer, NULL, ctl_redis_writer_main, r) != 0) {
		CTL_ERR("redis: cannot start the writer thread");
		destroy(r);
		return NULL;
	}
	r->have_writer = true;
	if (r->publish) {
		if (spawn(&r->sub, NULL, ctl_redis_sub_main, r) != 0) {
			CTL_ERR("redis: cannot start the subscriber thread");
			ctl_redis_stop(r);
			return NULL;
		}
		r->have_sub = true;
	}
	CTL_INFO("redis: instance %s, %s %s, prefix %s, buffer %u events, batches of %u, "
		 "%s",
		r->instance, r->conn.nb_sentinels > 0 ? "master" : "server",
		r->conn.nb_sentinels > 0 ? r->conn.master : r->conn.address, r->prefix,
		cfg->redis_buffer, r->batch,
		r->publish ? "events published to other instances" : "no pub/sub");
	*failed = false;
	return r;
}

void
ctl_redis_stop(struct ctl_redis *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	r->load_gen++;
	pthread_cond_broadcast(&r->wake);
	pthread_cond_broadcast(&r->pin_room);
	while (r->loader_active)
		pthread_cond_wait(&r->loader_gone, &r->lock);
	pthread_mutex_unlock(&r->lock);
	if (r->have_writer)
		pthread_join(r->writer, NULL);
	if (r->have_sub)
		pthread_join(r->sub, NULL);
	destroy(r);
}

static void
push_op(struct ctl_redis *r, const struct ctl_redis_op *op)
{
	/* a full buffer counts the event lost in it: st.lost is read from there */
	if (ctl_redis_buf_push(&r->buf, op) == 0 && r->writer_waiting == 1) {
		r->writer_waiting = 0;
		pthread_cond_signal(&r->wake);
	}
}

void
ctl_redis_event(struct ctl_redis *r, const struct slb_ctl_evt *e)
{
	struct ctl_redis_op ops[16];
	uint32_t i, n;

	pthread_mutex_lock(&r->lock);
	if (e->type == SLB_CTL_EVT_DLG_EXPIRED) {
		n = ctl_redis_rule_expired(r->mirror, e, ops, &r->rs);
		for (i = 0; i < n; i++)
			push_op(r, &ops[i]);
	} else if (ctl_redis_rule_local(
			   r->mirror, &r->ttl, e, ctl_redis_now_s(), &ops[0], &r->rs)) {
		push_op(r, &ops[0]);
	}
	pthread_mutex_unlock(&r->lock);
}

static uint64_t
rehash_fn(void *arg, const char *callid, size_t n)
{
	return ctl_redis_hash(arg, callid, n);
}

void
ctl_redis_attach(struct ctl_redis *r, const struct slb_key128 *secret, uint64_t tsc_hz)
{
	pthread_t t;
	pthread_attr_t at;
	bool start = false;

	pthread_mutex_lock(&r->lock);
	r->tsc_hz = tsc_hz;
	if (!r->have_key || memcmp(&r->secret, secret, sizeof(*secret)) != 0) {
		bool had = r->have_key && r->mirror->count > 0;

		r->secret = *secret;
		slb_hash_key_init(&r->hkey, secret);
		r->have_key = true;
		/* a dataplane with another hash_secret: the same Call-IDs, other hashes */
		if (had && ctl_redis_mirror_rehash(r->mirror, rehash_fn, r) < 0)
			CTL_WARN(
				"redis: out of memory rehashing the mirror for the new dataplane's "
				"key: its expiries will not be recognised");
	}
	r->attached = true;
	r->pin_count = 0;
	r->load_gen++;
	r->st.load_running = true;
	r->st.load_done = false;
	if (r->loader_active) {
		r->load_again = true; /* the running load sees the new gen, stops, starts over */
		pthread_cond_broadcast(&r->pin_room);
	} else {
		r->loader_active = true;
		start = true;
	}
	pthread_mutex_unlock(&r->lock);
	if (!start)
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (spawn(&t, &at, ctl_redis_load_main, r) != 0) {
		struct ctl_redis_pin p = {.kind = CTL_REDIS_PIN_LOADED, .result = -EAGAIN};

		CTL_ERR("redis: cannot start a loader thread: the dataplane starts without Redis's "
			"dialogs");
		pthread_mutex_lock(&r->lock);
		r->loader_active = false;
		r->st.load_running = false;
		ctl_redis_pin_push(r, &p);
		pthread_cond_broadcast(&r->loader_gone);
		pthread_mutex_unlock(&r->lock);
	}
	pthread_attr_destroy(&at);
}

void
ctl_redis_detach(struct ctl_redis *r)
{
	pthread_mutex_lock(&r->lock);
	r->attached = false;
	r->pin_count = 0;
	r->load_gen++;
	r->load_again = false;
	pthread_cond_broadcast(&r->pin_room);
	pthread_mutex_unlock(&r->lock);
}

uint32_t
ctl_redis_pins_peek(struct ctl_redis *r, struct ctl_redis_pin *out, uint32_t max)
{
	uint32_t n = 0;

	pthread_mutex_lock(&r->lock);
	while (n < max && n < r->pin_count) {
		out[n] = r->pins[(r->pin_head + n) & (CTL_REDIS_PINQ - 1)];
		if (out[n++].kind == CTL_REDIS_PIN_LOADED)
			break;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

void
ctl_redis_pins_drop(struct ctl_redis *r, uint32_t n)
{
	pthread_mutex_lock(&r->lock);
	if (n > r->pin_count)
		n = r->pin_count;
	r->pin_head = (r->pin_head + n) & (CTL_REDIS_PINQ - 1);
	r->pin_count -= n;
	if (n > 0 && r->loader_waits) {
		r->loader_waits = false;
		pthread_cond_broadcast(&r->pin_room);
	}
	pthread_mutex_unlock(&r->lock);
}

void
ctl_redis_snapshot(struct ctl_redis *r, struct ctl_redis_stats *st)
{
	pthread_mutex_lock(&r->lock);
	*st = r->st;
	st->lost = r->buf.lost;
	st->buffered = r->buf.count;
	st->peak = r->buf.peak;
	st->skipped = r->rs.skipped;
	st->expired_unknown = r->rs.expired_unknown;
	st->mirror_full = r->rs.full;
	memcpy(st->mirror, r->mirror->by, sizeof(st->mirror));
	st->mirror_count = r->mirror->count;
	st->lag_n = r->lag_last.n;
	st->lag_p50_ms = r->lag_last.n > 0 ? ctl_redis_lag_quantile(&r->lag_last, 0.5) / 1e3 : -1;
	st->lag_p99_ms = r->lag_last.n > 0 ? ctl_redis_lag_quantile(&r->lag_last, 0.99) / 1e3 : -1;
	pthread_mutex_unlock(&r->lock);
}

int
ctl_redis_query(struct ctl_redis *r, const char *callid, size_t n)
{
	int i;

	if (n > CTL_REDIS_CALLID_MAX)
		n = CTL_REDIS_CALLID_MAX;
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < CTL_REDIS_QUERIES; i++)
		if (!r->q[i].used)
			break;
	if (i == CTL_REDIS_QUERIES) {
		pthread_mutex_unlock(&r->lock);
		return -EBUSY;
	}
	memset(&r->q[i], 0, sizeof(r->q[i]));
	r->q[i].used = true;
	r->q[i].seq = ++r->query_seq;
	r->q[i].len = (uint8_t)n;
	memcpy(r->q[i].callid, callid, n);
	r->queries_pending = true;
	if (r->writer_waiting != 0) {
		r->writer_waiting = 0;
		pthread_cond_signal(&r->wake);
	}
	pthread_mutex_unlock(&r->lock);
	return i;
}

int
ctl_redis_query_result(struct ctl_redis *r, int id, struct ctl_redis_answer *a)
{
	int rc = 0;

	if (id < 0 || id >= CTL_REDIS_QUERIES)
		return 0;
	pthread_mutex_lock(&r->lock);
	if (r->q[id].used && r->q[id].done) {
		*a = r->q[id].a;
		r->q[id].used = false;
		rc = 1;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void
ctl_redis_query_cancel(struct ctl_redis *r, int id)
{
	if (id < 0 || id >= CTL_REDIS_QUERIES)
		return;
	pthread_mutex_lock(&r->lock);
	r->q[id].used = false;
	pthread_mutex_unlock(&r->lock);
}

const char *
ctl_redis_instance(const struct ctl_redis *r)
{
	return r->instance;
}

bool
ctl_redis_stopping(struct ctl_redis *r)
{
	bool s;

	pthread_mutex_lock(&r->lock);
	s = r->stop;
	pthread_mutex_unlock(&r->lock);
	return s;
}
