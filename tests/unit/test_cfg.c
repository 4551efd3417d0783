/* test_cfg.c: siplb.conf: what is accepted, what is refused, and that a refusal names file:line. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "slb_test.h"

#ifndef SLB_SOURCE_ROOT
#error "SLB_SOURCE_ROOT (the source tree, for the sample config) comes from meson"
#endif

#define TEXT_MAX 8192

/* The parts of a config a test replaces; NULL keeps the base. */
struct parts {
	const char *top;      /* lines before ports */
	const char *ports;
	const char *backends;
};

static const char base_ports[] =
	"ports = (\n"
	"\t{ name = \"callers\"; device = \"net_tap0\";\n"
	"\t  addresses = [ \"198.18.0.1/24\" ]; role = \"caller\"; },\n"
	"\t{ name = \"backends\"; device = \"net_tap1\";\n"
	"\t  addresses = [ \"198.18.1.1/24\" ]; role = \"backend\"; }\n"
	");\n";

static const char base_backends[] =
	"backends = (\n"
	"\t{ id = 1; name = \"b1\"; address = \"198.18.1.10\"; },\n"
	"\t{ id = 2; name = \"b2\"; address = \"198.18.1.11\"; }\n"
	");\n";

static char dir[64];
static char text[TEXT_MAX];
static char path[128];
static char errs[TEXT_MAX];      /* what the loader printed on stderr */
static struct slb_cfg cfg;       /* large (SLB_BE_MAX backends): not on the stack */
static struct slb_cfg running;

/* Write the config made of p into path (one file per test: a failure can be looked at). */
static const char *
write_conf(const char *name, const struct parts *p)
{
	FILE *f;

	snprintf(text, sizeof(text), "# %s\n%s%s%s", name, p->top != NULL ? p->top : "",
		p->ports != NULL ? p->ports : base_ports,
		p->backends != NULL ? p->backends : base_backends);
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/*
 * Load file (or reload it over `run`) with stderr caught into errs: the loader prints its
 * refusals and warnings there, and the tests check what it said and where.
 */
static int
load_file(const char *file, const struct slb_cfg *run)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved >= 0);
	CU_ASSERT_FATAL(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	slb_cfg_free(&cfg);
	rc = run != NULL ? slb_cfg_reload(&cfg, file, run) : slb_cfg_load(&cfg, file);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(errs, 1, sizeof(errs) - 1, tmp);
	errs[n] = '\0';
	fclose(tmp);
	if (errs[0] != '\0')
		printf("\n    stderr: %s", errs);
	return rc;
}

/* 1-based line of text on which needle first appears, 0 if nowhere. */
static int
line_of(const char *needle)
{
	const char *at = strstr(text, needle), *c;
	int line = 1;

	if (at == NULL)
		return 0;
	for (c = text; c < at; c++)
		line += *c == '\n';
	return line;
}

/* errs starts with "path:line: " where line holds `at`, and says `why`. */
static bool
said_at(const char *at, const char *why)
{
	char prefix[192];
	int line = line_of(at);

	if (line == 0) {
		printf("\n    (test bug: '%s' is not in the file)", at);
		return false;
	}
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(errs, prefix, strlen(prefix)) != 0) {
		printf("\n    expected '%s...'", prefix);
		return false;
	}
	if (strstr(errs, why) == NULL) {
		printf("\n    expected '%s' in the message", why);
		return false;
	}
	return true;
}

static bool
accepted(const char *name, const struct parts *p)
{
	return load_file(write_conf(name, p), NULL) == 0;
}

/* Refused, the first message at the line holding `at` and saying `why`. */
static bool
refused(const char *name, const struct parts *p, const char *at, const char *why)
{
	if (load_file(write_conf(name, p), NULL) == 0) {
		printf("\n    %s: accepted\n", name);
		return false;
	}
	return said_at(at, why);
}

static void
t_base_and_defaults(void)
{
	struct parts p = {0};

	CU_ASSERT_FATAL(accepted("base", &p));
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_EQUAL(cfg.workers, 1);
	CU_ASSERT_EQUAL(cfg.reply_483_rate, 100);
	CU_ASSERT_FALSE(cfg.require_backend);
	CU_ASSERT_FALSE(cfg.branch_secret_set);
	CU_ASSERT_FALSE(cfg.hash_secret_set);
	CU_ASSERT_EQUAL(cfg.nb_caller_networks, 0);
	CU_ASSERT_EQUAL(cfg.backend_side_strangers, SLB_STRANGER_CALLER);
	CU_ASSERT_EQUAL(cfg.nb_ports, 2);
	CU_ASSERT_EQUAL(cfg.nb_be, 2);
	CU_ASSERT_EQUAL(cfg.tx_drain_us, 100);
	CU_ASSERT_TRUE(cfg.tx_flush_idle);
	p.top = "queues: { tx_flush_idle = false; };\n";
	CU_ASSERT(accepted("no_flush_idle", &p));
	CU_ASSERT_FALSE(cfg.tx_flush_idle);
	p.top = "queues: { tx_flush_idle = 1; };\n";
	CU_ASSERT(refused("flush_idle_int", &p, "tx_flush_idle", "expected true or false"));
}

/* The sample documents every key: it must load as it stands, without a warning. */
static void
t_sample_accepted(void)
{
	const char *sample = SLB_SOURCE_ROOT "/dataplane/siplb.conf.sample";

	CU_ASSERT_EQUAL(load_file(sample, NULL), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
}

/*
 * The budget with the base's 2 ports, 5 workers and defaults: rx 2 x 5 x 1024 + tx 2 x 5 x 1024
 * + 5 x (1024 + 64 + 2 x 32 + 256 x 8) + 6 x 384 + 5 x 32 = 38944 > 16383. The old rule
 * (fragments alone under 3/4 of the pool: 10240 <= 12287) took it.
 */
static void
t_budget(void)
{
	struct parts p = {0};

	p.top = "workers = 5;\n";
	CU_ASSERT(refused("budget_w5", &p, "workers = 5", "mempool.size: 16383 is less than "
		"the 38944 mbufs"));
	CU_ASSERT(strstr(errs, "rx descriptors 10240") != NULL);
	/* the message points at the pool size when the file sets it */
	p.top = "workers = 5;\nmempool: { size = 38943; };\n";
	CU_ASSERT(refused("budget_w5_short", &p, "size = 38943", "38944 mbufs"));
	/* exactly enough is enough */
	p.top = "workers = 5;\nmempool: { size = 38944; };\n";
	CU_ASSERT(accepted("budget_w5_exact", &p));
	/* what the end-to-end tests and the demo run: 2 workers, defaults */
	p.top = "workers = 2;\n";
	CU_ASSERT(accepted("budget_w2", &p));
	/* smaller rings make room for more workers */
	p.top = "workers = 5;\nqueues: { rx_desc = 256; tx_desc = 256; frag_ring = 256; };\n"
		"frag: { max_entries = 64; };\n";
	CU_ASSERT(accepted("budget_w5_small", &p));
}

static void
t_secrets_parsed(void)
{
	static const uint8_t want_b[SLB_KEY_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	static const uint8_t want_h[SLB_KEY_LEN] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78};
	struct parts p = {0};

	p.top = "branch_secret = \"00112233445566778899aabbccddeeff\";\n"
		"hash_secret = \"FEDCBA98765432100f1E2d3C4b5A6978\";\n";
	CU_ASSERT_FATAL(accepted("secrets", &p));
	CU_ASSERT_TRUE(cfg.branch_secret_set);
	CU_ASSERT_TRUE(cfg.hash_secret_set);
	CU_ASSERT_EQUAL(memcmp(cfg.branch_secret.b, want_b, SLB_KEY_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(cfg.hash_secret.b, want_h, SLB_KEY_LEN), 0);

	/* one without the other */
	p.top = "hash_secret = \"00000000000000000000000000000001\";\n";
	CU_ASSERT_FATAL(accepted("secret_one", &p));
	CU_ASSERT_FALSE(cfg.branch_secret_set);
	CU_ASSERT_TRUE(cfg.hash_secret_set);
	CU_ASSERT_EQUAL(cfg.hash_secret.b[15], 1);
	CU_ASSERT_EQUAL(cfg.hash_secret.b[0], 0);
}

static void
t_secrets_malformed(void)
{
	static const char *const bad[] = {
		"branch_secret = 0x1234567887654321L;\n",           /* the old integer form */
		"branch_secret = 5;\n",
		"branch_secret = \"0011223344556677889aabbccddeeff\";\n",   /* 31 digits */
		"branch_secret = \"00112233445566778899aabbccddeeff0\";\n", /* 33 */
		"branch_secret = \"\";\n",
		"branch_secret = \"0x112233445566778899aabbccddeeff\";\n",
		"branch_secret = \"00112233445566778899aabbccddeefg\";\n",
		"hash_secret = \"0011223344556677 8899aabbccddeef\";\n",   /* a space */
		"hash_secret = true;\n",
	};
	struct parts p = {0};
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "secret_bad_%zu", i);
		p.top = bad[i];
		CU_ASSERT(refused(name, &p, bad[i][0] == 'b' ? "branch_secret" : "hash_secret",
			"32 hex digits"));
	}
}

static void
t_caller_networks(void)
{
	struct parts p = {0};
	char many[1024] = "caller_networks = [ ";
	int i;

	p.top = "caller_networks = [ \"198.18.8.0/24\", \"10.0.0.0/8\", \"192.0.2.7/32\" ];\n";
	CU_ASSERT_FATAL(accepted("nets", &p));
	CU_ASSERT_EQUAL(cfg.nb_caller_networks, 3);
	CU_ASSERT_EQUAL(cfg.caller_networks[0].ip, 0xc6120800u);
	CU_ASSERT_EQUAL(cfg.caller_networks[0].plen, 24);
	CU_ASSERT_EQUAL(cfg.caller_networks[1].ip, 0x0a000000u);
	CU_ASSERT_EQUAL(cfg.caller_networks[1].plen, 8);
	CU_ASSERT_EQUAL(cfg.caller_networks[2].ip, 0xc0000207u);
	CU_ASSERT_EQUAL(cfg.caller_networks[2].plen, 32);

	p.top = "caller_networks = [ ];\n";
	CU_ASSERT(accepted("nets_empty", &p));
	CU_ASSERT_EQUAL(cfg.nb_caller_networks, 0);

	p.top = "caller_networks = [\n\t\"198.18.8.0/24\",\n\t\"10.1.2.3/8\" ];\n";
	CU_ASSERT(refused("nets_host_bits", &p, "10.1.2.3/8", "host bits set: the network is "
		"10.0.0.0/8"));
	p.top = "caller_networks = [ \"10.0.0.0\" ];\n";
	CU_ASSERT(refused("nets_no_len", &p, "caller_networks", "needs a /prefix length"));
	p.top = "caller_networks = \"10.0.0.0/8\";\n";
	CU_ASSERT(refused("nets_not_list", &p, "caller_networks", "expected a list"));

	for (i = 0; i <= SLB_CFG_MAX_NETS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"10.%d.0.0/16\"",
			i == 0 ? "" : ", ", i);
	strcat(many, " ];\n");
	p.top = many;
	CU_ASSERT(refused("nets_too_many", &p, "caller_networks", "at most 16"));
}

static void
t_backend_side_strangers(void)
{
	struct parts p = {0};

	p.top = "backend_side_strangers = \"drop\";\n";
	CU_ASSERT(accepted("strangers_drop", &p));
	CU_ASSERT_EQUAL(cfg.backend_side_strangers, SLB_STRANGER_DROP);
	p.top = "backend_side_strangers = \"caller\";\n";
	CU_ASSERT(accepted("strangers_caller", &p));
	CU_ASSERT_EQUAL(cfg.backend_side_strangers, SLB_STRANGER_CALLER);
	p.top = "backend_side_strangers = \"reject\";\n";
	CU_ASSERT(refused("strangers_bad", &p, "backend_side_strangers",
		"'reject': expected \"caller\" or \"drop\""));
	p.top = "backend_side_strangers = 1;\n";
	CU_ASSERT(refused("strangers_int", &p, "backend_side_strangers", "expected a string"));
}

static void
t_reply_483_rate(void)
{
	struct parts p = {0};

	p.top = "reply_483_rate = 1;\n";
	CU_ASSERT(accepted("rate_1", &p));
	CU_ASSERT_EQUAL(cfg.reply_483_rate, 1);
	p.top = "reply_483_rate = 1000000;\n";
	CU_ASSERT(accepted("rate_max", &p));
	CU_ASSERT_EQUAL(cfg.reply_483_rate, 1000000);
	p.top = "reply_483_rate = 0;\n";
	CU_ASSERT(refused("rate_0", &p, "reply_483_rate", "out of range 1..1000000"));
	p.top = "reply_483_rate = 1000001;\n";
	CU_ASSERT(refused("rate_big", &p, "reply_483_rate", "out of range 1..1000000"));
	p.top = "require_backend = true;\n";
	CU_ASSERT(accepted("require", &p));
	CU_ASSERT_TRUE(cfg.require_backend);
}

/* Two ports whose prefixes overlap would both claim the addresses they share. */
static void
t_overlapping_prefixes(void)
{
	struct parts p = {0};

	p.ports = "ports = (\n"
		"\t{ name = \"callers\"; device = \"net_tap0\";\n"
		"\t  addresses = [ \"198.18.1.1/24\" ]; role = \"caller\"; },\n"
		"\t{ name = \"backends\"; device = \"net_tap1\";\n"
		"\t  addresses = [ \"198.18.2.1/24\", \"198.18.1.9/16\" ]; role = \"backend\"; }\n"
		");\n";
	p.backends = "backends = ( { id = 1; address = \"198.18.2.10\"; } );\n";
	CU_ASSERT(refused("overlap", &p, "198.18.1.9/16", "port backends: prefix 198.18.1.9/16 "
		"overlaps 198.18.1.1/24 of port callers"));

	/* two prefixes on one port (a secondary address) may overlap */
	p.ports = "ports = (\n"
		"\t{ name = \"callers\"; device = \"net_tap0\";\n"
		"\t  addresses = [ \"198.18.0.1/24\" ]; role = \"caller\"; },\n"
		"\t{ name = \"backends\"; device = \"net_tap1\";\n"
		"\t  addresses = [ \"198.18.2.1/24\", \"198.18.2.9/23\" ]; role = \"backend\"; }\n"
		");\n";
	CU_ASSERT(accepted("overlap_same_port", &p));
}

/* Our address against its own prefix and the reserved ranges. */
static void
t_our_address(void)
{
	static const struct {
		const char *addr;
		const char *why;
	} bad[] = {
		{"198.18.1.0/24", "address 198.18.1.0 is the network address of its prefix "
			"198.18.1.0/24"},
		{"198.18.1.255/24", "the broadcast address of its prefix 198.18.1.0/24"},
		{"198.18.255.255/16", "the broadcast address of its prefix 198.18.0.0/16"},
		{"127.0.0.2/8", "loopback"},
		{"224.0.0.5/24", "multicast"},
		{"0.0.0.1/24", "0.0.0.0/8"},
		{"240.0.0.1/24", "class E"},
		{"255.255.255.255/32", "limited broadcast"},
	};
	char ports[512];
	struct parts p = {0};
	char name[32];
	size_t i;

	p.backends = "backends = ( { id = 1; address = \"198.18.0.10\"; } );\n";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(ports, sizeof(ports), "ports = (\n"
			"\t{ name = \"backends\"; device = \"net_tap1\";\n"
			"\t  addresses = [ \"198.18.0.1/24\" ]; role = \"backend\"; },\n"
			"\t{ name = \"callers\"; device = \"net_tap0\";\n"
			"\t  addresses = [ \"%s\" ]; role = \"caller\"; }\n"
			");\n", bad[i].addr);
		p.ports = ports;
		snprintf(name, sizeof(name), "ours_bad_%zu", i);
		CU_ASSERT(refused(name, &p, bad[i].addr, bad[i].why));
	}
	/* RFC 3021: a /31 has no network or broadcast address */
	snprintf(ports, sizeof(ports), "ports = (\n"
		"\t{ name = \"both\"; device = \"net_tap1\"; addresses = [ \"198.18.0.0/31\" ]; }\n"
		");\n");
	p.ports = ports;
	p.backends = "backends = ( { id = 1; address = \"198.18.0.1\"; } );\n";
	CU_ASSERT(accepted("ours_31", &p));
}

static void
t_backend_address(void)
{
	static const struct {
		const char *addr;
		const char *why;
	} bad[] = {
		{"198.18.1.0", "backend b1: 198.18.1.0 is the network address of 198.18.1.0/24 "
			"(port backends)"},
		{"198.18.1.255", "the broadcast address of 198.18.1.0/24 (port backends)"},
		{"127.0.0.1", "loopback"},
		{"239.1.1.1", "multicast"},
		{"0.1.2.3", "0.0.0.0/8"},
		{"250.0.0.1", "class E"},
		{"255.255.255.255", "limited broadcast"},
	};
	char bes[256];
	struct parts p = {0};
	char name[32];
	size_t i;

	/* a gateway on the backend side: every address has a route, only its kind is wrong */
	p.top = "gateway = \"198.18.1.254\";\n";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(bes, sizeof(bes), "backends = (\n"
			"\t{ id = 2; name = \"b2\"; address = \"198.18.1.11\"; },\n"
			"\t{ id = 1; name = \"b1\"; address = \"%s\"; }\n"
			");\n", bad[i].addr);
		p.backends = bes;
		snprintf(name, sizeof(name), "be_bad_%zu", i);
		CU_ASSERT(refused(name, &p, "id = 1", bad[i].why));
	}
}

static void
t_gateway_address(void)
{
	struct parts p = {0};

	p.top = "gateway = \"198.18.1.255\";\n";
	CU_ASSERT(refused("gw_bcast", &p, "gateway = ", "gateway: 198.18.1.255 is the broadcast "
		"address of 198.18.1.0/24 (port backends)"));
	p.top = "gateway = \"198.18.0.0\";\n";
	CU_ASSERT(refused("gw_net", &p, "gateway = ", "the network address of 198.18.0.0/24"));
	p.top = "gateway = \"198.18.1.1\";\n";
	CU_ASSERT(refused("gw_ours", &p, "gateway = ", "gateway: 198.18.1.1 is our own address "
		"(port backends)"));
	p.top = "gateway = \"198.18.1.254\";\n";
	CU_ASSERT(accepted("gw_good", &p));
}

/* The dataplane routes a backend's packets on-link first: a caller-only port must not get them. */
static void
t_backend_via_caller_port(void)
{
	struct parts p = {0};

	/* on-link on the caller port; the gateway would not be used for it */
	p.top = "gateway = \"198.18.1.254\";\n";
	p.backends = "backends = (\n"
		"\t{ id = 1; name = \"b1\"; address = \"198.18.1.10\"; },\n"
		"\t{ id = 2; name = \"b2\"; address = \"198.18.0.20\"; }\n"
		");\n";
	CU_ASSERT(refused("be_on_caller_link", &p, "id = 2", "backend b2: 198.18.0.20 is on-link "
		"only on port callers, whose role is \"caller\""));

	/* off-link, through a gateway that sits on the caller port */
	p.top = "gateway = \"198.18.0.254\";\n";
	p.backends = "backends = (\n"
		"\t{ id = 1; name = \"b1\"; address = \"198.18.1.10\"; },\n"
		"\t{ id = 2; name = \"b2\"; address = \"10.9.9.9\"; }\n"
		");\n";
	CU_ASSERT(refused("be_via_caller_gw", &p, "id = 2", "backend b2: 10.9.9.9 is reached "
		"through the gateway 198.18.0.254 on port callers"));

	/* the same gateway on the backend side is fine */
	p.top = "gateway = \"198.18.1.254\";\n";
	CU_ASSERT(accepted("be_via_backend_gw", &p));
}

static void
t_no_backend_takes_calls(void)
{
	struct parts p = {0};

	p.backends = "backends = (\n"
		"\t{ id = 1; name = \"b1\"; address = \"198.18.1.10\"; weight = 0; },\n"
		"\t{ id = 2; name = \"b2\"; address = \"198.18.1.11\"; state = \"down\"; }\n"
		");\n";
	CU_ASSERT(accepted("none_takes", &p));
	CU_ASSERT(said_at("backends = (", "warning: backends: no backend takes new calls"));

	p.top = "require_backend = true;\n";
	CU_ASSERT(refused("none_takes_required", &p, "backends = (",
		"no backend takes new calls (each has weight 0 or state \"drain\" or \"down\") and "
		"require_backend is true"));

	/* one backend up is enough */
	p.backends = "backends = (\n"
		"\t{ id = 1; name = \"b1\"; address = \"198.18.1.10\"; weight = 0; },\n"
		"\t{ id = 2; name = \"b2\"; address = \"198.18.1.11\"; weight = 1; }\n"
		");\n";
	CU_ASSERT(accepted("one_takes_required", &p));
	CU_ASSERT_STRING_EQUAL(errs, "");
}

/* SIGHUP: only the backends may change; they are checked against the running ports. */
static void
t_reload(void)
{
	struct parts p = {0};
	char ports[512];

	CU_ASSERT_FATAL(accepted("reload_running", &p));
	memcpy(&running, &cfg, sizeof(running));
	cfg.path = NULL; /* running owns it now */
	memset(cfg.eal_argv, 0, sizeof(cfg.eal_argv));
	cfg.eal_argc = 0;

	/* new backends, same ports: taken */
	p.backends = "backends = (\n"
		"\t{ id = 7; name = \"b7\"; address = \"198.18.1.77\"; },\n"
		"\t{ id = 2; name = \"b2\"; address = \"198.18.1.11\"; state = \"drain\"; }\n"
		");\n";
	CU_ASSERT_EQUAL(load_file(write_conf("reload_backends", &p), &running), 0);
	CU_ASSERT_EQUAL(cfg.nb_be, 2);
	CU_ASSERT_EQUAL(cfg.be[0].id, 7);
	CU_ASSERT_EQUAL(cfg.be[1].state, SLB_BE_DRAIN);

	/* a backend port readdressed (with a backend on its new prefix): refused */
	snprintf(ports, sizeof(ports), "ports = (\n"
		"\t{ name = \"callers\"; device = \"net_tap0\";\n"
		"\t  addresses = [ \"198.18.0.1/24\" ]; role = \"caller\"; },\n"
		"\t{ name = \"backends\"; device = \"net_tap1\";\n"
		"\t  addresses = [ \"198.18.5.1/24\" ]; role = \"backend\"; }\n"
		");\n");
	p.ports = ports;
	p.backends = "backends = ( { id = 1; address = \"198.18.5.10\"; } );\n";
	CU_ASSERT(load_file(write_conf("reload_readdressed", &p), NULL) == 0);
	CU_ASSERT(load_file(path, &running) < 0);
	CU_ASSERT(said_at("name = \"backends\"", "port backends: addresses differs from the "
		"running port backends: ports and their addresses need a restart"));

	/* a port more */
	snprintf(ports, sizeof(ports), "%.*s,\n\t{ name = \"more\"; device = \"net_tap2\";\n"
		"\t  addresses = [ \"198.18.9.1/24\" ]; }\n);\n",
		(int)(strlen(base_ports) - strlen("\n);\n")), base_ports);
	p.ports = ports;
	p.backends = NULL;
	CU_ASSERT(load_file(write_conf("reload_more_ports", &p), &running) < 0);
	CU_ASSERT(said_at("ports = (", "ports: 3 ports, the running dataplane has 2"));

	/* a gateway appears */
	p.ports = NULL;
	p.top = "gateway = \"198.18.1.254\";\n";
	CU_ASSERT(load_file(write_conf("reload_gateway", &p), &running) < 0);
	CU_ASSERT(said_at("gateway = ", "gateway: 198.18.1.254 differs from the running none"));

	/* require_backend applies on reload too */
	p.top = "require_backend = true;\n";
	p.backends = "backends = ( { id = 1; address = \"198.18.1.10\"; state = \"down\"; } );\n";
	CU_ASSERT(load_file(write_conf("reload_none_takes", &p), &running) < 0);
	CU_ASSERT(said_at("backends = (", "require_backend is true"));

	slb_cfg_free(&running);
}

static CU_TestInfo tests[] = {
	{"base_and_defaults", t_base_and_defaults},
	{"sample_accepted", t_sample_accepted},
	{"mbuf_budget", t_budget},
	{"secrets_parsed", t_secrets_parsed},
	{"secrets_malformed", t_secrets_malformed},
	{"caller_networks", t_caller_networks},
	{"backend_side_strangers", t_backend_side_strangers},
	{"reply_483_rate_and_require_backend", t_reply_483_rate},
	{"overlapping_prefixes", t_overlapping_prefixes},
	{"our_address", t_our_address},
	{"backend_address", t_backend_address},
	{"gateway_address", t_gateway_address},
	{"backend_via_caller_port", t_backend_via_caller_port},
	{"no_backend_takes_calls", t_no_backend_takes_calls},
	{"reload_checks_running_ports", t_reload},
	CU_TEST_INFO_NULL,
};

/* Remove the test's files; they are kept when a test failed, to be looked at. */
static void
remove_dir(void)
{
	struct dirent *e;
	char f[sizeof(dir) + 256];
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s", dir, e->d_name);
		unlink(f);
	}
	closedir(d);
	rmdir(dir);
}

int
main(void)
{
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/test_cfg.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	printf("config files in %s (removed when every test passes)\n", dir);
	rc = slb_test_main("cfg", tests);
	slb_cfg_free(&cfg);
	if (rc == 0)
		remove_dir();
	return rc;
}
