/* bench_dialog.c: what the lock-free dialog table costs per operation, alone and under sharing. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <rte_prefetch.h>

#include "slb_dlg.h"
#include "slb_hash.h"

/*
 * Operations at a table of 1M slots holding `live` dialogs (default 500k, a busy proxy farm):
 * lookup of a present key, lookup of an absent key, create + end of a new key, each timed over
 * many random keys (random: the table is far bigger than the caches, as in production). Then
 * the same lookups while a second thread creates and ends dialogs in the same table, which is
 * what two workers do when a dialog's two directions arrive on different queues.
 *
 * --live N is the table at scale (issue 9): a table sized as an operator would (capacity = 1.4 x
 * N, the README's advice) in the memory the dataplane gives it (2 MB hugepages), filled with N
 * dialogs, then each operation timed over --ops random keys --reps times (median, min, max):
 * lookup hit, lookup miss and create + end, each one at a time, in bursts of 32 prefetched
 * first and prefetched a burst ahead (enum mode), beside the floor (one random line read).
 * Then the memory: the table's bytes per slot and per live dialog, and the process's resident
 * memory; and how long one slb_dlg_count() takes (the main lcore's scan for the stats).
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

/* ---- --live N: the table at scale ---------------------------------------------------------- */

#define SCALE_BURST 32 /* SLB_FWD_BURST: what a worker parses and prefetches before deciding */
#define SCALE_NOW 100
#define HUGE_2M (2u << 20)
#define MAX_REPS 31

/*
 * What is timed: the key's hash alone; each operation three ways (enum mode); and the floor:
 * one random 64-byte line of the table's memory read, which any table pays once its lines are
 * out of cache (a bucket is two lines, and a key has two buckets).
 */
enum kind { K_HASH, K_HIT, K_MISS, K_CE, K_LINE, K__COUNT };

/*
 * one: one key at a time, no prefetch (the slow path's pins, and a worker's single message).
 * burst: 32 keys hashed and prefetched, then the 32 operations: the prefetch has only the
 * hashing of the rest of the burst to hide behind, a worst case.
 * ahead: the next burst's keys are hashed and prefetched before this burst's operations, so
 * each prefetch has a burst of work to hide behind, as in slb_fwd_process_burst(), where 32
 * messages are parsed (hundreds of ns each) between a message's prefetch and its lookup.
 */
enum mode { M_ONE, M_BURST, M_AHEAD, M__COUNT };

static const char *const kind_name[K__COUNT] = {
	[K_HASH] = "key hash alone (in every row)",
	[K_HIT] = "lookup hit",
	[K_MISS] = "lookup miss",
	[K_CE] = "create + end",
	[K_LINE] = "floor: one random line read",
};

/* the same names in SCALE lines */
static const char *const kind_tag[K__COUNT] = {"hash", "hit", "miss", "ce", "line"};
static const char *const mode_tag[M__COUNT] = {"one", "burst", "ahead"};

static const char *const mode_name[M__COUNT] = {
	[M_ONE] = "",
	[M_BURST] = ", bursts of 32 prefetched",
	[M_AHEAD] = ", prefetched a burst ahead",
};

struct scale_mem {
	void *p;       /* the table, 2 MB aligned */
	void *map;     /* what to munmap */
	size_t maplen; /* and its length */
	const char *kind;
};

/*
 * Memory for the table: 2 MB hugetlbfs pages as rte_zmalloc_socket() gives the dataplane
 * ("huge"), else transparent huge pages ("thp", what the kernel grants on madvise), or 4 KB
 * pages ("4k", what aligned_alloc gives the tests: the TLB then misses on nearly every lookup
 * of a large table, a cost the dataplane never pays).
 */
static int
scale_mem_get(struct scale_mem *m, size_t size, const char *want)
{
	size_t len = (size + HUGE_2M - 1) & ~((size_t)HUGE_2M - 1);
	uintptr_t a;

	if (strcmp(want, "huge") == 0) {
		m->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (m->map != MAP_FAILED) {
			m->p = m->map;
			m->maplen = len;
			m->kind = "2 MB hugetlbfs pages, as the dataplane's rte_zmalloc";
			return 0;
		}
		fprintf(stderr,
			"bench_dialog: no %zu MB of hugetlbfs pages (echo N > "
			"/proc/sys/vm/nr_hugepages): transparent huge pages instead\n",
			len >> 20);
		want = "thp";
	}
	if (strcmp(want, "thp") != 0 && strcmp(want, "4k") != 0)
		return -1;
	m->maplen = len + HUGE_2M;
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED)
		return -1;
	a = ((uintptr_t)m->map + HUGE_2M - 1) & ~((uintptr_t)HUGE_2M - 1);
	m->p = (void *)a;
	if (strcmp(want, "thp") == 0) {
		madvise(m->p, len, MADV_HUGEPAGE);
		m->kind = "transparent huge pages (madvise)";
	} else {
		madvise(m->p, len, MADV_NOHUGEPAGE);
		m->kind = "4 KB pages";
	}
	return 0;
}

/* A line of /proc/self/status or smaps_rollup, in kB (-1 when absent). */
static long
proc_kb(const char *file, const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen(file, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static uint64_t
xorshift(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/*
 * The i-th key an operation uses in repetition rep: a present one (one of the live keys, at
 * random), an absent one, or a new one for create + end (never used before in this run).
 */
static uint64_t
op_key(enum kind kind, enum mode mode, uint64_t *r, uint32_t live, uint32_t rep, uint32_t i)
{
	switch (kind) {
	case K_HIT:
		return key(xorshift(r) % live);
	case K_CE:
		return key((1ull << 45) + ((uint64_t)mode << 40) + ((uint64_t)rep << 32) + i);
	default:
		return key((1ull << 50) + (xorshift(r) >> 14));
	}
}

/* The line of the table's memory that K_LINE reads for key k. */
static const uint64_t *
line_of(const struct slb_dlg_table *t, uint64_t k)
{
	/* the table is slots x 16 B (a power of two) plus a header of 64 B or less */
	uint64_t lines = (uint64_t)slb_dlg_slots(t) / 4;

	return (const uint64_t *)((const char *)t + ((k >> 20) & (lines - 1)) * 64);
}

/* One operation; 1 when its result is not the expected one. */
static int
op_do(struct slb_dlg_table *t, enum kind kind, uint64_t k, uint64_t *sum)
{
	uint16_t be = 3;
	uint8_t st;

	switch (kind) {
	case K_HASH:
		*sum += k;
		return 0;
	case K_HIT:
		return slb_dlg_lookup(t, k, SCALE_NOW, &be, &st) != 1;
	case K_MISS:
		return slb_dlg_lookup(t, k, SCALE_NOW, &be, &st) != 0;
	case K_LINE:
		*sum += *(const volatile uint64_t *)line_of(t, k);
		return 0;
	default:
		return (slb_dlg_create_entry(t, k, &be, SCALE_NOW, NULL) != 0) +
		       (slb_dlg_end(t, k, NULL) != 1);
	}
}

/*
 * One repetition over ops keys (whole bursts of 32): ns per operation. *bad counts unexpected
 * results. Keys go into one of two burst arrays: with M_AHEAD the other one, filled and
 * prefetched one burst earlier, is the one operated on.
 */
static double
scale_run(struct slb_dlg_table *t, enum kind kind, enum mode mode, uint32_t live, uint32_t rep,
	uint32_t ops, uint64_t *bad)
{
	uint64_t r = 88172645463325252ull + rep * 0x9e3779b97f4a7c15ull, k[2][SCALE_BURST];
	uint32_t nb = ops / SCALE_BURST, b, j;
	uint64_t sum = 0;
	double start = now_ns();

	for (b = 0; b <= nb; b++) {
		uint64_t *fill = k[b & 1], *use = mode == M_AHEAD ? k[(b & 1) ^ 1] : fill;

		for (j = 0; b < nb && j < SCALE_BURST; j++) {
			fill[j] = op_key(kind, mode, &r, live, rep, b * SCALE_BURST + j);
			if (mode != M_ONE && kind == K_LINE)
				rte_prefetch0(line_of(t, fill[j]));
			else if (mode != M_ONE)
				slb_dlg_prefetch(t, fill[j]);
		}
		/* ahead: nothing prefetched yet before the first burst; one at a time: no last */
		if (mode == M_AHEAD ? b == 0 : b == nb)
			continue;
		for (j = 0; j < SCALE_BURST; j++)
			*bad += (uint64_t)op_do(t, kind, use[j], &sum);
	}
	/* keep the hash loop from being optimised away */
	*bad += sum == 1;
	return (now_ns() - start) / ((double)nb * SCALE_BURST);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
scale(uint32_t live, uint32_t reps, uint32_t ops, const char *pages)
{
	struct slb_dlg_cfg cfg = {.early_timeout = 180, .confirmed_timeout = 7200};
	double ns[K__COUNT][M__COUNT][MAX_REPS], med[K__COUNT][M__COUNT], fill, scan;
	uint64_t bad[K__COUNT][M__COUNT] = {{0}}, cap = (uint64_t)live * 14 / 10;
	struct slb_dlg_table *t;
	struct scale_mem m;
	uint32_t i, rep, full = 0, counted;
	long rss, huge, anon_huge;
	size_t size;
	int kd, md, nmodes;

	cfg.capacity = cap < 1024 ? 1024 : (uint32_t)cap; /* dialog.capacity's floor */
	size = slb_dlg_memsize(&cfg);
	if (size == 0 || scale_mem_get(&m, size, pages) < 0) {
		fprintf(stderr, "bench_dialog: cannot have a table for %u dialogs\n", live);
		return 1;
	}
	t = slb_dlg_init(m.p, &cfg);
	if (t == NULL)
		return 1;

	fill = now_ns();
	for (i = 0; i < live; i++) {
		uint16_t be = (uint16_t)(i % 16);

		full += slb_dlg_create_entry(t, key(i), &be, SCALE_NOW, NULL) != 0;
	}
	fill = (now_ns() - fill) / live;
	/* the main lcore's whole-table scan for the stats' dlg_live, once every stats_interval */
	scan = now_ns();
	counted = slb_dlg_count(t, SCALE_NOW);
	scan = (now_ns() - scan) / 1e6;

	/* interleaved, so that a slow moment of the machine spreads over every row */
	for (rep = 0; rep < reps; rep++)
		for (kd = 0; kd < K__COUNT; kd++)
			for (md = 0, nmodes = kd == K_HASH ? 1 : M__COUNT; md < nmodes; md++)
				ns[kd][md][rep] = scale_run(t, (enum kind)kd, (enum mode)md, live,
					rep, ops, &bad[kd][md]);
	for (kd = 0; kd < K__COUNT; kd++)
		for (md = 0, nmodes = kd == K_HASH ? 1 : M__COUNT; md < nmodes; md++) {
			qsort(ns[kd][md], reps, sizeof(ns[kd][md][0]), cmp_double);
			med[kd][md] = ns[kd][md][reps / 2];
		}
	rss = proc_kb("/proc/self/status", "VmRSS");
	huge = proc_kb("/proc/self/status", "HugetlbPages");
	anon_huge = proc_kb("/proc/self/smaps_rollup", "AnonHugePages");

	printf("siplb dialog table at scale: %u live dialogs, capacity %u (1.4 x live) -> %u slots "
	       "in %u buckets, load %.0f%%\n",
		live, cfg.capacity, slb_dlg_slots(t), slb_dlg_buckets(t),
		100.0 * live / slb_dlg_slots(t));
	printf("memory: %s; table %zu B = %.1f B per slot, %.1f B per live dialog\n", m.kind, size,
		(double)size / slb_dlg_slots(t), (double)size / live);
	printf("resident: RSS %ld kB + hugetlbfs %ld kB (of which transparent huge %ld kB) = "
	       "%.1f MB\n",
		rss, huge < 0 ? 0 : huge, anon_huge < 0 ? 0 : anon_huge,
		(rss + (huge < 0 ? 0 : huge)) / 1024.0);
	printf("fill: %u creates into the growing table, %.1f ns each, %u refused\n", live, fill,
		full);
	printf("slb_dlg_count(), a scan of the whole table: %.1f ms (%u live)\n", scan, counted);
	printf("%-53s %7s %7s %7s  (median, min, max of %u x %u random keys)\n", "operation",
		"ns/op", "min", "max", reps, ops);
	for (kd = 0; kd < K__COUNT; kd++)
		for (md = 0, nmodes = kd == K_HASH ? 1 : M__COUNT; md < nmodes; md++) {
			char name[64];

			snprintf(name, sizeof(name), "%s%s", kind_name[kd], mode_name[md]);
			printf("%-53s %7.1f %7.1f %7.1f", name, med[kd][md], ns[kd][md][0],
				ns[kd][md][reps - 1]);
			if (bad[kd][md] != 0)
				printf("  (%" PRIu64 " unexpected results)", bad[kd][md]);
			printf("\n");
		}
	/* one line for scripts (bench/dialog_scale.sh): hit_one=... ce_ahead=... */
	printf("SCALE live=%u slots=%u bytes=%zu per_dialog=%.1f resident_mb=%.1f fill=%.1f "
	       "scan_ms=%.2f hash=%.1f",
		live, slb_dlg_slots(t), size, (double)size / live,
		(rss + (huge < 0 ? 0 : huge)) / 1024.0, fill, scan, med[K_HASH][M_ONE]);
	for (kd = K_HIT; kd < K__COUNT; kd++)
		for (md = 0; md < M__COUNT; md++)
			printf(" %s_%s=%.1f", kind_tag[kd], mode_tag[md], med[kd][md]);
	printf("\n");
	munmap(m.map, m.maplen);
	for (kd = 0; kd < K__COUNT; kd++)
		for (md = 0; md < M__COUNT; md++)
			if (bad[kd][md] != 0 && full == 0)
				return 1;
	return 0;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [LIVE]\n"
		"       %s --live N [--reps R] [--ops N] [--pages huge|thp|4k]\n"
		"  LIVE         dialogs in the table of 1M slots (default 500000)\n"
		"  --live N     the table at scale: N dialogs (1..100000000) in a table of\n"
		"               capacity 1.4 x N\n"
		"  --reps R     repetitions of each operation, median printed (1..31, default 5)\n"
		"  --ops N      random keys per repetition, whole bursts of 32 (1024..100000000,\n"
		"               default 1000000)\n"
		"  --pages P    the table's memory: huge (hugetlbfs, as the dataplane; default),\n"
		"               thp (transparent huge pages) or 4k\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n",
		prog, prog);
}

enum { OPT_VERSION = 256, OPT_LIVE, OPT_REPS, OPT_OPS, OPT_PAGES };

/* A whole decimal number within [lo, hi], or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"live", required_argument, NULL, OPT_LIVE},
		{"reps", required_argument, NULL, OPT_REPS},
		{"ops", required_argument, NULL, OPT_OPS},
		{"pages", required_argument, NULL, OPT_PAGES},
		{NULL, 0, NULL, 0},
	};
	long scale_live = 0, reps = 5, ops = 1000000;
	const char *pages = "huge";
	uint32_t live = 500000;
	struct slb_dlg_cfg cfg = {.capacity = 1u << 20, .early_timeout = 180,
		.confirmed_timeout = 7200};
	struct slb_dlg_table *t;
	struct churn c = {0};
	pthread_t th;
	double hit, miss, ce, start, shit, smiss;
	uint32_t i, hits, full = 0;
	int opt, li = 0;

	while ((opt = getopt_long(argc, argv, "+h", opts, &li)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("bench_dialog %s\n", SLB_VERSION);
			return 0;
		case OPT_LIVE:
			scale_live = number(optarg, 1, 100000000);
			if (scale_live < 0)
				goto bad;
			break;
		case OPT_REPS:
			reps = number(optarg, 1, MAX_REPS);
			if (reps < 0)
				goto bad;
			break;
		case OPT_OPS:
			ops = number(optarg, 1024, 100000000);
			if (ops < 0)
				goto bad;
			break;
		case OPT_PAGES:
			pages = optarg;
			if (strcmp(pages, "huge") != 0 && strcmp(pages, "thp") != 0 &&
				strcmp(pages, "4k") != 0)
				goto bad;
			break;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (scale_live > 0 && optind == argc)
		return scale((uint32_t)scale_live, (uint32_t)reps, (uint32_t)ops, pages);
	if (argc - optind > 1 || scale_live > 0) {
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
bad:
	fprintf(stderr, "bench_dialog: bad value for --%s: %s\n", opts[li].name, optarg);
	usage(stderr, argv[0]);
	return 2;
}
