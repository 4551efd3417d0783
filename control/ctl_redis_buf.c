/* ctl_redis_buf.c: a fixed ring of pending Redis writes; what does not fit is counted, not kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_redis_buf.h"

int
ctl_redis_buf_init(struct ctl_redis_buf *b, uint32_t size)
{
	memset(b, 0, sizeof(*b));
	if (size == 0)
		return -EINVAL;
	b->op = calloc(size, sizeof(*b->op));
	if (b->op == NULL)
		return -ENOMEM;
	b->size = size;
	return 0;
}

void
ctl_redis_buf_free(struct ctl_redis_buf *b)
{
	free(b->op);
	memset(b, 0, sizeof(*b));
}

int
ctl_redis_buf_push(struct ctl_redis_buf *b, const struct ctl_redis_op *op)
{
	uint32_t at;

	if (b->count == b->size) {
		b->lost++;
		return -ENOBUFS;
	}
	at = b->head + b->count;
	if (at >= b->size)
		at -= b->size;
	b->op[at] = *op;
	b->count++;
	b->pushed++;
	if (b->count > b->peak)
		b->peak = b->count;
	return 0;
}

uint32_t
ctl_redis_buf_peek(const struct ctl_redis_buf *b, struct ctl_redis_op *out, uint32_t max)
{
	uint32_t n = b->count < max ? b->count : max;
	uint32_t first = b->size - b->head; /* before the ring wraps */

	if (n <= first) {
		memcpy(out, &b->op[b->head], n * sizeof(*out));
	} else {
		memcpy(out, &b->op[b->head], first * sizeof(*out));
		memcpy(out + first, &b->op[0], (n - first) * sizeof(*out));
	}
	return n;
}

void
ctl_redis_buf_drop(struct ctl_redis_buf *b, uint32_t n)
{
	if (n > b->count)
		n = b->count;
	b->head += n;
	if (b->head >= b->size)
		b->head -= b->size;
	b->count -= n;
	if (b->count == 0)
		b->head = 0;
}
