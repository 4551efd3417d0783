/* ctl_redis_enc.c: the text of dialog keys, values and pub/sub lines, written and read strictly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_redis_enc.h"

static const char *const state_names[] = {
	[SLB_CTL_DLG_EARLY] = "early",
	[SLB_CTL_DLG_CONFIRMED] = "confirmed",
	[SLB_CTL_DLG_ANSWERED] = "answered",
};

#define NB_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *
ctl_redis_state_name(unsigned int state)
{
	return state < NB_STATES ? state_names[state] : NULL;
}

int
ctl_redis_state_of(const char *s, size_t n)
{
	unsigned int i;

	for (i = 0; i < NB_STATES; i++)
		if (state_names[i] != NULL && strlen(state_names[i]) == n &&
			memcmp(state_names[i], s, n) == 0)
			return (int)i;
	return -1;
}

/* A byte of a word: neither a control character nor space (bytes >= 0x80 pass: UTF-8). */
static bool
word_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f;
}

bool
ctl_redis_callid_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > CTL_REDIS_CALLID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!word_byte((unsigned char)p[i]))
			return false;
	return true;
}

bool
ctl_redis_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > CTL_REDIS_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] > '~')
			return false;
	return true;
}

size_t
ctl_redis_key(char *out, size_t cap, const char *prefix, const char *callid, size_t n)
{
	size_t pl = strlen(prefix);

	if (pl + 4 + n + 1 > cap)
		return 0;
	memcpy(out, prefix, pl);
	memcpy(out + pl, "dlg:", 4);
	memcpy(out + pl + 4, callid, n);
	out[pl + 4 + n] = '\0';
	return pl + 4 + n;
}

int
ctl_redis_key_callid(
	const char *key, size_t len, const char *prefix, const char **callid, size_t *n)
{
	size_t pl = strlen(prefix);

	if (len <= pl + 4 || memcmp(key, prefix, pl) != 0 || memcmp(key + pl, "dlg:", 4) != 0)
		return -1;
	*callid = key + pl + 4;
	*n = len - pl - 4;
	return 0;
}

size_t
ctl_redis_value(char *out, size_t cap, unsigned int be_id, unsigned int state, const char *instance)
{
	const char *st = ctl_redis_state_name(state);
	int w;

	if (st == NULL || be_id >= CTL_REDIS_BE_MAX ||
		!ctl_redis_name_ok(instance, strlen(instance)))
		return 0;
	w = snprintf(out, cap, "%u %s %s", be_id, st, instance);
	return w > 0 && (size_t)w < cap ? (size_t)w : 0;
}

/* A backend id in s[0..n): decimal, no sign, no leading zero, below CTL_REDIS_BE_MAX. */
static int
parse_be(const char *s, size_t n, uint16_t *out)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || n > 4 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v >= CTL_REDIS_BE_MAX)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* The next space-separated field of [*p, end): its start and length; the cursor moves past it
 * and one space. -1 when it is empty. */
static int
field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *sp = memchr(*p, ' ', (size_t)(end - *p));
	const char *e = sp != NULL ? sp : end;

	if (e == *p)
		return -1;
	*f = *p;
	*n = (size_t)(e - *p);
	*p = sp != NULL ? sp + 1 : end;
	return 0;
}

int
ctl_redis_value_parse(const char *s, size_t n, struct ctl_redis_val *v)
{
	const char *p = s, *end = s + n, *f;
	size_t fl;
	int st;

	if (field(&p, end, &f, &fl) < 0 || p == end || parse_be(f, fl, &v->be_id) < 0)
		return -1;
	if (field(&p, end, &f, &fl) < 0 || p == end || (st = ctl_redis_state_of(f, fl)) < 0)
		return -1;
	v->state = (uint8_t)st;
	/* the rest is the name: a space in it is refused by ctl_redis_name_ok() */
	if (!ctl_redis_name_ok(p, (size_t)(end - p)))
		return -1;
	v->owner = p;
	v->owner_len = (size_t)(end - p);
	return 0;
}

void
ctl_redis_msg_init(struct ctl_redis_msg *m, const char *instance)
{
	size_t n = strlen(instance);

	if (n > CTL_REDIS_NAME_MAX)
		n = CTL_REDIS_NAME_MAX;
	memcpy(m->buf, instance, n);
	m->buf[n] = '\n';
	m->head = m->len = n + 1;
	m->lines = 0;
}

int
ctl_redis_msg_add(struct ctl_redis_msg *m, char op, unsigned int be_id, unsigned int state,
	const char *callid, size_t n)
{
	const char *st = ctl_redis_state_name(state);
	char head[32];
	int hl;

	if ((op != CTL_REDIS_LINE_CREATED && op != CTL_REDIS_LINE_UPDATED &&
		    op != CTL_REDIS_LINE_ENDED) ||
		st == NULL || be_id >= CTL_REDIS_BE_MAX || !ctl_redis_callid_ok(callid, n))
		return -EINVAL;
	hl = snprintf(head, sizeof(head), "%c %u %s ", op, be_id, st);
	if (m->len + (size_t)hl + n + 1 > sizeof(m->buf))
		return -ENOSPC;
	memcpy(m->buf + m->len, head, (size_t)hl);
	memcpy(m->buf + m->len + (size_t)hl, callid, n);
	m->len += (size_t)hl + n;
	m->buf[m->len++] = '\n';
	m->lines++;
	return 0;
}

/* One line without its newline: 0 and *l, or -1. */
static int
parse_line(const char *s, size_t n, struct ctl_redis_line *l)
{
	const char *p = s, *end = s + n, *f;
	size_t fl;
	int st;

	if (field(&p, end, &f, &fl) < 0 || fl != 1 || p == end)
		return -1;
	if (f[0] != CTL_REDIS_LINE_CREATED && f[0] != CTL_REDIS_LINE_UPDATED &&
		f[0] != CTL_REDIS_LINE_ENDED)
		return -1;
	l->op = f[0];
	if (field(&p, end, &f, &fl) < 0 || p == end || parse_be(f, fl, &l->be_id) < 0)
		return -1;
	if (field(&p, end, &f, &fl) < 0 || p == end || (st = ctl_redis_state_of(f, fl)) < 0)
		return -1;
	l->state = (uint8_t)st;
	if (!ctl_redis_callid_ok(p, (size_t)(end - p)))
		return -1;
	l->callid = p;
	l->len = (size_t)(end - p);
	return 0;
}

int
ctl_redis_msg_parse(const char *msg, size_t len, const char **inst, size_t *inst_len,
	ctl_redis_line_fn *fn, void *arg, uint32_t *bad)
{
	const char *p, *end = msg + len, *nl;
	struct ctl_redis_line l;
	int good = 0;

	*bad = 0;
	if (len > CTL_REDIS_MSG_MAX)
		return -1;
	nl = memchr(msg, '\n', len);
	if (nl == NULL || !ctl_redis_name_ok(msg, (size_t)(nl - msg)))
		return -1;
	*inst = msg;
	*inst_len = (size_t)(nl - msg);
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			/* a last line without its newline: cut, so not trusted */
			(*bad)++;
			break;
		}
		if (parse_line(p, (size_t)(nl - p), &l) < 0) {
			(*bad)++;
			continue;
		}
		fn(arg, &l);
		good++;
	}
	return good;
}
