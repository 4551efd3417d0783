/* ctl_redis_buf.h: the bounded buffer of Redis writes waiting for the writer; beyond it, lost. */
#ifndef CTL_REDIS_BUF_H
#define CTL_REDIS_BUF_H

#include <stdint.h>

#include "ctl_redis_enc.h"

enum ctl_redis_op_kind {
	CTL_REDIS_OP_SET = 1, /* SET key value EX ttl(state) */
	CTL_REDIS_OP_DEL = 2, /* DEL key */
};

/* One write, with what to tell the other instances and when the dataplane saw it. */
struct ctl_redis_op {
	uint64_t tsc; /* the dataplane's event (its TSC): the lag is measured from it; 0: none */
	uint16_t be_id;
	uint8_t kind;  /* enum ctl_redis_op_kind */
	uint8_t state; /* enum slb_ctl_dlg_state */
	char pub;      /* enum ctl_redis_line_op to publish, 0: nothing */
	uint8_t len;   /* bytes of callid */
	char callid[CTL_REDIS_CALLID_MAX];
};

/*
 * A ring of fixed-size operations, allocated once. Not locked: its owner (ctl_redis.c) holds
 * its mutex around each call. The writer copies the oldest out (peek), writes them, and drops
 * them only once Redis answered, so a batch cut by a lost connection is written again (SET and
 * DEL are idempotent; a peer applies a line twice to the same end).
 */
struct ctl_redis_buf {
	struct ctl_redis_op *op;
	uint32_t size; /* redis.buffer */
	uint32_t head; /* the oldest */
	uint32_t count;
	uint32_t peak; /* the most held at once */
	uint64_t pushed;
	uint64_t lost; /* pushed while full: never written */
};

/* 0, or -ENOMEM. */
int ctl_redis_buf_init(struct ctl_redis_buf *b, uint32_t size);
void ctl_redis_buf_free(struct ctl_redis_buf *b);

/* Append op: 0, or -ENOBUFS when full (op is counted lost). */
int ctl_redis_buf_push(struct ctl_redis_buf *b, const struct ctl_redis_op *op);

/* Copy the oldest min(max, count) operations to out (oldest first); returns how many. */
uint32_t ctl_redis_buf_peek(const struct ctl_redis_buf *b, struct ctl_redis_op *out, uint32_t max);

/* Forget the n oldest (n <= count): they were written. */
void ctl_redis_buf_drop(struct ctl_redis_buf *b, uint32_t n);

#endif /* CTL_REDIS_BUF_H */
