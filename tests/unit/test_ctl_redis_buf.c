/* test_ctl_redis_buf.c: the bounded buffer of Redis writes: fills, counts lost, flushes in batches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ctl_redis_buf.h"
#include "slb_test.h"

/* An op numbered seq: the number in tsc and in its Call-ID. */
static struct ctl_redis_op
op_n(uint64_t seq)
{
	struct ctl_redis_op op;

	memset(&op, 0, sizeof(op));
	op.tsc = seq;
	op.kind = seq % 2 ? CTL_REDIS_OP_SET : CTL_REDIS_OP_DEL;
	op.len = (uint8_t)snprintf(
		op.callid, sizeof(op.callid), "call-%llu", (unsigned long long)seq);
	return op;
}

static void
check_op(const struct ctl_redis_op *op, uint64_t seq)
{
	char want[32];

	snprintf(want, sizeof(want), "call-%llu", (unsigned long long)seq);
	CU_ASSERT_EQUAL(op->tsc, seq);
	CU_ASSERT_EQUAL(op->len, strlen(want));
	CU_ASSERT_NSTRING_EQUAL(op->callid, want, op->len);
}

static void
test_fill_and_lose(void)
{
	struct ctl_redis_buf b;
	struct ctl_redis_op out[64], op;
	uint64_t i;

	CU_ASSERT_EQUAL_FATAL(ctl_redis_buf_init(&b, 64), 0);
	for (i = 0; i < 64; i++) {
		op = op_n(i);
		CU_ASSERT_EQUAL(ctl_redis_buf_push(&b, &op), 0);
	}
	CU_ASSERT_EQUAL(b.count, 64);
	for (i = 64; i < 70; i++) {
		op = op_n(i);
		CU_ASSERT_EQUAL(ctl_redis_buf_push(&b, &op), -ENOBUFS);
	}
	CU_ASSERT_EQUAL(b.lost, 6);
	CU_ASSERT_EQUAL(b.pushed, 64);
	CU_ASSERT_EQUAL(b.peak, 64);
	/* what was kept is the oldest, in order: lost ones never come back */
	CU_ASSERT_EQUAL(ctl_redis_buf_peek(&b, out, 64), 64);
	for (i = 0; i < 64; i++)
		check_op(&out[i], i);
	ctl_redis_buf_free(&b);
	CU_ASSERT_EQUAL(ctl_redis_buf_init(&b, 0), -EINVAL);
}

static void
test_peek_is_not_take(void)
{
	struct ctl_redis_buf b;
	struct ctl_redis_op out[8], op;
	uint64_t i;

	CU_ASSERT_EQUAL_FATAL(ctl_redis_buf_init(&b, 16), 0);
	for (i = 0; i < 5; i++) {
		op = op_n(i);
		ctl_redis_buf_push(&b, &op);
	}
	/* a batch cut by a lost connection is read again: peek twice, same ops */
	CU_ASSERT_EQUAL(ctl_redis_buf_peek(&b, out, 3), 3);
	CU_ASSERT_EQUAL(ctl_redis_buf_peek(&b, out, 8), 5);
	check_op(&out[0], 0);
	CU_ASSERT_EQUAL(b.count, 5);
	ctl_redis_buf_drop(&b, 3);
	CU_ASSERT_EQUAL(b.count, 2);
	CU_ASSERT_EQUAL(ctl_redis_buf_peek(&b, out, 8), 2);
	check_op(&out[0], 3);
	check_op(&out[1], 4);
	ctl_redis_buf_drop(&b, 10); /* more than held: all of it, no wrap-around of counts */
	CU_ASSERT_EQUAL(b.count, 0);
	CU_ASSERT_EQUAL(ctl_redis_buf_peek(&b, out, 8), 0);
	ctl_redis_buf_free(&b);
}

static void
test_wrap(void)
{
	struct ctl_redis_buf b;
	struct ctl_redis_op out[10], op;
	uint64_t next = 0, expect = 0, i;
	uint32_t n, round;

	CU_ASSERT_EQUAL_FATAL(ctl_redis_buf_init(&b, 10), 0);
	/* push 7, take 4 at a time: the ring wraps many times, order kept */
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 7 && b.count < b.size; i++) {
			op = op_n(next++);
			CU_ASSERT_EQUAL(ctl_redis_buf_push(&b, &op), 0);
		}
		n = ctl_redis_buf_peek(&b, out, 4);
		for (i = 0; i < n; i++)
			check_op(&out[i], expect++);
		ctl_redis_buf_drop(&b, n);
	}
	while ((n = ctl_redis_buf_peek(&b, out, 10)) > 0) {
		for (i = 0; i < n; i++)
			check_op(&out[i], expect++);
		ctl_redis_buf_drop(&b, n);
	}
	CU_ASSERT_EQUAL(expect, next);
	CU_ASSERT_EQUAL(b.lost, 0);
	ctl_redis_buf_free(&b);
}

/*
 * A producer faster than the writer: every op is either written once, in order, or counted lost;
 * the batches are never larger than asked.
 */
static void
test_flush_in_batches(void)
{
	enum { SIZE = 100, BATCH = 37, TOTAL = 20000 };
	struct ctl_redis_buf b;
	struct ctl_redis_op out[BATCH], op;
	uint64_t pushed = 0, written = 0, last = 0, batches = 0;
	unsigned int seed = 7;
	bool first = true;
	uint32_t n, i, burst;

	CU_ASSERT_EQUAL_FATAL(ctl_redis_buf_init(&b, SIZE), 0);
	while (pushed < TOTAL) {
		burst = (uint32_t)(rand_r(&seed) % 120);
		for (i = 0; i < burst && pushed < TOTAL; i++) {
			op = op_n(pushed++);
			ctl_redis_buf_push(&b, &op);
		}
		n = ctl_redis_buf_peek(&b, out, BATCH);
		CU_ASSERT(n <= BATCH);
		if (n > 0)
			batches++;
		for (i = 0; i < n; i++) {
			/* increasing: nothing twice, nothing out of order */
			if (!first)
				CU_ASSERT(out[i].tsc > last);
			first = false;
			last = out[i].tsc;
		}
		written += n;
		ctl_redis_buf_drop(&b, n);
	}
	while ((n = ctl_redis_buf_peek(&b, out, BATCH)) > 0) {
		written += n;
		batches++;
		ctl_redis_buf_drop(&b, n);
	}
	CU_ASSERT_EQUAL(written + b.lost, TOTAL);
	CU_ASSERT(b.lost > 0); /* bursts of up to 119 into 100 with 37 out: some are lost */
	CU_ASSERT(batches >= (written + BATCH - 1) / BATCH);
	CU_ASSERT_EQUAL(b.pushed, written);
	CU_ASSERT(b.peak <= SIZE);
	CU_ASSERT_EQUAL(b.count, 0);
	ctl_redis_buf_free(&b);
}

static CU_TestInfo tests[] = {
	{"fills, then counts lost", test_fill_and_lose},
	{"peek keeps, drop forgets", test_peek_is_not_take},
	{"wraps in order", test_wrap},
	{"flushes in batches", test_flush_in_batches},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("ctl_redis_buf", tests);
}
