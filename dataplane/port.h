/* port.h: attach, configure (queues, RSS, MTU), start, and stop the configured ports. */
#ifndef SLB_PORT_H
#define SLB_PORT_H

struct slb_dp;

/*
 * Every port gets one rx and one tx queue per worker when the device has them. With fewer rx
 * queues some workers poll nothing on that port; with fewer tx queues workers share them under a
 * lock (struct slb_tx). RSS asks for IPv4 (addresses: fragments stay together) and, with
 * rss_l4, UDP ports for whole datagrams, masked by what the device can hash.
 */
int slb_port_init(struct slb_dp *dp);

/* Stop and close every port started (the rx rings' mbufs go back to the pool). */
void slb_port_term(struct slb_dp *dp);

#endif /* SLB_PORT_H */
