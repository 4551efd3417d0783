/* ctl_redis_pvt.h: the Redis module's state shared by the main loop and its three threads. */
#ifndef CTL_REDIS_PVT_H
#define CTL_REDIS_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl_redis.h"
#include "ctl_redis_buf.h"
#include "ctl_redis_conn.h"
#include "ctl_redis_lag.h"
#include "ctl_redis_mirror.h"
#include "ctl_redis_rules.h"
#include "slb_hash.h"

#define CTL_REDIS_QUERIES 16 /* siplbctl dialog at once: CTL_MGMT_CONNS */
#define CTL_REDIS_PINQ 65536 /* pins waiting for the request ring (power of two) */
#define CTL_REDIS_KEY_MAX (32 + 4 + CTL_REDIS_CALLID_MAX + 1)

struct ctl_redis_query {
	bool used;
	bool asked; /* the writer took it */
	bool done;
	uint32_t seq; /* a slot freed and reused meanwhile is another query */
	uint8_t len;
	char callid[CTL_REDIS_CALLID_MAX];
	struct ctl_redis_answer a;
};

/*
 * Grouped by who writes what. Everything after lock is under it; the threads copy what they
 * need out and talk to Redis without it, so the main loop waits on nobody's I/O.
 */
struct ctl_redis {
	/* Set by ctl_redis_start(), read-only after. */
	struct ctl_redis_conn_cfg conn; /* each thread works on its own copy */
	char prefix[32];
	char instance[CTL_REDIS_NAME_MAX + 1];
	char channel[48]; /* <prefix>events */
	struct ctl_redis_ttl ttl;
	uint32_t batch;
	bool publish;
	pthread_t writer;
	pthread_t sub;
	bool have_writer, have_sub;

	pthread_mutex_t lock;
	pthread_cond_t wake;	 /* the writer: something to write, a query, or stop */
	pthread_cond_t pin_room; /* the loader: room in the pin queue, or a cancel */
	pthread_cond_t loader_gone;
	bool stop;

	/* Written under lock by the main loop (events) and the threads (rules). */
	struct ctl_redis_buf buf;
	int writer_waiting; /* the writer sleeps: 1 for anything, 2 for a query or stop only
			     * (Redis is down: new events only wait) */
	struct ctl_redis_mirror *mirror;
	struct ctl_redis_rule_stats rs;
	bool attached; /* a dataplane to pin in */
	bool have_key;
	struct slb_key128 secret;
	struct slb_hash_key hkey;
	uint64_t tsc_hz;

	/* Pins for the dataplane: a ring the subscriber and the loader fill, the main loop empties.
	 */
	struct ctl_redis_pin *pins;
	uint32_t pin_head;
	uint32_t pin_count;
	bool loader_waits;

	/* The loader: one thread at a time; a new attachment abandons the running load. */
	bool loader_active;
	bool load_again;
	uint64_t load_gen; /* bumped by attach and detach: a load of an older one stops */

	struct ctl_redis_query q[CTL_REDIS_QUERIES];
	bool queries_pending;
	uint32_t query_seq;

	/* Figures: the threads count here under lock, the snapshot copies them. */
	struct ctl_redis_stats st;
	struct ctl_redis_lag lag;      /* this second's */
	struct ctl_redis_lag lag_last; /* the last second's with any */
	uint64_t lag_since_ms;
};

/* Monotonic seconds: the mirror's clock. */
uint32_t ctl_redis_now_s(void);

/* Under lock: queue a pin (dropped and counted when no dataplane or no room). 0 or -1. */
int ctl_redis_pin_push(struct ctl_redis *r, const struct ctl_redis_pin *p);

/* Under lock: the Call-ID hash with the attached dataplane's key (have_key must be true). */
uint64_t ctl_redis_hash(const struct ctl_redis *r, const char *callid, size_t n);

/* The threads' bodies (ctl_redis.c, ctl_redis_sub.c, ctl_redis_load.c). */
/* Whether ctl_redis_stop() asked the threads to end (under the lock). */
bool ctl_redis_stopping(struct ctl_redis *r);

void *ctl_redis_writer_main(void *arg);
void *ctl_redis_sub_main(void *arg);
void *ctl_redis_load_main(void *arg);

#endif /* CTL_REDIS_PVT_H */
