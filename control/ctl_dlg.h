/* ctl_dlg.h: the dialog side of control's loop: Redis's pins into the dataplane, the load
 * handshake with a LOADING dataplane, and siplbctl dialog's two lookups. */
#ifndef CTL_DLG_H
#define CTL_DLG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_redis.h"
#include "slb_ctl.h"
#include "slb_hash.h"

struct ctl;

#define CTL_DLG_QUERIES 16	    /* siplbctl dialog at once (CTL_MGMT_CONNS) */
#define CTL_DLG_CALLID_MAX 1024	    /* a Call-ID siplbctl may ask about (hashed whole) */
#define CTL_DLG_TICKET (1ull << 63) /* ctl_answer's ticket of a dialog query: | its slot */

/* A half of a query: still waiting, or what it found. */
enum ctl_dlg_q {
	CTL_DLG_Q_WAIT = 0,
	CTL_DLG_Q_FOUND,
	CTL_DLG_Q_NONE,
	CTL_DLG_Q_ERROR, /* why says */
};

struct ctl_dlg_query {
	bool used;
	uint16_t len;
	char callid[CTL_DLG_CALLID_MAX];
	uint64_t hash;
	/* the dataplane's table (SLB_CTL_DLG_LOOKUP) */
	enum ctl_dlg_q local;
	uint32_t req_id;
	uint16_t be_id;
	uint8_t state;
	char local_why[96];
	/* Redis (GET by the writer thread) */
	enum ctl_dlg_q redis;
	int redis_id;
	struct ctl_redis_answer ra;
};

struct ctl_dlg {
	bool have_key; /* hkey: the attached (or last) dataplane's hash_secret */
	struct slb_hash_key hkey;
	bool owe_loaded; /* the dataplane attached LOADING: a REQ_LOADED is owed */
	uint64_t attach_ms;
	uint64_t pins_sent; /* ops of SLB_CTL_REQ_DLG sent, all time */
	uint32_t reqs_sent;
	/* the last load, as the dataplane answered it (SLB_CTL_EVT_LOADED) */
	bool dp_loaded;
	uint64_t dp_loaded_n;
	double dp_loaded_ms; /* attach to its answer, on our clock */
	struct ctl_dlg_query q[CTL_DLG_QUERIES];
};

/* A dataplane attached (RUNNING or LOADING): its hash key; Redis's load starts. */
void ctl_dlg_attached(struct ctl *c);

/* It left: pins not sent are dropped, lookups in flight answered "gone". */
void ctl_dlg_detached(struct ctl *c);

/* Every loop pass: Redis's pins into SLB_CTL_REQ_DLG (64 a request, while the ring has room),
 * then the REQ_LOADED the load owes. */
void ctl_dlg_run(struct ctl *c);

/* SLB_CTL_EVT_REPLY (a lookup's answer: returns true) and SLB_CTL_EVT_LOADED. */
bool ctl_dlg_on_event(struct ctl *c, const struct slb_ctl_evt *e);

/* Start siplbctl dialog's lookups: a slot, or -1 with a sentence in err. */
int ctl_dlg_query(struct ctl *c, const char *callid, size_t len, char *err, size_t elen);

/* The query in slot, when both halves answered (or timed_out: what is missing is an error):
 * returns it (free it with ctl_dlg_query_free()), or NULL meanwhile. */
struct ctl_dlg_query *ctl_dlg_query_poll(struct ctl *c, int slot, bool timed_out);

void ctl_dlg_query_free(struct ctl *c, int slot);

#endif /* CTL_DLG_H */
