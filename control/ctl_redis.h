/* ctl_redis.h: dialog state in Redis, as control's main loop sees it (threads behind it). */
#ifndef CTL_REDIS_H
#define CTL_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "ctl_redis_enc.h"
#include "slb_ctl.h"

/*
 * The contract with the main loop: every call here takes one mutex for a few microseconds and
 * never waits on Redis. Behind it run a writer thread (the buffered writes, TTL refreshes, the
 * full write after an outage, siplbctl's GETs), a subscriber thread (other instances' events)
 * and, at each attachment to a dataplane, a loader thread (SCAN + MGET), each on its own hiredis
 * connection with redis.connect_timeout_ms and redis.command_timeout_ms.
 */

struct ctl_redis;

/* What the dataplane gets from Redis's side, in order: pins and unpins, then a load's end. */
enum ctl_redis_pin_kind {
	CTL_REDIS_PIN_OP = 1, /* op: a PIN or UNPIN of SLB_CTL_REQ_DLG */
	CTL_REDIS_PIN_LOADED, /* the load is over: count dialogs read, result 0 or -errno */
};

struct ctl_redis_pin {
	uint8_t kind; /* enum ctl_redis_pin_kind */
	int32_t result;
	uint64_t count;
	double ms; /* how long the load took */
	struct slb_ctl_dlg_op op;
};

/* The figures of siplbctl dialogs and /metrics. */
struct ctl_redis_stats {
	bool up;	 /* the writer's connection to the master */
	bool sub_up;	 /* the subscriber's */
	char master[64]; /* "host:port": the master, or the address tried last */
	char error[160]; /* why it is down; "" when up */
	char instance[CTL_REDIS_NAME_MAX + 1];
	uint64_t since_ms; /* monotonic ms of the last change of up */
	uint64_t written;  /* events written (Redis answered) */
	uint64_t lost;	   /* events that found the buffer full */
	uint64_t buffered; /* events waiting now */
	uint64_t buffer_size;
	uint64_t peak;		 /* the most buffered at once */
	uint64_t errors;	 /* commands Redis refused (not retried) */
	uint64_t refreshed;	 /* TTLs refreshed */
	uint64_t restored;	 /* refreshed keys found gone and written again */
	uint64_t resyncs;	 /* full writes of the live state after (re)connecting */
	uint64_t resync_written; /* dialogs they wrote */
	uint64_t failovers;	 /* the master moved */
	uint64_t published;	 /* lines published to other instances */
	uint64_t remote_msgs;	 /* messages of other instances */
	uint64_t remote_lines;
	uint64_t remote_bad;	  /* lines or messages refused */
	uint64_t pins_dropped;	  /* pins for our dataplane that found no room (or no dataplane) */
	uint64_t skipped;	  /* local events not written (Call-ID cut or not printable) */
	uint64_t expired_unknown; /* expiries of dialogs the mirror did not have */
	uint64_t mirror_full;	  /* dialogs written but not mirrored (full) */
	uint32_t mirror[2][4];	  /* [other instance?][enum slb_ctl_dlg_state] */
	uint32_t mirror_count;
	uint32_t mirror_capacity;
	double lag_p50_ms; /* over the last second with writes; -1: none */
	double lag_p99_ms;
	uint64_t lag_n;
	/* the last load */
	bool load_done;
	bool load_running;
	uint64_t loaded;
	uint64_t load_bad; /* keys under the prefix whose Call-ID or value is unreadable */
	double load_ms;
	int32_t load_result;
};

/* The result of a GET for siplbctl dialog. */
struct ctl_redis_answer {
	int found;			 /* 1 a key, 0 none, -1 Redis could not say (error) */
	char value[CTL_REDIS_VALUE_MAX]; /* as stored */
	long long ttl_s;		 /* seconds left, -1 none */
	char error[160];
};

/* Start the threads for cfg's redis section (copied). NULL when disabled or on failure (logged,
 * and *failed set). */
struct ctl_redis *ctl_redis_start(const struct slb_cfg *cfg, bool *failed);

/* Stop and join every thread, free everything. NULL is fine. */
void ctl_redis_stop(struct ctl_redis *r);

/* A dialog event of the dataplane (CREATED, CONFIRMED, ENDED, EXPIRED). */
void ctl_redis_event(struct ctl_redis *r, const struct slb_ctl_evt *e);

/*
 * A dataplane attached with this hash key and TSC rate: other instances' events are pinned in it
 * from now on (the mirror is rehashed when the key changed), and a load starts: its pins, then
 * a CTL_REDIS_PIN_LOADED, come out of ctl_redis_pins().
 */
void ctl_redis_attach(struct ctl_redis *r, const struct slb_key128 *secret, uint64_t tsc_hz);

/* The dataplane left: a load in progress is abandoned, pins not yet sent are dropped. */
void ctl_redis_detach(struct ctl_redis *r);

/* Copy up to max pins, oldest first (a CTL_REDIS_PIN_LOADED ends the copy: it is the last). */
uint32_t ctl_redis_pins_peek(struct ctl_redis *r, struct ctl_redis_pin *out, uint32_t max);

/* The n oldest pins were sent. */
void ctl_redis_pins_drop(struct ctl_redis *r, uint32_t n);

/* The figures now (the lag of the last whole second). */
void ctl_redis_snapshot(struct ctl_redis *r, struct ctl_redis_stats *st);

/* Ask Redis for a Call-ID's key (the writer does it between batches): an id, or -EBUSY. */
int ctl_redis_query(struct ctl_redis *r, const char *callid, size_t n);

/* 1 and *a when answered (the id is free again), 0 while waiting. */
int ctl_redis_query_result(struct ctl_redis *r, int id, struct ctl_redis_answer *a);

/* Forget a query (its client went away). */
void ctl_redis_query_cancel(struct ctl_redis *r, int id);

/* The instance name in use (redis.instance, or the host name). */
const char *ctl_redis_instance(const struct ctl_redis *r);

#endif /* CTL_REDIS_H */
