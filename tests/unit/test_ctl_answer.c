/* test_ctl_answer.c: siplbctl's requests as control answers them, with no dataplane attached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "ctl_answer.h"
#include "ctl_apply.h"
#include "ctl_log.h"
#include "ctl_reload.h"
#include "slb_test.h"

#define SAMPLE SLB_SOURCE_ROOT "/dataplane/siplb.conf.sample"

static struct ctl c;
static char path[64];

static json_t *
ask(const char *req, uint64_t *ticket)
{
	uint64_t t;

	return ctl_answer(&c, req, strlen(req), ticket != NULL ? ticket : &t);
}

/* ok false and an error containing want */
static void
refused(const char *req, const char *want)
{
	uint64_t t = 0;
	json_t *a = ask(req, &t);
	const char *err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(json_is_false(json_object_get(a, "ok")));
	err = json_string_value(json_object_get(a, "error"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	if (strstr(err, want) == NULL)
		printf("\n    '%s' lacks '%s'\n", err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	json_decref(a);
}

static int
setup(void)
{
	FILE *f;
	char line[512];

	snprintf(path, sizeof(path), "/tmp/test_ctl_answer.%d.conf", (int)getpid());
	f = fopen(path, "w");
	{
		FILE *in = fopen(SAMPLE, "r");

		if (f == NULL || in == NULL)
			return -1;
		while (fgets(line, sizeof(line), in) != NULL)
			fputs(line, f);
		fclose(in);
		fclose(f);
	}
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (c.cfg == NULL || slb_cfg_load(c.cfg, path) < 0)
		return -1;
	c.cfg_path = path;
	c.pid = 4242;
	c.started = 1.5e9;
	c.started_us = ctl_now_us();
	ctl_reload_health_cfg(&c.hc, c.cfg);
	ctl_chan_init(&c.chan, "siplb-test-answer-none");
	ctl_apply_from_cfg(&c, c.cfg, c.started_us);
	return 0;
}

static void
test_status_backends(void)
{
	json_t *a = ask("{\"cmd\":\"status\"}\n", NULL), *b, *be;

	CU_ASSERT(json_is_true(json_object_get(a, "ok")));
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(a, "dataplane"), "state")),
		"absent");
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(json_object_get(a, "control"), "pid")), 4242);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(a, "control"), "config")), path);
	json_decref(a);

	a = ask("{\"cmd\":\"backends\"}", NULL);
	b = json_object_get(a, "backends");
	CU_ASSERT_EQUAL_FATAL(json_array_size(b), 2);
	be = json_array_get(b, 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(be, "id")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(be, "name")), "b1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(be, "address")), "198.18.1.10");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(be, "state")), "up");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(be, "dataplane")), "up");
	CU_ASSERT(json_is_null(json_object_get(be, "rtt_ms")));
	CU_ASSERT(json_is_null(json_object_get(be, "last_status")));
	CU_ASSERT(json_real_value(json_object_get(be, "since")) >= 1.5e9);
	json_decref(a);
}

static void
test_bad_requests(void)
{
	refused("{\"cmd\":", "bad request");
	refused("[1,2]", "JSON object");
	refused("{\"verb\":\"status\"}", "\"cmd\" is missing");
	refused("{\"cmd\":\"shutdown\"}", "unknown cmd 'shutdown'");
	refused("{\"cmd\":\"stats\"}", "not running");
	refused("{\"cmd\":\"dialogs\"}", "not running");
	refused("{\"cmd\":\"backend\"}", "\"action\" is missing");
	refused("{\"cmd\":\"backend\",\"action\":\"explode\",\"id\":1}", "unknown action");
	refused("{\"cmd\":\"backend\",\"action\":\"drain\"}", "by \"id\" or \"name\"");
	refused("{\"cmd\":\"backend\",\"action\":\"drain\",\"id\":77}", "no backend 77");
	refused("{\"cmd\":\"backend\",\"action\":\"drain\",\"id\":-1}", "0..4095");
	refused("{\"cmd\":\"backend\",\"action\":\"drain\",\"name\":\"zz\"}", "no backend named");
	refused("{\"cmd\":\"backend\",\"action\":\"weight\",\"id\":1}", "\"weight\"");
	refused("{\"cmd\":\"backend\",\"action\":\"weight\",\"id\":1,\"weight\":70000}",
		"0..65535");
}

/* siplbctl dialog: a lookup that waits, answered with what each half could say. */
static void
test_dialog_lookup(void)
{
	uint64_t t = 0, t2 = 0;
	json_t *a;
	char big[1100];
	int i;

	refused("{\"cmd\":\"dialog\"}", "\"callid\": a string");
	refused("{\"cmd\":\"dialog\",\"callid\":7}", "\"callid\": a string");
	refused("{\"cmd\":\"dialog\",\"callid\":\"\"}", "1 to 1024 bytes");
	snprintf(big, sizeof(big), "{\"cmd\":\"dialog\",\"callid\":\"%01030d\"}", 0);
	refused(big, "1 to 1024 bytes");

	a = ask("{\"cmd\":\"dialog\",\"callid\":\"a84b@pc33\"}", &t);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT((t & CTL_DLG_TICKET) != 0);
	/* no dataplane, no Redis: both halves are known at once */
	a = ctl_answer_wait(&c, t, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(json_is_true(json_object_get(a, "ok")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(a, "callid")), "a84b@pc33");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(a, "local_error")),
		"not running"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(a, "redis_error")),
		"redis.enabled is false"));
	CU_ASSERT_PTR_NULL(json_object_get(a, "hash"));
	json_decref(a);

	/* every slot taken: refused, not queued; a slot answered is free again */
	for (i = 0; i < CTL_DLG_QUERIES; i++)
		CU_ASSERT_PTR_NULL(ask("{\"cmd\":\"dialog\",\"callid\":\"x\"}", &t));
	refused("{\"cmd\":\"dialog\",\"callid\":\"x\"}", "too many");
	a = ctl_answer_wait(&c, t, false);
	CU_ASSERT_PTR_NOT_NULL(a);
	json_decref(a);
	CU_ASSERT_PTR_NULL(ask("{\"cmd\":\"dialog\",\"callid\":\"y\"}", &t2));
	CU_ASSERT_EQUAL(t2, t);
	for (i = 0; i < CTL_DLG_QUERIES; i++)
		json_decref(ctl_answer_wait(&c, CTL_DLG_TICKET | (uint64_t)i, true));
}

static void
test_add_checks(void)
{
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"address\":\"198.18.1.20\"}",
		"\"id\" is missing");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":4096,\"address\":\"198.18.1.20\"}",
		"0..4095");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1\"}",
		"IPv4");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1.20\","
		"\"port\":0}",
		"1..65535");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":1,\"address\":\"198.18.1.20\"}",
		"backend 1 exists");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1.20\","
		"\"name\":\"b2\"}",
		"named 'b2'");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1.10\"}",
		"address and port");
	/* a caller-side prefix, our own address, nowhere */
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.0.20\"}",
		"backend-side");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1.1\"}",
		"balancer's own");
	refused("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"10.1.2.3\"}",
		"backend-side");
	CU_ASSERT_EQUAL(c.nb_be, 2);
}

/* A change waits for the dataplane: taken, refused, or not answered. */
static void
test_changes_wait(void)
{
	uint64_t t1 = 0, t2 = 0, t3 = 0;
	json_t *a;

	a = ask("{\"cmd\":\"backend\",\"action\":\"add\",\"id\":9,\"address\":\"198.18.1.20\"}",
		&t1);
	CU_ASSERT_PTR_NULL_FATAL(a);
	CU_ASSERT_EQUAL(t1, c.ap.want);
	CU_ASSERT_EQUAL(c.nb_be, 3);
	CU_ASSERT_STRING_EQUAL(c.be[2].name, "be9");
	CU_ASSERT_EQUAL(c.be[2].port, 5060);
	CU_ASSERT_EQUAL(c.be[2].weight, 100);
	CU_ASSERT_PTR_NULL(ctl_answer_wait(&c, t1, false));
	/* the dataplane took it (or a later set) */
	c.ap.done = t1;
	c.ap.table_version = 7;
	a = ctl_answer_wait(&c, t1, false);
	CU_ASSERT(json_is_true(json_object_get(a, "ok")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(a, "table_version")), 7);
	json_decref(a);

	a = ask("{\"cmd\":\"backend\",\"action\":\"drain\",\"name\":\"be9\"}", &t2);
	CU_ASSERT_PTR_NULL_FATAL(a);
	CU_ASSERT(t2 > t1);
	CU_ASSERT_EQUAL(c.be[2].h.state, CTL_DRAINING);
	CU_ASSERT_EQUAL(c.be[2].dp_state, SLB_CTL_BE_DRAIN);
	c.ap.refused = t2;
	snprintf(c.ap.refused_why, sizeof(c.ap.refused_why), "the dataplane refused set 8: x");
	a = ctl_answer_wait(&c, t2, false);
	CU_ASSERT(json_is_false(json_object_get(a, "ok")));
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(a, "error")), "the dataplane refused set 8: x");
	json_decref(a);

	a = ask("{\"cmd\":\"backend\",\"action\":\"remove\",\"id\":9}", &t3);
	CU_ASSERT_PTR_NULL_FATAL(a);
	CU_ASSERT_EQUAL(c.nb_be, 2);
	CU_ASSERT_PTR_NULL(ctl_answer_wait(&c, t3, false));
	a = ctl_answer_wait(&c, t3, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(json_string_value(json_object_get(a, "error")), "dataplane did not answer"));
	json_decref(a);

	/* disable under pinned: failed in the dataplane; enable: up again */
	ask("{\"cmd\":\"backend\",\"action\":\"disable\",\"id\":2}", NULL);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 2)->h.state, CTL_DISABLED);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 2)->dp_state, SLB_CTL_BE_FAILED);
	ask("{\"cmd\":\"backend\",\"action\":\"enable\",\"id\":2}", NULL);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 2)->dp_state, SLB_CTL_BE_UP);
	ask("{\"cmd\":\"backend\",\"action\":\"weight\",\"id\":2,\"weight\":0}", NULL);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 2)->weight, 0);
}

static void
test_reload(void)
{
	uint64_t t = 0;
	json_t *a;
	FILE *f;

	/* drained at run time; the file says "up": the drain stays, health is kept */
	ask("{\"cmd\":\"backend\",\"action\":\"drain\",\"id\":1}", NULL);
	ctl_be_by_id(&c, 1)->h.probes_ok = 5;
	a = ask("{\"cmd\":\"reload\"}", &t);
	CU_ASSERT_PTR_NULL_FATAL(a);
	CU_ASSERT_EQUAL(t, c.ap.want);
	CU_ASSERT_EQUAL(c.nb_be, 2);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 1)->h.state, CTL_DRAINING);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 1)->h.probes_ok, 5);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 2)->weight, 100); /* the file's weight again */

	/* a refused file: file:line: reason, nothing changes */
	f = fopen(path, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("bogus_key = 1;\n", f);
	fclose(f);
	refused("{\"cmd\":\"reload\"}", ".conf:");
	refused("{\"cmd\":\"reload\"}", "bogus_key");
	CU_ASSERT_EQUAL(c.nb_be, 2);
	CU_ASSERT_EQUAL(ctl_be_by_id(&c, 1)->h.state, CTL_DRAINING);
	unlink(path);
	refused("{\"cmd\":\"reload\"}", "cannot read");
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"status and backends without a dataplane", test_status_backends},
		{"bad requests say what is wrong", test_bad_requests},
		{"add checks id, address, port, name, route", test_add_checks},
		{"dialog lookups wait, and are bounded", test_dialog_lookup},
		{"changes wait: taken, refused, not answered", test_changes_wait},
		{"reload keeps operator state; refused keeps all", test_reload},
		CU_TEST_INFO_NULL,
	};

	ctl_log_max = CTL_LOG_QUIET; /* quiet: the refusals are the tests' */
	if (setup() < 0) {
		fprintf(stderr, "test_ctl_answer: cannot load %s\n", SAMPLE);
		return 2;
	}
	return slb_test_main("ctl_answer", tests);
}
