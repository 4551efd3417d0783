/* ctl_chan.c: map the dataplane's segment, follow its restarts, move requests and events. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ring_elem.h>

#include "ctl_chan.h"
#include "ctl_log.h"

#define STAT_EVERY_MS 200
#define CUR_TRIES 1000

void
ctl_chan_init(struct ctl_chan *c, const char *shm_name)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(c->path, sizeof(c->path), "/dev/shm/%s", shm_name);
}

/* Say why we wait, once per reason. */
static void
waiting(struct ctl_chan *c, const char *fmt, const char *detail)
{
	char why[sizeof(c->why)];

	snprintf(why, sizeof(why), fmt, c->path, detail);
	if (strcmp(why, c->why) != 0) {
		snprintf(c->why, sizeof(c->why), "%s", why);
		CTL_INFO("waiting for siplb-dataplane: %s", why);
	}
}

static void
unmap(struct ctl_chan *c)
{
	if (c->base != NULL)
		munmap(c->base, c->size);
	if (c->fd >= 0)
		close(c->fd);
	c->base = NULL;
	c->fd = -1;
	c->attached = false;
	c->hdr = NULL;
	c->req = c->rsp = NULL;
	c->stats = NULL;
	c->stage = NULL;
	c->cur = NULL;
	c->nb_workers = 0;
}

static bool
area_ok(const struct ctl_chan *c, uint64_t off, uint64_t len)
{
	return off != 0 && off % 8 == 0 && off < c->size && len <= c->size - off;
}

/* The ring at off holding elements of esize bytes, if it lies within the segment. */
static struct rte_ring *
ring_at(const struct ctl_chan *c, uint64_t off, size_t esize)
{
	struct rte_ring *r;

	if (!area_ok(c, off, sizeof(*r)) || off % 64 != 0)
		return NULL;
	r = (struct rte_ring *)((char *)c->base + off);
	if (r->size == 0 || (r->size & (r->size - 1)) != 0 || r->mask != r->size - 1 ||
		!area_ok(c, off, sizeof(*r) + (uint64_t)r->size * esize))
		return NULL;
	return r;
}

static bool
live_state(uint32_t state)
{
	return state == SLB_CTL_RUNNING || state == SLB_CTL_LOADING;
}

/* Map the file and check everything in the header; keeps the mapping only when all is well. */
static int
try_attach(struct ctl_chan *c, uint64_t now_ms)
{
	const struct slb_ctl_hdr *h;
	struct stat st;
	uint32_t i;
	int fd;

	fd = open(c->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		waiting(c, "%s %s", errno == ENOENT ? "absent" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(*h)) {
		close(fd);
		waiting(c, "%s %s", "too short (being created?)");
		return -1;
	}
	c->fd = fd;
	c->size = (size_t)st.st_size;
	c->base = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->base == MAP_FAILED) {
		c->base = NULL;
		waiting(c, "%s: mmap: %s", strerror(errno));
		unmap(c);
		return -1;
	}
	h = c->base;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SLB_CTL_MAGIC) {
		waiting(c, "%s %s", "not initialised yet");
		goto fail;
	}
	if (h->version != SLB_CTL_VERSION) {
		waiting(c, "%s %s", "has another layout version: rebuild siplb-control");
		goto fail;
	}
	if (h->seg_size != c->size) {
		waiting(c, "%s %s", "size differs from its header");
		goto fail;
	}
	/* LOADING: it waits for us to load Redis's dialogs into it before it takes traffic */
	if (!live_state(__atomic_load_n(&h->state, __ATOMIC_ACQUIRE))) {
		waiting(c, "%s %s", h->state == SLB_CTL_STARTING ? "starting" : "stopping");
		goto fail;
	}
	if (now_ms > h->heartbeat_ms && now_ms - h->heartbeat_ms > CTL_CHAN_DEAD_MS) {
		waiting(c, "%s %s", "not running (heartbeat stopped)");
		goto fail;
	}
	if (h->nb_workers == 0 || h->nb_workers > SLB_CTL_MAX_WORKERS)
		goto bad;
	c->req = ring_at(c, h->req_ring_off, sizeof(struct slb_ctl_req));
	c->rsp = ring_at(c, h->rsp_ring_off, sizeof(struct slb_ctl_evt));
	if (c->req == NULL || c->rsp == NULL)
		goto bad;
	for (i = 0; i < h->nb_workers; i++)
		if ((c->evt[i] = ring_at(c, h->evt_ring_off[i], sizeof(struct slb_ctl_evt))) ==
			NULL)
			goto bad;
	if (!area_ok(c, h->stats_off, sizeof(struct slb_stats_shm)) ||
		!area_ok(c, h->stage_off, sizeof(struct slb_ctl_be_set)) ||
		!area_ok(c, h->cur_off, sizeof(struct slb_ctl_be_set)) ||
		!area_ok(c, h->dlg_off, sizeof(struct slb_ctl_dlg_count)))
		goto bad;
	c->nb_workers = h->nb_workers;
	c->stats = (const void *)((char *)c->base + h->stats_off);
	c->stage = (void *)((char *)c->base + h->stage_off);
	c->cur = (const void *)((char *)c->base + h->cur_off);
	c->dlg = (const void *)((char *)c->base + h->dlg_off);
	c->hdr = h;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->new_epoch = c->nb_attach == 0 || h->epoch != c->epoch;
	c->epoch = h->epoch;
	c->nb_attach++;
	c->attached = true;
	c->why[0] = '\0';
	return 0;
bad:
	waiting(c, "%s %s", "has offsets outside the segment: refusing it");
fail:
	unmap(c);
	return -1;
}

/* Whether the attached dataplane is still the one running, and alive. */
static const char *
gone(struct ctl_chan *c, uint64_t now_ms)
{
	const struct slb_ctl_hdr *h = c->hdr;
	uint64_t hb = __atomic_load_n(&h->heartbeat_ms, __ATOMIC_ACQUIRE);
	struct stat st;

	if (!live_state(__atomic_load_n(&h->state, __ATOMIC_ACQUIRE)))
		return "it is stopping";
	if (h->epoch != c->epoch)
		return "it restarted (new epoch)";
	if (now_ms > hb && now_ms - hb > CTL_CHAN_DEAD_MS)
		return "its heartbeat stopped";
	if (now_ms >= c->next_stat_ms) {
		c->next_stat_ms = now_ms + STAT_EVERY_MS;
		if (stat(c->path, &st) < 0)
			return "its segment was removed";
		if (st.st_ino != c->ino || st.st_dev != c->dev)
			return "its segment was replaced";
	}
	return NULL;
}

enum ctl_chan_change
ctl_chan_poll(struct ctl_chan *c, uint64_t now_ms)
{
	const char *why;

	if (c->attached) {
		why = gone(c, now_ms);
		if (why == NULL)
			return CTL_CHAN_SAME;
		CTL_WARN("siplb-dataplane (%s) left: %s", c->path, why);
		unmap(c);
		return CTL_CHAN_DETACHED;
	}
	if (now_ms < c->next_stat_ms)
		return CTL_CHAN_SAME;
	c->next_stat_ms = now_ms + STAT_EVERY_MS;
	if (try_attach(c, now_ms) < 0)
		return CTL_CHAN_SAME;
	CTL_INFO("attached to siplb-dataplane at %s: %u workers, epoch %llu%s", c->path,
		c->nb_workers, (unsigned long long)c->epoch, c->new_epoch ? "" : " (the same run)");
	return CTL_CHAN_ATTACHED;
}

int
ctl_chan_send(struct ctl_chan *c, const struct slb_ctl_req *req)
{
	if (!c->attached)
		return -ENOTCONN;
	return rte_ring_sp_enqueue_elem(c->req, (void *)(uintptr_t)req, sizeof(*req));
}

static unsigned int
drain_ring(struct rte_ring *r, ctl_chan_evt_fn *fn, void *arg, unsigned int max)
{
	struct slb_ctl_evt evt[16];
	unsigned int n, i, total = 0;

	while (total < max) {
		n = rte_ring_sc_dequeue_burst_elem(r, evt, sizeof(evt[0]), RTE_DIM(evt), NULL);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			fn(arg, &evt[i]);
		total += n;
	}
	return total;
}

unsigned int
ctl_chan_drain(struct ctl_chan *c, ctl_chan_evt_fn *fn, void *arg, unsigned int max)
{
	unsigned int total, i;

	if (!c->attached)
		return 0;
	total = drain_ring(c->rsp, fn, arg, max);
	/* fn may have detached nothing: it never touches the channel; workers' rings follow */
	for (i = 0; i < c->nb_workers; i++)
		total += drain_ring(c->evt[i], fn, arg, max);
	return total;
}

int
ctl_chan_read_cur(const struct ctl_chan *c, struct slb_ctl_be_set *out)
{
	const struct slb_ctl_be_set *cur = c->cur;
	uint64_t s1, s2;
	unsigned int tries;

	if (!c->attached)
		return -1;
	for (tries = 0; tries < CUR_TRIES; tries++) {
		s1 = __atomic_load_n(&cur->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(out, cur, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&cur->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return out->nb_be <= SLB_CTL_MAX_BE ? 0 : -1;
	}
	return -1;
}

int
ctl_chan_read_dlg(const struct ctl_chan *c, struct slb_ctl_dlg_count *out)
{
	uint64_t s1, s2;
	unsigned int tries;

	if (!c->attached)
		return -1;
	for (tries = 0; tries < CUR_TRIES; tries++) {
		s1 = __atomic_load_n(&c->dlg->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(out, c->dlg, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&c->dlg->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return out->pass > 0 ? 0 : -1;
	}
	return -1;
}

int
ctl_chan_read_stats(const struct ctl_chan *c, struct slb_stats_ctr *sum)
{
	static struct slb_stats_lcore slot; /* 33 KB: not on the stack; one thread reads */
	const struct slb_stats_shm *s = c->stats;
	uint32_t i, n;

	memset(sum, 0, sizeof(*sum));
	if (!c->attached)
		return -1;
	if (s->hdr.hdr_size != sizeof(s->hdr) || s->hdr.lcore_size != sizeof(slot))
		return -1;
	n = s->hdr.nb_lcores;
	if (n > SLB_STATS_MAX_LCORES)
		n = SLB_STATS_MAX_LCORES;
	for (i = 0; i < n; i++) {
		slb_stats_read_lcore(&s->lcore[i], &slot, 64);
		slb_stats_add(sum, &slot.c);
	}
	return 0;
}

void
ctl_chan_beat(struct ctl_chan *c, uint64_t now_ms)
{
	struct slb_ctl_hdr *h = c->base;

	if (c->attached)
		__atomic_store_n(&h->ctl_heartbeat_ms, now_ms, __ATOMIC_RELEASE);
}

uint32_t
ctl_chan_state(const struct ctl_chan *c)
{
	return c->attached ? __atomic_load_n(&c->hdr->state, __ATOMIC_ACQUIRE) : SLB_CTL_STOPPING;
}

double
ctl_chan_heartbeat_age(const struct ctl_chan *c, uint64_t now_ms)
{
	uint64_t hb;

	if (!c->attached)
		return -1.0;
	hb = __atomic_load_n(&c->hdr->heartbeat_ms, __ATOMIC_ACQUIRE);
	return now_ms > hb ? (double)(now_ms - hb) : 0.0;
}

void
ctl_chan_close(struct ctl_chan *c)
{
	unmap(c);
}
