/* ctl_redis_conn.c: connect to the master (direct or by sentinels), AUTH, SELECT, ROLE, timeouts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ctl_redis_conn.h"

static struct timeval
tv_of(uint32_t ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (long)(ms % 1000) * 1000};

	return tv;
}

int
ctl_redis_split(const char *hp, char *host, size_t n, int *port)
{
	const char *colon = strrchr(hp, ':');
	char *end;
	long p;

	if (colon == NULL || colon == hp || (size_t)(colon - hp) >= n)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || p <= 0 || p > 65535)
		return -1;
	memcpy(host, hp, (size_t)(colon - hp));
	host[colon - hp] = '\0';
	*port = (int)p;
	return 0;
}

bool
ctl_redis_is_readonly(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL &&
	       strncmp(r->str, "READONLY", 8) == 0;
}

redisReply *
ctl_redis_cmd(redisContext *c, char *err, size_t elen, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		snprintf(err, elen, "%s", c->errstr[0] != '\0' ? c->errstr : "no reply");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, elen, "%s", r->str != NULL ? r->str : "error");
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* A TCP connection with both timeouts: NULL with err set. */
static redisContext *
dial(const struct ctl_redis_conn_cfg *cfg, const char *hp, char *err, size_t elen)
{
	char host[CTL_REDIS_ADDR_LEN];
	redisContext *c;
	int port;

	if (ctl_redis_split(hp, host, sizeof(host), &port) < 0) {
		snprintf(err, elen, "%s: not host:port", hp);
		return NULL;
	}
	c = redisConnectWithTimeout(host, port, tv_of(cfg->connect_ms));
	if (c == NULL) {
		snprintf(err, elen, "%s: out of memory", hp);
		return NULL;
	}
	if (c->err != 0) {
		snprintf(err, elen, "%s: %s", hp, c->errstr);
		redisFree(c);
		return NULL;
	}
	/* a dead peer is noticed by the command timeout; keepalive covers an idle subscriber */
	if (redisSetTimeout(c, tv_of(cfg->command_ms)) != REDIS_OK ||
		redisEnableKeepAlive(c) != REDIS_OK) {
		snprintf(err, elen, "%s: %s", hp, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

/* Ask one sentinel for the master: 0 with "host:port" in addr, or -1 with err. */
static int
ask_sentinel(const struct ctl_redis_conn_cfg *cfg, const char *sentinel, char *addr, size_t alen,
	char *err, size_t elen)
{
	char why[160];
	redisContext *c = dial(cfg, sentinel, why, sizeof(why));
	redisReply *r;
	int rc = -1;

	if (c == NULL) {
		snprintf(err, elen, "sentinel %s", why);
		return -1;
	}
	r = ctl_redis_cmd(c, why, sizeof(why), "SENTINEL get-master-addr-by-name %s", cfg->master);
	if (r == NULL) {
		snprintf(err, elen, "sentinel %s: %s", sentinel, why);
	} else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		   r->element[0]->type != REDIS_REPLY_STRING ||
		   r->element[1]->type != REDIS_REPLY_STRING) {
		snprintf(err, elen, "sentinel %s does not know master '%s'", sentinel, cfg->master);
	} else {
		snprintf(addr, alen, "%s:%s", r->element[0]->str, r->element[1]->str);
		rc = 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return rc;
}

/* AUTH, SELECT and ROLE on a new connection: 0, or -1 with err. */
static int
prepare(const struct ctl_redis_conn_cfg *cfg, redisContext *c, const char *hp, char *err,
	size_t elen)
{
	char why[160];
	redisReply *r;
	bool master;

	if (cfg->password[0] != '\0') {
		if ((r = ctl_redis_cmd(c, why, sizeof(why), "AUTH %s", cfg->password)) == NULL) {
			snprintf(err, elen, "%s: AUTH: %s", hp, why);
			return -1;
		}
		freeReplyObject(r);
	}
	if (cfg->db != 0) {
		if ((r = ctl_redis_cmd(c, why, sizeof(why), "SELECT %u", cfg->db)) == NULL) {
			snprintf(err, elen, "%s: SELECT %u: %s", hp, cfg->db, why);
			return -1;
		}
		freeReplyObject(r);
	}
	r = redisCommand(c, "ROLE");
	if (r == NULL) {
		snprintf(err, elen, "%s: ROLE: %s", hp, c->errstr);
		return -1;
	}
	/* a server too old for ROLE answers an error: it is taken at its word */
	master = r->type != REDIS_REPLY_ARRAY || r->elements == 0 ||
		 r->element[0]->type != REDIS_REPLY_STRING ||
		 strcmp(r->element[0]->str, "master") == 0;
	freeReplyObject(r);
	if (!master) {
		snprintf(err, elen, "%s is a replica, not the master", hp);
		return -1;
	}
	return 0;
}

redisContext *
ctl_redis_connect(struct ctl_redis_conn_cfg *cfg, char *addr, size_t alen, char *err, size_t elen)
{
	redisContext *c;
	uint32_t i, k;

	if (cfg->nb_sentinels == 0) {
		snprintf(addr, alen, "%s", cfg->address);
	} else {
		for (i = 0; i < cfg->nb_sentinels; i++) {
			k = (cfg->next_sentinel + i) % cfg->nb_sentinels;
			if (ask_sentinel(cfg, cfg->sentinels[k], addr, alen, err, elen) == 0) {
				cfg->next_sentinel = k;
				break;
			}
		}
		if (i == cfg->nb_sentinels)
			return NULL; /* err: the last sentinel's reason */
	}
	c = dial(cfg, addr, err, elen);
	if (c == NULL)
		return NULL;
	if (prepare(cfg, c, addr, err, elen) < 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}
