/* redis_srv.h: a redis-server (or sentinel) of a test's own: loopback port, own dir, its PID. */
#ifndef REDIS_SRV_H
#define REDIS_SRV_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/*
 * Started with fork + exec, never daemonized, so the test holds its PID and kills that PID and
 * no other. Persistence is off (no dump, no AOF): a restart is an empty Redis, as after losing
 * a host. Each server has a directory of its own under the test's (its log, a sentinel's
 * config). Ports are looked for from a base derived from the PID, each one checked free.
 */
struct redis_srv {
	pid_t pid;
	int port;
	char dir[384];
};

/* Every server started and not yet killed: a test that stops half-way leaves none behind. */
#define REDIS_SRV_MAX 16
static pid_t redis_srv_pids[REDIS_SRV_MAX];

static inline void
redis_srv_track(pid_t pid, pid_t gone)
{
	int i;

	for (i = 0; i < REDIS_SRV_MAX; i++)
		if (redis_srv_pids[i] == gone) {
			redis_srv_pids[i] = pid;
			return;
		}
}

/* Kill (SIGTERM) and reap every server still tracked. */
static inline void
redis_srv_kill_all(void)
{
	int i;

	for (i = 0; i < REDIS_SRV_MAX; i++)
		if (redis_srv_pids[i] > 0) {
			kill(redis_srv_pids[i], SIGTERM);
			waitpid(redis_srv_pids[i], NULL, 0);
			redis_srv_pids[i] = 0;
		}
}

static inline double
redis_srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection with short timeouts, or NULL. */
static inline redisContext *
redis_srv_connect(int port)
{
	struct timeval tv = {0, 300000};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	if (c == NULL)
		return NULL;
	if (c->err != 0) {
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	return c;
}

/* Whether something answers PING on port. */
static inline int
redis_srv_pings(int port)
{
	redisContext *c = redis_srv_connect(port);
	redisReply *r;
	int ok;

	if (c == NULL)
		return 0;
	r = redisCommand(c, "PING");
	/* one with a password answers NOAUTH: alive all the same */
	ok = r != NULL &&
	     (r->type == REDIS_REPLY_STATUS ||
		     (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0));
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return ok;
}

/* A loopback port nobody listens on, from base on. */
static inline int
redis_srv_free_port(int base)
{
	int p;

	for (p = base; p < base + 200; p++) {
		redisContext *c = redis_srv_connect(p);

		if (c == NULL)
			return p;
		redisFree(c);
	}
	return -1;
}

/* Kill it by its PID (sig: SIGTERM, or SIGKILL for a crash) and reap it. */
static inline void
redis_srv_kill(struct redis_srv *s, int sig)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, sig);
	waitpid(s->pid, NULL, 0);
	redis_srv_track(0, s->pid);
	s->pid = 0;
}

/*
 * Start redis-server on 127.0.0.1:port in top/name with extra arguments (NULL-terminated), or
 * as a sentinel when sentinel_conf is not NULL (its text, written to sentinel.conf first).
 * Waits until it answers PING (5 s at most). 0, or -1.
 */
static inline int
redis_srv_start(struct redis_srv *s, const char *top, const char *name, int port,
	const char *sentinel_conf, const char *const *extra)
{
	char portstr[16], logf[420], conf[420];
	const char *argv[32];
	int argc = 0, i;
	double t0;

	memset(s, 0, sizeof(*s));
	s->port = port;
	snprintf(s->dir, sizeof(s->dir), "%s/%s", top, name);
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(logf, sizeof(logf), "%s/redis.log", s->dir);
	argv[argc++] = "redis-server";
	if (sentinel_conf != NULL) {
		FILE *f;

		snprintf(conf, sizeof(conf), "%s/sentinel.conf", s->dir);
		f = fopen(conf, "w");
		if (f == NULL)
			return -1;
		fputs(sentinel_conf, f);
		fclose(f);
		argv[argc++] = conf;
		argv[argc++] = "--sentinel";
	}
	argv[argc++] = "--port";
	argv[argc++] = portstr;
	argv[argc++] = "--bind";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "--dir";
	argv[argc++] = s->dir;
	argv[argc++] = "--logfile";
	argv[argc++] = logf;
	argv[argc++] = "--daemonize";
	argv[argc++] = "no";
	if (sentinel_conf == NULL) {
		argv[argc++] = "--save";
		argv[argc++] = "";
		argv[argc++] = "--appendonly";
		argv[argc++] = "no";
	}
	for (i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	redis_srv_track(s->pid, 0);
	for (t0 = redis_srv_now(); redis_srv_now() - t0 < 5.0; usleep(20000)) {
		int st;

		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			redis_srv_track(0, s->pid);
			s->pid = 0;
			return -1;
		}
		if (redis_srv_pings(port))
			return 0;
	}
	redis_srv_kill(s, SIGKILL); /* started but silent: not left behind */
	return -1;
}

/* A command's reply on a fresh connection to port (free it), or NULL. */
static inline redisReply *
redis_srv_cmd(int port, const char *fmt, const char *arg)
{
	redisContext *c = redis_srv_connect(port);
	redisReply *r;

	if (c == NULL)
		return NULL;
	r = redisCommand(c, fmt, arg);
	redisFree(c);
	return r;
}

#endif /* REDIS_SRV_H */
