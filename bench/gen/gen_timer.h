/* gen_timer.h: siplb-gen's timer wheel: millisecond ticks, intrusive nodes indexed by number. */
#ifndef SLBG_TIMER_H
#define SLBG_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A hashed wheel of 2^order slots, one slot per tick (a millisecond in siplb-gen). The nodes
 * are the caller's (an array of struct slbg_tnode, one per timer it may arm, addressed by
 * index) so that a call's timers cost no allocation: arming, disarming and re-arming are O(1),
 * and a pass over the due slots costs what expires plus the slots passed. A timer further away
 * than the wheel's span stays in its slot and is skipped until its tick comes round.
 */

#define SLBG_TIMER_NONE UINT32_MAX

struct slbg_tnode {
	uint32_t next;	 /* in the slot's list, SLBG_TIMER_NONE at the end */
	uint32_t prev;	 /* SLBG_TIMER_NONE for the first; the slot is found from expire */
	uint64_t expire; /* tick; UINT64_MAX when not armed */
};

struct slbg_wheel {
	struct slbg_tnode *node; /* nb_nodes, the caller's */
	uint32_t nb_nodes;
	uint32_t mask;	/* slots - 1 */
	uint32_t *head; /* per slot, the first node or SLBG_TIMER_NONE */
	uint64_t now;	/* every tick before this one has been run */
	uint32_t armed;
};

/* A wheel over nb_nodes nodes (allocated here), 2^order slots, the clock at tick start. */
int slbg_wheel_init(struct slbg_wheel *w, uint32_t nb_nodes, unsigned int order, uint64_t start);
void slbg_wheel_free(struct slbg_wheel *w);

/* Arm (or re-arm) node id to fire at tick expire (a tick already past fires at the next run). */
void slbg_timer_arm(struct slbg_wheel *w, uint32_t id, uint64_t expire);
void slbg_timer_stop(struct slbg_wheel *w, uint32_t id);

static inline bool
slbg_timer_armed(const struct slbg_wheel *w, uint32_t id)
{
	return w->node[id].expire != UINT64_MAX;
}

/*
 * Run every timer due at or before tick now: each is disarmed, then fn(arg, id) is called (it
 * may arm any timer again, that one too). Returns how many fired.
 */
uint32_t slbg_wheel_run(
	struct slbg_wheel *w, uint64_t now, void (*fn)(void *arg, uint32_t id), void *arg);

#endif /* SLBG_TIMER_H */
