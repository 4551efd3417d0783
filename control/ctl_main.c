/* ctl_main.c: siplb-control: options, signals and the single-threaded event loop. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_apply.h"
#include "ctl_dlg.h"
#include "ctl_log.h"
#include "ctl_metrics.h"
#include "ctl_mgmt.h"
#include "ctl_probe.h"
#include "ctl_reload.h"

/*
 * The loop's contract: one thread owns every piece of control's state (the backend list, the
 * health records, the channel, the socket's clients); poll() sleeps at most LOOP_MS on the
 * socket's descriptors, because the rings are polled, not signalled. Each pass: follow the
 * segment (attach/detach), drain every event, run the clocks (probe timeouts, Retry-After
 * holds), send due probes, and send the backend set as soon as a state changed, so that a
 * backend found down leaves the dataplane's table a loop pass after its fall-th failure.
 * Signals only set flags, read at the top of a pass. The metrics thread reads a copy only.
 */
#define LOOP_MS 2
/*
 * With Redis, workers' dialog events fill their rings (SLB_CTL_EVT_RING, 16384) at up to 3 per
 * call: at 100k calls/s over 2 workers, 150k a second each, so a ring is full in ~110 ms. A pass
 * drains EVT_MAX per ring, and a pass that found a full EVT_MAX does not sleep at all; 1 ms
 * between passes keeps a ring under 2% full at that rate, with room for a slow pass.
 */
#define LOOP_REDIS_MS 1
#define SAMPLE_MS                                                                                  \
	1000	     /* counters, message rates and the metrics snapshot (and at once              \
		      * when the backend set changes) */
#define EVT_MAX 4096 /* events per ring and pass: a flood cannot starve the loop */
#define POLL_MAX (1 + CTL_MGMT_CONNS)

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t hup_sig;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_sig = 1;
	else
		stop_sig = sig;
}

static struct ctl_be *
be_of_event(struct ctl *c, const struct slb_ctl_evt *e)
{
	struct ctl_be *be = NULL;

	if (e->be_id != 0xffff)
		be = ctl_be_by_id(c, e->be_id);
	if (be == NULL && e->ip != 0)
		be = ctl_be_by_addr(c, e->ip, e->port);
	return be;
}

/* The backend whose probe in flight has this nonce (be_id first, then all). */
static struct ctl_be *
be_of_nonce(struct ctl *c, const struct slb_ctl_evt *e)
{
	struct ctl_be *be = e->be_id != 0xffff ? ctl_be_by_id(c, e->be_id) : NULL;
	uint32_t i;

	if (be != NULL && be->h.outstanding && be->h.nonce == e->nonce)
		return be;
	for (i = 0; i < c->nb_be; i++)
		if (c->be[i].h.outstanding && c->be[i].h.nonce == e->nonce)
			return &c->be[i];
	return NULL;
}

/* A REPLY to a REQ_PROBE: the dataplane could not send it. Returns whether it was one. */
static bool
probe_refused(struct ctl *c, const struct slb_ctl_evt *e)
{
	static uint64_t last_warn_us;
	uint64_t now = ctl_now_us();
	uint32_t i;

	for (i = 0; i < c->nb_be; i++) {
		struct ctl_be *be = &c->be[i];

		if (!be->h.outstanding || be->probe_req_id != e->req_id)
			continue;
		ctl_health_probe_refused(&be->h, be->h.nonce);
		if (now - last_warn_us >= 10000000) {
			last_warn_us = now;
			CTL_WARN("backend %u (%s): the dataplane could not send its probe: %s (not "
				 "counted; logged once in 10 s)",
				be->id, be->name, strerror(-e->result));
		}
		return true;
	}
	return false;
}

static void
on_event(void *arg, const struct slb_ctl_evt *e)
{
	struct ctl *c = arg;
	uint64_t now = ctl_now_us();
	struct ctl_be *be;
	enum ctl_verdict v;

	switch (e->type) {
	case SLB_CTL_EVT_REPLY:
		if (e->req_id != c->ap.req_id && ctl_dlg_on_event(c, e))
			break;
		if (e->req_id != c->ap.req_id && e->result < 0 && probe_refused(c, e))
			break;
		ctl_apply_on_event(c, e);
		break;
	case SLB_CTL_EVT_LOADED:
		ctl_dlg_on_event(c, e);
		break;
	case SLB_CTL_EVT_TABLE:
		ctl_apply_on_event(c, e);
		break;
	case SLB_CTL_EVT_PROBE_SENT:
		if ((be = be_of_nonce(c, e)) != NULL)
			ctl_health_on_sent(&be->h, e->nonce, e->tsc);
		break;
	case SLB_CTL_EVT_PROBE_REPLY:
		be = be_of_nonce(c, e);
		if (be == NULL) {
			CTL_DEBUG("probe reply %u for nonce %016" PRIx64
				  " matches no probe in flight "
				  "(late or forged)",
				e->status, e->nonce);
			break;
		}
		v = ctl_health_on_reply(
			&be->h, &c->hc, e->nonce, e->status, e->tsc, c->chan.hdr->tsc_hz, now);
		if (v == CTL_V_FAILED)
			CTL_DEBUG("backend %u (%s): probe answered %u: failed (%u in a row)",
				be->id, be->name, e->status, be->h.fails_in_row);
		break;
	case SLB_CTL_EVT_INVITE_503:
		if ((be = be_of_event(c, e)) == NULL) {
			c->evt_unknown++;
			break;
		}
		ctl_health_on_503(&be->h, &c->hc, e->retry_after, now);
		CTL_DEBUG("backend %u (%s): INVITE answered 503 (Retry-After %u), %u in a row",
			be->id, be->name, e->retry_after, be->h.run_503);
		break;
	case SLB_CTL_EVT_ICMP_UNREACH:
		if ((be = be_of_event(c, e)) == NULL) {
			c->evt_unknown++;
			break;
		}
		if (ctl_health_on_icmp(&be->h, &c->hc, now) == CTL_V_FAILED)
			CTL_DEBUG("backend %u (%s): ICMP unreachable: a failure (%u in a row)",
				be->id, be->name, be->h.fails_in_row);
		break;
	case SLB_CTL_EVT_INVITE_UNANSWERED:
		if ((be = be_of_event(c, e)) == NULL) {
			c->evt_unknown++;
			break;
		}
		if (ctl_health_on_unanswered(&be->h, &c->hc, now) == CTL_V_FAILED)
			CTL_DEBUG("backend %u (%s): INVITE left unanswered: a failure (%u in a row)",
				be->id, be->name, be->h.fails_in_row);
		break;
	case SLB_CTL_EVT_DLG_CREATED:
	case SLB_CTL_EVT_DLG_CONFIRMED:
	case SLB_CTL_EVT_DLG_ENDED:
	case SLB_CTL_EVT_DLG_EXPIRED:
		c->evt_dlg++;
		if (c->redis != NULL)
			ctl_redis_event(c->redis, e);
		break;
	default:
		c->evt_unknown++;
		break;
	}
}

static uint64_t
new_nonce(void)
{
	static uint64_t pool[64];
	static unsigned int left;
	ssize_t r;

	if (left == 0) {
		r = getrandom(pool, sizeof(pool), 0);
		if (r != (ssize_t)sizeof(pool)) {
			/* never seen on Linux for 512 bytes; a nonce must still be unguessable */
			CTL_ERR("getrandom: %s", r < 0 ? strerror(errno) : "short read");
			exit(1);
		}
		left = 64;
	}
	return pool[--left];
}

/* RFC 3261 8.1.1.5: a CSeq number is below 2^31. */
static uint32_t
next_cseq(struct ctl *c)
{
	c->cseq = c->cseq % 0x7fffffffu + 1;
	return c->cseq;
}

/* Clocks and probes of every backend. */
static void
run_health(struct ctl *c, uint64_t now_us)
{
	const struct slb_ctl_hdr *h = c->chan.hdr;
	struct slb_ctl_req req;
	uint32_t i;
	int rc;

	for (i = 0; i < c->nb_be; i++) {
		struct ctl_be *be = &c->be[i];
		uint64_t nonce;

		if (ctl_health_tick(&be->h, &c->hc, now_us) == CTL_V_FAILED)
			CTL_DEBUG("backend %u (%s): probe timed out (%u in a row)", be->id,
				be->name, be->h.fails_in_row);
		/* a LOADING dataplane polls no port yet: its replies would never come */
		if (!c->chan.attached || ctl_chan_state(&c->chan) == SLB_CTL_LOADING ||
			!ctl_health_probe_due(&be->h, now_us))
			continue;
		nonce = new_nonce();
		if (ctl_probe_req(&req, ++c->next_req_id, be->id, be->ip, be->port, h->backend_ip,
			    h->sip_port, nonce, next_cseq(c)) < 0)
			continue;
		rc = ctl_chan_send(&c->chan, &req);
		if (rc < 0) {
			ctl_health_probe_unsent(&be->h, &c->hc, now_us);
			continue;
		}
		ctl_health_probe_sent(&be->h, &c->hc, nonce, now_us);
		be->probe_req_id = req.req_id;
	}
}

/* Counters, per-backend message rates and the metrics snapshot, once a second. */
static void
sample(struct ctl *c, struct ctl_metrics *m, uint64_t now_ms, uint64_t *last_ms)
{
	double dt = (double)(now_ms - *last_ms) / 1000.0;
	uint32_t i;

	c->sum_valid = ctl_chan_read_stats(&c->chan, &c->sum) == 0;
	for (i = 0; i < c->nb_be; i++) {
		struct ctl_be *be = &c->be[i];
		uint64_t fwd = c->sum_valid ? c->sum.be_fwd[be->id % SLB_STATS_BE_IDS] : 0;

		be->msgs_per_s = fwd >= be->fwd_prev && be->fwd_prev != 0 && dt > 0
					 ? (double)(fwd - be->fwd_prev) / dt
					 : 0.0;
		be->fwd_prev = fwd;
	}
	*last_ms = now_ms;
	if (c->redis != NULL)
		ctl_redis_snapshot(c->redis, &c->rs);
	ctl_metrics_publish(m, c);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -c FILE [-v]\n"
		"  -c FILE      the configuration (siplb.conf: the dataplane's file, section "
		"control)\n"
		"  -v           debug messages\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n"
		"Exit codes: 0 stopped by a signal, 1 a runtime failure, %d bad usage or "
		"configuration.\n",
		prog, SLB_CFG_EXIT_BAD);
}

enum { OPT_VERSION = 256 };

static const struct option long_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static int
run(struct ctl *c, struct ctl_mgmt *mg, struct ctl_metrics *m)
{
	struct pollfd pfd[POLL_MAX];
	uint64_t now_ms, last_sample = 0, published = 0;
	int loop_ms = c->redis != NULL ? LOOP_REDIS_MS : LOOP_MS;
	unsigned int drained;
	char err[512];
	int n;

	while (!stop_sig) {
		now_ms = ctl_now_ms();
		if (hup_sig) {
			hup_sig = 0;
			CTL_INFO("SIGHUP: reloading %s", c->cfg_path);
			ctl_reload(c, err, sizeof(err));
		}
		switch (ctl_chan_poll(&c->chan, now_ms)) {
		case CTL_CHAN_ATTACHED:
			ctl_apply_attached(c, ctl_now_us());
			ctl_dlg_attached(c);
			last_sample = 0;
			break;
		case CTL_CHAN_DETACHED:
			ctl_apply_detached(c, ctl_now_us());
			ctl_dlg_detached(c);
			break;
		default:
			break;
		}
		ctl_chan_beat(&c->chan, now_ms);
		drained = ctl_chan_drain(&c->chan, on_event, c, EVT_MAX);
		ctl_dlg_run(c);
		run_health(c, ctl_now_us());
		ctl_apply_refresh(c);
		ctl_apply_run(c, now_ms);
		if (now_ms - last_sample >= SAMPLE_MS) {
			sample(c, m, now_ms, &last_sample);
			published = c->ap.want;
		} else if (published != c->ap.want) {
			/* a backend changed state: scrapes see it now, not at the next sample */
			ctl_metrics_publish(m, c);
			published = c->ap.want;
		}

		n = ctl_mgmt_pollfds(mg, pfd, POLL_MAX);
		/* a ring drained to its per-pass bound may hold more: no sleep */
		if (poll(pfd, (nfds_t)n, drained >= EVT_MAX ? 0 : loop_ms) < 0 && errno != EINTR) {
			CTL_ERR("poll: %s", strerror(errno));
			return 1;
		}
		ctl_mgmt_run(mg, c, pfd, n, ctl_now_ms());
	}
	CTL_INFO("%s: stopping (the dataplane keeps forwarding with its table)",
		strsignal(stop_sig));
	return 0;
}

int
main(int argc, char **argv)
{
	static struct ctl c;
	struct ctl_metrics *m = NULL;
	struct ctl_mgmt mg;
	struct sigaction sa;
	const char *path = NULL;
	bool failed;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:hv", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			ctl_log_max = CTL_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("siplb-control %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return SLB_CFG_EXIT_BAD;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr, argv[0]);
		return SLB_CFG_EXIT_BAD;
	}
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (c.cfg == NULL)
		return 1;
	if (slb_cfg_load(c.cfg, path) < 0)
		return SLB_CFG_EXIT_BAD;
	c.cfg_path = path;
	snprintf(c.disabled_path, sizeof(c.disabled_path), "%s.disabled", c.cfg->ctl_socket);
	c.pid = getpid();
	c.started = ctl_wall();
	c.started_us = ctl_now_us();
	ctl_reload_health_cfg(&c.hc, c.cfg);
	ctl_chan_init(&c.chan, c.cfg->ctl_shm);
	ctl_apply_from_cfg(&c, c.cfg, c.started_us);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* hiredis writes to sockets a dead Redis closed, too */
	/*
	 * The Redis threads allocate and free a reply per key and a Call-ID per dialog: glibc
	 * would hand freed heap back to the kernel (madvise) and map big replies anew (mmap) each
	 * time, and every such unmapping is a TLB shootdown of the other CPUs. Measured under
	 * virtualisation: a load of a million dialogs 15-25% faster with memory kept.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);

	c.redis = ctl_redis_start(c.cfg, &failed);
	if (failed)
		return 1;

	if (ctl_mgmt_open(&mg, c.cfg->ctl_socket) < 0) {
		ctl_redis_stop(c.redis);
		return 1;
	}
	if (c.cfg->ctl_metrics[0] != '\0') {
		m = ctl_metrics_start(c.cfg->ctl_metrics);
		if (m == NULL) {
			ctl_mgmt_close(&mg);
			ctl_redis_stop(c.redis);
			return 1;
		}
	}
	CTL_INFO("started: %s, %u backends, probes every %u ms (timeout %u ms, fall %u, rise %u)",
		path, c.nb_be, c.cfg->ctl_probe_interval_ms, c.cfg->ctl_probe_timeout_ms,
		c.cfg->ctl_fall, c.cfg->ctl_rise);
	rc = run(&c, &mg, m);
	ctl_metrics_stop(m);
	ctl_mgmt_close(&mg);
	ctl_redis_stop(c.redis);
	ctl_chan_close(&c.chan);
	slb_cfg_free(c.cfg);
	free(c.cfg);
	return rc;
}
