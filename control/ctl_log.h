/* ctl_log.h: siplb-control's log: stderr, one line each, with a UTC timestamp and a level. */
#ifndef CTL_LOG_H
#define CTL_LOG_H

#include <stdint.h>

enum ctl_log_level {
	CTL_LOG_QUIET = -1, /* as ctl_log_max: nothing at all (tests) */
	CTL_LOG_ERR = 0,
	CTL_LOG_WARN,
	CTL_LOG_INFO,
	CTL_LOG_DEBUG,
};

/* Messages above this level are not written (CTL_LOG_INFO unless changed). */
extern enum ctl_log_level ctl_log_max;

void ctl_log(enum ctl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CTL_ERR(...) ctl_log(CTL_LOG_ERR, __VA_ARGS__)
#define CTL_WARN(...) ctl_log(CTL_LOG_WARN, __VA_ARGS__)
#define CTL_INFO(...) ctl_log(CTL_LOG_INFO, __VA_ARGS__)
#define CTL_DEBUG(...) ctl_log(CTL_LOG_DEBUG, __VA_ARGS__)

/* CLOCK_MONOTONIC in microseconds and milliseconds (the dataplane's heartbeat clock), and
 * CLOCK_REALTIME in seconds (float) for answers. */
uint64_t ctl_now_us(void);
uint64_t ctl_now_ms(void);
double ctl_wall(void);

#endif /* CTL_LOG_H */
