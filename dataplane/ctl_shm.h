/* ctl_shm.h: the control segment of slb_ctl.h as the dataplane lays it out (no EAL needed). */
#ifndef SLB_CTL_SHM_H
#define SLB_CTL_SHM_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "slb_be.h"
#include "slb_ctl.h"

/*
 * Every area starts on a cache line. A ring of SLB_CTL_*_RING slots holds one element less
 * (DPDK's rings keep a slot free: capacity = size - 1); its memory comes from
 * rte_ring_get_memsize_elem() and it is set up by rte_ring_init(), so a process that maps the
 * file uses it with the inline rte_ring_*_elem functions alone.
 */
#define SLB_CTL_ALIGN 64u

static_assert(SLB_CTL_MAX_BE == SLB_BE_MAX, "slb_ctl.h: a set holds a whole table");
static_assert(SLB_CTL_NAME_LEN == SLB_BE_NAME_LEN, "slb_ctl.h: names as long as the table's");
static_assert((int)SLB_CTL_BE_UP == (int)SLB_BE_UP && (int)SLB_CTL_BE_DRAIN == (int)SLB_BE_DRAIN &&
	(int)SLB_CTL_BE_DOWN == (int)SLB_BE_DOWN && (int)SLB_CTL_BE_FAILED == (int)SLB_BE_FAILED,
	"slb_ctl.h: backend states are enum slb_be_state's numbers");

/* What the header tells siplb-control about this dataplane. */
struct slb_ctl_params {
	uint32_t nb_workers; /* evt rings: 1..SLB_CTL_MAX_WORKERS */
	uint64_t tsc_hz;
	uint32_t caller_ip;  /* host order */
	uint32_t backend_ip;
	uint16_t sip_port;
	uint8_t hash_secret[16]; /* control hashes the Call-IDs of its dialog requests with it */
};

/* The dataplane's mapping of the segment. */
struct slb_ctl_seg {
	struct slb_ctl_hdr *hdr; /* NULL: none */
	size_t size;
	char path[128];          /* unlinked by slb_ctl_seg_destroy() */
};

/*
 * Fill h's offsets and seg_size for nb_workers evt rings (the rest of h untouched). Returns
 * seg_size (a whole number of pages), or 0 when nb_workers is out of range.
 */
size_t slb_ctl_seg_layout(struct slb_ctl_hdr *h, uint32_t nb_workers);

/*
 * Create the segment at path (a file under /dev/shm): remove any old file of that name, create
 * it anew (O_EXCL, mode 0600), size and map it (MAP_SHARED), set up the rings, fill the header
 * (state STARTING, epoch now) and write the magic last. Returns 0 or a negative errno (nothing
 * left behind then).
 */
int slb_ctl_seg_create(struct slb_ctl_seg *seg, const char *path, const struct slb_ctl_params *p);

/* Remove the file and unmap it (a process that still maps it keeps its copy). */
void slb_ctl_seg_destroy(struct slb_ctl_seg *seg);

/* Publish a pass's live dialogs per backend id (SLB_STATS_BE_IDS of them), under the seqlock. */
void slb_ctl_dlg_publish(struct slb_ctl_hdr *h, const uint32_t *live);

static inline void *
slb_ctl_area(const struct slb_ctl_hdr *h, uint64_t off)
{
	return (char *)(uintptr_t)h + off;
}

static inline struct rte_ring *
slb_ctl_req_ring(const struct slb_ctl_hdr *h)
{
	return slb_ctl_area(h, h->req_ring_off);
}

static inline struct rte_ring *
slb_ctl_rsp_ring(const struct slb_ctl_hdr *h)
{
	return slb_ctl_area(h, h->rsp_ring_off);
}

static inline struct rte_ring *
slb_ctl_evt_ring(const struct slb_ctl_hdr *h, uint32_t worker)
{
	return slb_ctl_area(h, h->evt_ring_off[worker]);
}

static inline struct slb_stats_shm *
slb_ctl_stats(const struct slb_ctl_hdr *h)
{
	return slb_ctl_area(h, h->stats_off);
}

static inline struct slb_ctl_be_set *
slb_ctl_stage(const struct slb_ctl_hdr *h)
{
	return slb_ctl_area(h, h->stage_off);
}

static inline struct slb_ctl_be_set *
slb_ctl_cur(const struct slb_ctl_hdr *h)
{
	return slb_ctl_area(h, h->cur_off);
}

/*
 * Publish the running backends as the cur set (seqlock: seq odd while it is written). Main
 * lcore only: the one writer.
 */
void slb_ctl_cur_publish(struct slb_ctl_hdr *h, const struct slb_be *be, uint32_t n, uint64_t gen);

/* One backend of a set as the table takes it (the name NUL-terminated, cut to fit). */
void slb_ctl_be_to_table(struct slb_be *dst, const struct slb_ctl_be *src);

#endif /* SLB_CTL_SHM_H */
