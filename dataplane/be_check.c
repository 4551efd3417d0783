/* be_check.c: may these backends run behind these ports? Every new backend set passes here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "be_check.h"

static const char *
ip_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

/* Why be[i] cannot be a backend behind these ports: its length, or 0 when it can. */
static int
check_one(const struct slb_be *be, uint32_t i, const struct slb_addr_tbl *addr,
	const struct slb_cfg *cfg, char *why, size_t whylen)
{
	const struct slb_be *b = &be[i];
	char ipbuf[16];
	uint32_t nh;
	int pidx;

	if (b->id >= SLB_BE_ID_MAX)
		return snprintf(why, whylen, "backend %u (%s): id %u is over %u", i, b->name, b->id,
			SLB_BE_ID_MAX - 1);
	if (b->state > SLB_BE_FAILED)
		return snprintf(why, whylen, "backend %s: unknown state %u", b->name, b->state);
	if (b->port == 0)
		return snprintf(why, whylen, "backend %s: port 0", b->name);
	if (slb_addr_local(addr, b->ip) >= 0)
		return snprintf(why, whylen, "backend %s: %s is our own address", b->name,
			ip_str(b->ip, ipbuf));
	if ((b->ip >> 24) == 0 || (b->ip >> 24) == 127 || (b->ip >> 28) >= 0xe)
		return snprintf(why, whylen, "backend %s: %s is not a host's address", b->name,
			ip_str(b->ip, ipbuf));
	/* as the config check does: where packets really leave (slb_addr_route()) */
	pidx = slb_addr_route(addr, b->ip, SLB_ROLE_BACKEND, &nh);
	if (pidx < 0)
		return snprintf(why, whylen, "backend %s: %s is on no backend-side prefix and "
			"there is no gateway", b->name, ip_str(b->ip, ipbuf));
	if ((cfg->port[pidx].role & SLB_ROLE_BACKEND) == 0)
		return snprintf(why, whylen, "backend %s: %s is reached through port %s, whose "
			"role is \"caller\"", b->name, ip_str(b->ip, ipbuf),
			cfg->port[pidx].name);
	return 0;
}

int
slb_be_check(const struct slb_be *be, uint32_t n, const struct slb_addr_tbl *addr,
	const struct slb_cfg *cfg, char *why, size_t whylen)
{
	uint64_t seen[2 * SLB_BE_MAX] = {0}; /* ip:port + 1, open addressing (16 KB) */
	uint8_t ids[SLB_BE_ID_MAX / 8] = {0};
	const uint32_t mask = 2 * SLB_BE_MAX - 1;
	char ipbuf[16];
	uint32_t i, h;
	uint64_t key;

	if (n > SLB_BE_MAX) {
		snprintf(why, whylen, "%u backends: at most %u", n, SLB_BE_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (check_one(be, i, addr, cfg, why, whylen) != 0)
			return -EINVAL;
		if (ids[be[i].id / 8] & (1u << (be[i].id % 8))) {
			snprintf(why, whylen, "backend %s: id %u is taken", be[i].name, be[i].id);
			return -EINVAL;
		}
		ids[be[i].id / 8] |= (uint8_t)(1u << (be[i].id % 8));
		key = ((uint64_t)be[i].ip << 16 | be[i].port) + 1;
		for (h = (uint32_t)(key * 0x9e3779b97f4a7c15ull >> 40) & mask; seen[h] != 0;
				h = (h + 1) & mask)
			if (seen[h] == key) {
				snprintf(why, whylen, "backend %s: %s:%u is another backend's",
					be[i].name, ip_str(be[i].ip, ipbuf), be[i].port);
				return -EINVAL;
			}
		seen[h] = key;
	}
	return 0;
}
