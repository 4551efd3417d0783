/* ctl_redis_writer.c: the writer thread: buffered events in pipelined batches, TTL refreshes,
 * the whole live state again when Redis returns, siplbctl's GETs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "ctl_log.h"
#include "ctl_redis_pvt.h"

/*
 * The loop's contract: each pass writes one batch of buffered events (at most redis.batch,
 * fewer when fewer wait: an event is never held back to fill a batch), then one batch of the
 * resync or of the TTL refresh when one is under way, then any siplbctl queries; it sleeps only
 * when none of them had anything. A batch is appended whole (redisAppendCommandArgv) and its
 * replies read after, so a batch costs one round trip. Buffered events are dropped from the
 * buffer only once Redis answered them: a connection lost mid-batch writes them again.
 */

#define IDLE_MS 100	  /* the longest sleep: the lag's second and the refresh pass */
#define PASS_MS 1000	  /* a refresh pass over the mirror starts at most this often */
#define BACKOFF_MIN_MS 50 /* reconnect at once, then after 50, 100, ... 1000 ms */
#define BACKOFF_MAX_MS 1000

/* A dialog copied out of the mirror for a refresh or a resync. */
struct item {
	uint16_t be_id;
	uint8_t state;
	uint8_t len;
	char callid[CTL_REDIS_CALLID_MAX];
};

struct wr {
	struct ctl_redis *r;
	struct ctl_redis_conn_cfg conn;
	redisContext *c;
	char addr[CTL_REDIS_ADDR_LEN];
	char master[CTL_REDIS_ADDR_LEN]; /* the last one we wrote to */
	uint32_t batch;
	struct ctl_redis_op *ops;
	struct item *items; /* 3 x batch: below a batch, plus a slice of 2 x batch */
	uint32_t nb_items;
	uint32_t *missing; /* refreshed keys Redis no longer had */
	struct ctl_redis_msg *msg;
	char key[CTL_REDIS_KEY_MAX];

	bool ever_up;
	uint64_t down_ms; /* when the link went down (0: up or never up) */
	uint64_t next_try_ms;
	uint32_t backoff_ms;

	bool resyncing;
	uint32_t resync_cursor;
	uint64_t resync_n;
	uint64_t resync_down_ms; /* the outage it repairs, for the log */
	bool passing;		 /* a refresh pass under way */
	uint32_t refresh_cursor;
	uint64_t next_pass_ms;
	uint64_t lag_ms; /* when this second's lag began */
	uint32_t now_s;	 /* for the scan callbacks */
};

static void
set_link(struct wr *w, bool up, const char *why)
{
	struct ctl_redis *r = w->r;

	pthread_mutex_lock(&r->lock);
	if (r->st.up != up)
		r->st.since_ms = ctl_now_ms();
	r->st.up = up;
	snprintf(r->st.error, sizeof(r->st.error), "%s", up ? "" : why);
	snprintf(r->st.master, sizeof(r->st.master), "%s", w->addr);
	pthread_mutex_unlock(&r->lock);
}

/* The connection failed or the server stopped being the master: events wait from now on. */
static void
drop(struct wr *w, const char *reason)
{
	char why[160];

	/* reason may be the context's own errstr: copied before the context goes */
	snprintf(why, sizeof(why), "%s", reason[0] != '\0' ? reason : "connection lost");
	if (w->c != NULL)
		redisFree(w->c);
	w->c = NULL;
	if (w->down_ms == 0) {
		w->down_ms = ctl_now_ms();
		CTL_WARN("redis: %s: %s; events wait in the buffer (%llu at most) until it is back",
			w->addr, why, (unsigned long long)w->r->st.buffer_size);
	}
	set_link(w, false, why);
	w->next_try_ms = ctl_now_ms();
	w->backoff_ms = BACKOFF_MIN_MS;
}

static void
try_connect(struct wr *w)
{
	char err[160];
	uint64_t now = ctl_now_ms();
	bool have_own;

	w->c = ctl_redis_connect(&w->conn, w->addr, sizeof(w->addr), err, sizeof(err));
	if (w->c == NULL) {
		if (w->down_ms == 0) {
			w->down_ms = now;
			CTL_WARN("redis: %s: %s; events wait in the buffer until it is up",
				w->addr[0] != '\0' ? w->addr : "no master", err);
		}
		set_link(w, false, err);
		w->next_try_ms = now + w->backoff_ms;
		w->backoff_ms =
			w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
		return;
	}
	if (w->master[0] != '\0' && strcmp(w->master, w->addr) != 0) {
		CTL_WARN("redis: the master is now %s (was %s)", w->addr, w->master);
		pthread_mutex_lock(&w->r->lock);
		w->r->st.failovers++;
		pthread_mutex_unlock(&w->r->lock);
	}
	snprintf(w->master, sizeof(w->master), "%s", w->addr);
	set_link(w, true, "");
	pthread_mutex_lock(&w->r->lock);
	have_own = w->r->mirror->by[0][1] + w->r->mirror->by[0][2] + w->r->mirror->by[0][3] > 0;
	pthread_mutex_unlock(&w->r->lock);
	if (!w->ever_up)
		CTL_INFO("redis: connected to %s", w->addr);
	/* whatever Redis lost meanwhile (a restart, a failover to a replica behind) comes back */
	if (have_own) {
		w->resyncing = true;
		w->resync_cursor = 0;
		w->resync_n = 0;
		w->resync_down_ms = w->down_ms;
	} else if (w->ever_up) {
		CTL_INFO("redis: back at %s after %.1f s, no dialogs of ours to write again",
			w->addr, (double)(now - w->down_ms) / 1e3);
	}
	w->ever_up = true;
	w->down_ms = 0;
	w->backoff_ms = BACKOFF_MIN_MS;
}

static int
append_set(struct wr *w, const char *callid, size_t n, unsigned int be_id, unsigned int state)
{
	struct ctl_redis *r = w->r;
	char val[CTL_REDIS_VALUE_MAX], ex[16];
	size_t kl = ctl_redis_key(w->key, sizeof(w->key), r->prefix, callid, n);
	size_t vl = ctl_redis_value(val, sizeof(val), be_id, state, r->instance);
	int el = snprintf(ex, sizeof(ex), "%u", ctl_redis_ttl_of(&r->ttl, state));
	const char *argv[5] = {"SET", w->key, val, "EX", ex};
	size_t len[5] = {3, kl, vl, 2, (size_t)el};

	if (kl == 0 || vl == 0)
		return -1;
	return redisAppendCommandArgv(w->c, 5, argv, len) == REDIS_OK ? 0 : -1;
}

static int
append_key_cmd(struct wr *w, const char *cmd, const char *callid, size_t n, const char *arg)
{
	size_t kl = ctl_redis_key(w->key, sizeof(w->key), w->r->prefix, callid, n);
	const char *argv[3] = {cmd, w->key, arg};
	size_t len[3] = {strlen(cmd), kl, arg != NULL ? strlen(arg) : 0};

	if (kl == 0)
		return -1;
	return redisAppendCommandArgv(w->c, arg != NULL ? 3 : 2, argv, len) == REDIS_OK ? 0 : -1;
}

static int
append_publish(struct wr *w)
{
	const char *argv[3] = {"PUBLISH", w->r->channel, w->msg->buf};
	size_t len[3] = {7, strlen(w->r->channel), w->msg->len};

	return redisAppendCommandArgv(w->c, 3, argv, len) == REDIS_OK ? 0 : -1;
}

/*
 * The next reply: it (free it), or NULL after dropping the connection (broken, or the server
 * is a replica now: a failover happened and the sentinels will name the new master).
 */
static redisReply *
next_reply(struct wr *w)
{
	redisReply *rep = NULL;

	if (redisGetReply(w->c, (void **)&rep) != REDIS_OK || rep == NULL) {
		drop(w, w->c->errstr);
		return NULL;
	}
	if (ctl_redis_is_readonly(rep)) {
		freeReplyObject(rep);
		drop(w, "it is a replica now (READONLY)");
		return NULL;
	}
	return rep;
}

/* Read n replies, counting those that are errors: 0, or -1 when the connection went. */
static int
read_replies(struct wr *w, uint32_t n, uint64_t *errors)
{
	redisReply *rep;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if ((rep = next_reply(w)) == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_ERROR) {
			if (*errors == 0)
				CTL_WARN("redis: %s refused a write: %s (counted in errors; such "
					 "writes are not retried)",
					w->addr, rep->str);
			(*errors)++;
		}
		freeReplyObject(rep);
	}
	return 0;
}

/* Lag samples of a written batch, in the dataplane's TSC. */
static void
add_lags(struct ctl_redis *r, const struct ctl_redis_op *ops, uint32_t n, uint64_t hz)
{
	uint64_t now = __rdtsc();
	uint32_t i;

	if (hz == 0)
		return;
	for (i = 0; i < n; i++)
		if (ops[i].tsc != 0 && ops[i].tsc <= now)
			ctl_redis_lag_add(&r->lag, (now - ops[i].tsc) * 1000000 / hz);
}

/* One batch of buffered events: how many were written, or -1 (connection gone). */
static int
write_buffered(struct wr *w)
{
	struct ctl_redis *r = w->r;
	uint64_t errors = 0, hz;
	uint32_t n, i, cmds = 0, pubs = 0, lines = 0;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	n = ctl_redis_buf_peek(&r->buf, w->ops, w->batch);
	hz = r->tsc_hz;
	pthread_mutex_unlock(&r->lock);
	if (n == 0)
		return 0;
	ctl_redis_msg_init(w->msg, r->instance);
	for (i = 0; i < n && rc == 0; i++) {
		const struct ctl_redis_op *op = &w->ops[i];

		if (op->kind == CTL_REDIS_OP_SET)
			rc = append_set(w, op->callid, op->len, op->be_id, op->state);
		else
			rc = append_key_cmd(w, "DEL", op->callid, op->len, NULL);
		cmds++;
		if (!r->publish || op->pub == 0)
			continue;
		if (ctl_redis_msg_add(w->msg, op->pub, op->be_id, op->state, op->callid, op->len) ==
			-ENOSPC) {
			rc = append_publish(w);
			pubs++;
			lines += w->msg->lines;
			ctl_redis_msg_init(w->msg, r->instance);
			ctl_redis_msg_add(
				w->msg, op->pub, op->be_id, op->state, op->callid, op->len);
		}
	}
	if (rc == 0 && w->msg->lines > 0) {
		rc = append_publish(w);
		pubs++;
		lines += w->msg->lines;
	}
	if (rc < 0) {
		drop(w, "cannot append a command (out of memory?)");
		return -1;
	}
	if (read_replies(w, cmds + pubs, &errors) < 0)
		return -1;
	pthread_mutex_lock(&r->lock);
	ctl_redis_buf_drop(&r->buf, n);
	r->st.written += n - (errors < n ? errors : n);
	r->st.errors += errors;
	r->st.published += lines;
	add_lags(r, w->ops, n, hz);
	pthread_mutex_unlock(&r->lock);
	return (int)n;
}

static void
take_item(struct wr *w, const struct ctl_redis_dlg *d)
{
	struct item *it = &w->items[w->nb_items++];

	it->be_id = d->be_id;
	it->state = d->state;
	it->len = d->len;
	memcpy(it->callid, d->callid, d->len);
}

/* Scan callbacks, under the lock: every dialog of ours (resync), or those due (refresh). */
static void
take_own(void *arg, struct ctl_redis_dlg *d)
{
	struct wr *w = arg;

	if (d->owner != CTL_REDIS_OWNER_SELF || w->nb_items >= 3 * w->batch)
		return;
	d->refresh_s = ctl_redis_refresh_at(&w->r->ttl, d->state, w->now_s);
	take_item(w, d);
}

static void
take_due(void *arg, struct ctl_redis_dlg *d)
{
	struct wr *w = arg;

	if (d->owner != CTL_REDIS_OWNER_SELF || d->refresh_s > w->now_s ||
		w->nb_items >= 3 * w->batch)
		return;
	d->refresh_s = ctl_redis_refresh_at(&w->r->ttl, d->state, w->now_s);
	take_item(w, d);
}

/* Copy up to a batch of dialogs from *cursor on, slice by slice (the lock is held for one
 * slice of 2 x batch slots at a time). Returns whether the pass reached the table's end. */
static bool
collect(struct wr *w, uint32_t *cursor, ctl_redis_mirror_fn *fn)
{
	bool end = false;

	w->nb_items = 0;
	w->now_s = ctl_redis_now_s();
	while (!end && w->nb_items < w->batch) {
		pthread_mutex_lock(&w->r->lock);
		end = ctl_redis_mirror_scan(w->r->mirror, cursor, 2 * w->batch, fn, w);
		pthread_mutex_unlock(&w->r->lock);
	}
	return end;
}

/* SET EX for every item: 0, or -1. */
static int
set_items(struct wr *w, const uint32_t *idx, uint32_t n, uint64_t *errors)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct item *it = &w->items[idx != NULL ? idx[i] : i];

		if (append_set(w, it->callid, it->len, it->be_id, it->state) < 0) {
			drop(w, "cannot append a command (out of memory?)");
			return -1;
		}
	}
	return read_replies(w, n, errors);
}

/* One batch of the full write after (re)connecting: how many, or -1. */
static int
resync_slice(struct wr *w)
{
	struct ctl_redis *r = w->r;
	uint64_t errors = 0, now;
	bool end = collect(w, &w->resync_cursor, take_own);
	uint32_t n = w->nb_items;

	if (n > 0 && set_items(w, NULL, n, &errors) < 0)
		return -1; /* the next connection starts it over */
	w->resync_n += n;
	pthread_mutex_lock(&r->lock);
	r->st.errors += errors;
	if (end) {
		r->st.resyncs++;
		r->st.resync_written += w->resync_n;
	}
	pthread_mutex_unlock(&r->lock);
	if (end) {
		w->resyncing = false;
		now = ctl_now_ms();
		if (w->resync_down_ms != 0)
			CTL_INFO("redis: back at %s after %.1f s, wrote %llu dialogs", w->addr,
				(double)(now - w->resync_down_ms) / 1e3,
				(unsigned long long)w->resync_n);
		else
			CTL_INFO("redis: wrote the %llu dialogs of ours at %s",
				(unsigned long long)w->resync_n, w->addr);
	}
	return (int)n + 1;
}

/* One batch of TTL refreshes (EXPIRE; a key gone is written again): how many, or -1. */
static int
refresh_slice(struct wr *w)
{
	struct ctl_redis *r = w->r;
	uint64_t errors = 0;
	uint32_t n, i, nb_missing = 0;
	redisReply *rep;
	char ttl[16];
	bool end;

	end = collect(w, &w->refresh_cursor, take_due);
	n = w->nb_items;
	if (end) {
		w->passing = false;
		w->next_pass_ms = ctl_now_ms() + PASS_MS;
	}
	for (i = 0; i < n; i++) {
		snprintf(ttl, sizeof(ttl), "%u", ctl_redis_ttl_of(&r->ttl, w->items[i].state));
		if (append_key_cmd(w, "EXPIRE", w->items[i].callid, w->items[i].len, ttl) < 0) {
			drop(w, "cannot append a command (out of memory?)");
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		if ((rep = next_reply(w)) == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0)
			w->missing[nb_missing++] = i; /* evicted, or a Redis that lost its data */
		else if (rep->type == REDIS_REPLY_ERROR)
			errors++;
		freeReplyObject(rep);
	}
	if (nb_missing > 0 && set_items(w, w->missing, nb_missing, &errors) < 0)
		return -1;
	pthread_mutex_lock(&r->lock);
	r->st.refreshed += n - nb_missing;
	r->st.restored += nb_missing;
	r->st.errors += errors;
	pthread_mutex_unlock(&r->lock);
	return (int)n + (end ? 0 : 1);
}

/* The GETs siplbctl dialog asked for (answered with an error while Redis is away). */
static void
answer_queries(struct wr *w)
{
	struct ctl_redis *r = w->r;
	struct {
		int id;
		uint32_t seq;
		struct ctl_redis_answer a;
	} q[CTL_REDIS_QUERIES];
	char callid[CTL_REDIS_QUERIES][CTL_REDIS_CALLID_MAX];
	uint8_t len[CTL_REDIS_QUERIES];
	char down[sizeof(r->st.error)];
	uint32_t n = 0, i;
	redisReply *rep;
	int k;

	pthread_mutex_lock(&r->lock);
	for (k = 0; k < CTL_REDIS_QUERIES; k++) {
		if (!r->q[k].used || r->q[k].asked)
			continue;
		r->q[k].asked = true;
		q[n].id = k;
		q[n].seq = r->q[k].seq;
		memcpy(callid[n], r->q[k].callid, r->q[k].len);
		len[n++] = r->q[k].len;
	}
	r->queries_pending = false;
	snprintf(down, sizeof(down), "%s", r->st.error);
	pthread_mutex_unlock(&r->lock);
	for (i = 0; i < n; i++) {
		struct ctl_redis_answer *a = &q[i].a;

		memset(a, 0, sizeof(*a));
		a->found = -1;
		a->ttl_s = -1;
		if (w->c == NULL || append_key_cmd(w, "GET", callid[i], len[i], NULL) < 0 ||
			append_key_cmd(w, "TTL", callid[i], len[i], NULL) < 0) {
			snprintf(a->error, sizeof(a->error), "Redis is down: %.120s", down);
			continue;
		}
		if ((rep = next_reply(w)) == NULL) {
			snprintf(a->error, sizeof(a->error), "Redis went away");
			continue;
		}
		if (rep->type == REDIS_REPLY_STRING) {
			a->found = 1;
			snprintf(a->value, sizeof(a->value), "%.*s", (int)rep->len, rep->str);
		} else if (rep->type == REDIS_REPLY_NIL) {
			a->found = 0;
		} else {
			snprintf(a->error, sizeof(a->error), "GET: %s",
				rep->type == REDIS_REPLY_ERROR ? rep->str : "not a string");
		}
		freeReplyObject(rep);
		if ((rep = next_reply(w)) == NULL)
			continue;
		if (rep->type == REDIS_REPLY_INTEGER)
			a->ttl_s = rep->integer;
		freeReplyObject(rep);
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n; i++) {
		struct ctl_redis_query *x = &r->q[q[i].id];

		if (x->used && x->seq == q[i].seq) {
			x->a = q[i].a;
			x->done = true;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* This second's lags become the last second's (if there were any). */
static void
rotate_lag(struct wr *w, uint64_t now)
{
	struct ctl_redis *r = w->r;

	if (now - w->lag_ms < 1000)
		return;
	w->lag_ms = now;
	pthread_mutex_lock(&r->lock);
	if (r->lag.n > 0) {
		r->lag_last = r->lag;
		memset(&r->lag, 0, sizeof(r->lag));
	}
	pthread_mutex_unlock(&r->lock);
}

/* Sleep until until_ms, or earlier when woken (work, or stop). */
static void
idle(struct wr *w, uint64_t until_ms, int why)
{
	struct ctl_redis *r = w->r;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	{
		uint64_t now = ctl_now_ms(), wait = until_ms > now ? until_ms - now : 0;

		ts.tv_sec += (time_t)(wait / 1000);
		ts.tv_nsec += (long)(wait % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&r->lock);
	if (!r->stop && !r->queries_pending && (why == 2 || r->buf.count == 0)) {
		r->writer_waiting = why;
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
		r->writer_waiting = 0;
	}
	pthread_mutex_unlock(&r->lock);
}

static bool
queries_pending(struct ctl_redis *r)
{
	bool q;

	pthread_mutex_lock(&r->lock);
	q = r->queries_pending;
	pthread_mutex_unlock(&r->lock);
	return q;
}

static void
run(struct wr *w)
{
	uint64_t now;
	int did, n;

	while (!ctl_redis_stopping(w->r)) {
		now = ctl_now_ms();
		rotate_lag(w, now);
		if (w->c == NULL && now >= w->next_try_ms)
			try_connect(w);
		if (w->c == NULL) {
			if (queries_pending(w->r))
				answer_queries(w);
			idle(w, w->next_try_ms < now + IDLE_MS ? w->next_try_ms : now + IDLE_MS, 2);
			continue;
		}
		did = 0;
		if ((n = write_buffered(w)) < 0)
			continue;
		did += n;
		if (w->resyncing) {
			if ((n = resync_slice(w)) < 0)
				continue;
			did += n;
		} else if (w->passing || now >= w->next_pass_ms) {
			w->passing = true;
			if ((n = refresh_slice(w)) < 0)
				continue;
			did += n;
		}
		if (queries_pending(w->r))
			answer_queries(w);
		if (did == 0)
			idle(w, now + IDLE_MS < w->next_pass_ms ? now + IDLE_MS : w->next_pass_ms,
				1);
	}
}

void *
ctl_redis_writer_main(void *arg)
{
	struct ctl_redis *r = arg;
	struct wr *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->ops = calloc(r->batch, sizeof(*w->ops))) == NULL ||
		(w->items = calloc(3 * (size_t)r->batch, sizeof(*w->items))) == NULL ||
		(w->missing = calloc(3 * (size_t)r->batch, sizeof(*w->missing))) == NULL ||
		(w->msg = malloc(sizeof(*w->msg))) == NULL) {
		CTL_ERR("redis: the writer is out of memory: nothing is written to Redis");
		goto out;
	}
	w->r = r;
	w->conn = r->conn;
	w->batch = r->batch;
	w->backoff_ms = BACKOFF_MIN_MS;
	w->lag_ms = ctl_now_ms();
	snprintf(w->addr, sizeof(w->addr), "%s", r->st.master);
	run(w);
	if (w->c != NULL)
		redisFree(w->c);
out:
	if (w != NULL) {
		free(w->ops);
		free(w->items);
		free(w->missing);
		free(w->msg);
	}
	free(w);
	return NULL;
}
