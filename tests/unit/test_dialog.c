/* test_dialog.c: the dialog table: life cycle, expiry, full table, and lock-free concurrency. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slb_be.h"
#include "slb_dlg.h"
#include "slb_test.h"

#define EARLY_TO 32
#define CONFIRMED_TO 3600

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Distinct keys per (space, i), shaped like Call-ID hashes. */
static uint64_t
key_of(uint32_t space, uint32_t i)
{
	return mix64(((uint64_t)space << 32) | i);
}

/* The backend a key's dialog should carry in the concurrent tests. */
static uint16_t
be_of(uint64_t key)
{
	return (uint16_t)(key % SLB_BE_ID_MAX);
}

static struct slb_dlg_table *
mk_table(uint32_t capacity)
{
	struct slb_dlg_cfg cfg = {capacity, EARLY_TO, CONFIRMED_TO};

	return slb_dlg_create(&cfg);
}

static void
t_config(void)
{
	struct slb_dlg_cfg bad[] = {
		{7, EARLY_TO, CONFIRMED_TO},
		{(1u << 28) + 1, EARLY_TO, CONFIRMED_TO},
		{1024, 0, CONFIRMED_TO},
		{1024, EARLY_TO, 0},
	};
	struct slb_dlg_cfg cfg = {100, EARLY_TO, CONFIRMED_TO};
	struct slb_dlg_table *t;
	size_t size;
	void *mem;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(slb_dlg_memsize(&bad[i]), 0);
		CU_ASSERT_PTR_NULL(slb_dlg_create(&bad[i]));
	}
	CU_ASSERT_PTR_NULL(slb_dlg_create(NULL));

	/* 100 dialogs: 13 buckets, rounded up to 16. */
	t = slb_dlg_create(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_buckets(t), 16);
	CU_ASSERT_EQUAL(slb_dlg_slots(t), 128);
	slb_dlg_destroy(t);

	cfg.capacity = 1u << 28;
	CU_ASSERT(slb_dlg_memsize(&cfg) >= ((size_t)1 << 28) * 16);

	/* Caller memory: must be 64-byte aligned. */
	cfg.capacity = 8;
	size = slb_dlg_memsize(&cfg);
	CU_ASSERT_FATAL(size > 0);
	mem = aligned_alloc(64, size + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	CU_ASSERT_PTR_NULL(slb_dlg_init((char *)mem + 8, &cfg));
	t = slb_dlg_init(mem, &cfg);
	CU_ASSERT_PTR_EQUAL(t, mem);
	CU_ASSERT_EQUAL(slb_dlg_slots(t), 8);
	CU_ASSERT_EQUAL(slb_dlg_buckets(t), 1);
	free(mem);
}

static void
t_lifecycle(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t k = key_of(1, 1);
	uint16_t be = 17;
	uint8_t st = 0;
	uint64_t exp = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 100, &be, &st), 0);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 100, &exp), 0);
	CU_ASSERT_EQUAL(be, 17);
	CU_ASSERT_EQUAL(exp, 0);
	be = 0;
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 101, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 17);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 101), 1);

	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 102), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 102, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 17);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 103), 1); /* a retransmitted 2xx */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 103, NULL, NULL), 1);

	/* Others are not it. */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(1, 2), 103, &be, &st), 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, key_of(1, 2), 103), 0);
	CU_ASSERT_EQUAL(slb_dlg_end(t, key_of(1, 2), NULL), 0);

	CU_ASSERT_EQUAL(slb_dlg_end(t, k, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 104, &be, &st), 0);
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 104), 0);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 104), 0);

	/* A new dialog with the same Call-ID after the end is a new one. */
	be = 99;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 105, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 105, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 99);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY);
	slb_dlg_destroy(t);
}

static void
t_retransmit_keeps_backend(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t k = key_of(2, 1);
	uint16_t be = 5;
	uint64_t exp = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 100, &exp), 0);
	be = 9;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 101, &exp), 1);
	CU_ASSERT_EQUAL(be, 5);
	CU_ASSERT_EQUAL(exp, 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 102), 1);
	be = 9;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 103, NULL), 1);
	CU_ASSERT_EQUAL(be, 5);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 103), 1);
	slb_dlg_destroy(t);
}

static void
t_early_expiry(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t a = key_of(3, 1), b = key_of(3, 2);
	uint16_t be = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, a, &be, 1000, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, b, &be, 1000, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO - 1), 2);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO), 0);
	/* Untouched: dead after early_timeout; confirm and end do not bring it back. */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, b, 1000 + EARLY_TO, NULL, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, b, 1000 + EARLY_TO), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, b, 1000 + EARLY_TO - 1, NULL, NULL), 1);
	/* a: seen at the last second, lives one more timeout from there. */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1000 + EARLY_TO - 1, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1000 + 2 * EARLY_TO - 2, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1000 + 3 * EARLY_TO - 2, NULL, NULL), 0);
	slb_dlg_destroy(t);
}

static void
t_confirmed_expiry(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t a = key_of(4, 1);
	uint16_t be = 1;
	uint8_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, a, &be, 1000, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, a, 1010), 1);
	/* Past the early timeout: the confirmed one applies. */
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1010 + EARLY_TO + 1), 1);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1010 + CONFIRMED_TO - 1), 1);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1010 + CONFIRMED_TO), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1010 + CONFIRMED_TO - 1, &be, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1010 + 2 * CONFIRMED_TO - 2, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 1010 + 3 * CONFIRMED_TO - 2, NULL, NULL), 0);
	slb_dlg_destroy(t);
}

static void
t_refresh_extends_life(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t a = key_of(5, 1), b = key_of(5, 2);
	uint16_t be = 3;
	uint32_t now;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, a, &be, 100, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, b, &be, 100, NULL), 0);
	/* a gets a message every 20 s and lives 10 timeouts; b gets none. */
	for (now = 120; now <= 100 + 10 * EARLY_TO; now += 20)
		CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, now, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, b, 140, NULL, NULL), 0);
	now -= 20; /* the last message */
	/* A retransmitted INVITE is a message too. */
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, a, &be, now + EARLY_TO - 1, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, now + 2 * EARLY_TO - 2, NULL, NULL), 1);
	slb_dlg_destroy(t);
}

/* The lookup writes only when the second changed: the table's bytes show it. */
static void
t_refresh_once_per_second(void)
{
	struct slb_dlg_cfg cfg = {64, EARLY_TO, CONFIRMED_TO};
	size_t size = slb_dlg_memsize(&cfg);
	void *mem = aligned_alloc(64, size), *copy = malloc(size);
	struct slb_dlg_table *t = slb_dlg_init(mem, &cfg);
	uint64_t a = key_of(6, 1);
	uint16_t be = 3;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, a, &be, 500, NULL), 0);
	memcpy(copy, mem, size);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 500, NULL, NULL), 1);
	CU_ASSERT_EQUAL(memcmp(copy, mem, size), 0);
	/* A worker whose clock lags does not move last-seen back. */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 498, NULL, NULL), 1);
	CU_ASSERT_EQUAL(memcmp(copy, mem, size), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 501, NULL, NULL), 1);
	CU_ASSERT_NOT_EQUAL(memcmp(copy, mem, size), 0);
	memcpy(copy, mem, size);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 501, NULL, NULL), 1);
	CU_ASSERT_EQUAL(memcmp(copy, mem, size), 0);
	free(copy);
	free(mem);
}

/* Capacity 8: one bucket, both choices of every key are it. */
static void
t_full_table(void)
{
	struct slb_dlg_table *t = mk_table(8);
	uint16_t be;
	uint32_t i, bad = 0;
	uint64_t exp = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 8; i++) {
		be = (uint16_t)i;
		CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(7, i), &be, 1000 + i, &exp), 0);
		CU_ASSERT_EQUAL(exp, 0);
	}
	be = 8;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(7, 8), &be, 1010, &exp), -ENOSPC);
	CU_ASSERT_EQUAL(exp, 0);
	/* Looked up at 1000 (a lagging clock) so that last-seen stays the creation second. */
	for (i = 0; i < 8; i++)
		bad += slb_dlg_lookup(t, key_of(7, i), 1000, &be, NULL) != 1 || be != i;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(7, 8), 1010, NULL, NULL), 0);

	/* An ended slot is free and reusing it is not an expiry. */
	CU_ASSERT_EQUAL(slb_dlg_end(t, key_of(7, 3), NULL), 1);
	be = 8;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(7, 8), &be, 1011, &exp), 0);
	CU_ASSERT_EQUAL(exp, 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(7, 3), 1011, NULL, NULL), 0);
	be = 9;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(7, 9), &be, 1011, &exp), -ENOSPC);

	/* Key 0 (created at 1000) expired at 1000 + EARLY_TO: its slot is taken, and said so. */
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(7, 9), &be, 1000 + EARLY_TO, &exp), 0);
	CU_ASSERT_EQUAL(exp, key_of(7, 0));
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(7, 9), 1000 + EARLY_TO, &be, NULL), 1);
	CU_ASSERT_EQUAL(be, 9);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO), 8);
	be = 10;
	CU_ASSERT_EQUAL(
		slb_dlg_create_entry(t, key_of(7, 10), &be, 1000 + EARLY_TO, &exp), -ENOSPC);
	slb_dlg_destroy(t);
}

static void
t_expire_counts(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint32_t nb, i, sum, first;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	nb = slb_dlg_buckets(t);
	CU_ASSERT_EQUAL(nb, 128);
	for (i = 0; i < 300; i++) {
		be = (uint16_t)i;
		CU_ASSERT_EQUAL(slb_dlg_create_entry(t, key_of(8, i), &be, 1000, NULL), 0);
		if (i < 100)
			CU_ASSERT_EQUAL(slb_dlg_confirm(t, key_of(8, i), 1000), 1);
	}
	CU_ASSERT_EQUAL(slb_dlg_expire(t, 1000 + EARLY_TO - 1, 0, nb, NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO - 1), 300);

	/* In wrapping slices, 7 buckets at a time from the middle: each bucket swept once. */
	sum = 0;
	first = nb / 2 + 3;
	for (i = 0; i < nb; i += 7)
		sum += slb_dlg_expire(t, 1000 + EARLY_TO, first + i, i + 7 <= nb ? 7 : nb - i, NULL,
			0, NULL);
	CU_ASSERT_EQUAL(sum, 200);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO), 100);
	CU_ASSERT_EQUAL(slb_dlg_expire(t, 1000 + EARLY_TO, 0, nb, NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(8, 150), 1000 + EARLY_TO, NULL, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, key_of(8, 50), 1000 + EARLY_TO, NULL, NULL), 1);

	/* n past the number of buckets sweeps each once; first may be any value. */
	CU_ASSERT_EQUAL(
		slb_dlg_expire(t, 2000 + CONFIRMED_TO, UINT32_MAX - 5, 3 * nb, NULL, 0, NULL), 100);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 0), 0);
	slb_dlg_destroy(t);
}

static void
t_key_zero_and_bad_be(void)
{
	struct slb_dlg_table *t = mk_table(64);
	uint16_t be = 7;
	uint64_t exp = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* 0 marks unused slots: a hash of 0 is stored as 1 (they share an entry). */
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, 0, &be, 10, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, 0, 10, &be, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, 1, 10, &be, NULL), 1);
	CU_ASSERT_EQUAL(be, 7);
	CU_ASSERT_EQUAL(slb_dlg_end(t, 0, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, 1, 10, NULL, NULL), 0);

	be = SLB_BE_ID_MAX;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, 5, &be, 10, &exp), -EINVAL);
	CU_ASSERT_EQUAL(exp, 0);
	be = SLB_BE_ID_MAX - 1;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, 5, &be, 10, NULL), 0);
	be = 0;
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, 5, 10, &be, NULL), 1);
	CU_ASSERT_EQUAL(be, SLB_BE_ID_MAX - 1);
	slb_dlg_destroy(t);
}

/*
 * Two choices per key, no relocation: nothing is refused up to 70% full (the first refusal
 * comes near 75%), and few at 90%.
 */
static void
t_load_factor(void)
{
	struct slb_dlg_table *t = mk_table(1u << 16);
	uint32_t slots, i, n70, n90, full70 = 0, full = 0, lost = 0;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	slots = slb_dlg_slots(t);
	n70 = slots / 100 * 70;
	n90 = slots / 100 * 90;
	for (i = 0; i < n90; i++) {
		if (i == n70)
			full70 = full;
		be = be_of(key_of(9, i));
		full += slb_dlg_create_entry(t, key_of(9, i), &be, 100, NULL) == -ENOSPC;
	}
	for (i = 0; i < n90; i++)
		lost += slb_dlg_lookup(t, key_of(9, i), 100, &be, NULL) != 1 ||
			be != be_of(key_of(9, i));
	printf("\n    %u slots: %u refused at 70%%, %u at 90%%\n  ", slots, full70, full);
	CU_ASSERT_EQUAL(full70, 0);
	CU_ASSERT(full < n90 / 100);
	CU_ASSERT_EQUAL(lost, full);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 100), n90 - full);
	slb_dlg_destroy(t);
}

/* Concurrency: writers churn dialogs while readers must always find the stable ones. */

#define NB_STABLE 256
#define WINDOW 256
#define OPS 200000
#define NOW 1000
#define TICK 10000 /* ops per simulated second: lookups refresh, nothing reaches EARLY_TO */

struct rw_arg {
	struct slb_dlg_table *t;
	pthread_barrier_t *start;
	uint32_t id;
	uint32_t errors; /* a stable dialog missed or with the wrong backend */
	uint32_t wrong;	 /* any dialog returned with a backend not its own */
	uint32_t full;
	uint32_t live; /* writer: dialogs it left */
};

static void *
writer(void *p)
{
	struct rw_arg *a = p;
	uint64_t win[WINDOW];
	uint32_t i, head = 0, n = 0;
	uint16_t be;

	pthread_barrier_wait(a->start);
	for (i = 0; i < OPS; i++) {
		uint64_t k = key_of(100 + a->id, i);
		uint32_t now = NOW + i / TICK;

		if (n == WINDOW) {
			a->errors += slb_dlg_end(a->t, win[head], NULL) != 1;
			n--;
			head = (head + 1) % WINDOW;
		}
		be = be_of(k);
		switch (slb_dlg_create_entry(a->t, k, &be, now, NULL)) {
		case 0:
			win[(head + n) % WINDOW] = k;
			n++;
			a->errors += slb_dlg_lookup(a->t, k, now, &be, NULL) != 1 || be != be_of(k);
			break;
		case -ENOSPC:
			a->full++;
			break;
		default:
			a->errors++;
		}
	}
	a->live = n;
	return NULL;
}

static void *
reader(void *p)
{
	struct rw_arg *a = p;
	uint64_t r = a->id;
	uint32_t i;
	uint16_t be;

	pthread_barrier_wait(a->start);
	for (i = 0; i < OPS; i++) {
		uint32_t now = NOW + i / TICK;
		uint64_t k;

		r = mix64(r);
		if (i % 2 == 0) {
			k = key_of(1, (uint32_t)(r % NB_STABLE));
			a->errors += slb_dlg_lookup(a->t, k, now, &be, NULL) != 1 || be != be_of(k);
		} else {
			/* A writer's recent dialog: if found, it must carry its own backend. */
			k = key_of(100 + (uint32_t)(r >> 63), (uint32_t)(r % OPS));
			if (slb_dlg_lookup(a->t, k, now, &be, NULL) == 1)
				a->wrong += be != be_of(k);
		}
	}
	return NULL;
}

static void
t_concurrent_readers_writers(void)
{
	/* Small, so that churn keeps reusing slots of the buckets the stable dialogs live in. */
	struct slb_dlg_table *t = mk_table(2048);
	struct rw_arg args[4];
	pthread_t th[4];
	pthread_barrier_t start;
	uint32_t i, left = 0, full = 0;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < NB_STABLE; i++) {
		uint64_t k = key_of(1, i);

		be = be_of(k);
		CU_ASSERT_EQUAL_FATAL(slb_dlg_create_entry(t, k, &be, NOW, NULL), 0);
		CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, NOW), 1);
	}
	pthread_barrier_init(&start, NULL, 4);
	for (i = 0; i < 4; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].t = t;
		args[i].start = &start;
		args[i].id = i % 2;
		pthread_create(&th[i], NULL, i < 2 ? writer : reader, &args[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].errors, 0);
		CU_ASSERT_EQUAL(args[i].wrong, 0);
		left += args[i].live;
		full += args[i].full;
	}
	pthread_barrier_destroy(&start);
	CU_ASSERT(full < OPS / 1000);
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW + OPS / TICK), NB_STABLE + left);
	slb_dlg_destroy(t);
}

/*
 * Concurrency: threads create the same keys at the same moment, each asking another backend.
 * Exactly one create wins per key whatever the scheduling; a thread whose rival stayed
 * undecided too long (descheduled: more threads than cores) gets -EBUSY and no backend.
 */

#define RACE_KEYS 20000
#define RACE_ROUND 4
#define RACE_MAX_THREADS 4

/*
 * Spinning, so that the threads leave it within a few hundred nanoseconds of each other (a
 * futex wake-up takes microseconds: one thread would be many keys ahead). It yields when
 * there are more threads than cores, and under valgrind.
 */
struct spin_barrier {
	uint32_t n;
	uint32_t count;
	uint32_t gen;
};

static void
spin_barrier_wait(struct spin_barrier *b)
{
	uint32_t gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
	unsigned int spins = 0;

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen)
		if (++spins > 256)
			sched_yield();
}

struct race_arg {
	struct slb_dlg_table *t;
	struct spin_barrier *round;
	uint32_t id;
	uint32_t created;
	uint32_t errors;
	uint16_t *seen; /* RACE_KEYS: the backend the create returned */
};

static void *
racer(void *p)
{
	struct race_arg *a = p;
	uint32_t i;

	for (i = 0; i < RACE_KEYS; i++) {
		uint16_t be = (uint16_t)(1 + a->id);
		int r;

		/* Start each round together so that the threads meet on the same keys. */
		if (i % RACE_ROUND == 0)
			spin_barrier_wait(a->round);
		r = slb_dlg_create_entry(a->t, key_of(200, i), &be, NOW, NULL);
		if (r == 0)
			a->created++;
		else if (r == -EBUSY)
			be = 0; /* the other creator was descheduled: this one went by hash */
		else if (r != 1)
			a->errors++;
		a->seen[i] = be;
	}
	return NULL;
}

static void
race(uint32_t nb_threads)
{
	struct slb_dlg_table *t = mk_table(1u << 16);
	struct race_arg args[RACE_MAX_THREADS];
	pthread_t th[RACE_MAX_THREADS];
	struct spin_barrier round = {nb_threads, 0, 0};
	uint32_t i, j, created = 0, differ = 0, missing = 0;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < nb_threads; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].t = t;
		args[i].round = &round;
		args[i].id = i;
		args[i].seen = calloc(RACE_KEYS, sizeof(uint16_t));
		CU_ASSERT_PTR_NOT_NULL_FATAL(args[i].seen);
	}
	for (i = 0; i < nb_threads; i++)
		pthread_create(&th[i], NULL, racer, &args[i]);
	for (i = 0; i < nb_threads; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].errors, 0);
		created += args[i].created;
	}
	/* Each key created once, one live entry each, and every thread told the same backend. */
	CU_ASSERT_EQUAL(created, RACE_KEYS);
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW), RACE_KEYS);
	for (i = 0; i < RACE_KEYS; i++) {
		if (slb_dlg_lookup(t, key_of(200, i), NOW, &be, NULL) != 1) {
			missing++;
			continue;
		}
		for (j = 0; j < nb_threads; j++)
			differ += args[j].seen[i] != 0 && args[j].seen[i] != be;
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(differ, 0);
	for (i = 0; i < nb_threads; i++)
		free(args[i].seen);
	slb_dlg_destroy(t);
}

static void
t_race_same_keys_2(void)
{
	race(2);
}

static void
t_race_same_keys_4(void)
{
	race(4);
}

/*
 * An expired copy of a key that is not swept yet and a live copy made after it can both be in
 * the table (the new one went to the emptier bucket). The 200 to the BYE must end the live one:
 * ending the first copy found, the expired one, left the call pinned until its timeout.
 */
static void
t_end_all_copies(void)
{
	struct slb_dlg_table *t = mk_table(16); /* two buckets: every key may use both */
	uint64_t k = 0, f[15];
	uint32_t i, n = 0, ended_b = 0;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(slb_dlg_buckets(t), 2);
	/* a key whose first bucket is bucket 0 (bits 22 up pick it) */
	for (i = 0; k == 0 || ((k >> 22) & 1) != 0; i++)
		k = key_of(300, i);
	be = 7;
	CU_ASSERT_EQUAL_FATAL(slb_dlg_create_entry(t, k, &be, 1, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_where(t, k, 1) / 8, 0);
	/* fill the table with confirmed dialogs (they outlive k's early timeout) */
	for (i = 0; n < 15; i++) {
		uint64_t x = key_of(301, i);

		be = 8;
		if (slb_dlg_create_entry(t, x, &be, 1, NULL) != 0)
			break;
		CU_ASSERT_EQUAL(slb_dlg_confirm(t, x, 1), 1);
		f[n++] = x;
	}
	CU_ASSERT_EQUAL_FATAL(n, 15);
	/* free two slots of bucket 1, so that bucket 1 is the emptier one */
	for (i = 0; i < n && ended_b < 2; i++)
		if (slb_dlg_where(t, f[i], 1) / 8 == 1 && slb_dlg_end(t, f[i], NULL) == 1)
			ended_b++;
	CU_ASSERT_EQUAL_FATAL(ended_b, 2);
	/* k expires, unswept; the call is placed again and lands in bucket 1 */
	be = 9;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 1 + EARLY_TO + 1, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_where(t, k, 1 + EARLY_TO + 1) / 8, 1);
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 1 + EARLY_TO + 1, &be, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, NULL), 0);
	slb_dlg_destroy(t);
}

/*
 * Two keys with the same 16-bit tag and the same buckets take turns in one slot while a reader
 * looks both up: a reader must never be handed the other key's backend (a key changing under
 * it between its loads of key and val).
 */
#define REUSE_ROUNDS 200000

struct reuse_arg {
	struct slb_dlg_table *t;
	uint64_t k[2];
	uint32_t wrong;
	uint32_t seen;
	int stop;
};

static void *
reuse_writer(void *p)
{
	struct reuse_arg *a = p;
	uint32_t i, j;

	for (i = 0; i < REUSE_ROUNDS; i++)
		for (j = 0; j < 2; j++) {
			uint16_t be = be_of(a->k[j]);

			if (slb_dlg_create_entry(a->t, a->k[j], &be, NOW, NULL) >= 0)
				slb_dlg_end(a->t, a->k[j], NULL);
		}
	__atomic_store_n(&a->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *
reuse_reader(void *p)
{
	struct reuse_arg *a = p;
	uint32_t j;
	uint16_t be;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE))
		for (j = 0; j < 2; j++)
			if (slb_dlg_lookup(a->t, a->k[j], NOW, &be, NULL) == 1) {
				a->seen++;
				a->wrong += be != be_of(a->k[j]);
			}
	return NULL;
}

static void
t_same_tag_slot_reuse(void)
{
	struct reuse_arg a = {.t = mk_table(16)};
	pthread_t w, r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a.t);
	/* same tag (bits 48..63), same buckets (bit 22), other backends (low bits) */
	a.k[0] = 0xabcd000000000000ull | 0x111;
	a.k[1] = 0xabcd000000000000ull | 0x222;
	CU_ASSERT_NOT_EQUAL(be_of(a.k[0]), be_of(a.k[1]));
	pthread_create(&r, NULL, reuse_reader, &a);
	pthread_create(&w, NULL, reuse_writer, &a);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	CU_ASSERT_EQUAL(a.wrong, 0);
	printf("\n    %u lookups found a dialog, %u with the other key's backend\n  ", a.seen,
		a.wrong);
	slb_dlg_destroy(a.t);
}

/*
 * An INVITE's dialog is EARLY until its backend answers anything, then ANSWERED: only an EARLY
 * one may move to another backend (repin), and only from the backend it is on.
 */
static void
t_answered_and_repin(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t k = key_of(400, 1), k2 = key_of(400, 2);
	uint16_t be = 5;
	uint8_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 10, NULL), 0);
	/* not from another backend than its own */
	CU_ASSERT_EQUAL(slb_dlg_repin(t, k, 6, 7, 10), 0);
	CU_ASSERT_EQUAL(slb_dlg_repin(t, k, 5, 7, 11), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 11, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 7);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY);
	/* answered: stays where it is */
	CU_ASSERT_EQUAL(slb_dlg_answered(t, k, 12), 1);
	CU_ASSERT_EQUAL(slb_dlg_answered(t, k, 12), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 12, &be, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_ANSWERED);
	CU_ASSERT_EQUAL(slb_dlg_repin(t, k, 7, 8, 12), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 12, &be, NULL), 1);
	CU_ASSERT_EQUAL(be, 7);
	/* it lives as long as an early one, is confirmed and ended as one */
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 12 + EARLY_TO - 1, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 13 + EARLY_TO - 1), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k, 13 + EARLY_TO - 1, NULL, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_dlg_answered(t, k, 14 + EARLY_TO), 0);
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, NULL), 1);
	/* an answered one expires at the early timeout */
	be = 3;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k2, &be, 100, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_answered(t, k2, 100), 1);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k2, 100 + EARLY_TO, NULL, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_repin(t, key_of(400, 3), 3, 4, 100), 0); /* absent */
	slb_dlg_destroy(t);
}

/* Live dialogs per backend, counted slice by slice, add up to what is live, expired ones not. */
static void
t_count_by_backend(void)
{
	struct slb_dlg_table *t = mk_table(4096);
	static uint32_t per_be[SLB_BE_ID_MAX];
	uint32_t i, nb, first, want[3] = {0, 0, 0};
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 900; i++) {
		be = (uint16_t)(4000 + i % 3);
		CU_ASSERT_EQUAL_FATAL(slb_dlg_create_entry(t, key_of(500, i), &be, 10, NULL), 0);
		if (i % 2 != 0)
			continue; /* left early: expired by the time of the count */
		CU_ASSERT_EQUAL(slb_dlg_confirm(t, key_of(500, i), 10), 1);
		want[i % 3]++;
	}
	memset(per_be, 0, sizeof(per_be));
	nb = slb_dlg_buckets(t);
	/* in uneven slices, as the sweep does: each bucket once */
	for (first = 0; first < nb; first += 7)
		slb_dlg_count_be(t, 10 + EARLY_TO, first, nb - first < 7 ? nb - first : 7, per_be);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(per_be[4000 + i], want[i]);
	CU_ASSERT_EQUAL(per_be[0], 0);
	slb_dlg_destroy(t);
}

/*
 * A pin (Redis, another balancer) creates a dialog in its own state, never takes a live local
 * one's backend, and only moves the local state forward.
 */
static void
t_pin(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	uint64_t a = key_of(600, 1), b = key_of(600, 2), c = key_of(600, 3), d = key_of(600, 4);
	uint16_t be = 0;
	uint8_t st = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* new: in the pinned state, with its timeout */
	CU_ASSERT_EQUAL(slb_dlg_pin(t, a, 11, SLB_DLG_CONFIRMED, 100), 0);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, a, 100, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 11);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, a, 100 + EARLY_TO + 5, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, b, 12, SLB_DLG_ANSWERED, 100), 0);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, b, 100, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 12);
	CU_ASSERT_EQUAL(st, SLB_DLG_ANSWERED);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, b, 100 + EARLY_TO, NULL, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, c, 13, SLB_DLG_EARLY, 100), 0);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, c, 100, &be, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY);
	/* a worker's create finds the pinned one and takes its backend */
	be = 99;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, c, &be, 101, NULL), 1);
	CU_ASSERT_EQUAL(be, 13);

	/* a live local EARLY one keeps its backend; CONFIRMED moves it on */
	be = 5;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, d, &be, 200, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 9, SLB_DLG_EARLY, 200), 1);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 9, SLB_DLG_ANSWERED, 200), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, d, 200, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 5);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY); /* answered on another backend: not ours */
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 5, SLB_DLG_ANSWERED, 200), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, d, 200, &be, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_ANSWERED);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 9, SLB_DLG_CONFIRMED, 201), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, d, 201, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 5);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	/* never backwards */
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 5, SLB_DLG_EARLY, 202), 1);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, d, 5, SLB_DLG_ANSWERED, 202), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, d, 202, &be, &st), 1);
	CU_ASSERT_EQUAL(st, SLB_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_dlg_count(t, 202), 2); /* a and d: b and c expired, the rest copies */

	/* a pin refreshes the live one it meets */
	be = 6;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, b, &be, 300, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, b, 6, SLB_DLG_EARLY, 300 + EARLY_TO - 1), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, b, 300 + EARLY_TO + 1, NULL, NULL), 1);

	/* an expired local one is replaced by the pin */
	CU_ASSERT_EQUAL(slb_dlg_pin(t, c, 14, SLB_DLG_EARLY, 101 + EARLY_TO), 0);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, c, 101 + EARLY_TO, &be, NULL), 1);
	CU_ASSERT_EQUAL(be, 14);

	/* refused: nothing created */
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(600, 9), SLB_BE_ID_MAX, SLB_DLG_EARLY, 400), -EINVAL);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(600, 9), 1, SLB_DLG_FREE, 400), -EINVAL);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(600, 9), 1, 4, 400), -EINVAL);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(600, 9), 1, 15, 400), -EINVAL);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, key_of(600, 9), 400, NULL, NULL), 0);
	slb_dlg_destroy(t);

	/* full: -ENOSPC, as a create */
	t = mk_table(8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (be = 0; be < 8; be++)
		CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(601, be), be, SLB_DLG_CONFIRMED, 10), 0);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(601, 8), 1, SLB_DLG_CONFIRMED, 10), -ENOSPC);
	slb_dlg_destroy(t);
}

/* peek leaves the last-seen time alone, lookup refreshes it: an operator's look is not traffic. */
static void
t_peek_does_not_refresh(void)
{
	struct slb_dlg_table *t = mk_table(64);
	uint64_t k = key_of(602, 1), k2 = key_of(602, 2);
	uint16_t be = 3;
	uint8_t st = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 10, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k2, &be, 10, NULL), 0);
	be = 0;
	CU_ASSERT_EQUAL(slb_dlg_peek(t, k, 10 + EARLY_TO - 1, &be, &st), 1);
	CU_ASSERT_EQUAL(be, 3);
	CU_ASSERT_EQUAL(st, SLB_DLG_EARLY);
	CU_ASSERT_EQUAL(slb_dlg_lookup(t, k2, 10 + EARLY_TO - 1, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, k, 10 + EARLY_TO, NULL, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, k2, 10 + EARLY_TO, NULL, NULL), 1);
	CU_ASSERT_EQUAL(slb_dlg_peek(t, key_of(602, 3), 10, NULL, NULL), 0);
	slb_dlg_destroy(t);
}

/* The end tells which backend the dialog was on (the ENDED event carries it). */
static void
t_end_reports_backend(void)
{
	struct slb_dlg_table *t = mk_table(64);
	uint64_t k = key_of(603, 1);
	uint16_t be = 42, got = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, k, &be, 10, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_confirm(t, k, 11), 1);
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, &got), 1);
	CU_ASSERT_EQUAL(got, 42);
	got = 7;
	CU_ASSERT_EQUAL(slb_dlg_end(t, k, &got), 0);
	CU_ASSERT_EQUAL(got, 7); /* untouched when nothing ended */
	slb_dlg_destroy(t);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sweep lists the key of each dialog it frees: every expired one exactly once, none that
 * lives, however small the list (it stops before a bucket that might not fit and says where).
 */
static void
t_expire_lists_keys(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	static const uint32_t caps[] = {0, 7, 8, 21, 1024};
	static uint64_t keys[1024], want[200];
	uint32_t nb, i, n, swept, cursor, total, rounds, cap, c;
	uint16_t be;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	nb = slb_dlg_buckets(t);
	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		cap = caps[c];
		for (i = 0; i < 300; i++) {
			be = (uint16_t)i;
			CU_ASSERT_EQUAL_FATAL(
				slb_dlg_create_entry(t, key_of(604 + cap, i), &be, 1000, NULL), 0);
			if (i % 3 == 0) {
				CU_ASSERT_EQUAL(slb_dlg_confirm(t, key_of(604 + cap, i), 1000), 1);
			} else {
				want[i - i / 3 - 1] = key_of(604 + cap, i);
			}
		}
		if (cap < 8) {
			/* not even one bucket fits: nothing swept, nothing freed */
			CU_ASSERT_EQUAL(
				slb_dlg_expire(t, 1000 + EARLY_TO, 0, nb, keys, cap, &swept), 0);
			CU_ASSERT_EQUAL(swept, 0);
			CU_ASSERT_EQUAL(slb_dlg_count(t, 1000), 300);
			CU_ASSERT_EQUAL(
				slb_dlg_expire(t, 1000 + EARLY_TO, 0, nb, NULL, 0, &swept), 200);
			CU_ASSERT_EQUAL(swept, nb);
			CU_ASSERT_EQUAL(
				slb_dlg_expire(t, 5000 + CONFIRMED_TO, 0, nb, NULL, 0, NULL), 100);
			continue;
		}
		/* from the middle, as the sweep's cursor goes, until every bucket is swept once */
		cursor = nb / 2 + 1;
		total = 0;
		rounds = 0;
		for (n = nb; n > 0; n -= swept, cursor += swept, rounds++) {
			total += slb_dlg_expire(
				t, 1000 + EARLY_TO, cursor, n, keys + total, cap, &swept);
			CU_ASSERT_FATAL(swept > 0 && swept <= n && total <= 200);
			if (cap >= 8 * n)
				CU_ASSERT_EQUAL(swept, n);
		}
		CU_ASSERT_EQUAL(total, 200);
		if (cap == 8)
			CU_ASSERT(rounds > 1);
		qsort(keys, total, sizeof(keys[0]), cmp_u64);
		qsort(want, 200, sizeof(want[0]), cmp_u64);
		CU_ASSERT_EQUAL(memcmp(keys, want, sizeof(want)), 0);
		CU_ASSERT_EQUAL(slb_dlg_count(t, 1000 + EARLY_TO), 100);
		/* the rest go at their own timeout */
		CU_ASSERT_EQUAL(
			slb_dlg_expire(t, 5000 + CONFIRMED_TO, 0, nb, keys, 1024, NULL), 100);
	}
	/* the hash 0 is kept as 1: listed as 1 */
	be = 1;
	CU_ASSERT_EQUAL(slb_dlg_create_entry(t, 0, &be, 10, NULL), 0);
	CU_ASSERT_EQUAL(slb_dlg_expire(t, 10 + EARLY_TO, 0, nb, keys, 8 * nb, NULL), 1);
	CU_ASSERT_EQUAL(keys[0], 1);
	slb_dlg_destroy(t);
}

/*
 * A pin (main lcore) and a worker's create meet on the same keys: one live copy each, the
 * create told the backend that stays, and the dialog CONFIRMED whichever came first.
 */
struct pin_race_arg {
	struct slb_dlg_table *t;
	struct spin_barrier *round;
	bool pinner;
	uint32_t errors;
	uint16_t *seen;
};

static void *
pin_racer(void *p)
{
	struct pin_race_arg *a = p;
	uint32_t i;

	for (i = 0; i < RACE_KEYS; i++) {
		uint16_t be = a->pinner ? 2 : 1;
		int r;

		if (i % RACE_ROUND == 0)
			spin_barrier_wait(a->round);
		if (a->pinner) {
			uint32_t tries = 0;

			/* as the main lcore does: a create preempted mid-way answers -EBUSY */
			do
				r = slb_dlg_pin(a->t, key_of(605, i), be, SLB_DLG_CONFIRMED, NOW);
			while (r == -EBUSY && ++tries < 100000);
		} else
			r = slb_dlg_create_entry(a->t, key_of(605, i), &be, NOW, NULL);
		if (r == -EBUSY)
			be = 0;
		else if (r != 0 && r != 1)
			a->errors++;
		a->seen[i] = be;
	}
	return NULL;
}

static void
t_pin_races_create(void)
{
	struct slb_dlg_table *t = mk_table(1u << 16);
	struct spin_barrier round = {2, 0, 0};
	struct pin_race_arg args[2];
	pthread_t th[2];
	uint32_t i, bad_be = 0, bad_st = 0, missing = 0, pinner_won = 0;
	uint16_t be;
	uint8_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 2; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].t = t;
		args[i].round = &round;
		args[i].pinner = i == 1;
		args[i].seen = calloc(RACE_KEYS, sizeof(uint16_t));
		CU_ASSERT_PTR_NOT_NULL_FATAL(args[i].seen);
	}
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, pin_racer, &args[i]);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].errors, 0);
	}
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW), RACE_KEYS);
	for (i = 0; i < RACE_KEYS; i++) {
		if (slb_dlg_peek(t, key_of(605, i), NOW, &be, &st) != 1) {
			missing++;
			continue;
		}
		bad_be += args[0].seen[i] != 0 && args[0].seen[i] != be;
		/* a pin still refused (-EBUSY after its tries) applied nothing */
		bad_st += args[1].seen[i] != 0 && st != SLB_DLG_CONFIRMED;
		pinner_won += be == 2;
	}
	printf("\n    %u of %u keys: the pin came first\n  ", pinner_won, RACE_KEYS);
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(bad_be, 0);
	CU_ASSERT_EQUAL(bad_st, 0);
	for (i = 0; i < 2; i++)
		free(args[i].seen);
	slb_dlg_destroy(t);
}

static CU_TestInfo tests[] = {
	{"config", t_config},
	{"lifecycle", t_lifecycle},
	{"retransmit_keeps_backend", t_retransmit_keeps_backend},
	{"early_expiry", t_early_expiry},
	{"confirmed_expiry", t_confirmed_expiry},
	{"refresh_extends_life", t_refresh_extends_life},
	{"refresh_once_per_second", t_refresh_once_per_second},
	{"full_table", t_full_table},
	{"expire_counts", t_expire_counts},
	{"key_zero_and_bad_be", t_key_zero_and_bad_be},
	{"load_factor_90", t_load_factor},
	{"concurrent_readers_writers", t_concurrent_readers_writers},
	{"race_same_keys_2_threads", t_race_same_keys_2},
	{"race_same_keys_4_threads", t_race_same_keys_4},
	{"end_ends_every_copy", t_end_all_copies},
	{"same_tag_slot_reuse", t_same_tag_slot_reuse},
	{"answered_and_repin", t_answered_and_repin},
	{"count_by_backend", t_count_by_backend},
	{"pin", t_pin},
	{"peek_does_not_refresh", t_peek_does_not_refresh},
	{"end_reports_backend", t_end_reports_backend},
	{"expire_lists_keys", t_expire_lists_keys},
	{"pin_races_create", t_pin_races_create},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("dialog", tests);
}
