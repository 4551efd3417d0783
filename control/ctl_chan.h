/* ctl_chan.h: control's end of the shared segment (slb_ctl.h): attach, watch, send, drain. */
#ifndef CTL_CHAN_H
#define CTL_CHAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "slb_ctl.h"

struct rte_ring;

#define CTL_CHAN_DEAD_MS 2000 /* a heartbeat older than this: the dataplane is gone */

struct ctl_chan {
	char path[128]; /* /dev/shm/<control.shm> */
	bool attached;
	int fd;
	void *base;
	size_t size;
	dev_t dev; /* the file attached: a new one (same name) is a new dataplane */
	ino_t ino;
	uint64_t epoch;	    /* the attached dataplane's, or the last one's */
	uint64_t nb_attach; /* attachments so far */
	bool new_epoch;	    /* the last attachment is to a dataplane not seen before */
	const struct slb_ctl_hdr *hdr;
	struct rte_ring *req;
	struct rte_ring *rsp;
	struct rte_ring *evt[SLB_CTL_MAX_WORKERS];
	uint32_t nb_workers;
	const struct slb_stats_shm *stats;
	struct slb_ctl_be_set *stage;
	const struct slb_ctl_be_set *cur;
	const struct slb_ctl_dlg_count *dlg;
	char why[320];	       /* why we are not attached, logged once per change */
	uint64_t next_stat_ms; /* when to look at the file's inode again */
};

enum ctl_chan_change {
	CTL_CHAN_SAME = 0,
	CTL_CHAN_ATTACHED, /* attached now: read the cur set */
	CTL_CHAN_DETACHED, /* the dataplane stopped, died or was replaced */
};

void ctl_chan_init(struct ctl_chan *c, const char *shm_name);

/*
 * Look at the segment (cheap: call it every loop). Attaches when a valid segment is there,
 * RUNNING or LOADING (a dataplane with redis.enabled waits for control before it takes
 * traffic); detaches when it stops, its heartbeat is older than CTL_CHAN_DEAD_MS, its epoch
 * changes or the file is replaced (then attaches again at a later call).
 */
enum ctl_chan_change ctl_chan_poll(struct ctl_chan *c, uint64_t now_ms);

/* Enqueue one request (single producer). 0, -ENOBUFS (ring full), -ENOTCONN. */
int ctl_chan_send(struct ctl_chan *c, const struct slb_ctl_req *req);

typedef void ctl_chan_evt_fn(void *arg, const struct slb_ctl_evt *evt);

/* Hand the events of the rsp ring and every worker's evt ring to fn, at most max per ring. */
unsigned int ctl_chan_drain(struct ctl_chan *c, ctl_chan_evt_fn *fn, void *arg, unsigned int max);

/* Copy the cur set (seqlock). 0, or -1 (not attached, always being written, or garbled). */
int ctl_chan_read_cur(const struct ctl_chan *c, struct slb_ctl_be_set *out);

/*
 * A consistent copy of the live dialogs per backend id (the dataplane's last full sweep).
 * Returns 0, or -1 when not attached, torn after a few tries, or no pass has ended yet.
 */
int ctl_chan_read_dlg(const struct ctl_chan *c, struct slb_ctl_dlg_count *out);

/* Sum every lcore slot's counters into sum (zeroed first). 0, or -1 when not attached. */
int ctl_chan_read_stats(const struct ctl_chan *c, struct slb_stats_ctr *sum);

/*
 * Control's heartbeat in the header (hdr.ctl_heartbeat_ms), at every loop: the dataplane emits
 * dialog events, and a LOADING one waits, only while it is under 2 s old.
 */
void ctl_chan_beat(struct ctl_chan *c, uint64_t now_ms);

/* The attached dataplane's enum slb_ctl_state (SLB_CTL_STOPPING when not attached). */
uint32_t ctl_chan_state(const struct ctl_chan *c);

/* Age of the heartbeat in ms, at now_ms. */
double ctl_chan_heartbeat_age(const struct ctl_chan *c, uint64_t now_ms);

void ctl_chan_close(struct ctl_chan *c);

#endif /* CTL_CHAN_H */
