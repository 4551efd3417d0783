/* test_siplbctl.c: siplbctl's arguments (every command, every refusal) and its formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "siplbctl.h"
#include "slb_test.h"

#define MAX_ARGS 16

static char line_copy[1024];
static char *argv_buf[MAX_ARGS];
static char err[SLBCTL_ERR_LEN];

/* Parse "siplbctl " + line (split on spaces; no quoting needed here). */
static int
parse(struct slbctl_args *a, const char *line)
{
	int argc = 0;
	char *tok, *save = NULL;

	snprintf(line_copy, sizeof(line_copy), "%s", line);
	argv_buf[argc++] = (char *)"siplbctl";
	for (tok = strtok_r(line_copy, " ", &save); tok != NULL && argc < MAX_ARGS - 1;
	     tok = strtok_r(NULL, " ", &save))
		argv_buf[argc++] = tok;
	argv_buf[argc] = NULL;
	return slbctl_parse(argc, argv_buf, a, err, sizeof(err));
}

/* The request line parses into, compact; "" when it makes none. Static: one at a time. */
static const char *
request_of(const char *line)
{
	static char out[512];
	struct slbctl_args a;
	json_t *r;
	char *s;

	out[0] = '\0';
	if (parse(&a, line) != SLBCTL_EXIT_OK) {
		snprintf(out, sizeof(out), "usage error: %s", err);
		return out;
	}
	if ((r = slbctl_request_json(&a)) == NULL)
		return out;
	s = json_dumps(r, JSON_COMPACT);
	snprintf(out, sizeof(out), "%s", s);
	free(s);
	json_decref(r);
	return out;
}

/* Every command, and the request of slb_mgmt.h it sends, keys in the header's order. */
static void
test_requests(void)
{
	static const struct {
		const char *line;
		const char *req;
	} t[] = {
		{"status", "{\"cmd\":\"status\"}"},
		{"backends", "{\"cmd\":\"backends\"}"},
		{"dialogs", "{\"cmd\":\"dialogs\"}"},
		{"dialog a84b4c76e66710@pc33.atlanta.com",
			"{\"cmd\":\"dialog\",\"callid\":\"a84b4c76e66710@pc33.atlanta.com\"}"},
		{"dialog -- -odd@h", "{\"cmd\":\"dialog\",\"callid\":\"-odd@h\"}"},
		{"stats", "{\"cmd\":\"stats\"}"},
		{"reload", "{\"cmd\":\"reload\"}"},
		{"backend add 7 10.0.0.7",
			"{\"cmd\":\"backend\",\"action\":\"add\",\"id\":7,"
			"\"address\":\"10.0.0.7\"}"},
		{"backend add 4095 10.0.0.7:5080 --weight 0 --name edge-7",
			"{\"cmd\":\"backend\",\"action\":\"add\",\"id\":4095,"
			"\"address\":\"10.0.0.7\",\"port\":5080,\"weight\":0,\"name\":\"edge-7\"}"},
		{"backend add 0 10.0.0.7 --name=x --weight=65535",
			"{\"cmd\":\"backend\",\"action\":\"add\",\"id\":0,\"address\":\"10.0.0.7\","
			"\"weight\":65535,\"name\":\"x\"}"},
		{"backend remove 3", "{\"cmd\":\"backend\",\"action\":\"remove\",\"id\":3}"},
		{"backend drain b2", "{\"cmd\":\"backend\",\"action\":\"drain\",\"name\":\"b2\"}"},
		{"backend enable 0", "{\"cmd\":\"backend\",\"action\":\"enable\",\"id\":0}"},
		{"backend disable be12",
			"{\"cmd\":\"backend\",\"action\":\"disable\",\"name\":\"be12\"}"},
		{"backend weight b1 250",
			"{\"cmd\":\"backend\",\"action\":\"weight\",\"name\":\"b1\","
			"\"weight\":250}"},
		{"backend weight 4 0",
			"{\"cmd\":\"backend\",\"action\":\"weight\",\"id\":4,\"weight\":0}"},
		/* options before the command, after it, with "=" */
		{"-s /tmp/x.sock status", "{\"cmd\":\"status\"}"},
		{"status --socket=/tmp/x.sock", "{\"cmd\":\"status\"}"},
		{"-- backend drain -odd",
			"{\"cmd\":\"backend\",\"action\":\"drain\",\"name\":\"-odd\"}"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = request_of(t[i].line);

		if (strcmp(got, t[i].req) != 0)
			printf("\n  %s: got %s\n", t[i].line, got);
		CU_ASSERT_STRING_EQUAL(got, t[i].req);
	}
}

/* Every refusal: exit 2, the command it is about (for its usage line) and what it says. */
static void
test_usage_errors(void)
{
	static const struct {
		const char *line;
		enum slbctl_cmd cmd;
		const char *says;
	} t[] = {
		{"", SLBCTL_NONE, "no command"},
		{"bogus", SLBCTL_NONE, "unknown command 'bogus'"},
		{"--frob status", SLBCTL_STATUS, "unknown option '--frob'"},
		{"status extra", SLBCTL_STATUS, "unexpected argument 'extra'"},
		{"backend", SLBCTL_BACKEND, "missing subcommand"},
		{"backend frob 1", SLBCTL_BACKEND, "unknown subcommand 'frob'"},
		{"backend remove", SLBCTL_BE_REMOVE, "missing ID or NAME"},
		{"backend drain", SLBCTL_BE_DRAIN, "missing ID or NAME"},
		{"backend enable 4096", SLBCTL_BE_ENABLE, "id '4096' is not in 0..4095"},
		{"backend disable 1 2", SLBCTL_BE_DISABLE, "unexpected argument '2'"},
		{"backend add", SLBCTL_BE_ADD, "missing ID"},
		{"backend add 5", SLBCTL_BE_ADD, "missing ADDRESS"},
		{"backend add b5 10.0.0.5", SLBCTL_BE_ADD, "id 'b5' is not in 0..4095"},
		{"backend add 4096 10.0.0.5", SLBCTL_BE_ADD, "id '4096'"},
		{"backend add 5 10.0.0", SLBCTL_BE_ADD, "'10.0.0' is not ADDRESS[:PORT]"},
		{"backend add 5 300.0.0.1", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 0.0.0.0", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 224.0.0.1", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 255.255.255.255", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 sip.example.com", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 10.0.0.5:0", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 10.0.0.5:70000", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 10.0.0.5:", SLBCTL_BE_ADD, "is not ADDRESS[:PORT]"},
		{"backend add 5 10.0.0.5 --weight 70000", SLBCTL_BE_ADD,
			"--weight: '70000' is not a weight in 0..65535"},
		{"backend add 5 10.0.0.5 --weight", SLBCTL_BE_ADD, "--weight needs a value"},
		{"backend add 5 10.0.0.5 --name 123", SLBCTL_BE_ADD, "--name: '123'"},
		{"backend add 5 10.0.0.5 --name abcdefghijabcdefghijabcdefghijab", SLBCTL_BE_ADD,
			"is not a backend name"},
		{"backend add 5 10.0.0.5 extra", SLBCTL_BE_ADD, "unexpected argument 'extra'"},
		{"backend weight b1", SLBCTL_BE_WEIGHT, "missing the weight N"},
		{"backend weight b1 70000", SLBCTL_BE_WEIGHT,
			"'70000' is not a weight in 0..65535"},
		{"backend weight b1 1e3", SLBCTL_BE_WEIGHT, "'1e3' is not a weight"},
		{"backend weight b1 -1", SLBCTL_BE_WEIGHT, "unknown option '-1'"},
		{"backend weight", SLBCTL_BE_WEIGHT, "missing ID or NAME"},
		{"backend drain 1 --weight 3", SLBCTL_BE_DRAIN,
			"--weight is an option of backend add"},
		{"status --name x", SLBCTL_STATUS, "--name is an option of backend add"},
		{"backends --watch 0", SLBCTL_BACKENDS, "--watch: '0' is not a number of seconds"},
		{"backends --watch -1", SLBCTL_BACKENDS, "--watch: '-1'"},
		{"backends --watch 3601", SLBCTL_BACKENDS, "--watch: '3601'"},
		{"backends --watch=soon", SLBCTL_BACKENDS, "--watch: 'soon'"},
		{"backends --watch soon", SLBCTL_BACKENDS, "unexpected argument 'soon'"},
		{"backends --count 3", SLBCTL_BACKENDS, "--count needs --watch"},
		{"stats --watch --count 0", SLBCTL_STATS, "--count: '0'"},
		{"reload --watch", SLBCTL_RELOAD, "--watch is for read commands"},
		{"backend drain 2 --watch 1", SLBCTL_BE_DRAIN, "--watch is for read commands"},
		{"backends --all", SLBCTL_BACKENDS, "--all is an option of stats"},
		{"dialog", SLBCTL_DIALOG, "dialog: missing CALLID"},
		{"dialog a@h b", SLBCTL_DIALOG, "unexpected argument 'b'"},
		{"dialog a@h --all", SLBCTL_DIALOG, "--all is an option of stats"},
		{"dialog a@h --weight 3", SLBCTL_DIALOG, "--weight is an option of backend add"},
		{"-s /a -c /b status", SLBCTL_STATUS, "-s and -c"},
		{"status -s", SLBCTL_STATUS, "-s needs a value"},
		{"-c", SLBCTL_NONE, "-c needs a value"},
		{"--timeout 0 status", SLBCTL_STATUS, "--timeout: '0'"},
		{"--socket= status", SLBCTL_STATUS, "an empty socket path"},
	};
	struct slbctl_args a;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = parse(&a, t[i].line);

		if (rc != SLBCTL_EXIT_USAGE || a.cmd != t[i].cmd || strstr(err, t[i].says) == NULL)
			printf("\n  '%s': rc %d cmd %d: %s\n", t[i].line, rc, a.cmd, err);
		CU_ASSERT_EQUAL(rc, SLBCTL_EXIT_USAGE);
		CU_ASSERT_EQUAL(a.cmd, t[i].cmd);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, t[i].says));
		CU_ASSERT_FALSE(a.help);
	}
}

/* --watch [SECONDS], --count, --all, --timeout and the socket options land in the struct. */
static void
test_options(void)
{
	struct slbctl_args a;

	CU_ASSERT_EQUAL(parse(&a, "backends"), 0);
	CU_ASSERT_FALSE(a.watch);
	CU_ASSERT_EQUAL(a.timeout_ms, SLBCTL_TIMEOUT_MS);
	CU_ASSERT_PTR_NULL(a.socket);
	CU_ASSERT_PTR_NULL(a.config);

	CU_ASSERT_EQUAL(parse(&a, "backends --watch"), 0);
	CU_ASSERT_TRUE(a.watch);
	CU_ASSERT_EQUAL(a.interval_ms, SLBCTL_WATCH_MS);
	CU_ASSERT_EQUAL(a.count, 0);

	CU_ASSERT_EQUAL(parse(&a, "backends --watch 5"), 0);
	CU_ASSERT_EQUAL(a.interval_ms, 5000);
	CU_ASSERT_EQUAL(parse(&a, "--watch=0.5 dialogs"), 0);
	CU_ASSERT_EQUAL(a.cmd, SLBCTL_DIALOGS);
	CU_ASSERT_EQUAL(a.interval_ms, 500);
	CU_ASSERT_EQUAL(parse(&a, "status --watch .1 --count 1"), 0);
	CU_ASSERT_EQUAL(a.interval_ms, 100);
	CU_ASSERT_EQUAL(a.count, 1);

	CU_ASSERT_EQUAL(parse(&a, "stats --all --watch 1 --count=3"), 0);
	CU_ASSERT_TRUE(a.all);
	CU_ASSERT_TRUE(a.watch);
	CU_ASSERT_EQUAL(a.interval_ms, 1000);
	CU_ASSERT_EQUAL(a.count, 3);

	CU_ASSERT_EQUAL(parse(&a, "-c /etc/siplb/siplb.conf --timeout 0.25 stats"), 0);
	CU_ASSERT_STRING_EQUAL(a.config, "/etc/siplb/siplb.conf");
	CU_ASSERT_EQUAL(a.timeout_ms, 250);
	CU_ASSERT_EQUAL(parse(&a, "--config=/x.conf status"), 0);
	CU_ASSERT_STRING_EQUAL(a.config, "/x.conf");
	CU_ASSERT_EQUAL(parse(&a, "status -s /tmp/s"), 0);
	CU_ASSERT_STRING_EQUAL(a.socket, "/tmp/s");

	CU_ASSERT_EQUAL(parse(&a, "backend add 9 192.0.2.9:5070"), 0);
	CU_ASSERT_EQUAL(a.id, 9);
	CU_ASSERT_STRING_EQUAL(a.address, "192.0.2.9");
	CU_ASSERT_EQUAL(a.port, 5070);
	CU_ASSERT_FALSE(a.weight_set);
	CU_ASSERT_PTR_NULL(a.name);
}

/*
 * --json: accepted on every command. On the read commands it prints the answer instead of the
 * table; on the changes it prints their answer ({"ok":true,"table_version":N}), which scripts
 * want as much.
 */
static void
test_json(void)
{
	static const char *const lines[] = {
		"--json status", "backends --json", "dialogs --json", "stats --json --all",
		"backends --watch 1 --json", "--json reload", "backend drain 3 --json",
		"--json backend add 3 10.0.0.3", "backend weight b3 7 --json",
		"dialog x@y --json", "dialog x@y --watch 1 --count 2",
	};
	struct slbctl_args a;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CU_ASSERT_EQUAL(parse(&a, lines[i]), SLBCTL_EXIT_OK);
		CU_ASSERT_TRUE(a.json || strstr(lines[i], "--json") == NULL);
	}
	CU_ASSERT_TRUE(slbctl_cmd_reads(SLBCTL_DIALOG));
	CU_ASSERT_EQUAL(parse(&a, "status"), 0);
	CU_ASSERT_FALSE(a.json);
	CU_ASSERT_TRUE(slbctl_cmd_reads(SLBCTL_STATS));
	CU_ASSERT_FALSE(slbctl_cmd_reads(SLBCTL_BE_DRAIN));
	CU_ASSERT_FALSE(slbctl_cmd_reads(SLBCTL_RELOAD));
}

/* -h anywhere wins over any error and gives the most precise command's help: exit 0. */
static void
test_help(void)
{
	static const struct {
		const char *line;
		enum slbctl_cmd cmd;
	} t[] = {
		{"-h", SLBCTL_NONE},
		{"--help", SLBCTL_NONE},
		{"help", SLBCTL_NONE},
		{"bogus --help", SLBCTL_NONE},
		{"-h status", SLBCTL_STATUS},
		{"backends -h", SLBCTL_BACKENDS},
		{"backends --watch 0 -h", SLBCTL_BACKENDS},
		{"stats --frob --help", SLBCTL_STATS},
		{"backend -h", SLBCTL_BACKEND},
		{"backend frob -h", SLBCTL_BACKEND},
		{"backend add -h", SLBCTL_BE_ADD},
		{"backend add 99999 nowhere -h", SLBCTL_BE_ADD},
		{"backend weight b1 70000 --help", SLBCTL_BE_WEIGHT},
		{"-h backend remove", SLBCTL_BE_REMOVE},
		{"help dialogs", SLBCTL_DIALOGS},
		{"help dialog", SLBCTL_DIALOG},
		{"dialog -h", SLBCTL_DIALOG},
		{"help backend drain", SLBCTL_BE_DRAIN},
		{"reload -h", SLBCTL_RELOAD},
	};
	struct slbctl_args a;
	size_t i;
	int c;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = parse(&a, t[i].line);

		if (rc != 0 || !a.help || a.cmd != t[i].cmd)
			printf("\n  '%s': rc %d help %d cmd %d\n", t[i].line, rc, a.help, a.cmd);
		CU_ASSERT_EQUAL(rc, SLBCTL_EXIT_OK);
		CU_ASSERT_TRUE(a.help);
		CU_ASSERT_EQUAL(a.cmd, t[i].cmd);
	}
	/* every command has a usage line and a help text */
	for (c = 0; c < SLBCTL__COUNT; c++) {
		CU_ASSERT_EQUAL(strncmp(slbctl_usage((enum slbctl_cmd)c), "usage: siplbctl ", 16),
			0);
		CU_ASSERT_TRUE(strlen(slbctl_help((enum slbctl_cmd)c)) > 20);
		if (c != SLBCTL_NONE)
			CU_ASSERT_PTR_NOT_NULL(strstr(slbctl_usage((enum slbctl_cmd)c),
				slbctl_cmd_words((enum slbctl_cmd)c)));
	}
}

/* --version anywhere: exit 0 whatever else is wrong; -h beside it wins; the top help names it. */
static void
test_version(void)
{
	static const char *const ok[] = {
		"--version",
		"status --version",
		"--version bogus",
		"-s @ --frob --version",
		"backend add 99999 nowhere --version",
	};
	struct slbctl_args a;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_EQUAL(parse(&a, ok[i]), SLBCTL_EXIT_OK);
		CU_ASSERT_TRUE(a.version);
		CU_ASSERT_FALSE(a.help);
	}
	CU_ASSERT_EQUAL(parse(&a, "--version -h"), SLBCTL_EXIT_OK);
	CU_ASSERT_TRUE(a.help);
	CU_ASSERT_EQUAL(parse(&a, "status"), SLBCTL_EXIT_OK);
	CU_ASSERT_FALSE(a.version);
	/* a near miss is an unknown option, not a version */
	CU_ASSERT_EQUAL(parse(&a, "--versio status"), SLBCTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option '--versio'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(slbctl_help(SLBCTL_NONE), "--version"));
}

/* ---- formatting ---- */

#define NOW 1764610000.0 /* 2025-12-01 17:26:40 UTC */

static json_t *
load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		printf("\n  canned JSON: %s\n", e.text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

static void
check_text(const struct slbctl_buf *b, const char *want)
{
	CU_ASSERT_FALSE(b->err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->s);
	if (strcmp(b->s, want) != 0)
		printf("\n---- got:\n%s---- want:\n%s----\n", b->s, want);
	CU_ASSERT_STRING_EQUAL(b->s, want);
}

static void
test_duration(void)
{
	static const struct {
		double s;
		const char *want;
	} t[] = {
		{-5, "0s"}, {0, "0s"}, {59.9, "59s"}, {60, "1m"}, {720, "12m"}, {3599, "59m"},
		{3600, "1h00m"}, {3 * 3600 + 5 * 60 + 9, "3h05m"}, {86400, "1d00h"},
		{2 * 86400 + 4 * 3600 + 59, "2d04h"},
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		slbctl_fmt_duration(t[i].s, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
	}
}

/* The table: a null RTT, a null dialog count, a name with a control character, aligned columns. */
static void
test_fmt_backends(void)
{
	json_t *ans = load(
		"{\"ok\":true,\"backends\":["
		"{\"id\":1,\"name\":\"b1\",\"address\":\"198.18.1.10\",\"port\":5060,"
		"\"weight\":100,\"state\":\"up\",\"dataplane\":\"up\",\"since\":1764609280.5,"
		"\"msgs_per_s\":312.44,"
		"\"rtt_ms\":0.417,\"last_status\":200,\"probes_ok\":720,\"probes_failed\":0,"
		"\"fails_in_row\":0,\"oks_in_row\":720,\"dialogs\":1534},"
		"{\"id\":12,\"name\":\"proxy-b\\u001b[2J\",\"address\":\"198.18.1.11\","
		"\"port\":5080,"
		"\"weight\":0,\"state\":\"down\",\"dataplane\":\"failed\",\"since\":1764609995,"
		"\"msgs_per_s\":0,\"rtt_ms\":null,\"last_status\":null,\"probes_ok\":3,"
		"\"probes_failed\":4,\"fails_in_row\":4,\"oks_in_row\":0,\"dialogs\":null},"
		"{\"id\":3,\"name\":\"b3\",\"address\":\"198.18.1.12\",\"port\":5060,\"weight\":50,"
		"\"state\":\"draining\",\"dataplane\":\"drain\",\"since\":1764400000,"
		"\"msgs_per_s\":1.5,\"rtt_ms\":12.5,\"dialogs\":7}]}");
	struct slbctl_buf b = {0};

	CU_ASSERT_EQUAL(slbctl_fmt_backends(&b, ans, NOW), 0);
	check_text(&b,
		"ID  NAME         ADDRESS           WEIGHT  STATE     DATAPLANE  DIALOGS  MSGS/S"
		"       RTT  SINCE\n"
		" 1  b1           198.18.1.10:5060     100  up        up            1534   312.4"
		"   0.42 ms  11m ago (17:14:40)\n"
		"12  proxy-b?[2J  198.18.1.11:5080       0  down      failed           -     0.0"
		"         -  5s ago (17:26:35)\n"
		" 3  b3           198.18.1.12:5060      50  draining  drain            7     1.5"
		"  12.50 ms  2d10h ago (2025-11-29 07:06)\n"
		"3 backends: 1 up, 1 down, 1 draining\n");

	slbctl_buf_reset(&b);
	json_decref(ans);
	ans = load("{\"ok\":true,\"backends\":[]}");
	CU_ASSERT_EQUAL(slbctl_fmt_backends(&b, ans, NOW), 0);
	check_text(&b, "no backends\n");

	/* not what slb_mgmt.h promises: nothing printed, -1 */
	slbctl_buf_reset(&b);
	json_decref(ans);
	ans = load("{\"ok\":true,\"backends\":{}}");
	CU_ASSERT_EQUAL(slbctl_fmt_backends(&b, ans, NOW), -1);
	CU_ASSERT_EQUAL(b.len, 0);
	json_decref(ans);
	slbctl_buf_free(&b);
}

static void
test_fmt_status(void)
{
	json_t *ans = load(
		"{\"ok\":true,\"control\":{\"pid\":4242,\"started\":1764606300,"
		"\"config\":\"/etc/siplb/siplb.conf\"},\"dataplane\":{\"state\":\"absent\"}}");
	struct slbctl_buf b = {0};

	CU_ASSERT_EQUAL(slbctl_fmt_status(&b, ans, NOW), 0);
	check_text(&b,
		"control:    pid 4242, up 1h01m (since 16:25:00), config /etc/siplb/siplb.conf\n"
		"dataplane:  absent (siplb-control waits for it)\n");
	json_decref(ans);

	slbctl_buf_reset(&b);
	ans = load(
		"{\"ok\":true,\"control\":{\"pid\":4242,\"started\":1764606300,"
		"\"config\":\"/etc/siplb/siplb.conf\"},\"dataplane\":{\"state\":\"running\","
		"\"epoch\":1764523600.25,\"workers\":2,\"heartbeat_age_ms\":12.7,"
		"\"table_version\":9,"
		"\"caller_ip\":\"198.18.0.1\",\"backend_ip\":\"198.18.1.1\",\"sip_port\":5060}}");
	CU_ASSERT_EQUAL(slbctl_fmt_status(&b, ans, NOW), 0);
	check_text(&b,
		"control:    pid 4242, up 1h01m (since 16:25:00), config /etc/siplb/siplb.conf\n"
		"dataplane:  running, 2 workers, up 23h59m (since 17:26:40)\n"
		"            heartbeat 13 ms ago, backend table version 9\n"
		"            caller side 198.18.0.1, backend side 198.18.1.1, SIP port 5060\n");
	json_decref(ans);

	/* a dataplane starting: what it lacks shows as "-" */
	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true,\"dataplane\":{\"state\":\"starting\"}}");
	CU_ASSERT_EQUAL(slbctl_fmt_status(&b, ans, NOW), 0);
	check_text(&b,
		"control:    -\n"
		"dataplane:  starting, - workers\n"
		"            heartbeat -, backend table version -\n"
		"            caller side -, backend side -, SIP port -\n");
	json_decref(ans);

	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true}");
	CU_ASSERT_EQUAL(slbctl_fmt_status(&b, ans, NOW), -1);
	json_decref(ans);
	slbctl_buf_free(&b);
}

/* Non-zero counters only unless --all, exact 64-bit values, rates against a previous answer. */
static void
test_fmt_stats(void)
{
	json_t *ans = load(
		"{\"ok\":true,\"epoch\":1764606300,\"counters\":{\"rx_pkts\":9007199254740993,"
		"\"tx_pkts\":0,\"sip_503\":12,\"drop_short\":3,\"tx_full\":0}}");
	json_t *prev = load(
		"{\"ok\":true,\"epoch\":1764606300,\"counters\":{\"rx_pkts\":9007199254740893,"
		"\"tx_pkts\":0,\"sip_503\":2,\"tx_full\":0}}");
	struct slbctl_buf b = {0};

	CU_ASSERT_EQUAL(slbctl_fmt_stats(&b, ans, NULL, 0, false), 0);
	check_text(&b,
		"counters of the dataplane started at 16:25:00\n"
		"rx_pkts    9007199254740993  packets received\n"
		"sip_503                  12  new calls answered 503: no backend takes calls\n"
		"drop_short                3  \n"
		"(2 counters at zero: --all shows them)\n");

	slbctl_buf_reset(&b);
	CU_ASSERT_EQUAL(slbctl_fmt_stats(&b, ans, NULL, 0, true), 0);
	check_text(&b,
		"counters of the dataplane started at 16:25:00\n"
		"rx_pkts    9007199254740993  packets received\n"
		"tx_pkts                   0  packets accepted by the NIC\n"
		"sip_503                  12  new calls answered 503: no backend takes calls\n"
		"drop_short                3  \n"
		"tx_full                   0  packets the NIC refused (tx queue full)\n");

	/* --watch: the rate since the previous answer; a counter it lacked shows "-" */
	slbctl_buf_reset(&b);
	CU_ASSERT_EQUAL(slbctl_fmt_stats(&b, ans, prev, 2.0, false), 0);
	check_text(&b,
		"counters of the dataplane started at 16:25:00\n"
		"rx_pkts    9007199254740993       50.0/s  packets received\n"
		"sip_503                  12        5.0/s  new calls answered 503: no backend "
		"takes calls\n"
		"drop_short                3          -    \n"
		"(2 counters at zero: --all shows them)\n");

	/* other objects of numbers beside "counters" (drops by reason): "section.name" */
	slbctl_buf_reset(&b);
	json_decref(ans);
	ans = load("{\"ok\":true,\"counters\":{\"rx_pkts\":7,\"tx_pkts\":0},"
		"\"drops\":{\"short\":2,\"ip_csum\":0},\"fwd_drops\":{\"none\":0,"
		"\"relay_denied\":11},\"note\":\"x\"}");
	CU_ASSERT_EQUAL(slbctl_fmt_stats(&b, ans, NULL, 0, false), 0);
	check_text(&b,
		"rx_pkts                    7  packets received\n"
		"drops.short                2\n"
		"fwd_drops.relay_denied    11\n"
		"(3 counters at zero: --all shows them)\n");

	slbctl_buf_reset(&b);
	json_decref(ans);
	ans = load("{\"ok\":true,\"counters\":[1,2]}");
	CU_ASSERT_EQUAL(slbctl_fmt_stats(&b, ans, NULL, 0, false), -1);
	json_decref(ans);
	json_decref(prev);
	slbctl_buf_free(&b);
}

static void
test_fmt_dialogs(void)
{
	json_t *ans = load(
		"{\"ok\":true,\"live\":1234,\"slots\":131072,\"created\":50210,\"confirmed\":48000,"
		"\"ended\":46900,\"expired\":2076,\"full\":0,\"by_hash\":17,\"rehashed\":4}");
	struct slbctl_buf b = {0};

	CU_ASSERT_EQUAL(slbctl_fmt_dialogs(&b, ans, NOW), 0);
	check_text(&b,
		"live               1234  dialogs in the table now (0.9% of the slots)\n"
		"slots            131072  slots in the table\n"
		"created           50210  created by an initial INVITE\n"
		"confirmed         48000  confirmed by a 2xx\n"
		"ended             46900  ended (BYE, or the INVITE failed)\n"
		"expired            2076  expired by the idle sweep\n"
		"full                  0  new calls routed by hash: table full\n"
		"by_hash              17  mid-dialog requests without a dialog, routed by hash\n"
		"rehashed              4\n");
	json_decref(ans);
	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true}");
	CU_ASSERT_EQUAL(slbctl_fmt_dialogs(&b, ans, NOW), -1);
	json_decref(ans);
	slbctl_buf_free(&b);
}

/* With Redis: the mirror and the link after the table; with no dataplane, Redis alone. */
static void
test_fmt_dialogs_redis(void)
{
	static const char *const redis =
		"\"mirror\":{\"early\":10,\"answered\":2,\"confirmed\":1188,\"own\":1100,"
		"\"other\":100,\"capacity\":1048576,\"full\":0},"
		"\"redis\":{\"state\":\"down\",\"error\":\"Connection refused\","
		"\"master\":\"10.0.0.9:6379\",\"instance\":\"lb1\",\"since\":%.0f,"
		"\"subscriber\":\"down\",\"lag_p50_ms\":0.42,\"lag_p99_ms\":12.5,"
		"\"lag_samples\":900,\"written\":123456,\"buffered\":5000,"
		"\"buffer_size\":65536,\"buffer_peak\":5000,\"lost\":0,\"errors\":1,"
		"\"skipped\":2,\"refreshed\":5000,\"restored\":3,\"resyncs\":1,"
		"\"resync_written\":1200,\"failovers\":0,\"published\":40000,"
		"\"remote_events\":3000,\"remote_bad\":0,\"pins_sent\":4200,"
		"\"pins_dropped\":0,\"load\":{\"state\":\"done\",\"dialogs\":1200,"
		"\"ms\":35.4,\"result\":\"ok\",\"unreadable\":0,\"dataplane_pinned\":1200}}";
	static const char *const text =
		"\nmirror     1200 dialogs for Redis: early 10, answered 2, confirmed 1188\n"
		"           ours 1100, other instances' 100; capacity 1048576 (full: 0 not kept)\n"
		"redis      down, master 10.0.0.9:6379, since 12m ago (%s)\n"
		"           why: Connection refused\n"
		"           instance lb1, subscriber down\n"
		"           lag p50 0.42 ms, p99 12 ms (900 writes in the last second with any)\n"
		"           written 123456, buffered 5000 of 65536 (peak 5000), lost 0\n"
		"           refused by Redis 1, not writable (Call-ID) 2\n"
		"           TTLs refreshed 5000 (keys gone, written again 3)\n"
		"           resyncs 1 (1200 dialogs written again), failovers 0\n"
		"           published 40000, from other instances 3000 (refused 0), pins sent 4200 "
		"(dropped 0)\n"
		"           last load: 1200 dialogs in 35 ms (ok), 0 keys unreadable; the dataplane "
		"pinned 1200\n";
	char js[2048], want[2048], at[16];
	struct slbctl_buf b = {0};
	time_t t = (time_t)(NOW - 720);
	struct tm tm;
	json_t *ans;

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%H:%M:%S", &tm);
	snprintf(js, sizeof(js), "{\"ok\":true,\"live\":1,\"slots\":8,%s}", redis);
	snprintf(want, sizeof(want), js, NOW - 720);
	ans = load(want);
	CU_ASSERT_EQUAL(slbctl_fmt_dialogs(&b, ans, NOW), 0);
	snprintf(want, sizeof(want),
		"live                  1  dialogs in the table now (12.5%% of the slots)\n"
		"slots                 8  slots in the table\n"
		"created               -  created by an initial INVITE\n"
		"confirmed             -  confirmed by a 2xx\n"
		"ended                 -  ended (BYE, or the INVITE failed)\n"
		"expired               -  expired by the idle sweep\n"
		"full                  -  new calls routed by hash: table full\n"
		"by_hash               -  mid-dialog requests without a dialog, routed by hash\n");
	snprintf(js, sizeof(js), text, at);
	strncat(want, js, sizeof(want) - strlen(want) - 1);
	check_text(&b, want);
	json_decref(ans);

	slbctl_buf_reset(&b);
	snprintf(js, sizeof(js), "{\"ok\":true,\"dataplane\":\"absent\",%s}", redis);
	snprintf(want, sizeof(want), js, NOW - 720);
	ans = load(want);
	CU_ASSERT_EQUAL(slbctl_fmt_dialogs(&b, ans, NOW), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.s, "dataplane  absent"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.s, "redis      down, master 10.0.0.9:6379"));
	CU_ASSERT_PTR_NULL(strstr(b.s, "live "));
	json_decref(ans);
	slbctl_buf_free(&b);
}

static void
test_fmt_dialog(void)
{
	struct slbctl_buf b = {0};
	json_t *ans;

	ans = load("{\"ok\":true,\"callid\":\"a84b@pc33\",\"hash\":\"00000000deadbeef\","
		   "\"local\":{\"backend\":2,\"state\":\"confirmed\",\"name\":\"b2\"},"
		   "\"redis\":{\"value\":\"2 confirmed lb1\",\"backend\":2,"
		   "\"state\":\"confirmed\",\"instance\":\"lb1\",\"ttl_s\":7190}}");
	CU_ASSERT_EQUAL(slbctl_fmt_dialog(&b, ans), 0);
	check_text(&b, "Call-ID    a84b@pc33 (hash 00000000deadbeef)\n"
		       "local      backend 2 (b2), confirmed\n"
		       "redis      backend 2, confirmed, owned by lb1, expires in 7190 s\n");
	json_decref(ans);

	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true,\"callid\":\"x\\u001b[2J\",\"local\":null,"
		   "\"redis_error\":\"Redis is down: Connection refused\"}");
	CU_ASSERT_EQUAL(slbctl_fmt_dialog(&b, ans), 0);
	check_text(&b, "Call-ID    x?[2J\n"
		       "local      not in the dataplane's table (it goes by the hash)\n"
		       "redis      unknown: Redis is down: Connection refused\n");
	json_decref(ans);

	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true,\"callid\":\"x\",\"local_error\":\"siplb-dataplane is not "
		   "running\",\"redis\":null,\"redis_note\":\"too long\"}");
	CU_ASSERT_EQUAL(slbctl_fmt_dialog(&b, ans), 0);
	check_text(&b, "Call-ID    x\n"
		       "local      unknown: siplb-dataplane is not running\n"
		       "redis      no key: too long\n");
	json_decref(ans);
	ans = load("{\"ok\":true}");
	CU_ASSERT_EQUAL(slbctl_fmt_dialog(&b, ans), -1);
	json_decref(ans);
	slbctl_buf_free(&b);
}

static void
test_fmt_change(void)
{
	json_t *ans = load("{\"ok\":true,\"table_version\":8}");
	struct slbctl_buf b = {0};
	struct slbctl_args a;

	CU_ASSERT_EQUAL(parse(&a, "backend drain b2"), 0);
	CU_ASSERT_EQUAL(slbctl_fmt_answer(&b, &a, ans, NULL, 0, NOW), 0);
	check_text(&b, "backend b2 draining: the dataplane runs table version 8\n");

	slbctl_buf_reset(&b);
	CU_ASSERT_EQUAL(parse(&a, "backend weight 4 30"), 0);
	CU_ASSERT_EQUAL(slbctl_fmt_answer(&b, &a, ans, NULL, 0, NOW), 0);
	check_text(&b, "backend 4 weight set to 30: the dataplane runs table version 8\n");

	slbctl_buf_reset(&b);
	CU_ASSERT_EQUAL(parse(&a, "reload"), 0);
	CU_ASSERT_EQUAL(slbctl_fmt_answer(&b, &a, ans, NULL, 0, NOW), 0);
	check_text(&b, "config reloaded: the dataplane runs table version 8\n");
	json_decref(ans);

	slbctl_buf_reset(&b);
	ans = load("{\"ok\":true}");
	CU_ASSERT_EQUAL(parse(&a, "backend add 5 10.0.0.5"), 0);
	CU_ASSERT_EQUAL(slbctl_fmt_answer(&b, &a, ans, NULL, 0, NOW), 0);
	check_text(&b, "backend 5 added\n");
	json_decref(ans);
	slbctl_buf_free(&b);
}

static CU_TestInfo tests[] = {
	{"every command's request", test_requests},
	{"usage errors: exit 2, what and which usage", test_usage_errors},
	{"options into the struct", test_options},
	{"--json on every command", test_json},
	{"-h anywhere", test_help},
	{"--version anywhere", test_version},
	{"durations", test_duration},
	{"backends table", test_fmt_backends},
	{"status, dataplane absent or running", test_fmt_status},
	{"stats counters", test_fmt_stats},
	{"dialogs", test_fmt_dialogs},
	{"dialogs with Redis", test_fmt_dialogs_redis},
	{"dialog CALLID", test_fmt_dialog},
	{"change answers", test_fmt_change},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	/* the expected texts are in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	return slb_test_main("siplbctl", tests);
}
