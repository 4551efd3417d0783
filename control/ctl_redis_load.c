/* ctl_redis_load.c: the loader thread: every dialog key in Redis (SCAN + MGET) as pins. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_log.h"
#include "ctl_redis_pvt.h"

/*
 * SCAN MATCH <prefix>dlg:* COUNT 1000, and for each page an MGET of its keys, pipelined with the
 * next SCAN: a page costs one round trip. Every dialog goes into the mirror (with its owner, so
 * that ours are refreshed again and a BYE through us ends another's) and out as a PIN, in the
 * pin queue the main loop empties into the request ring. The loader waits for room there; the
 * main loop never waits for the loader. A load ends with a CTL_REDIS_PIN_LOADED (count, result,
 * time), even when Redis cannot be reached (-ECONNREFUSED at once): a LOADING dataplane then
 * starts with what it has. A new attachment or a detachment makes a running load stop early
 * (load_gen): its pins are for a dataplane that is gone.
 */

#define SCAN_COUNT "1000"

struct load {
	struct ctl_redis *r;
	uint64_t gen;
	uint64_t n;   /* dialogs pinned */
	uint64_t bad; /* keys whose value or Call-ID we cannot read */
	uint32_t now_s;
};

/* Under the lock: whether this load is still the one wanted. */
static bool
current(const struct load *l)
{
	return !l->r->stop && l->gen == l->r->load_gen;
}

/* Under the lock: queue p, waiting for room. false when the load is abandoned meanwhile. */
static bool
push_wait(struct load *l, const struct ctl_redis_pin *p)
{
	struct ctl_redis *r = l->r;

	while (current(l) && r->pin_count == CTL_REDIS_PINQ) {
		r->loader_waits = true;
		pthread_cond_wait(&r->pin_room, &r->lock);
	}
	if (!current(l))
		return false;
	ctl_redis_pin_push(r, p);
	return true;
}

#define CHUNK 32 /* keys hashed, and their slots prefetched, before they are inserted */

/* A key and its value, checked: its Call-ID and hash. */
struct item {
	const char *callid;
	size_t n;
	uint64_t hash;
	struct ctl_redis_val v;
};

/* keys[from, to) into it[]: the readable ones (the others counted bad). Returns how many. */
static size_t
check_chunk(struct load *l, const redisReply *keys, const redisReply *vals, size_t from, size_t to,
	struct item *it)
{
	struct ctl_redis *r = l->r;
	size_t i, nb = 0;

	for (i = from; i < to; i++) {
		const redisReply *k = keys->element[i], *x = vals->element[i];
		struct item *t = &it[nb];

		if (x->type == REDIS_REPLY_NIL)
			continue; /* expired or deleted since the SCAN */
		if (k->type != REDIS_REPLY_STRING || x->type != REDIS_REPLY_STRING ||
			ctl_redis_key_callid(k->str, k->len, r->prefix, &t->callid, &t->n) < 0 ||
			!ctl_redis_callid_ok(t->callid, t->n) ||
			ctl_redis_value_parse(x->str, x->len, &t->v) < 0) {
			l->bad++;
			continue;
		}
		t->hash = ctl_redis_hash(r, t->callid, t->n);
		ctl_redis_mirror_prefetch(r->mirror, t->hash);
		nb++;
	}
	return nb;
}

/* One page: keys and their values, a chunk at a time. false when abandoned. */
static bool
take_page(struct load *l, const redisReply *keys, const redisReply *vals)
{
	struct ctl_redis *r = l->r;
	struct ctl_redis_pin p = {.kind = CTL_REDIS_PIN_OP};
	struct item it[CHUNK];
	size_t from, nb, i;
	uint8_t owner;
	bool ok = true;

	pthread_mutex_lock(&r->lock);
	for (from = 0; from < keys->elements && ok; from += CHUNK) {
		nb = check_chunk(l, keys, vals, from,
			from + CHUNK < keys->elements ? from + CHUNK : keys->elements, it);
		for (i = 0; i < nb && ok; i++) {
			const struct ctl_redis_val *v = &it[i].v;

			owner = v->owner_len == strlen(r->instance) &&
						memcmp(v->owner, r->instance, v->owner_len) == 0
					? CTL_REDIS_OWNER_SELF
					: ctl_redis_mirror_owner(r->mirror, v->owner, v->owner_len);
			ctl_redis_rule_loaded(r->mirror, &r->ttl, it[i].hash, it[i].callid, it[i].n,
				v, owner, l->now_s, &p.op, &r->rs);
			ok = push_wait(l, &p);
			l->n++;
		}
	}
	ok = ok && current(l);
	pthread_mutex_unlock(&r->lock);
	return ok;
}

/* MATCH pattern for <prefix>dlg:*, the prefix's glob characters escaped. */
static void
pattern_of(const char *prefix, char *out, size_t cap)
{
	size_t o = 0;

	for (; *prefix != '\0' && o + 3 < cap; prefix++) {
		if (strchr("*?[]\\", *prefix) != NULL)
			out[o++] = '\\';
		out[o++] = *prefix;
	}
	out[o] = '\0';
	snprintf(out + o, cap - o, "dlg:*");
}

static int
append_mget(redisContext *c, const redisReply *keys)
{
	const char **argv = malloc((keys->elements + 1) * sizeof(*argv));
	size_t *len = malloc((keys->elements + 1) * sizeof(*len)), i;
	int rc;

	if (argv == NULL || len == NULL) {
		free(argv);
		free(len);
		return REDIS_ERR;
	}
	argv[0] = "MGET";
	len[0] = 4;
	for (i = 0; i < keys->elements; i++) {
		argv[i + 1] = keys->element[i]->str;
		len[i + 1] = keys->element[i]->len;
	}
	rc = redisAppendCommandArgv(c, (int)keys->elements + 1, argv, len);
	free(argv);
	free(len);
	return rc;
}

static bool
is_page(const redisReply *rep)
{
	return rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	       rep->element[0]->type == REDIS_REPLY_STRING &&
	       rep->element[1]->type == REDIS_REPLY_ARRAY;
}

/* Read every page: 0, 1 when abandoned, or -1 with err. */
static int
scan_all(struct load *l, redisContext *c, char *err, size_t elen)
{
	char pattern[96], cursor[32];
	redisReply *page = NULL, *next = NULL, *vals = NULL;
	bool more;
	int rc = -1;

	pattern_of(l->r->prefix, pattern, sizeof(pattern));
	page = redisCommand(c, "SCAN 0 MATCH %s COUNT " SCAN_COUNT, pattern);
	for (;;) {
		if (!is_page(page)) {
			snprintf(err, elen, "SCAN: %s",
				page == NULL			  ? c->errstr
				: page->type == REDIS_REPLY_ERROR ? page->str
								  : "unexpected reply");
			goto out;
		}
		snprintf(cursor, sizeof(cursor), "%s", page->element[0]->str);
		more = strcmp(cursor, "0") != 0;
		/* the values of this page and the next page in one round trip */
		if (page->element[1]->elements > 0 && append_mget(c, page->element[1]) != REDIS_OK)
			goto io;
		if (more && redisAppendCommand(c, "SCAN %s MATCH %s COUNT " SCAN_COUNT, cursor,
				    pattern) != REDIS_OK)
			goto io;
		if (page->element[1]->elements > 0) {
			if (redisGetReply(c, (void **)&vals) != REDIS_OK)
				goto io;
			if (vals->type != REDIS_REPLY_ARRAY ||
				vals->elements != page->element[1]->elements) {
				snprintf(err, elen, "MGET: unexpected reply");
				goto out;
			}
			if (!take_page(l, page->element[1], vals)) {
				rc = 1;
				goto out;
			}
			freeReplyObject(vals);
			vals = NULL;
		}
		if (!more)
			break;
		if (redisGetReply(c, (void **)&next) != REDIS_OK)
			goto io;
		freeReplyObject(page);
		page = next;
		next = NULL;
	}
	rc = 0;
	goto out;
io:
	snprintf(err, elen, "%s", c->errstr);
out:
	if (page != NULL)
		freeReplyObject(page);
	if (vals != NULL)
		freeReplyObject(vals);
	return rc;
}

/* The load's end, for the main loop (after its pins) and the figures. */
static void
finish(struct load *l, int32_t result, double ms)
{
	struct ctl_redis *r = l->r;
	struct ctl_redis_pin p = {.kind = CTL_REDIS_PIN_LOADED, .result = result};

	p.count = l->n;
	p.ms = ms;
	pthread_mutex_lock(&r->lock);
	if (push_wait(l, &p)) {
		r->st.load_running = false;
		r->st.load_done = true;
		r->st.loaded = l->n;
		r->st.load_ms = ms;
		r->st.load_result = result;
	}
	pthread_mutex_unlock(&r->lock);
}

static void
load(struct ctl_redis *r, uint64_t gen)
{
	struct load l = {.r = r, .gen = gen, .now_s = ctl_redis_now_s()};
	struct ctl_redis_conn_cfg conn = r->conn;
	char addr[CTL_REDIS_ADDR_LEN] = "", err[160];
	uint64_t t0 = ctl_now_us();
	redisContext *c;
	double ms;
	int rc;

	c = ctl_redis_connect(&conn, addr, sizeof(addr), err, sizeof(err));
	if (c == NULL) {
		ms = (double)(ctl_now_us() - t0) / 1e3;
		CTL_WARN("redis: no dialogs loaded for the dataplane: %s", err);
		finish(&l, -ECONNREFUSED, ms);
		return;
	}
	rc = scan_all(&l, c, err, sizeof(err));
	redisFree(c);
	ms = (double)(ctl_now_us() - t0) / 1e3;
	if (rc == 1) {
		CTL_INFO("redis: load abandoned after %llu dialogs (the dataplane changed)",
			(unsigned long long)l.n);
		return;
	}
	if (rc < 0) {
		CTL_WARN("redis: load from %s failed after %llu dialogs in %.0f ms: %s", addr,
			(unsigned long long)l.n, ms, err);
		finish(&l, -EIO, ms);
		return;
	}
	CTL_INFO("redis: read %llu dialogs from %s in %.0f ms (%llu keys unreadable)",
		(unsigned long long)l.n, addr, ms, (unsigned long long)l.bad);
	pthread_mutex_lock(&r->lock);
	r->st.load_bad += l.bad;
	pthread_mutex_unlock(&r->lock);
	finish(&l, 0, ms);
}

void *
ctl_redis_load_main(void *arg)
{
	struct ctl_redis *r = arg;
	uint64_t gen;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		gen = r->load_gen;
		r->load_again = false;
		pthread_mutex_unlock(&r->lock);
		load(r, gen);
		pthread_mutex_lock(&r->lock);
		if (!r->load_again || r->stop)
			break;
	}
	r->loader_active = false;
	pthread_cond_broadcast(&r->loader_gone);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}
