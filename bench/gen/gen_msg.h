/* gen_msg.h: siplb-gen's SIP text: the messages both ends send, and a scan of what comes back. */
#ifndef SLBG_MSG_H
#define SLBG_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Everything here is plain C on byte buffers (no EAL), so the unit tests build and read the
 * same messages the DPDK application sends. Messages are written with memcpy and hand-made
 * number formatting, not snprintf: the generator writes one per message it sends, and at a
 * million messages a second printf's parsing of its format would be most of the cost.
 */

/* Message types, for counters and latency: requests and the responses that matter. */
enum slbg_mt {
	SLBG_MT_INVITE = 0,
	SLBG_MT_100,
	SLBG_MT_180,
	SLBG_MT_200_INVITE,
	SLBG_MT_ACK,
	SLBG_MT_BYE,
	SLBG_MT_200_BYE,
	SLBG_MT_CANCEL,
	SLBG_MT_200_CANCEL,
	SLBG_MT_487,
	SLBG_MT_OPTIONS,
	SLBG_MT_200_OPTIONS,
	SLBG_MT_REGISTER,
	SLBG_MT_200_REGISTER,
	SLBG_MT_OTHER,
	SLBG_MT__COUNT
};

/* "INVITE", "200/INVITE", ...: for the summary and the JSON keys. */
const char *slbg_mt_name(enum slbg_mt mt);

#define SLBG_CALLID_MAX 64
#define SLBG_ROUTE_MAX 160
#define SLBG_VIA_MAX 320
#define SLBG_HDR_MAX 96

/* What both ends of one call know of it; the builders read only this. */
struct slbg_dlg {
	uint32_t slot;	    /* the call's slot in the engine: the Call-ID's first 8 hex digits */
	uint32_t serial;    /* which call in that slot: the next 8 */
	uint32_t caller_ip; /* host order */
	uint16_t caller_port;
	uint16_t target_port; /* the UAS's Contact, learnt from its 200 */
	uint32_t target_ip;
	uint32_t lb_ip; /* where the caller sends out-of-dialog requests */
	uint16_t lb_port;
	uint16_t be_port;
	uint32_t be_ip; /* the backend that answers (the UAS's own address) */
	uint32_t from_tag;
	uint32_t to_tag;
	uint32_t sdp_len; /* the INVITE's body: at least a realistic SDP, padded up to this */
	uint8_t callid_len;
	char callid[SLBG_CALLID_MAX];
	/* the caller's route set, from the 200's Record-Route (reversed), for ACK and BYE */
	uint8_t uac_route_len;
	char uac_route[SLBG_ROUTE_MAX];
	/* the callee's: the INVITE's Record-Route as it came, for its own BYE */
	uint8_t uas_route_len;
	char uas_route[SLBG_ROUTE_MAX];
	/* the INVITE's Via lines as the UAS received them, for its 200 and 487 sent again */
	uint16_t uas_via_len;
	char uas_via[SLBG_VIA_MAX];
	/*
	 * The From and To lines every message of the call repeats, and the caller's Via up to its
	 * branch's last character, written once per call by slbg_dlg_texts() (0: written in each
	 * message). To stops before its tag.
	 */
	uint8_t from_len;
	char from_hdr[SLBG_HDR_MAX];
	uint8_t to_len;
	char to_hdr[SLBG_HDR_MAX];
	uint8_t via_len;
	char via_hdr[SLBG_HDR_MAX];
};

/* A bounded writer; over is set (and nothing more written) once a write would not fit. */
struct slbg_buf {
	char *p;
	char *end;
	bool over;
};

static inline void
slbg_put(struct slbg_buf *b, const void *s, size_t n)
{
	if (b->over || (size_t)(b->end - b->p) < n) {
		b->over = true;
		return;
	}
	memcpy(b->p, s, n);
	b->p += n;
}

static inline void
slbg_puts(struct slbg_buf *b, const char *s)
{
	slbg_put(b, s, strlen(s));
}

void slbg_put_u32(struct slbg_buf *b, uint32_t v);
void slbg_put_hex(struct slbg_buf *b, uint64_t v, unsigned int digits);
void slbg_put_ip(struct slbg_buf *b, uint32_t ip);

/* Fill d->callid from its slot, serial, caller address and rnd (three random words). */
void slbg_callid_make(struct slbg_dlg *d, uint64_t rnd);

/*
 * Write d's From and To lines and the caller's Via once (from its slot, serial, caller address
 * and port, tags and the balancer's address), for every message of the call to copy: the
 * messages come out byte for byte as without them, with thousands of instructions less a call.
 */
void slbg_dlg_texts(struct slbg_dlg *d);

/*
 * The messages. Each writes one whole SIP message into [buf, buf + cap) and returns its length,
 * or 0 when it did not fit. ts is the sender's clock, carried in X-Gen-TS (the last header) so
 * that the other end measures the time through the balancer. cseq is the request's.
 */
uint32_t slbg_build_invite(const struct slbg_dlg *d, uint64_t ts, char *buf, uint32_t cap);
/* ACK: for a 2xx (own branch, to the Contact along the route set) or not (the INVITE's). */
uint32_t slbg_build_ack(
	const struct slbg_dlg *d, bool for_2xx, uint64_t ts, char *buf, uint32_t cap);
uint32_t slbg_build_cancel(const struct slbg_dlg *d, uint64_t ts, char *buf, uint32_t cap);
/* The caller's BYE (CSeq 2) or the callee's (from_callee: its own CSeq and Via). */
uint32_t slbg_build_bye(
	const struct slbg_dlg *d, bool from_callee, uint64_t ts, char *buf, uint32_t cap);
/* An out-of-dialog OPTIONS or REGISTER (method SLBG_MT_OPTIONS / SLBG_MT_REGISTER). */
uint32_t slbg_build_ood(
	const struct slbg_dlg *d, enum slbg_mt method, uint64_t ts, char *buf, uint32_t cap);

/* What slbg_scan() finds in a message: spans are offsets into the scanned buffer. */
struct slbg_span {
	uint16_t off;
	uint16_t len;
};

#define SLBG_SCAN_VIAS 8

struct slbg_scan {
	bool request;
	enum slbg_mt mt; /* the kind, from the method or from status + CSeq method */
	uint16_t status; /* responses */
	uint32_t cseq;
	struct slbg_span callid; /* the value */
	struct slbg_span from;	 /* whole lines, with their CRLF: copied into responses */
	struct slbg_span to;
	struct slbg_span cseq_line;
	struct slbg_span callid_line;
	struct slbg_span via[SLBG_SCAN_VIAS]; /* each Via line, in order */
	uint8_t nb_via;
	bool via_cut; /* more Via lines than kept */
	uint8_t nb_rr;
	struct slbg_span rr_line[4];
	struct slbg_span contact; /* the value */
	bool to_tagged;
	bool has_ts;
	uint64_t ts;	  /* X-Gen-TS */
	uint16_t hdr_end; /* first body byte */
};

/*
 * Scan a message siplb-gen sent, as it came back through the balancer (which adds a Via and a
 * Record-Route and rewrites the top Via's parameters). Returns 0, or -1 when it lacks what
 * siplb-gen needs (a start line, Call-ID, CSeq, a Via).
 */
int slbg_scan(const char *buf, uint32_t len, struct slbg_scan *s);

/*
 * The values of the scanned message's Record-Route lines joined with ", ", in order or
 * reversed (a caller's route set is the 200's Record-Route reversed, §12.1.2).
 */
int slbg_scan_rr(const char *buf, const struct slbg_scan *s, bool reverse, char *out, uint32_t cap,
	uint32_t *len);

/* The slot and serial from a Call-ID siplb-gen made; -1 when it is not one of ours. */
int slbg_callid_parse(const char *buf, struct slbg_span callid, uint32_t *slot, uint32_t *serial);

/* The host and port of the first URI in a route set's text ("<sip:198.18.0.1:5060;lr>, ..."). */
int slbg_route_first(const char *route, uint32_t len, uint32_t *ip, uint16_t *port);

/* The IPv4 address and port in a Contact's URI; -1 when there is none. */
int slbg_uri_ipport(const char *s, uint32_t len, uint32_t *ip, uint16_t *port);

/*
 * A response to a non-INVITE request scanned in s (req), made from the request alone so that
 * it can answer a request of a call already gone: its Via lines, From, To (with d's to_tag
 * added when the request's To has none and d is not NULL), Call-ID and CSeq.
 */
uint32_t slbg_build_response(const struct slbg_dlg *d, const char *req, const struct slbg_scan *s,
	uint16_t status, uint64_t ts, char *buf, uint32_t cap);

/*
 * A response to the INVITE (100, 180, 200, 487), first or again, from what the callee kept of
 * it: its Via lines and Record-Route; a 200 has a Contact and an SDP answer.
 */
uint32_t slbg_build_inv_response_again(
	const struct slbg_dlg *d, uint16_t status, uint64_t ts, char *buf, uint32_t cap);

#endif /* SLBG_MSG_H */
