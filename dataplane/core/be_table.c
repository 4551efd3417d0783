/* be_table.c: builds the immutable backend table (rendezvous-hashed buckets, address map). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "slb_be.h"
#include "slb_hash.h"

#define TABLE_ALIGN 64
#define BUCKETS_LOG2_MIN 8
#define BUCKETS_LOG2_MAX 22


static size_t
align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint32_t
addr_slot(uint32_t ip, uint16_t port, uint32_t mask)
{
	uint64_t k = ((uint64_t)ip << 16) | port;

	/* Fibonacci hashing: one multiply on the per-packet path, the high half is well mixed. */
	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

uint16_t
slb_be_find_addr(const struct slb_be_table *t, uint32_t ip, uint16_t port)
{
	uint32_t i = addr_slot(ip, port, t->addr_mask);
	uint16_t idx;

	/* The map is at most half full, so an empty slot always ends the probe. */
	while ((idx = t->addr_map[i]) != SLB_BE_NONE) {
		if (t->be[idx].ip == ip && t->be[idx].port == port)
			return idx;
		i = (i + 1) & t->addr_mask;
	}
	return SLB_BE_NONE;
}

/*
 * -ln(u) for the pair (bucket, backend id), u uniform in (0, 1). 53 bits of the hash fill a
 * double's mantissa; the half step keeps u off 0 and 1 so the log is finite and non-zero.
 */
static double
neg_log_u(uint32_t bucket, uint16_t id, uint64_t seed)
{
	uint64_t k = ((uint64_t)id << 32) | bucket;
	uint64_t h = slb_hash_seeded(&k, sizeof(k), seed);
	double u = ((double)(h >> 11) + 0.5) * 0x1p-53;

	return -log(u);
}

static int
validate(const struct slb_be *be, uint32_t n, uint32_t buckets_log2)
{
	uint8_t seen[SLB_BE_ID_MAX / 8] = {0};
	uint32_t i;

	if (buckets_log2 < BUCKETS_LOG2_MIN || buckets_log2 > BUCKETS_LOG2_MAX)
		return -1;
	if (n > SLB_BE_MAX || (n > 0 && be == NULL))
		return -1;
	for (i = 0; i < n; i++) {
		uint16_t id = be[i].id;

		if (id >= SLB_BE_ID_MAX || be[i].state > SLB_BE_FAILED)
			return -1;
		if (seen[id / 8] & (1u << (id % 8)))
			return -1;
		seen[id / 8] |= 1u << (id % 8);
	}
	return 0;
}

/* Insert every backend; fails on a second backend at the same ip:port. */
static int
fill_addr_map(struct slb_be_table *t)
{
	uint32_t i;

	memset(t->addr_map, 0xff, ((size_t)t->addr_mask + 1) * sizeof(t->addr_map[0]));
	for (i = 0; i < t->nb_be; i++) {
		uint32_t s = addr_slot(t->be[i].ip, t->be[i].port, t->addr_mask);

		while (t->addr_map[s] != SLB_BE_NONE) {
			const struct slb_be *o = &t->be[t->addr_map[s]];

			if (o->ip == t->be[i].ip && o->port == t->be[i].port)
				return -1;
			s = (s + 1) & t->addr_mask;
		}
		t->addr_map[s] = (uint16_t)i;
	}
	return 0;
}

/*
 * Bucket b goes to the candidate with the highest -w / ln(u), i.e. the lowest -ln(u) / w.
 * Each score depends only on (b, id, weight), so adding, removing or reweighting one backend
 * cannot move a bucket between two others. Ties (practically never) go to the lower id so the
 * result does not depend on the order of the input.
 */
static void
fill_buckets(struct slb_be_table *t, uint64_t seed)
{
	uint16_t cand[SLB_BE_MAX];
	double inv_w[SLB_BE_MAX];
	uint32_t nb_buckets = t->mask + 1;
	uint32_t nc = 0, b, i;

	for (i = 0; i < t->nb_be; i++) {
		if (t->be[i].state != SLB_BE_UP || t->be[i].weight == 0)
			continue;
		cand[nc] = (uint16_t)i;
		inv_w[nc] = 1.0 / t->be[i].weight;
		nc++;
	}
	t->nb_up = nc;

	if (nc == 0) {
		memset(t->bucket, 0xff, (size_t)nb_buckets * sizeof(t->bucket[0]));
		return;
	}
	for (b = 0; b < nb_buckets; b++) {
		uint16_t best = cand[0];
		double best_s = neg_log_u(b, t->be[best].id, seed) * inv_w[0];

		for (i = 1; i < nc; i++) {
			const struct slb_be *e = &t->be[cand[i]];
			double s = neg_log_u(b, e->id, seed) * inv_w[i];

			if (s < best_s || (s == best_s && e->id < t->be[best].id)) {
				best_s = s;
				best = cand[i];
			}
		}
		t->bucket[b] = best;
	}
}

struct slb_be_table *
slb_be_table_build(const struct slb_be *be, uint32_t n, uint32_t buckets_log2, uint64_t seed)
{
	struct slb_be_table *t;
	size_t off_bucket, off_addr, size;
	uint32_t nb_buckets, addr_size, i;

	if (validate(be, n, buckets_log2) < 0) {
		errno = EINVAL;
		return NULL;
	}
	nb_buckets = 1u << buckets_log2;
	/* At least twice the backends, so that probes stay short and always meet an empty slot. */
	addr_size = 16;
	while (addr_size < 2 * n)
		addr_size <<= 1;

	/* One block: header and be[], then the buckets from a new cache line, then the map. */
	off_bucket = align_up(
		offsetof(struct slb_be_table, be) + (size_t)n * sizeof(struct slb_be), TABLE_ALIGN);
	off_addr = align_up(off_bucket + (size_t)nb_buckets * sizeof(uint16_t), TABLE_ALIGN);
	size = align_up(off_addr + (size_t)addr_size * sizeof(uint16_t), TABLE_ALIGN);
	t = aligned_alloc(TABLE_ALIGN, size);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, offsetof(struct slb_be_table, be));
	t->nb_be = n;
	t->mask = nb_buckets - 1;
	t->bucket = (uint16_t *)((char *)t + off_bucket);
	t->addr_mask = addr_size - 1;
	t->addr_map = (uint16_t *)((char *)t + off_addr);
	memset(t->idx_of_id, 0xff, sizeof(t->idx_of_id));
	for (i = 0; i < n; i++) {
		t->be[i] = be[i];
		t->be[i].name[SLB_BE_NAME_LEN - 1] = '\0';
		t->idx_of_id[be[i].id] = (uint16_t)i;
	}
	if (fill_addr_map(t) < 0) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	fill_buckets(t, seed);
	return t;
}

void
slb_be_table_free(struct slb_be_table *t)
{
	free(t);
}
