/* slb_testsip.h: checks on the SIP parser that more than one suite makes. */
#ifndef SLB_TESTSIP_H
#define SLB_TESTSIP_H

#include <stdint.h>
#include <string.h>

#include "slb_sip.h"

/*
 * The forwarding decision's parse (nothing wanted) gives the full parse's error and fields, but
 * rr_count and a From tag that no RFC 2543 Via needs.
 */
static inline int
testsip_want_none_agrees(const uint8_t *b, uint32_t len, const struct slb_sip_msg *full)
{
	struct slb_sip_msg d;
	int rfc2543 = 0, k;

	if (slb_sip_parse_want(b, len, &d, 0) != full->err)
		return 0;
	for (k = 0; k < 2 && k < full->via_count; k++)
		rfc2543 |= full->via[k].branch.len < 7 ||
			memcmp(b + full->via[k].branch.off, "z9hG4bK", 7) != 0;
	if (rfc2543 &&
		(d.from_tag.off != full->from_tag.off || d.from_tag.len != full->from_tag.len))
		return 0;
	if (d.rr_count != 0)
		return 0;
	d.from_tag = full->from_tag;
	d.rr_count = full->rr_count;
	return memcmp(&d, full, sizeof(d)) == 0;
}

#endif /* SLB_TESTSIP_H */
