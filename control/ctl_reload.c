/* ctl_reload.c: a reload checks the whole file first, and applies only what it may change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_apply.h"
#include "ctl_log.h"
#include "ctl_reload.h"

void
ctl_reload_health_cfg(struct ctl_health_cfg *hc, const struct slb_cfg *cfg)
{
	ctl_health_cfg_set(hc, cfg->ctl_probe_interval_ms, cfg->ctl_probe_timeout_ms, cfg->ctl_fall,
		cfg->ctl_rise, cfg->ctl_nb_codes, cfg->ctl_code_lo, cfg->ctl_code_hi,
		cfg->ctl_dead_dialogs == SLB_DEAD_REHASH, cfg->ctl_suspect_on_503,
		cfg->ctl_suspect_unanswered);
}

/*
 * The loader says why it refuses on stderr: run it with stderr on a temporary file and read
 * the reason back. Returns the loader's result; out holds what it printed (last line first
 * is not needed: it prints one line and stops).
 */
static int
load_captured(struct slb_cfg *cfg, const char *path, const struct slb_cfg *running, char *out,
	size_t outlen)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	out[0] = '\0';
	if (tmp == NULL)
		return slb_cfg_reload(cfg, path, running);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		fclose(tmp);
		return slb_cfg_reload(cfg, path, running);
	}
	rc = slb_cfg_reload(cfg, path, running);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	fclose(tmp);
	return rc;
}

/* Whether two files agree on what the Redis module took at start. */
static bool
redis_same(const struct slb_cfg *a, const struct slb_cfg *b)
{
	return a->redis_enabled == b->redis_enabled &&
	       strcmp(a->redis_address, b->redis_address) == 0 &&
	       a->redis_nb_sentinels == b->redis_nb_sentinels &&
	       memcmp(a->redis_sentinels, b->redis_sentinels, sizeof(a->redis_sentinels)) == 0 &&
	       strcmp(a->redis_master, b->redis_master) == 0 &&
	       strcmp(a->redis_password, b->redis_password) == 0 && a->redis_db == b->redis_db &&
	       strcmp(a->redis_prefix, b->redis_prefix) == 0 &&
	       strcmp(a->redis_instance, b->redis_instance) == 0 &&
	       a->redis_connect_timeout_ms == b->redis_connect_timeout_ms &&
	       a->redis_command_timeout_ms == b->redis_command_timeout_ms &&
	       a->redis_buffer == b->redis_buffer && a->redis_batch == b->redis_batch &&
	       a->redis_publish == b->redis_publish && a->dlg_capacity == b->dlg_capacity &&
	       a->dlg_early_timeout == b->dlg_early_timeout &&
	       a->dlg_confirmed_timeout == b->dlg_confirmed_timeout &&
	       a->dlg_sweep_period == b->dlg_sweep_period;
}

int
ctl_reload(struct ctl *c, char *err, size_t errlen)
{
	struct slb_cfg *fresh = calloc(1, sizeof(*fresh));
	char msg[512];

	if (fresh == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	if (load_captured(fresh, c->cfg_path, c->cfg, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s", msg[0] != '\0' ? msg : "refused, see the log");
		CTL_ERR("reload refused, everything stays as it runs: %s", err);
		slb_cfg_free(fresh);
		free(fresh);
		return -1;
	}
	if (strcmp(fresh->ctl_shm, c->cfg->ctl_shm) != 0 ||
		strcmp(fresh->ctl_socket, c->cfg->ctl_socket) != 0 ||
		strcmp(fresh->ctl_metrics, c->cfg->ctl_metrics) != 0)
		CTL_WARN("reload: control.shm, control.socket and control.metrics change at the "
			 "next start of siplb-control only");
	/* the Redis module's threads run on the section they were started with */
	if (!redis_same(fresh, c->cfg))
		CTL_WARN("reload: the redis section (and dialog timeouts or capacity) change at the "
			 "next start of siplb-control only");
	/* keep what this process runs on: the names above */
	memcpy(fresh->ctl_shm, c->cfg->ctl_shm, sizeof(fresh->ctl_shm));
	memcpy(fresh->ctl_socket, c->cfg->ctl_socket, sizeof(fresh->ctl_socket));
	memcpy(fresh->ctl_metrics, c->cfg->ctl_metrics, sizeof(fresh->ctl_metrics));
	ctl_reload_health_cfg(&c->hc, fresh);
	ctl_apply_from_cfg(c, fresh, ctl_now_us());
	slb_cfg_free(c->cfg);
	free(c->cfg);
	c->cfg = fresh;
	CTL_INFO("reloaded %s: %u backends", c->cfg_path, c->nb_be);
	return 0;
}
