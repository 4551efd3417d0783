/* ctl_seg.h: a control segment (slb_ctl.h) made by hand, as a dataplane would: tests and tools. */
#ifndef CTL_SEG_H
#define CTL_SEG_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "slb_ctl.h"

/*
 * The layout is the header's business: offsets are what the reader follows, so any order that
 * keeps each area aligned will do. rte_ring_init() comes from librte_ring and needs no EAL.
 */
struct ctl_seg {
	char path[128];
	void *base;
	size_t size;
	struct slb_ctl_hdr *hdr;
	struct rte_ring *req, *rsp, *evt[SLB_CTL_MAX_WORKERS];
	struct slb_stats_shm *stats;
	struct slb_ctl_be_set *stage, *cur;
};

static inline uint64_t
ctl_seg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t
ctl_seg_align(uint64_t v)
{
	return (v + 4095) & ~(uint64_t)4095;
}

/* Create /dev/shm/<name> (replacing a file there) in state STARTING. 0 or -1. */
static inline int
ctl_seg_create(struct ctl_seg *s, const char *name, uint32_t nb_workers, uint64_t epoch)
{
	uint64_t off, req_sz, rsp_sz, evt_sz, roff[2 + SLB_CTL_MAX_WORKERS];
	struct slb_ctl_hdr *h;
	uint32_t i;
	int fd;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "/dev/shm/%s", name);
	req_sz = (uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_req), SLB_CTL_REQ_RING);
	rsp_sz = (uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_evt), SLB_CTL_RSP_RING);
	evt_sz = (uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_evt), SLB_CTL_EVT_RING);
	off = 4096;
	roff[0] = off;
	off = ctl_seg_align(off + req_sz);
	roff[1] = off;
	off = ctl_seg_align(off + rsp_sz);
	for (i = 0; i < nb_workers; i++) {
		roff[2 + i] = off;
		off = ctl_seg_align(off + evt_sz);
	}
	s->size = off + ctl_seg_align(sizeof(struct slb_stats_shm)) +
		  2 * ctl_seg_align(sizeof(struct slb_ctl_be_set)) +
		  ctl_seg_align(sizeof(struct slb_ctl_dlg_count));
	unlink(s->path);
	fd = open(s->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)s->size) < 0) {
		close(fd);
		return -1;
	}
	s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s->base == MAP_FAILED)
		return -1;
	h = s->hdr = s->base;
	h->version = SLB_CTL_VERSION;
	h->seg_size = s->size;
	h->epoch = epoch;
	h->tsc_hz = 1000000000ull;
	h->heartbeat_ms = ctl_seg_now_ms();
	h->state = SLB_CTL_STARTING;
	h->nb_workers = nb_workers;
	h->caller_ip = 0xc6120001u;
	h->backend_ip = 0xc6120101u;
	h->sip_port = 5060;
	h->req_ring_off = roff[0];
	h->rsp_ring_off = roff[1];
	s->req = (struct rte_ring *)((char *)s->base + roff[0]);
	s->rsp = (struct rte_ring *)((char *)s->base + roff[1]);
	if (rte_ring_init(s->req, "req", SLB_CTL_REQ_RING, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0 ||
		rte_ring_init(s->rsp, "rsp", SLB_CTL_RSP_RING, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0)
		return -1;
	for (i = 0; i < nb_workers; i++) {
		h->evt_ring_off[i] = roff[2 + i];
		s->evt[i] = (struct rte_ring *)((char *)s->base + roff[2 + i]);
		if (rte_ring_init(
			    s->evt[i], "evt", SLB_CTL_EVT_RING, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0)
			return -1;
	}
	h->stats_off = off;
	off += ctl_seg_align(sizeof(struct slb_stats_shm));
	h->stage_off = off;
	off += ctl_seg_align(sizeof(struct slb_ctl_be_set));
	h->cur_off = off;
	off += ctl_seg_align(sizeof(struct slb_ctl_be_set));
	h->dlg_off = off;
	s->stats = (struct slb_stats_shm *)((char *)s->base + h->stats_off);
	s->stage = (struct slb_ctl_be_set *)((char *)s->base + h->stage_off);
	s->cur = (struct slb_ctl_be_set *)((char *)s->base + h->cur_off);
	s->stats->hdr.magic = SLB_STATS_MAGIC;
	s->stats->hdr.version = SLB_STATS_VERSION;
	s->stats->hdr.hdr_size = sizeof(s->stats->hdr);
	s->stats->hdr.lcore_size = sizeof(s->stats->lcore[0]);
	s->stats->hdr.epoch = epoch;
	s->stats->hdr.nb_workers = nb_workers;
	s->stats->hdr.nb_lcores = nb_workers + 1;
	s->stats->hdr.state = SLB_STATS_RUNNING;
	__atomic_store_n(&h->magic, SLB_CTL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

static inline void
ctl_seg_run(struct ctl_seg *s)
{
	s->hdr->heartbeat_ms = ctl_seg_now_ms();
	__atomic_store_n(&s->hdr->state, SLB_CTL_RUNNING, __ATOMIC_RELEASE);
}

/* Publish set as cur (seqlock), as the main lcore does after a swap. */
static inline void
ctl_seg_set_cur(struct ctl_seg *s, const struct slb_ctl_be_set *set)
{
	uint64_t seq = s->cur->seq;

	__atomic_store_n(&s->cur->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->cur->gen = set->gen;
	s->cur->nb_be = set->nb_be;
	memcpy(s->cur->be, set->be, sizeof(set->be[0]) * set->nb_be);
	__atomic_store_n(&s->cur->seq, seq + 2, __ATOMIC_RELEASE);
}

static inline void
ctl_seg_destroy(struct ctl_seg *s, int remove)
{
	if (s->base != NULL && s->base != MAP_FAILED)
		munmap(s->base, s->size);
	if (remove)
		unlink(s->path);
	s->base = NULL;
}

#endif /* CTL_SEG_H */
