/* ctl_probe.h: the SIP OPTIONS text of a health probe and the request that carries it. */
#ifndef CTL_PROBE_H
#define CTL_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "slb_ctl.h"

/*
 * The probe to backend be_ip:be_port sent from our backend-side address our_ip:sip_port: an
 * OPTIONS whose Via branch is SLB_CTL_PROBE_BRANCH and the nonce in 16 lower-case hex digits,
 * Call-ID "<nonce hex>@siplb-probe", CSeq cseq (1..2^31-1). Returns its length, or -1 if size is
 * too small.
 */
int ctl_probe_text(char *buf, size_t size, uint32_t be_ip, uint16_t be_port, uint32_t our_ip,
	uint16_t sip_port, uint64_t nonce, uint32_t cseq);

/* A whole SLB_CTL_REQ_PROBE for backend be_id. Returns 0, or -1 (cannot happen for IPv4). */
int ctl_probe_req(struct slb_ctl_req *req, uint32_t req_id, uint16_t be_id, uint32_t be_ip,
	uint16_t be_port, uint32_t our_ip, uint16_t sip_port, uint64_t nonce, uint32_t cseq);

#endif /* CTL_PROBE_H */
