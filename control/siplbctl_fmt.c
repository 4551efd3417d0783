/* siplbctl_fmt.c: siplb-control's answers (slb_mgmt.h) as tables and lines for an operator. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "siplbctl.h"
#include "slb_stats.h"

#define CELL 96

void
slbctl_buf_printf(struct slbctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap != 0 ? b->cap : 1024;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->err = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void
slbctl_buf_reset(struct slbctl_buf *b)
{
	b->len = 0;
	b->err = false;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void
slbctl_buf_free(struct slbctl_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void
slbctl_fmt_duration(double secs, char *out, size_t n)
{
	uint64_t s = secs > 0 ? (uint64_t)secs : 0;

	if (s < 60)
		snprintf(out, n, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, n, "%" PRIu64 "m", s / 60);
	else if (s < 86400)
		snprintf(out, n, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, n, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
}

/* A time of day when within a day of now, else the date too; local time. */
static void
fmt_time(double t, double now, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	double d = now - t;

	if (localtime_r(&tt, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	strftime(out, n, d > -86400 && d < 86400 ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
}

/* "12m ago (17:24:10)" */
static void
fmt_since(double t, double now, char *out, size_t n)
{
	char d[32], at[32];

	slbctl_fmt_duration(now - t, d, sizeof(d));
	fmt_time(t, now, at, sizeof(at));
	snprintf(out, n, "%s ago (%s)", d, at);
}

static bool
get_num(const json_t *o, const char *k, double *v)
{
	const json_t *j = json_object_get(o, k);

	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}

/* Copy a string of the answer with control characters made harmless for a terminal. */
static void
safe_copy(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		out[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

/* A string member, "-" when absent or not a string. */
static void
str_cell(const json_t *o, const char *k, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));

	safe_copy(s != NULL ? s : "-", out, n);
}

/* An integer member exactly (counters exceed 2^53), a real rounded; "-" when absent or null. */
static void
int_cell(const json_t *o, const char *k, char *out, size_t n)
{
	const json_t *j = json_object_get(o, k);

	if (json_is_integer(j))
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
	else if (json_is_real(j))
		snprintf(out, n, "%.0f", json_real_value(j));
	else
		snprintf(out, n, "-");
}

/* ---- backends ---- */

enum { C_ID, C_NAME, C_ADDR, C_WEIGHT, C_STATE, C_DP, C_DLG, C_RATE, C_RTT, C_SINCE, NB_COLS };

static const struct {
	const char *title;
	bool right;
} be_cols[NB_COLS] = {
	[C_ID] = {"ID", true},         [C_NAME] = {"NAME", false},
	[C_ADDR] = {"ADDRESS", false}, [C_WEIGHT] = {"WEIGHT", true},
	[C_STATE] = {"STATE", false},  [C_DP] = {"DATAPLANE", false},
	[C_DLG] = {"DIALOGS", true},   [C_RATE] = {"MSGS/S", true},
	[C_RTT] = {"RTT", true},       [C_SINCE] = {"SINCE", false},
};

static void
be_cell(const json_t *be, int c, double now, char *out, size_t n)
{
	char addr[32];
	double v;

	switch (c) {
	case C_ID:
		int_cell(be, "id", out, n);
		break;
	case C_NAME:
		str_cell(be, "name", out, n);
		break;
	case C_ADDR:
		str_cell(be, "address", addr, sizeof(addr));
		if (get_num(be, "port", &v))
			snprintf(out, n, "%s:%.0f", addr, v);
		else
			snprintf(out, n, "%s", addr);
		break;
	case C_WEIGHT:
		int_cell(be, "weight", out, n);
		break;
	case C_STATE:
		str_cell(be, "state", out, n);
		break;
	case C_DP:
		str_cell(be, "dataplane", out, n);
		break;
	case C_DLG:
		int_cell(be, "dialogs", out, n);
		break;
	case C_RATE:
		if (get_num(be, "msgs_per_s", &v))
			snprintf(out, n, "%.1f", v);
		else
			snprintf(out, n, "-");
		break;
	case C_RTT:
		if (get_num(be, "rtt_ms", &v))
			snprintf(out, n, "%.2f ms", v);
		else
			snprintf(out, n, "-");
		break;
	case C_SINCE:
		if (get_num(be, "since", &v))
			fmt_since(v, now, out, n);
		else
			snprintf(out, n, "-");
		break;
	default:
		out[0] = '\0';
	}
}

static void
be_row(struct slbctl_buf *b, const int *w, const char *const *cells)
{
	int c;

	for (c = 0; c < NB_COLS; c++) {
		if (c == NB_COLS - 1)
			slbctl_buf_printf(b, "%s", cells[c]);
		else
			slbctl_buf_printf(b, be_cols[c].right ? "%*s  " : "%-*s  ", w[c], cells[c]);
	}
	slbctl_buf_printf(b, "\n");
}

/* "3 backends: 2 up, 1 down": the states in the order they first appear. */
static void
be_summary(struct slbctl_buf *b, const json_t *list)
{
	const char *states[8];
	unsigned int count[8], nb = 0, i;
	size_t k;
	const json_t *be;

	json_array_foreach(list, k, be) {
		const char *s = json_string_value(json_object_get(be, "state"));

		if (s == NULL)
			s = "-";
		for (i = 0; i < nb && strcmp(states[i], s) != 0; i++)
			;
		if (i == nb) {
			if (nb == 8)
				continue;
			states[nb] = s;
			count[nb++] = 0;
		}
		count[i]++;
	}
	slbctl_buf_printf(b, "%zu backend%s", json_array_size(list),
		json_array_size(list) == 1 ? "" : "s");
	for (i = 0; i < nb; i++) {
		char st[32];

		safe_copy(states[i], st, sizeof(st));
		slbctl_buf_printf(b, "%s %u %s", i == 0 ? ":" : ",", count[i], st);
	}
	slbctl_buf_printf(b, "\n");
}

int
slbctl_fmt_backends(struct slbctl_buf *b, const json_t *ans, double now)
{
	const json_t *list = json_object_get(ans, "backends"), *be;
	char cells[NB_COLS][CELL];
	const char *ptr[NB_COLS];
	int w[NB_COLS], c;
	size_t i;

	if (!json_is_array(list))
		return -1;
	if (json_array_size(list) == 0) {
		slbctl_buf_printf(b, "no backends\n");
		return 0;
	}
	for (c = 0; c < NB_COLS; c++) {
		w[c] = (int)strlen(be_cols[c].title);
		ptr[c] = cells[c];
	}
	/* twice over the rows: the widths, then the lines */
	json_array_foreach(list, i, be) {
		for (c = 0; c < NB_COLS; c++) {
			be_cell(be, c, now, cells[c], CELL);
			if ((int)strlen(cells[c]) > w[c])
				w[c] = (int)strlen(cells[c]);
		}
	}
	for (c = 0; c < NB_COLS; c++)
		ptr[c] = be_cols[c].title;
	be_row(b, w, ptr);
	for (c = 0; c < NB_COLS; c++)
		ptr[c] = cells[c];
	json_array_foreach(list, i, be) {
		for (c = 0; c < NB_COLS; c++)
			be_cell(be, c, now, cells[c], CELL);
		be_row(b, w, ptr);
	}
	be_summary(b, list);
	return 0;
}

/* ---- status ---- */

int
slbctl_fmt_status(struct slbctl_buf *b, const json_t *ans, double now)
{
	const json_t *ctl = json_object_get(ans, "control");
	const json_t *dp = json_object_get(ans, "dataplane");
	char s1[CELL], s2[CELL], s3[CELL];
	double v;

	if (!json_is_object(ctl) && !json_is_object(dp))
		return -1;

	if (json_is_object(ctl)) {
		int_cell(ctl, "pid", s1, sizeof(s1));
		slbctl_buf_printf(b, "control:    pid %s", s1);
		if (get_num(ctl, "started", &v)) {
			slbctl_fmt_duration(now - v, s2, sizeof(s2));
			fmt_time(v, now, s3, sizeof(s3));
			slbctl_buf_printf(b, ", up %s (since %s)", s2, s3);
		}
		str_cell(ctl, "config", s1, sizeof(s1));
		slbctl_buf_printf(b, ", config %s\n", s1);
	} else {
		slbctl_buf_printf(b, "control:    -\n");
	}

	str_cell(dp, "state", s1, sizeof(s1));
	if (!json_is_object(dp) || strcmp(s1, "absent") == 0) {
		slbctl_buf_printf(b, "dataplane:  absent (siplb-control waits for it)\n");
		return 0;
	}
	int_cell(dp, "workers", s2, sizeof(s2));
	slbctl_buf_printf(b, "dataplane:  %s, %s workers", s1, s2);
	if (get_num(dp, "epoch", &v)) {
		slbctl_fmt_duration(now - v, s2, sizeof(s2));
		fmt_time(v, now, s3, sizeof(s3));
		slbctl_buf_printf(b, ", up %s (since %s)", s2, s3);
	}
	slbctl_buf_printf(b, "\n");
	if (get_num(dp, "heartbeat_age_ms", &v))
		slbctl_buf_printf(b, "            heartbeat %.0f ms ago", v);
	else
		slbctl_buf_printf(b, "            heartbeat -");
	int_cell(dp, "table_version", s1, sizeof(s1));
	slbctl_buf_printf(b, ", backend table version %s\n", s1);
	str_cell(dp, "caller_ip", s1, sizeof(s1));
	str_cell(dp, "backend_ip", s2, sizeof(s2));
	int_cell(dp, "sip_port", s3, sizeof(s3));
	slbctl_buf_printf(b, "            caller side %s, backend side %s, SIP port %s\n", s1, s2,
		s3);
	return 0;
}

/* ---- dialogs ---- */

static const struct {
	const char *key;
	const char *what;
} dlg_rows[] = {
	{"live", "dialogs in the table now"},
	{"slots", "slots in the table"},
	{"created", "created by an initial INVITE"},
	{"confirmed", "confirmed by a 2xx"},
	{"ended", "ended (BYE, or the INVITE failed)"},
	{"expired", "expired by the idle sweep"},
	{"full", "new calls routed by hash: table full"},
	{"by_hash", "mid-dialog requests without a dialog, routed by hash"},
};

/* "12" from an integer member, "-" when absent (a short name for the Redis lines). */
static const char *
n_of(const json_t *o, const char *k, char *out)
{
	int_cell(o, k, out, CELL);
	return out;
}

/* A duration in ms: "0.42 ms", "-" when absent or null. */
static const char *
ms_of(const json_t *o, const char *k, char *out)
{
	double v;

	if (get_num(o, k, &v))
		snprintf(out, CELL, v < 10 ? "%.2f ms" : "%.0f ms", v);
	else
		snprintf(out, CELL, "-");
	return out;
}

static void
fmt_mirror(struct slbctl_buf *b, const json_t *m)
{
	char c1[CELL], c2[CELL], c3[CELL], c4[CELL], c5[CELL], c6[CELL];
	double own = 0, other = 0;

	get_num(m, "own", &own);
	get_num(m, "other", &other);
	slbctl_buf_printf(b,
		"\nmirror     %.0f dialogs for Redis: early %s, answered %s, confirmed %s\n",
		own + other, n_of(m, "early", c1), n_of(m, "answered", c2),
		n_of(m, "confirmed", c3));
	slbctl_buf_printf(b, "           ours %s, other instances' %s; capacity %s (full: %s not "
			     "kept)\n",
		n_of(m, "own", c4), n_of(m, "other", c5), n_of(m, "capacity", c6),
		n_of(m, "full", c1));
}

static void
fmt_load(struct slbctl_buf *b, const json_t *l)
{
	char st[CELL], c1[CELL], c2[CELL], c3[CELL], c4[CELL];

	str_cell(l, "state", st, sizeof(st));
	if (strcmp(st, "done") != 0) {
		slbctl_buf_printf(b, "           last load: %s\n",
			strcmp(st, "running") == 0 ? "running" : "none yet");
		return;
	}
	str_cell(l, "result", c3, sizeof(c3));
	slbctl_buf_printf(b, "           last load: %s dialogs in %s (%s), %s keys unreadable",
		n_of(l, "dialogs", c1), ms_of(l, "ms", c2), c3, n_of(l, "unreadable", c4));
	if (json_is_number(json_object_get(l, "dataplane_pinned")))
		slbctl_buf_printf(b, "; the dataplane pinned %s", n_of(l, "dataplane_pinned", c1));
	slbctl_buf_printf(b, "\n");
}

static void
fmt_redis(struct slbctl_buf *b, const json_t *r, double now)
{
	char st[CELL], m[CELL], in[CELL], sub[CELL], since[CELL], err[CELL];
	char c1[CELL], c2[CELL], c3[CELL], c4[CELL], c5[CELL];
	double t;

	str_cell(r, "state", st, sizeof(st));
	str_cell(r, "master", m, sizeof(m));
	str_cell(r, "instance", in, sizeof(in));
	str_cell(r, "subscriber", sub, sizeof(sub));
	if (get_num(r, "since", &t))
		fmt_since(t, now, since, sizeof(since));
	else
		snprintf(since, sizeof(since), "-");
	slbctl_buf_printf(b, "redis      %s, master %s, since %s\n", st, m, since);
	if (strcmp(st, "up") != 0) {
		str_cell(r, "error", err, sizeof(err));
		slbctl_buf_printf(b, "           why: %s\n", err);
	}
	slbctl_buf_printf(b, "           instance %s, subscriber %s\n", in, sub);
	slbctl_buf_printf(b,
		"           lag p50 %s, p99 %s (%s writes in the last second with any)\n",
		ms_of(r, "lag_p50_ms", c1), ms_of(r, "lag_p99_ms", c2), n_of(r, "lag_samples", c3));
	slbctl_buf_printf(b, "           written %s, buffered %s of %s (peak %s), lost %s\n",
		n_of(r, "written", c1), n_of(r, "buffered", c2), n_of(r, "buffer_size", c3),
		n_of(r, "buffer_peak", c4), n_of(r, "lost", c5));
	slbctl_buf_printf(b, "           refused by Redis %s, not writable (Call-ID) %s\n",
		n_of(r, "errors", c1), n_of(r, "skipped", c2));
	slbctl_buf_printf(b, "           TTLs refreshed %s (keys gone, written again %s)\n",
		n_of(r, "refreshed", c1), n_of(r, "restored", c2));
	slbctl_buf_printf(b, "           resyncs %s (%s dialogs written again), failovers %s\n",
		n_of(r, "resyncs", c1), n_of(r, "resync_written", c2), n_of(r, "failovers", c3));
	slbctl_buf_printf(b, "           published %s, from other instances %s (refused %s), "
			     "pins sent %s (dropped %s)\n",
		n_of(r, "published", c1), n_of(r, "remote_events", c2), n_of(r, "remote_bad", c3),
		n_of(r, "pins_sent", c4), n_of(r, "pins_dropped", c5));
	if (json_is_object(json_object_get(r, "load")))
		fmt_load(b, json_object_get(r, "load"));
}

int
slbctl_fmt_dialogs(struct slbctl_buf *b, const json_t *ans, double now)
{
	const size_t nb = sizeof(dlg_rows) / sizeof(dlg_rows[0]);
	const json_t *mirror = json_object_get(ans, "mirror");
	const json_t *redis = json_object_get(ans, "redis");
	char v[CELL];
	double live, slots;
	const char *key;
	const json_t *val;
	size_t i;
	int found = 0;

	for (i = 0; i < nb; i++)
		found += json_is_number(json_object_get(ans, dlg_rows[i].key));
	if (found == 0 && !json_is_object(redis))
		return -1;
	if (found == 0)
		slbctl_buf_printf(b, "dataplane  absent (its table's figures when it runs)\n");
	for (i = 0; i < nb && found > 0; i++) {
		int_cell(ans, dlg_rows[i].key, v, sizeof(v));
		slbctl_buf_printf(b, "%-10s %12s  %s", dlg_rows[i].key, v, dlg_rows[i].what);
		if (i == 0 && get_num(ans, "live", &live) && get_num(ans, "slots", &slots) &&
		    slots > 0)
			slbctl_buf_printf(b, " (%.1f%% of the slots)", 100.0 * live / slots);
		slbctl_buf_printf(b, "\n");
	}
	/* what a newer siplb-control adds */
	json_object_foreach((json_t *)ans, key, val) {
		char k[64];

		if (strcmp(key, "ok") == 0 || !json_is_number(val))
			continue;
		for (i = 0; i < nb && strcmp(dlg_rows[i].key, key) != 0; i++)
			;
		if (i < nb)
			continue;
		safe_copy(key, k, sizeof(k));
		int_cell(ans, key, v, sizeof(v));
		slbctl_buf_printf(b, "%-10s %12s\n", k, v);
	}
	if (json_is_object(mirror))
		fmt_mirror(b, mirror);
	if (json_is_object(redis))
		fmt_redis(b, redis, now);
	return 0;
}

/* ---- dialog CALLID ---- */

int
slbctl_fmt_dialog(struct slbctl_buf *b, const json_t *ans)
{
	const json_t *loc = json_object_get(ans, "local"), *red = json_object_get(ans, "redis");
	char cid[CELL * 2], c1[CELL], c2[CELL], c3[CELL], c4[CELL];
	const char *s;

	if (!json_is_string(json_object_get(ans, "callid")))
		return -1;
	safe_copy(json_string_value(json_object_get(ans, "callid")), cid, sizeof(cid));
	slbctl_buf_printf(b, "Call-ID    %s", cid);
	if ((s = json_string_value(json_object_get(ans, "hash"))) != NULL) {
		safe_copy(s, c1, sizeof(c1));
		slbctl_buf_printf(b, " (hash %s)", c1);
	}
	slbctl_buf_printf(b, "\n");
	if (json_is_object(loc)) {
		str_cell(loc, "state", c2, sizeof(c2));
		slbctl_buf_printf(b, "local      backend %s", n_of(loc, "backend", c1));
		if ((s = json_string_value(json_object_get(loc, "name"))) != NULL) {
			safe_copy(s, c3, sizeof(c3));
			slbctl_buf_printf(b, " (%s)", c3);
		}
		slbctl_buf_printf(b, ", %s\n", c2);
	} else if (json_is_null(loc)) {
		slbctl_buf_printf(
			b, "local      not in the dataplane's table (it goes by the hash)\n");
	} else {
		str_cell(ans, "local_error", c1, sizeof(c1));
		slbctl_buf_printf(b, "local      unknown: %s\n", c1);
	}
	if (json_is_object(red)) {
		if (json_is_string(json_object_get(red, "state"))) {
			str_cell(red, "state", c2, sizeof(c2));
			str_cell(red, "instance", c3, sizeof(c3));
			slbctl_buf_printf(b,
				"redis      backend %s, %s, owned by %s, expires in %s s\n",
				n_of(red, "backend", c1), c2, c3, n_of(red, "ttl_s", c4));
		} else {
			str_cell(red, "value", c1, sizeof(c1));
			slbctl_buf_printf(b, "redis      a value this siplbctl cannot read: '%s'\n",
				c1);
		}
	} else if (json_is_null(red)) {
		slbctl_buf_printf(b, "redis      no key");
		if ((s = json_string_value(json_object_get(ans, "redis_note"))) != NULL) {
			safe_copy(s, c1, sizeof(c1));
			slbctl_buf_printf(b, ": %s", c1);
		}
		slbctl_buf_printf(b, "\n");
	} else {
		str_cell(ans, "redis_error", c1, sizeof(c1));
		slbctl_buf_printf(b, "redis      unknown: %s\n", c1);
	}
	return 0;
}

/* ---- stats ---- */

static const char *
counter_help(const char *name)
{
	size_t i;

	for (i = 0; i < SLB_STATS_NB_FIELDS; i++)
		if (strcmp(slb_stats_fields[i].name, name) == 0)
			return slb_stats_fields[i].help;
	return "";
}

/* now - before, exact on integers (counters pass 2^53); -1 when unknown or it went back. */
static double
delta(const json_t *now, const json_t *before)
{
	if (json_is_integer(now) && json_is_integer(before))
		return json_integer_value(now) >= json_integer_value(before) ?
			(double)(json_integer_value(now) - json_integer_value(before)) : -1;
	if (json_is_number(now) && json_is_number(before) &&
	    json_number_value(now) >= json_number_value(before))
		return json_number_value(now) - json_number_value(before);
	return -1;
}

/* One pass over the counters: the widths first (print false), then the lines. */
struct stats_pass {
	struct slbctl_buf *b;
	double dt;
	bool all;
	bool print;
	int wname, wval;
	int zero, shown;
};

/* The numbers of obj, named "sec.name" (sec NULL: the counters of slb_stats.h, by name). */
static void
stats_obj(struct stats_pass *x, const char *sec, const json_t *obj, const json_t *pobj)
{
	const char *key;
	const json_t *val;
	char v[CELL], k[CELL];

	json_object_foreach((json_t *)obj, key, val) {
		bool is_zero;

		if (!json_is_number(val))
			continue;
		snprintf(v, sizeof(v), "%s%s%s", sec != NULL ? sec : "", sec != NULL ? "." : "",
			key);
		safe_copy(v, k, sizeof(k));
		int_cell(obj, key, v, sizeof(v));
		if (!x->print) {
			if ((int)strlen(k) > x->wname)
				x->wname = (int)strlen(k) < 48 ? (int)strlen(k) : 48;
			if ((int)strlen(v) > x->wval)
				x->wval = (int)strlen(v);
			continue;
		}
		is_zero = json_is_integer(val) ? json_integer_value(val) == 0 :
			json_number_value(val) == 0;
		if (is_zero && !x->all) {
			x->zero++;
			continue;
		}
		x->shown++;
		slbctl_buf_printf(x->b, "%-*s %*s", x->wname, k, x->wval, v);
		if (pobj != NULL) {
			double d = delta(val, json_object_get(pobj, key));

			if (d >= 0 && x->dt > 0)
				slbctl_buf_printf(x->b, " %10.1f/s", d / x->dt);
			else
				slbctl_buf_printf(x->b, " %10s  ", "-");
		}
		if (sec == NULL)
			slbctl_buf_printf(x->b, "  %s\n", counter_help(key));
		else
			slbctl_buf_printf(x->b, "\n");
	}
}

/* "counters", then every other object of numbers the answer has (e.g. drops by reason). */
static void
stats_sections(struct stats_pass *x, const json_t *ans, const json_t *prev)
{
	const json_t *val;
	const char *key;

	stats_obj(x, NULL, json_object_get(ans, "counters"),
		prev != NULL ? json_object_get(prev, "counters") : NULL);
	json_object_foreach((json_t *)ans, key, val) {
		if (strcmp(key, "counters") != 0 && json_is_object(val))
			stats_obj(x, key, val, prev != NULL ? json_object_get(prev, key) : NULL);
	}
}

int
slbctl_fmt_stats(struct slbctl_buf *b, const json_t *ans, const json_t *prev, double dt,
	bool all)
{
	struct stats_pass x = {b, dt, all, false, 7, 5, 0, 0};
	double t;
	char v[CELL];

	if (!json_is_object(json_object_get(ans, "counters")))
		return -1;
	stats_sections(&x, ans, prev);
	if (get_num(ans, "epoch", &t)) {
		fmt_time(t, t, v, sizeof(v));
		slbctl_buf_printf(b, "counters of the dataplane started at %s\n", v);
	}
	x.print = true;
	stats_sections(&x, ans, prev);
	if (x.shown == 0 && x.zero == 0)
		slbctl_buf_printf(b, "no counters\n");
	else if (x.zero > 0)
		slbctl_buf_printf(b, "(%d counter%s at zero: --all shows %s)\n", x.zero,
			x.zero == 1 ? "" : "s", x.zero == 1 ? "it" : "them");
	return 0;
}

/* ---- changes ---- */

int
slbctl_fmt_change(struct slbctl_buf *b, const struct slbctl_args *a, const json_t *ans)
{
	static const char *const done[SLBCTL__COUNT] = {
		[SLBCTL_BE_ADD] = "added", [SLBCTL_BE_REMOVE] = "removed",
		[SLBCTL_BE_DRAIN] = "draining", [SLBCTL_BE_ENABLE] = "enabled",
		[SLBCTL_BE_DISABLE] = "disabled", [SLBCTL_BE_WEIGHT] = "weight set",
	};
	char v[CELL];

	if (a->cmd == SLBCTL_RELOAD) {
		slbctl_buf_printf(b, "config reloaded");
	} else if (a->cmd >= SLBCTL_BE_ADD && a->cmd < SLBCTL__COUNT) {
		if (a->by_name)
			slbctl_buf_printf(b, "backend %s %s", a->name, done[a->cmd]);
		else
			slbctl_buf_printf(b, "backend %u %s", a->id, done[a->cmd]);
		if (a->cmd == SLBCTL_BE_WEIGHT)
			slbctl_buf_printf(b, " to %u", a->weight);
	} else {
		return -1;
	}
	if (json_is_number(json_object_get(ans, "table_version"))) {
		int_cell(ans, "table_version", v, sizeof(v));
		slbctl_buf_printf(b, ": the dataplane runs table version %s", v);
	}
	slbctl_buf_printf(b, "\n");
	return 0;
}

int
slbctl_fmt_answer(struct slbctl_buf *b, const struct slbctl_args *a, const json_t *ans,
	const json_t *prev, double dt, double now)
{
	switch (a->cmd) {
	case SLBCTL_STATUS:
		return slbctl_fmt_status(b, ans, now);
	case SLBCTL_BACKENDS:
		return slbctl_fmt_backends(b, ans, now);
	case SLBCTL_DIALOGS:
		return slbctl_fmt_dialogs(b, ans, now);
	case SLBCTL_DIALOG:
		return slbctl_fmt_dialog(b, ans);
	case SLBCTL_STATS:
		return slbctl_fmt_stats(b, ans, prev, dt, a->all);
	default:
		return slbctl_fmt_change(b, a, ans);
	}
}
