/* slb_sip.h: the zero-copy SIP message parser, shared by the dataplane, the tools and control. */
#ifndef SLB_SIP_H
#define SLB_SIP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The parser never copies, never writes the message and never allocates. Everything it finds is
 * a span: an offset from the first byte of the SIP message and a length. Offsets are 16-bit
 * because a SIP message over UDP (even after IP reassembly) is shorter than 64 KiB; longer input
 * is refused with SLB_SIP_E_TOO_LONG. A span with len == 0 means "absent".
 */
struct slb_span {
	uint16_t off;
	uint16_t len;
};

#define SLB_SIP_MAX_LEN 65535u

enum slb_sip_kind {
	SLB_SIP_NONE = 0,
	SLB_SIP_REQUEST = 1,
	SLB_SIP_RESPONSE = 2,
};

/* Methods the balancer tells apart; anything else is SLB_M_OTHER (still valid SIP). */
enum slb_sip_method {
	SLB_M_NONE = 0,
	SLB_M_OTHER,
	SLB_M_INVITE,
	SLB_M_ACK,
	SLB_M_BYE,
	SLB_M_CANCEL,
	SLB_M_OPTIONS,
	SLB_M_REGISTER,
	SLB_M_PRACK,
	SLB_M_SUBSCRIBE,
	SLB_M_NOTIFY,
	SLB_M_PUBLISH,
	SLB_M_INFO,
	SLB_M_REFER,
	SLB_M_MESSAGE,
	SLB_M_UPDATE,
	SLB_M__COUNT
};

/*
 * Errors, most fatal first. Each has a name (for counters and JSON), a reason string and a
 * policy (slb_sip_policy()). The parser keeps going after a "soft" error in one header so that
 * Call-ID and Via are still found; msg->err holds the most fatal error seen (the lowest value),
 * msg->err_off where it was found.
 */
enum slb_sip_err {
	SLB_SIP_OK = 0,
	SLB_SIP_E_EMPTY,        /* zero bytes, or only whitespace */
	SLB_SIP_E_TOO_LONG,     /* longer than SLB_SIP_MAX_LEN */
	SLB_SIP_E_BINARY,       /* a control byte in the start line, or a NUL in the headers that
	                         * is not a quoted-pair's ("\<NUL>" in a quoted string is valid) */
	SLB_SIP_E_START_LINE,   /* neither "METHOD URI SIP/2.0" nor "SIP/2.0 NNN reason" (the URI
	                         * with a scheme, single SPs, nothing after the version) */
	SLB_SIP_E_VERSION,      /* a SIP version other than 2.0 */
	SLB_SIP_E_STATUS,       /* status code not three digits in 100..699 */
	SLB_SIP_E_TRUNCATED,    /* no empty line ends the header section */
	SLB_SIP_E_NO_CALLID,    /* no Call-ID header, or an empty one */
	SLB_SIP_E_DUP_CALLID,   /* two Call-ID headers that differ */
	SLB_SIP_E_NO_VIA,       /* no Via header */
	SLB_SIP_E_VIA,          /* the top (or second) Via value cannot be parsed */
	SLB_SIP_E_CLEN,         /* Content-Length not a number, or two that differ */
	SLB_SIP_E_BODY_SHORT,   /* fewer body bytes than Content-Length says */
	SLB_SIP_E_HEADER,       /* a header line without a colon, or a bad header name */
	SLB_SIP_E_NO_CSEQ,      /* no CSeq header */
	SLB_SIP_E_CSEQ,         /* CSeq not "number method", or its method differs from the request's */
	SLB_SIP_E_MAX_FWD,      /* Max-Forwards not a number in 0..32767 */
	SLB_SIP_E_NO_FROM_TO,   /* From or To missing, or an unclosed quoted string or "<" in To */
	SLB_SIP_E__COUNT
};

/* What a lenient balancer does with a message that has this error (see slb_sip_policy()). */
enum slb_sip_action {
	SLB_SIP_ACT_FORWARD = 0, /* forward as usual (no error) */
	SLB_SIP_ACT_CALLID,      /* forward, pinned by Call-ID alone; the backend answers 400 */
	SLB_SIP_ACT_DROP,        /* count and drop */
};

/* One Via value, as the parser found it. */
struct slb_sip_via {
	struct slb_span value;     /* the whole value: "SIP/2.0/UDP host:port;params" */
	struct slb_span transport; /* "UDP", "TCP", "TLS", ... */
	struct slb_span host;      /* sent-by host (an IPv6 reference keeps its brackets) */
	uint16_t port;             /* sent-by port, 0 when absent */
	bool has_rport;            /* an rport parameter, with or without a value */
	uint16_t rport;            /* its value, 0 when it had none */
	struct slb_span branch;    /* branch parameter value */
	struct slb_span received;  /* received parameter value */
};

/* One header field, as a whole line, and where its first value starts and its second begins. */
struct slb_sip_hdr {
	struct slb_span line; /* name to line end inclusive, with folded continuation lines */
	uint16_t next;        /* offset of the header's second comma-separated value, 0 if none */
};

struct slb_sip_msg {
	enum slb_sip_kind kind;
	enum slb_sip_err err;    /* most fatal error seen, SLB_SIP_OK when none */
	uint16_t err_off;        /* where in the message the error was found */

	/* start line */
	struct slb_span start_line; /* the first line, with its line end */
	enum slb_sip_method method; /* requests */
	struct slb_span method_str;
	struct slb_span ruri;
	uint16_t status;            /* responses */
	struct slb_span reason;

	struct slb_span call_id;

	uint32_t cseq;
	enum slb_sip_method cseq_method;
	struct slb_span cseq_method_str;

	/* Via: the first two values in message order and the number of values in all Via headers */
	struct slb_sip_via via[2];
	uint16_t via_count;
	struct slb_sip_hdr via_hdr; /* the header field holding the top Via value */

	int16_t max_forwards;      /* -1 when absent */
	struct slb_span max_fwd;   /* its digits, for decrement in place */

	int32_t content_length;    /* -1 when absent */
	struct slb_span body;      /* from after the empty line; len = Content-Length if present */
	uint16_t hdr_end;          /* offset of the first body byte */
	bool bare_lf;              /* some line ended in LF alone */
	bool extra_bytes;          /* the datagram holds bytes after Content-Length's body */

	struct slb_span from_tag;  /* with SLB_SIP_WANT_FROM_TAG, or when a top Via is RFC 2543's */
	struct slb_span to_tag;    /* len == 0: To has no tag */
	bool has_from;
	bool has_to;

	/* Route: the first two values' URIs (inside < >), and the header holding the first */
	uint16_t route_count;
	struct slb_span route_uri[2];
	struct slb_sip_hdr route_hdr;
	uint16_t rr_count;         /* Record-Route values, with SLB_SIP_WANT_RR */
};

/*
 * What a parse fills beyond what the forwarding decision needs. The error, and every field
 * not named here, are the same whatever is wanted.
 */
#define SLB_SIP_WANT_FROM_TAG 0x1u /* from_tag, also when both top Via branches carry the RFC
                                    * 3261 cookie (without it, from_tag is filled only for an
                                    * RFC 2543 Via, whose transaction the rewrite names by it) */
#define SLB_SIP_WANT_RR 0x2u       /* rr_count */
#define SLB_SIP_WANT_ALL (SLB_SIP_WANT_FROM_TAG | SLB_SIP_WANT_RR)

/*
 * Parse len bytes at buf, filling what want asks for beyond the decision's fields. Fills msg
 * (always, also on error) and returns msg->err. Linear in len; reads no byte outside
 * [buf, buf+len).
 */
enum slb_sip_err slb_sip_parse_want(const uint8_t *buf, uint32_t len, struct slb_sip_msg *msg,
	uint32_t want);

/* Parse everything (SLB_SIP_WANT_ALL): for tools, tests and the control side. */
enum slb_sip_err slb_sip_parse(const uint8_t *buf, uint32_t len, struct slb_sip_msg *msg);

/* Short stable name of an error ("truncated"), for counters and JSON. */
const char *slb_sip_err_name(enum slb_sip_err err);

/* A sentence saying what is wrong, for logs and siplb-parse. */
const char *slb_sip_err_reason(enum slb_sip_err err);

/* The lenient balancer's policy for a message with this error (one table, sip_policy.c). */
enum slb_sip_action slb_sip_policy(enum slb_sip_err err);

/* Name of a method ("INVITE"), or NULL for SLB_M_NONE/SLB_M_OTHER. */
const char *slb_sip_method_name(enum slb_sip_method m);

/*
 * Host and port of a SIP URI held in span uri of buf ("sip:user@host:port;params", with or
 * without < >). Port is 0 when absent. Returns 0, or -1 when the URI is not sip:/sips: or has no
 * host. lr is set when the URI carries the lr parameter.
 */
int slb_sip_uri_hostport(const uint8_t *buf, struct slb_span uri, struct slb_span *host,
	uint16_t *port, bool *lr);

/* Parse a dotted-quad IPv4 literal in a span into host byte order; 0 on success, -1 if not one. */
int slb_sip_ipv4(const uint8_t *buf, struct slb_span s, uint32_t *ip);

/* Whether a message is an initial request: a request whose To has no tag. */
static inline bool
slb_sip_is_initial(const struct slb_sip_msg *msg)
{
	return msg->kind == SLB_SIP_REQUEST && msg->to_tag.len == 0;
}

#ifdef __cplusplus
}
#endif

#endif /* SLB_SIP_H */
