/* sip_policy.c: what each parse error means, and what a lenient balancer does about it. */
#include "slb_sip.h"

/*
 * One row per error: its name (counters, JSON), the reason an operator reads, and the action.
 *
 * The rule behind the actions: forward when the balancer can still do its own job (pin the
 * dialog by Call-ID and route the response back by Via), and let the backend, which has a
 * transaction layer, answer 400 to what is wrong. Drop when it cannot: no Call-ID to pin by, no
 * Via to route a response back, not SIP at all, or a datagram that is cut short (the backend
 * would see a different message than the sender sent).
 */
static const struct {
	const char *name;
	const char *reason;
	enum slb_sip_action action;
} errs[SLB_SIP_E__COUNT] = {
	[SLB_SIP_OK] = {"ok", "no error", SLB_SIP_ACT_FORWARD},
	[SLB_SIP_E_EMPTY] = {"empty", "empty datagram or only line ends", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_TOO_LONG] = {"too_long", "message longer than 65535 bytes", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_BINARY] = {"binary",
		"control byte in the start line, or NUL in the headers outside a quoted-pair",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_START_LINE] = {"start_line", "start line is neither a request nor a status line",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_VERSION] = {"version", "SIP version is not 2.0", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_STATUS] = {"status", "status code is not three digits in 100..699",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_TRUNCATED] = {"truncated", "no empty line ends the header section",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_NO_CALLID] = {"no_call_id", "Call-ID is missing or empty", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_DUP_CALLID] = {"dup_call_id", "two Call-ID headers with different values",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_NO_VIA] = {"no_via", "no Via header", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_VIA] = {"via", "top or second Via value cannot be parsed", SLB_SIP_ACT_DROP},
	[SLB_SIP_E_CLEN] = {"content_length", "Content-Length is not a number, or two differ",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_BODY_SHORT] = {"body_short", "body is shorter than Content-Length",
		SLB_SIP_ACT_DROP},
	[SLB_SIP_E_HEADER] = {"header", "a header line has no colon or a bad name",
		SLB_SIP_ACT_CALLID},
	[SLB_SIP_E_NO_CSEQ] = {"no_cseq", "CSeq is missing", SLB_SIP_ACT_CALLID},
	[SLB_SIP_E_CSEQ] = {"cseq", "CSeq is not 'number method' or names another method",
		SLB_SIP_ACT_CALLID},
	[SLB_SIP_E_MAX_FWD] = {"max_forwards", "Max-Forwards is not a number in 0..32767",
		SLB_SIP_ACT_CALLID},
	[SLB_SIP_E_NO_FROM_TO] = {"no_from_to",
		"From or To is missing, or To's quoted string or '<' is not closed", SLB_SIP_ACT_CALLID},
};

const char *
slb_sip_err_name(enum slb_sip_err err)
{
	return (unsigned int)err < SLB_SIP_E__COUNT ? errs[err].name : "unknown";
}

const char *
slb_sip_err_reason(enum slb_sip_err err)
{
	return (unsigned int)err < SLB_SIP_E__COUNT ? errs[err].reason : "unknown error";
}

enum slb_sip_action
slb_sip_policy(enum slb_sip_err err)
{
	return (unsigned int)err < SLB_SIP_E__COUNT ? errs[err].action : SLB_SIP_ACT_DROP;
}
