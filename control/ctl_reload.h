/* ctl_reload.h: re-read the config file (SIGHUP, siplbctl reload) and apply its backends. */
#ifndef CTL_RELOAD_H
#define CTL_RELOAD_H

#include <stddef.h>

#include "ctl.h"

/*
 * Load c->cfg_path into a fresh config, checked against the running one as the dataplane checks
 * a reload (ports, addresses and gateway need a restart). Refused: nothing changes, and err
 * holds the loader's "file:line: reason". Accepted: the control section's health settings and
 * the file's backends (ctl_apply_from_cfg) take effect, and the set goes to the dataplane.
 * The socket, metrics address and shm name need a restart of siplb-control (logged).
 */
int ctl_reload(struct ctl *c, char *err, size_t errlen);

/* The health settings of a config. */
void ctl_reload_health_cfg(struct ctl_health_cfg *hc, const struct slb_cfg *cfg);

#endif /* CTL_RELOAD_H */
