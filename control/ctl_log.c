/* ctl_log.c: timestamped, levelled lines on stderr, and the clocks control runs on. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ctl_log.h"

enum ctl_log_level ctl_log_max = CTL_LOG_INFO;

void
ctl_log(enum ctl_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"ERROR", "WARNING", "INFO", "DEBUG"};
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (level > ctl_log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	/* one fprintf per line part, under the stream's lock: lines of two threads do not mix */
	flockfile(stderr);
	fprintf(stderr, "%s.%03ldZ %s siplb-control: ", when, ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

uint64_t
ctl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
ctl_now_ms(void)
{
	return ctl_now_us() / 1000;
}

double
ctl_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
