/* ctl_redis_rules.c: the owner rules of ctl_redis_rules.h, over the mirror, with no I/O. */
#include <errno.h>
#include <string.h>

#include "ctl_redis_rules.h"

uint32_t
ctl_redis_ttl_of(const struct ctl_redis_ttl *t, unsigned int state)
{
	return state == SLB_CTL_DLG_CONFIRMED ? t->confirmed_s : t->early_s;
}

uint32_t
ctl_redis_refresh_at(const struct ctl_redis_ttl *t, unsigned int state, uint32_t now_s)
{
	uint32_t third = ctl_redis_ttl_of(t, state) / 3;

	return now_s + (third > 0 ? third : 1);
}

static void
op_of(struct ctl_redis_op *op, const struct slb_ctl_evt *e, uint8_t kind, char pub, uint16_t be_id,
	uint8_t state)
{
	op->tsc = e->tsc;
	op->kind = kind;
	op->pub = pub;
	op->be_id = be_id;
	op->state = state;
	op->len = (uint8_t)e->callid_len;
	memcpy(op->callid, e->callid, e->callid_len);
}

int
ctl_redis_rule_local(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t,
	const struct slb_ctl_evt *e, uint32_t now_s, struct ctl_redis_op *op,
	struct ctl_redis_rule_stats *st)
{
	struct ctl_redis_dlg *d;
	uint8_t state;
	int rc;

	/* SLB_CTL_CALLID_MAX bytes may be a cut Call-ID: its key would name another dialog */
	if (!ctl_redis_callid_ok(e->callid, e->callid_len) || e->be_id >= CTL_REDIS_BE_MAX) {
		st->skipped++;
		return 0;
	}
	switch (e->type) {
	case SLB_CTL_EVT_DLG_CREATED:
	case SLB_CTL_EVT_DLG_CONFIRMED:
		state = e->type == SLB_CTL_EVT_DLG_CREATED ? SLB_CTL_DLG_EARLY
							   : SLB_CTL_DLG_CONFIRMED;
		rc = ctl_redis_mirror_put(m, e->callid_hash, e->callid, e->callid_len, e->be_id,
			state, CTL_REDIS_OWNER_SELF, ctl_redis_refresh_at(t, state, now_s));
		if (rc == -ENOSPC || rc == -ENOMEM)
			st->full++; /* written all the same: only its refresh is lost */
		op_of(op, e, CTL_REDIS_OP_SET,
			state == SLB_CTL_DLG_EARLY ? CTL_REDIS_LINE_CREATED
						   : CTL_REDIS_LINE_UPDATED,
			e->be_id, state);
		return 1;
	case SLB_CTL_EVT_DLG_ENDED:
		d = ctl_redis_mirror_get(m, e->callid_hash);
		state = d != NULL ? d->state : SLB_CTL_DLG_EARLY;
		ctl_redis_mirror_del(m, e->callid_hash, NULL, NULL);
		op_of(op, e, CTL_REDIS_OP_DEL, CTL_REDIS_LINE_ENDED, e->be_id, state);
		return 1;
	default:
		st->skipped++;
		return 0;
	}
}

uint32_t
ctl_redis_rule_expired(struct ctl_redis_mirror *m, const struct slb_ctl_evt *e,
	struct ctl_redis_op ops[16], struct ctl_redis_rule_stats *st)
{
	uint32_t i, n = e->callid_len / 8, nb = 0;
	struct ctl_redis_dlg d;
	uint64_t hash;

	if (n > SLB_CTL_CALLID_MAX / 8)
		n = SLB_CTL_CALLID_MAX / 8;
	for (i = 0; i < n; i++) {
		struct ctl_redis_op *op = &ops[nb];

		memcpy(&hash, e->callid + 8 * i, 8);
		if (ctl_redis_mirror_del(m, hash, &d, op->callid) == 0) {
			st->expired_unknown++;
			continue;
		}
		if (d.owner != CTL_REDIS_OWNER_SELF)
			continue; /* its owner decides: the call may run through it */
		op->tsc = e->tsc;
		op->kind = CTL_REDIS_OP_DEL;
		op->pub = 0;
		op->be_id = d.be_id;
		op->state = d.state;
		op->len = d.len;
		nb++;
	}
	return nb;
}

int
ctl_redis_rule_remote(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t, uint64_t hash,
	const struct ctl_redis_line *l, uint8_t owner, uint32_t now_s, struct slb_ctl_dlg_op *pin)
{
	memset(pin, 0, sizeof(*pin));
	pin->callid_hash = hash;
	pin->be_id = l->be_id;
	pin->state = l->state;
	if (l->op == CTL_REDIS_LINE_ENDED) {
		ctl_redis_mirror_del(m, hash, NULL, NULL);
		pin->op = SLB_CTL_DLG_UNPIN;
		return 1;
	}
	/* the peer that saw the last event owns it now, even one we owned (the 2xx went there) */
	ctl_redis_mirror_put(m, hash, l->callid, l->len, l->be_id, l->state, owner,
		ctl_redis_refresh_at(t, l->state, now_s));
	pin->op = SLB_CTL_DLG_PIN;
	return 1;
}

void
ctl_redis_rule_loaded(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t, uint64_t hash,
	const char *callid, size_t n, const struct ctl_redis_val *v, uint8_t owner, uint32_t now_s,
	struct slb_ctl_dlg_op *pin, struct ctl_redis_rule_stats *st)
{
	uint32_t third = ctl_redis_ttl_of(t, v->state) / 3;
	int rc;

	rc = ctl_redis_mirror_put(m, hash, callid, n, v->be_id, v->state, owner,
		now_s + 1 + (uint32_t)(hash % (third > 0 ? third : 1)));
	if (rc == -ENOSPC || rc == -ENOMEM)
		st->full++;
	memset(pin, 0, sizeof(*pin));
	pin->callid_hash = hash;
	pin->be_id = v->be_id;
	pin->state = v->state;
	pin->op = SLB_CTL_DLG_PIN;
}
