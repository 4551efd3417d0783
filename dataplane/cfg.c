/* cfg.c: siplb.conf: one table row per scalar key, parsers for the lists, then semantic checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <rte_common.h>

#include "addr.h"
#include "cfg.h"
#include "slb_stats.h"

/*
 * Scalars: every row says where the value goes, its type, its bounds and its default. A key that
 * is absent takes its default; a key of the wrong type or out of bounds is refused with its line.
 * None of these can change at run time: the dataplane reads the file once.
 */
enum key_type {
	K_U32,
	K_U64,
	K_BOOL,
	K_IPV4, /* "a.b.c.d", stored host order; default 0 means unset */
	K_KEY128, /* "<32 hex digits>" into a struct slb_key128; set_off: its bool "was set" */
	K_ENUM, /* one of names[0..max], stored as its index (uint32_t) */
	K_STR,  /* a string shorter than max bytes, into a char array; sdef when absent */
};

#define K_POW2 0x1u /* must be a power of two */

struct cfg_key {
	const char *path;
	enum key_type type;
	uint32_t flags;
	uint64_t min;
	uint64_t max;
	uint64_t def;
	size_t off;
	size_t set_off;           /* K_KEY128 */
	const char *const *names; /* K_ENUM */
	const char *sdef;         /* K_STR */
};

/* offsetof that also refuses, at compile time, a field whose size does not match the type. */
#define FIELD(f, size) \
	(offsetof(struct slb_cfg, f) + \
		0 * sizeof(char[sizeof(((struct slb_cfg *)0)->f) == (size) ? 1 : -1]))
#define U32(p, f, lo, hi, d, fl) {p, K_U32, fl, lo, hi, d, FIELD(f, 4)}
#define U64(p, f, lo, hi, d) {p, K_U64, 0, lo, hi, d, FIELD(f, 8)}
#define BOOL(p, f, d) {p, K_BOOL, 0, 0, 1, d, FIELD(f, sizeof(bool))}
#define IPV4(p, f) {p, K_IPV4, 0, 0, 0, 0, FIELD(f, 4)}
#define KEY128(p, f) \
	{p, K_KEY128, 0, 0, 0, 0, FIELD(f, SLB_KEY_LEN), FIELD(f##_set, sizeof(bool)), NULL}
#define ENUM(p, f, n, d) {p, K_ENUM, 0, 0, RTE_DIM(n) - 1, d, FIELD(f, 4), 0, n}
#define STR(p, f, d) \
	{p, K_STR, 0, 0, sizeof(((struct slb_cfg *)0)->f), 0, offsetof(struct slb_cfg, f), 0, NULL, d}

static const char *const no_backend_names[] = {
	[SLB_NO_BACKEND_503] = "503",
	[SLB_NO_BACKEND_DROP] = "drop",
};

static const char *const dead_dialog_names[] = {
	[SLB_DEAD_PINNED] = "pinned",
	[SLB_DEAD_REHASH] = "rehash",
};

static const char *const stranger_names[] = {
	[SLB_STRANGER_CALLER] = "caller",
	[SLB_STRANGER_DROP] = "drop",
};

static const struct cfg_key keys[] = {
	U32("workers", workers, 1, SLB_STATS_MAX_LCORES - 1, 1, 0),
	U32("sip_port", sip_port, 1, 65535, 5060, 0),
	BOOL("record_route", record_route, 1),
	BOOL("reply_483", reply_483, 1),
	BOOL("rss_l4", rss_l4, 1),
	BOOL("tx_checksum_offload", tx_checksum_offload, 1),
	U32("stats_interval", stats_interval, 0, 86400, 10, 0),
	U32("idle_sleep_us", idle_sleep_us, 0, 10000, 0, 0),
	IPV4("gateway", gateway),
	KEY128("branch_secret", branch_secret),
	KEY128("hash_secret", hash_secret),
	U32("reply_483_rate", reply_483_rate, 1, 1000000, 100, 0),
	BOOL("require_backend", require_backend, 0),
	ENUM("backend_side_strangers", backend_side_strangers, stranger_names, SLB_STRANGER_CALLER),
	U32("backend_buckets_log2", be_buckets_log2, 8, 22, 16, 0),
	ENUM("no_backend", no_backend, no_backend_names, SLB_NO_BACKEND_503),

	STR("control.shm", ctl_shm, "siplb"),
	STR("control.socket", ctl_socket, "/run/siplb/control.sock"),
	STR("control.metrics", ctl_metrics, "127.0.0.1:9490"),
	U32("control.probe_interval_ms", ctl_probe_interval_ms, 100, 60000, 1000, 0),
	U32("control.probe_timeout_ms", ctl_probe_timeout_ms, 50, 60000, 800, 0),
	U32("control.fall", ctl_fall, 1, 100, 2, 0),
	U32("control.rise", ctl_rise, 1, 100, 2, 0),
	ENUM("control.dead_dialogs", ctl_dead_dialogs, dead_dialog_names, SLB_DEAD_PINNED),
	BOOL("control.suspect_on_503", ctl_suspect_on_503, 1),
	BOOL("control.suspect_unanswered", ctl_suspect_unanswered, 1),

	BOOL("redis.enabled", redis_enabled, 0),
	STR("redis.address", redis_address, "127.0.0.1:6379"),
	STR("redis.master", redis_master, "siplb"),
	STR("redis.password", redis_password, ""),
	U32("redis.db", redis_db, 0, 15, 0, 0),
	STR("redis.prefix", redis_prefix, "siplb:"),
	STR("redis.instance", redis_instance, ""),
	U32("redis.connect_timeout_ms", redis_connect_timeout_ms, 10, 60000, 500, 0),
	U32("redis.command_timeout_ms", redis_command_timeout_ms, 10, 60000, 500, 0),
	U32("redis.buffer", redis_buffer, 64, 1u << 24, 65536, 0),
	U32("redis.batch", redis_batch, 1, 65536, 512, 0),
	BOOL("redis.publish", redis_publish, 1),
	U32("redis.attach_wait_ms", redis_attach_wait_ms, 0, 600000, 3000, 0),
	U32("redis.load_wait_ms", redis_load_wait_ms, 0, 3600000, 60000, 0),

	U32("mempool.size", pool_size, 1023, 1u << 24, 16383, 0),
	U32("mempool.cache", pool_cache, 0, 512, 256, 0),
	U32("mempool.data_room", pool_data_room, 1024, 65535, 2048 + RTE_PKTMBUF_HEADROOM, 0),
	U32("mempool.big_size", big_pool_size, 63, 1u << 20, 1023, 0),
	U32("mempool.big_data_room", big_data_room, 2048, 65535, 10240 + RTE_PKTMBUF_HEADROOM, 0),
	U32("mempool.indirect_size", indirect_pool_size, 63, 1u << 22, 4095, 0),

	U32("queues.rx_desc", rx_desc, 64, 16384, 1024, 0),
	U32("queues.tx_desc", tx_desc, 64, 16384, 1024, 0),
	U32("queues.rx_burst", rx_burst, 4, 512, 32, 0), /* vector rx paths round down to 4 */
	U32("queues.tx_burst", tx_burst, 1, 512, 32, 0),
	U32("queues.tx_drain_us", tx_drain_us, 1, 100000, 100, 0),
	BOOL("queues.tx_flush_idle", tx_flush_idle, 1),
	U32("queues.frag_ring", frag_ring, 64, 65536, 1024, K_POW2),

	U32("dialog.capacity", dlg_capacity, 1024, 1u << 28, 1u << 20, 0),
	U32("dialog.early_timeout", dlg_early_timeout, 1, 86400, 180, 0),
	U32("dialog.confirmed_timeout", dlg_confirmed_timeout, 1, 7 * 86400, 7200, 0),
	U32("dialog.sweep_period", dlg_sweep_period, 1, 3600, 10, 0),

	U32("neighbour.size", neigh_size, 64, 1u << 20, 1024, K_POW2),
	U32("neighbour.reachable", neigh_reachable, 1, 3600, 30, 0),
	U32("neighbour.timeout", neigh_timeout, 2, 7200, 60, 0),
	U32("neighbour.retry_ms", neigh_retry_ms, 10, 60000, 1000, 0),
	U32("neighbour.pending", pending, 1, 4096, 64, 0),
	U32("neighbour.pending_timeout_ms", pending_timeout_ms, 10, 60000, 3000, 0),

	U32("frag.buckets", frag_buckets, 16, 1u << 20, 1024, K_POW2),
	U32("frag.bucket_entries", frag_bucket_entries, 1, 16, 4, K_POW2),
	U32("frag.max_entries", frag_max_entries, 16, 1u << 22, 256, 0),
	U32("frag.timeout_ms", frag_timeout_ms, 100, 60000, 2000, 0),
};

/* Settings that are not scalars, each with its own parser below. */
static const char *const list_keys[] = {"eal", "ports", "backends", "sip_errors",
	"caller_networks", "control.reply_codes", "redis.sentinels"};

static const char *cfg_file; /* for messages about defaults (no setting, no line) */

static void
vmsg_at(const config_setting_t *s, const char *kind, const char *fmt, va_list ap)
{
	const char *file = s != NULL ? config_setting_source_file(s) : NULL;

	if (file == NULL)
		file = cfg_file;
	if (s != NULL && config_setting_source_line(s) > 0)
		fprintf(stderr, "%s:%u: %s", file, config_setting_source_line(s), kind);
	else
		fprintf(stderr, "%s: %s", file, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static int __attribute__((format(printf, 2, 3)))
err_at(const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_at(s, "", fmt, ap);
	va_end(ap);
	return -1;
}

/* Accepted, but most likely not what was meant. */
static void __attribute__((format(printf, 2, 3)))
warn_at(const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_at(s, "warning: ", fmt, ap);
	va_end(ap);
}

const char *
slb_cfg_ip_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

static int
parse_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

static const struct cfg_key *
find_key(const char *path)
{
	size_t i;

	for (i = 0; i < RTE_DIM(keys); i++)
		if (strcmp(keys[i].path, path) == 0)
			return &keys[i];
	return NULL;
}

static bool
is_list_key(const char *name)
{
	size_t i;

	for (i = 0; i < RTE_DIM(list_keys); i++)
		if (strcmp(list_keys[i], name) == 0)
			return true;
	return false;
}

static bool
is_group_name(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < RTE_DIM(keys); i++)
		if (strncmp(keys[i].path, name, n) == 0 && keys[i].path[n] == '.')
			return true;
	return false;
}

/* A typo must not silently become a default: refuse every setting we do not know. */
static int
check_unknown(const config_setting_t *root)
{
	char path[128];
	int i, j;

	for (i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);

		if (is_list_key(name))
			continue;
		if (config_setting_is_group(s)) {
			if (!is_group_name(name))
				return err_at(s, "unknown group '%s'", name);
			for (j = 0; j < config_setting_length(s); j++) {
				const config_setting_t *c = config_setting_get_elem(s, j);

				snprintf(path, sizeof(path), "%s.%s", name, config_setting_name(c));
				if (find_key(path) == NULL && !is_list_key(path))
					return err_at(c, "unknown setting '%s'", path);
			}
			continue;
		}
		if (find_key(name) == NULL || strchr(name, '.') != NULL)
			return err_at(s, "unknown setting '%s'", name);
	}
	return 0;
}

static int
get_int(const config_setting_t *s, const char *what, int64_t lo, int64_t hi, int64_t *v)
{
	int t = config_setting_type(s);

	*v = 0;
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return err_at(s, "%s: expected an integer", what);
	*v = config_setting_get_int64(s);
	if (*v < lo || *v > hi)
		return err_at(s, "%s: %" PRId64 " is out of range %" PRId64 "..%" PRId64, what, *v, lo,
			hi);
	return 0;
}

static int
get_str(const config_setting_t *s, const char *what, const char **v)
{
	*v = NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return err_at(s, "%s: expected a string", what);
	*v = config_setting_get_string(s);
	return 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A 128-bit secret, written as the 32 hex digits od(1) prints, first byte first. The message
 * never repeats the value: even a malformed secret should not end up in a log.
 */
static int
load_key128(struct slb_cfg *cfg, const config_setting_t *s, const struct cfg_key *k)
{
	struct slb_key128 key;
	const char *str;
	bool set = true;
	size_t i, len;
	int hi, lo;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return err_at(s, "%s: expected a string of 32 hex digits (a 128-bit key), e.g. "
			"made by od -An -tx1 -N16 /dev/urandom | tr -d ' \\n'", k->path);
	str = config_setting_get_string(s);
	len = strlen(str);
	if (len != 2 * SLB_KEY_LEN)
		return err_at(s, "%s: expected 32 hex digits (a 128-bit key), found %zu characters",
			k->path, len);
	for (i = 0; i < SLB_KEY_LEN; i++) {
		hi = hex_digit(str[2 * i]);
		lo = hex_digit(str[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return err_at(s, "%s: expected 32 hex digits (a 128-bit key), "
				"character %zu is not a hex digit", k->path,
				2 * i + (hi < 0 ? 1 : 2));
		key.b[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy((uint8_t *)cfg + k->off, &key, sizeof(key));
	memcpy((uint8_t *)cfg + k->set_off, &set, sizeof(set));
	return 0;
}

/* A name out of k->names; its index is what the dataplane stores. */
static int
get_enum(const config_setting_t *s, const struct cfg_key *k, int64_t *v)
{
	char list[128] = "";
	const char *str;
	size_t i;

	*v = 0;
	if (get_str(s, k->path, &str) < 0)
		return -1;
	for (i = 0; i <= k->max; i++)
		if (strcmp(k->names[i], str) == 0) {
			*v = (int64_t)i;
			return 0;
		}
	for (i = 0; i <= k->max; i++) {
		if (i != 0)
			strncat(list, i == k->max ? " or " : ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, "\"", sizeof(list) - strlen(list) - 1);
		strncat(list, k->names[i], sizeof(list) - strlen(list) - 1);
		strncat(list, "\"", sizeof(list) - strlen(list) - 1);
	}
	return err_at(s, "%s: '%s': expected %s", k->path, str, list);
}

static int
load_key(struct slb_cfg *cfg, const config_t *lc, const struct cfg_key *k)
{
	const config_setting_t *s = config_lookup(lc, k->path);
	uint8_t *dst = (uint8_t *)cfg + k->off;
	const char *str;
	uint32_t ip;
	int64_t v;

	if (k->type == K_KEY128)
		return s != NULL ? load_key128(cfg, s, k) : 0; /* absent: _set stays false */
	if (k->type == K_STR) {
		str = k->sdef;
		if (s != NULL && get_str(s, k->path, &str) < 0)
			return -1;
		if (strlen(str) >= k->max)
			return err_at(s, "%s: longer than %" PRIu64 " characters", k->path,
				k->max - 1);
		memcpy(dst, str, strlen(str) + 1);
		return 0;
	}
	if (s == NULL) {
		v = (int64_t)k->def;
	} else {
		switch (k->type) {
		case K_U32:
		case K_U64:
			if (get_int(s, k->path, (int64_t)k->min, (int64_t)k->max, &v) < 0)
				return -1;
			if ((k->flags & K_POW2) && (v & (v - 1)) != 0)
				return err_at(s, "%s: %" PRId64 " is not a power of two", k->path, v);
			break;
		case K_BOOL:
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return err_at(s, "%s: expected true or false", k->path);
			v = config_setting_get_bool(s);
			break;
		case K_IPV4:
			if (get_str(s, k->path, &str) < 0)
				return -1;
			if (parse_ipv4(str, &ip) < 0 || ip == 0)
				return err_at(s, "%s: '%s' is not an IPv4 address", k->path, str);
			v = ip;
			break;
		case K_ENUM:
			if (get_enum(s, k, &v) < 0)
				return -1;
			break;
		default:
			return err_at(s, "%s: internal error: bad key type", k->path);
		}
	}
	switch (k->type) {
	case K_U32:
	case K_IPV4:
	case K_ENUM: {
		uint32_t u = (uint32_t)v;
		memcpy(dst, &u, sizeof(u));
		break;
	}
	case K_U64: {
		uint64_t u = (uint64_t)v;
		memcpy(dst, &u, sizeof(u));
		break;
	}
	case K_BOOL: {
		bool b = v != 0;
		memcpy(dst, &b, sizeof(b));
		break;
	}
	case K_KEY128:
	case K_STR:
		break;
	}
	return 0;
}

/* Members a group element may have; anything else is a typo. */
static int
check_members(const config_setting_t *g, const char *what, const char *const *allowed, size_t n)
{
	int i;
	size_t j;

	for (i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *c = config_setting_get_elem(g, i);
		const char *name = config_setting_name(c);

		for (j = 0; j < n; j++)
			if (strcmp(allowed[j], name) == 0)
				break;
		if (j == n)
			return err_at(c, "%s: unknown setting '%s'", what, name);
	}
	return 0;
}

static int
load_eal(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "eal");
	const char *str;
	int i, n;

	if (s == NULL)
		return 0;
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
		return err_at(s, "eal: expected a list of strings");
	n = config_setting_length(s);
	if (n > SLB_CFG_MAX_EAL - 1)
		return err_at(s, "eal: %d arguments, at most %d", n, SLB_CFG_MAX_EAL - 1);
	for (i = 0; i < n; i++) {
		if (get_str(config_setting_get_elem(s, i), "eal", &str) < 0)
			return -1;
		cfg->eal_argv[cfg->eal_argc] = strdup(str);
		if (cfg->eal_argv[cfg->eal_argc] == NULL)
			return err_at(s, "eal: out of memory");
		cfg->eal_argc++;
	}
	return 0;
}

static uint32_t
mask_of(uint8_t plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

static int
parse_prefix(const config_setting_t *s, const char *what, struct slb_cfg_addr *a)
{
	char buf[32], *slash, *end;
	const char *str = NULL;
	unsigned long plen;

	if (get_str(s, what, &str) < 0)
		return -1;
	if (strlen(str) >= sizeof(buf))
		return err_at(s, "%s: '%s' is not a.b.c.d/len", what, str);
	strcpy(buf, str);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return err_at(s, "%s: '%s' needs a /prefix length", what, str);
	*slash = '\0';
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == slash + 1 || plen < 1 || plen > 32)
		return err_at(s, "%s: '%s': prefix length must be 1..32", what, str);
	if (parse_ipv4(buf, &a->ip) < 0 || a->ip == 0)
		return err_at(s, "%s: '%s' is not an IPv4 address", what, str);
	a->plen = (uint8_t)plen;
	return 0;
}

static int
load_port(struct slb_cfg *cfg, const config_setting_t *g, struct slb_cfg_port *p)
{
	static const char *const members[] = {"name", "device", "addresses", "role", "mtu"};
	const config_setting_t *s;
	const char *str;
	int64_t v;
	uint32_t i;
	int j;

	if (!config_setting_is_group(g))
		return err_at(g, "ports: each port is a group { name = ...; device = ...; ... }");
	if (check_members(g, "ports", members, RTE_DIM(members)) < 0)
		return -1;
	p->line = config_setting_source_line(g);

	s = config_setting_get_member(g, "name");
	if (s == NULL)
		return err_at(g, "ports: a port needs a name");
	if (get_str(s, "name", &str) < 0)
		return -1;
	if (str[0] == '\0' || strlen(str) >= SLB_CFG_NAME_LEN)
		return err_at(s, "name: 1..%d characters", SLB_CFG_NAME_LEN - 1);
	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->port[i].name, str) == 0)
			return err_at(s, "name: port '%s' is defined twice", str);
	strcpy(p->name, str);

	s = config_setting_get_member(g, "device");
	if (s == NULL)
		return err_at(g, "port %s: needs a device (\"net_tap0,iface=x\", a PCI address...)",
			p->name);
	if (get_str(s, "device", &str) < 0)
		return -1;
	if (str[0] == '\0' || strlen(str) >= SLB_CFG_DEV_LEN)
		return err_at(s, "device: 1..%d characters", SLB_CFG_DEV_LEN - 1);
	strcpy(p->device, str);

	s = config_setting_get_member(g, "addresses");
	if (s == NULL)
		return err_at(g, "port %s: needs addresses = [\"a.b.c.d/len\"]", p->name);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (parse_prefix(s, "addresses", &p->addr[0]) < 0)
			return -1;
		p->nb_addr = 1;
	} else {
		if (!config_setting_is_aggregate(s) || config_setting_is_group(s) ||
				config_setting_length(s) < 1 ||
				config_setting_length(s) > SLB_CFG_MAX_ADDRS)
			return err_at(s, "addresses: a list of 1..%d \"a.b.c.d/len\"",
				SLB_CFG_MAX_ADDRS);
		for (j = 0; j < config_setting_length(s); j++)
			if (parse_prefix(config_setting_get_elem(s, j), "addresses",
					&p->addr[p->nb_addr++]) < 0)
				return -1;
	}

	p->role = SLB_ROLE_BOTH;
	s = config_setting_get_member(g, "role");
	if (s != NULL) {
		if (get_str(s, "role", &str) < 0)
			return -1;
		if (strcmp(str, "caller") == 0)
			p->role = SLB_ROLE_CALLER;
		else if (strcmp(str, "backend") == 0)
			p->role = SLB_ROLE_BACKEND;
		else if (strcmp(str, "both") == 0)
			p->role = SLB_ROLE_BOTH;
		else
			return err_at(s, "role: '%s': expected \"caller\", \"backend\" or \"both\"",
				str);
	}

	p->mtu = 1500;
	s = config_setting_get_member(g, "mtu");
	if (s != NULL) {
		if (get_int(s, "mtu", 576, 9600, &v) < 0)
			return -1;
		p->mtu = (uint32_t)v;
	}
	return 0;
}

static int
load_ports(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "ports");
	int i, n;

	if (s == NULL)
		return err_at(NULL, "ports: at least one port is needed");
	if (!config_setting_is_list(s))
		return err_at(s, "ports: expected a list: ports = ( { ... }, { ... } );");
	n = config_setting_length(s);
	if (n < 1 || n > SLB_CFG_MAX_PORTS)
		return err_at(s, "ports: 1..%d ports", SLB_CFG_MAX_PORTS);
	for (i = 0; i < n; i++) {
		if (load_port(cfg, config_setting_get_elem(s, i), &cfg->port[cfg->nb_ports]) < 0)
			return -1;
		cfg->nb_ports++;
	}
	return 0;
}

static int
load_backend(struct slb_cfg *cfg, const config_setting_t *g, struct slb_be *b)
{
	static const char *const members[] = {"id", "name", "address", "port", "weight", "state"};
	const config_setting_t *s;
	const char *str;
	char ipbuf[16];
	int64_t v;
	uint32_t i;

	if (!config_setting_is_group(g))
		return err_at(g, "backends: each backend is a group { id = ...; address = ...; }");
	if (check_members(g, "backends", members, RTE_DIM(members)) < 0)
		return -1;

	s = config_setting_get_member(g, "id");
	if (s == NULL)
		return err_at(g, "backends: a backend needs an id (0..%d)", SLB_BE_ID_MAX - 1);
	if (get_int(s, "id", 0, SLB_BE_ID_MAX - 1, &v) < 0)
		return -1;
	b->id = (uint16_t)v;
	for (i = 0; i < cfg->nb_be; i++)
		if (cfg->be[i].id == b->id)
			return err_at(s, "id: backend id %u is used twice", b->id);

	s = config_setting_get_member(g, "name");
	if (s != NULL) {
		if (get_str(s, "name", &str) < 0)
			return -1;
		if (str[0] == '\0' || strlen(str) >= SLB_BE_NAME_LEN)
			return err_at(s, "name: 1..%d characters", SLB_BE_NAME_LEN - 1);
		strcpy(b->name, str);
	} else {
		snprintf(b->name, sizeof(b->name), "be%u", b->id);
	}

	s = config_setting_get_member(g, "address");
	if (s == NULL)
		return err_at(g, "backend %s: needs an address (IPv4 literal)", b->name);
	if (get_str(s, "address", &str) < 0)
		return -1;
	if (parse_ipv4(str, &b->ip) < 0 || b->ip == 0)
		return err_at(s, "address: '%s' is not an IPv4 address", str);

	b->port = 5060;
	s = config_setting_get_member(g, "port");
	if (s != NULL) {
		if (get_int(s, "port", 1, 65535, &v) < 0)
			return -1;
		b->port = (uint16_t)v;
	}
	for (i = 0; i < cfg->nb_be; i++)
		if (cfg->be[i].ip == b->ip && cfg->be[i].port == b->port)
			return err_at(g, "backend %s: %s:%u is also backend %s", b->name,
				slb_cfg_ip_str(b->ip, ipbuf), b->port, cfg->be[i].name);

	b->weight = 100;
	s = config_setting_get_member(g, "weight");
	if (s != NULL) {
		if (get_int(s, "weight", 0, 65535, &v) < 0)
			return -1;
		b->weight = (uint16_t)v;
	}

	b->state = SLB_BE_UP;
	s = config_setting_get_member(g, "state");
	if (s != NULL) {
		if (get_str(s, "state", &str) < 0)
			return -1;
		if (strcmp(str, "up") == 0)
			b->state = SLB_BE_UP;
		else if (strcmp(str, "drain") == 0)
			b->state = SLB_BE_DRAIN;
		else if (strcmp(str, "down") == 0)
			b->state = SLB_BE_DOWN;
		else
			return err_at(s, "state: '%s': expected \"up\", \"drain\" or \"down\"", str);
	}
	return 0;
}

static int
load_backends(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "backends");
	int i, n;

	if (s == NULL)
		return err_at(NULL, "backends: at least one backend is needed");
	if (!config_setting_is_list(s))
		return err_at(s, "backends: expected a list: backends = ( { ... }, { ... } );");
	n = config_setting_length(s);
	if (n < 1 || n > SLB_BE_MAX)
		return err_at(s, "backends: 1..%d backends", SLB_BE_MAX);
	for (i = 0; i < n; i++) {
		if (load_backend(cfg, config_setting_get_elem(s, i), &cfg->be[cfg->nb_be]) < 0)
			return -1;
		cfg->nb_be++;
	}
	return 0;
}

/*
 * caller_networks = [ "198.18.1.0/24" ]: networks a request from a backend may be forwarded to
 * without our Route in it. A prefix with host bits set is refused: it is more likely a host
 * address typed by mistake than a network.
 */
/*
 * control.reply_codes: "any" (the default: any final response means alive), or a list of
 * status codes and ranges, [ "200", "400-499" ], of the replies to a probe that count as alive.
 */
static int
load_reply_codes(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "control.reply_codes");
	const char *str;
	int i, n;

	cfg->ctl_nb_codes = 0;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
			strcmp(config_setting_get_string(s), "any") == 0)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return err_at(s, "control.reply_codes: expected \"any\" or a list such as "
			"[ \"200\", \"400-499\" ]");
	n = config_setting_length(s);
	if (n < 1 || n > SLB_CFG_MAX_CODES)
		return err_at(s, "control.reply_codes: 1..%d codes or ranges", SLB_CFG_MAX_CODES);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		unsigned int lo, hi;

		if (config_setting_type(e) == CONFIG_TYPE_INT) {
			lo = hi = (unsigned int)config_setting_get_int(e);
		} else if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			char *end;

			str = config_setting_get_string(e);
			lo = hi = (unsigned int)strtoul(str, &end, 10);
			if (end != str && *end == '-')
				hi = (unsigned int)strtoul(end + 1, &end, 10);
			if (end == str || *end != '\0' || str[0] < '0' || str[0] > '9')
				return err_at(e, "control.reply_codes: '%s' is not a code or "
					"\"lo-hi\"", str);
		} else {
			return err_at(e, "control.reply_codes: expected a code or \"lo-hi\"");
		}
		if (lo < 100 || hi > 699 || lo > hi)
			return err_at(e, "control.reply_codes: %u-%u is not a range within 100..699",
				lo, hi);
		cfg->ctl_code_lo[cfg->ctl_nb_codes] = (uint16_t)lo;
		cfg->ctl_code_hi[cfg->ctl_nb_codes] = (uint16_t)hi;
		cfg->ctl_nb_codes++;
	}
	return 0;
}

/* control.shm names a file under /dev/shm: one path component of safe characters. */
static int
check_control(const struct slb_cfg *cfg, const config_t *lc)
{
	const char *p;

	if (cfg->ctl_shm[0] == '\0')
		return err_at(config_lookup(lc, "control.shm"), "control.shm: empty");
	for (p = cfg->ctl_shm; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return err_at(config_lookup(lc, "control.shm"),
				"control.shm: '%s': letters, digits, '.', '_' and '-' only (a name "
				"under /dev/shm)", cfg->ctl_shm);
	if (cfg->ctl_socket[0] != '/')
		return err_at(config_lookup(lc, "control.socket"),
			"control.socket: '%s' is not an absolute path", cfg->ctl_socket);
	if (cfg->ctl_probe_timeout_ms > cfg->ctl_probe_interval_ms)
		return err_at(config_lookup(lc, "control.probe_timeout_ms"),
			"control.probe_timeout_ms: %u is longer than control.probe_interval_ms (%u)",
			cfg->ctl_probe_timeout_ms, cfg->ctl_probe_interval_ms);
	return 0;
}

/* "host:port" with a host of safe characters and a port in 1..65535. */
static int
check_host_port(const config_setting_t *where, const char *what, const char *v)
{
	const char *colon = strrchr(v, ':'), *p;
	char *end;
	unsigned long port;

	if (colon == NULL || colon == v)
		return err_at(where, "%s: '%s' is not \"host:port\"", what, v);
	for (p = v; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return err_at(where, "%s: '%s': the host has a character that is not a "
				"letter, digit, '.' or '-'", what, v);
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || port == 0 || port > 65535)
		return err_at(where, "%s: '%s': the port is not in 1..65535", what, v);
	return 0;
}

/*
 * redis.sentinels = [ "127.0.0.1:26379", ... ]: with sentinels, siplb-control asks them for
 * redis.master's address and follows a failover; redis.address is then unused.
 */
static int
load_redis(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "redis.sentinels");
	const config_setting_t *e;
	const char *v;
	int i, n;

	if (check_host_port(config_lookup(lc, "redis.address"), "redis.address",
			cfg->redis_address) < 0)
		return -1;
	if (cfg->redis_prefix[0] == '\0')
		return err_at(config_lookup(lc, "redis.prefix"), "redis.prefix: empty (two "
			"uses of one Redis would share keys)");
	for (v = cfg->redis_instance; *v != '\0'; v++)
		if (*v <= ' ' || *v > '~')
			return err_at(config_lookup(lc, "redis.instance"), "redis.instance: '%s': "
				"printable characters without spaces only", cfg->redis_instance);
	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return err_at(s, "redis.sentinels: expected a list: [ \"host:port\", ... ]");
	n = config_setting_length(s);
	if (n > SLB_CFG_MAX_SENTINELS)
		return err_at(s, "redis.sentinels: %d sentinels, at most %d", n,
			SLB_CFG_MAX_SENTINELS);
	if (n > 0 && cfg->redis_master[0] == '\0')
		return err_at(config_lookup(lc, "redis.master"), "redis.master: empty, but "
			"sentinels are configured");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		v = config_setting_get_string(e);
		if (v == NULL)
			return err_at(e, "redis.sentinels: expected a string \"host:port\"");
		if (strlen(v) >= SLB_CFG_ADDR_LEN)
			return err_at(e, "redis.sentinels: '%s' is too long", v);
		if (check_host_port(e, "redis.sentinels", v) < 0)
			return -1;
		snprintf(cfg->redis_sentinels[i], SLB_CFG_ADDR_LEN, "%s", v);
		cfg->redis_nb_sentinels++;
	}
	return 0;
}

static int
load_caller_networks(struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "caller_networks");
	struct slb_cfg_addr *a;
	char ipbuf[16];
	int i, n;

	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return err_at(s, "caller_networks: expected a list: [ \"a.b.c.d/len\", ... ]");
	n = config_setting_length(s);
	if (n > SLB_CFG_MAX_NETS)
		return err_at(s, "caller_networks: %d networks, at most %d", n, SLB_CFG_MAX_NETS);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		a = &cfg->caller_networks[i];
		if (parse_prefix(e, "caller_networks", a) < 0)
			return -1;
		if ((a->ip & ~mask_of(a->plen)) != 0)
			return err_at(e, "caller_networks: '%s' has host bits set: the network is "
				"%s/%u", config_setting_get_string(e),
				slb_cfg_ip_str(a->ip & mask_of(a->plen), ipbuf), a->plen);
		cfg->nb_caller_networks++;
	}
	return 0;
}

/* sip_errors = { truncated = "drop"; via = "callid"; }: names are slb_sip_err_name()'s. */
static int
load_policy(struct slb_cfg *cfg, const config_t *lc)
{
	static const char *const actions[] = {
		[SLB_SIP_ACT_FORWARD] = "forward",
		[SLB_SIP_ACT_CALLID] = "callid",
		[SLB_SIP_ACT_DROP] = "drop",
	};
	const config_setting_t *g = config_lookup(lc, "sip_errors");
	const char *str;
	int i, e;
	size_t a;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g))
		return err_at(g, "sip_errors: expected a group: sip_errors = { truncated = \"drop\"; }");
	for (i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *name = config_setting_name(s);

		for (e = SLB_SIP_OK + 1; e < SLB_SIP_E__COUNT; e++)
			if (strcmp(slb_sip_err_name((enum slb_sip_err)e), name) == 0)
				break;
		if (e == SLB_SIP_E__COUNT)
			return err_at(s, "sip_errors: '%s' is not a SIP error name (see siplb-parse)",
				name);
		if (get_str(s, name, &str) < 0)
			return -1;
		for (a = 0; a < RTE_DIM(actions); a++)
			if (strcmp(actions[a], str) == 0)
				break;
		if (a == RTE_DIM(actions))
			return err_at(s, "%s: '%s': expected \"forward\", \"callid\" or \"drop\"", name,
				str);
		cfg->policy_override[e] = (uint8_t)(a + 1);
	}
	return 0;
}

/* Why no host can have address ip whatever its prefix, or NULL. */
static const char *
reserved_why(uint32_t ip)
{
	if (ip == UINT32_MAX)
		return "the limited broadcast address";
	if ((ip >> 24) == 0)
		return "in 0.0.0.0/8 (\"this network\", not a host's)";
	if ((ip >> 24) == 127)
		return "a loopback address (127.0.0.0/8)";
	if ((ip >> 28) == 0xe)
		return "a multicast address (224.0.0.0/4)";
	if ((ip >> 28) == 0xf)
		return "a class E address (240.0.0.0/4, reserved)";
	return NULL;
}

/*
 * Why ip cannot be a host on prefix pfx, or NULL (also when ip is not on it). /31 and /32 have
 * neither a network nor a broadcast address (RFC 3021).
 */
static const char *
edge_why(uint32_t ip, const struct slb_cfg_addr *pfx)
{
	uint32_t mask = mask_of(pfx->plen);

	if (pfx->plen > 30 || ((ip ^ pfx->ip) & mask) != 0)
		return NULL;
	if ((ip & ~mask) == 0)
		return "the network address";
	if ((ip & ~mask) == ~mask)
		return "the broadcast address";
	return NULL;
}

/* The setting of a port's address a (addresses is a string or a list), for its line. */
static const config_setting_t *
addr_setting(const config_setting_t *ps, uint32_t a)
{
	const config_setting_t *s = config_setting_get_member(ps, "addresses");

	if (s == NULL || config_setting_type(s) == CONFIG_TYPE_STRING)
		return s != NULL ? s : ps;
	return config_setting_get_elem(s, a) != NULL ? config_setting_get_elem(s, a) : s;
}

/*
 * Someone else's address (a backend's, the gateway's) on net's ports: not one of ours, not
 * reserved, not the network or broadcast address of a port prefix it is on. who names it.
 */
static int
check_host(const struct slb_cfg *net, const config_setting_t *s, const char *who, uint32_t ip)
{
	char ipbuf[16], netbuf[16];
	const char *why;
	uint32_t i, a;

	for (i = 0; i < net->nb_ports; i++)
		for (a = 0; a < net->port[i].nb_addr; a++)
			if (net->port[i].addr[a].ip == ip)
				return err_at(s, "%s: %s is our own address (port %s)", who,
					slb_cfg_ip_str(ip, ipbuf), net->port[i].name);
	why = reserved_why(ip);
	if (why != NULL)
		return err_at(s, "%s: %s is %s", who, slb_cfg_ip_str(ip, ipbuf), why);
	for (i = 0; i < net->nb_ports; i++)
		for (a = 0; a < net->port[i].nb_addr; a++) {
			const struct slb_cfg_addr *pfx = &net->port[i].addr[a];

			why = edge_why(ip, pfx);
			if (why != NULL)
				return err_at(s, "%s: %s is %s of %s/%u (port %s)", who,
					slb_cfg_ip_str(ip, ipbuf), why,
					slb_cfg_ip_str(pfx->ip & mask_of(pfx->plen), netbuf),
					pfx->plen, net->port[i].name);
		}
	return 0;
}

/*
 * Port p's address a against its own prefix, and its prefix against the other ports': two ports
 * whose prefixes overlap would each claim the destinations of both. Prefixes of one port may
 * overlap (secondary addresses).
 */
static int
check_port_addr(const struct slb_cfg *cfg, uint32_t p, uint32_t a, const config_setting_t *s)
{
	const struct slb_cfg_port *port = &cfg->port[p];
	const struct slb_cfg_addr *ad = &port->addr[a];
	char ipbuf[16], netbuf[16];
	const char *why;
	uint32_t j, b, mask;

	why = reserved_why(ad->ip);
	if (why != NULL)
		return err_at(s, "port %s: address %s is %s", port->name,
			slb_cfg_ip_str(ad->ip, ipbuf), why);
	why = edge_why(ad->ip, ad);
	if (why != NULL)
		return err_at(s, "port %s: address %s is %s of its prefix %s/%u", port->name,
			slb_cfg_ip_str(ad->ip, ipbuf), why,
			slb_cfg_ip_str(ad->ip & mask_of(ad->plen), netbuf), ad->plen);
	for (j = 0; j < p; j++)
		for (b = 0; b < cfg->port[j].nb_addr; b++) {
			const struct slb_cfg_addr *o = &cfg->port[j].addr[b];

			mask = mask_of(RTE_MIN(ad->plen, o->plen));
			if (((ad->ip ^ o->ip) & mask) == 0)
				return err_at(s, "port %s: prefix %s/%u overlaps %s/%u of port %s: "
					"a destination must be on one port only", port->name,
					slb_cfg_ip_str(ad->ip, ipbuf), ad->plen,
					slb_cfg_ip_str(o->ip, netbuf), o->plen, cfg->port[j].name);
		}
	return 0;
}

static int
check_ports(const struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *ports = config_lookup(lc, "ports");
	uint32_t roles = 0, i, j, k, a;
	char ipbuf[16];

	for (i = 0; i < cfg->nb_ports; i++) {
		const struct slb_cfg_port *p = &cfg->port[i];
		const config_setting_t *ps = config_setting_get_elem(ports, i);

		roles |= p->role;
		if (p->mtu + 14 + RTE_PKTMBUF_HEADROOM > cfg->pool_data_room)
			return err_at(ps, "port %s: mtu %u needs mempool.data_room >= %u", p->name,
				p->mtu, p->mtu + 14 + RTE_PKTMBUF_HEADROOM);
		for (a = 0; a < p->nb_addr; a++) {
			for (j = 0; j <= i; j++)
				for (k = 0; k < (j == i ? a : cfg->port[j].nb_addr); k++)
					if (cfg->port[j].addr[k].ip == p->addr[a].ip)
						return err_at(ps, "port %s: address %s is used twice",
							p->name,
							slb_cfg_ip_str(p->addr[a].ip, ipbuf));
			if (check_port_addr(cfg, i, a, addr_setting(ps, a)) < 0)
				return -1;
		}
	}
	if ((roles & SLB_ROLE_CALLER) == 0)
		return err_at(ports, "ports: no port has role \"caller\" or \"both\"");
	if ((roles & SLB_ROLE_BACKEND) == 0)
		return err_at(ports, "ports: no port has role \"backend\" or \"both\"");
	return 0;
}

static int
check_gateway(const struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "gateway");
	struct slb_addr_tbl t;
	char ipbuf[16];
	uint32_t i;

	if (cfg->gateway == 0)
		return 0;
	if (check_host(cfg, s, "gateway", cfg->gateway) < 0)
		return -1;
	slb_addr_build(&t, cfg);
	for (i = 0; i < t.nb_route; i++)
		if ((cfg->gateway & t.route[i].mask) == t.route[i].net)
			return 0;
	return err_at(s, "gateway: %s is on no port's prefix", slb_cfg_ip_str(cfg->gateway, ipbuf));
}

/*
 * The backends of cfg against the ports and gateway of net: at start net is cfg itself, on a
 * reload it is the running configuration, whose ports cannot change. The route is looked up as
 * the dataplane does it (slb_addr_route()), so what is checked is where packets really leave.
 */
static int
check_backends(const struct slb_cfg *net, const struct slb_cfg *cfg, const config_t *lc)
{
	static const char take_none[] = "no backend takes new calls (each has weight 0 or "
		"state \"drain\" or \"down\")";
	const config_setting_t *bes = config_lookup(lc, "backends");
	char who[16 + SLB_BE_NAME_LEN], ipbuf[16], gwbuf[16];
	struct slb_addr_tbl t;
	uint32_t i, nh, takes = 0;
	int pidx;

	slb_addr_build(&t, net);
	for (i = 0; i < cfg->nb_be; i++) {
		const struct slb_be *b = &cfg->be[i];
		const config_setting_t *s = config_setting_get_elem(bes, i);

		snprintf(who, sizeof(who), "backend %s", b->name);
		if (check_host(net, s, who, b->ip) < 0)
			return -1;
		pidx = slb_addr_route(&t, b->ip, SLB_ROLE_BACKEND, &nh);
		if (pidx < 0)
			return err_at(s, "%s: %s is on no backend-side prefix and there is no "
				"gateway", who, slb_cfg_ip_str(b->ip, ipbuf));
		if ((net->port[pidx].role & SLB_ROLE_BACKEND) == 0) {
			if (nh == b->ip)
				return err_at(s, "%s: %s is on-link only on port %s, whose role is "
					"\"caller\": a backend must be reached through a port of "
					"role \"backend\" or \"both\"", who,
					slb_cfg_ip_str(b->ip, ipbuf), net->port[pidx].name);
			return err_at(s, "%s: %s is reached through the gateway %s on port %s, "
				"whose role is \"caller\": a backend must be reached through a port "
				"of role \"backend\" or \"both\"", who, slb_cfg_ip_str(b->ip, ipbuf),
				slb_cfg_ip_str(nh, gwbuf), net->port[pidx].name);
		}
		if (b->state == SLB_BE_UP && b->weight != 0)
			takes++;
	}
	if (takes != 0)
		return 0;
	if (cfg->require_backend)
		return err_at(bes, "backends: %s and require_backend is true", take_none);
	warn_at(bes, "backends: %s: new calls will find no backend", take_none);
	return 0;
}

uint32_t
slb_cfg_pool_cache(uint32_t n, uint32_t want, uint32_t workers)
{
	uint32_t max = n / (2 * (workers + 1));

	if (max > RTE_MEMPOOL_CACHE_MAX_SIZE)
		max = RTE_MEMPOOL_CACHE_MAX_SIZE;
	return want < max ? want : max;
}

/*
 * The main pool's budget. An mbuf of the main pool can be held, all at once and at worst, by:
 *   per port:   rx_desc in each rx queue and tx_desc in each tx queue (up to one queue of each
 *               per worker; a device with fewer only needs less);
 *   per worker: its fragment ring (with 2 workers or more), its ARP-wait queue (pending), a tx
 *               buffer per port (tx_burst), and its reassembly table (frag.max_entries datagrams
 *               of up to RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments, held until frag.timeout_ms);
 *   each lcore's mempool cache (workers + the main one), which holds up to 1.5 times its size
 *               before it flushes (DPDK's flush threshold).
 * Add one rx burst per worker in hand while its descriptors are refilled. If the sum exceeds
 * mempool.size, a flood that fills the holders (first fragments that never complete, packets
 * waiting for ARP, a stalled link) leaves the NIC nothing to refill rx with: rx stops, and with
 * it the traffic that would free them. Descriptor counts are the config's; a device that rounds
 * them up is not known here.
 */
static int
check_budget(const struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "mempool.size");
	uint64_t w = cfg->workers, rx, tx, ring, per_worker, cache, caches, in_hand, sum;

	rx = (uint64_t)cfg->nb_ports * w * cfg->rx_desc;
	tx = (uint64_t)cfg->nb_ports * w * cfg->tx_desc;
	ring = w > 1 ? cfg->frag_ring : 0;
	per_worker = ring + cfg->pending + (uint64_t)cfg->nb_ports * cfg->tx_burst +
		(uint64_t)cfg->frag_max_entries * RTE_LIBRTE_IP_FRAG_MAX_FRAG;
	cache = slb_cfg_pool_cache(cfg->pool_size, cfg->pool_cache, cfg->workers);
	caches = (w + 1) * (cache * 3 / 2);
	in_hand = w * cfg->rx_burst;
	sum = rx + tx + w * per_worker + caches + in_hand;
	if (sum <= cfg->pool_size)
		return 0;
	if (s == NULL)
		s = config_lookup(lc, "workers");
	return err_at(s, "mempool.size: %u is less than the %" PRIu64 " mbufs that may be held "
		"at once: rx descriptors %" PRIu64 " (%u ports x %" PRIu64 " queues x %u) "
		"+ tx descriptors %" PRIu64 " (%u ports x %" PRIu64 " queues x %u) "
		"+ %" PRIu64 " workers x %" PRIu64 " (frag_ring %" PRIu64 " + pending %u "
		"+ tx_burst %u x %u ports + frag.max_entries %u x %d fragments) "
		"+ caches %" PRIu64 " (%" PRIu64 " lcores x 1.5 x %" PRIu64 ") "
		"+ rx bursts in hand %" PRIu64 " (%" PRIu64 " workers x %u): lower workers, the "
		"queue sizes or frag.max_entries, or raise mempool.size", cfg->pool_size, sum, rx,
		cfg->nb_ports, w, cfg->rx_desc, tx, cfg->nb_ports, w, cfg->tx_desc, w, per_worker,
		ring, cfg->pending, cfg->tx_burst, cfg->nb_ports, cfg->frag_max_entries,
		RTE_LIBRTE_IP_FRAG_MAX_FRAG, caches, w + 1, cache, in_hand, w, cfg->rx_burst);
}

static bool
same_port(const struct slb_cfg_port *p, const struct slb_cfg_port *r, const char **what)
{
	uint32_t a;

	*what = strcmp(p->name, r->name) != 0 ? "name" :
		strcmp(p->device, r->device) != 0 ? "device" :
		p->role != r->role ? "role" :
		p->mtu != r->mtu ? "mtu" :
		p->nb_addr != r->nb_addr ? "addresses" : NULL;
	for (a = 0; *what == NULL && a < p->nb_addr; a++)
		if (p->addr[a].ip != r->addr[a].ip || p->addr[a].plen != r->addr[a].plen)
			*what = "addresses";
	return *what == NULL;
}

/*
 * A reload applies the backends only: the ports, their addresses and the gateway stay those the
 * dataplane started with (devices, queues, routes and neighbours were built from them). A file
 * that changes them is refused rather than half applied.
 */
static int
check_same_net(const struct slb_cfg *running, const struct slb_cfg *cfg, const config_t *lc)
{
	const config_setting_t *ports = config_lookup(lc, "ports");
	char ipbuf[16], runbuf[16];
	const char *what;
	uint32_t i;

	if (cfg->nb_ports != running->nb_ports)
		return err_at(ports, "ports: %u ports, the running dataplane has %u: ports need a "
			"restart", cfg->nb_ports, running->nb_ports);
	for (i = 0; i < cfg->nb_ports; i++)
		if (!same_port(&cfg->port[i], &running->port[i], &what))
			return err_at(config_setting_get_elem(ports, i), "port %s: %s differs from "
				"the running port %s: ports and their addresses need a restart",
				cfg->port[i].name, what, running->port[i].name);
	if (cfg->gateway != running->gateway)
		return err_at(config_lookup(lc, "gateway"), "gateway: %s differs from the running "
			"%s: the gateway needs a restart",
			cfg->gateway != 0 ? slb_cfg_ip_str(cfg->gateway, ipbuf) : "none",
			running->gateway != 0 ? slb_cfg_ip_str(running->gateway, runbuf) : "none");
	return 0;
}

/*
 * Checks across keys. Each names the setting (and its line) that has to change. running: the
 * configuration of a dataplane that reloads this file (NULL at start).
 */
static int
check_semantics(const struct slb_cfg *cfg, const config_t *lc, const struct slb_cfg *running)
{
	if ((uint64_t)cfg->pool_cache * 3 > (uint64_t)cfg->pool_size * 2)
		return err_at(config_lookup(lc, "mempool.cache"),
			"mempool.cache: %u is more than mempool.size / 1.5 (%u)", cfg->pool_cache,
			cfg->pool_size * 2 / 3);
	if (cfg->big_data_room < cfg->pool_data_room)
		return err_at(config_lookup(lc, "mempool.big_data_room"),
			"mempool.big_data_room: %u is smaller than mempool.data_room (%u)",
			cfg->big_data_room, cfg->pool_data_room);
	if (cfg->rx_burst > cfg->rx_desc)
		return err_at(config_lookup(lc, "queues.rx_burst"),
			"queues.rx_burst: %u is more than queues.rx_desc (%u)", cfg->rx_burst,
			cfg->rx_desc);
	if (cfg->tx_burst > cfg->tx_desc)
		return err_at(config_lookup(lc, "queues.tx_burst"),
			"queues.tx_burst: %u is more than queues.tx_desc (%u)", cfg->tx_burst,
			cfg->tx_desc);
	if (cfg->neigh_timeout <= cfg->neigh_reachable)
		return err_at(config_lookup(lc, "neighbour.timeout"),
			"neighbour.timeout: %u must be longer than neighbour.reachable (%u): "
			"the re-ARP happens in between", cfg->neigh_timeout, cfg->neigh_reachable);
	if ((uint64_t)cfg->frag_max_entries > (uint64_t)cfg->frag_buckets * cfg->frag_bucket_entries)
		return err_at(config_lookup(lc, "frag.max_entries"),
			"frag.max_entries: %u is more than frag.buckets * frag.bucket_entries (%u)",
			cfg->frag_max_entries, cfg->frag_buckets * cfg->frag_bucket_entries);
	if (check_budget(cfg, lc) < 0)
		return -1;
	if (check_ports(cfg, lc) < 0 || check_gateway(cfg, lc) < 0)
		return -1;
	if (running == NULL)
		return check_backends(cfg, cfg, lc);
	if (check_same_net(running, cfg, lc) < 0)
		return -1;
	return check_backends(running, cfg, lc);
}

static int
load(struct slb_cfg *cfg, const char *path, const struct slb_cfg *running)
{
	config_t lc;
	size_t i;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	cfg_file = path;
	cfg->path = strdup(path);
	if (cfg->path == NULL)
		return err_at(NULL, "out of memory");

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		else
			fprintf(stderr, "%s:%d: %s\n",
				config_error_file(&lc) ? config_error_file(&lc) : path,
				config_error_line(&lc), config_error_text(&lc));
		goto out;
	}
	if (check_unknown(config_root_setting(&lc)) < 0)
		goto out;
	for (i = 0; i < RTE_DIM(keys); i++)
		if (load_key(cfg, &lc, &keys[i]) < 0)
			goto out;
	if (load_eal(cfg, &lc) < 0 || load_ports(cfg, &lc) < 0 || load_backends(cfg, &lc) < 0 ||
			load_policy(cfg, &lc) < 0 || load_caller_networks(cfg, &lc) < 0 ||
			load_reply_codes(cfg, &lc) < 0 || check_control(cfg, &lc) < 0 ||
			load_redis(cfg, &lc) < 0 ||
			check_semantics(cfg, &lc, running) < 0)
		goto out;
	rc = 0;
out:
	config_destroy(&lc);
	return rc;
}

int
slb_cfg_load(struct slb_cfg *cfg, const char *path)
{
	return load(cfg, path, NULL);
}

int
slb_cfg_reload(struct slb_cfg *cfg, const char *path, const struct slb_cfg *running)
{
	return load(cfg, path, running);
}

int
slb_cfg_set_eal(struct slb_cfg *cfg, int argc, char **argv)
{
	int i;

	if (argc > SLB_CFG_MAX_EAL - 1) {
		fprintf(stderr, "EAL: %d arguments after --, at most %d\n", argc,
			SLB_CFG_MAX_EAL - 1);
		return -1;
	}
	for (i = 0; i < cfg->eal_argc; i++)
		free(cfg->eal_argv[i]);
	cfg->eal_argc = 0;
	for (i = 0; i < argc; i++) {
		cfg->eal_argv[i] = strdup(argv[i]);
		if (cfg->eal_argv[i] == NULL)
			return -1;
		cfg->eal_argc++;
	}
	return 0;
}

void
slb_cfg_free(struct slb_cfg *cfg)
{
	int i;

	for (i = 0; i < cfg->eal_argc; i++)
		free(cfg->eal_argv[i]);
	cfg->eal_argc = 0;
	free(cfg->path);
	cfg->path = NULL;
}
