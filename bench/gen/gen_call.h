/* gen_call.h: siplb-gen's engine: both ends of every call, their timers, counters, latency. */
#ifndef SLBG_CALL_H
#define SLBG_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_hist.h"
#include "gen_msg.h"
#include "gen_timer.h"

/*
 * The engine plays the callers (UACs) and the backends (UASs) of every call at once: a call
 * is one slot with both ends' states. It needs no EAL: what it sends goes to io.send, what
 * arrives comes in through slbg_rx(), time is io.clock's (the TSC in siplb-gen, a variable in
 * the unit tests). Over UDP it retransmits as RFC 3261 says: an INVITE on timer A (T1, doubling),
 * other requests on timer E (T1 doubling up to T2), a 200 or 487 to an INVITE until its ACK
 * (T1 doubling up to T2); a call not finished within timeout_ms (after its hold) has failed.
 */

enum slbg_scen {
	SLBG_SC_BASIC = 0,  /* INVITE, 100, 180, 200, ACK, hold, caller's BYE, 200 */
	SLBG_SC_CALLEE_BYE, /* the same, the callee hangs up along the Record-Route */
	SLBG_SC_CANCEL,	    /* INVITE, 100, 180, CANCEL, 200, 487, ACK */
	SLBG_SC_OPTIONS,    /* OPTIONS, 200 */
	SLBG_SC_REGISTER,   /* REGISTER, 200 */
	SLBG_SC_BIG,	    /* the basic call with an INVITE above the MTU (IP fragments) */
	SLBG_SC__COUNT
};

const char *slbg_scen_name(enum slbg_scen sc);
/* The scenario named s, or -1. */
int slbg_scen_parse(const char *s);

#define SLBG_MAX_BE 64

enum slbg_side {
	SLBG_CALLER = 0,  /* the callers' side: they talk to the balancer's caller address */
	SLBG_BACKEND = 1, /* the backends' side */
};

struct slbg_cfg {
	enum slbg_scen scen;
	uint32_t lb_ip; /* the balancer's address toward callers (host order) */
	uint16_t lb_port;
	uint16_t be_port;
	uint32_t caller_ip; /* the first caller address, then nb_caller_ip of them */
	uint32_t nb_caller_ip;
	uint16_t caller_port; /* the first caller port, then nb_caller_port of them */
	uint16_t nb_caller_port;
	uint32_t be_ip[SLBG_MAX_BE];
	uint32_t nb_be;
	uint32_t max_calls; /* calls in progress at most: the slots */
	uint32_t hold_ms;
	uint32_t t1_ms;
	uint32_t t2_ms;
	uint32_t timeout_ms;   /* a call not done this long after its hold has failed */
	uint32_t sdp_len;      /* the INVITE's SDP is padded up to this */
	uint64_t drop_nth;     /* test: the Nth message siplb-gen sends is counted, never sent */
	uint64_t misroute_nth; /* test: the Nth call's ACK also reaches another backend */
	uint64_t seed;
};

struct slbg_io {
	void *ctx;
	uint64_t hz; /* clock ticks per second */
	uint64_t (*clock)(void *ctx);
	/* one datagram: side says which port it leaves by; host-order addresses */
	void (*send)(void *ctx, enum slbg_side side, uint32_t src_ip, uint16_t sport,
		uint32_t dst_ip, uint16_t dport, const char *buf, uint32_t len);
};

/* Counters, all written by the one lcore that runs the engine. */
struct slbg_stats {
	uint64_t attempted;
	uint64_t completed;
	uint64_t failed;
	uint64_t tx[2];	  /* datagrams sent, per side */
	uint64_t rx[2];	  /* received */
	uint64_t retrans; /* requests sent again on a timer, responses on a request again */
	uint64_t drop_injected;
	uint64_t stray;			/* messages of no call in progress (late retransmissions) */
	uint64_t bad;			/* not scanned: not a message siplb-gen could have sent */
	uint64_t unexpected;		/* a message the call's state did not expect */
	uint64_t aff_violations;	/* calls whose messages reached more than one backend */
	uint64_t misrouted;		/* injected */
	uint64_t be_calls[SLBG_MAX_BE]; /* calls whose first request reached this backend */
	uint64_t be_msgs[SLBG_MAX_BE];
	uint64_t mt_tx[SLBG_MT__COUNT];
	uint64_t mt_rx[SLBG_MT__COUNT];
	struct slbg_hist lat[SLBG_MT__COUNT]; /* ns from X-Gen-TS to the receiving poll */
};

struct slbg_call;

struct slbg_engine {
	struct slbg_cfg cfg;
	struct slbg_io io;
	struct slbg_call *call;
	uint32_t *free_slot; /* a stack */
	uint32_t nb_free;
	struct slbg_wheel wheel;
	uint64_t ticks_per_ms;
	uint64_t rnd;
	uint32_t serial;
	uint64_t tx_seq;
	uint32_t in_progress;
	bool quiet; /* an injected delivery: what it sends and receives is not counted */
	struct slbg_stats st;
	char scratch[20000]; /* one message being written */
};

int slbg_engine_init(struct slbg_engine *e, const struct slbg_cfg *cfg, const struct slbg_io *io);
void slbg_engine_free(struct slbg_engine *e);

/* Start one call (its first request goes out now); -1 when max_calls are in progress. */
int slbg_call_start(struct slbg_engine *e);

/*
 * A datagram that reached side (be: which backend address, on SLBG_BACKEND) from
 * src_ip:sport; rx_tsc: when its burst was received.
 */
void slbg_rx(struct slbg_engine *e, enum slbg_side side, uint32_t be, uint32_t src_ip,
	uint16_t sport, const char *buf, uint32_t len, uint64_t rx_tsc);

/* Run the timers due at now (clock ticks). */
void slbg_engine_poll(struct slbg_engine *e, uint64_t now);

static inline uint32_t
slbg_in_progress(const struct slbg_engine *e)
{
	return e->in_progress;
}

#endif /* SLBG_CALL_H */
