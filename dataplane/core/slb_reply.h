/* slb_reply.h: a response the balancer answers itself (483), built in place of the request. */
#ifndef SLB_REPLY_H
#define SLB_REPLY_H

#include <rte_mbuf.h>

#include "slb_rw.h"
#include "slb_sip.h"

/*
 * Turn the request in m into "SIP/2.0 <code> <reason>" (§8.2.6): its Via, From, To (with a tag
 * added when it had none), Call-ID and CSeq header fields copied in order, no body. Updates
 * p->sip_len and the IPv4 and UDP lengths; addresses and checksums are the caller's.
 * Returns 0, or -ENOSPC when the response would not fit (the mbuf is then unchanged).
 */
int slb_reply_make(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	uint16_t code, const char *reason);

#endif /* SLB_REPLY_H */
