/* test_be_check.c: a backend set against the running ports, as control's sets are checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ip.h>

#include "addr.h"
#include "be_check.h"
#include "slb_test.h"

#define N 3

static struct slb_cfg cfg;
static struct slb_addr_tbl at;
static struct slb_be be[SLB_BE_MAX + 1];
static char why[160];

static void
add_port(uint32_t p, const char *name, uint32_t ip, uint8_t plen, uint32_t role)
{
	snprintf(cfg.port[p].name, sizeof(cfg.port[p].name), "%s", name);
	cfg.port[p].addr[0].ip = ip;
	cfg.port[p].addr[0].plen = plen;
	cfg.port[p].nb_addr = 1;
	cfg.port[p].role = role;
	if (cfg.nb_ports <= p)
		cfg.nb_ports = p + 1;
}

/* callers 10.0.0.1/24, backends 192.168.1.1/24, the gateway gw (0: none); three good backends */
static void
setup(uint32_t gw)
{
	uint32_t i;

	memset(&cfg, 0, sizeof(cfg));
	add_port(0, "callers", RTE_IPV4(10, 0, 0, 1), 24, SLB_ROLE_CALLER);
	add_port(1, "backends", RTE_IPV4(192, 168, 1, 1), 24, SLB_ROLE_BACKEND);
	cfg.gateway = gw;
	slb_addr_build(&at, &cfg);
	memset(be, 0, sizeof(be));
	for (i = 0; i < N; i++) {
		be[i].id = (uint16_t)(i + 1);
		be[i].weight = 1;
		be[i].ip = RTE_IPV4(192, 168, 1, 11 + i);
		be[i].port = 5060;
		be[i].state = (uint8_t)(i % 4);
		snprintf(be[i].name, sizeof(be[i].name), "proxy%u", i + 1);
	}
	why[0] = '\0';
}

static int
check(uint32_t n)
{
	return slb_be_check(be, n, &at, &cfg, why, sizeof(why));
}

/* The check refuses with a reason that says what. */
static void
refused(uint32_t n, const char *what)
{
	CU_ASSERT_EQUAL(check(n), -EINVAL);
	if (strstr(why, what) == NULL)
		printf("\n    reason \"%s\" lacks \"%s\" ", why, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, what));
}

static void
t_good(void)
{
	uint32_t i;

	setup(0);
	CU_ASSERT_EQUAL(check(N), 0);
	CU_ASSERT_EQUAL(check(0), 0); /* no backend at all: new calls find none, not an error */
	be[1].ip = be[0].ip;          /* one host, two ports */
	be[1].port = 5070;
	be[2].port = 5070;            /* one port, two hosts */
	be[2].state = SLB_BE_FAILED;
	CU_ASSERT_EQUAL(check(N), 0);

	/* a full set of SLB_BE_MAX on distinct ip:port, ids up to the last */
	for (i = 0; i < SLB_BE_MAX; i++) {
		be[i].id = (uint16_t)(SLB_BE_ID_MAX - 1 - i);
		be[i].ip = RTE_IPV4(192, 168, 1, 11 + i % 200);
		be[i].port = (uint16_t)(5060 + i / 200);
		be[i].state = SLB_BE_UP;
		snprintf(be[i].name, sizeof(be[i].name), "p%u", i);
	}
	CU_ASSERT_EQUAL(check(SLB_BE_MAX), 0);
	be[SLB_BE_MAX] = be[0];
	be[SLB_BE_MAX].id = 0;
	be[SLB_BE_MAX].port = 6000;
	refused(SLB_BE_MAX + 1, "at most");
	/* the last one repeats the first one's address */
	be[SLB_BE_MAX - 1].ip = be[0].ip;
	be[SLB_BE_MAX - 1].port = be[0].port;
	refused(SLB_BE_MAX, "192.168.1.11:5060 is another backend's");
}

static void
t_refused(void)
{
	setup(0);
	be[2].id = SLB_BE_ID_MAX;
	refused(N, "id 4096");
	setup(0);
	be[2].id = be[0].id;
	refused(N, "proxy3: id 1 is taken");
	setup(0);
	be[2].ip = be[1].ip;
	refused(N, "proxy3: 192.168.1.12:5060 is another backend's");
	setup(0);
	be[1].state = SLB_BE_FAILED + 1;
	refused(N, "proxy2: unknown state 4");
	setup(0);
	be[0].port = 0;
	refused(N, "proxy1: port 0");
	setup(0);
	be[0].ip = RTE_IPV4(192, 168, 1, 1);
	refused(N, "our own address");
	setup(0);
	be[0].ip = RTE_IPV4(127, 0, 0, 1);
	refused(N, "not a host's address");
	setup(0);
	be[0].ip = RTE_IPV4(0, 0, 0, 5);
	refused(N, "not a host's address");
	setup(0);
	be[0].ip = RTE_IPV4(224, 0, 0, 5);
	refused(N, "not a host's address");
	setup(0);
	be[0].ip = RTE_IPV4(172, 16, 0, 5);
	refused(N, "on no backend-side prefix and there is no gateway");
	setup(0);
	be[0].ip = RTE_IPV4(10, 0, 0, 7); /* on the callers' link */
	refused(N, "reached through port callers");
}

/* Off every prefix: through the gateway, on whichever port holds it. */
static void
t_gateway(void)
{
	setup(RTE_IPV4(192, 168, 1, 254));
	be[0].ip = RTE_IPV4(172, 16, 0, 5);
	CU_ASSERT_EQUAL(check(N), 0);
	setup(RTE_IPV4(10, 0, 0, 254));
	be[0].ip = RTE_IPV4(172, 16, 0, 5);
	refused(N, "reached through port callers");
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"good sets pass, up to SLB_BE_MAX", t_good},
		{"each refusal, with its reason", t_refused},
		{"off-link backends go by the gateway's port", t_gateway},
		CU_TEST_INFO_NULL,
	};

	return slb_test_main("be_check", tests);
}
