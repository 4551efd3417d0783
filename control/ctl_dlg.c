/* ctl_dlg.c: pins and the load handshake over the request ring, and siplbctl dialog's lookups. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_log.h"

void
ctl_dlg_attached(struct ctl *c)
{
	const struct slb_ctl_hdr *h = c->chan.hdr;
	struct slb_key128 secret;
	struct ctl_dlg *d = &c->dlg;

	memcpy(secret.b, h->hash_secret, sizeof(secret.b));
	slb_hash_key_init(&d->hkey, &secret);
	d->have_key = true;
	d->attach_ms = ctl_now_ms();
	d->owe_loaded = ctl_chan_state(&c->chan) == SLB_CTL_LOADING;
	d->dp_loaded = false;
	if (c->redis != NULL) {
		ctl_redis_attach(c->redis, &secret, h->tsc_hz);
		CTL_INFO("redis: loading the dialogs in Redis into the %s dataplane",
			d->owe_loaded ? "starting" : "running");
	} else if (d->owe_loaded) {
		/* a dataplane with redis.enabled and a control without: it must not wait for us */
		CTL_WARN("the dataplane waits for a load from Redis, but redis.enabled is false "
			 "here: telling it to start without");
	}
}

void
ctl_dlg_detached(struct ctl *c)
{
	struct ctl_dlg *d = &c->dlg;
	int i;

	if (c->redis != NULL)
		ctl_redis_detach(c->redis);
	d->owe_loaded = false;
	for (i = 0; i < CTL_DLG_QUERIES; i++) {
		struct ctl_dlg_query *q = &d->q[i];

		if (q->used && q->local == CTL_DLG_Q_WAIT) {
			q->local = CTL_DLG_Q_ERROR;
			snprintf(q->local_why, sizeof(q->local_why), "the dataplane left");
		}
	}
}

static int
send_loaded(struct ctl *c, uint64_t count, int32_t result)
{
	struct slb_ctl_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.type = SLB_CTL_REQ_LOADED;
	req.req_id = ++c->next_req_id;
	req.gen = count;
	req.result = result;
	rc = ctl_chan_send(&c->chan, &req);
	if (rc == 0)
		c->dlg.owe_loaded = false;
	return rc;
}

/* Send the leading PIN/UNPIN ops of pins[0..n) as one request: how many, or 0 (no room). */
static uint32_t
send_ops(struct ctl *c, const struct ctl_redis_pin *pins, uint32_t n)
{
	struct slb_ctl_req req;
	uint32_t k;

	memset(&req, 0, sizeof(req));
	req.type = SLB_CTL_REQ_DLG;
	req.req_id = ++c->next_req_id;
	for (k = 0; k < n && k < SLB_CTL_DLG_OPS && pins[k].kind == CTL_REDIS_PIN_OP; k++)
		req.dlg[k] = pins[k].op;
	req.nb_dlg = k;
	if (k == 0 || ctl_chan_send(&c->chan, &req) < 0)
		return 0;
	c->dlg.pins_sent += k;
	c->dlg.reqs_sent++;
	return k;
}

void
ctl_dlg_run(struct ctl *c)
{
	struct ctl_redis_pin pins[SLB_CTL_DLG_OPS];
	uint32_t n, k;

	if (!c->chan.attached)
		return;
	if (c->redis == NULL) {
		if (c->dlg.owe_loaded)
			send_loaded(c, 0, -ENOTSUP);
		return;
	}
	/* until the ring is full (a loading dataplane empties it in a tight loop) */
	for (;;) {
		n = ctl_redis_pins_peek(c->redis, pins, SLB_CTL_DLG_OPS);
		if (n == 0)
			return;
		if (pins[0].kind == CTL_REDIS_PIN_LOADED) {
			if (c->dlg.owe_loaded) {
				if (send_loaded(c, pins[0].count, pins[0].result) < 0)
					return; /* no room: the next pass */
				CTL_INFO("redis: %llu dialogs read in %.0f ms and sent: the "
					 "dataplane "
					 "may start (%s)",
					(unsigned long long)pins[0].count, pins[0].ms,
					pins[0].result == 0 ? "load complete"
							    : strerror(-pins[0].result));
			} else {
				CTL_INFO("redis: %llu dialogs read in %.0f ms and pinned in the "
					 "running dataplane (a live one wins over a pin)",
					(unsigned long long)pins[0].count, pins[0].ms);
			}
			ctl_redis_pins_drop(c->redis, 1);
			continue;
		}
		k = send_ops(c, pins, n);
		if (k == 0)
			return;
		ctl_redis_pins_drop(c->redis, k);
	}
}

static struct ctl_dlg_query *
query_of_req(struct ctl *c, uint32_t req_id)
{
	int i;

	for (i = 0; i < CTL_DLG_QUERIES; i++)
		if (c->dlg.q[i].used && c->dlg.q[i].local == CTL_DLG_Q_WAIT &&
			c->dlg.q[i].req_id == req_id)
			return &c->dlg.q[i];
	return NULL;
}

bool
ctl_dlg_on_event(struct ctl *c, const struct slb_ctl_evt *e)
{
	struct ctl_dlg_query *q;

	if (e->type == SLB_CTL_EVT_LOADED) {
		c->dlg.dp_loaded = true;
		c->dlg.dp_loaded_n = e->gen;
		c->dlg.dp_loaded_ms = (double)(ctl_now_ms() - c->dlg.attach_ms);
		CTL_INFO("the dataplane started with %llu dialogs pinned from Redis, %.0f ms after "
			 "we attached",
			(unsigned long long)e->gen, c->dlg.dp_loaded_ms);
		return true;
	}
	if (e->type != SLB_CTL_EVT_REPLY || (q = query_of_req(c, e->req_id)) == NULL)
		return false;
	if (e->result == 1) {
		q->local = CTL_DLG_Q_FOUND;
		q->be_id = e->be_id;
		q->state = (uint8_t)e->status;
	} else if (e->result == 0) {
		q->local = CTL_DLG_Q_NONE;
	} else {
		q->local = CTL_DLG_Q_ERROR;
		snprintf(q->local_why, sizeof(q->local_why), "the dataplane refused the lookup: %s",
			strerror(-e->result));
	}
	return true;
}

/* The dataplane's half: a LOOKUP alone in its request. */
static void
ask_local(struct ctl *c, struct ctl_dlg_query *q)
{
	struct slb_ctl_req req;

	if (!c->chan.attached || !c->dlg.have_key) {
		q->local = CTL_DLG_Q_ERROR;
		snprintf(q->local_why, sizeof(q->local_why), "siplb-dataplane is not running");
		return;
	}
	q->hash = slb_hash_callid(&c->dlg.hkey, q->callid, q->len);
	memset(&req, 0, sizeof(req));
	req.type = SLB_CTL_REQ_DLG;
	req.req_id = ++c->next_req_id;
	req.nb_dlg = 1;
	req.dlg[0].callid_hash = q->hash;
	req.dlg[0].op = SLB_CTL_DLG_LOOKUP;
	if (ctl_chan_send(&c->chan, &req) < 0) {
		q->local = CTL_DLG_Q_ERROR;
		snprintf(
			q->local_why, sizeof(q->local_why), "the dataplane's request ring is full");
		return;
	}
	q->req_id = req.req_id;
}

/* Redis's half: the writer's GET; a Call-ID we would never write cannot be there. */
static void
ask_redis(struct ctl *c, struct ctl_dlg_query *q)
{
	q->redis_id = -1;
	if (c->redis == NULL) {
		q->redis = CTL_DLG_Q_ERROR;
		snprintf(q->ra.error, sizeof(q->ra.error), "redis.enabled is false");
		return;
	}
	if (!ctl_redis_callid_ok(q->callid, q->len)) {
		q->redis = CTL_DLG_Q_NONE;
		snprintf(q->ra.error, sizeof(q->ra.error),
			"not a Call-ID that is written to Redis (longer than %d bytes, or a space "
			"or control character)",
			CTL_REDIS_CALLID_MAX);
		return;
	}
	q->redis_id = ctl_redis_query(c->redis, q->callid, q->len);
	if (q->redis_id < 0) {
		q->redis = CTL_DLG_Q_ERROR;
		snprintf(q->ra.error, sizeof(q->ra.error), "too many lookups at once");
	}
}

int
ctl_dlg_query(struct ctl *c, const char *callid, size_t len, char *err, size_t elen)
{
	struct ctl_dlg_query *q;
	int i;

	if (len == 0 || len > CTL_DLG_CALLID_MAX) {
		snprintf(err, elen, "\"callid\": 1 to %d bytes", CTL_DLG_CALLID_MAX);
		return -1;
	}
	for (i = 0; i < CTL_DLG_QUERIES && c->dlg.q[i].used; i++)
		;
	if (i == CTL_DLG_QUERIES) {
		snprintf(err, elen, "too many dialog lookups at once");
		return -1;
	}
	q = &c->dlg.q[i];
	memset(q, 0, sizeof(*q));
	q->used = true;
	q->len = (uint16_t)len;
	memcpy(q->callid, callid, len);
	ask_local(c, q);
	ask_redis(c, q);
	return i;
}

struct ctl_dlg_query *
ctl_dlg_query_poll(struct ctl *c, int slot, bool timed_out)
{
	struct ctl_dlg_query *q;

	if (slot < 0 || slot >= CTL_DLG_QUERIES || !c->dlg.q[slot].used)
		return NULL;
	q = &c->dlg.q[slot];
	if (q->redis == CTL_DLG_Q_WAIT && c->redis != NULL &&
		ctl_redis_query_result(c->redis, q->redis_id, &q->ra) == 1) {
		q->redis_id = -1;
		q->redis = q->ra.found == 1   ? CTL_DLG_Q_FOUND
			   : q->ra.found == 0 ? CTL_DLG_Q_NONE
					      : CTL_DLG_Q_ERROR;
	}
	if (q->local != CTL_DLG_Q_WAIT && q->redis != CTL_DLG_Q_WAIT)
		return q;
	if (!timed_out)
		return NULL;
	if (q->local == CTL_DLG_Q_WAIT) {
		q->local = CTL_DLG_Q_ERROR;
		snprintf(q->local_why, sizeof(q->local_why), "the dataplane did not answer");
	}
	if (q->redis == CTL_DLG_Q_WAIT) {
		q->redis = CTL_DLG_Q_ERROR;
		snprintf(q->ra.error, sizeof(q->ra.error), "Redis did not answer in time");
	}
	return q;
}

void
ctl_dlg_query_free(struct ctl *c, int slot)
{
	struct ctl_dlg_query *q;

	if (slot < 0 || slot >= CTL_DLG_QUERIES)
		return;
	q = &c->dlg.q[slot];
	if (q->redis_id >= 0 && c->redis != NULL)
		ctl_redis_query_cancel(c->redis, q->redis_id);
	q->used = false;
}
