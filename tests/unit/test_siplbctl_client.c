/* test_siplbctl_client.c: the whole siplbctl against a fake siplb-control on a temporary socket. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "siplbctl.h"
#include "slb_mgmt.h"
#include "slb_test.h"

#define MAX_CONN 4
#define REQ_MAX 2048
#define TEXT_MAX 65536
#define BIG "<more than SLB_MGMT_MAX>"

/*
 * One fake siplb-control: a listening socket made before the client runs (no race), and a thread
 * that serves nb connections in turn: reads the request line, writes answer[i] and a newline.
 * answer[i] NULL: no answer, wait for the client to give up and close. BIG: bytes without end.
 */
struct fake {
	int lfd;
	int nb;
	const char *answer[MAX_CONN];
	char req[MAX_CONN][REQ_MAX];
	int served;
	bool sigint;      /* Ctrl-C to the process once the last answer is sent */
	pthread_t th;
};

static char dir[64];
static char sock_path[128];
static char out[TEXT_MAX], err[TEXT_MAX];

static void
set_timeout(int fd, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void
read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	ssize_t r;

	while (len + 1 < n && (r = recv(fd, buf + len, 1, 0)) == 1 && buf[len] != '\n')
		len++;
	buf[len] = '\0';
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int i;

	for (i = 0; i < f->nb; i++) {
		int fd = accept(f->lfd, NULL, NULL);
		const char *a = f->answer[i];
		char c;

		if (fd < 0)
			break;
		set_timeout(fd, 5000);
		read_line(fd, f->req[i], REQ_MAX);
		if (a == NULL) {
			while (recv(fd, &c, 1, 0) == 1)
				;
		} else if (strcmp(a, BIG) == 0) {
			static char junk[SLB_MGMT_MAX + 4096];

			memset(junk, 'x', sizeof(junk));
			send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
		} else {
			send(fd, a, strlen(a), MSG_NOSIGNAL);
			send(fd, "\n", 1, MSG_NOSIGNAL);
		}
		close(fd);
		f->served++;
	}
	if (f->sigint)
		kill(getpid(), SIGINT);
	/* served: nothing listens at the path any more */
	close(f->lfd);
	unlink(sock_path);
	return NULL;
}

/* Listen at sock_path, bound (and listening when listen_too) before the client runs. */
static int
bind_path(bool listen_too)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1); /* main() keeps it short */
	unlink(sock_path);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	if (listen_too)
		CU_ASSERT_FATAL(listen(fd, 4) == 0);
	return fd;
}

static void
fake_start(struct fake *f, int nb, const char *a0, const char *a1)
{
	memset(f, 0, sizeof(*f));
	f->nb = nb;
	f->answer[0] = a0;
	f->answer[1] = a1;
	f->lfd = bind_path(true);
	set_timeout(f->lfd, 5000); /* a client that never comes does not hang the suite */
	CU_ASSERT_FATAL(pthread_create(&f->th, NULL, fake_main, f) == 0);
}

static void
fake_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
}

static void
slurp(FILE *f, char *buf)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, TEXT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run "siplbctl " + line ("@" stands for the socket path) with out and err caught. */
static int
run(const char *line)
{
	char copy[1024], *argv[24], *tok, *save = NULL;
	FILE *o = tmpfile(), *e = tmpfile();
	int argc = 0, rc;

	CU_ASSERT_FATAL(o != NULL && e != NULL);
	snprintf(copy, sizeof(copy), "%s", line);
	argv[argc++] = (char *)"siplbctl";
	for (tok = strtok_r(copy, " ", &save); tok != NULL && argc < 23;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(tok, "@") == 0 ? sock_path : tok;
	argv[argc] = NULL;
	rc = slbctl_main(argc, argv, o, e);
	slurp(o, out);
	slurp(e, err);
	return rc;
}

/* The request the fake got, against what slb_mgmt.h says, compared as JSON. */
static void
check_request(const char *got, const char *want)
{
	json_t *g = json_loads(got, 0, NULL), *w = json_loads(want, 0, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	if (g == NULL || !json_equal(g, w))
		printf("\n  request %s, want %s\n", got, want);
	CU_ASSERT_TRUE(g != NULL && json_equal(g, w));
	json_decref(g);
	json_decref(w);
}

static const char backends_answer[] =
	"{\"ok\":true,\"backends\":["
	"{\"id\":1,\"name\":\"b1\",\"address\":\"198.18.1.10\",\"port\":5060,\"weight\":100,"
	"\"state\":\"up\",\"dataplane\":\"up\",\"since\":1764609280,\"msgs_per_s\":312.4,"
	"\"rtt_ms\":0.417,\"last_status\":200,\"probes_ok\":720,\"probes_failed\":0,"
	"\"fails_in_row\":0,\"oks_in_row\":720,\"dialogs\":1534},"
	"{\"id\":2,\"name\":\"b2\",\"address\":\"198.18.1.11\",\"port\":5060,\"weight\":100,"
	"\"state\":\"down\",\"dataplane\":\"failed\",\"since\":1764609995,\"msgs_per_s\":0,"
	"\"rtt_ms\":null,\"last_status\":null,\"probes_ok\":0,\"probes_failed\":9,"
	"\"fails_in_row\":9,\"oks_in_row\":0,\"dialogs\":null}]}";

/* backends: one request {"cmd":"backends"}, the table on stdout, exit 0. */
static void
test_backends(void)
{
	struct fake f;

	fake_start(&f, 1, backends_answer, NULL);
	CU_ASSERT_EQUAL(run("-s @ backends"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	CU_ASSERT_EQUAL(f.served, 1);
	check_request(f.req[0], "{\"cmd\":\"backends\"}");
	CU_ASSERT_EQUAL(strncmp(out,
		"ID  NAME  ADDRESS           WEIGHT  STATE  DATAPLANE  DIALOGS", 60), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n 1  b1    198.18.1.10:5060     100  up     up"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n 2  b2    198.18.1.11:5060     100  down   failed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 backends: 1 up, 1 down\n"));
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* ok:false: its error on stderr, nothing on stdout, exit 1; with --json the answer as well. */
static void
test_refused(void)
{
	static const char no[] = "{\"ok\":false,\"error\":\"no backend named b9\"}";
	struct fake f;
	json_t *j, *w;

	fake_start(&f, 1, no, NULL);
	CU_ASSERT_EQUAL(run("backend drain b9 -s @"), SLBCTL_EXIT_ERR);
	fake_stop(&f);
	check_request(f.req[0], "{\"cmd\":\"backend\",\"action\":\"drain\",\"name\":\"b9\"}");
	CU_ASSERT_STRING_EQUAL(err, "siplbctl: no backend named b9\n");
	CU_ASSERT_STRING_EQUAL(out, "");

	fake_start(&f, 1, no, NULL);
	CU_ASSERT_EQUAL(run("--json -s @ backend weight 9 0"), SLBCTL_EXIT_ERR);
	fake_stop(&f);
	check_request(f.req[0],
		"{\"cmd\":\"backend\",\"action\":\"weight\",\"id\":9,\"weight\":0}");
	CU_ASSERT_STRING_EQUAL(err, "siplbctl: no backend named b9\n");
	j = json_loads(out, 0, NULL);
	w = json_loads(no, 0, NULL);
	CU_ASSERT_TRUE(j != NULL && json_equal(j, w));
	json_decref(j);
	json_decref(w);
}

/* Nothing at the path, or a socket nobody listens on: one clear line naming it, exit 1. */
static void
test_nothing_answers(void)
{
	char want[512];
	int fd;

	unlink(sock_path);
	CU_ASSERT_EQUAL(run("-s @ status"), SLBCTL_EXIT_ERR);
	snprintf(want, sizeof(want), "siplbctl: no siplb-control at %s (no such socket): is "
		"siplb-control running?\n", sock_path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_STRING_EQUAL(out, "");

	fd = bind_path(false);
	CU_ASSERT_EQUAL(run("-s @ backends --json"), SLBCTL_EXIT_ERR);
	close(fd);
	unlink(sock_path);
	snprintf(want, sizeof(want), "siplbctl: no siplb-control at %s (connection refused): "
		"is siplb-control running?\n", sock_path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_STRING_EQUAL(out, "");

	/* the changes too */
	CU_ASSERT_EQUAL(run("-s @ reload"), SLBCTL_EXIT_ERR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no siplb-control at"));
}

/* --json: the answer itself, pretty, keys in the order they came. */
static void
test_json_answer(void)
{
	static const char ans[] =
		"{\"ok\":true,\"live\":3,\"slots\":1024,\"created\":10,\"confirmed\":9,\"ended\":7,"
		"\"expired\":0,\"full\":0,\"by_hash\":1}";
	struct fake f;
	json_t *j, *w;

	fake_start(&f, 1, ans, NULL);
	CU_ASSERT_EQUAL(run("dialogs --json -s @"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	check_request(f.req[0], "{\"cmd\":\"dialogs\"}");
	j = json_loads(out, 0, NULL);
	w = json_loads(ans, 0, NULL);
	CU_ASSERT_TRUE(j != NULL && json_equal(j, w));
	CU_ASSERT_EQUAL(strncmp(out, "{\n  \"ok\": true,\n  \"live\": 3,\n  \"slots\": 1024,", 44),
		0);
	json_decref(j);
	json_decref(w);
}

/* dialog CALLID: the request carries it, the answer is shown as two lines. */
static void
test_dialog(void)
{
	static const char ans[] =
		"{\"ok\":true,\"callid\":\"a84b@pc33\",\"hash\":\"00000000deadbeef\","
		"\"local\":{\"backend\":2,\"state\":\"confirmed\",\"name\":\"b2\"},"
		"\"redis\":null}";
	struct fake f;

	fake_start(&f, 1, ans, NULL);
	CU_ASSERT_EQUAL(run("-s @ dialog a84b@pc33"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	check_request(f.req[0], "{\"cmd\":\"dialog\",\"callid\":\"a84b@pc33\"}");
	CU_ASSERT_STRING_EQUAL(out, "Call-ID    a84b@pc33 (hash 00000000deadbeef)\n"
				    "local      backend 2 (b2), confirmed\n"
				    "redis      no key\n");
	CU_ASSERT_STRING_EQUAL(err, "");
}

/*
 * --watch with --count: one request per refresh, the rate per second from the second on; when
 * siplb-control goes away the loop says so and goes on, and the exit code is the last answer's.
 */
static void
test_watch(void)
{
	static const char a1[] = "{\"ok\":true,\"counters\":{\"rx_pkts\":100,\"tx_pkts\":0}}";
	static const char a2[] = "{\"ok\":true,\"counters\":{\"rx_pkts\":150,\"tx_pkts\":0}}";
	struct fake f;
	const char *second;

	fake_start(&f, 2, a1, a2);
	CU_ASSERT_EQUAL(run("-s @ stats --watch 0.2 --count 2"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	CU_ASSERT_EQUAL(f.served, 2);
	check_request(f.req[1], "{\"cmd\":\"stats\"}");
	CU_ASSERT_EQUAL(strncmp(out, "siplbctl stats: every 0.2s, ", 28), 0);
	second = strstr(out + 1, "siplbctl stats: every 0.2s, ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(second);
	CU_ASSERT_PTR_NULL(strstr(out, "\033[")); /* not a terminal: no escapes */
	CU_ASSERT_PTR_NOT_NULL(strstr(second, "/s  packets received"));
	CU_ASSERT_PTR_NOT_NULL(strstr(second, "(1 counter at zero: --all shows it)"));

	fake_start(&f, 1, a1, NULL);
	CU_ASSERT_EQUAL(run("-s @ stats --watch 0.1 --count 2"), SLBCTL_EXIT_ERR);
	fake_stop(&f);
	second = strstr(out + 1, "siplbctl stats: every 0.1s, ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(second);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "rx_pkts"));
	CU_ASSERT_PTR_NOT_NULL(strstr(second, "no siplb-control at"));

	/* --json --watch: one compact line per answer */
	fake_start(&f, 2, a1, a2);
	CU_ASSERT_EQUAL(run("-s @ stats --watch 0.1 --count 2 --json"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	CU_ASSERT_STRING_EQUAL(out, "{\"ok\":true,\"counters\":{\"rx_pkts\":100,\"tx_pkts\":0}}\n"
		"{\"ok\":true,\"counters\":{\"rx_pkts\":150,\"tx_pkts\":0}}\n");
}

/*
 * Ctrl-C ends --watch without --count: the answers so far shown, exit 0, SIGINT's disposition
 * as it was before (the default in a terminal; ignored when the tests run in the background).
 */
static void
test_watch_ctrl_c(void)
{
	static const char a1[] = "{\"ok\":true,\"live\":1,\"slots\":8}";
	struct sigaction before, now;
	struct fake f;
	const char *p = out;
	int frames = 0;

	CU_ASSERT_EQUAL_FATAL(sigaction(SIGINT, NULL, &before), 0);
	fake_start(&f, 2, a1, a1);
	f.sigint = true;
	CU_ASSERT_EQUAL(run("-s @ dialogs --watch 0.2"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	while ((p = strstr(p, "siplbctl dialogs: every 0.2s")) != NULL) {
		frames++;
		p++;
	}
	CU_ASSERT_EQUAL(frames, 2);
	CU_ASSERT_EQUAL(sigaction(SIGINT, NULL, &now), 0);
	CU_ASSERT_PTR_EQUAL(now.sa_handler, before.sa_handler);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every wait is bounded: a control that takes the request and never answers. */
static void
test_timeout(void)
{
	struct fake f;
	double t0 = now_s(), dt;

	fake_start(&f, 1, NULL, NULL);
	CU_ASSERT_EQUAL(run("-s @ --timeout 0.3 status"), SLBCTL_EXIT_ERR);
	dt = now_s() - t0;
	fake_stop(&f);
	CU_ASSERT_TRUE(dt >= 0.29 && dt < 2.0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "did not answer within 0.3 s"));
	check_request(f.req[0], "{\"cmd\":\"status\"}");
}

/* What is not an answer of slb_mgmt.h: exit 1 and a line saying what was wrong. */
static void
test_bad_answers(void)
{
	static const struct {
		const char *answer;
		const char *line;
		const char *says;
	} t[] = {
		{"not json", "-s @ status", "answered with bad JSON"},
		{"[1,2]", "-s @ status", "answered without \"ok\""},
		{"{\"status\":\"fine\"}", "-s @ status", "answered without \"ok\""},
		{"{\"ok\":true,\"backends\":7}", "-s @ backends",
			"does not understand (try --json)"},
		{"{\"ok\":false}", "-s @ reload", "siplb-control refused, without saying why"},
		{"", "-s @ status", "answered an empty line"},
		{BIG, "-s @ stats", "answered more than 262144 bytes"},
	};
	struct fake f;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc;

		fake_start(&f, 1, t[i].answer, NULL);
		rc = run(t[i].line);
		fake_stop(&f);
		if (rc != SLBCTL_EXIT_ERR || strstr(err, t[i].says) == NULL)
			printf("\n  answer %.20s: rc %d, %s\n", t[i].answer, rc, err);
		CU_ASSERT_EQUAL(rc, SLBCTL_EXIT_ERR);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, t[i].says));
	}

	/* one answer per connection: what follows the first newline is not read */
	fake_start(&f, 1, "{\"ok\":true,\"table_version\":3}\n{\"ok\":", NULL);
	CU_ASSERT_EQUAL(run("-s @ reload"), SLBCTL_EXIT_OK);
	fake_stop(&f);
	CU_ASSERT_STRING_EQUAL(out, "config reloaded: the dataplane runs table version 3\n");
}

/* -c: the socket is the config's control.socket; a config that is refused: exit 1. */
static void
test_config(void)
{
	char conf[192], line[256];
	struct fake f;
	FILE *c;

	snprintf(conf, sizeof(conf), "%s/siplb.conf", dir);
	c = fopen(conf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fprintf(c,
		"control = { socket = \"%s\"; };\n"
		"ports = (\n"
		"\t{ name = \"callers\"; device = \"net_tap0\";\n"
		"\t  addresses = [ \"198.18.0.1/24\" ]; role = \"caller\"; },\n"
		"\t{ name = \"backends\"; device = \"net_tap1\";\n"
		"\t  addresses = [ \"198.18.1.1/24\" ]; role = \"backend\"; }\n"
		");\n"
		"backends = ( { id = 1; name = \"b1\"; address = \"198.18.1.10\"; } );\n",
		sock_path);
	fclose(c);

	fake_start(&f, 1, "{\"ok\":true,\"dataplane\":{\"state\":\"absent\"}}", NULL);
	snprintf(line, sizeof(line), "-c %s status", conf);
	CU_ASSERT_EQUAL(run(line), SLBCTL_EXIT_OK);
	fake_stop(&f);
	CU_ASSERT_EQUAL(f.served, 1);
	check_request(f.req[0], "{\"cmd\":\"status\"}");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "dataplane:  absent"));

	snprintf(line, sizeof(line), "-c %s/missing.conf status", dir);
	CU_ASSERT_EQUAL(run(line), SLBCTL_EXIT_ERR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.conf refused"));
	unlink(conf);
}

/* The whole CLI: usage errors exit 2 with the usage line, help exits 0; neither connects. */
static void
test_exit_codes(void)
{
	CU_ASSERT_EQUAL(run("-s @ bogus"), SLBCTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(strncmp(err, "siplbctl: unknown command 'bogus'\nusage: siplbctl ", 50), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'siplbctl --help'."));
	CU_ASSERT_STRING_EQUAL(out, "");

	CU_ASSERT_EQUAL(run("-s @ backend add 5 10.0.0.5 --weight 70000"), SLBCTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'70000' is not a weight"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\nusage: siplbctl [-s SOCKET | -c CONFIG] [--json] "
		"[--timeout SECONDS] backend add ID ADDRESS[:PORT] [--weight N] [--name NAME]\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'siplbctl backend add --help'."));

	CU_ASSERT_EQUAL(run(""), SLBCTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(run("stats --count 2"), SLBCTL_EXIT_USAGE);

	CU_ASSERT_EQUAL(run("-s @ -h"), SLBCTL_EXIT_OK);
	CU_ASSERT_EQUAL(strncmp(out, "usage: siplbctl ", 16), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Exit codes:"));
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(run("backend weight --help"), SLBCTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "backend weight ID|NAME N"));
	CU_ASSERT_EQUAL(run("help stats"), SLBCTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--all"));

	CU_ASSERT_EQUAL(run("-s @ --version"), SLBCTL_EXIT_OK);
	CU_ASSERT_STRING_EQUAL(out, "siplbctl " SLB_VERSION "\n");
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(run("--frob"), SLBCTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(strncmp(err, "siplbctl: unknown option '--frob'\nusage: siplbctl ", 50), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static CU_TestInfo tests[] = {
	{"backends: the table", test_backends},
	{"ok:false: the error, exit 1", test_refused},
	{"nothing answers: exit 1, one line", test_nothing_answers},
	{"--json prints the answer", test_json_answer},
	{"dialog CALLID", test_dialog},
	{"--watch --count", test_watch},
	{"--watch until Ctrl-C", test_watch_ctrl_c},
	{"a silent control: bounded wait", test_timeout},
	{"answers that are not slb_mgmt.h's", test_bad_answers},
	{"-c finds control.socket", test_config},
	{"usage and help exit codes", test_exit_codes},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/test_siplbctl.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/control.sock", dir);
	rc = slb_test_main("siplbctl_client", tests);
	unlink(sock_path);
	rmdir(dir);
	return rc;
}
