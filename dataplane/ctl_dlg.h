/* ctl_dlg.h: control's dialog requests on the dialog table, and swept keys as events (no EAL). */
#ifndef SLB_CTL_DLG_H
#define SLB_CTL_DLG_H

#include <stdint.h>

#include "slb_ctl.h"
#include "slb_dlg.h"

/* Expired hashes per SLB_CTL_EVT_DLG_EXPIRED: as many as its callid[] holds. */
#define SLB_CTL_EXPIRED_PER_EVT (SLB_CTL_CALLID_MAX / 8)

/* What the pins and unpins of SLB_CTL_REQ_DLG did (the main lcore adds them up). */
struct slb_ctl_dlg_tally {
	uint64_t pinned;   /* dialogs created by a pin */
	uint64_t kept;     /* pins that met a live local dialog: it kept its backend */
	uint64_t unpinned; /* dialogs ended by an unpin */
	uint64_t refused;  /* pins refused: table full, a worker's create undecided, a bad backend
	                    * id or state */
};

/*
 * Apply a SLB_CTL_REQ_DLG to t (now: the table's clock). Pins and unpins are not answered (a
 * load sends thousands of them; an answer each would fill the rsp ring control is not reading
 * while it loads): they add to *tally. A LOOKUP, alone in its request, does not touch the
 * dialog's last-seen time and fills *reply: SLB_CTL_EVT_REPLY with req_id, result 1 (be_id,
 * status = its state, callid_hash) or 0; the function then returns 1. A request refused whole
 * (nb_dlg 0 or over SLB_CTL_DLG_OPS, an unknown op, a LOOKUP with other ops) applies nothing
 * and returns -EINVAL, for the caller to answer. Otherwise 0.
 */
int slb_ctl_dlg_apply(struct slb_dlg_table *t, const struct slb_ctl_req *rq, uint32_t now,
	struct slb_ctl_dlg_tally *tally, struct slb_ctl_evt *reply);

/*
 * Pack up to SLB_CTL_EXPIRED_PER_EVT of the n keys into *e (SLB_CTL_EVT_DLG_EXPIRED, be_id
 * 0xffff, callid_len = 8 per hash, tsc). Returns how many it took (0 when n is 0).
 */
uint32_t slb_ctl_dlg_expired_evt(struct slb_ctl_evt *e, const uint64_t *keys, uint32_t n,
	uint64_t tsc);

#endif /* SLB_CTL_DLG_H */
