/* test_neigh.c: the neighbour table keyed by (port, address), who may be learned, bounded locks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_timedjoin_np */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "addr.h"
#include "slb_neigh.h"
#include "slb_test.h"

#define NEIGH_ENTRIES 256
#define HOST RTE_IPV4(10, 0, 0, 7)
#define TSC 1000000u

static const struct rte_ether_addr MAC_A = {{0x02, 0, 0, 0, 0, 0xa}};
static const struct rte_ether_addr MAC_B = {{0x02, 0, 0, 0, 0, 0xb}};
static const struct rte_ether_addr MAC_C = {{0x02, 0, 0, 0, 0, 0xc}};

static struct slb_neigh_tbl *
mk_table(void)
{
	struct slb_neigh_cfg cfg = {
		.entries = NEIGH_ENTRIES,
		.reachable_tsc = 100,
		.timeout_tsc = 200,
		.retry_tsc = 10,
		.incomplete_tsc = 50,
	};
	size_t size = slb_neigh_memsize(&cfg);
	void *mem = aligned_alloc(64, (size + 63) & ~(size_t)63);

	CU_ASSERT_FATAL(size > 0 && mem != NULL);
	return slb_neigh_init(mem, &cfg);
}

static bool
same_mac(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
t_config(void)
{
	struct slb_neigh_cfg bad[] = {{.entries = 0}, {.entries = 8}, {.entries = 100}};
	struct slb_neigh_cfg good = {.entries = 64};
	void *mem = aligned_alloc(64, 64 * 1024);
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		CU_ASSERT_EQUAL(slb_neigh_memsize(&bad[i]), 0);
		CU_ASSERT_PTR_NULL(slb_neigh_init(mem, &bad[i]));
	}
	CU_ASSERT_EQUAL(slb_neigh_memsize(NULL), 0);
	CU_ASSERT(slb_neigh_memsize(&good) >= 64 * sizeof(struct slb_neigh));
	CU_ASSERT_PTR_NULL(slb_neigh_init((char *)mem + 8, &good)); /* misaligned */
	CU_ASSERT_PTR_NOT_NULL(slb_neigh_init(mem, &good));
	free(mem);
}

/* An ARP learned on port 0 answers lookups for port 0 only. */
static void
t_learned_on_one_port_only(void)
{
	struct slb_neigh_tbl *t = mk_table();
	struct slb_neigh_view v = {0};
	int idx;

	idx = slb_neigh_learn(t, 0, HOST, &MAC_A, TSC, true);
	CU_ASSERT(idx >= 0);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 1, HOST, &v), SLB_NEIGH_MISS);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), idx);
	CU_ASSERT(same_mac(&v.mac, &MAC_A));
	CU_ASSERT_EQUAL(v.pidx, 0);
	CU_ASSERT_EQUAL(v.state, SLB_NEIGH_REACHABLE);

	/* an entry waited on for port 1 stays unresolved whatever port 0 knows */
	idx = slb_neigh_want(t, 1, HOST, TSC);
	CU_ASSERT(idx >= 0);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 1, HOST, &v), idx);
	CU_ASSERT_EQUAL(v.state, SLB_NEIGH_INCOMPLETE);
	CU_ASSERT_FALSE(slb_neigh_usable(&v));
	free(t);
}

/* The same address on two ports is two entries, each changed only through its own port. */
static void
t_same_ip_two_ports(void)
{
	struct slb_neigh_tbl *t = mk_table();
	struct slb_neigh_view v = {0};
	int i0, i1;

	i0 = slb_neigh_learn(t, 0, HOST, &MAC_A, TSC, true);
	i1 = slb_neigh_learn(t, 1, HOST, &MAC_B, TSC + 1, true);
	CU_ASSERT(i0 >= 0 && i1 >= 0);
	CU_ASSERT_NOT_EQUAL(i0, i1);

	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), i0);
	CU_ASSERT(same_mac(&v.mac, &MAC_A));
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 1, HOST, &v), i1);
	CU_ASSERT(same_mac(&v.mac, &MAC_B));

	/* a refresh on port 1 leaves port 0's entry alone */
	CU_ASSERT_EQUAL(slb_neigh_learn(t, 1, HOST, &MAC_C, TSC + 2, false), i1);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), i0);
	CU_ASSERT(same_mac(&v.mac, &MAC_A));
	CU_ASSERT_EQUAL(v.stamp, TSC);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 1, HOST, &v), i1);
	CU_ASSERT(same_mac(&v.mac, &MAC_C));
	free(t);
}

/* An ARP that is not for us refreshes a known (port, address) and creates nothing. */
static void
t_refresh_creates_nothing(void)
{
	struct slb_neigh_tbl *t = mk_table();
	struct slb_neigh_view v = {0};
	int idx;

	CU_ASSERT_EQUAL(slb_neigh_learn(t, 0, HOST, &MAC_A, TSC, false), -1);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), SLB_NEIGH_MISS);

	idx = slb_neigh_learn(t, 0, HOST, &MAC_A, TSC, true);
	CU_ASSERT(idx >= 0);
	/* the same address seen on another port: not known there, so nothing */
	CU_ASSERT_EQUAL(slb_neigh_learn(t, 1, HOST, &MAC_B, TSC + 1, false), -1);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 1, HOST, &v), SLB_NEIGH_MISS);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), idx);
	CU_ASSERT(same_mac(&v.mac, &MAC_A));

	/* on its own port it moves the entry to the new MAC */
	CU_ASSERT_EQUAL(slb_neigh_learn(t, 0, HOST, &MAC_B, TSC + 2, false), idx);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), idx);
	CU_ASSERT(same_mac(&v.mac, &MAC_B));
	CU_ASSERT_EQUAL(v.stamp, TSC + 2);
	free(t);
}

static void
add_addr(struct slb_cfg *cfg, uint32_t p, uint32_t ip, uint8_t plen)
{
	struct slb_cfg_port *port = &cfg->port[p];

	port->addr[port->nb_addr].ip = ip;
	port->addr[port->nb_addr].plen = plen;
	port->nb_addr++;
	if (cfg->nb_ports <= p)
		cfg->nb_ports = p + 1;
}

/* Port 0: 10.0.0.1/24 and 10.9.9.1/31; port 1: 192.168.1.1/24 and 172.16.0.1/16. */
static void
build_addrs(struct slb_addr_tbl *at)
{
	static struct slb_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.port[0].role = SLB_ROLE_CALLER;
	cfg.port[1].role = SLB_ROLE_BACKEND;
	add_addr(&cfg, 0, RTE_IPV4(10, 0, 0, 1), 24);
	add_addr(&cfg, 0, RTE_IPV4(10, 9, 9, 1), 31);
	add_addr(&cfg, 1, RTE_IPV4(192, 168, 1, 1), 24);
	add_addr(&cfg, 1, RTE_IPV4(172, 16, 0, 1), 16);
	cfg.gateway = RTE_IPV4(10, 0, 0, 254);
	slb_addr_build(at, &cfg);
}

/* Only hosts on the receiving port's own prefixes may be learned. */
static void
t_learnable(void)
{
	static struct slb_addr_tbl at;

	build_addrs(&at);
	CU_ASSERT_TRUE(slb_addr_learnable(&at, 0, HOST));
	CU_ASSERT_TRUE(slb_addr_learnable(&at, 0, RTE_IPV4(10, 0, 0, 254))); /* the gateway */
	CU_ASSERT_TRUE(slb_addr_learnable(&at, 1, RTE_IPV4(192, 168, 1, 20)));
	CU_ASSERT_TRUE(slb_addr_learnable(&at, 1, RTE_IPV4(172, 16, 200, 3)));
	/* another port's prefix */
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 1, HOST));
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 0, RTE_IPV4(192, 168, 1, 20)));
	/* nobody's prefix */
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 0, RTE_IPV4(8, 8, 8, 8)));
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 1, RTE_IPV4(10, 0, 1, 7)));
	/* a port we do not have */
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 5, HOST));
	/* network and broadcast addresses are nobody's; a /31 has neither */
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 0, RTE_IPV4(10, 0, 0, 0)));
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 0, RTE_IPV4(10, 0, 0, 255)));
	CU_ASSERT_FALSE(slb_addr_learnable(&at, 1, RTE_IPV4(172, 16, 255, 255)));
	CU_ASSERT_TRUE(slb_addr_learnable(&at, 0, RTE_IPV4(10, 9, 9, 0)));
}

/* What arp_input() does, as data: {port, sender, target, verdict}. */
static void
t_arp_verdict(void)
{
	static const struct {
		const char *what;
		uint16_t pidx;
		uint32_t sip;
		uint32_t tip;
		enum slb_arp_verdict want;
	} cases[] = {
		{"request from a host on the port's prefix", 0, HOST, RTE_IPV4(10, 0, 0, 1),
			SLB_ARP_LEARN},
		{"second prefix of the port", 1, RTE_IPV4(172, 16, 9, 9), RTE_IPV4(192, 168, 1, 1),
			SLB_ARP_LEARN},
		{"host of port 1's prefix arriving on port 0", 0, RTE_IPV4(192, 168, 1, 20),
			RTE_IPV4(10, 0, 0, 1), SLB_ARP_OFF_PORT},
		{"host of nobody's prefix", 1, RTE_IPV4(8, 8, 8, 8), RTE_IPV4(192, 168, 1, 1),
			SLB_ARP_OFF_PORT},
		{"sender is the prefix broadcast", 0, RTE_IPV4(10, 0, 0, 255),
			RTE_IPV4(10, 0, 0, 1), SLB_ARP_OFF_PORT},
		{"address probe", 0, 0, RTE_IPV4(10, 0, 0, 1), SLB_ARP_PROBE},
		{"our port 1 address asked on port 0", 0, HOST, RTE_IPV4(192, 168, 1, 1),
			SLB_ARP_REFRESH},
		{"gratuitous ARP of an on-prefix host", 0, HOST, HOST, SLB_ARP_REFRESH},
		{"gratuitous ARP of another port's host", 0, RTE_IPV4(192, 168, 1, 20),
			RTE_IPV4(192, 168, 1, 20), SLB_ARP_OTHER},
		{"probe for someone else", 0, 0, HOST, SLB_ARP_OTHER},
		{"someone claims our address", 1, RTE_IPV4(10, 0, 0, 1), RTE_IPV4(192, 168, 1, 1),
			SLB_ARP_CLAIM},
	};
	static struct slb_addr_tbl at;
	enum slb_arp_verdict got;
	unsigned int i;

	build_addrs(&at);
	for (i = 0; i < RTE_DIM(cases); i++) {
		got = slb_addr_arp_verdict(&at, cases[i].pidx, cases[i].sip, cases[i].tip);
		if (got != cases[i].want)
			printf("\n    %s: verdict %d, want %d ", cases[i].what, got, cases[i].want);
		CU_ASSERT_EQUAL(got, cases[i].want);
	}
}

struct reader_arg {
	struct slb_neigh_tbl *t;
	uint32_t ip;
	bool read_ok;
	int lookup;
	int learn;
	int want;
};

static void *
stuck_reader(void *p)
{
	struct reader_arg *a = p;
	struct slb_neigh_view v = {0};
	uint32_t home = slb_neigh_home(a->t, 0, a->ip);

	a->read_ok = slb_neigh_read(&a->t->e[home], &v);
	a->lookup = slb_neigh_lookup(a->t, 0, a->ip, &v);
	a->learn = slb_neigh_learn(a->t, 0, a->ip, &MAC_B, TSC, true);
	a->want = slb_neigh_want(a->t, 0, a->ip, TSC);
	return NULL;
}

/*
 * A writer that stopped with the sequence odd (preempted, or gone) must not hold readers or other
 * writers: they give up and report the entry busy. Run in a thread so that a version that spins
 * for ever fails on the timeout instead of hanging the suite.
 */
static void
t_reader_bounded(void)
{
	struct slb_neigh_tbl *t = mk_table();
	struct reader_arg a = {.t = t, .ip = HOST};
	struct slb_neigh_view v = {0};
	struct timespec deadline;
	struct slb_neigh *e;
	pthread_t th;
	int idx, rc;

	idx = slb_neigh_learn(t, 0, HOST, &MAC_A, TSC, true);
	CU_ASSERT_FATAL(idx >= 0);
	e = &t->e[idx];
	__atomic_fetch_add(&e->seq, 1, __ATOMIC_RELEASE); /* a writer inside, for ever */

	CU_ASSERT_FATAL(pthread_create(&th, NULL, stuck_reader, &a) == 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	rc = pthread_timedjoin_np(th, NULL, &deadline);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0) {
		/* it spins on: leave it, exit() ends it with the process */
		pthread_detach(th);
		return;
	}
	CU_ASSERT_FALSE(a.read_ok);
	CU_ASSERT_EQUAL(a.lookup, SLB_NEIGH_BUSY);
	CU_ASSERT_EQUAL(a.learn, -1);
	CU_ASSERT_EQUAL(a.want, -1);

	/* a key whose chain does not cross the held slot is still found and learned */
	{
		uint32_t ip = HOST + 1;

		while (slb_neigh_home(t, 0, ip) == (uint32_t)idx ||
				slb_neigh_home(t, 0, ip) == ((uint32_t)idx + 1) % NEIGH_ENTRIES)
			ip++;
		CU_ASSERT(slb_neigh_learn(t, 0, ip, &MAC_C, TSC, true) >= 0);
		CU_ASSERT(slb_neigh_lookup(t, 0, ip, &v) >= 0);
	}

	/* the writer finishes: the entry is readable again, unchanged */
	__atomic_fetch_add(&e->seq, 1, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 0, HOST, &v), idx);
	CU_ASSERT(same_mac(&v.mac, &MAC_A));
	free(t);
}

static bool
take_probe(void *arg, const struct slb_neigh_probe *pr)
{
	struct slb_neigh_probe *got = arg;

	*got = *pr;
	return true;
}

/* Aging keeps the port: the re-ARP goes out where the entry was learned. */
static void
t_sweep_keeps_port(void)
{
	struct slb_neigh_tbl *t = mk_table();
	struct slb_neigh_age_result res;
	struct slb_neigh_probe got = {0};
	struct slb_neigh_view v = {0};
	int idx;

	idx = slb_neigh_learn(t, 3, HOST, &MAC_A, TSC, true);
	CU_ASSERT_FATAL(idx >= 0);
	slb_neigh_sweep(t, TSC + 150, take_probe, &got, &res);
	CU_ASSERT_EQUAL(res.used, 1);
	CU_ASSERT_EQUAL(res.probed, 1);
	CU_ASSERT_EQUAL(got.ip, HOST);
	CU_ASSERT_EQUAL(got.pidx, 3);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 3, HOST, &v), idx);
	CU_ASSERT_EQUAL(v.state, SLB_NEIGH_PROBE);
	slb_neigh_sweep(t, TSC + 250, take_probe, &got, &res);
	CU_ASSERT_EQUAL(res.failed, 1);
	CU_ASSERT_EQUAL(slb_neigh_lookup(t, 3, HOST, &v), idx);
	CU_ASSERT_FALSE(slb_neigh_usable(&v));
	free(t);
}

#define RACE_MS 200

struct race_arg {
	struct slb_neigh_tbl *t;
	pthread_barrier_t start;
	volatile bool stop;
	unsigned long reads;
	unsigned long torn;
};

/* Every byte of a MAC the writer stores is the same: a copy with mixed bytes is torn. */
static void *
race_writer(void *p)
{
	struct race_arg *a = p;
	struct rte_ether_addr mac;
	uint32_t r;

	pthread_barrier_wait(&a->start);
	for (r = 0; !a->stop; r++) {
		memset(&mac, (int)(r & 0xff), sizeof(mac));
		slb_neigh_learn(a->t, (uint16_t)(r & 1), HOST, &mac, r, true);
	}
	return NULL;
}

static void *
race_reader(void *p)
{
	struct race_arg *a = p;
	struct slb_neigh_view v = {0};
	unsigned int k;

	pthread_barrier_wait(&a->start);
	while (!a->stop) {
		if (slb_neigh_lookup(a->t, 1, HOST, &v) < 0)
			continue;
		a->reads++;
		for (k = 1; k < RTE_ETHER_ADDR_LEN; k++)
			if (v.mac.addr_bytes[k] != v.mac.addr_bytes[0])
				break;
		/* port 1 only ever gets odd rounds: its stamp and MAC agree, its port is 1 */
		if (k < RTE_ETHER_ADDR_LEN || v.pidx != 1 ||
				(v.stamp & 0xff) != v.mac.addr_bytes[0])
			a->torn++;
	}
	return NULL;
}

/* Readers never see a half-written entry, nor one of the other port's. */
static void
t_concurrent_consistent(void)
{
	struct race_arg a = {.t = mk_table()};
	struct timespec ms = {0, RACE_MS * 1000000L};
	pthread_t w, r;

	pthread_barrier_init(&a.start, NULL, 3);
	pthread_create(&r, NULL, race_reader, &a);
	pthread_create(&w, NULL, race_writer, &a);
	pthread_barrier_wait(&a.start);
	nanosleep(&ms, NULL);
	a.stop = true;
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	pthread_barrier_destroy(&a.start);
	CU_ASSERT(a.reads > 0);
	CU_ASSERT_EQUAL(a.torn, 0);
	free(a.t);
}

static CU_TestInfo tests[] = {
	{"config", t_config},
	{"learned_on_port0_not_returned_for_port1", t_learned_on_one_port_only},
	{"same_ip_two_ports_two_entries", t_same_ip_two_ports},
	{"gratuitous_refresh_creates_nothing", t_refresh_creates_nothing},
	{"off_prefix_sender_not_learnable", t_learnable},
	{"arp_verdicts", t_arp_verdict},
	{"reader_facing_odd_seq_returns", t_reader_bounded},
	{"sweep_keeps_port", t_sweep_keeps_port},
	{"concurrent_reads_consistent", t_concurrent_consistent},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("neigh", tests);
}
