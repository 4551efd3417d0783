/* be_check.h: the check of a backend set against the running ports (no EAL). */
#ifndef SLB_BE_CHECK_H
#define SLB_BE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cfg.h"
#include "slb_be.h"

/*
 * Whether be[0..n) can run behind the ports of cfg (addr built from it): at most SLB_BE_MAX,
 * ids below SLB_BE_ID_MAX and unique, ip:port unique, a known state, a port other than 0, a
 * host address that is not ours, reached (slb_addr_route(), as packets really leave) through a
 * port whose role includes backends. Returns 0, or -EINVAL with the first reason in why.
 */
int slb_be_check(const struct slb_be *be, uint32_t n, const struct slb_addr_tbl *addr,
	const struct slb_cfg *cfg, char *why, size_t whylen);

#endif /* SLB_BE_CHECK_H */
