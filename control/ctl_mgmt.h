/* ctl_mgmt.h: the management socket (slb_mgmt.h): siplbctl's JSON requests, in the event loop. */
#ifndef CTL_MGMT_H
#define CTL_MGMT_H

#include <poll.h>
#include <stdint.h>

#include "ctl.h"

#define CTL_MGMT_CONNS 16     /* clients at once; more wait in the listen backlog */
#define CTL_MGMT_IO_MS 5000   /* a client has this long to send its request and read */
#define CTL_MGMT_WAIT_MS 5000 /* a change waits this long for the dataplane's answer */

struct ctl_mgmt_conn;

struct ctl_mgmt {
	int fd; /* listening, -1: none */
	char path[108];
	struct ctl_mgmt_conn *conn; /* CTL_MGMT_CONNS */
};

/* Listen on path (its directory made 0700 if missing, a stale socket replaced, mode 0600).
 * 0, or -1 (logged). */
int ctl_mgmt_open(struct ctl_mgmt *m, const char *path);

/* The descriptors to poll (at most 1 + CTL_MGMT_CONNS). Returns how many were filled. */
int ctl_mgmt_pollfds(const struct ctl_mgmt *m, struct pollfd *pfd, int max);

/* Accept, read, answer, time out: after poll() over the descriptors of ctl_mgmt_pollfds(). */
void ctl_mgmt_run(
	struct ctl_mgmt *m, struct ctl *c, const struct pollfd *pfd, int n, uint64_t now_ms);

void ctl_mgmt_close(struct ctl_mgmt *m);

#endif /* CTL_MGMT_H */
