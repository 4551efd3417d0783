/* ctl.c: the control segment as a module; the main lcore's side: requests in, replies out. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "be_swap.h"
#include "ctl.h"
#include "ctl_dlg.h"
#include "ctl_pkt.h"
#include "ctl_shm.h"
#include "dp.h"
#include "log.h"
#include "stats.h"

RTE_LOG_REGISTER(slb_logtype_ctl, siplb.ctl, INFO);

#define SHM_DIR "/dev/shm/"
#define PROBE_RING_SIZE 256   /* probes from the main lcore to worker 0 */
#define ALIVE_MS 2000         /* control's heartbeat younger than this: it is there */
#define L2_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static_assert(SLB_CTL_MAX_WORKERS == SLB_MAX_WORKERS, "an evt ring for every worker");
static_assert(sizeof(((struct slb_ctl_hdr *)0)->hash_secret) == sizeof(struct slb_key128),
	"slb_ctl.h: the hash key is a whole slb_key128");

static struct slb_ctl_seg seg;

/* Main lcore only: control's dialog requests since start, and the load from Redis. */
static struct slb_ctl_dlg_tally tally;
static struct slb_ctl_load load;
static bool alive;

int
slb_ctl_init(struct slb_dp *dp)
{
	struct slb_ctl_params p = {
		.nb_workers = dp->nb_workers,
		.tsc_hz = dp->tsc_hz,
		.caller_ip = dp->addr.caller_ip,
		.backend_ip = dp->addr.backend_ip,
		.sip_port = (uint16_t)dp->cfg->sip_port,
	};
	char path[sizeof(SHM_DIR) + SLB_CFG_SHM_LEN];
	int rc;

	memcpy(p.hash_secret, dp->hash_key.b, sizeof(p.hash_secret));
	snprintf(path, sizeof(path), SHM_DIR "%s", dp->cfg->ctl_shm);
	rc = slb_ctl_seg_create(&seg, path, &p);
	memset(p.hash_secret, 0, sizeof(p.hash_secret));
	if (rc < 0) {
		SLB_LOG(ctl, ERR, "control segment %s: %s", path, strerror(-rc));
		return -1;
	}
	dp->ctl = seg.hdr;
	SLB_LOG(ctl, INFO, "control segment %s: %zu KB, %u event rings", path, seg.size >> 10,
		dp->nb_workers);
	return 0;
}

void
slb_ctl_term(struct slb_dp *dp)
{
	dp->ctl = NULL;
	slb_ctl_seg_destroy(&seg);
}

int
slb_ctl_probe_init(struct slb_dp *dp)
{
	dp->ctl_probe_ring = rte_ring_create("slb_ctl_probe", PROBE_RING_SIZE,
		(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dp->ctl_probe_ring == NULL) {
		SLB_LOG(ctl, ERR, "probe ring: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* After the workers stopped and before the pool goes: probes never sent go back to it. */
void
slb_ctl_probe_term(struct slb_dp *dp)
{
	void *m;

	if (dp->ctl_probe_ring == NULL)
		return;
	while (rte_ring_sc_dequeue(dp->ctl_probe_ring, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(dp->ctl_probe_ring);
	dp->ctl_probe_ring = NULL;
}

void
slb_ctl_set_state(struct slb_dp *dp, uint32_t state)
{
	if (dp->ctl != NULL)
		__atomic_store_n(&dp->ctl->state, state, __ATOMIC_RELEASE);
}

void
slb_ctl_main_emit(struct slb_dp *dp, struct slb_ctl_evt *e)
{
	struct slb_stats_lcore *st;

	if (dp->ctl != NULL &&
			rte_ring_sp_enqueue_elem(slb_ctl_rsp_ring(dp->ctl), e, sizeof(*e)) == 0)
		return;
	if (dp->shm == NULL)
		return;
	st = slb_stats_main_slot(dp);
	slb_stats_begin(st);
	st->c.ctl_evt_lost++;
	slb_stats_end(st);
}

void
slb_ctl_table_applied(struct slb_dp *dp, const struct slb_be_table *t)
{
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_TABLE,
		.be_id = SLB_BE_NONE,
		.gen = t->version,
		.tsc = rte_rdtsc(),
	};

	if (dp->ctl == NULL)
		return;
	slb_ctl_cur_publish(dp->ctl, t->be, t->nb_be, t->version);
	slb_ctl_main_emit(dp, &e);
}

static uint64_t
table_version(void)
{
	const struct slb_be_table *t = slb_be_current();

	return t != NULL ? t->version : 0;
}

static void
reply(struct slb_dp *dp, const struct slb_ctl_req *rq, int result, uint64_t gen)
{
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_REPLY,
		.be_id = SLB_BE_NONE,
		.req_id = rq->req_id,
		.result = result,
		.gen = gen,
		.tsc = rte_rdtsc(),
	};

	slb_ctl_main_emit(dp, &e);
}

/*
 * Apply the stage set control wrote for this request. Control writes the set, then its gen,
 * then enqueues (the ring orders them); a gen that differs before or after the copy means it
 * has moved on to another set: -ESTALE, the table stays.
 */
static int
req_backends(struct slb_dp *dp, const struct slb_ctl_req *rq)
{
	static struct slb_be be[SLB_BE_MAX]; /* main lcore only */
	const struct slb_ctl_be_set *st = slb_ctl_stage(dp->ctl);
	const struct slb_be_table *cur = slb_be_current();
	char why[160];
	uint32_t i, n;
	int rc;

	if (__atomic_load_n(&st->gen, __ATOMIC_ACQUIRE) != rq->gen)
		return -ESTALE;
	n = __atomic_load_n(&st->nb_be, __ATOMIC_RELAXED);
	if (n > SLB_CTL_MAX_BE) {
		SLB_LOG(ctl, WARNING, "request %" PRIu32 ": %" PRIu32 " backends, at most %u: "
			"backends unchanged", rq->req_id, n, SLB_CTL_MAX_BE);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		slb_ctl_be_to_table(&be[i], &st->be[i]);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&st->gen, __ATOMIC_RELAXED) != rq->gen)
		return -ESTALE;

	rc = slb_be_apply(be, n, cur != NULL ? (uint32_t)__builtin_ctz(cur->mask + 1) : 16, why,
		sizeof(why));
	if (rc < 0)
		SLB_LOG(ctl, WARNING, "request %" PRIu32 ": %s: backends unchanged", rq->req_id,
			why);
	return rc;
}

/*
 * A probe leaves from our backend-side address and SIP port through worker 0 (the one that
 * also sends the main lcore's ARP requests); its answer comes back to a worker like any
 * response, and the SIP core tells it apart by its branch.
 */
static int
req_probe(struct slb_dp *dp, const struct slb_ctl_req *rq)
{
	const struct slb_ctl_probe *pr = &rq->probe;
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_PROBE_SENT,
		.be_id = pr->be_id,
		.port = pr->dst_port,
		.ip = pr->dst_ip,
		.nonce = pr->nonce,
	};
	struct rte_mbuf *m;
	char *buf;

	if (pr->len > SLB_CTL_PROBE_MAX || pr->dst_ip == 0 || pr->dst_port == 0)
		return -EINVAL;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		return -ENOBUFS;
	buf = rte_pktmbuf_append(m, (uint16_t)(L2_LEN + SLB_CTL_PROBE_HDRS + pr->len));
	if (buf == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	slb_ctl_probe_write(buf + L2_LEN, pr, dp->addr.backend_ip, (uint16_t)dp->cfg->sip_port);
	e.tsc = rte_rdtsc();
	if (rte_ring_sp_enqueue(dp->ctl_probe_ring, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	slb_ctl_main_emit(dp, &e);
	return 0;
}

/*
 * Pins and unpins (a load from Redis, another balancer's dialogs) go into the table unanswered;
 * a lookup and a refused request are answered. Pins applied are counted (dlg_pinned).
 */
static void
req_dlg(struct slb_dp *dp, const struct slb_ctl_req *rq)
{
	struct slb_ctl_dlg_tally before = tally;
	struct slb_stats_lcore *st;
	struct slb_ctl_evt e;
	int rc;

	rc = slb_ctl_dlg_apply(dp->fwd.dlg, rq, slb_dp_now_s(rte_rdtsc()), &tally, &e);
	if (rc < 0) {
		reply(dp, rq, rc, 0);
		return;
	}
	if (rc == 1) {
		e.tsc = rte_rdtsc();
		slb_ctl_main_emit(dp, &e);
		return;
	}
	if (tally.pinned + tally.kept == before.pinned + before.kept || dp->shm == NULL)
		return;
	st = slb_stats_main_slot(dp);
	slb_stats_begin(st);
	st->c.dlg_pinned += tally.pinned + tally.kept - before.pinned - before.kept;
	slb_stats_end(st);
}

/* The load is over (whatever the state: a LOADING dataplane starts on it). */
static void
req_loaded(struct slb_dp *dp, const struct slb_ctl_req *rq)
{
	struct slb_ctl_evt e = {
		.type = SLB_CTL_EVT_LOADED,
		.be_id = SLB_BE_NONE,
		.req_id = rq->req_id,
		.result = rq->result,
		.gen = tally.pinned,
		.tsc = rte_rdtsc(),
	};

	load.done = true;
	load.result = rq->result;
	load.sent = rq->gen;
	slb_ctl_main_emit(dp, &e);
}

static void
apply(struct slb_dp *dp, const struct slb_ctl_req *rq)
{
	int rc;

	switch (rq->type) {
	case SLB_CTL_REQ_BACKENDS:
		rc = req_backends(dp, rq);
		reply(dp, rq, rc, table_version());
		return;
	case SLB_CTL_REQ_PROBE:
		rc = req_probe(dp, rq);
		if (rc < 0) /* a probe sent is answered by SLB_CTL_EVT_PROBE_SENT */
			reply(dp, rq, rc, 0);
		return;
	case SLB_CTL_REQ_RELOAD:
		rc = slb_be_reload(dp);
		reply(dp, rq, rc, table_version());
		return;
	case SLB_CTL_REQ_DLG:
		req_dlg(dp, rq);
		return;
	case SLB_CTL_REQ_LOADED:
		req_loaded(dp, rq);
		return;
	default:
		reply(dp, rq, -EOPNOTSUPP, 0);
		return;
	}
}

/*
 * Control is there while its heartbeat is younger than ALIVE_MS (both clocks are this host's
 * CLOCK_MONOTONIC; a heartbeat a little ahead of ours is young). The workers learn what it
 * wants through dp->ctl_want: unanswered INVITEs always, dialog events with redis.enabled.
 */
static void
watch_control(struct slb_dp *dp, uint64_t now_ms)
{
	uint64_t hb = __atomic_load_n(&dp->ctl->ctl_heartbeat_ms, __ATOMIC_RELAXED);
	bool now_alive = hb != 0 && (int64_t)(now_ms - hb) < ALIVE_MS;
	uint32_t want = 0;

	if (now_alive)
		want = SLB_FWD_WANT_UNANSWERED | (dp->cfg->redis_enabled ? SLB_FWD_WANT_DLG : 0);
	if (want != dp->ctl_want)
		__atomic_store_n(&dp->ctl_want, want, __ATOMIC_RELAXED);
	if (now_alive != alive && now_alive)
		SLB_LOG(ctl, NOTICE, "siplb-control is there%s",
			dp->cfg->redis_enabled ? ": dialog events on" : "");
	else if (now_alive != alive)
		SLB_LOG(ctl, NOTICE, "siplb-control silent for 2 s%s",
			dp->cfg->redis_enabled ? ": dialog events off" : "");
	alive = now_alive;
}

unsigned int
slb_ctl_service(struct slb_dp *dp, unsigned int max)
{
	static struct slb_ctl_req rq; /* main lcore only; a kilobyte */
	struct rte_ring *r;
	struct timespec ts;
	uint64_t now_ms;
	unsigned int i;

	if (dp->ctl == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	__atomic_store_n(&dp->ctl->heartbeat_ms, now_ms, __ATOMIC_RELAXED);
	watch_control(dp, now_ms);
	r = slb_ctl_req_ring(dp->ctl);
	for (i = 0; i < max; i++) {
		if (rte_ring_sc_dequeue_elem(r, &rq, sizeof(rq)) != 0)
			break;
		apply(dp, &rq);
	}
	return i;
}

bool
slb_ctl_alive(void)
{
	return alive;
}

const struct slb_ctl_load *
slb_ctl_load_state(void)
{
	load.pinned = tally.pinned;
	load.kept = tally.kept;
	load.refused = tally.refused;
	return &load;
}

void
slb_ctl_dlg_expired(struct slb_dp *dp, const uint64_t *keys, uint32_t n)
{
	uint64_t tsc = rte_rdtsc();
	struct slb_ctl_evt e;
	uint32_t k;

	while (n > 0) {
		k = slb_ctl_dlg_expired_evt(&e, keys, n, tsc);
		slb_ctl_main_emit(dp, &e);
		keys += k;
		n -= k;
	}
}
