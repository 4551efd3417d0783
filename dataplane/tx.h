/* tx.h: per (lcore, port) transmit buffering, drained on a TSC deadline; refusals are freed. */
#ifndef SLB_TX_H
#define SLB_TX_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_spinlock.h>

#include "slb_stats.h"

/*
 * One per worker and port. The queue is the worker's own unless the device has fewer tx queues
 * than there are workers: then lock points at the port's lock for that queue and every burst
 * handed to the NIC is sent under it. Packets the NIC refuses go to slb_tx_refused(), which
 * frees and counts them (tx_full): nothing is ever left behind.
 */
struct slb_tx {
	struct rte_eth_dev_tx_buffer *buf;
	rte_spinlock_t *lock;   /* NULL: the queue is ours alone */
	uint16_t port_id;
	uint16_t queue;
};

/* rte_eth_tx_buffer error callback; userdata is the lcore's struct slb_stats_ctr. */
void slb_tx_refused(struct rte_mbuf **pkts, uint16_t unsent, void *userdata);

static inline void
slb_tx_flush(struct slb_tx *t, struct slb_stats_ctr *c)
{
	if (t->buf->length == 0)
		return;
	if (t->lock == NULL) {
		c->tx_pkts += rte_eth_tx_buffer_flush(t->port_id, t->queue, t->buf);
		return;
	}
	rte_spinlock_lock(t->lock);
	c->tx_pkts += rte_eth_tx_buffer_flush(t->port_id, t->queue, t->buf);
	rte_spinlock_unlock(t->lock);
}

static inline void
slb_tx_one(struct slb_tx *t, struct rte_mbuf *m, struct slb_stats_ctr *c)
{
	c->tx_bytes += m->pkt_len;
	if (t->lock == NULL) {
		c->tx_pkts += rte_eth_tx_buffer(t->port_id, t->queue, t->buf, m);
		return;
	}
	/* rte_eth_tx_buffer() would send a full buffer outside our lock: do its work here */
	t->buf->pkts[t->buf->length++] = m;
	if (t->buf->length >= t->buf->size)
		slb_tx_flush(t, c);
}

#endif /* SLB_TX_H */
