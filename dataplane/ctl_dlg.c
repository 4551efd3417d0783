/* ctl_dlg.c: control's dialog requests on the dialog table, and swept keys as events (no EAL). */
#include <errno.h>
#include <string.h>

#include "ctl_dlg.h"

static_assert((int)SLB_CTL_DLG_EARLY == (int)SLB_DLG_EARLY &&
		(int)SLB_CTL_DLG_CONFIRMED == (int)SLB_DLG_CONFIRMED &&
		(int)SLB_CTL_DLG_ANSWERED == (int)SLB_DLG_ANSWERED,
	"slb_ctl.h: dialog states are enum slb_dlg_state's numbers");
static_assert(SLB_CTL_EXPIRED_PER_EVT * sizeof(uint64_t) <= SLB_CTL_CALLID_MAX,
	"expired hashes fit callid[]");

/* Tries of a pin that meets a worker's undecided create of the same key (-EBUSY). */
#define PIN_TRIES 1000

/* The whole request is checked before any op is applied: refused whole or applied whole. */
static int
check(const struct slb_ctl_req *rq)
{
	uint32_t i;

	if (rq->nb_dlg == 0 || rq->nb_dlg > SLB_CTL_DLG_OPS)
		return -EINVAL;
	for (i = 0; i < rq->nb_dlg; i++) {
		uint8_t op = rq->dlg[i].op;

		if (op != SLB_CTL_DLG_PIN && op != SLB_CTL_DLG_UNPIN && op != SLB_CTL_DLG_LOOKUP)
			return -EINVAL;
		if (op == SLB_CTL_DLG_LOOKUP && rq->nb_dlg != 1)
			return -EINVAL;
	}
	return 0;
}

static int
lookup(struct slb_dlg_table *t, const struct slb_ctl_req *rq, uint32_t now,
	struct slb_ctl_evt *reply)
{
	const struct slb_ctl_dlg_op *op = &rq->dlg[0];
	uint16_t be_id = 0xffff;
	uint8_t state = 0;
	int found;

	found = slb_dlg_peek(t, op->callid_hash, now, &be_id, &state);
	memset(reply, 0, sizeof(*reply));
	reply->type = SLB_CTL_EVT_REPLY;
	reply->req_id = rq->req_id;
	reply->result = found;
	reply->be_id = found ? be_id : 0xffff;
	reply->status = found ? state : 0;
	reply->callid_hash = op->callid_hash;
	return 1;
}

int
slb_ctl_dlg_apply(struct slb_dlg_table *t, const struct slb_ctl_req *rq, uint32_t now,
	struct slb_ctl_dlg_tally *tally, struct slb_ctl_evt *reply)
{
	uint32_t i, tries;
	int rc;

	if (check(rq) < 0)
		return -EINVAL;
	if (rq->dlg[0].op == SLB_CTL_DLG_LOOKUP)
		return lookup(t, rq, now, reply);
	/*
	 * All the ops' buckets first, so that their cache misses overlap: with millions of
	 * dialogs each pin would otherwise wait for its own (bench_dialog --live 10000000:
	 * create + end 280-310 ns one at a time, 90 ns in prefetched bursts).
	 */
	for (i = 0; i < rq->nb_dlg; i++)
		slb_dlg_prefetch(t, rq->dlg[i].callid_hash);
	for (i = 0; i < rq->nb_dlg; i++) {
		const struct slb_ctl_dlg_op *op = &rq->dlg[i];

		if (op->op == SLB_CTL_DLG_UNPIN) {
			tally->unpinned += (uint64_t)slb_dlg_end(t, op->callid_hash, NULL);
			continue;
		}
		/*
		 * -EBUSY: a worker's create of the same key is undecided; it ends in a few hundred
		 * ns unless that worker was preempted, so try again a bounded number of times.
		 */
		rc = slb_dlg_pin(t, op->callid_hash, op->be_id, op->state, now);
		for (tries = 0; rc == -EBUSY && tries < PIN_TRIES; tries++)
			rc = slb_dlg_pin(t, op->callid_hash, op->be_id, op->state, now);
		if (rc == 0)
			tally->pinned++;
		else if (rc == 1)
			tally->kept++;
		else
			tally->refused++;
	}
	return 0;
}

uint32_t
slb_ctl_dlg_expired_evt(struct slb_ctl_evt *e, const uint64_t *keys, uint32_t n, uint64_t tsc)
{
	if (n > SLB_CTL_EXPIRED_PER_EVT)
		n = SLB_CTL_EXPIRED_PER_EVT;
	memset(e, 0, sizeof(*e));
	e->type = SLB_CTL_EVT_DLG_EXPIRED;
	e->be_id = 0xffff;
	e->tsc = tsc;
	e->callid_len = (uint16_t)(n * sizeof(uint64_t));
	memcpy(e->callid, keys, n * sizeof(uint64_t));
	return n;
}
