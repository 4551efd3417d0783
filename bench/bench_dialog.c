/* bench_dialog.c: what the lock-free dialog table costs per operation, alone and under sharing. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slb_dlg.h"
#include "slb_hash.h"

/*
 * Operations at a table of 1M slots holding `live` dialogs (default 500k, a busy proxy farm):
 * lookup of a present key, lookup of an absent key, create + end of a new key, each timed over
 * many random keys (random: the table is far bigger than the caches, as in production). Then
 * the same lookups while a second thread creates and ends dialogs in the same table, which is
 * what two workers do when a dialog's two directions arrive on different queues.
 */

#define OPS 2000000u

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t
key(uint64_t i)
{
	return slb_hash_seeded(&i, sizeof(i), 0x5eed);
}

struct churn {
	struct slb_dlg_table *t;
	volatile int stop;
	uint64_t ops;
};

static void *
churner(void *arg)
{
	struct churn *c = arg;
	uint64_t i = 1ull << 40;

	while (!c->stop) {
		uint16_t be = 1;

		slb_dlg_create_entry(c->t, key(i), &be, 100, NULL);
		slb_dlg_end(c->t, key(i), NULL);
		i++;
		c->ops++;
	}
	return NULL;
}

static double
lookups(struct slb_dlg_table *t, uint32_t live, int present, uint32_t *hits)
{
	uint64_t r = 88172645463325252ull;
	double start = now_ns();
	uint32_t i;
	uint16_t be;
	uint8_t st;

	*hits = 0;
	for (i = 0; i < OPS; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		*hits += (uint32_t)slb_dlg_lookup(t, key(present ? r % live : (1ull << 50) + r), 100,
			&be, &st);
	}
	return (now_ns() - start) / OPS;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [LIVE]\n"
		"  LIVE         dialogs in the table of 1M slots (default 500000)\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n",
		prog);
}

enum { OPT_VERSION = 256 };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	uint32_t live = 500000;
	struct slb_dlg_cfg cfg = {.capacity = 1u << 20, .early_timeout = 180,
		.confirmed_timeout = 7200};
	struct slb_dlg_table *t;
	struct churn c = {0};
	pthread_t th;
	double hit, miss, ce, start, shit, smiss;
	uint32_t i, hits, full = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("bench_dialog %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (optind < argc)
		live = (uint32_t)strtoul(argv[optind], NULL, 10);
	t = slb_dlg_create(&cfg);
	if (t == NULL || live == 0 || live > slb_dlg_slots(t)) {
		fprintf(stderr, "bench_dialog: bad table or live count\n");
		return 2;
	}
	for (i = 0; i < live; i++) {
		uint16_t be = (uint16_t)(i % 16);

		full += slb_dlg_create_entry(t, key(i), &be, 100, NULL) < 0;
	}
	hit = lookups(t, live, 1, &hits);
	if (hits != OPS)
		fprintf(stderr, "bench_dialog: %u of %u present keys found\n", hits, OPS);
	miss = lookups(t, live, 0, &hits);

	start = now_ns();
	for (i = 0; i < OPS; i++) {
		uint64_t k = key((1ull << 45) + i);
		uint16_t be = 3;

		slb_dlg_create_entry(t, k, &be, 100, NULL);
		slb_dlg_end(t, k, NULL);
	}
	ce = (now_ns() - start) / OPS;

	c.t = t;
	pthread_create(&th, NULL, churner, &c);
	shit = lookups(t, live, 1, &hits);
	smiss = lookups(t, live, 0, &hits);
	c.stop = 1;
	pthread_join(th, NULL);

	printf("siplb dialog table: %u slots (%zu MB), %u live dialogs, %u refused at fill\n",
		slb_dlg_slots(t), slb_dlg_memsize(&cfg) >> 20, live, full);
	printf("%-36s %8s\n", "operation (random keys)", "ns/op");
	printf("%-36s %8.1f\n", "lookup, present", hit);
	printf("%-36s %8.1f\n", "lookup, absent", miss);
	printf("%-36s %8.1f\n", "create + end", ce);
	printf("%-36s %8.1f\n", "lookup, present, writer alongside", shit);
	printf("%-36s %8.1f\n", "lookup, absent, writer alongside", smiss);
	printf("writer alongside: %.0f create+end per second\n",
		(double)c.ops / ((shit + smiss) * OPS / 1e9));
	slb_dlg_destroy(t);
	return 0;
}
