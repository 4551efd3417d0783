/* slb_be.h: backends and the immutable table that maps a Call-ID hash to one of them. */
#ifndef SLB_BE_H
#define SLB_BE_H

#include <stdint.h>

#define SLB_BE_MAX 1024       /* backends in one table */
#define SLB_BE_ID_MAX 4096    /* backend ids are 0..4095: they are stored in 12 bits */
#define SLB_BE_NONE 0xffffu   /* "no backend": none can take new calls */
#define SLB_BE_NAME_LEN 32

enum slb_be_state {
	SLB_BE_UP = 0,  /* takes new calls and its dialogs */
	SLB_BE_DRAIN,   /* keeps its dialogs, takes no new calls */
	SLB_BE_DOWN,    /* takes nothing; its dialogs go by the hash again */
	SLB_BE_FAILED,  /* found dead: no new calls; answered dialogs stay pinned (it may come
	                 * back), INVITEs it never answered go by the hash again */
};

struct slb_be {
	uint16_t id;      /* stable identity (config), 0..SLB_BE_ID_MAX-1; the hash is keyed on it */
	uint16_t weight;  /* relative share of new calls, 1..65535; 0 takes none */
	uint32_t ip;      /* IPv4, host byte order */
	uint16_t port;    /* UDP port */
	uint8_t state;    /* enum slb_be_state */
	char name[SLB_BE_NAME_LEN];
};

/*
 * An immutable snapshot. Built off the fast path (slb_be_table_build), published by an atomic
 * pointer store, read by workers without locks, freed after a grace period.
 *
 * The bucket array is filled by weighted rendezvous hashing: bucket b goes to the backend i
 * among those UP with the highest score -weight_i / ln(u(b, id_i)). A backend leaving takes
 * exactly its own buckets with it, a weight change moves only buckets to or from that backend,
 * and the fast path does one AND and one load.
 */
struct slb_be_table {
	uint64_t version;          /* set by the builder's caller, for counters and logs */
	uint32_t nb_be;
	uint32_t mask;             /* nb_buckets - 1 */
	uint32_t nb_up;            /* backends that take new calls (UP with weight > 0) */
	uint16_t idx_of_id[SLB_BE_ID_MAX]; /* id -> index in be[], SLB_BE_NONE if not in table */
	uint16_t *bucket;          /* nb_buckets entries: index in be[], or SLB_BE_NONE */
	uint32_t addr_mask;        /* addr_map size - 1 */
	uint16_t *addr_map;        /* open addressing on ip:port -> index in be[], SLB_BE_NONE empty */
	struct slb_be be[];        /* nb_be entries */
};

/*
 * Build a table over n backends (ids unique) with 2^buckets_log2 buckets (8..22). seed keys the
 * rendezvous scores (struct slb_hash_key's, derived from hash_secret): the same backends and seed
 * give the same table in every process, and without the secret nobody can tell which buckets a
 * backend holds.
 * n = 0 is allowed (be may then be NULL): every bucket is SLB_BE_NONE, as when none is UP.
 * The same backends give the same buckets whatever their order in be[] (only the indices
 * differ). Names are copied and NUL-terminated.
 * Returns NULL with errno set: EINVAL (bad argument: n > SLB_BE_MAX, buckets_log2 out of range,
 * id >= SLB_BE_ID_MAX, duplicate id, unknown state, two backends at the same ip:port), ENOMEM.
 */
struct slb_be_table *slb_be_table_build(const struct slb_be *be, uint32_t n, uint32_t buckets_log2,
	uint64_t seed);

void slb_be_table_free(struct slb_be_table *t);

/*
 * Index of the backend at ip:port (host order), or SLB_BE_NONE: tells a request from a backend
 * (toward a caller) from a caller's. O(1): an open-addressing map built with the table.
 */
uint16_t slb_be_find_addr(const struct slb_be_table *t, uint32_t ip, uint16_t port);

/* Index in t->be[] of the backend for a new call with this Call-ID hash, or SLB_BE_NONE. */
static inline uint16_t
slb_be_pick(const struct slb_be_table *t, uint64_t h)
{
	return t->bucket[h & t->mask];
}

/* Index of backend id in t->be[], or SLB_BE_NONE. */
static inline uint16_t
slb_be_index(const struct slb_be_table *t, uint16_t id)
{
	return id < SLB_BE_ID_MAX ? t->idx_of_id[id] : SLB_BE_NONE;
}

#endif /* SLB_BE_H */
