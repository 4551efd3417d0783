/* gen_timer.c: siplb-gen's timer wheel (gen_timer.h says how it works). */
#include <stdlib.h>

#include "gen_timer.h"

int
slbg_wheel_init(struct slbg_wheel *w, uint32_t nb_nodes, unsigned int order, uint64_t start)
{
	uint32_t i, slots = 1u << order;

	w->node = calloc(nb_nodes, sizeof(*w->node));
	w->head = malloc(slots * sizeof(*w->head));
	if (w->node == NULL || w->head == NULL) {
		slbg_wheel_free(w);
		return -1;
	}
	for (i = 0; i < nb_nodes; i++) {
		w->node[i].next = SLBG_TIMER_NONE;
		w->node[i].prev = SLBG_TIMER_NONE;
		w->node[i].expire = UINT64_MAX;
	}
	for (i = 0; i < slots; i++)
		w->head[i] = SLBG_TIMER_NONE;
	w->nb_nodes = nb_nodes;
	w->mask = slots - 1;
	w->now = start;
	w->armed = 0;
	return 0;
}

void
slbg_wheel_free(struct slbg_wheel *w)
{
	free(w->node);
	free(w->head);
	w->node = NULL;
	w->head = NULL;
}

static void
unlink_node(struct slbg_wheel *w, uint32_t id)
{
	struct slbg_tnode *n = &w->node[id];

	if (n->prev != SLBG_TIMER_NONE)
		w->node[n->prev].next = n->next;
	else
		w->head[n->expire & w->mask] = n->next;
	if (n->next != SLBG_TIMER_NONE)
		w->node[n->next].prev = n->prev;
	n->next = SLBG_TIMER_NONE;
	n->prev = SLBG_TIMER_NONE;
	n->expire = UINT64_MAX;
	w->armed--;
}

void
slbg_timer_stop(struct slbg_wheel *w, uint32_t id)
{
	if (w->node[id].expire != UINT64_MAX)
		unlink_node(w, id);
}

void
slbg_timer_arm(struct slbg_wheel *w, uint32_t id, uint64_t expire)
{
	struct slbg_tnode *n = &w->node[id];
	uint32_t slot;

	slbg_timer_stop(w, id);
	/* the slot of a tick already run would not be visited before a full turn */
	if (expire < w->now)
		expire = w->now;
	slot = (uint32_t)(expire & w->mask);
	n->expire = expire;
	n->prev = SLBG_TIMER_NONE;
	n->next = w->head[slot];
	if (n->next != SLBG_TIMER_NONE)
		w->node[n->next].prev = id;
	w->head[slot] = id;
	w->armed++;
}

uint32_t
slbg_wheel_run(struct slbg_wheel *w, uint64_t now, void (*fn)(void *arg, uint32_t id), void *arg)
{
	uint32_t fired = 0;

	/* a long stall runs at most one turn of slots: each slot holds every tick it maps to */
	if (now > w->now + w->mask)
		w->now = now - w->mask;
	for (; w->now <= now; w->now++) {
		uint32_t slot = (uint32_t)(w->now & w->mask);
		uint32_t id = w->head[slot];

		while (id != SLBG_TIMER_NONE) {
			uint32_t next = w->node[id].next;

			if (w->node[id].expire <= now) {
				unlink_node(w, id);
				fn(arg, id);
				fired++;
				/* fn may have armed or stopped the next one: start the slot over */
				next = w->head[slot];
				while (next != SLBG_TIMER_NONE && w->node[next].expire > now)
					next = w->node[next].next;
			}
			id = next;
		}
	}
	return fired;
}
