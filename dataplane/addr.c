/* addr.c: the address and prefix table, built once from the configuration. */
#include <string.h>

#include "addr.h"

void
slb_addr_build(struct slb_addr_tbl *t, const struct slb_cfg *cfg)
{
	uint32_t i, a, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < cfg->nb_ports; i++) {
		const struct slb_cfg_port *p = &cfg->port[i];

		for (a = 0; a < p->nb_addr; a++) {
			struct slb_route r = {
				.mask = ~0u << (32 - p->addr[a].plen),
				.src = p->addr[a].ip,
				.pidx = (uint16_t)i,
				.role = (uint8_t)p->role,
				.plen = p->addr[a].plen,
			};

			r.net = p->addr[a].ip & r.mask;
			t->local[t->nb_local].ip = p->addr[a].ip;
			t->local[t->nb_local].pidx = (uint16_t)i;
			t->nb_local++;
			/* insertion sort: longest prefix first, config order among equals */
			for (j = t->nb_route; j > 0 && t->route[j - 1].plen < r.plen; j--)
				t->route[j] = t->route[j - 1];
			t->route[j] = r;
			t->nb_route++;
		}
		if (t->caller_ip == 0 && (p->role & SLB_ROLE_CALLER))
			t->caller_ip = p->addr[0].ip;
		if (t->backend_ip == 0 && (p->role & SLB_ROLE_BACKEND))
			t->backend_ip = p->addr[0].ip;
	}
	t->gw = cfg->gateway;
	if (t->gw != 0) {
		for (i = 0; i < t->nb_route; i++)
			if ((t->gw & t->route[i].mask) == t->route[i].net)
				break;
		/* cfg.c refused a gateway on no prefix */
		t->gw_pidx = i < t->nb_route ? t->route[i].pidx : 0;
	}
}
