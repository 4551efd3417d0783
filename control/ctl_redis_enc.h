/* ctl_redis_enc.h: dialog state as Redis text: keys, values, and the lines published to peers. */
#ifndef CTL_REDIS_ENC_H
#define CTL_REDIS_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slb_ctl.h"

/*
 * Formats (design-redis.md), shared by every instance on one Redis and prefix, so a change here
 * is a change of protocol between balancers of different versions:
 *   key      <prefix>dlg:<Call-ID>
 *   value    "<be_id> <state> <instance>"            state: early | answered | confirmed
 *   channel  <prefix>events, one message per batch:
 *            "<instance>\n" then lines "c|u|e <be_id> <state> <Call-ID>\n"
 *            (c created, u updated, e ended; the state of an ended one is its last known)
 * A Call-ID is written only when whole: an event carries at most SLB_CTL_CALLID_MAX bytes and
 * one that long may have been cut, so the longest written is one byte shorter. Its bytes must
 * be printable and not space (RFC 3261 words are); anything else could break a line.
 */
#define CTL_REDIS_CALLID_MAX (SLB_CTL_CALLID_MAX - 1)
#define CTL_REDIS_NAME_MAX 31	/* an instance name: redis.instance's room (SLB_CFG_NAME_LEN) */
#define CTL_REDIS_VALUE_MAX 64	/* "4095 confirmed " and a name, with room */
#define CTL_REDIS_MSG_MAX 65536 /* bytes of one published message; a batch spans several */
#define CTL_REDIS_BE_MAX 4096	/* backend ids are 0..4095 (SLB_BE_ID_MAX) */

enum ctl_redis_line_op {
	CTL_REDIS_LINE_CREATED = 'c',
	CTL_REDIS_LINE_UPDATED = 'u',
	CTL_REDIS_LINE_ENDED = 'e',
};

/* "early", "answered", "confirmed" for enum slb_ctl_dlg_state; NULL for anything else. */
const char *ctl_redis_state_name(unsigned int state);

/* The state named by s[0..n), or -1. */
int ctl_redis_state_of(const char *s, size_t n);

/* A Call-ID we write: 1..CTL_REDIS_CALLID_MAX bytes, none a control character or space. */
bool ctl_redis_callid_ok(const char *p, size_t n);

/* An instance name: 1..CTL_REDIS_NAME_MAX printable bytes, no space. */
bool ctl_redis_name_ok(const char *p, size_t n);

/* <prefix>dlg:<Call-ID> into out: its length, or 0 when it does not fit in cap (with a NUL). */
size_t ctl_redis_key(char *out, size_t cap, const char *prefix, const char *callid, size_t n);

/* The Call-ID of a key under prefix: 0 with *callid, *n pointing into key; -1 if not one. */
int ctl_redis_key_callid(
	const char *key, size_t len, const char *prefix, const char **callid, size_t *n);

/* The value of a dialog: its length, or 0 for a bad backend, state or name, or no room. */
size_t ctl_redis_value(
	char *out, size_t cap, unsigned int be_id, unsigned int state, const char *instance);

struct ctl_redis_val {
	uint16_t be_id;
	uint8_t state;	   /* enum slb_ctl_dlg_state */
	const char *owner; /* into the parsed text, not NUL-terminated */
	size_t owner_len;
};

/* Parse a value: 0, or -1 when it is not exactly "<be_id> <state> <instance>". */
int ctl_redis_value_parse(const char *s, size_t n, struct ctl_redis_val *v);

/* A message being built: the instance line, then as many lines as fit. */
struct ctl_redis_msg {
	size_t len;
	size_t head; /* bytes of the instance line */
	uint32_t lines;
	char buf[CTL_REDIS_MSG_MAX];
};

/* Start a message from instance (a valid name: ctl_redis_name_ok()). */
void ctl_redis_msg_init(struct ctl_redis_msg *m, const char *instance);

/*
 * Append a line. 0; -ENOSPC when the message is full (publish it, init again, add again);
 * -EINVAL for a bad op, backend, state or Call-ID (never appended).
 */
int ctl_redis_msg_add(struct ctl_redis_msg *m, char op, unsigned int be_id, unsigned int state,
	const char *callid, size_t n);

/* One line of another instance's message. */
struct ctl_redis_line {
	char op; /* enum ctl_redis_line_op */
	uint16_t be_id;
	uint8_t state;
	const char *callid; /* into the message */
	size_t len;
};

typedef void ctl_redis_line_fn(void *arg, const struct ctl_redis_line *l);

/*
 * Read a message: its instance into *inst and *inst_len (into msg), fn for each good line, and the
 * count of refused lines in *bad. Returns the good lines, or -1 when the message as a whole is
 * not one (too long, no valid instance line: nothing is handed to fn).
 */
int ctl_redis_msg_parse(const char *msg, size_t len, const char **inst, size_t *inst_len,
	ctl_redis_line_fn *fn, void *arg, uint32_t *bad);

#endif /* CTL_REDIS_ENC_H */
