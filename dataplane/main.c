/* main.c: siplb-dataplane: options, config, EAL, the ordered init/term of modules, launch. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "be_swap.h"
#include "cfg.h"
#include "ctl.h"
#include "dp.h"
#include "log.h"
#include "neigh.h"
#include "pool.h"
#include "port.h"
#include "sip_io.h"
#include "slow.h"
#include "stats.h"
#include "worker.h"

RTE_LOG_REGISTER(slb_logtype_main, siplb.main, INFO);

#define EXIT_RUNTIME 1
#define PROBE_RING_SIZE 1024

struct slb_dp slb_dp;
volatile int slb_quit;
volatile int slb_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		__atomic_store_n(&slb_reload, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&slb_quit, 1, __ATOMIC_RELAXED);
}

static int
neigh_init(struct slb_dp *dp)
{
	const struct slb_cfg *cfg = dp->cfg;

	dp->neigh = slb_neigh_create(cfg->neigh_size, dp->tsc_hz, cfg->neigh_reachable,
		cfg->neigh_timeout, cfg->neigh_retry_ms, cfg->pending_timeout_ms);
	if (dp->neigh == NULL)
		return -1;
	dp->probe_ring = rte_ring_create_elem("slb_neigh_probe", sizeof(struct slb_neigh_probe),
		PROBE_RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	return dp->probe_ring != NULL ? 0 : -1;
}

static void
neigh_term(struct slb_dp *dp)
{
	rte_ring_free(dp->probe_ring);
	dp->probe_ring = NULL;
	slb_neigh_free(dp->neigh);
	dp->neigh = NULL;
}

/* Initialised in this order, terminated in the reverse one; a failure is reported by name. */
static const struct module {
	const char *name;
	int (*init)(struct slb_dp *dp);
	void (*term)(struct slb_dp *dp);
} modules[] = {
	{"secrets", slb_sip_secrets_init, slb_sip_secrets_term},
	{"control", slb_ctl_init, slb_ctl_term},
	{"stats", slb_stats_init, slb_stats_term},
	{"mempool", slb_pool_init, slb_pool_term},
	{"neighbour", neigh_init, neigh_term},
	{"control probes", slb_ctl_probe_init, slb_ctl_probe_term},
	{"port", slb_port_init, slb_port_term},
	{"sip", slb_sip_init, slb_sip_term},
	{"backend", slb_be_swap_init, slb_be_swap_term},
	{"worker", slb_worker_init, slb_worker_term},
};

static void
terminate(struct slb_dp *dp, size_t n)
{
	while (n-- > 0) {
		SLB_LOG(main, DEBUG, "term %s", modules[n].name);
		modules[n].term(dp);
	}
}

/* -h's text on stdout, a usage error's on stderr. */
static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -c siplb.conf [-t] [-- EAL arguments]\n"
		"  -c FILE      configuration (libconfig); see siplb.conf.sample\n"
		"  -t           check the configuration and exit (0: good, %d: refused)\n"
		"  -- ...       EAL arguments replacing the file's eal list\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n"
		"Exit codes: 0 stopped cleanly, %d a runtime failure, %d bad usage or "
		"configuration.\n",
		prog, SLB_CFG_EXIT_BAD, EXIT_RUNTIME, SLB_CFG_EXIT_BAD);
}

/* Worker lcores in EAL order; the main lcore runs the slow path. */
static int
assign_lcores(struct slb_dp *dp)
{
	unsigned int lcore, n = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == dp->cfg->workers)
			break;
		dp->worker_lcore[n++] = lcore;
	}
	if (n < dp->cfg->workers) {
		fprintf(stderr, "%s: workers = %u needs %u lcores (the main one and one per "
			"worker), EAL has %u: give more with -l\n", dp->cfg->path,
			dp->cfg->workers, dp->cfg->workers + 1, rte_lcore_count());
		return -1;
	}
	if (rte_lcore_count() > n + 1)
		SLB_LOG(main, NOTICE, "%u lcores, %u workers: the others stay idle",
			rte_lcore_count(), n);
	dp->nb_workers = n;
	return 0;
}

enum { OPT_VERSION = 256 };

/* Options after "--" are EAL's: getopt_long stops there. */
static const struct option long_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
	static struct slb_cfg cfg;
	char *eal_argv[SLB_CFG_MAX_EAL + 1];
	const char *path = NULL;
	bool check_only = false;
	size_t done;
	int opt, i, rc;
	uint32_t w;

	/* all of it before EAL: -h, --version and bad usage need no hugepages and no root */
	while ((opt = getopt_long(argc, argv, "c:th", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("siplb-dataplane %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return SLB_CFG_EXIT_BAD;
		}
	}
	if (path == NULL || (optind < argc && strcmp(argv[optind - 1], "--") != 0)) {
		usage(stderr, argv[0]);
		return SLB_CFG_EXIT_BAD;
	}
	if (slb_cfg_load(&cfg, path) < 0)
		return SLB_CFG_EXIT_BAD;
	if (optind < argc && slb_cfg_set_eal(&cfg, argc - optind, argv + optind) < 0)
		return SLB_CFG_EXIT_BAD;
	if (check_only) {
		printf("%s: OK: %u ports, %u backends, %u workers\n", path, cfg.nb_ports,
			cfg.nb_be, cfg.workers);
		slb_cfg_free(&cfg);
		return 0;
	}

	eal_argv[0] = argv[0];
	for (i = 0; i < cfg.eal_argc; i++)
		eal_argv[i + 1] = cfg.eal_argv[i];
	eal_argv[cfg.eal_argc + 1] = NULL;
	rc = rte_eal_init(cfg.eal_argc + 1, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_RUNTIME;
	}

	slb_dp.cfg = &cfg;
	slb_dp.tsc_hz = rte_get_tsc_hz();
	slb_dp.tsc0 = rte_rdtsc();
	if (assign_lcores(&slb_dp) < 0) {
		rte_eal_cleanup();
		return SLB_CFG_EXIT_BAD;
	}
	slb_addr_build(&slb_dp.addr, &cfg);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	for (done = 0; done < RTE_DIM(modules); done++) {
		SLB_LOG(main, DEBUG, "init %s", modules[done].name);
		if (modules[done].init(&slb_dp) < 0) {
			SLB_LOG(main, ERR, "init of module %s failed", modules[done].name);
			terminate(&slb_dp, done + 1);
			rte_eal_cleanup();
			return EXIT_RUNTIME;
		}
	}

	/* redis.enabled: the dialogs Redis knows go into the table before any packet is read */
	slb_ctl_load_wait(&slb_dp);

	for (w = 0; w < slb_dp.nb_workers; w++) {
		rc = rte_eal_remote_launch(slb_worker_main, slb_dp.worker[w],
			slb_dp.worker_lcore[w]);
		if (rc != 0) {
			SLB_LOG(main, ERR, "launch worker %u on lcore %u: %s", w,
				slb_dp.worker_lcore[w], rte_strerror(-rc));
			on_signal(0);
			break;
		}
	}
	SLB_LOG(main, INFO, "running: %u workers, %u ports; SIGHUP reloads the backends, "
		"SIGINT or SIGTERM stops",
		slb_dp.nb_workers, slb_dp.nb_ports);

	slb_slow_loop(&slb_dp);
	rte_eal_mp_wait_lcore();
	SLB_LOG(main, INFO, "workers stopped");

	slb_stats_print(&slb_dp, stdout);
	terminate(&slb_dp, RTE_DIM(modules));
	rte_eal_cleanup();
	slb_cfg_free(&cfg);
	return 0;
}
