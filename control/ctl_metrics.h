/* ctl_metrics.h: the Prometheus endpoint (GET /metrics), served from a snapshot by its own thread.
 */
#ifndef CTL_METRICS_H
#define CTL_METRICS_H

#include <stdio.h>

#include "ctl.h"

struct ctl_metrics;

/* Serve on "host:port" (control.metrics) from a thread of libmicrohttpd. NULL on failure
 * (logged). */
struct ctl_metrics *ctl_metrics_start(const char *addr);

/* Write control's state in the Prometheus text format (version 0.0.4) to f. */
void ctl_metrics_render(const struct ctl *c, FILE *f);

/* Render c and make it what the next scrapes get. The main loop calls it; a scrape never
 * waits for the main loop, only for this copy. */
void ctl_metrics_publish(struct ctl_metrics *m, const struct ctl *c);

void ctl_metrics_stop(struct ctl_metrics *m);

#endif /* CTL_METRICS_H */
