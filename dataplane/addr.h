/* addr.h: our IPv4 addresses and on-link prefixes: "is it ours?" and "which port, which hop?". */
#ifndef SLB_ADDR_H
#define SLB_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

#define SLB_ADDR_MAX (SLB_CFG_MAX_PORTS * SLB_CFG_MAX_ADDRS)

struct slb_local {
	uint32_t ip;   /* host order */
	uint16_t pidx; /* our port index */
};

struct slb_route {
	uint32_t net;  /* host order, masked */
	uint32_t mask;
	uint32_t src;  /* our address in the prefix */
	uint16_t pidx;
	uint8_t role;  /* enum slb_port_role of the port */
	uint8_t plen;
};

/* Built from the config before launch; read-only afterwards. A handful of entries: linear. */
struct slb_addr_tbl {
	uint32_t nb_local;
	struct slb_local local[SLB_ADDR_MAX];
	uint32_t nb_route;
	struct slb_route route[SLB_ADDR_MAX]; /* longest prefix first */
	uint32_t gw;                          /* host order, 0: none */
	uint16_t gw_pidx;
	uint32_t caller_ip;                   /* first address of the first caller-side port */
	uint32_t backend_ip;                  /* first address of the first backend-side port */
};

void slb_addr_build(struct slb_addr_tbl *t, const struct slb_cfg *cfg);

/* Our port index holding address ip, or -1. */
static inline int
slb_addr_local(const struct slb_addr_tbl *t, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < t->nb_local; i++)
		if (t->local[i].ip == ip)
			return t->local[i].pidx;
	return -1;
}

/*
 * Port and next hop toward dst: the longest on-link prefix on a port of the wanted role, else the
 * longest on-link prefix on any port, else the gateway. Returns the port index or -1 (no route).
 */
static inline int
slb_addr_route(const struct slb_addr_tbl *t, uint32_t dst, uint32_t role, uint32_t *nh)
{
	int any = -1;
	uint32_t i;

	for (i = 0; i < t->nb_route; i++) {
		const struct slb_route *r = &t->route[i];

		if ((dst & r->mask) != r->net)
			continue;
		if (r->role & role) {
			*nh = dst;
			return r->pidx;
		}
		if (any < 0)
			any = r->pidx;
	}
	if (any >= 0) {
		*nh = dst;
		return any;
	}
	if (t->gw != 0) {
		*nh = t->gw;
		return t->gw_pidx;
	}
	return -1;
}

/*
 * Whether an ARP sender ip received on port pidx may be learned (or answered): it must be a host
 * on one of that port's own prefixes. A sender from another link, or from another port's prefix,
 * would otherwise plant a MAC for an address we reach elsewhere. The network and broadcast
 * addresses of a prefix (/30 and shorter) are nobody's.
 */
static inline bool
slb_addr_learnable(const struct slb_addr_tbl *t, uint16_t pidx, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < t->nb_route; i++) {
		const struct slb_route *r = &t->route[i];

		if (r->pidx != pidx || (ip & r->mask) != r->net)
			continue;
		if (r->plen <= 30 && (ip == r->net || ip == (r->net | ~r->mask)))
			continue;
		return true;
	}
	return false;
}

/* What arp_input() does with an ARP received on port pidx, by sender and target address. */
enum slb_arp_verdict {
	SLB_ARP_CLAIM,    /* the sender claims one of our addresses: dropped, logged */
	SLB_ARP_REFRESH,  /* not for us, on-prefix sender: refreshes its entry if known, dropped */
	SLB_ARP_OTHER,    /* not for us, sender off the port's prefixes or 0.0.0.0: dropped */
	SLB_ARP_OFF_PORT, /* for us, sender off the port's prefixes: neither learned nor answered */
	SLB_ARP_PROBE,    /* for us, sender 0.0.0.0 (RFC 5227 probe): answered, nothing learned */
	SLB_ARP_LEARN,    /* for us, on-prefix sender: learned (created), a request answered */
};

static inline enum slb_arp_verdict
slb_addr_arp_verdict(const struct slb_addr_tbl *t, uint16_t pidx, uint32_t sip, uint32_t tip)
{
	bool learnable;

	if (sip != 0 && slb_addr_local(t, sip) >= 0)
		return SLB_ARP_CLAIM;
	learnable = sip != 0 && slb_addr_learnable(t, pidx, sip);
	if (slb_addr_local(t, tip) != (int)pidx)
		return learnable ? SLB_ARP_REFRESH : SLB_ARP_OTHER;
	if (sip == 0)
		return SLB_ARP_PROBE;
	return learnable ? SLB_ARP_LEARN : SLB_ARP_OFF_PORT;
}

/* Our address to send an ARP request for target from, on port pidx. */
static inline uint32_t
slb_addr_src(const struct slb_addr_tbl *t, uint16_t pidx, uint32_t target)
{
	uint32_t i, first = 0;

	for (i = 0; i < t->nb_route; i++) {
		if (t->route[i].pidx != pidx)
			continue;
		if ((target & t->route[i].mask) == t->route[i].net)
			return t->route[i].src;
		if (first == 0)
			first = t->route[i].src;
	}
	return first;
}

#endif /* SLB_ADDR_H */
