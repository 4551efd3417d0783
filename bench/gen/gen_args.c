/* gen_args.c: siplb-gen's command line: every option, its bounds, a clear refusal (exit 2). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "gen_args.h"

void
slbg_usage(FILE *f)
{
	fprintf(f,
		"usage: siplb-gen --lb IP[:PORT] --lb-backend IP --backends IP[,IP...] [options]"
		" [-- EAL arguments]\n"
		"  Plays SIP callers and the backends behind a balancer over DPDK ports: ethdev 0\n"
		"  faces the balancer's callers side, ethdev 1 (if any) its backends side.\n"
		"  --lb IP[:PORT]         the balancer's address toward callers (port 5060)\n"
		"  --lb-backend IP        its address toward backends (default: --lb's)\n"
		"  --backends LIST        the backend addresses it answers as, comma-separated\n"
		"  --backend-port N       their SIP port (5060)\n"
		"  --callers IP[+N]       caller addresses: IP and the N-1 after it "
		"(198.18.0.10+200)\n"
		"  --caller-ports P[+N]   their ports (5060+20)\n"
		"  --scenario NAME        basic, callee-bye, cancel, options, register, "
		"big-invite\n"
		"  --rate N               calls per second (open loop); 0: as fast as the path\n"
		"                         takes, max-calls in progress (default 1000)\n"
		"  --calls N              start this many calls, then stop (default 10000) ...\n"
		"  --duration S           ... or start calls for S seconds\n"
		"  --max-calls N          calls in progress at most (default 20000)\n"
		"  --hold MS              a call's hold time (0)\n"
		"  --t1 MS, --t2 MS       SIP timers T1 (500) and T2 (4000)\n"
		"  --timeout MS           a call not done this long after its hold failed (32000)\n"
		"  --invite-size BYTES    the big-invite scenario's SDP (3000)\n"
		"  --mtu N                the ports' MTU (1500): bigger datagrams go as fragments\n"
		"  --mbufs N              packet buffers (default: from the ports and max-calls)\n"
		"  --wait S               at most S s for the balancer's ARP answers (5)\n"
		"  --json FILE            the summary as JSON too ('-': stdout)\n"
		"  --quiet                no progress line\n"
		"  --drop-nth N           test: the Nth message it sends is never sent\n"
		"  --misroute-nth N       test: the Nth call's ACK also reaches another backend\n"
		"  --seed N               Call-IDs and tags (default fixed)\n"
		"  -h, --help             this text\n"
		"  --version              the version\n"
		"The run ends 0.2 s after its last call did; calls still open when the sending\n"
		"stops are waited for at most hold + min(timeout, 64*T1). SIGINT or SIGTERM ends\n"
		"it at once with the summary (open calls: unfinished); another, a second or\n"
		"more later, exits without it.\n"
		"Exit: 0 every call completed, 1 some failed (or an error), 2 bad usage.\n");
}

enum {
	O_LB = 256,
	O_LB_BE,
	O_BACKENDS,
	O_BE_PORT,
	O_CALLERS,
	O_CALLER_PORTS,
	O_SCEN,
	O_RATE,
	O_CALLS,
	O_DURATION,
	O_MAX_CALLS,
	O_HOLD,
	O_T1,
	O_T2,
	O_TIMEOUT,
	O_INV_SIZE,
	O_MTU,
	O_MBUFS,
	O_WAIT,
	O_JSON,
	O_QUIET,
	O_DROP,
	O_MISROUTE,
	O_SEED,
	O_VERSION,
};

static const struct option long_opts[] = {
	{"lb", required_argument, NULL, O_LB},
	{"lb-backend", required_argument, NULL, O_LB_BE},
	{"backends", required_argument, NULL, O_BACKENDS},
	{"backend-port", required_argument, NULL, O_BE_PORT},
	{"callers", required_argument, NULL, O_CALLERS},
	{"caller-ports", required_argument, NULL, O_CALLER_PORTS},
	{"scenario", required_argument, NULL, O_SCEN},
	{"rate", required_argument, NULL, O_RATE},
	{"calls", required_argument, NULL, O_CALLS},
	{"duration", required_argument, NULL, O_DURATION},
	{"max-calls", required_argument, NULL, O_MAX_CALLS},
	{"hold", required_argument, NULL, O_HOLD},
	{"t1", required_argument, NULL, O_T1},
	{"t2", required_argument, NULL, O_T2},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"invite-size", required_argument, NULL, O_INV_SIZE},
	{"mtu", required_argument, NULL, O_MTU},
	{"mbufs", required_argument, NULL, O_MBUFS},
	{"wait", required_argument, NULL, O_WAIT},
	{"json", required_argument, NULL, O_JSON},
	{"quiet", no_argument, NULL, O_QUIET},
	{"drop-nth", required_argument, NULL, O_DROP},
	{"misroute-nth", required_argument, NULL, O_MISROUTE},
	{"seed", required_argument, NULL, O_SEED},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, O_VERSION},
	{NULL, 0, NULL, 0},
};

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int
parse_ip(const char *s, size_t n, uint32_t *ip)
{
	unsigned int a, b, c, d;
	char tmp[16], extra;

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (sscanf(tmp, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 ||
		c > 255 || d > 255)
		return -1;
	*ip = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

/* "X" or "X+N" (X an address or a port, per isip); N at least 1. */
static int
parse_range(const char *s, bool isip, uint32_t *first, uint64_t *count, uint64_t max_count)
{
	const char *plus = strchr(s, '+');
	size_t n = plus != NULL ? (size_t)(plus - s) : strlen(s);
	uint64_t v;

	*count = 1;
	if (plus != NULL && parse_u64(plus + 1, 1, max_count, count) < 0)
		return -1;
	if (isip)
		return parse_ip(s, n, first);
	{
		char tmp[8];

		if (n == 0 || n >= sizeof(tmp))
			return -1;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (parse_u64(tmp, 1, 65535, &v) < 0 || v + *count - 1 > 65535)
			return -1;
		*first = (uint32_t)v;
	}
	return 0;
}

static int
parse_backends(struct slbg_cfg *cfg, const char *s)
{
	const char *p = s;

	cfg->nb_be = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (cfg->nb_be == SLBG_MAX_BE || parse_ip(p, n, &cfg->be_ip[cfg->nb_be]) < 0)
			return -1;
		cfg->nb_be++;
		p += n;
		if (*p == ',')
			p++;
	}
	return cfg->nb_be > 0 ? 0 : -1;
}

static enum slbg_args_result
bad(FILE *err, const char *what, const char *arg)
{
	fprintf(err, "siplb-gen: %s: '%s'\n", what, arg);
	slbg_usage(err);
	return SLBG_ARGS_BAD;
}

static void
defaults(struct slbg_args *a)
{
	struct slbg_cfg *c = &a->cfg;

	memset(a, 0, sizeof(*a));
	c->scen = SLBG_SC_BASIC;
	c->lb_port = 5060;
	c->be_port = 5060;
	c->caller_ip = 198u << 24 | 18u << 16 | 10u; /* 198.18.0.10 */
	c->nb_caller_ip = 200;
	c->caller_port = 5060;
	c->nb_caller_port = 20;
	c->max_calls = 20000;
	c->t1_ms = 500;
	c->t2_ms = 4000;
	c->timeout_ms = 32000;
	c->sdp_len = 0;
	a->rate = 1000;
	a->calls = 10000;
	a->mtu = 1500;
	a->wait_s = 5;
}

/* One option with a numeric argument: into *dst within lo..hi. */
static int
num(const char *arg, uint64_t lo, uint64_t hi, uint64_t *dst)
{
	return parse_u64(arg, lo, hi, dst);
}

static enum slbg_args_result
one_opt(struct slbg_args *a, int o, const char *arg, FILE *err, bool *have_lb, bool *have_lb_be,
	uint32_t *inv_size)
{
	struct slbg_cfg *c = &a->cfg;
	uint64_t v, n;
	uint32_t first;
	const char *colon;
	int sc;

	switch (o) {
	case O_LB:
		colon = strchr(arg, ':');
		if (parse_ip(arg, colon != NULL ? (size_t)(colon - arg) : strlen(arg), &c->lb_ip) <
				0 ||
			(colon != NULL && num(colon + 1, 1, 65535, &v) < 0))
			return bad(err, "--lb wants IP[:PORT]", arg);
		if (colon != NULL)
			c->lb_port = (uint16_t)v;
		*have_lb = true;
		return SLBG_ARGS_RUN;
	case O_LB_BE:
		if (parse_ip(arg, strlen(arg), &a->lb_be_ip) < 0)
			return bad(err, "--lb-backend wants an IPv4 address", arg);
		*have_lb_be = true;
		return SLBG_ARGS_RUN;
	case O_BACKENDS:
		if (parse_backends(c, arg) < 0)
			return bad(err, "--backends wants 1 to 64 IPv4 addresses, comma-separated",
				arg);
		return SLBG_ARGS_RUN;
	case O_BE_PORT:
		if (num(arg, 1, 65535, &v) < 0)
			return bad(err, "--backend-port wants 1..65535", arg);
		c->be_port = (uint16_t)v;
		return SLBG_ARGS_RUN;
	case O_CALLERS:
		if (parse_range(arg, true, &first, &n, 1u << 17) < 0)
			return bad(err, "--callers wants IP[+N], N up to 131072", arg);
		c->caller_ip = first;
		c->nb_caller_ip = (uint32_t)n;
		return SLBG_ARGS_RUN;
	case O_CALLER_PORTS:
		if (parse_range(arg, false, &first, &n, 65535) < 0)
			return bad(err, "--caller-ports wants PORT[+N] within 1..65535", arg);
		c->caller_port = (uint16_t)first;
		c->nb_caller_port = (uint16_t)n;
		return SLBG_ARGS_RUN;
	case O_SCEN:
		sc = slbg_scen_parse(arg);
		if (sc < 0)
			return bad(err, "--scenario: unknown scenario", arg);
		c->scen = (enum slbg_scen)sc;
		return SLBG_ARGS_RUN;
	case O_RATE:
		if (num(arg, 0, 100000000, &v) < 0)
			return bad(err, "--rate wants 0..100000000 calls/s", arg);
		a->rate = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_CALLS:
		if (num(arg, 1, UINT32_MAX, &a->calls) < 0)
			return bad(err, "--calls wants a count of 1 or more", arg);
		a->duration_s = 0;
		return SLBG_ARGS_RUN;
	case O_DURATION:
		if (num(arg, 1, 86400, &v) < 0)
			return bad(err, "--duration wants 1..86400 seconds", arg);
		a->duration_s = (uint32_t)v;
		a->calls = 0;
		return SLBG_ARGS_RUN;
	case O_MAX_CALLS:
		if (num(arg, 1, 1u << 24, &v) < 0)
			return bad(err, "--max-calls wants 1..16777216", arg);
		c->max_calls = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_HOLD:
		if (num(arg, 0, 3600000, &v) < 0)
			return bad(err, "--hold wants 0..3600000 ms", arg);
		c->hold_ms = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_T1:
	case O_T2:
	case O_TIMEOUT:
		if (num(arg, 1, 600000, &v) < 0)
			return bad(err, "timers want 1..600000 ms", arg);
		if (o == O_T1)
			c->t1_ms = (uint32_t)v;
		else if (o == O_T2)
			c->t2_ms = (uint32_t)v;
		else
			c->timeout_ms = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_INV_SIZE:
		if (num(arg, 0, 9000, &v) < 0)
			return bad(err, "--invite-size wants 0..9000 bytes", arg);
		*inv_size = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_MTU:
		if (num(arg, 576, 9000, &v) < 0)
			return bad(err, "--mtu wants 576..9000", arg);
		a->mtu = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_MBUFS:
		if (num(arg, 1023, 1u << 24, &v) < 0)
			return bad(err, "--mbufs wants 1023..16777216", arg);
		a->mbufs = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_WAIT:
		if (num(arg, 1, 600, &v) < 0)
			return bad(err, "--wait wants 1..600 seconds", arg);
		a->wait_s = (uint32_t)v;
		return SLBG_ARGS_RUN;
	case O_JSON:
		a->json = arg;
		return SLBG_ARGS_RUN;
	case O_QUIET:
		a->quiet = true;
		return SLBG_ARGS_RUN;
	case O_DROP:
	case O_MISROUTE:
	case O_SEED:
		if (num(arg, 1, UINT64_MAX, &v) < 0)
			return bad(err, "wants a number of 1 or more", arg);
		if (o == O_DROP)
			c->drop_nth = v;
		else if (o == O_MISROUTE)
			c->misroute_nth = v;
		else
			c->seed = v;
		return SLBG_ARGS_RUN;
	default:
		return SLBG_ARGS_BAD;
	}
}

enum slbg_args_result
slbg_args_parse(struct slbg_args *a, int argc, char **argv, FILE *out, FILE *err)
{
	bool have_lb = false, have_lb_be = false;
	uint32_t inv_size = 3000;
	int o;

	defaults(a);
	optind = 1;
	opterr = 0; /* our own message, on err */
	while ((o = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		enum slbg_args_result r;

		if (o == 'h') {
			slbg_usage(out);
			return SLBG_ARGS_HELP;
		}
		if (o == O_VERSION) {
			fprintf(out, "siplb-gen %s\n", SLB_VERSION);
			return SLBG_ARGS_VERSION;
		}
		if (o == '?') {
			if (optopt != 0)
				fprintf(err, "siplb-gen: unknown option '-%c'\n", optopt);
			else
				fprintf(err, "siplb-gen: unknown option '%s'\n", argv[optind - 1]);
			slbg_usage(err);
			return SLBG_ARGS_BAD;
		}
		r = one_opt(a, o, optarg, err, &have_lb, &have_lb_be, &inv_size);
		if (r != SLBG_ARGS_RUN)
			return r;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return bad(err, "unexpected argument", argv[optind]);
	a->eal_argc = argc - optind;
	a->eal_argv = argv + optind;
	if (!have_lb)
		return bad(err, "--lb is required", "");
	if (a->cfg.nb_be == 0)
		return bad(err, "--backends is required", "");
	if (!have_lb_be)
		a->lb_be_ip = a->cfg.lb_ip;
	if (a->cfg.t2_ms < a->cfg.t1_ms)
		return bad(err, "--t2 must not be below --t1", "");
	if (a->cfg.scen == SLBG_SC_BIG)
		a->cfg.sdp_len = inv_size;
	if (a->cfg.nb_caller_ip > 1u << 17 ||
		(a->cfg.caller_ip >> 17) != ((a->cfg.caller_ip + a->cfg.nb_caller_ip - 1) >> 17))
		return bad(err, "--callers must stay within one /15", "");
	return SLBG_ARGS_RUN;
}

uint32_t
slbg_args_mbufs(const struct slbg_args *a, uint32_t nb_ports, uint32_t ring)
{
	uint64_t n;

	if (a->mbufs != 0)
		return a->mbufs;
	/* rx and tx rings, one burst each way per port, fragments held in reassembly */
	n = (uint64_t)nb_ports * (2 * ring + 2 * 64) + 4096;
	if (a->cfg.scen == SLBG_SC_BIG)
		n += 8 * 1024;
	/* a message or two waiting per call in progress is not held in mbufs: only rings are */
	return (uint32_t)((n | 1023) > (1u << 24) ? (1u << 24) - 1 : (n | 1023));
}
