/* ctl_apply.h: the one writer of the backend set: control's list, and its way to the dataplane. */
#ifndef CTL_APPLY_H
#define CTL_APPLY_H

#include <stddef.h>

#include "ctl.h"

/* Backends of the file (at start, and on reload: the file decides membership, addresses and
 * weights; its "drain" and "down" become drain and disable, its "up" leaves the operator's
 * runtime state as it is). Health is kept for a backend whose address did not change. */
void ctl_apply_from_cfg(struct ctl *c, const struct slb_cfg *cfg, uint64_t now_us);

/* The dataplane attached: the first time, take its running set (control restarted, operator
 * changes live there); after a dataplane restart, give it control's set. */
void ctl_apply_attached(struct ctl *c, uint64_t now_us);

/* The dataplane left: nothing is in flight any more, and the set goes again on the next one. */
void ctl_apply_detached(struct ctl *c, uint64_t now_us);

/* Recompute each backend's dataplane state from its health; a change is a new set. */
void ctl_apply_refresh(struct ctl *c);

/* Send the set if it changed and nothing is in flight; give up on a request unanswered for
 * long (then the set goes again). Call every loop. */
void ctl_apply_run(struct ctl *c, uint64_t now_ms);

/* SLB_CTL_EVT_REPLY and SLB_CTL_EVT_TABLE. */
void ctl_apply_on_event(struct ctl *c, const struct slb_ctl_evt *evt);

/* The backend list. Each returns 0, or -1 with a sentence in err. */
struct ctl_be *ctl_be_by_id(struct ctl *c, uint32_t id);
struct ctl_be *ctl_be_by_name(struct ctl *c, const char *name);
struct ctl_be *ctl_be_by_addr(struct ctl *c, uint32_t ip, uint16_t port);
int ctl_be_add(struct ctl *c, uint32_t id, uint32_t ip, uint32_t port, uint32_t weight,
	const char *name, uint64_t now_us, char *err, size_t errlen);
int ctl_be_remove(struct ctl *c, struct ctl_be *be);
void ctl_be_set_admin(struct ctl *c, struct ctl_be *be, enum ctl_admin admin, uint64_t now_us);
int ctl_be_set_weight(struct ctl *c, struct ctl_be *be, uint32_t weight, char *err, size_t errlen);

#endif /* CTL_APPLY_H */
