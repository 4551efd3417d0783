/* ctl_redis_sub.c: the subscriber thread: other instances' dialog events, pinned in our dataplane.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl_log.h"
#include "ctl_redis_pvt.h"

/*
 * Its own connection (a subscribed connection takes no other command), read with poll() so that
 * a stop is seen within POLL_MS. A connection silent for IDLE_PING_MS gets a PING; one that does
 * not answer it within the command timeout is dropped and made again through the sentinels: a
 * master that vanished without closing (a partition, a power cut) is noticed, not waited on.
 * Pub/sub keeps nothing for an absent subscriber: events published while this connection is
 * down are not seen here (the keys in Redis still are, at the next load).
 */

#define POLL_MS 200
#define IDLE_PING_MS 3000
#define RETRY_MS 500

struct sub {
	struct ctl_redis *r;
	uint8_t owner;
	uint32_t now_s;
	uint32_t lines;
};

static void
set_up(struct ctl_redis *r, bool up)
{
	pthread_mutex_lock(&r->lock);
	r->st.sub_up = up;
	pthread_mutex_unlock(&r->lock);
}

/* Under the lock: one line of a peer. */
static void
on_line(void *arg, const struct ctl_redis_line *l)
{
	struct sub *s = arg;
	struct ctl_redis *r = s->r;
	struct ctl_redis_pin p = {.kind = CTL_REDIS_PIN_OP};

	s->lines++;
	if (!r->have_key) {
		r->st.pins_dropped++; /* no dataplane has told us its key yet: its load reads Redis
				       */
		return;
	}
	if (ctl_redis_rule_remote(r->mirror, &r->ttl, ctl_redis_hash(r, l->callid, l->len), l,
		    s->owner, s->now_s, &p.op))
		ctl_redis_pin_push(r, &p);
}

static void
on_message(struct ctl_redis *r, const char *msg, size_t len)
{
	struct sub s = {.r = r, .now_s = ctl_redis_now_s()};
	const char *inst, *nl = memchr(msg, '\n', len);
	size_t inst_len;
	uint32_t bad = 0;

	/* our own messages come back to us: recognised before any line is read */
	if (nl != NULL && (size_t)(nl - msg) == strlen(r->instance) &&
		memcmp(msg, r->instance, (size_t)(nl - msg)) == 0)
		return;
	pthread_mutex_lock(&r->lock);
	/* a name is interned only from a message whose instance line is valid */
	if (nl == NULL || !ctl_redis_name_ok(msg, (size_t)(nl - msg))) {
		r->st.remote_bad++;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	s.owner = ctl_redis_mirror_owner(r->mirror, msg, (size_t)(nl - msg));
	if (ctl_redis_msg_parse(msg, len, &inst, &inst_len, on_line, &s, &bad) < 0) {
		r->st.remote_bad++;
	} else {
		r->st.remote_msgs++;
		r->st.remote_lines += s.lines;
		r->st.remote_bad += bad;
	}
	pthread_mutex_unlock(&r->lock);
}

/* A reply on the subscribed connection: a message, or the answer to our PING. */
static void
on_reply(struct ctl_redis *r, const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
		rep->element[0]->type != REDIS_REPLY_STRING ||
		strcmp(rep->element[0]->str, "message") != 0 ||
		rep->element[2]->type != REDIS_REPLY_STRING)
		return;
	on_message(r, rep->element[2]->str, rep->element[2]->len);
}

/* Read until the connection fails or we stop. */
static void
listen_on(struct ctl_redis *r, redisContext *c, const char *addr)
{
	uint64_t last_rx = ctl_now_ms(), ping_at = 0, now;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	redisReply *rep;
	int done;

	while (!ctl_redis_stopping(r)) {
		pfd.revents = 0;
		if (poll(&pfd, 1, POLL_MS) < 0)
			continue;
		now = ctl_now_ms();
		if (pfd.revents != 0) {
			if (redisBufferRead(c) != REDIS_OK) {
				CTL_WARN("redis: subscriber at %s: %s", addr, c->errstr);
				return;
			}
			last_rx = now;
			ping_at = 0;
			while (redisGetReplyFromReader(c, (void **)&rep) == REDIS_OK &&
				rep != NULL) {
				on_reply(r, rep);
				freeReplyObject(rep);
			}
			if (c->err != 0) {
				CTL_WARN("redis: subscriber at %s: %s", addr, c->errstr);
				return;
			}
			continue;
		}
		if (ping_at != 0 && now - ping_at > r->conn.command_ms) {
			CTL_WARN("redis: subscriber at %s: no answer to PING in %u ms", addr,
				r->conn.command_ms);
			return;
		}
		if (ping_at == 0 && now - last_rx >= IDLE_PING_MS) {
			if (redisAppendCommand(c, "PING") != REDIS_OK)
				return;
			do {
				if (redisBufferWrite(c, &done) != REDIS_OK) {
					CTL_WARN("redis: subscriber at %s: %s", addr, c->errstr);
					return;
				}
			} while (!done);
			ping_at = now;
		}
	}
}

void *
ctl_redis_sub_main(void *arg)
{
	struct ctl_redis *r = arg;
	struct ctl_redis_conn_cfg conn = r->conn;
	char addr[CTL_REDIS_ADDR_LEN] = "", err[160], last_err[160] = "";
	redisContext *c;
	redisReply *rep;
	uint32_t waited;
	bool failed;

	while (!ctl_redis_stopping(r)) {
		c = ctl_redis_connect(&conn, addr, sizeof(addr), err, sizeof(err));
		failed = c == NULL;
		if (c != NULL) {
			rep = ctl_redis_cmd(c, err, sizeof(err), "SUBSCRIBE %s", r->channel);
			if (rep != NULL) {
				freeReplyObject(rep);
				CTL_INFO("redis: subscribed to %s at %s", r->channel, addr);
				last_err[0] = '\0';
				set_up(r, true);
				listen_on(r, c, addr);
				set_up(r, false);
			}
			redisFree(c);
		}
		if (failed && strcmp(err, last_err) != 0) {
			/* said once per reason: the writer reports the link's state */
			CTL_DEBUG("redis: subscriber: %s", err);
			snprintf(last_err, sizeof(last_err), "%s", err);
		}
		for (waited = 0; waited < RETRY_MS && !ctl_redis_stopping(r); waited += 50)
			usleep(50 * 1000);
	}
	return NULL;
}
