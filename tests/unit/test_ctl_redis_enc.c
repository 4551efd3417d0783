/* test_ctl_redis_enc.c: dialog keys, values and pub/sub lines, written and read, bad input refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ctl_redis_enc.h"
#include "slb_test.h"

static void
test_states(void)
{
	static const unsigned int st[] = {
		SLB_CTL_DLG_EARLY, SLB_CTL_DLG_ANSWERED, SLB_CTL_DLG_CONFIRMED};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const char *n = ctl_redis_state_name(st[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_EQUAL(ctl_redis_state_of(n, strlen(n)), (int)st[i]);
	}
	CU_ASSERT_STRING_EQUAL(ctl_redis_state_name(SLB_CTL_DLG_ANSWERED), "answered");
	CU_ASSERT_PTR_NULL(ctl_redis_state_name(0));
	CU_ASSERT_PTR_NULL(ctl_redis_state_name(4));
	CU_ASSERT_EQUAL(ctl_redis_state_of("Early", 5), -1);
	CU_ASSERT_EQUAL(ctl_redis_state_of("earl", 4), -1);
	CU_ASSERT_EQUAL(ctl_redis_state_of("early", 4), -1); /* a prefix is not the name */
	CU_ASSERT_EQUAL(ctl_redis_state_of("", 0), -1);
}

static void
test_callid(void)
{
	char big[CTL_REDIS_CALLID_MAX + 2];

	CU_ASSERT(ctl_redis_callid_ok("a84b4c76e66710@pc33.atlanta.com", 31));
	CU_ASSERT(ctl_redis_callid_ok("caf\xc3\xa9", 5)); /* UTF-8 passes */
	CU_ASSERT(!ctl_redis_callid_ok("", 0));
	CU_ASSERT(!ctl_redis_callid_ok("a b", 3));
	CU_ASSERT(!ctl_redis_callid_ok("ab\n", 3));
	CU_ASSERT(!ctl_redis_callid_ok("ab\r", 3));
	CU_ASSERT(!ctl_redis_callid_ok("a\0b", 3));
	CU_ASSERT(!ctl_redis_callid_ok("a\x7f", 2));
	memset(big, 'x', sizeof(big));
	CU_ASSERT(ctl_redis_callid_ok(big, CTL_REDIS_CALLID_MAX));
	/* what an event carries at its maximum may have been cut */
	CU_ASSERT(!ctl_redis_callid_ok(big, SLB_CTL_CALLID_MAX));
	CU_ASSERT(ctl_redis_name_ok("lb-1", 4));
	CU_ASSERT(!ctl_redis_name_ok("lb 1", 4));
	CU_ASSERT(!ctl_redis_name_ok("", 0));
	CU_ASSERT(!ctl_redis_name_ok(big, CTL_REDIS_NAME_MAX + 1));
}

static void
test_key(void)
{
	char key[256];
	const char *cid;
	size_t n, kl;

	kl = ctl_redis_key(key, sizeof(key), "siplb:", "abc@host", 8);
	CU_ASSERT_EQUAL(kl, strlen("siplb:dlg:abc@host"));
	CU_ASSERT_STRING_EQUAL(key, "siplb:dlg:abc@host");
	CU_ASSERT_EQUAL(ctl_redis_key_callid(key, kl, "siplb:", &cid, &n), 0);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_NSTRING_EQUAL(cid, "abc@host", 8);
	/* no room for it and its NUL: nothing */
	CU_ASSERT_EQUAL(ctl_redis_key(key, kl, "siplb:", "abc@host", 8), 0);
	CU_ASSERT_EQUAL(ctl_redis_key(key, kl + 1, "siplb:", "abc@host", 8), kl);
	CU_ASSERT_EQUAL(ctl_redis_key_callid("other:dlg:x", 11, "siplb:", &cid, &n), -1);
	CU_ASSERT_EQUAL(ctl_redis_key_callid("siplb:dlx:x", 11, "siplb:", &cid, &n), -1);
	CU_ASSERT_EQUAL(ctl_redis_key_callid("siplb:dlg:", 10, "siplb:", &cid, &n), -1);
	CU_ASSERT_EQUAL(ctl_redis_key_callid("sip", 3, "siplb:", &cid, &n), -1);
}

static void
test_value(void)
{
	struct ctl_redis_val v;
	char val[CTL_REDIS_VALUE_MAX];
	size_t n;

	n = ctl_redis_value(val, sizeof(val), 3, SLB_CTL_DLG_CONFIRMED, "lb1");
	CU_ASSERT_EQUAL(n, strlen("3 confirmed lb1"));
	CU_ASSERT_STRING_EQUAL(val, "3 confirmed lb1");
	CU_ASSERT_EQUAL(ctl_redis_value_parse(val, n, &v), 0);
	CU_ASSERT_EQUAL(v.be_id, 3);
	CU_ASSERT_EQUAL(v.state, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(v.owner_len, 3);
	CU_ASSERT_NSTRING_EQUAL(v.owner, "lb1", 3);

	n = ctl_redis_value(
		val, sizeof(val), 4095, SLB_CTL_DLG_ANSWERED, "a-very-long-instance-name-of-31");
	CU_ASSERT(n > 0);
	CU_ASSERT_EQUAL(ctl_redis_value_parse(val, n, &v), 0);
	CU_ASSERT_EQUAL(v.be_id, 4095);
	CU_ASSERT_EQUAL(v.state, SLB_CTL_DLG_ANSWERED);
	CU_ASSERT_EQUAL(v.owner_len, 31);
	n = ctl_redis_value(val, sizeof(val), 0, SLB_CTL_DLG_EARLY, "x");
	CU_ASSERT_EQUAL(ctl_redis_value_parse(val, n, &v), 0);
	CU_ASSERT_EQUAL(v.be_id, 0);

	CU_ASSERT_EQUAL(ctl_redis_value(val, sizeof(val), 4096, SLB_CTL_DLG_EARLY, "lb1"), 0);
	CU_ASSERT_EQUAL(ctl_redis_value(val, sizeof(val), 1, 0, "lb1"), 0);
	CU_ASSERT_EQUAL(ctl_redis_value(val, sizeof(val), 1, SLB_CTL_DLG_EARLY, "l b"), 0);
	CU_ASSERT_EQUAL(ctl_redis_value(val, sizeof(val), 1, SLB_CTL_DLG_EARLY, ""), 0);
	CU_ASSERT_EQUAL(ctl_redis_value(val, 8, 1, SLB_CTL_DLG_EARLY, "lb1"), 0);
}

static void
test_value_malformed(void)
{
	static const char *const bad[] = {
		"",
		"3",
		"3 early",
		"3 early ",
		" 3 early lb1",
		"03 early lb1",
		"4096 early lb1",
		"-1 early lb1",
		"+1 early lb1",
		"3 Early lb1",
		"3  early lb1",
		"3 early  lb1",
		"3 early lb 1",
		"3 early lb1\n",
		"x early lb1",
		"3 free lb1",
		"99999 early lb1",
		"3 early a-name-that-is-32-bytes-long-xxx",
		"3\tearly\tlb1",
		"3 early lb1 ",
	};
	struct ctl_redis_val v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ctl_redis_value_parse(bad[i], strlen(bad[i]), &v);

		if (rc != -1)
			printf("\n    accepted '%s'\n", bad[i]);
		CU_ASSERT_EQUAL(rc, -1);
	}
	/* a NUL inside the given length is not part of any field */
	CU_ASSERT_EQUAL(ctl_redis_value_parse("3 early l\0b", 11, &v), -1);
}

struct got {
	unsigned int n;
	struct ctl_redis_line l[64];
	char callid[64][CTL_REDIS_CALLID_MAX + 1];
};

static void
collect(void *arg, const struct ctl_redis_line *l)
{
	struct got *g = arg;

	if (g->n < 64) {
		g->l[g->n] = *l;
		memcpy(g->callid[g->n], l->callid, l->len);
		g->callid[g->n][l->len] = '\0';
	}
	g->n++;
}

static struct ctl_redis_msg msg;

static void
test_msg_roundtrip(void)
{
	struct got g = {0};
	const char *inst;
	size_t il;
	uint32_t bad = 99;

	ctl_redis_msg_init(&msg, "lb-a");
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'c', 2, SLB_CTL_DLG_EARLY, "one@h", 5), 0);
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'u', 2, SLB_CTL_DLG_CONFIRMED, "one@h", 5), 0);
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'e', 4095, SLB_CTL_DLG_ANSWERED, "two", 3), 0);
	CU_ASSERT_EQUAL(msg.lines, 3);
	CU_ASSERT_EQUAL(msg.len, strlen("lb-a\nc 2 early one@h\nu 2 confirmed one@h\n"
					"e 4095 answered two\n"));
	CU_ASSERT_NSTRING_EQUAL(msg.buf,
		"lb-a\nc 2 early one@h\nu 2 confirmed one@h\ne 4095 answered two\n", msg.len);
	CU_ASSERT_EQUAL(ctl_redis_msg_parse(msg.buf, msg.len, &inst, &il, collect, &g, &bad), 3);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(il, 4);
	CU_ASSERT_NSTRING_EQUAL(inst, "lb-a", 4);
	CU_ASSERT_EQUAL_FATAL(g.n, 3);
	CU_ASSERT_EQUAL(g.l[0].op, 'c');
	CU_ASSERT_EQUAL(g.l[0].be_id, 2);
	CU_ASSERT_EQUAL(g.l[0].state, SLB_CTL_DLG_EARLY);
	CU_ASSERT_STRING_EQUAL(g.callid[0], "one@h");
	CU_ASSERT_EQUAL(g.l[1].op, 'u');
	CU_ASSERT_EQUAL(g.l[1].state, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(g.l[2].op, 'e');
	CU_ASSERT_EQUAL(g.l[2].be_id, 4095);
	CU_ASSERT_STRING_EQUAL(g.callid[2], "two");

	/* refused lines are never appended */
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'x', 2, SLB_CTL_DLG_EARLY, "a", 1), -EINVAL);
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'c', 4096, SLB_CTL_DLG_EARLY, "a", 1), -EINVAL);
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'c', 1, 7, "a", 1), -EINVAL);
	CU_ASSERT_EQUAL(ctl_redis_msg_add(&msg, 'c', 1, SLB_CTL_DLG_EARLY, "a\nb", 3), -EINVAL);
	CU_ASSERT_EQUAL(msg.lines, 3);
}

static void
test_msg_full(void)
{
	char cid[CTL_REDIS_CALLID_MAX];
	struct got g = {0};
	const char *inst;
	uint32_t added = 0, bad;
	size_t il;
	int rc;

	memset(cid, 'k', sizeof(cid));
	ctl_redis_msg_init(&msg, "lb");
	while ((rc = ctl_redis_msg_add(
			&msg, 'c', added % 4096, SLB_CTL_DLG_EARLY, cid, sizeof(cid))) == 0)
		added++;
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT_EQUAL(msg.lines, added);
	CU_ASSERT(msg.len <= CTL_REDIS_MSG_MAX);
	/* full means no room for one more such line */
	CU_ASSERT(msg.len + sizeof(cid) + 16 > CTL_REDIS_MSG_MAX);
	CU_ASSERT_EQUAL(
		ctl_redis_msg_parse(msg.buf, msg.len, &inst, &il, collect, &g, &bad), (int)added);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(g.n, added);
}

/* The message text, parsed: good lines (or -1) and the refused count. */
static int
parse_text(const char *text, uint32_t *bad, struct got *g)
{
	const char *inst;
	size_t il;

	memset(g, 0, sizeof(*g));
	return ctl_redis_msg_parse(text, strlen(text), &inst, &il, collect, g, bad);
}

static void
test_msg_malformed(void)
{
	static const char *const whole_bad[] = {
		"",
		"lb1",
		"\nc 1 early a\n",
		"l b\nc 1 early a\n",
		"lb1 \nc 1 early a\n",
		"an-instance-name-of-32-bytes-xxx\nc 1 early a\n",
	};
	static const char *const line_bad[] = {
		"x 1 early abc",
		"c 1 early",
		"c 1 early ",
		"c 99999 early abc",
		"c 1 weird abc",
		"cc 1 early abc",
		"c 1 early a b",
		"",
		"c 1 early abc\r",
		"c  1 early abc",
		"c 01 early abc",
		"c 1 early abc ",
		"C 1 early abc",
		"c -1 early abc",
	};
	char text[512];
	struct got g;
	uint32_t bad;
	size_t i;

	for (i = 0; i < sizeof(whole_bad) / sizeof(whole_bad[0]); i++) {
		CU_ASSERT_EQUAL(parse_text(whole_bad[i], &bad, &g), -1);
		CU_ASSERT_EQUAL(g.n, 0);
	}
	/* each bad line between two good ones: the good ones go through, it is counted */
	for (i = 0; i < sizeof(line_bad) / sizeof(line_bad[0]); i++) {
		snprintf(text, sizeof(text), "lb1\nc 1 early good1\n%s\ne 2 confirmed good2\n",
			line_bad[i]);
		CU_ASSERT_EQUAL(parse_text(text, &bad, &g), 2);
		if (bad != 1)
			printf("\n    line '%s': %u refused\n", line_bad[i], bad);
		CU_ASSERT_EQUAL(bad, 1);
		CU_ASSERT_STRING_EQUAL(g.callid[0], "good1");
		CU_ASSERT_STRING_EQUAL(g.callid[1], "good2");
	}
	/* a last line without its newline was cut: refused */
	CU_ASSERT_EQUAL(parse_text("lb1\nc 1 early good1\nc 2 early cut", &bad, &g), 1);
	CU_ASSERT_EQUAL(bad, 1);
	/* a message of the instance line only is empty, not bad */
	CU_ASSERT_EQUAL(parse_text("lb1\n", &bad, &g), 0);
	CU_ASSERT_EQUAL(bad, 0);
	/* longer than any we send: refused whole */
	{
		char *big = malloc(CTL_REDIS_MSG_MAX + 2);
		const char *inst;
		size_t il;

		CU_ASSERT_PTR_NOT_NULL_FATAL(big);
		memset(big, '\n', CTL_REDIS_MSG_MAX + 1);
		memcpy(big, "lb1\n", 4);
		CU_ASSERT_EQUAL(ctl_redis_msg_parse(
					big, CTL_REDIS_MSG_MAX + 1, &inst, &il, collect, &g, &bad),
			-1);
		free(big);
	}
}

/* What reaches fn from arbitrary bytes is always a line we could have written. */
static void
check_line(void *arg, const struct ctl_redis_line *l)
{
	unsigned int *n = arg;

	(*n)++;
	CU_ASSERT(l->op == 'c' || l->op == 'u' || l->op == 'e');
	CU_ASSERT(l->be_id < CTL_REDIS_BE_MAX);
	CU_ASSERT_PTR_NOT_NULL(ctl_redis_state_name(l->state));
	CU_ASSERT(ctl_redis_callid_ok(l->callid, l->len));
}

static void
test_msg_random(void)
{
	static const char base[] = "lb1\nc 1 early abc@h\nu 22 confirmed x\ne 4095 answered y@z\n";
	char buf[sizeof(base)];
	unsigned int seed = 12345, iter, k, n, seen = 0, whole = 0;
	uint32_t bad;
	const char *inst;
	size_t il, len;

	/* a valid message with a few bytes changed and maybe cut short */
	for (iter = 0; iter < 200000; iter++) {
		memcpy(buf, base, sizeof(base));
		len = sizeof(base) - 1;
		for (k = 0; k < 1 + (unsigned int)rand_r(&seed) % 3; k++)
			buf[rand_r(&seed) % len] = (char)(rand_r(&seed) % 256);
		if (rand_r(&seed) % 4 == 0)
			len = (size_t)rand_r(&seed) % len;
		n = 0;
		if (ctl_redis_msg_parse(buf, len, &inst, &il, check_line, &n, &bad) >= 0) {
			seen += n;
			whole += bad == 0 && n == 3;
		}
	}
	/* the checks in check_line ran, on whole messages and on damaged ones */
	CU_ASSERT(seen > 100000);
	CU_ASSERT(whole > 0);
}

static CU_TestInfo tests[] = {
	{"state names", test_states},
	{"Call-IDs and instance names", test_callid},
	{"keys", test_key},
	{"values", test_value},
	{"values malformed", test_value_malformed},
	{"pub/sub message round trip", test_msg_roundtrip},
	{"pub/sub message full", test_msg_full},
	{"pub/sub malformed", test_msg_malformed},
	{"pub/sub random bytes", test_msg_random},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("ctl_redis_enc", tests);
}
