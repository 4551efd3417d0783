/* siplbctl.h: the operator's CLI for siplb-control: arguments, formatting and the client run. */
#ifndef SIPLBCTL_H
#define SIPLBCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes, by convention. */
#define SLBCTL_EXIT_OK 0    /* done; the answer had "ok": true */
#define SLBCTL_EXIT_ERR 1   /* "ok": false, or nothing (or nothing sensible) answered */
#define SLBCTL_EXIT_USAGE 2 /* unknown command, missing or bad argument */

#define SLBCTL_DEFAULT_SOCKET "/run/siplb/control.sock"
#define SLBCTL_TIMEOUT_MS 5000   /* connect, write and read together, per request */
#define SLBCTL_WATCH_MS 2000     /* --watch without SECONDS */
#define SLBCTL_ERR_LEN 256
#define SLBCTL_CALLID_MAX 1024   /* as siplb-control takes them (CTL_DLG_CALLID_MAX) */

enum slbctl_cmd {
	SLBCTL_NONE = 0,   /* no command (yet): the top-level usage */
	SLBCTL_STATUS,
	SLBCTL_BACKENDS,
	SLBCTL_DIALOGS,
	SLBCTL_DIALOG,     /* dialog CALLID */
	SLBCTL_STATS,
	SLBCTL_RELOAD,
	SLBCTL_BACKEND,    /* "backend" without a (known) subcommand: its usage lists them */
	SLBCTL_BE_ADD,
	SLBCTL_BE_REMOVE,
	SLBCTL_BE_DRAIN,
	SLBCTL_BE_ENABLE,
	SLBCTL_BE_DISABLE,
	SLBCTL_BE_WEIGHT,
	SLBCTL__COUNT
};

/* What the command line asked for. Strings point into argv. */
struct slbctl_args {
	enum slbctl_cmd cmd;
	bool help;             /* -h/--help anywhere, or "help [COMMAND]": cmd's help, exit 0 */
	bool version;          /* --version anywhere: the version, exit 0 (help wins) */
	const char *socket;    /* -s: NULL for none */
	const char *config;    /* -c: NULL for none */
	bool json;             /* --json: print the answer as JSON */
	uint32_t timeout_ms;   /* --timeout SECONDS */

	/* read commands */
	bool watch;            /* --watch [SECONDS] */
	uint32_t interval_ms;
	uint32_t count;        /* --count N: refreshes, 0 until Ctrl-C */
	bool all;              /* stats --all: zero counters too */

	/* dialog */
	const char *callid;    /* CALLID: 1..SLBCTL_CALLID_MAX bytes */

	/* backend ... */
	bool by_name;          /* the target is name, not id */
	uint32_t id;           /* 0..SLB_BE_ID_MAX-1 */
	const char *name;      /* target name, or add's --name (NULL: control's default) */
	char address[16];      /* add: dotted quad, as checked */
	uint32_t port;         /* add: 1..65535, 0 when not given (control's default 5060) */
	uint32_t weight;       /* add (--weight) and weight: 0..65535 */
	bool weight_set;
};

/*
 * Parse argv[1..argc-1] into a. Pure: no I/O. Returns SLBCTL_EXIT_OK, or SLBCTL_EXIT_USAGE with
 * a sentence in err saying what is wrong. With -h/--help anywhere it returns SLBCTL_EXIT_OK and
 * a->help, whatever else is wrong: a->cmd is then the most precise command the line names.
 * With --version anywhere it returns SLBCTL_EXIT_OK and a->version, whatever else is wrong.
 * On either return a->cmd names the command to give the usage of.
 */
int slbctl_parse(int argc, char *const argv[], struct slbctl_args *a, char *err, size_t errlen);

/* The one-line usage of cmd ("usage: siplbctl ..."), and its full help (usage, what, options). */
const char *slbctl_usage(enum slbctl_cmd cmd);
const char *slbctl_help(enum slbctl_cmd cmd);

/* The words that name cmd on the command line: "stats", "backend add", "backend"; "" for none. */
const char *slbctl_cmd_words(enum slbctl_cmd cmd);

/* True for commands that only read (status, backends, dialogs, dialog, stats). */
bool slbctl_cmd_reads(enum slbctl_cmd cmd);

/* The request the command sends (slb_mgmt.h); NULL for SLBCTL_NONE/SLBCTL_BACKEND, or no memory. */
json_t *slbctl_request_json(const struct slbctl_args *a);

/* A growing string: formatters append to it; err is set once memory ran out. */
struct slbctl_buf {
	char *s;      /* NUL-terminated, NULL until something is appended */
	size_t len;
	size_t cap;
	bool err;
};

void slbctl_buf_printf(struct slbctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void slbctl_buf_reset(struct slbctl_buf *b);
void slbctl_buf_free(struct slbctl_buf *b);

/* "45s", "12m", "3h05m", "2d04h": a duration in seconds (negative counts as 0). */
void slbctl_fmt_duration(double secs, char *out, size_t n);

/*
 * The answers as text for an operator, appended to b. now is the current time (seconds since the
 * epoch, to say "12m ago"); times are shown in local time. Each returns 0, or -1 after appending
 * nothing when the answer lacks what it must have (then the caller says the answer is malformed).
 * Fields that are absent or null show as "-".
 */
int slbctl_fmt_status(struct slbctl_buf *b, const json_t *ans, double now);
int slbctl_fmt_backends(struct slbctl_buf *b, const json_t *ans, double now);
/* dialogs: the table's rows, then the mirror and the Redis link when the answer has them. */
int slbctl_fmt_dialogs(struct slbctl_buf *b, const json_t *ans, double now);
/* dialog CALLID: where it is pinned, in the dataplane and in Redis. */
int slbctl_fmt_dialog(struct slbctl_buf *b, const json_t *ans);
/*
 * "counters" by name with their meaning (slb_stats_fields), then any other object of numbers in
 * the answer as "object.name" (drops by reason); zeros only with all. prev (may be NULL): the
 * previous answer, dt seconds older, to show rates per second.
 */
int slbctl_fmt_stats(struct slbctl_buf *b, const json_t *ans, const json_t *prev, double dt,
	bool all);
/* The answer to a change (backend ..., reload): one line saying what was done. */
int slbctl_fmt_change(struct slbctl_buf *b, const struct slbctl_args *a, const json_t *ans);
/* Dispatch on a->cmd. */
int slbctl_fmt_answer(struct slbctl_buf *b, const struct slbctl_args *a, const json_t *ans,
	const json_t *prev, double dt, double now);

/*
 * One request to the siplb-control at path: connect, send req and a newline, read one JSON
 * object (at most SLB_MGMT_MAX bytes) up to a newline or the end, all within timeout_ms.
 * Returns 0 with *ans (an object with a boolean "ok"), or -1 with a one-line message in why
 * (no "siplbctl: " prefix).
 */
int slbctl_request(const char *path, const json_t *req, uint32_t timeout_ms, json_t **ans,
	char *why, size_t n);

/* Run what a asks against the socket at path, writing to out and err; returns the exit code. */
int slbctl_run(const struct slbctl_args *a, const char *path, FILE *out, FILE *err);

/* The whole CLI: parse, help, find the socket (-s, -c's control.socket, the default), run. */
int slbctl_main(int argc, char *const argv[], FILE *out, FILE *err);

#endif /* SIPLBCTL_H */
