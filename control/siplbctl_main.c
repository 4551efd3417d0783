/* siplbctl_main.c: siplbctl's socket I/O, the --watch loop and the CLI's run (linked by tests). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "siplbctl.h"
#include "slb_mgmt.h"

static volatile sig_atomic_t stop;

static void
on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Why a connect failed, in the words an operator looks for. */
static const char *
connect_reason(int e)
{
	switch (e) {
	case ENOENT:
		return "no such socket";
	case ECONNREFUSED:
		return "connection refused";
	case ENOTSOCK:
		return "not a socket";
	case ENOTDIR:
		return "a path component is not a directory";
	default:
		return strerror(e);
	}
}

/* Wait until fd is ready for ev or the deadline; 0, or -1 with errno (ETIMEDOUT, EINTR). */
static int
wait_fd(int fd, short ev, double deadline)
{
	struct pollfd pfd = {.fd = fd, .events = ev};
	double left;
	int rc;

	for (;;) {
		if (stop) {
			errno = EINTR;
			return -1;
		}
		left = deadline - mono_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, (int)left + 1);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int
do_connect(const char *path, double deadline, char *why, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa);
	int fd, e = 0;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, n, "socket path %s is longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, n, "socket: %s", strerror(errno));
		return -1;
	}
	/* a non-blocking Unix connect fails with EAGAIN when the backlog is full: try again */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		if (e == EINTR && !stop)
			continue;
		if (e == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline) < 0 ||
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			if (e == 0)
				break;
		} else if (e == EAGAIN && mono_ms() < deadline && !stop) {
			usleep(10000);
			continue;
		}
		close(fd);
		if (e == ETIMEDOUT || e == EAGAIN)
			snprintf(why, n, "siplb-control at %s is busy: no connection within the "
				"timeout", path);
		else if (e == EINTR)
			snprintf(why, n, "interrupted");
		else if (e == EACCES || e == EPERM)
			snprintf(why, n, "cannot reach siplb-control at %s (permission denied): "
				"run siplbctl as the user siplb-control runs as, or as root",
				path);
		else
			snprintf(why, n, "no siplb-control at %s (%s): is siplb-control running?",
				path, connect_reason(e));
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *s, size_t len, double deadline)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);

		if (w > 0) {
			s += w;
			len -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/*
 * Read up to a newline or the end, at most SLB_MGMT_MAX bytes: the length (*eof when the peer
 * closed before a newline), or -1 with errno.
 */
static ssize_t
recv_line(int fd, char *buf, double deadline, bool *eof)
{
	size_t len = 0;

	for (;;) {
		ssize_t r = recv(fd, buf + len, SLB_MGMT_MAX + 1 - len, 0);

		if (r > 0) {
			char *nl = memchr(buf + len, '\n', (size_t)r);

			len += (size_t)r;
			if (nl != NULL)
				return nl - buf;
			if (len > SLB_MGMT_MAX) {
				errno = EMSGSIZE;
				return -1;
			}
		} else if (r == 0) {
			*eof = true;
			return (ssize_t)len;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				return -1;
		} else {
			return -1;
		}
	}
}

int
slbctl_request(const char *path, const json_t *req, uint32_t timeout_ms, json_t **ans,
	char *why, size_t n)
{
	double deadline = mono_ms() + timeout_ms;
	char *text = NULL, *buf = NULL;
	json_error_t jerr;
	bool eof = false;
	ssize_t len;
	int fd, rc = -1;

	*ans = NULL;
	text = json_dumps(req, JSON_COMPACT);
	if (text == NULL || strlen(text) + 1 > SLB_MGMT_MAX ||
	    (buf = malloc(SLB_MGMT_MAX + 1)) == NULL) {
		snprintf(why, n, "cannot build the request (out of memory?)");
		goto out;
	}
	if ((fd = do_connect(path, deadline, why, n)) < 0)
		goto out;
	if (send_all(fd, text, strlen(text), deadline) < 0 || send_all(fd, "\n", 1, deadline) < 0) {
		if (errno == ETIMEDOUT)
			snprintf(why, n, "siplb-control at %s took no request within %.1f s", path,
				timeout_ms / 1000.0);
		else
			snprintf(why, n, "siplb-control at %s closed the connection before the "
				"request: %s", path, strerror(errno));
		goto out_fd;
	}
	len = recv_line(fd, buf, deadline, &eof);
	if (len < 0) {
		if (errno == ETIMEDOUT)
			snprintf(why, n, "siplb-control at %s did not answer within %.1f s", path,
				timeout_ms / 1000.0);
		else if (errno == EMSGSIZE)
			snprintf(why, n, "siplb-control at %s answered more than %d bytes", path,
				SLB_MGMT_MAX);
		else if (errno == EINTR)
			snprintf(why, n, "interrupted");
		else
			snprintf(why, n, "reading siplb-control's answer at %s: %s", path,
				strerror(errno));
		goto out_fd;
	}
	if (len == 0) {
		snprintf(why, n, eof ? "siplb-control at %s closed the connection without an "
			"answer" : "siplb-control at %s answered an empty line", path);
		goto out_fd;
	}
	*ans = json_loadb(buf, (size_t)len, 0, &jerr);
	if (*ans == NULL) {
		snprintf(why, n, "siplb-control at %s answered with bad JSON: %s", path, jerr.text);
		goto out_fd;
	}
	if (!json_is_object(*ans) || !json_is_boolean(json_object_get(*ans, "ok"))) {
		snprintf(why, n, "siplb-control at %s answered without \"ok\"", path);
		json_decref(*ans);
		*ans = NULL;
		goto out_fd;
	}
	rc = 0;
out_fd:
	close(fd);
out:
	free(buf);
	free(text);
	return rc;
}

/* The error of an "ok": false answer. */
static const char *
answer_error(const json_t *ans)
{
	const char *e = json_string_value(json_object_get(ans, "error"));

	return e != NULL ? e : "siplb-control refused, without saying why";
}

/* Ask once and print: the exit code. */
static int
run_once(const struct slbctl_args *a, const char *path, const json_t *req, FILE *out, FILE *err)
{
	struct slbctl_buf b = {0};
	char why[SLBCTL_ERR_LEN + 128];
	json_t *ans;
	int rc = SLBCTL_EXIT_OK;

	if (slbctl_request(path, req, a->timeout_ms, &ans, why, sizeof(why)) < 0) {
		fprintf(err, "siplbctl: %s\n", why);
		return SLBCTL_EXIT_ERR;
	}
	if (a->json)
		json_dumpf(ans, out, JSON_INDENT(2));
	if (a->json)
		fputc('\n', out);
	if (!json_is_true(json_object_get(ans, "ok"))) {
		fprintf(err, "siplbctl: %s\n", answer_error(ans));
		rc = SLBCTL_EXIT_ERR;
	} else if (!a->json) {
		if (slbctl_fmt_answer(&b, a, ans, NULL, 0, wall_s()) < 0) {
			fprintf(err, "siplbctl: siplb-control at %s gave an answer this siplbctl "
				"does not understand (try --json)\n", path);
			rc = SLBCTL_EXIT_ERR;
		} else if (b.err) {
			fprintf(err, "siplbctl: out of memory\n");
			rc = SLBCTL_EXIT_ERR;
		} else if (b.s != NULL) {
			fputs(b.s, out);
		}
	}
	fflush(out);
	slbctl_buf_free(&b);
	json_decref(ans);
	return rc;
}

/* One frame on a terminal: home, each line cleared to its end, the rest of the screen cleared. */
static void
put_frame(FILE *out, const char *s, bool tty)
{
	if (!tty) {
		fputs(s, out);
		fputc('\n', out);
		fflush(out);
		return;
	}
	fputs("\033[H", out);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fputs("\033[K", out);
		fputc(*s, out);
	}
	fputs("\033[J", out);
	fflush(out);
}

/* Sleep until the monotonic time t (ms), or Ctrl-C. */
static void
sleep_until(double t)
{
	double left;

	while (!stop && (left = t - mono_ms()) > 0) {
		struct timespec ts = {(time_t)(left / 1000), (long)((left - (time_t)(left / 1000) *
			1000.0) * 1e6)};

		nanosleep(&ts, NULL);
	}
}

/*
 * Ask every interval until Ctrl-C or --count answers. A failure is shown in the frame and the
 * loop goes on (siplb-control may be restarting); the exit code is the last answer's.
 */
static int
run_watch(const struct slbctl_args *a, const char *path, const json_t *req, FILE *out)
{
	const char *cmd = req != NULL ? json_string_value(json_object_get(req, "cmd")) : "?";
	bool tty = isatty(fileno(out)) == 1;
	struct slbctl_buf b = {0};
	json_t *prev = NULL;
	double next = mono_ms(), prev_t = 0;
	uint32_t done = 0;
	int rc = SLBCTL_EXIT_OK;
	char why[SLBCTL_ERR_LEN + 128], at[64];

	if (tty)
		fputs("\033[2J", out);
	while (!stop && (a->count == 0 || done < a->count)) {
		double now = wall_s(), t = mono_ms();
		time_t tt = (time_t)now;
		struct tm tm;
		json_t *ans;

		slbctl_buf_reset(&b);
		localtime_r(&tt, &tm);
		strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S", &tm);
		if (slbctl_request(path, req, a->timeout_ms, &ans, why, sizeof(why)) < 0) {
			if (stop)
				break;
			ans = NULL;
			rc = SLBCTL_EXIT_ERR;
		}
		if (a->json) {
			if (ans != NULL) {
				json_dumpf(ans, out, JSON_COMPACT);
				fputc('\n', out);
			} else {
				fprintf(out, "{\"ok\":false,\"error\":\"siplbctl: no answer\"}\n");
			}
			fflush(out);
		} else {
			slbctl_buf_printf(&b, "siplbctl %s: every %.1fs, %s%s\n\n", cmd,
				a->interval_ms / 1000.0, at, tty ? " (Ctrl-C to stop)" : "");
			if (ans == NULL) {
				slbctl_buf_printf(&b, "%s\n", why);
			} else if (!json_is_true(json_object_get(ans, "ok"))) {
				slbctl_buf_printf(&b, "siplb-control: %s\n", answer_error(ans));
				rc = SLBCTL_EXIT_ERR;
			} else if (slbctl_fmt_answer(&b, a, ans, prev, (t - prev_t) / 1000.0,
					now) < 0) {
				slbctl_buf_printf(&b, "an answer this siplbctl does not "
					"understand\n");
				rc = SLBCTL_EXIT_ERR;
			} else {
				rc = SLBCTL_EXIT_OK;
			}
			if (!b.err && b.s != NULL)
				put_frame(out, b.s, tty);
		}
		if (ans != NULL && json_is_true(json_object_get(ans, "ok"))) {
			json_decref(prev);
			prev = ans;
			prev_t = t;
		} else {
			json_decref(ans);
		}
		done++;
		if (a->count != 0 && done >= a->count)
			break;
		next += a->interval_ms;
		if (next < mono_ms())
			next = mono_ms();
		sleep_until(next);
	}
	json_decref(prev);
	slbctl_buf_free(&b);
	return rc;
}

int
slbctl_run(const struct slbctl_args *a, const char *path, FILE *out, FILE *err)
{
	struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
	json_t *req = slbctl_request_json(a);
	int rc;

	if (req == NULL) {
		fprintf(err, "siplbctl: cannot build the request\n");
		return SLBCTL_EXIT_ERR;
	}
	if (!a->watch) {
		rc = run_once(a, path, req, out, err);
		json_decref(req);
		return rc;
	}
	/* no SA_RESTART: Ctrl-C ends the sleep or the poll at once */
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = run_watch(a, path, req, out);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	stop = 0; /* a later run in this process (the tests) starts afresh */
	json_decref(req);
	return rc;
}

int
slbctl_main(int argc, char *const argv[], FILE *out, FILE *err)
{
	char msg[SLBCTL_ERR_LEN];
	struct slbctl_args a;
	struct slb_cfg *cfg;
	const char *path;
	char sock[SLB_CFG_PATH_LEN];
	int rc;

	rc = slbctl_parse(argc, argv, &a, msg, sizeof(msg));
	if (rc != SLBCTL_EXIT_OK) {
		fprintf(err, "siplbctl: %s\n%s\n", msg, slbctl_usage(a.cmd));
		fprintf(err, "Try 'siplbctl %s%s--help'.\n", slbctl_cmd_words(a.cmd),
			a.cmd != SLBCTL_NONE ? " " : "");
		return rc;
	}
	if (a.help) {
		fprintf(out, "%s\n%s", slbctl_usage(a.cmd), slbctl_help(a.cmd));
		return SLBCTL_EXIT_OK;
	}
	if (a.version) {
		fprintf(out, "siplbctl %s\n", SLB_VERSION);
		return SLBCTL_EXIT_OK;
	}

	path = a.socket != NULL ? a.socket : SLBCTL_DEFAULT_SOCKET;
	if (a.config != NULL) {
		/* large (every backend): not on the stack */
		if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
			fprintf(err, "siplbctl: out of memory\n");
			return SLBCTL_EXIT_ERR;
		}
		fflush(err);
		if (slb_cfg_load(cfg, a.config) < 0) {
			fprintf(err, "siplbctl: %s refused (above): it names the socket\n",
				a.config);
			slb_cfg_free(cfg); /* what the loader got before it refused */
			free(cfg);
			return SLBCTL_EXIT_ERR;
		}
		snprintf(sock, sizeof(sock), "%s", cfg->ctl_socket);
		slb_cfg_free(cfg);
		free(cfg);
		path = sock;
	}
	return slbctl_run(&a, path, out, err);
}
