/* sip_parse.c: the zero-copy SIP parser: one pass over the message, spans into its bytes. */
#include <string.h>

#include "slb_sip.h"
#include "sip_lex.h"
#include "sip_scan.h"

/*
 * Shape of the work: one structural pass finds the line ends (sip_scan.h: a bit mask per 64
 * bytes, walked with tzcnt, the only per-byte work over the bulk of the header section);
 * the header name is recognised from its length and first letter; only the values the
 * forwarding decision needs are looked into, the rest skipped whole. What only tools and tests
 * read (Record-Route's count, the From tag of RFC 3261 peers) is parsed when asked (want).
 * Grammar references are to RFC 3261 §25.1.
 */

#define COOKIE "z9hG4bK" /* RFC 3261 §8.1.1.7: a branch of this transaction layer */
#define COOKIE_LEN 7

struct cursor {
	const uint8_t *buf;
	uint32_t len;
	struct slb_sip_msg *msg;
	uint32_t want;           /* SLB_SIP_WANT_* */
	struct slb_span from;    /* the last From value, for a tag parsed at the end */
};

static void
set_err(struct slb_sip_msg *msg, enum slb_sip_err err, uint32_t off)
{
	/* keep the most serious error: a lower value is more fatal */
	if (msg->err == SLB_SIP_OK || err < msg->err) {
		msg->err = err;
		msg->err_off = (uint16_t)off;
	}
}

static inline struct slb_span
span(uint32_t s, uint32_t e)
{
	struct slb_span sp = {(uint16_t)s, (uint16_t)(e - s)};
	return sp;
}

/* Methods by name; case-sensitive as RFC 3261 §7.1 says. */
static const struct {
	const char *name;
	uint8_t len;
	enum slb_sip_method m;
} methods[] = {
	{"INVITE", 6, SLB_M_INVITE}, {"ACK", 3, SLB_M_ACK}, {"BYE", 3, SLB_M_BYE},
	{"CANCEL", 6, SLB_M_CANCEL}, {"OPTIONS", 7, SLB_M_OPTIONS},
	{"REGISTER", 8, SLB_M_REGISTER}, {"PRACK", 5, SLB_M_PRACK},
	{"SUBSCRIBE", 9, SLB_M_SUBSCRIBE}, {"NOTIFY", 6, SLB_M_NOTIFY},
	{"PUBLISH", 7, SLB_M_PUBLISH}, {"INFO", 4, SLB_M_INFO}, {"REFER", 5, SLB_M_REFER},
	{"MESSAGE", 7, SLB_M_MESSAGE}, {"UPDATE", 6, SLB_M_UPDATE},
};

/* n bytes of p are the literal m (constant n: the compare is inlined, no call) */
#define IS(p, n, lit, m) (len == (n) && memcmp((p), (lit), (n)) == 0 ? (m) : SLB_M_OTHER)

/* The first letter and the length pick one name at most: one inlined compare (methods[] order). */
static enum slb_sip_method
method_of(const uint8_t *p, uint32_t len)
{
	if (len < 3)
		return SLB_M_OTHER;
	switch (p[0]) {
	case 'I':
		return len == 6 ? IS(p, 6, "INVITE", SLB_M_INVITE) : IS(p, 4, "INFO", SLB_M_INFO);
	case 'A':
		return IS(p, 3, "ACK", SLB_M_ACK);
	case 'B':
		return IS(p, 3, "BYE", SLB_M_BYE);
	case 'C':
		return IS(p, 6, "CANCEL", SLB_M_CANCEL);
	case 'O':
		return IS(p, 7, "OPTIONS", SLB_M_OPTIONS);
	case 'R':
		return len == 8 ? IS(p, 8, "REGISTER", SLB_M_REGISTER) :
				  IS(p, 5, "REFER", SLB_M_REFER);
	case 'P':
		return len == 5 ? IS(p, 5, "PRACK", SLB_M_PRACK) :
				  IS(p, 7, "PUBLISH", SLB_M_PUBLISH);
	case 'S':
		return IS(p, 9, "SUBSCRIBE", SLB_M_SUBSCRIBE);
	case 'N':
		return IS(p, 6, "NOTIFY", SLB_M_NOTIFY);
	case 'M':
		return IS(p, 7, "MESSAGE", SLB_M_MESSAGE);
	case 'U':
		return IS(p, 6, "UPDATE", SLB_M_UPDATE);
	}
	return SLB_M_OTHER;
}
#undef IS

const char *
slb_sip_method_name(enum slb_sip_method m)
{
	unsigned int i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].name;
	return NULL;
}

/* "SIP/2.0", any case (§7.1: the version string is case-insensitive). */
static int
is_sip20(const uint8_t *p, uint32_t len)
{
	return len == 7 && lex_ieq(p, "sip/2.0", 7);
}

static int
is_sip_version_like(const uint8_t *p, uint32_t len)
{
	return len >= 4 && lex_ieq(p, "sip/", 4);
}

/*
 * Whether [s, e) begins with a URI scheme and its colon: scheme = ALPHA *( ALPHA / DIGIT / "+" /
 * "-" / "." ) (RFC 3261 §25.1 absoluteURI). Any scheme is a Request-URI the backend may judge;
 * what has none is not a URI at all.
 */
static bool
has_scheme(const uint8_t *b, uint32_t s, uint32_t e)
{
	uint32_t i = s;

	if (e - s > 4 && lex_eq4(b + s, "sip:", "\x20\x20\x20\0"))
		return true;
	if (i >= e || !(slb_lex_class[b[i]] & LEX_ALPHA))
		return false;
	while (i < e && (lex_is_alnum(b[i]) || b[i] == '+' || b[i] == '-' || b[i] == '.'))
		i++;
	return i > s && i < e && b[i] == ':';
}

/* The start line is [s, e) without its line end. */
static void
parse_start_line(struct cursor *c, uint32_t s, uint32_t e)
{
	const uint8_t *b = c->buf;
	struct slb_sip_msg *msg = c->msg;
	uint32_t i, t, nsp;
	enum slb_sip_method m;

	/* control bytes and SPs in one pass; the first token ends at the first SP */
	lex_line_scan(b, s, e, c->len, &i, &t, &nsp);
	if (i != e) {
		set_err(msg, SLB_SIP_E_BINARY, i);
		return;
	}
	if (is_sip_version_like(b + s, t - s)) {
		uint32_t code = 0;

		msg->kind = SLB_SIP_RESPONSE;
		if (!is_sip20(b + s, t - s)) {
			set_err(msg, SLB_SIP_E_VERSION, s);
			return;
		}
		i = t;
		while (i < e && b[i] == ' ')
			i++;
		if (e - i < 3 || !lex_is_digit(b[i]) || !lex_is_digit(b[i + 1]) ||
			!lex_is_digit(b[i + 2]) || (e - i > 3 && b[i + 3] != ' ')) {
			set_err(msg, SLB_SIP_E_STATUS, i);
			return;
		}
		code = (b[i] - '0') * 100u + (b[i + 1] - '0') * 10u + (b[i + 2] - '0');
		if (code < 100 || code > 699) {
			set_err(msg, SLB_SIP_E_STATUS, i);
			return;
		}
		msg->status = (uint16_t)code;
		i += 3;
		while (i < e && b[i] == ' ')
			i++;
		msg->reason = span(i, e);
		return;
	}

	/* Request-Line = Method SP Request-URI SP SIP-Version */
	if (t == s || t == e) {
		set_err(msg, SLB_SIP_E_START_LINE, s);
		return;
	}
	/* a method the balancer knows is a token; only another one needs the check */
	m = method_of(b + s, t - s);
	if (m == SLB_M_OTHER) {
		i = lex_span(b, s, t, c->len, LEX_SET_TOKEN);
		if (i != t) {
			set_err(msg, SLB_SIP_E_START_LINE, i);
			return;
		}
	}
	msg->kind = SLB_SIP_REQUEST;
	msg->method_str = span(s, t);
	msg->method = m;
	i = t + 1;
	/* as nearly every request line is: two SPs, the second before a final "SIP/2.0" */
	if (nsp == 2 && e - i > 8 && lex_eq8(b + e - 8, " sip/2.0", "\0\x20\x20\x20\0\0\0\0")) {
		msg->ruri = span(i, e - 8);
		if (!has_scheme(b, i, e - 8))
			set_err(msg, SLB_SIP_E_START_LINE, i);
		return;
	}
	t = lex_span(b, i, e, c->len, LEX_SET_NOT_SP);
	if (t == i || t == e) {
		set_err(msg, SLB_SIP_E_START_LINE, i);
		return;
	}
	msg->ruri = span(i, t);
	if (!has_scheme(b, i, t)) {
		set_err(msg, SLB_SIP_E_START_LINE, i); /* "<sip:...>", "bob@host": not a URI */
		return;
	}
	i = t + 1;
	if (!is_sip20(b + i, e - i)) {
		/* "SIP/2.0 " and more: the version is right, the line is not (RFC 4475 trws) */
		bool v20 = e - i > 7 && is_sip20(b + i, 7);

		set_err(msg, is_sip_version_like(b + i, e - i) && !v20 ? SLB_SIP_E_VERSION :
									   SLB_SIP_E_START_LINE, i);
		return;
	}
}

/*
 * Parse 1*DIGIT at [s, e) after trimming LWS; the value must be all digits. Returns -1 if not a
 * number or above max; [*ds, *de) is where the digits are.
 */
static int64_t
parse_uint(const uint8_t *b, uint32_t s, uint32_t e, int64_t max, uint32_t *ds, uint32_t *de)
{
	int64_t v = 0;

	s = lex_skip_lws(b, s, e);
	e = lex_trim_lws(b, s, e);
	*ds = s;
	*de = e;
	if (s == e)
		return -1;
	for (; s < e; s++) {
		uint32_t d = (uint32_t)b[s] - '0';

		if (d > 9)
			return -1;
		v = v * 10 + d;
		if (v > max)
			return -1;
	}
	return v;
}

/*
 * Call-ID: the value without surrounding LWS; equal duplicates are tolerated. Inline, as CSeq's
 * below: a call from the header loop costs more than the work (the scan's xmm state is saved
 * around it); inlining the larger handlers (To's, Via's) measured worse.
 */
static inline __attribute__((always_inline)) void
hdr_callid(struct cursor *c, uint32_t s, uint32_t e)
{
	struct slb_sip_msg *msg = c->msg;
	uint32_t vs = lex_skip_lws(c->buf, s, e), ve = lex_trim_lws(c->buf, vs, e);

	if (vs == ve)
		return; /* empty: reported as missing at the end unless another one comes */
	if (msg->call_id.len) {
		if (msg->call_id.len != ve - vs ||
			memcmp(c->buf + msg->call_id.off, c->buf + vs, ve - vs) != 0)
			set_err(msg, SLB_SIP_E_DUP_CALLID, s);
		return;
	}
	msg->call_id = span(vs, ve);
}

/* CSeq = 1*DIGIT LWS Method; the number is below 2^31 (§8.1.1.5). */
static inline __attribute__((always_inline)) void
hdr_cseq(struct cursor *c, uint32_t s, uint32_t e)
{
	const uint8_t *b = c->buf;
	struct slb_sip_msg *msg = c->msg;
	uint32_t i = lex_skip_lws(b, s, e), ns, ms, me;
	uint64_t v = 0;
	enum slb_sip_method m;

	if (msg->cseq_method != SLB_M_NONE) {
		set_err(msg, SLB_SIP_E_CSEQ, s); /* two CSeq headers */
		return;
	}
	ns = i;
	while (i < e && lex_is_digit(b[i])) {
		v = v * 10 + (b[i] - '0');
		if (v > 0x7fffffffu)
			break;
		i++;
	}
	ms = lex_skip_lws(b, i, e);
	me = lex_trim_lws(b, ms, e);
	if (i == ns || v > 0x7fffffffu || ms == i || ms == me) {
		set_err(msg, SLB_SIP_E_CSEQ, s);
		msg->cseq_method = SLB_M_OTHER;
		return;
	}
	/* a method the balancer knows is a token; only another one needs the check */
	m = method_of(b + ms, me - ms);
	if (m == SLB_M_OTHER) {
		for (i = ms; i < me; i++) {
			if (!lex_is_token(b[i])) {
				set_err(msg, SLB_SIP_E_CSEQ, i);
				break;
			}
		}
	}
	msg->cseq = (uint32_t)v;
	msg->cseq_method_str = span(ms, me);
	msg->cseq_method = m;
}

/*
 * Split a header value [s, e) at top-level commas: not inside a quoted string or < >.
 * Returns the end of the value starting at s (the comma or e).
 */
static uint32_t
value_end(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim)
{
	for (;;) {
		/* outside < >: on to a comma, a quoted string or a '<' (a '>' here is nothing) */
		s = lex_span(b, s, e, lim, LEX_SET_VALUE);
		if (s >= e || b[s] == ',')
			return s < e ? s : e;
		if (b[s] == '"') {
			s = lex_skip_quoted(b, s, e);
			continue;
		}
		/* inside: on to the '>' that closes it, quoted strings skipped whole */
		for (s++;;) {
			s = lex_span(b, s, e, lim, LEX_SET_ANGLE);
			if (s >= e)
				return e;
			if (b[s] == '>')
				break;
			s = lex_skip_quoted(b, s, e);
		}
		s++;
	}
}

/* Parameters ";name[=value]" from s to e. Calls back for each. */
static int
param_eq(const uint8_t *b, uint32_t ns, uint32_t ne, const char *name, uint32_t len)
{
	return ne - ns == len && lex_ieq(b + ns, name, len);
}

/*
 * host [ ":" port ] at b[*pi]: a name or IPv4 address, or an IPv6 reference with its brackets;
 * port 0 when absent. lws: LWS may stand around the colon (a Via's sent-by, §20.42; a URI has
 * none). Returns 0 and moves *pi past it, or -1. Inline: specialised by lws for each caller.
 */
static inline __attribute__((always_inline)) int
parse_hostport(const uint8_t *b, uint32_t *pi, uint32_t e, uint32_t lim, bool lws,
	struct slb_span *host, uint16_t *port)
{
	uint32_t i = *pi, hs = i, p = 0;

	if (i < e && b[i] == '[') {
		/*
		 * In a Via, the reference must not hold what splits a header's values (a comma,
		 * a quote, a '<'): the value would end elsewhere for value_end(), which splits
		 * the values after the second, and the count would depend on where it stands.
		 */
		while (i < e && b[i] != ']' &&
			!(lws && (b[i] == ',' || b[i] == '"' || b[i] == '<')))
			i++;
		if (i == e || b[i] != ']')
			return -1;
		i++;
	} else {
		i = lex_span(b, i, e, lim, LEX_SET_HOST);
	}
	if (i == hs)
		return -1;
	*host = span(hs, i);
	*port = 0;
	/* LWS is rare around the colon: each skip is behind a one-byte test */
	if (lws && i < e && lex_is_lws(b[i]))
		i = lex_skip_lws(b, i, e);
	if (i < e && b[i] == ':') {
		uint32_t ps;

		i++;
		if (lws && i < e && lex_is_lws(b[i]))
			i = lex_skip_lws(b, i, e);
		/* digits while the value fits: leading zeros are allowed, 65536 is not */
		ps = i;
		if (lim - i >= 8) {
			uint64_t v;
			uint32_t n = lex_digits8(b, i, e, &v);

			if (n < 8) {
				if (n == 0 || v == 0 || v > 65535)
					return -1;
				*port = (uint16_t)v;
				i += n;
				if (lws && i < e && lex_is_lws(b[i]))
					i = lex_skip_lws(b, i, e);
				*pi = i;
				return 0;
			}
		}
		for (; i < e; i++) {
			uint32_t d = (uint32_t)b[i] - '0';

			if (d > 9)
				break;
			p = p * 10 + d;
			if (p > 65535)
				return -1;
		}
		if (i == ps || p == 0)
			return -1;
		*port = (uint16_t)p;
		if (lws && i < e && lex_is_lws(b[i]))
			i = lex_skip_lws(b, i, e);
	}
	*pi = i;
	return 0;
}

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport, "SIP" and "2.0". */
static int
parse_sent_protocol(const uint8_t *b, uint32_t *pi, uint32_t e, uint32_t lim,
	struct slb_span *transport)
{
	uint32_t i = *pi, t;
	int k;

	/* as nearly everyone writes it: "SIP/2.0/" in one compare, "sip" in any case */
	if (e - i > 8 && lex_eq8(b + i, "sip/2.0/", "\x20\x20\x20\0\0\0\0\0")) {
		i += 8;
		t = lex_span(b, i, e, lim, LEX_SET_TOKEN);
		if (t == i)
			return -1;
		*transport = span(i, t);
		*pi = t;
		return 0;
	}
	/* SLASH = SWS "/" SWS: LWS may stand around each slash */
	for (k = 0; k < 3; k++) {
		i = lex_skip_lws(b, i, e);
		t = lex_span(b, i, e, lim, LEX_SET_TOKEN);
		if (t == i)
			return -1;
		if (k == 0 && !(t - i == 3 && lex_ieq(b + i, "sip", 3)))
			return -1;
		if (k == 1 && !(t - i == 3 && memcmp(b + i, "2.0", 3) == 0))
			return -1;
		if (k == 2) {
			*transport = span(i, t);
			*pi = t;
			return 0;
		}
		i = lex_skip_lws(b, t, e);
		if (i >= e || b[i] != '/')
			return -1;
		i++;
	}
	return -1;
}

/*
 * A via-param's value after "=": token, host (an IPv6 reference in received) or quoted-string.
 * A quoted string or reference must be closed: taken to the end of the value, it would swallow
 * the parameters the rewrite appends to it. Returns its end, or 0 when there is none.
 */
static uint32_t
via_param_value(const uint8_t *b, uint32_t i, uint32_t e, uint32_t lim)
{
	uint32_t vs = i;

	if (i < e && b[i] == '"') {
		for (i++; i < e && b[i] != '"'; i++)
			if (b[i] == '\\')
				i++;
		if (i >= e)
			return 0;
		i++;
	} else if (i < e && b[i] == '[') {
		/* nothing that splits values (see parse_hostport()) */
		while (i < e && b[i] != ']' && b[i] != ',' && b[i] != '"' && b[i] != '<')
			i++;
		if (i == e || b[i] != ']')
			return 0;
		i++;
	} else {
		i = lex_span(b, i, e, lim, LEX_SET_PVAL);
	}
	return i == vs ? 0 : i;
}

/*
 * One Via value from s: via-parm = sent-protocol LWS sent-by *( SEMI via-params ). It ends at
 * the comma before the next value or at e. Returns that index (the comma, or e), or -1 when the
 * value is not a Via. The parse itself finds the comma: no separate scan splits the header.
 */
static int
parse_via_value(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim, struct slb_sip_via *v)
{
	uint32_t i = s, t;

	/* v is still zero: msg was cleared and each via[] is parsed once */
	/* "SIP/2.0/UDP " as nearly every sender writes it: two compares, no scan */
	if (e - i > 12 && lex_eq8(b + i, "sip/2.0/", "\x20\x20\x20\0\0\0\0\0") &&
		lex_eq4(b + i + 8, "udp ", "\x20\x20\x20\0")) {
		v->transport = span(i + 8, i + 11);
		i += 12;
		if (lex_is_lws(b[i]))
			i = lex_skip_lws(b, i, e);
	} else {
		if (parse_sent_protocol(b, &i, e, lim, &v->transport) < 0)
			return -1;
		/* LWS then sent-by = host [ COLON port ] */
		t = lex_skip_lws(b, i, e);
		if (t == i)
			return -1;
		i = t;
	}
	if (parse_hostport(b, &i, e, lim, true, &v->host, &v->port) < 0)
		return -1;
	/* via-params */
	while (i < e && b[i] != ',') {
		uint32_t ns, ne, vs = 0, ve = 0;

		if (b[i] != ';')
			return -1;
		/*
		 * branch, rport and received as nearly everyone writes them, in one or two
		 * compares each. The bytes a compare reads past e are wildcards or tested apart.
		 */
		if (e - i > 8 && lex_eq8(b + i, ";branch=", "\0\x20\x20\x20\x20\x20\x20\0") &&
			!lex_is_lws(b[i + 8])) {
			vs = i + 8;
			ve = b[vs] != '"' && b[vs] != '[' ? lex_span(b, vs, e, lim, LEX_SET_PVAL) :
							     via_param_value(b, vs, e, lim);
			if (ve <= vs)
				return -1;
			v->branch = span(vs, ve);
			i = ve < e && lex_is_lws(b[ve]) ? lex_skip_lws(b, ve, e) : ve;
			continue;
		}
		if (lim - i >= 8 && lex_eq8(b + i, ";rport\xff\xff", "\0\x20\x20\x20\x20\x20\xff\xff") &&
			(i + 6 == e || b[i + 6] == ';' || b[i + 6] == ',')) {
			v->has_rport = true;
			i += 6;
			continue;
		}
		if (e - i > 10 && lex_eq8(b + i, ";receive", "\0\x20\x20\x20\x20\x20\x20\x20") &&
			lex_eq4(b + i + 7, "ed=\xff", "\x20\x20\0\xff") && !lex_is_lws(b[i + 10])) {
			vs = i + 10;
			ve = b[vs] != '"' && b[vs] != '[' ? lex_span(b, vs, e, lim, LEX_SET_PVAL) :
							     via_param_value(b, vs, e, lim);
			if (ve <= vs)
				return -1;
			v->received = span(vs, ve);
			i = ve < e && lex_is_lws(b[ve]) ? lex_skip_lws(b, ve, e) : ve;
			continue;
		}
		i = lex_skip_lws(b, i + 1, e);
		ns = i;
		i = lex_span(b, i, e, lim, LEX_SET_TOKEN);
		ne = i;
		if (ne == ns)
			return -1;
		i = lex_skip_lws(b, i, e);
		if (i < e && b[i] == '=') {
			vs = lex_skip_lws(b, i + 1, e);
			ve = via_param_value(b, vs, e, lim);
			if (ve == 0)
				return -1;
			i = lex_skip_lws(b, ve, e);
		}
		/* the names that matter differ in length: one compare each at most */
		switch (ne - ns) {
		case 6:
			if (param_eq(b, ns, ne, "branch", 6))
				v->branch = span(vs, ve);
			break;
		case 8:
			if (param_eq(b, ns, ne, "received", 8))
				v->received = span(vs, ve);
			break;
		case 5:
			if (param_eq(b, ns, ne, "rport", 5)) {
				v->has_rport = true;
				if (ve > vs) {
					uint32_t ds, de;
					int64_t p = parse_uint(b, vs, ve, 65535, &ds, &de);

					if (p <= 0)
						return -1;
					v->rport = (uint16_t)p;
				}
			}
			break;
		}
	}
	v->value = span(s, i > s && lex_is_lws(b[i - 1]) ? lex_trim_lws(b, s, i) : i);
	return (int)i;
}

/*
 * The next comma-separated value of a header at or after *i, trimmed of LWS: 0 with [*vs, *ve)
 * (empty when two commas meet) and *i past its comma, or -1 when no value is left.
 */
static int
next_value(const uint8_t *b, uint32_t *i, uint32_t e, uint32_t lim, uint32_t *vs, uint32_t *ve)
{
	uint32_t s = lex_skip_lws(b, *i, e), vend;

	if (s >= e)
		return -1;
	vend = value_end(b, s, e, lim);
	*vs = s;
	*ve = lex_trim_lws(b, s, vend);
	*i = vend < e ? vend + 1 : e;
	return 0;
}

/*
 * Where a header's values are, for the rewrite: the line holding the first value (count 0) and,
 * when the second value shares that line, where it starts.
 */
static void
note_value(struct slb_sip_hdr *h, uint16_t count, uint32_t line_s, uint32_t line_e, uint32_t vs)
{
	if (count == 0)
		h->line = span(line_s, line_e);
	else if (count == 1 && h->line.off == line_s && h->next == 0)
		h->next = (uint16_t)vs;
}

/*
 * Via: count every value; parse the first two in message order, each parse finding where its
 * value ends. The rest are only split (value_end), as is a value that does not parse.
 */
static void
hdr_via(struct cursor *c, uint32_t line_s, uint32_t line_e, uint32_t s, uint32_t e)
{
	const uint8_t *b = c->buf;
	struct slb_sip_msg *msg = c->msg;
	uint32_t i = s, vs, ve;

	for (;;) {
		vs = lex_skip_lws(b, i, e);
		if (vs < e && b[vs] != ',' && msg->via_count < 2) {
			struct slb_sip_via *v = &msg->via[msg->via_count];
			int end = parse_via_value(b, vs, e, c->len, v);

			if (end < 0) {
				set_err(msg, SLB_SIP_E_VIA, vs);
				end = (int)value_end(b, vs, e, c->len);
				v->value = span(vs, lex_trim_lws(b, vs, (uint32_t)end));
			}
			note_value(&msg->via_hdr, msg->via_count, line_s, line_e, vs);
			msg->via_count++;
			if ((uint32_t)end >= e)
				return; /* one value a line, as nearly always */
			i = (uint32_t)end + 1;
			continue;
		}
		if (next_value(b, &i, e, c->len, &vs, &ve) < 0)
			break;
		if (ve == vs) {
			set_err(msg, SLB_SIP_E_VIA, vs); /* an empty value between commas */
			continue;
		}
		note_value(&msg->via_hdr, msg->via_count, line_s, line_e, vs);
		if (msg->via_count < UINT16_MAX)
			msg->via_count++;
	}
}

/* The URI inside < > of a name-addr (Route, Record-Route), or NULL span. */
static struct slb_span
name_addr_uri(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim)
{
	uint32_t i = s;
	struct slb_span none = {0, 0};

	for (;;) {
		i = lex_span(b, i, e, lim, LEX_SET_NAMEADDR);
		if (i >= e)
			return none;
		if (b[i] == '"') {
			i = lex_skip_quoted(b, i, e);
			continue;
		}
		/* '<' */
		{
			uint32_t us = i + 1, ue = lex_span(b, us, e, lim, LEX_SET_NOT_GT);

			if (ue >= e || ue == us)
				return none;
			return span(us, ue);
		}
	}
}

/*
 * Route and Record-Route: rec-route = name-addr *( SEMI rr-param ), comma separated. A value
 * that opens with '<' and has no quote before its '>' (nearly every one) is split and its URI
 * found from that one '>': what value_end() and name_addr_uri() would find apart.
 */
static void
hdr_route(struct cursor *c, uint32_t line_s, uint32_t line_e, uint32_t s, uint32_t e, int rr)
{
	const uint8_t *b = c->buf;
	struct slb_sip_msg *msg = c->msg;
	uint32_t i = s, lim = c->len;

	for (;;) {
		uint32_t vs = lex_skip_lws(b, i, e), vend, ve, gt = 0;

		if (vs >= e)
			return;
		if (b[vs] == '<') {
			gt = lex_span(b, vs + 1, e, lim, LEX_SET_ANGLE);
			if (gt >= e || b[gt] != '>')
				gt = 0;
		}
		vend = value_end(b, gt ? gt + 1 : vs, e, lim);
		ve = lex_trim_lws(b, vs, vend);
		i = vend < e ? vend + 1 : e;
		if (ve == vs)
			continue;
		if (rr) {
			if (msg->rr_count < UINT16_MAX)
				msg->rr_count++;
			continue;
		}
		note_value(&msg->route_hdr, msg->route_count, line_s, line_e, vs);
		if (msg->route_count < 2) {
			if (gt == 0)
				msg->route_uri[msg->route_count] = name_addr_uri(b, vs, ve, lim);
			else if (gt > vs + 1)
				msg->route_uri[msg->route_count] = span(vs + 1, gt);
		}
		if (msg->route_count < UINT16_MAX)
			msg->route_count++;
	}
}

/*
 * From / To: ( name-addr / addr-spec ) *( SEMI params ). With an addr-spec, everything after
 * the first ';' is a header parameter (§20.10), so tag is found in either form. Returns -1 when
 * the address cannot be told from its parameters: a quoted string or a '<' never closed.
 */
static int
find_tag(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim, struct slb_span *tag)
{
	uint32_t i = lex_skip_lws(b, s, e);

	tag->off = 0;
	tag->len = 0;
	/* skip the address; a '<' or the ';' after a '>' needs no scan to be seen */
	for (;;) {
		if (i < e && b[i] != '<' && b[i] != ';' && b[i] != '"')
			i = lex_span(b, i, e, lim, LEX_SET_ADDR);
		if (i >= e || b[i] == ';')
			break;
		if (b[i] == '"') {
			i = lex_quoted_end(b, i, e);
			if (i == 0)
				return -1;
			continue;
		}
		/* '<': on past its '>' */
		i = lex_find(b, i + 1, e, lim, '>');
		if (i >= e)
			return -1;
		i++;
	}
	while (i < e && b[i] == ';') {
		uint32_t ns, ne, vs, ve;

		/* as it is nearly always written: ";tag=" and the value, in one compare */
		if (e - i > 5 && lex_eq4(b + i + 1, "tag=", "\x20\x20\x20\0") &&
			!lex_is_lws(b[i + 5])) {
			vs = i + 5;
			ve = b[vs] == '"' ? lex_skip_quoted(b, vs, e) :
					    lex_span(b, vs, e, lim, LEX_SET_TAGVAL);
			if (ve > vs) {
				*tag = span(vs, ve);
				return 0;
			} /* ";tag=;": empty, the loop below passes it as before */
		}
		i = lex_skip_lws(b, i + 1, e);
		ns = i;
		i = lex_span(b, i, e, lim, LEX_SET_TOKEN);
		ne = i;
		i = lex_skip_lws(b, i, e);
		vs = ve = i;
		if (i < e && b[i] == '=') {
			i = lex_skip_lws(b, i + 1, e);
			vs = i;
			if (i < e && b[i] == '"')
				i = lex_skip_quoted(b, i, e);
			else
				while (i < e && b[i] != ';' && !lex_is_lws(b[i]))
					i++;
			ve = i;
			i = lex_skip_lws(b, i, e);
		}
		if (param_eq(b, ns, ne, "tag", 3) && ve > vs) {
			*tag = span(vs, ve);
			return 0;
		}
		if (ns == ne)
			break;
	}
	return 0;
}

static inline __attribute__((always_inline)) void
header(struct cursor *c, enum lex_hdr id, uint32_t line_s, uint32_t line_e, uint32_t vs,
	uint32_t ve)
{
	struct slb_sip_msg *msg = c->msg;
	uint32_t ds, de;
	int64_t v;

	switch (id) {
	case LEX_H_CALLID:
		hdr_callid(c, vs, ve);
		break;
	case LEX_H_CSEQ:
		hdr_cseq(c, vs, ve);
		break;
	case LEX_H_VIA:
		hdr_via(c, line_s, line_e, vs, ve);
		break;
	case LEX_H_MAXFWD:
		v = parse_uint(c->buf, vs, ve, 32767, &ds, &de);
		if (v < 0 || msg->max_forwards >= 0) {
			set_err(msg, SLB_SIP_E_MAX_FWD, vs);
		} else {
			msg->max_forwards = (int16_t)v;
			msg->max_fwd = span(ds, de);
		}
		break;
	case LEX_H_CLEN:
		v = parse_uint(c->buf, vs, ve, SLB_SIP_MAX_LEN, &ds, &de);
		if (v < 0 || (msg->content_length >= 0 && msg->content_length != v))
			set_err(msg, SLB_SIP_E_CLEN, vs);
		else
			msg->content_length = (int32_t)v;
		break;
	case LEX_H_FROM:
		/* the last one's tag, as for To; looked for at the end, if wanted */
		msg->has_from = true;
		c->from = span(vs, ve);
		break;
	case LEX_H_TO:
		/*
		 * The To tag tells an initial request from one in a dialog: when To's address
		 * cannot be told from its parameters, the balancer cannot tell either (RFC 4475
		 * quotbal). From's tag names only RFC 2543 transactions: unclosed, it is absent.
		 */
		msg->has_to = true;
		if (find_tag(c->buf, vs, ve, c->len, &msg->to_tag) < 0)
			set_err(msg, SLB_SIP_E_NO_FROM_TO, vs);
		break;
	case LEX_H_ROUTE:
		hdr_route(c, line_s, line_e, vs, ve, 0);
		break;
	case LEX_H_RR:
		if (c->want & SLB_SIP_WANT_RR)
			hdr_route(c, line_s, line_e, vs, ve, 1);
		break;
	case LEX_H_OTHER:
		break;
	}
}

/*
 * Whether a header's grammar has quoted strings. Call-ID's word takes '"' and '\\' as plain
 * characters; CSeq, Max-Forwards and Content-Length are numbers and a method. Every other
 * header, known or not, may quote (display names, parameter values, warn-text).
 */
static bool
hdr_may_quote(enum lex_hdr id)
{
	return id != LEX_H_CALLID && id != LEX_H_CSEQ && id != LEX_H_MAXFWD && id != LEX_H_CLEN;
}

/*
 * The first NUL of the header field [s, e) (name, colon, value and its folds) that is not the
 * second byte of a quoted-pair inside a closed quoted string (RFC 3261 §25.1: quoted-pair =
 * "\\" (%x00-09 / %x0B-0C / %x0E-7F)), or e when every NUL is one.
 */
static uint32_t
field_bare_nul(const uint8_t *b, uint32_t s, uint32_t e, uint32_t lim)
{
	uint32_t name_e = lex_span(b, s, e, lim, LEX_SET_TOKEN), i = name_e, pending = e;
	bool quoted = false;

	while (i < e && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (name_e == s || i >= e || b[i] != ':' ||
		!hdr_may_quote(lex_header_id(b + s, name_e - s))) {
		const uint8_t *nul = memchr(b + s, 0, e - s);

		return nul ? (uint32_t)(nul - b) : e;
	}
	for (i++; i < e; i++) {
		uint8_t ch = b[i];

		if (ch == 0)
			return i; /* bare, in a quoted string or not */
		if (!quoted) {
			quoted = ch == '"';
			continue;
		}
		if (ch == '\\' && i + 1 < e && b[i + 1] != '\r' && b[i + 1] != '\n') {
			if (b[i + 1] == 0 && pending == e)
				pending = i + 1; /* valid once the string closes */
			i++;
		} else if (ch == '"') {
			quoted = false;
			pending = e;
		}
	}
	return quoted ? pending : e;
}

/*
 * The header section [hs, he) holds a NUL, the first at nul: it is binary unless every NUL is a
 * quoted-pair's. Off the fast path (a NUL in a header is rare), and linear: one walk over the
 * fields, looking into those that hold a NUL.
 */
static void __attribute__((cold))
check_nuls(struct cursor *c, uint32_t hs, uint32_t he, uint32_t nul)
{
	const uint8_t *b = c->buf;
	uint32_t s = hs;

	while (s < he) {
		uint32_t e = s, bad;
		const uint8_t *lf, *next;

		/* the field: its first line and the lines folded into it */
		do {
			lf = memchr(b + e, '\n', he - e);
			e = lf ? (uint32_t)(lf - b) + 1 : he;
		} while (e < he && (b[e] == ' ' || b[e] == '\t'));
		if (nul < e) {
			bad = field_bare_nul(b, s, e, c->len);
			if (bad < e) {
				set_err(c->msg, SLB_SIP_E_BINARY, bad);
				return;
			}
			next = memchr(b + e, 0, he - e);
			if (next == NULL)
				return;
			nul = (uint32_t)(next - b);
		}
		s = e;
	}
}

/*
 * Whether the From tag is needed without being asked: a top or second Via whose branch lacks
 * the RFC 3261 cookie belongs to an RFC 2543 peer, whose transaction the rewrite names by
 * Call-ID, CSeq and From tag (slb_rw_branch(), slb_rw_via_is_ours()).
 */
static bool
rfc2543_via(const uint8_t *b, const struct slb_sip_msg *msg)
{
	unsigned int k;

	for (k = 0; k < 2 && k < msg->via_count; k++) {
		const struct slb_sip_via *v = &msg->via[k];

		if (v->branch.len < COOKIE_LEN || memcmp(b + v->branch.off, COOKIE, COOKIE_LEN) != 0)
			return true;
	}
	return false;
}

/*
 * The header fields from i up to the empty line. Returns the index of the first body byte, or 0
 * when the section is cut short (TRUNCATED set). sc has returned the start line's LF already.
 */
static uint32_t
parse_headers(struct cursor *c, struct lex_scan *sc, uint32_t i)
{
	const uint8_t *buf = c->buf;
	struct slb_sip_msg *msg = c->msg;
	uint32_t len = c->len;
	bool plain = false; /* buf[i] is a byte above SP: neither the end nor a fold */

	for (;;) {
		uint32_t line_s = i, name_e, vs = 0, ve, lf;
		enum lex_hdr id;

		if (!plain) {
			if (i >= len) {
				set_err(msg, SLB_SIP_E_TRUNCATED, len);
				return 0;
			}
			if (buf[i] <= '\r' && (buf[i] == '\n' ||
						(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))) {
				if (buf[i] == '\n')
					msg->bare_lf = true;
				return i + (buf[i] == '\n' ? 1 : 2);
			}
		}
		/*
		 * One header field: its first line, then folded continuation lines (§7.3.1: LWS at
		 * a line's start continues the value). buf[line_s] is not LF, so each LF found has
		 * a byte before it in the field. The byte after an LF is looked at once: above SP
		 * (nearly always) it starts the next field.
		 */
		for (;;) {
			lf = lex_scan_next(sc);
			if (lf >= len) {
				set_err(msg, SLB_SIP_E_TRUNCATED, len);
				return 0;
			}
			i = lf + 1;
			plain = i < len && buf[i] > ' ';
			if (!plain && i < len && (buf[i] == ' ' || buf[i] == '\t')) {
				if (buf[lf - 1] != '\r')
					msg->bare_lf = true;
				continue;
			}
			break;
		}
		/* the value ends before the last line end */
		ve = lf - 1;
		if (buf[ve] != '\r') {
			msg->bare_lf = true;
			ve = lf;
		}
		/* the names the decision reads, as written nearly always: one compare */
		id = LEX_H_OTHER;
		if (len - line_s >= 16) {
			uint32_t n;

			id = lex_header_fast(buf + line_s, &n);
			vs = line_s + n;
		}
		if (id == LEX_H_OTHER) {
			/* field-name *WSP ":" */
			name_e = lex_span(buf, line_s, ve, len, LEX_SET_TOKEN);
			vs = name_e;
			while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t'))
				vs++;
			if (name_e == line_s || vs >= ve || buf[vs] != ':') {
				const uint8_t *nul = lex_scan_saw_nul(sc) ?
							     memchr(buf + line_s, 0, i - line_s) :
							     NULL;

				if (nul != NULL)
					set_err(msg, SLB_SIP_E_BINARY, (uint32_t)(nul - buf));
				else
					set_err(msg, SLB_SIP_E_HEADER, line_s);
				continue;
			}
			id = lex_header_id(buf + line_s, name_e - line_s);
			vs++;
		}
		/* one call site: the handlers are inlined once */
		header(c, id, line_s, i, vs, ve);
	}
}

/*
 * Whether CSeq's method is the request's. Two methods the balancer knows are the same string
 * when they are the same method (method_of() matches whole names exactly), and a known one never
 * equals one it does not know: only two others need their bytes compared.
 */
static bool
same_method(const uint8_t *b, const struct slb_sip_msg *msg)
{
	if (msg->method != SLB_M_OTHER || msg->cseq_method != SLB_M_OTHER)
		return msg->method == msg->cseq_method;
	return msg->cseq_method_str.len == msg->method_str.len &&
		memcmp(b + msg->cseq_method_str.off, b + msg->method_str.off,
			msg->method_str.len) == 0;
}

enum slb_sip_err
slb_sip_parse_want(const uint8_t *buf, uint32_t len, struct slb_sip_msg *msg, uint32_t want)
{
	struct cursor c = {buf, len, msg, want, {0, 0}};
	struct lex_scan sc;
	uint32_t i = 0, e, next;

	memset(msg, 0, sizeof(*msg));
	msg->max_forwards = -1;
	msg->content_length = -1;

	if (len > SLB_SIP_MAX_LEN) {
		set_err(msg, SLB_SIP_E_TOO_LONG, 0);
		return msg->err;
	}
	/* §7.5: CRLFs before the start line are ignored (keep-alives are just that) */
	while (i < len && (buf[i] == '\r' || buf[i] == '\n' || buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == len) {
		set_err(msg, SLB_SIP_E_EMPTY, 0);
		return msg->err;
	}

	/* start line */
	lex_scan_init(&sc, buf, len);
	e = lex_scan_lf(&sc, i);
	if (e >= len) {
		set_err(msg, SLB_SIP_E_TRUNCATED, len);
		/* a lone line can still tell not-SIP from cut-short SIP (cut between CR and LF too) */
		parse_start_line(&c, i, buf[len - 1] == '\r' ? len - 1 : len);
		if (msg->err == SLB_SIP_E_TRUNCATED && msg->kind == SLB_SIP_NONE)
			msg->err = SLB_SIP_E_START_LINE;
		return msg->err;
	}
	next = e + 1;
	if (e > i && buf[e - 1] == '\r')
		e--;
	else
		msg->bare_lf = true;
	msg->start_line = span(i, next);
	parse_start_line(&c, i, e);
	if (msg->err != SLB_SIP_OK)
		return msg->err;

	i = parse_headers(&c, &sc, next);
	if (i == 0)
		return msg->err;
	msg->hdr_end = (uint16_t)i;

	/*
	 * A NUL in the header section (the start line was checked already): the scan saw one
	 * somewhere in the windows it loaded, which may reach into the body.
	 */
	if (lex_scan_saw_nul(&sc)) {
		const uint8_t *nul = memchr(buf + next, 0, i - next);

		if (nul != NULL)
			check_nuls(&c, next, i, (uint32_t)(nul - buf));
	}

	/* the body, checked against Content-Length (§18.3: over UDP, a short body is an error) */
	if (msg->content_length >= 0) {
		if ((uint32_t)msg->content_length > len - i) {
			set_err(msg, SLB_SIP_E_BODY_SHORT, len);
			msg->body = span(i, len);
		} else {
			msg->body = span(i, i + (uint32_t)msg->content_length);
			msg->extra_bytes = i + (uint32_t)msg->content_length < len;
		}
	} else {
		msg->body = span(i, len);
	}

	if (c.from.len && ((want & SLB_SIP_WANT_FROM_TAG) || rfc2543_via(buf, msg)))
		find_tag(buf, c.from.off, (uint32_t)c.from.off + c.from.len, len, &msg->from_tag);

	/* what must be there */
	if (msg->call_id.len == 0)
		set_err(msg, SLB_SIP_E_NO_CALLID, i);
	if (msg->via_count == 0)
		set_err(msg, SLB_SIP_E_NO_VIA, i);
	if (msg->cseq_method == SLB_M_NONE)
		set_err(msg, SLB_SIP_E_NO_CSEQ, i);
	else if (msg->kind == SLB_SIP_REQUEST && msg->cseq_method_str.len &&
		!same_method(buf, msg))
		set_err(msg, SLB_SIP_E_CSEQ, msg->cseq_method_str.off);
	if (!msg->has_from || !msg->has_to)
		set_err(msg, SLB_SIP_E_NO_FROM_TO, i);
	return msg->err;
}

enum slb_sip_err
slb_sip_parse(const uint8_t *buf, uint32_t len, struct slb_sip_msg *msg)
{
	return slb_sip_parse_want(buf, len, msg, SLB_SIP_WANT_ALL);
}

int
slb_sip_uri_hostport(const uint8_t *b, struct slb_span uri, struct slb_span *host, uint16_t *port,
	bool *lr)
{
	uint32_t s = uri.off, e = (uint32_t)uri.off + uri.len, i, at;

	*port = 0;
	if (lr)
		*lr = false;
	if (s < e && b[s] == '<') {
		s++;
		for (i = s; i < e && b[i] != '>'; i++)
			;
		e = i;
	}
	/* the colon is tested apart: lex_ieq would take a control byte 0x1a for it */
	if (e - s >= 4 && lex_ieq(b + s, "sip", 3) && b[s + 3] == ':')
		s += 4;
	else if (e - s >= 5 && lex_ieq(b + s, "sips", 4) && b[s + 4] == ':')
		s += 5;
	else
		return -1;
	/*
	 * userinfo ends at the first '@': the user part may hold ';' and '?' (telephone numbers'
	 * ";npdi;rn=", RFC 4475 §3.1.1.13), but no URI part after the host may hold an unescaped '@'.
	 */
	at = lex_find(b, s, e, e, '@'); /* inline: a libc call costs more than a URI's scan */
	at = at < e ? at + 1 : s;
	i = at;
	/* after the host and port: the end, parameters or headers, nothing else */
	if (parse_hostport(b, &i, e, e, false, host, port) < 0 ||
		(i < e && b[i] != ';' && b[i] != '?'))
		return -1;
	/* uri-parameters: only lr matters to a proxy */
	while (i < e && b[i] == ';') {
		uint32_t ns = ++i;

		while (i < e && b[i] != ';' && b[i] != '?' && b[i] != '=')
			i++;
		if (lr && i - ns == 2 && lex_ieq(b + ns, "lr", 2))
			*lr = true;
		while (i < e && b[i] != ';' && b[i] != '?')
			i++;
	}
	return 0;
}

int
slb_sip_ipv4(const uint8_t *b, struct slb_span s, uint32_t *ip)
{
	const uint8_t *p = b + s.off, *end = p + s.len;
	uint32_t v = 0, d;
	int part;

	/* each part one to three digits, unrolled: the rewrite calls this a few times a message */
	for (part = 0; part < 4; part++) {
		uint32_t n;

		if (p >= end || (n = (uint32_t)*p - '0') > 9)
			return -1;
		p++;
		if (p < end && (d = (uint32_t)*p - '0') <= 9) {
			n = n * 10 + d;
			p++;
			if (p < end && (d = (uint32_t)*p - '0') <= 9) {
				n = n * 10 + d;
				p++;
			}
		}
		if (n > 255)
			return -1;
		v = (v << 8) | n;
		if (part < 3) {
			if (p >= end || *p != '.')
				return -1;
			p++;
		}
	}
	if (p != end)
		return -1;
	*ip = v;
	return 0;
}
