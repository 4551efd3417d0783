/* ctl_redis_conn.h: one connection to the Redis master: found directly or through sentinels. */
#ifndef CTL_REDIS_CONN_H
#define CTL_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define CTL_REDIS_ADDR_LEN 64 /* "host:port" (SLB_CFG_ADDR_LEN) */
#define CTL_REDIS_SENTINELS 8 /* SLB_CFG_MAX_SENTINELS */
#define CTL_REDIS_SECRET_LEN 128

/* The redis section's connection settings (cfg.h), copied so each thread has its own. */
struct ctl_redis_conn_cfg {
	char address[CTL_REDIS_ADDR_LEN]; /* without sentinels */
	char sentinels[CTL_REDIS_SENTINELS][CTL_REDIS_ADDR_LEN];
	uint32_t nb_sentinels;
	char master[32]; /* the sentinels' name for it */
	char password[CTL_REDIS_SECRET_LEN];
	uint32_t db;
	uint32_t connect_ms;
	uint32_t command_ms;
	uint32_t next_sentinel; /* the one to ask first: the last that answered */
};

/*
 * Connect to the master, ready for commands: with sentinels, ask each in turn (from the one that
 * answered last) `SENTINEL get-master-addr-by-name <master>`; then connect there with the
 * connect timeout, set the command timeout on the socket, AUTH (a password), SELECT (db other
 * than 0) and check that ROLE says master (a replica refuses writes; during a failover a
 * sentinel may still name the old master for a moment). Every step is bounded by the timeouts,
 * so a thread that calls this never hangs on a silent host.
 * Returns the context, or NULL with a sentence in err. addr gets "host:port" tried last.
 */
redisContext *ctl_redis_connect(
	struct ctl_redis_conn_cfg *cfg, char *addr, size_t alen, char *err, size_t elen);

/* A command on c with its reply checked: the reply (free it), or NULL with a sentence in err. */
redisReply *ctl_redis_cmd(redisContext *c, char *err, size_t elen, const char *fmt, ...);

/* A reply that says the server is a replica now (a failover happened under us). */
bool ctl_redis_is_readonly(const redisReply *r);

/* "host:port" into host and port: 0, or -1. */
int ctl_redis_split(const char *hp, char *host, size_t n, int *port);

#endif /* CTL_REDIS_CONN_H */
