/* siplbctl_args.c: siplbctl's command line into a struct slbctl_args, and the request it makes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siplbctl.h"
#include "slb_be.h"

#define MAX_POS 8

enum {
	F_READ = 0x1,   /* reads only: --watch, --count */
	F_TARGET = 0x2, /* names a backend by ID|NAME */
};

struct cmd_info {
	const char *name;   /* as typed after "backend" for the backend subcommands */
	const char *action; /* the request's "action" */
	unsigned int flags;
	const char *usage;
	const char *help;
};

#define OPTS "[-s SOCKET | -c CONFIG] [--json] [--timeout SECONDS]"
#define WATCH_HELP \
	"  --watch [SECONDS]    ask again every SECONDS (0.1..3600, default 2), in place\n" \
	"  --count N            with --watch: stop after N answers (default: at Ctrl-C)\n"
#define COMMON_HELP \
	"  --json               print the answer as JSON (with --watch: one line per answer)\n" \
	"  -h, --help           this help\n"

static const struct cmd_info cmds[SLBCTL__COUNT] = {
	[SLBCTL_NONE] = {NULL, NULL, 0,
		"usage: siplbctl " OPTS " COMMAND [ARGS]",
		"Commands:\n"
		"  status                      siplb-control and the dataplane\n"
		"  backends                    the backends: state, load, probe RTT\n"
		"  backend add|remove|drain|enable|disable|weight ...   change a backend\n"
		"  dialogs                     dialog counts by state, the Redis link\n"
		"  dialog CALLID               where a call is pinned: dataplane and Redis\n"
		"  stats                       the dataplane's counters\n"
		"  reload                      re-read the config file (as SIGHUP)\n"
		"  help [COMMAND]              a command's help (as COMMAND --help)\n"
		"Options:\n"
		"  -s, --socket SOCKET  siplb-control's socket (default "
		SLBCTL_DEFAULT_SOCKET ")\n"
		"  -c, --config CONFIG  take the socket from CONFIG's control.socket\n"
		"  --timeout SECONDS    give up on an answer after SECONDS (default 5)\n"
		COMMON_HELP
		"  --version            print siplbctl's version and exit\n"
		"Exit codes: 0 done, 1 an error (siplb-control refused, or nothing answered),\n"
		"2 bad usage.\n"},
	[SLBCTL_STATUS] = {"status", NULL, F_READ,
		"usage: siplbctl " OPTS " status [--watch [SECONDS]] [--count N]",
		"siplb-control's pid, start and config; the dataplane's state, workers,\n"
		"heartbeat, backend table version and addresses.\n" WATCH_HELP COMMON_HELP},
	[SLBCTL_BACKENDS] = {"backends", NULL, F_READ,
		"usage: siplbctl " OPTS " backends [--watch [SECONDS]] [--count N]",
		"One line per backend: id, name, address:port, weight, state (control's: up,\n"
		"down, draining, disabled), the dataplane's state, live dialogs, messages/s, the\n"
		"last probe's round trip, and since when it is in its state.\n"
		WATCH_HELP COMMON_HELP},
	[SLBCTL_DIALOGS] = {"dialogs", NULL, F_READ,
		"usage: siplbctl " OPTS " dialogs [--watch [SECONDS]] [--count N]",
		"The dialog table: live dialogs and slots, and how many were created, confirmed,\n"
		"ended, expired, refused (table full) and routed by hash. With redis.enabled also\n"
		"the dialogs control keeps for Redis by state (ours, other instances'), and the\n"
		"Redis link: up or down, master, lag p50/p99 from the dataplane's event to\n"
		"Redis's reply, events written, buffered and lost, TTL refreshes, full writes\n"
		"after an outage, failovers, pub/sub traffic, and the last load at a dataplane's\n"
		"start.\n"
		WATCH_HELP COMMON_HELP},
	[SLBCTL_DIALOG] = {"dialog", NULL, F_READ,
		"usage: siplbctl " OPTS " dialog CALLID [--watch [SECONDS]] [--count N]",
		"Where the call CALLID is pinned: in the dataplane's dialog table (backend and\n"
		"state), and in Redis (the key's backend, state, owning instance and time to\n"
		"live). A Call-ID that begins with '-' goes after \"--\".\n"
		WATCH_HELP COMMON_HELP},
	[SLBCTL_STATS] = {"stats", NULL, F_READ,
		"usage: siplbctl " OPTS " stats [--all] [--watch [SECONDS]] [--count N]",
		"The dataplane's counters summed over lcores, name and value; with --watch also\n"
		"the rate per second since the previous answer.\n"
		"  --all                zero counters too (by default only the others)\n"
		WATCH_HELP COMMON_HELP},
	[SLBCTL_RELOAD] = {"reload", NULL, 0,
		"usage: siplbctl " OPTS " reload",
		"Re-read the config file as SIGHUP does: backend changes are applied live; a file\n"
		"that is refused (file:line: reason) leaves everything as it runs.\n" COMMON_HELP},
	[SLBCTL_BACKEND] = {NULL, NULL, 0,
		"usage: siplbctl " OPTS " backend add|remove|drain|enable|disable|weight ...",
		"  backend add ID ADDRESS[:PORT] [--weight N] [--name NAME]\n"
		"  backend remove|drain|enable|disable ID|NAME\n"
		"  backend weight ID|NAME N\n"
		"See siplbctl backend SUBCOMMAND --help.\n" COMMON_HELP},
	[SLBCTL_BE_ADD] = {"add", "add", 0,
		"usage: siplbctl " OPTS " backend add ID ADDRESS[:PORT] [--weight N] [--name NAME]",
		"Add backend ID (0..4095) at ADDRESS (IPv4), UDP port PORT (default 5060).\n"
		"  --weight N           its share of new calls, 0..65535 (default 100, 0: none)\n"
		"  --name NAME          1..31 characters, not all digits (default be<ID>)\n"
		COMMON_HELP},
	[SLBCTL_BE_REMOVE] = {"remove", "remove", F_TARGET,
		"usage: siplbctl " OPTS " backend remove ID|NAME",
		"Remove a backend: its dialogs go by the hash to the others.\n" COMMON_HELP},
	[SLBCTL_BE_DRAIN] = {"drain", "drain", F_TARGET,
		"usage: siplbctl " OPTS " backend drain ID|NAME",
		"Drain a backend: no new dialogs, those in progress carry on.\n" COMMON_HELP},
	[SLBCTL_BE_ENABLE] = {"enable", "enable", F_TARGET,
		"usage: siplbctl " OPTS " backend enable ID|NAME",
		"Give a drained or disabled backend new calls again (once its probes say up).\n"
		COMMON_HELP},
	[SLBCTL_BE_DISABLE] = {"disable", "disable", F_TARGET,
		"usage: siplbctl " OPTS " backend disable ID|NAME",
		"Disable a backend: it takes nothing until enabled.\n" COMMON_HELP},
	[SLBCTL_BE_WEIGHT] = {"weight", "weight", F_TARGET,
		"usage: siplbctl " OPTS " backend weight ID|NAME N",
		"Set a backend's weight N, 0..65535 (0 takes no new calls).\n" COMMON_HELP},
};

/* The first error wins; parsing goes on so that a later -h still finds its command. */
struct parser {
	char *err;
	size_t errlen;
	bool failed;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

const char *
slbctl_usage(enum slbctl_cmd cmd)
{
	return cmds[cmd < SLBCTL__COUNT ? cmd : SLBCTL_NONE].usage;
}

const char *
slbctl_help(enum slbctl_cmd cmd)
{
	return cmds[cmd < SLBCTL__COUNT ? cmd : SLBCTL_NONE].help;
}

const char *
slbctl_cmd_words(enum slbctl_cmd cmd)
{
	static const char *const words[SLBCTL__COUNT] = {
		[SLBCTL_NONE] = "", [SLBCTL_BACKEND] = "backend",
		[SLBCTL_BE_ADD] = "backend add", [SLBCTL_BE_REMOVE] = "backend remove",
		[SLBCTL_BE_DRAIN] = "backend drain", [SLBCTL_BE_ENABLE] = "backend enable",
		[SLBCTL_BE_DISABLE] = "backend disable", [SLBCTL_BE_WEIGHT] = "backend weight",
	};

	if (cmd >= SLBCTL__COUNT)
		return "";
	return words[cmd] != NULL ? words[cmd] : cmds[cmd].name;
}

bool
slbctl_cmd_reads(enum slbctl_cmd cmd)
{
	return cmd < SLBCTL__COUNT && (cmds[cmd].flags & F_READ) != 0;
}

/* A decimal in [lo, hi]: digits only, no sign, no space. */
static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	unsigned long long x = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		x = x * 10 + (unsigned int)(*s - '0');
		if (x > hi)
			return false;
	}
	if (x < lo)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Seconds as a decimal ("2", "0.5") in [0.1, 3600], to milliseconds. */
static bool
parse_seconds(const char *s, uint32_t *ms)
{
	char *end;
	double d;

	if (*s == '\0' || !((*s >= '0' && *s <= '9') || *s == '.'))
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(d >= 0.1 && d <= 3600.0))
		return false;
	*ms = (uint32_t)(d * 1000.0 + 0.5);
	return true;
}

/* Does s read as a number (so that "--watch -1" is a bad value, not an unknown option)? */
static bool
looks_numeric(const char *s)
{
	char *end;

	if (*s == '\0')
		return false;
	(void)strtod(s, &end);
	return *end == '\0';
}

/* A backend name: 1..31 printable ASCII characters, no space, not all digits (that is an id). */
static bool
valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= SLB_BE_NAME_LEN || all_digits(s))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* ADDRESS[:PORT]: a dotted quad a backend can have (not 0.0.0.0, broadcast or multicast). */
static bool
parse_address(const char *s, char *addr, size_t alen, uint32_t *port)
{
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	char tmp[16];
	struct in_addr in;
	uint32_t ip;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &in) != 1)
		return false;
	ip = ntohl(in.s_addr);
	if (ip == 0 || ip >= 0xe0000000u)
		return false;
	*port = 0;
	if (colon != NULL && !parse_u32(colon + 1, 1, 65535, port))
		return false;
	snprintf(addr, alen, "%s", tmp);
	return true;
}

/* An option's value: "--opt=value" or the next argument. */
static const char *
opt_value(struct parser *p, int argc, char *const argv[], int *i, const char *eq, const char *opt)
{
	if (eq != NULL)
		return eq + 1;
	if (*i + 1 >= argc) {
		fail(p, "%s needs a value", opt);
		return NULL;
	}
	return argv[++*i];
}

/* What parse_options() saw, checked against the command afterwards. */
struct seen {
	const char *watch, *count, *all, *weight, *name;
	int nb_pos;
	const char *pos[MAX_POS];
};

static void
parse_options(struct parser *p, int argc, char *const argv[], struct slbctl_args *a,
	struct seen *s)
{
	bool opts_done = false;
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = NULL;
		char opt[32];
		size_t n;

		if (opts_done || arg[0] != '-' || arg[1] == '\0') {
			if (s->nb_pos < MAX_POS)
				s->pos[s->nb_pos] = arg;
			else
				fail(p, "too many arguments");
			s->nb_pos++;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			opts_done = true;
			continue;
		}
		/* "--opt=value": the name is what precedes '=' */
		n = strlen(arg);
		if (arg[1] == '-' && (eq = strchr(arg, '=')) != NULL)
			n = (size_t)(eq - arg);
		if (n >= sizeof(opt)) {
			fail(p, "unknown option '%s'", arg);
			continue;
		}
		memcpy(opt, arg, n);
		opt[n] = '\0';

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			a->help = true;
		} else if (strcmp(opt, "--version") == 0) {
			a->version = true;
		} else if (strcmp(opt, "--json") == 0) {
			a->json = true;
		} else if (strcmp(opt, "--all") == 0) {
			s->all = arg;
		} else if (strcmp(opt, "-s") == 0 || strcmp(opt, "--socket") == 0) {
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) == NULL)
				continue;
			if (*v == '\0')
				fail(p, "%s: an empty socket path", opt);
			a->socket = v;
		} else if (strcmp(opt, "-c") == 0 || strcmp(opt, "--config") == 0) {
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) == NULL)
				continue;
			if (*v == '\0')
				fail(p, "%s: an empty config path", opt);
			a->config = v;
		} else if (strcmp(opt, "--timeout") == 0) {
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) != NULL &&
			    !parse_seconds(v, &a->timeout_ms))
				fail(p, "--timeout: '%s' is not a number of seconds in "
					"0.1..3600", v);
		} else if (strcmp(opt, "--watch") == 0) {
			s->watch = arg;
			/* SECONDS is optional: the next argument is it when it reads as a number */
			v = eq != NULL ? eq + 1 :
				(i + 1 < argc && looks_numeric(argv[i + 1]) ? argv[++i] : NULL);
			if (v != NULL && !parse_seconds(v, &a->interval_ms))
				fail(p, "--watch: '%s' is not a number of seconds in 0.1..3600", v);
		} else if (strcmp(opt, "--count") == 0) {
			s->count = arg;
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) != NULL &&
			    !parse_u32(v, 1, 100000000, &a->count))
				fail(p, "--count: '%s' is not a number in 1..100000000", v);
		} else if (strcmp(opt, "--weight") == 0) {
			s->weight = arg;
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) == NULL)
				continue;
			if (!parse_u32(v, 0, 65535, &a->weight))
				fail(p, "--weight: '%s' is not a weight in 0..65535", v);
			a->weight_set = true;
		} else if (strcmp(opt, "--name") == 0) {
			s->name = arg;
			if ((v = opt_value(p, argc, argv, &i, eq, opt)) == NULL)
				continue;
			if (!valid_name(v))
				fail(p, "--name: '%s' is not a backend name (1..%d characters, no "
					"space, not all digits)", v, SLB_BE_NAME_LEN - 1);
			a->name = v;
		} else {
			fail(p, "unknown option '%s'", arg);
		}
	}
}

/* pos[0] (and pos[1] for "backend") into a->cmd; returns how many positionals it used. */
static int
parse_command(struct parser *p, const struct seen *s, struct slbctl_args *a)
{
	const char *word = s->pos[0];
	int used = 1, c;

	if (s->nb_pos == 0) {
		fail(p, "no command");
		return 0;
	}
	if (strcmp(word, "help") == 0) {
		/* "help [COMMAND [SUB]]" is "COMMAND [SUB] --help" */
		a->help = true;
		if (s->nb_pos == 1)
			return 1;
		word = s->pos[1];
		used = 2;
	}
	for (c = SLBCTL_STATUS; c <= SLBCTL_RELOAD; c++)
		if (strcmp(word, cmds[c].name) == 0) {
			a->cmd = (enum slbctl_cmd)c;
			return used;
		}
	if (strcmp(word, "backend") != 0) {
		fail(p, "unknown command '%s'", word);
		return used;
	}
	a->cmd = SLBCTL_BACKEND;
	if (s->nb_pos <= used) {
		fail(p, "backend: missing subcommand (add, remove, drain, enable, disable, "
			"weight)");
		return used;
	}
	for (c = SLBCTL_BE_ADD; c < SLBCTL__COUNT; c++)
		if (strcmp(s->pos[used], cmds[c].name) == 0) {
			a->cmd = (enum slbctl_cmd)c;
			return used + 1;
		}
	fail(p, "backend: unknown subcommand '%s'", s->pos[used]);
	return used + 1;
}

/* ID|NAME into a->id or a->name. */
static void
parse_target(struct parser *p, const char *what, const char *t, struct slbctl_args *a)
{
	if (all_digits(t)) {
		if (!parse_u32(t, 0, SLB_BE_ID_MAX - 1, &a->id))
			fail(p, "%s: id '%s' is not in 0..%d", what, t, SLB_BE_ID_MAX - 1);
	} else if (valid_name(t)) {
		a->by_name = true;
		a->name = t;
	} else {
		fail(p, "%s: '%s' is neither an id (0..%d) nor a backend name", what, t,
			SLB_BE_ID_MAX - 1);
	}
}

/* The command's own arguments, and the options that do not belong to it. */
static void
check_command(struct parser *p, const struct seen *s, int used, struct slbctl_args *a)
{
	const struct cmd_info *ci = &cmds[a->cmd];
	const char *what = ci->name;
	json_t *j = NULL;
	int want = 0, i;

	if (a->socket != NULL && a->config != NULL)
		fail(p, "-s and -c both name the socket: give one");
	if (!(ci->flags & F_READ) && (s->watch != NULL || s->count != NULL))
		fail(p, "%s: --%s is for read commands (status, backends, dialogs, dialog, "
			"stats)", what, s->watch != NULL ? "watch" : "count");
	if (s->count != NULL && s->watch == NULL)
		fail(p, "--count needs --watch");
	if (s->all != NULL && a->cmd != SLBCTL_STATS)
		fail(p, "%s: --all is an option of stats", what);
	if (a->cmd != SLBCTL_BE_ADD && (s->weight != NULL || s->name != NULL))
		fail(p, "%s: --%s is an option of backend add", what,
			s->weight != NULL ? "weight" : "name");
	a->watch = s->watch != NULL;
	a->all = s->all != NULL;

	if (a->cmd == SLBCTL_DIALOG) {
		want = 1;
		if (s->nb_pos < used + 1)
			fail(p, "dialog: missing CALLID");
		else if (strlen(s->pos[used]) == 0 || strlen(s->pos[used]) > SLBCTL_CALLID_MAX)
			fail(p, "dialog: a Call-ID is 1 to %d bytes", SLBCTL_CALLID_MAX);
		else if ((j = json_string(s->pos[used])) == NULL)
			fail(p, "dialog: the Call-ID is not valid UTF-8");
		else
			a->callid = s->pos[used];
		json_decref(j);
	} else if (a->cmd == SLBCTL_BE_ADD) {
		want = 2;
		if (s->nb_pos < used + 1)
			fail(p, "backend add: missing ID");
		else if (!parse_u32(s->pos[used], 0, SLB_BE_ID_MAX - 1, &a->id))
			fail(p, "backend add: id '%s' is not in 0..%d", s->pos[used],
				SLB_BE_ID_MAX - 1);
		if (s->nb_pos < used + 2)
			fail(p, "backend add: missing ADDRESS");
		else if (!parse_address(s->pos[used + 1], a->address, sizeof(a->address), &a->port))
			fail(p, "backend add: '%s' is not ADDRESS[:PORT] (an IPv4 unicast address, "
				"port 1..65535)", s->pos[used + 1]);
	} else if (ci->flags & F_TARGET) {
		want = a->cmd == SLBCTL_BE_WEIGHT ? 2 : 1;
		if (s->nb_pos < used + 1)
			fail(p, "backend %s: missing ID or NAME", what);
		else
			parse_target(p, "backend", s->pos[used], a);
		if (a->cmd == SLBCTL_BE_WEIGHT) {
			if (s->nb_pos < used + 2)
				fail(p, "backend weight: missing the weight N");
			else if (!parse_u32(s->pos[used + 1], 0, 65535, &a->weight))
				fail(p, "backend weight: '%s' is not a weight in 0..65535",
					s->pos[used + 1]);
			a->weight_set = true;
		}
	}
	for (i = used + want; i < s->nb_pos && i < MAX_POS; i++) {
		fail(p, "%s: unexpected argument '%s'", a->cmd >= SLBCTL_BE_ADD ? "backend" : what,
			s->pos[i]);
		break;
	}
}

int
slbctl_parse(int argc, char *const argv[], struct slbctl_args *a, char *err, size_t errlen)
{
	struct parser p = {err, errlen, false};
	struct seen s;
	int used;

	memset(a, 0, sizeof(*a));
	memset(&s, 0, sizeof(s));
	a->timeout_ms = SLBCTL_TIMEOUT_MS;
	a->interval_ms = SLBCTL_WATCH_MS;
	if (errlen > 0)
		err[0] = '\0';

	parse_options(&p, argc, argv, a, &s);
	used = parse_command(&p, &s, a);
	if (a->cmd != SLBCTL_NONE && a->cmd != SLBCTL_BACKEND)
		check_command(&p, &s, used, a);
	if (a->help || a->version)
		return SLBCTL_EXIT_OK;
	return p.failed ? SLBCTL_EXIT_USAGE : SLBCTL_EXIT_OK;
}

/* The request of slb_mgmt.h, keys in its order. */
json_t *
slbctl_request_json(const struct slbctl_args *a)
{
	const struct cmd_info *ci;
	json_t *r;
	int bad = 0;

	if (a->cmd == SLBCTL_NONE || a->cmd == SLBCTL_BACKEND || a->cmd >= SLBCTL__COUNT)
		return NULL;
	ci = &cmds[a->cmd];
	if ((r = json_object()) == NULL)
		return NULL;
	if (ci->action == NULL) {
		bad |= json_object_set_new(r, "cmd", json_string(ci->name));
		if (a->cmd == SLBCTL_DIALOG)
			bad |= json_object_set_new(r, "callid", json_string(a->callid));
		goto out;
	}
	bad |= json_object_set_new(r, "cmd", json_string("backend"));
	bad |= json_object_set_new(r, "action", json_string(ci->action));
	if (a->cmd == SLBCTL_BE_ADD) {
		bad |= json_object_set_new(r, "id", json_integer(a->id));
		bad |= json_object_set_new(r, "address", json_string(a->address));
		if (a->port != 0)
			bad |= json_object_set_new(r, "port", json_integer(a->port));
		if (a->weight_set)
			bad |= json_object_set_new(r, "weight", json_integer(a->weight));
		if (a->name != NULL)
			bad |= json_object_set_new(r, "name", json_string(a->name));
		goto out;
	}
	if (a->by_name)
		bad |= json_object_set_new(r, "name", json_string(a->name));
	else
		bad |= json_object_set_new(r, "id", json_integer(a->id));
	if (a->cmd == SLBCTL_BE_WEIGHT)
		bad |= json_object_set_new(r, "weight", json_integer(a->weight));
out:
	if (bad) {
		json_decref(r);
		return NULL;
	}
	return r;
}
