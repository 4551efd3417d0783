/* test_be_table.c: the backend table: weighted spread, minimal movement, states, address map. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slb_be.h"
#include "slb_hash.h"
#include "slb_test.h"

#define NB_CALLS 100000
#define MAX_TEST_BE 64

/* Call-ID hashes shared by the tests: fixed, so that a pass or a failure is reproducible. */
static uint64_t calls[NB_CALLS];
static struct slb_hash_key hkey;
#define SEED (hkey.seed)

static const struct slb_key128 test_key = {
	{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}};

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
init_calls(void)
{
	uint64_t seed = 42;
	char buf[64];
	int i, len;

	for (i = 0; i < NB_CALLS; i++) {
		uint64_t r = splitmix64(&seed);

		/* Shaped like what SIP user agents send: random hex @ host. */
		len = snprintf(buf, sizeof(buf), "%016llx-%u@10.1.%u.%u", (unsigned long long)r,
			(unsigned int)i, (unsigned int)(r >> 8) & 255, (unsigned int)r & 255);
		if (len < 0 || len >= (int)sizeof(buf))
			len = (int)sizeof(buf) - 1;
		calls[i] = slb_hash_callid(&hkey, buf, (uint32_t)len);
	}
}

/* Backend i: id 3 + 7i mod 4096 (sparse, distinct), 10.0.x.y:5060 + i. */
static void
mk_be(struct slb_be *be, uint32_t n, const uint16_t *weights)
{
	uint32_t i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		be[i].id = (uint16_t)((3 + 7 * i) % SLB_BE_ID_MAX);
		be[i].weight = weights != NULL ? weights[i] : 1;
		be[i].ip = 0x0a000000u | (i + 1);
		be[i].port = (uint16_t)(5060 + i);
		be[i].state = SLB_BE_UP;
		snprintf(be[i].name, sizeof(be[i].name), "be%u", i);
	}
}

/* Backend id each call goes to, or SLB_BE_NONE. */
static void
call_ids(const struct slb_be_table *t, uint16_t *out)
{
	int i;

	for (i = 0; i < NB_CALLS; i++) {
		uint16_t idx = slb_be_pick(t, calls[i]);

		out[i] = idx == SLB_BE_NONE ? SLB_BE_NONE : t->be[idx].id;
	}
}

static double
rel_err(double observed, double expected)
{
	return observed / expected - 1.0;
}

/* Calls and buckets per backend must match the weights within tol (relative). */
static void
check_spread(const uint16_t *weights, uint32_t n, double tol)
{
	struct slb_be be[MAX_TEST_BE];
	struct slb_be_table *t;
	uint32_t calls_of[MAX_TEST_BE] = {0}, buckets_of[MAX_TEST_BE] = {0}, i, wsum = 0;

	mk_be(be, n, weights);
	t = slb_be_table_build(be, n, 20, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nb_up, n);
	for (i = 0; i < n; i++)
		wsum += weights[i];
	for (i = 0; i <= t->mask; i++) {
		if (t->bucket[i] >= n)
			break;
		buckets_of[t->bucket[i]]++;
	}
	CU_ASSERT_FATAL(i == t->mask + 1);
	for (i = 0; i < NB_CALLS; i++)
		calls_of[slb_be_pick(t, calls[i])]++;
	for (i = 0; i < n; i++) {
		double share = (double)weights[i] / wsum;
		double ec = rel_err((double)calls_of[i] / NB_CALLS, share);
		double eb = rel_err((double)buckets_of[i] / (t->mask + 1), share);

		printf("\n    weight %u: calls %+.2f%%, buckets %+.2f%%", weights[i], 100 * ec,
			100 * eb);
		CU_ASSERT(ec > -tol && ec < tol);
		CU_ASSERT(eb > -tol / 3 && eb < tol / 3);
	}
	printf("\n  ");
	slb_be_table_free(t);
}

static void
t_spread_weighted(void)
{
	static const uint16_t w[] = {1, 2, 3, 4};

	check_spread(w, 4, 0.03);
}

static void
t_spread_equal(void)
{
	static const uint16_t w[] = {7, 7, 7, 7, 7};

	check_spread(w, 5, 0.03);
}

/* Remove backend r of n: only its calls move, and they are about 1/n of all. */
static void
check_remove(uint32_t n, uint32_t r)
{
	struct slb_be be[MAX_TEST_BE], less[MAX_TEST_BE];
	struct slb_be_table *t_all, *t_less, *t_down;
	static uint16_t before[NB_CALLS], after[NB_CALLS];
	uint32_t i, j = 0, moved = 0, wrong = 0, bucket_diff = 0;
	uint16_t gone;
	double e;

	mk_be(be, n, NULL);
	gone = be[r].id;
	for (i = 0; i < n; i++)
		if (i != r)
			less[j++] = be[i];
	t_all = slb_be_table_build(be, n, 20, SEED);
	t_less = slb_be_table_build(less, n - 1, 20, SEED);
	be[r].state = SLB_BE_DOWN;
	t_down = slb_be_table_build(be, n, 20, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t_all);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t_less);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t_down);

	call_ids(t_all, before);
	call_ids(t_less, after);
	for (i = 0; i < NB_CALLS; i++) {
		if (before[i] == after[i])
			continue;
		moved++;
		if (before[i] != gone || after[i] == SLB_BE_NONE)
			wrong++;
	}
	for (i = 0; i < NB_CALLS; i++)
		if (before[i] == gone && after[i] == gone)
			wrong++;
	CU_ASSERT_EQUAL(wrong, 0);
	e = rel_err((double)moved / NB_CALLS, 1.0 / n);
	printf("\n    n=%u: %.2f%% of calls moved (%+.2f%% from 1/n)\n  ", n,
		100.0 * moved / NB_CALLS, 100 * e);
	CU_ASSERT(e > -0.03 && e < 0.03);

	/* DOWN in place of removed: the same backend takes each bucket. */
	for (i = 0; i <= t_all->mask; i++)
		if (t_less->be[t_less->bucket[i]].id != t_down->be[t_down->bucket[i]].id)
			bucket_diff++;
	CU_ASSERT_EQUAL(bucket_diff, 0);
	CU_ASSERT_EQUAL(t_down->nb_up, n - 1);

	slb_be_table_free(t_all);
	slb_be_table_free(t_less);
	slb_be_table_free(t_down);
}

static void
t_remove_one_of_5(void)
{
	check_remove(5, 2);
}

static void
t_remove_one_of_10(void)
{
	check_remove(10, 9);
}

/* Backend c's weight w0 -> w1: calls move only to (from) it, as much as its share changed. */
static void
check_weight_change(uint32_t c, uint16_t w0, uint16_t w1)
{
	uint16_t w[] = {3, 2, 5, 1, 4};
	struct slb_be be[5];
	struct slb_be_table *t0, *t1;
	static uint16_t before[NB_CALLS], after[NB_CALLS];
	uint32_t i, moved = 0, wrong = 0, wsum = 0;
	uint16_t cid;
	double expect, e;

	w[c] = w0;
	mk_be(be, 5, w);
	cid = be[c].id;
	t0 = slb_be_table_build(be, 5, 20, SEED);
	be[c].weight = w1;
	t1 = slb_be_table_build(be, 5, 20, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	for (i = 0; i < 5; i++)
		wsum += w[i];
	call_ids(t0, before);
	call_ids(t1, after);
	for (i = 0; i < NB_CALLS; i++) {
		if (before[i] == after[i])
			continue;
		moved++;
		if (w1 > w0 ? after[i] != cid : before[i] != cid)
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	expect = (double)w1 / (wsum - w0 + w1) - (double)w0 / wsum;
	if (expect < 0)
		expect = -expect;
	e = rel_err((double)moved / NB_CALLS, expect);
	printf("\n    weight %u -> %u: %.2f%% moved, expected %.2f%% (%+.2f%%)\n  ", w0, w1,
		100.0 * moved / NB_CALLS, 100 * expect, 100 * e);
	CU_ASSERT(e > -0.03 && e < 0.03);
	slb_be_table_free(t0);
	slb_be_table_free(t1);
}

static void
t_weight_up(void)
{
	check_weight_change(1, 2, 4);
}

static void
t_weight_down(void)
{
	check_weight_change(1, 4, 2);
}

static void
t_drain_down_get_nothing(void)
{
	struct slb_be be[6];
	struct slb_be_table *t;
	uint32_t per[6] = {0}, i;

	mk_be(be, 6, NULL);
	be[1].state = SLB_BE_DRAIN;
	be[3].state = SLB_BE_DOWN;
	be[4].weight = 0; /* UP but weight 0: no new calls either */
	t = slb_be_table_build(be, 6, 12, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nb_up, 3);
	for (i = 0; i <= t->mask; i++) {
		CU_ASSERT_FATAL(t->bucket[i] < 6);
		per[t->bucket[i]]++;
	}
	CU_ASSERT_EQUAL(per[1], 0);
	CU_ASSERT_EQUAL(per[3], 0);
	CU_ASSERT_EQUAL(per[4], 0);
	CU_ASSERT(per[0] > 0 && per[2] > 0 && per[5] > 0);
	/* They stay in the table: dialogs still reach them and responses are still recognised. */
	CU_ASSERT_EQUAL(slb_be_index(t, be[1].id), 1);
	CU_ASSERT_EQUAL(slb_be_find_addr(t, be[3].ip, be[3].port), 3);
	slb_be_table_free(t);
}

static void
t_none_up(void)
{
	struct slb_be be[4];
	struct slb_be_table *t;
	uint32_t i, not_none = 0;

	mk_be(be, 4, NULL);
	be[0].state = SLB_BE_DRAIN;
	be[1].state = SLB_BE_DOWN;
	be[2].state = SLB_BE_DOWN;
	be[3].weight = 0;
	t = slb_be_table_build(be, 4, 8, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nb_up, 0);
	for (i = 0; i <= t->mask; i++)
		not_none += t->bucket[i] != SLB_BE_NONE;
	CU_ASSERT_EQUAL(not_none, 0);
	CU_ASSERT_EQUAL(slb_be_pick(t, calls[0]), SLB_BE_NONE);
	slb_be_table_free(t);

	/* No backends at all (allowed: a start with none configured). */
	t = slb_be_table_build(NULL, 0, 8, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nb_be, 0);
	CU_ASSERT_EQUAL(slb_be_pick(t, calls[1]), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_find_addr(t, 0x0a000001, 5060), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_index(t, 3), SLB_BE_NONE);
	slb_be_table_free(t);
}

static void
t_find_addr(void)
{
	static struct slb_be be[SLB_BE_MAX];
	struct slb_be_table *t;
	uint32_t i, bad = 0;

	memset(be, 0, sizeof(be));
	for (i = 0; i < SLB_BE_MAX; i++) {
		be[i].id = (uint16_t)(SLB_BE_ID_MAX - 1 - 3 * i);
		be[i].weight = 1;
		/* Four ports per address: the port must take part in the match. */
		be[i].ip = 0xc0a80000u | (i / 4);
		be[i].port = (uint16_t)(5060 + i % 4);
		be[i].state = (uint8_t)(i % 3);
	}
	t = slb_be_table_build(be, SLB_BE_MAX, 8, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < SLB_BE_MAX; i++) {
		bad += slb_be_find_addr(t, be[i].ip, be[i].port) != i;
		bad += slb_be_index(t, be[i].id) != i;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(slb_be_find_addr(t, 0xc0a80000u, 5064), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_find_addr(t, 0xc0a80000u | 256, 5060), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_find_addr(t, 0, 0), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_index(t, 0), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_index(t, SLB_BE_ID_MAX), SLB_BE_NONE);
	CU_ASSERT_EQUAL(slb_be_index(t, 0xffff), SLB_BE_NONE);
	slb_be_table_free(t);
}

static void
expect_einval(const struct slb_be *be, uint32_t n, uint32_t log2)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(slb_be_table_build(be, n, log2, SEED));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

static void
t_bad_args(void)
{
	static struct slb_be be[SLB_BE_MAX + 1];
	struct slb_be_table *t;

	mk_be(be, 4, NULL);
	expect_einval(be, 4, 7);
	expect_einval(be, 4, 23);
	expect_einval(NULL, 4, 10);
	be[2].id = be[0].id;
	expect_einval(be, 4, 10); /* duplicate id */
	mk_be(be, 4, NULL);
	be[3].id = SLB_BE_ID_MAX;
	expect_einval(be, 4, 10);
	mk_be(be, 4, NULL);
	be[1].ip = be[2].ip;
	be[1].port = be[2].port;
	expect_einval(be, 4, 10); /* two backends at one ip:port */
	mk_be(be, 4, NULL);
	be[0].state = SLB_BE_FAILED + 1;
	expect_einval(be, 4, 10);
	mk_be(be, SLB_BE_MAX + 1, NULL);
	expect_einval(be, SLB_BE_MAX + 1, 10);

	/* The limits themselves are fine. */
	t = slb_be_table_build(be, SLB_BE_MAX, 8, SEED);
	CU_ASSERT_PTR_NOT_NULL(t);
	slb_be_table_free(t);
	be[0].id = SLB_BE_ID_MAX - 1;
	t = slb_be_table_build(be, 4, 22, SEED);
	CU_ASSERT_PTR_NOT_NULL(t);
	if (t != NULL)
		CU_ASSERT_EQUAL(t->mask, (1u << 22) - 1);
	slb_be_table_free(t);
}

static void
t_deterministic(void)
{
	static const uint16_t w[] = {5, 1, 9, 2, 2, 7, 3};
	struct slb_be be[7], rev[7];
	struct slb_be_table *a, *b, *c;
	uint32_t i, diff = 0;

	mk_be(be, 7, w);
	for (i = 0; i < 7; i++)
		rev[i] = be[6 - i];
	a = slb_be_table_build(be, 7, 16, SEED);
	b = slb_be_table_build(be, 7, 16, SEED);
	c = slb_be_table_build(rev, 7, 16, SEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(memcmp(a->bucket, b->bucket, (a->mask + 1) * sizeof(uint16_t)), 0);
	CU_ASSERT_EQUAL(memcmp(a->addr_map, b->addr_map, (a->addr_mask + 1) * sizeof(uint16_t)), 0);
	/* The order of the input changes the indices, not which backend takes a bucket. */
	for (i = 0; i <= a->mask; i++)
		diff += a->be[a->bucket[i]].id != c->be[c->bucket[i]].id;
	CU_ASSERT_EQUAL(diff, 0);
	CU_ASSERT_STRING_EQUAL(c->be[0].name, "be6");
	slb_be_table_free(a);
	slb_be_table_free(b);
	slb_be_table_free(c);
}

/*
 * hash_secret keys both hashes: with another key the same Call-ID lands elsewhere and the same
 * backends hold other buckets, so neither can be precomputed without the key; with the same key
 * (a restart, a second instance) everything is as before.
 */
static void
t_keyed(void)
{
	static const char cid[] = "a84b4c76e66710@pc33.atlanta.example.com";
	struct slb_key128 other = test_key;
	struct slb_hash_key k2, k3;
	struct slb_be be[5];
	struct slb_be_table *a, *b, *c;
	uint32_t i, moved = 0, same = 0, n;

	other.b[15] ^= 1;
	slb_hash_key_init(&k2, &other);
	slb_hash_key_init(&k3, &test_key);
	CU_ASSERT_NOT_EQUAL(slb_hash_callid(&hkey, cid, sizeof(cid) - 1),
		slb_hash_callid(&k2, cid, sizeof(cid) - 1));
	CU_ASSERT_EQUAL(slb_hash_callid(&hkey, cid, sizeof(cid) - 1),
		slb_hash_callid(&k3, cid, sizeof(cid) - 1));
	CU_ASSERT_NOT_EQUAL(hkey.seed, k2.seed);
	CU_ASSERT_EQUAL(hkey.seed, k3.seed);

	mk_be(be, 5, NULL);
	a = slb_be_table_build(be, 5, 16, hkey.seed);
	b = slb_be_table_build(be, 5, 16, k2.seed);
	c = slb_be_table_build(be, 5, 16, k3.seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	n = a->mask + 1;
	for (i = 0; i < n; i++) {
		moved += a->bucket[i] != b->bucket[i];
		same += a->bucket[i] == c->bucket[i];
	}
	/* independent tables of 5 equal backends agree on a bucket 1 time in 5 */
	CU_ASSERT(moved > n * 3 / 4 && moved < n * 17 / 20);
	CU_ASSERT_EQUAL(same, n);
	slb_be_table_free(a);
	slb_be_table_free(b);
	slb_be_table_free(c);
}

/* Not a pass/fail on speed (machines differ, valgrind more): it prints what the build costs. */
static void
t_build_time(void)
{
	struct slb_be be[64];
	uint16_t w[64];
	struct slb_be_table *t;
	struct timespec t0, t1;
	uint32_t i;

	for (i = 0; i < 64; i++)
		w[i] = (uint16_t)(1 + i % 5);
	mk_be(be, 64, w);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = slb_be_table_build(be, 64, 16, SEED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	printf("\n    65536 buckets x 64 backends: %.1f ms\n  ",
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	slb_be_table_free(t);
}

static CU_TestInfo tests[] = {
	{"spread_weighted_1_2_3_4", t_spread_weighted},
	{"spread_equal_5", t_spread_equal},
	{"remove_one_of_5", t_remove_one_of_5},
	{"remove_one_of_10", t_remove_one_of_10},
	{"weight_2_to_4_moves_only_to_it", t_weight_up},
	{"weight_4_to_2_moves_only_from_it", t_weight_down},
	{"drain_down_get_no_buckets", t_drain_down_get_nothing},
	{"none_up_all_none", t_none_up},
	{"find_addr", t_find_addr},
	{"bad_args", t_bad_args},
	{"deterministic", t_deterministic},
	{"keyed_by_hash_secret", t_keyed},
	{"build_time_65536x64", t_build_time},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	slb_hash_key_init(&hkey, &test_key);
	init_calls();
	return slb_test_main("be_table", tests);
}
