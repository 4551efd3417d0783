/* sip_setup.c: slow path: the SIP core's forwarding context and its dialog table in hugepages. */
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp.h"
#include "log.h"
#include "sip_io.h"
#include "slb_dlg.h"
#include "slb_fwd.h"

RTE_LOG_REGISTER(slb_logtype_sip, siplb.sip, INFO);

int
slb_sip_init(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;
	struct slb_fwd_ctx *ctx = &dp->fwd;
	struct slb_dlg_cfg dcfg = {
		.capacity = cfg->dlg_capacity,
		.early_timeout = cfg->dlg_early_timeout,
		.confirmed_timeout = cfg->dlg_confirmed_timeout,
	};
	size_t size;
	int e;

	memset(ctx, 0, sizeof(*ctx));
	slb_fwd_ctx_init(ctx);
	for (e = 0; e < SLB_SIP_E__COUNT; e++)
		if (cfg->policy_override[e] != 0)
			ctx->policy[e] = (uint8_t)(cfg->policy_override[e] - 1);

	ctx->record_route = cfg->record_route;
	ctx->reply_483 = cfg->reply_483;
	uint64_t secret;

	memcpy(&secret, cfg->branch_secret.b, sizeof(secret));
	slb_fwd_ctx_set_addrs(ctx, dp->addr.caller_ip, dp->addr.backend_ip,
		(uint16_t)cfg->sip_port, cfg->branch_secret_set ? secret : rte_rand());
	if (!cfg->branch_secret_set)
		SLB_LOG(sip, NOTICE, "branch_secret not set: random, so responses to requests "
			"forwarded before a restart will not match our Via");

	size = slb_dlg_memsize(&dcfg);
	if (size == 0) {
		SLB_LOG(sip, ERR, "dialog table: bad capacity %u", dcfg.capacity);
		return -1;
	}
	dp->dlg_mem = rte_zmalloc_socket("slb_dlg", size, RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (dp->dlg_mem == NULL) {
		SLB_LOG(sip, ERR, "dialog table: cannot allocate %zu MB of hugepage memory",
			size >> 20);
		return -1;
	}
	ctx->dlg = slb_dlg_init(dp->dlg_mem, &dcfg);
	if (ctx->dlg == NULL) {
		SLB_LOG(sip, ERR, "dialog table: slb_dlg_init refused capacity %u", dcfg.capacity);
		return -1;
	}
	SLB_LOG(sip, INFO, "port %u, Via %s (caller side) / %s (backend side), Record-Route %s "
		"(%s), 483 %s; dialogs: %u slots (%zu KB), timeouts %us early, %us confirmed",
		ctx->sip_port, ctx->rw_caller.host, ctx->rw_backend.host, ctx->rw_backend.rr_host,
		ctx->record_route ? "on" : "off", ctx->reply_483 ? "on" : "off",
		slb_dlg_slots(ctx->dlg), size >> 10, dcfg.early_timeout, dcfg.confirmed_timeout);
	return 0;
}

void
slb_sip_term(struct slb_dp *dp)
{
	dp->fwd.dlg = NULL;
	rte_free(dp->dlg_mem);
	dp->dlg_mem = NULL;
}
