/* sip_setup.c: slow path: the secrets, the SIP core's forwarding context, its dialog table. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"
#include "log.h"
#include "sip_io.h"
#include "slb_dlg.h"
#include "slb_fwd.h"

RTE_LOG_REGISTER(slb_logtype_sip, siplb.sip, INFO);

/*
 * A secret from the file, or a new one from the kernel's generator, logged once so that the
 * operator can put it in the file: both must be the same across restarts (and hash_secret on
 * every instance that shares a backend set), or calls in progress move and responses to what
 * was forwarded before the restart no longer match our Via.
 */
static int
secret_or_new(const struct slb_key128 *cfg_key, bool set, const char *name, const char *why,
	struct slb_key128 *key)
{
	char hex[2 * SLB_KEY_LEN + 1];
	unsigned int i;

	if (set) {
		*key = *cfg_key;
		return 0;
	}
	if (getrandom(key->b, sizeof(key->b), 0) != (ssize_t)sizeof(key->b)) {
		SLB_LOG(sip, ERR, "%s: no random bytes from the kernel", name);
		return -1;
	}
	for (i = 0; i < SLB_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key->b[i]);
	SLB_LOG(sip, NOTICE, "%s not set: generated %s = \"%s\"; put it in %s to keep %s across "
		"restarts", name, name, hex, slb_dp.cfg->path, why);
	return 0;
}

int
slb_sip_secrets_init(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;

	if (secret_or_new(&cfg->branch_secret, cfg->branch_secret_set, "branch_secret",
			"responses matching our Via", &dp->branch_key) < 0 ||
		secret_or_new(&cfg->hash_secret, cfg->hash_secret_set, "hash_secret",
			"calls on their backends (the same on every instance sharing them)",
			&dp->hash_key) < 0)
		return -1;
	return 0;
}

void
slb_sip_secrets_term(struct slb_dp *dp)
{
	memset(&dp->branch_key, 0, sizeof(dp->branch_key));
	memset(&dp->hash_key, 0, sizeof(dp->hash_key));
}

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
	uint32_t i;
	int e;

	memset(ctx, 0, sizeof(*ctx));
	slb_fwd_ctx_init(ctx);
	for (e = 0; e < SLB_SIP_E__COUNT; e++)
		if (cfg->policy_override[e] != 0)
			ctx->policy[e] = (uint8_t)(cfg->policy_override[e] - 1);

	ctx->record_route = cfg->record_route;
	ctx->reply_483 = cfg->reply_483;
	ctx->reply_503 = cfg->no_backend == SLB_NO_BACKEND_503;
	ctx->reply_rate = cfg->reply_483_rate;
	ctx->strangers_drop = cfg->backend_side_strangers == SLB_STRANGER_DROP;
	for (i = 0; i < cfg->nb_caller_networks; i++)
		if (slb_fwd_ctx_add_caller_net(ctx, cfg->caller_networks[i].ip,
				cfg->caller_networks[i].plen) < 0)
			return -1;
	slb_fwd_ctx_set_addrs(ctx, dp->addr.caller_ip, dp->addr.backend_ip,
		(uint16_t)cfg->sip_port, &dp->branch_key);
	slb_fwd_ctx_set_hash_key(ctx, &dp->hash_key);

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
