/* ctl_shm.c: create, lay out and remove the control segment; publish the running backends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ctl_shm.h"

#define PAGE 4096u

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Bytes of a ring of count elements of esize bytes, whole cache lines; 0 on a bad size. */
static uint64_t
ring_bytes(unsigned int esize, unsigned int count)
{
	ssize_t n = rte_ring_get_memsize_elem(esize, count);

	return n > 0 ? align_up((uint64_t)n, SLB_CTL_ALIGN) : 0;
}

size_t
slb_ctl_seg_layout(struct slb_ctl_hdr *h, uint32_t nb_workers)
{
	uint64_t off, req, rsp, evt;
	uint32_t i;

	if (nb_workers == 0 || nb_workers > SLB_CTL_MAX_WORKERS)
		return 0;
	req = ring_bytes(sizeof(struct slb_ctl_req), SLB_CTL_REQ_RING);
	rsp = ring_bytes(sizeof(struct slb_ctl_evt), SLB_CTL_RSP_RING);
	evt = ring_bytes(sizeof(struct slb_ctl_evt), SLB_CTL_EVT_RING);
	if (req == 0 || rsp == 0 || evt == 0)
		return 0;

	off = align_up(sizeof(*h), SLB_CTL_ALIGN);
	h->req_ring_off = off;
	off += req;
	h->rsp_ring_off = off;
	off += rsp;
	for (i = 0; i < SLB_CTL_MAX_WORKERS; i++) {
		h->evt_ring_off[i] = i < nb_workers ? off : 0;
		if (i < nb_workers)
			off += evt;
	}
	h->stats_off = off;
	off += align_up(sizeof(struct slb_stats_shm), SLB_CTL_ALIGN);
	h->stage_off = off;
	off += align_up(sizeof(struct slb_ctl_be_set), SLB_CTL_ALIGN);
	h->cur_off = off;
	off += align_up(sizeof(struct slb_ctl_be_set), SLB_CTL_ALIGN);
	h->dlg_off = off;
	off += align_up(sizeof(struct slb_ctl_dlg_count), SLB_CTL_ALIGN);
	h->seg_size = align_up(off, PAGE);
	return (size_t)h->seg_size;
}

static int
init_ring(struct slb_ctl_hdr *h, uint64_t off, const char *name, unsigned int count)
{
	return rte_ring_init(slb_ctl_area(h, off), name, count, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int
slb_ctl_seg_create(struct slb_ctl_seg *seg, const char *path, const struct slb_ctl_params *p)
{
	struct slb_ctl_hdr lay = {0}, *h;
	char name[RTE_RING_NAMESIZE];
	struct timespec ts;
	size_t size;
	uint32_t i;
	void *base;
	int fd, rc;

	memset(seg, 0, sizeof(*seg));
	size = slb_ctl_seg_layout(&lay, p->nb_workers);
	if (size == 0)
		return -EINVAL;
	if (strlen(path) >= sizeof(seg->path))
		return -ENAMETOOLONG;

	/* a segment left by a dataplane that died: control still maps its own copy of it */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		close(fd);
		unlink(path);
		return rc;
	}
	/* populated now: no worker takes a page fault on its first event or counter */
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	rc = -errno;
	close(fd);
	if (base == MAP_FAILED) {
		unlink(path);
		return rc;
	}

	h = base;
	*h = lay; /* offsets and size; magic 0 until the end */
	rc = init_ring(h, h->req_ring_off, "slb_ctl_req", SLB_CTL_REQ_RING);
	if (rc == 0)
		rc = init_ring(h, h->rsp_ring_off, "slb_ctl_rsp", SLB_CTL_RSP_RING);
	for (i = 0; rc == 0 && i < p->nb_workers; i++) {
		snprintf(name, sizeof(name), "slb_ctl_evt%u", i);
		rc = init_ring(h, h->evt_ring_off[i], name, SLB_CTL_EVT_RING);
	}
	if (rc != 0) {
		munmap(base, size);
		unlink(path);
		return rc < 0 ? rc : -EINVAL;
	}

	h->version = SLB_CTL_VERSION;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->epoch = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	h->tsc_hz = p->tsc_hz;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->heartbeat_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	h->state = SLB_CTL_STARTING;
	h->nb_workers = p->nb_workers;
	h->caller_ip = p->caller_ip;
	h->backend_ip = p->backend_ip;
	h->sip_port = p->sip_port;
	memcpy(h->hash_secret, p->hash_secret, sizeof(h->hash_secret));
	/* a reader that sees the magic sees everything above */
	__atomic_store_n(&h->magic, SLB_CTL_MAGIC, __ATOMIC_RELEASE);

	seg->hdr = h;
	seg->size = size;
	snprintf(seg->path, sizeof(seg->path), "%s", path);
	return 0;
}

void
slb_ctl_seg_destroy(struct slb_ctl_seg *seg)
{
	if (seg->hdr == NULL)
		return;
	unlink(seg->path);
	munmap(seg->hdr, seg->size);
	seg->hdr = NULL;
	seg->size = 0;
}

void
slb_ctl_be_to_table(struct slb_be *dst, const struct slb_ctl_be *src)
{
	size_t n = strnlen(src->name, sizeof(src->name));

	memset(dst, 0, sizeof(*dst));
	dst->id = src->id;
	dst->weight = src->weight;
	dst->ip = src->ip;
	dst->port = src->port;
	dst->state = src->state;
	if (n >= sizeof(dst->name))
		n = sizeof(dst->name) - 1;
	memcpy(dst->name, src->name, n);
}

void
slb_ctl_cur_publish(struct slb_ctl_hdr *h, const struct slb_be *be, uint32_t n, uint64_t gen)
{
	struct slb_ctl_be_set *cur = slb_ctl_cur(h);
	uint64_t seq = cur->seq;
	uint32_t i;

	if (n > SLB_CTL_MAX_BE)
		n = SLB_CTL_MAX_BE;
	__atomic_store_n(&cur->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		struct slb_ctl_be *d = &cur->be[i];

		memset(d, 0, sizeof(*d));
		d->id = be[i].id;
		d->weight = be[i].weight;
		d->ip = be[i].ip;
		d->port = be[i].port;
		d->state = be[i].state;
		memcpy(d->name, be[i].name, sizeof(d->name));
		d->name[sizeof(d->name) - 1] = '\0';
	}
	cur->nb_be = n;
	cur->gen = gen;
	__atomic_store_n(&cur->seq, seq + 2, __ATOMIC_RELEASE);
}

void
slb_ctl_dlg_publish(struct slb_ctl_hdr *h, const uint32_t *live)
{
	struct slb_ctl_dlg_count *d = slb_ctl_area(h, h->dlg_off);
	uint64_t seq = d->seq;

	__atomic_store_n(&d->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(d->live, live, sizeof(d->live));
	d->pass++;
	__atomic_store_n(&d->seq, seq + 2, __ATOMIC_RELEASE);
}
