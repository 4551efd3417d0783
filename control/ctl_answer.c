/* ctl_answer.c: siplbctl's requests (slb_mgmt.h) turned into control's functions and answers. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_answer.h"
#include "ctl_apply.h"
#include "ctl_log.h"
#include "ctl_reload.h"

/* Monotonic microseconds to the wall clock: answers give times as Unix seconds. */
static double
wall_of(const struct ctl *c, uint64_t mono_us)
{
	return c->started + ((double)mono_us - (double)c->started_us) / 1e6;
}

json_t *
ctl_answer_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
ip_json(uint32_t ip)
{
	char buf[16];

	return json_string(slb_cfg_ip_str(ip, buf));
}

static const char *
dp_name(const struct ctl_chan *ch)
{
	if (!ch->attached)
		return "absent";
	switch (ch->hdr->state) {
	case SLB_CTL_STARTING:
		return "starting";
	case SLB_CTL_RUNNING:
		return "running";
	case SLB_CTL_LOADING:
		return "loading";
	default:
		return "stopping";
	}
}

static json_t *
answer_status(struct ctl *c)
{
	const struct ctl_chan *ch = &c->chan;
	json_t *a = ok(), *dp;

	json_object_set_new(a, "control",
		json_pack("{s:I, s:f, s:s}", "pid", (json_int_t)c->pid, "started", c->started,
			"config", c->cfg_path));
	dp = json_pack("{s:s}", "state", dp_name(ch));
	if (ch->attached) {
		json_object_set_new(dp, "epoch", json_real((double)ch->hdr->epoch / 1e9));
		json_object_set_new(dp, "workers", json_integer(ch->nb_workers));
		json_object_set_new(dp, "heartbeat_age_ms",
			json_real(ctl_chan_heartbeat_age(ch, ctl_now_ms())));
		json_object_set_new(
			dp, "table_version", json_integer((json_int_t)c->ap.table_version));
		json_object_set_new(dp, "caller_ip", ip_json(ch->hdr->caller_ip));
		json_object_set_new(dp, "backend_ip", ip_json(ch->hdr->backend_ip));
		json_object_set_new(dp, "sip_port", json_integer(ch->hdr->sip_port));
	}
	json_object_set_new(a, "dataplane", dp);
	return a;
}

static json_t *
answer_backends(struct ctl *c)
{
	static struct slb_ctl_be_set cur;
	static struct slb_ctl_dlg_count dlg;
	bool have_cur = ctl_chan_read_cur(&c->chan, &cur) == 0;
	bool have_dlg = ctl_chan_read_dlg(&c->chan, &dlg) == 0;
	json_t *a = ok(), *list = json_array();
	uint32_t i, j;

	for (i = 0; i < c->nb_be; i++) {
		const struct ctl_be *be = &c->be[i];
		const struct ctl_health *h = &be->h;
		unsigned int dp = be->dp_state;
		json_t *o;

		if (have_cur) {
			dp = 0xff; /* not in the running table (yet) */
			for (j = 0; j < cur.nb_be; j++)
				if (cur.be[j].id == be->id)
					dp = cur.be[j].state;
		}
		o = json_pack("{s:I, s:s, s:o, s:I, s:I, s:s, s:s, s:f, s:f}", "id",
			(json_int_t)be->id, "name", be->name, "address", ip_json(be->ip), "port",
			(json_int_t)be->port, "weight", (json_int_t)be->weight, "state",
			ctl_state_name(h->state), "dataplane",
			dp == 0xff ? "absent" : ctl_dp_state_name(dp), "since",
			wall_of(c, h->since_us), "msgs_per_s", be->msgs_per_s);
		json_object_set_new(
			o, "rtt_ms", h->rtt_ms >= 0 ? json_real(h->rtt_ms) : json_null());
		json_object_set_new(o, "last_status",
			h->last_status >= 0 ? json_integer(h->last_status) : json_null());
		json_object_set_new(o, "probes_ok", json_integer((json_int_t)h->probes_ok));
		json_object_set_new(o, "probes_failed", json_integer((json_int_t)h->probes_failed));
		json_object_set_new(o, "fails_in_row", json_integer(h->fails_in_row));
		json_object_set_new(o, "oks_in_row", json_integer(h->oks_in_row));
		/* from the dataplane's last sweep (up to dialog.sweep_period seconds old) */
		json_object_set_new(o, "dialogs", have_dlg && be->id < SLB_STATS_BE_IDS ?
				json_integer(dlg.live[be->id]) : json_null());
		json_array_append_new(list, o);
	}
	json_object_set_new(a, "backends", list);
	return a;
}

static json_t *
num_or_null(bool have, double v)
{
	return have ? json_real(v) : json_null();
}

static void
set_u(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* The mirror's counts: dialogs Redis has from us and from the other instances. */
static json_t *
mirror_json(const struct ctl_redis_stats *st)
{
	json_t *o = json_object();
	uint32_t own = 0, other = 0, i;

	for (i = 1; i < 4; i++) {
		own += st->mirror[0][i];
		other += st->mirror[1][i];
	}
	set_u(o, "early", st->mirror[0][SLB_CTL_DLG_EARLY] + st->mirror[1][SLB_CTL_DLG_EARLY]);
	set_u(o, "answered",
		st->mirror[0][SLB_CTL_DLG_ANSWERED] + st->mirror[1][SLB_CTL_DLG_ANSWERED]);
	set_u(o, "confirmed",
		st->mirror[0][SLB_CTL_DLG_CONFIRMED] + st->mirror[1][SLB_CTL_DLG_CONFIRMED]);
	set_u(o, "own", own);
	set_u(o, "other", other);
	set_u(o, "capacity", st->mirror_capacity);
	set_u(o, "full", st->mirror_full);
	return o;
}

static json_t *
load_json(const struct ctl *c, const struct ctl_redis_stats *st)
{
	json_t *o = json_pack("{s:s}", "state",
		st->load_running ? "running" : st->load_done ? "done" : "none");

	if (!st->load_done)
		return o;
	set_u(o, "dialogs", st->loaded);
	json_object_set_new(o, "ms", json_real(st->load_ms));
	json_object_set_new(o, "result",
		json_string(st->load_result == 0 ? "ok" : strerror(-st->load_result)));
	set_u(o, "unreadable", st->load_bad);
	json_object_set_new(o, "dataplane_pinned",
		c->dlg.dp_loaded ? json_integer((json_int_t)c->dlg.dp_loaded_n) : json_null());
	return o;
}

static json_t *
redis_json(const struct ctl *c, const struct ctl_redis_stats *st)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:s}", "state", st->up ? "up" : "down",
		"master", st->master, "instance", st->instance, "since",
		wall_of(c, st->since_ms * 1000), "subscriber", st->sub_up ? "up" : "down");

	if (!st->up)
		json_object_set_new(o, "error", json_string(st->error));
	json_object_set_new(o, "lag_p50_ms", num_or_null(st->lag_n > 0, st->lag_p50_ms));
	json_object_set_new(o, "lag_p99_ms", num_or_null(st->lag_n > 0, st->lag_p99_ms));
	set_u(o, "lag_samples", st->lag_n);
	set_u(o, "written", st->written);
	set_u(o, "buffered", st->buffered);
	set_u(o, "buffer_size", st->buffer_size);
	set_u(o, "buffer_peak", st->peak);
	set_u(o, "lost", st->lost);
	set_u(o, "errors", st->errors);
	set_u(o, "skipped", st->skipped);
	set_u(o, "refreshed", st->refreshed);
	set_u(o, "restored", st->restored);
	set_u(o, "resyncs", st->resyncs);
	set_u(o, "resync_written", st->resync_written);
	set_u(o, "failovers", st->failovers);
	set_u(o, "published", st->published);
	set_u(o, "remote_events", st->remote_lines);
	set_u(o, "remote_bad", st->remote_bad);
	set_u(o, "pins_sent", c->dlg.pins_sent);
	set_u(o, "pins_dropped", st->pins_dropped);
	json_object_set_new(o, "load", load_json(c, st));
	return o;
}

static json_t *
answer_dialogs(struct ctl *c)
{
	const struct slb_stats_ctr *s = &c->sum;
	const struct slb_stats_hdr *h;
	struct ctl_redis_stats st;
	json_t *a;

	if ((!c->chan.attached || !c->sum_valid) && c->redis == NULL)
		return ctl_answer_error("siplb-dataplane is not running");
	if (c->chan.attached && c->sum_valid) {
		h = &c->chan.stats->hdr;
		a = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ok", 1, "live",
			(json_int_t)h->dlg_live, "slots", (json_int_t)h->dlg_slots, "created",
			(json_int_t)s->dlg_created, "confirmed", (json_int_t)s->dlg_confirmed,
			"ended", (json_int_t)s->dlg_ended, "expired", (json_int_t)s->dlg_expired,
			"full", (json_int_t)s->dlg_full, "by_hash", (json_int_t)s->dlg_by_hash);
	} else {
		/* Redis's side still speaks while the dataplane is away */
		a = json_pack("{s:b, s:s}", "ok", 1, "dataplane", "absent");
	}
	if (c->redis != NULL) {
		ctl_redis_snapshot(c->redis, &st);
		json_object_set_new(a, "mirror", mirror_json(&st));
		json_object_set_new(a, "redis", redis_json(c, &st));
	}
	return a;
}

static json_t *
answer_dialog(struct ctl *c, const json_t *req, uint64_t *ticket)
{
	const json_t *j = json_object_get(req, "callid");
	char err[160];
	int slot;

	if (!json_is_string(j))
		return ctl_answer_error("dialog: \"callid\": a string");
	slot = ctl_dlg_query(c, json_string_value(j), json_string_length(j), err, sizeof(err));
	if (slot < 0)
		return ctl_answer_error("dialog: %s", err);
	*ticket = CTL_DLG_TICKET | (uint64_t)slot;
	return NULL;
}

/* A query's answer: where the dataplane pins it, what Redis holds. */
static json_t *
dialog_json(struct ctl *c, const struct ctl_dlg_query *q)
{
	json_t *a = ok(), *o;
	struct ctl_redis_val v;
	struct ctl_be *be;
	char hash[20];

	json_object_set_new(a, "callid", json_stringn(q->callid, q->len));
	if (q->local != CTL_DLG_Q_ERROR) {
		snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)q->hash);
		json_object_set_new(a, "hash", json_string(hash));
	}
	if (q->local == CTL_DLG_Q_FOUND) {
		const char *st = ctl_redis_state_name(q->state);

		o = json_pack("{s:I, s:s}", "backend", (json_int_t)q->be_id, "state",
			st != NULL ? st : "unknown");
		if ((be = ctl_be_by_id(c, q->be_id)) != NULL)
			json_object_set_new(o, "name", json_string(be->name));
		json_object_set_new(a, "local", o);
	} else if (q->local == CTL_DLG_Q_NONE) {
		json_object_set_new(a, "local", json_null());
	} else {
		json_object_set_new(a, "local_error", json_string(q->local_why));
	}
	if (q->redis == CTL_DLG_Q_FOUND) {
		o = json_pack("{s:s, s:I}", "value", q->ra.value, "ttl_s", (json_int_t)q->ra.ttl_s);
		if (ctl_redis_value_parse(q->ra.value, strlen(q->ra.value), &v) == 0) {
			json_object_set_new(o, "backend", json_integer(v.be_id));
			json_object_set_new(o, "state", json_string(ctl_redis_state_name(v.state)));
			json_object_set_new(o, "instance", json_stringn(v.owner, v.owner_len));
		}
		json_object_set_new(a, "redis", o);
	} else if (q->redis == CTL_DLG_Q_NONE) {
		json_object_set_new(a, "redis", json_null());
		if (q->ra.error[0] != '\0')
			json_object_set_new(a, "redis_note", json_string(q->ra.error));
	} else {
		json_object_set_new(a, "redis_error", json_string(q->ra.error));
	}
	return a;
}

static json_t *
answer_stats(struct ctl *c)
{
	const struct slb_stats_ctr *s = &c->sum;
	json_t *a, *ctr = json_object(), *drop = json_object(), *fwd = json_object();
	unsigned int i;

	if (!c->chan.attached || !c->sum_valid)
		return ctl_answer_error("siplb-dataplane is not running");
	for (i = 0; i < SLB_STATS_NB_FIELDS; i++)
		json_object_set_new(ctr, slb_stats_fields[i].name,
			json_integer((json_int_t) * (const uint64_t *)((const char *)s +
								       slb_stats_fields[i].off)));
	for (i = 0; i < SLB_STATS_DROP__COUNT; i++)
		json_object_set_new(
			drop, slb_stats_drop_name(i), json_integer((json_int_t)s->drop[i]));
	for (i = 0; i < SLB_STATS_FWD_DROP_NAMED; i++)
		json_object_set_new(
			fwd, slb_stats_fwd_drop_name(i), json_integer((json_int_t)s->fwd_drop[i]));
	a = ok();
	json_object_set_new(a, "epoch", json_real((double)c->chan.hdr->epoch / 1e9));
	json_object_set_new(a, "counters", ctr);
	json_object_set_new(a, "drops", drop);
	json_object_set_new(a, "fwd_drops", fwd);
	return a;
}

/* An unsigned integer member, or def when absent. -1: present but not an integer in range. */
static int
get_uint(const json_t *req, const char *key, uint32_t def, uint32_t max, uint32_t *out)
{
	const json_t *v = json_object_get(req, key);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return -1;
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static json_t *
backend_add(struct ctl *c, const json_t *req, uint64_t *ticket)
{
	const char *addr = json_string_value(json_object_get(req, "address"));
	const char *name = json_string_value(json_object_get(req, "name"));
	uint32_t id, port, weight;
	struct in_addr in;
	char def[SLB_CTL_NAME_LEN], err[256];

	if (json_object_get(req, "id") == NULL)
		return ctl_answer_error("backend add: \"id\" is missing");
	if (get_uint(req, "id", 0, SLB_BE_ID_MAX - 1, &id) < 0)
		return ctl_answer_error("backend add: \"id\": an integer 0..%d", SLB_BE_ID_MAX - 1);
	if (addr == NULL || inet_pton(AF_INET, addr, &in) != 1)
		return ctl_answer_error("backend add: \"address\": an IPv4 address a.b.c.d");
	if (get_uint(req, "port", 5060, 65535, &port) < 0 || port == 0)
		return ctl_answer_error("backend add: \"port\": an integer 1..65535");
	if (get_uint(req, "weight", 100, 65535, &weight) < 0)
		return ctl_answer_error("backend add: \"weight\": an integer 0..65535");
	if (json_object_get(req, "name") != NULL && name == NULL)
		return ctl_answer_error("backend add: \"name\": a string");
	if (name == NULL) {
		snprintf(def, sizeof(def), "be%u", id);
		name = def;
	}
	if (ctl_be_add(c, id, ntohl(in.s_addr), port, weight, name, ctl_now_us(), err,
		    sizeof(err)) < 0)
		return ctl_answer_error("backend add: %s", err);
	CTL_INFO("backend %u (%s) %s:%u weight %u added by siplbctl", id, name, addr, port, weight);
	*ticket = c->ap.want;
	return NULL;
}

static json_t *
answer_backend(struct ctl *c, const json_t *req, uint64_t *ticket)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	const json_t *jname = json_object_get(req, "name");
	struct ctl_be *be;
	uint32_t id, weight;
	char err[256];

	if (action == NULL)
		return ctl_answer_error(
			"backend: \"action\" is missing: add, remove, drain, enable, "
			"disable or weight");
	if (strcmp(action, "add") == 0)
		return backend_add(c, req, ticket);
	if (strcmp(action, "remove") != 0 && strcmp(action, "drain") != 0 &&
		strcmp(action, "enable") != 0 && strcmp(action, "disable") != 0 &&
		strcmp(action, "weight") != 0)
		return ctl_answer_error("backend: unknown action '%s': add, remove, drain, enable, "
					"disable or weight",
			action);
	if (json_object_get(req, "id") != NULL) {
		if (get_uint(req, "id", 0, SLB_BE_ID_MAX - 1, &id) < 0)
			return ctl_answer_error(
				"backend %s: \"id\": an integer 0..%d", action, SLB_BE_ID_MAX - 1);
		if ((be = ctl_be_by_id(c, id)) == NULL)
			return ctl_answer_error("backend %s: no backend %u", action, id);
	} else if (json_is_string(jname)) {
		if ((be = ctl_be_by_name(c, json_string_value(jname))) == NULL)
			return ctl_answer_error("backend %s: no backend named '%s'", action,
				json_string_value(jname));
	} else {
		return ctl_answer_error(
			"backend %s: name the backend by \"id\" or \"name\"", action);
	}
	id = be->id;
	if (strcmp(action, "remove") == 0) {
		ctl_be_remove(c, be);
	} else if (strcmp(action, "drain") == 0) {
		ctl_be_set_admin(c, be, CTL_ADMIN_DRAIN, ctl_now_us());
	} else if (strcmp(action, "enable") == 0) {
		ctl_be_set_admin(c, be, CTL_ADMIN_NONE, ctl_now_us());
	} else if (strcmp(action, "disable") == 0) {
		ctl_be_set_admin(c, be, CTL_ADMIN_DISABLE, ctl_now_us());
	} else {
		if (json_object_get(req, "weight") == NULL ||
			get_uint(req, "weight", 0, 65535, &weight) < 0)
			return ctl_answer_error("backend weight: \"weight\": an integer 0..65535");
		if (ctl_be_set_weight(c, be, weight, err, sizeof(err)) < 0)
			return ctl_answer_error("backend weight: %s", err);
	}
	CTL_INFO("backend %u: %s by siplbctl", id, action);
	*ticket = c->ap.want;
	return NULL;
}

json_t *
ctl_answer(struct ctl *c, const char *req, size_t len, uint64_t *ticket)
{
	json_error_t jerr;
	json_t *r, *a;
	const char *cmd;
	char err[512];

	*ticket = 0;
	r = json_loadb(req, len, JSON_DISABLE_EOF_CHECK, &jerr);
	if (r == NULL)
		return ctl_answer_error("bad request: %s", jerr.text);
	if (!json_is_object(r)) {
		json_decref(r);
		return ctl_answer_error("bad request: expected a JSON object");
	}
	cmd = json_string_value(json_object_get(r, "cmd"));
	if (cmd == NULL)
		a = ctl_answer_error("bad request: \"cmd\" is missing");
	else if (strcmp(cmd, "status") == 0)
		a = answer_status(c);
	else if (strcmp(cmd, "backends") == 0)
		a = answer_backends(c);
	else if (strcmp(cmd, "backend") == 0)
		a = answer_backend(c, r, ticket);
	else if (strcmp(cmd, "dialogs") == 0)
		a = answer_dialogs(c);
	else if (strcmp(cmd, "dialog") == 0)
		a = answer_dialog(c, r, ticket);
	else if (strcmp(cmd, "stats") == 0)
		a = answer_stats(c);
	else if (strcmp(cmd, "reload") == 0) {
		if (ctl_reload(c, err, sizeof(err)) < 0) {
			a = ctl_answer_error("%s", err);
		} else {
			a = NULL;
			*ticket = c->ap.want;
		}
	} else
		a = ctl_answer_error("unknown cmd '%s': status, backends, backend, dialogs, "
				     "dialog, stats or reload",
			cmd);
	json_decref(r);
	return a;
}

json_t *
ctl_answer_wait(struct ctl *c, uint64_t ticket, bool timed_out)
{
	struct ctl_dlg_query *q;
	json_t *a;

	if (ticket & CTL_DLG_TICKET) {
		int slot = (int)(ticket & ~CTL_DLG_TICKET);

		if ((q = ctl_dlg_query_poll(c, slot, timed_out)) == NULL)
			return timed_out ? ctl_answer_error("dialog: the lookup was lost") : NULL;
		a = dialog_json(c, q);
		ctl_dlg_query_free(c, slot);
		return a;
	}

	if (c->ap.done >= ticket) {
		a = ok();
		json_object_set_new(
			a, "table_version", json_integer((json_int_t)c->ap.table_version));
		return a;
	}
	if (c->ap.refused >= ticket)
		return ctl_answer_error("%s", c->ap.refused_why);
	if (timed_out)
		return ctl_answer_error(c->chan.attached
						? "dataplane did not answer"
						: "dataplane did not answer (it is not running: "
						  "control keeps the change and "
						  "gives it to the dataplane when it starts)");
	return NULL;
}
