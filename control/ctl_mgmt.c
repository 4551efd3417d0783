/* ctl_mgmt.c: the Unix socket siplbctl talks to: one JSON request per connection, no blocking. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_answer.h"
#include "ctl_log.h"
#include "ctl_mgmt.h"
#include "slb_mgmt.h"

enum conn_state {
	CONN_FREE = 0,
	CONN_READ, /* until a newline or the end of the request */
	CONN_WAIT, /* a change: until the dataplane answered */
	CONN_WRITE,
};

struct ctl_mgmt_conn {
	enum conn_state st;
	int fd;
	uint64_t deadline_ms;
	uint64_t ticket;
	char *buf; /* the request, then the answer */
	size_t len;
	size_t off; /* bytes of the answer written */
};

/* mkdir -p for the socket's directory: what we create is ours only (0700). */
static int
make_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				CTL_ERR("control.socket: mkdir %s: %s", dir, strerror(errno));
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/* A socket file left by a control that died is removed; one that answers is another control. */
static int
clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		CTL_ERR("control.socket: %s exists and is not a socket", sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		CTL_ERR("control.socket: another siplb-control answers on %s", sa->sun_path);
		return -1;
	}
	if (unlink(sa->sun_path) < 0) {
		CTL_ERR("control.socket: unlink %s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ctl_mgmt_open(struct ctl_mgmt *m, const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->conn = calloc(CTL_MGMT_CONNS, sizeof(*m->conn));
	if (m->conn == NULL)
		return -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		CTL_ERR("control.socket: %s is too long", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_dirs(path) < 0 || clear_stale(&sa) < 0)
		return -1;
	m->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0) {
		CTL_ERR("control.socket: socket: %s", strerror(errno));
		return -1;
	}
	/* created 0600 from the start: no moment when another user could connect */
	old = umask(0177);
	rc = bind(m->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(m->fd, CTL_MGMT_CONNS) < 0) {
		CTL_ERR("control.socket: %s: %s", path, strerror(errno));
		close(m->fd);
		m->fd = -1;
		return -1;
	}
	snprintf(m->path, sizeof(m->path), "%s", path);
	CTL_INFO("management socket %s (mode 0600)", path);
	return 0;
}

static void
conn_end(struct ctl_mgmt_conn *k)
{
	close(k->fd);
	free(k->buf);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

int
ctl_mgmt_pollfds(const struct ctl_mgmt *m, struct pollfd *pfd, int max)
{
	int n = 0, i, used = 0;

	for (i = 0; i < CTL_MGMT_CONNS && n < max; i++) {
		const struct ctl_mgmt_conn *k = &m->conn[i];

		if (k->st == CONN_FREE)
			continue;
		used++;
		if (k->st == CONN_WAIT)
			continue;
		pfd[n].fd = k->fd;
		pfd[n].events = k->st == CONN_READ ? POLLIN : POLLOUT;
		pfd[n].revents = 0;
		n++;
	}
	if (m->fd >= 0 && used < CTL_MGMT_CONNS && n < max) {
		pfd[n].fd = m->fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

static void
set_answer(struct ctl_mgmt_conn *k, json_t *a)
{
	char *text = json_dumps(a, JSON_COMPACT);
	size_t n;

	json_decref(a);
	free(k->buf);
	if (text == NULL) {
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (text == NULL) {
			k->buf = NULL;
			k->len = 0;
			k->st = CONN_WRITE;
			return;
		}
	}
	n = strlen(text);
	k->buf = realloc(text, n + 2);
	if (k->buf == NULL) {
		k->buf = text;
	} else {
		k->buf[n++] = '\n';
		k->buf[n] = '\0';
	}
	k->len = n;
	k->off = 0;
	k->st = CONN_WRITE;
}

static void
conn_request(struct ctl_mgmt_conn *k, struct ctl *c, uint64_t now_ms)
{
	json_t *a = ctl_answer(c, k->buf, k->len, &k->ticket);

	if (a == NULL) {
		k->st = CONN_WAIT;
		k->deadline_ms = now_ms + CTL_MGMT_WAIT_MS;
		return;
	}
	set_answer(k, a);
}

static void
conn_read(struct ctl_mgmt_conn *k, struct ctl *c, uint64_t now_ms)
{
	char tmp[4096];
	ssize_t r;
	char *nl;

	for (;;) {
		r = read(k->fd, tmp, sizeof(tmp));
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r < 0) {
			conn_end(k);
			return;
		}
		if (r == 0)
			break; /* the client closed its side: the request is what came */
		if (k->len + (size_t)r > SLB_MGMT_MAX) {
			set_answer(
				k, ctl_answer_error("request longer than %d bytes", SLB_MGMT_MAX));
			return;
		}
		{
			char *nb = realloc(k->buf, k->len + (size_t)r + 1);

			if (nb == NULL) {
				conn_end(k);
				return;
			}
			k->buf = nb;
		}
		memcpy(k->buf + k->len, tmp, (size_t)r);
		k->len += (size_t)r;
		k->buf[k->len] = '\0';
		nl = memchr(k->buf, '\n', k->len);
		if (nl != NULL) {
			k->len = (size_t)(nl - k->buf);
			break;
		}
	}
	if (k->len == 0) {
		conn_end(k);
		return;
	}
	conn_request(k, c, now_ms);
}

static void
conn_write(struct ctl_mgmt_conn *k)
{
	ssize_t w;

	while (k->off < k->len) {
		w = send(k->fd, k->buf + k->off, k->len - k->off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w <= 0) {
			conn_end(k);
			return;
		}
		k->off += (size_t)w;
	}
	conn_end(k);
}

static void
accept_all(struct ctl_mgmt *m, uint64_t now_ms)
{
	int i, fd;

	for (i = 0; i < CTL_MGMT_CONNS; i++) {
		struct ctl_mgmt_conn *k = &m->conn[i];

		if (k->st != CONN_FREE)
			continue;
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		memset(k, 0, sizeof(*k));
		k->fd = fd;
		k->st = CONN_READ;
		k->deadline_ms = now_ms + CTL_MGMT_IO_MS;
	}
}

static struct ctl_mgmt_conn *
conn_of(struct ctl_mgmt *m, int fd)
{
	int i;

	for (i = 0; i < CTL_MGMT_CONNS; i++)
		if (m->conn[i].st != CONN_FREE && m->conn[i].fd == fd)
			return &m->conn[i];
	return NULL;
}

void
ctl_mgmt_run(struct ctl_mgmt *m, struct ctl *c, const struct pollfd *pfd, int n, uint64_t now_ms)
{
	int i;

	for (i = 0; i < n; i++) {
		struct ctl_mgmt_conn *k;

		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == m->fd) {
			accept_all(m, now_ms);
			continue;
		}
		k = conn_of(m, pfd[i].fd);
		if (k == NULL)
			continue;
		if (k->st == CONN_READ)
			conn_read(k, c, now_ms);
		else if (k->st == CONN_WRITE)
			conn_write(k);
	}
	for (i = 0; i < CTL_MGMT_CONNS; i++) {
		struct ctl_mgmt_conn *k = &m->conn[i];
		json_t *a;

		if (k->st == CONN_WAIT) {
			a = ctl_answer_wait(c, k->ticket, now_ms >= k->deadline_ms);
			if (a != NULL) {
				set_answer(k, a);
				k->deadline_ms = now_ms + CTL_MGMT_IO_MS;
				conn_write(k);
			}
		} else if (k->st != CONN_FREE && now_ms >= k->deadline_ms) {
			conn_end(k);
		}
	}
}

void
ctl_mgmt_close(struct ctl_mgmt *m)
{
	int i;

	if (m->conn != NULL)
		for (i = 0; i < CTL_MGMT_CONNS; i++)
			if (m->conn[i].st != CONN_FREE)
				conn_end(&m->conn[i]);
	free(m->conn);
	m->conn = NULL;
	if (m->fd >= 0) {
		close(m->fd);
		unlink(m->path);
	}
	m->fd = -1;
}
