/* ctl_pin.c: siplb-control's dialog side, played against a running dataplane's segment. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "slb_ctl.h"
#include "slb_hash.h"

/*
 * ctl_pin SHM load N [LOOKUPS [SECONDS]]
 *                                attach to a LOADING dataplane as control would: heartbeat,
 *                                N pins (Call-IDs "pin-<i>@ctl-pin" hashed with the header's
 *                                key; backend 1 + i % 3; states confirmed, answered, early in
 *                                turn) in requests of 64 as the ring takes them, REQ_LOADED,
 *                                wait for SLB_CTL_EVT_LOADED; then LOOKUPS lookups of pinned
 *                                dialogs (default 200) and one of a dialog never pinned; then
 *                                listen for SECONDS (below) without the heartbeat lapsing.
 * ctl_pin SHM refuse             attach and answer the load at once "Redis unreachable".
 * ctl_pin SHM listen SECONDS     keep the heartbeat fresh and count the events on every ring;
 *                                prints "events created C confirmed F ended E expired X
 *                                unanswered U lost L".
 * Prints what it did and how long it took; exits 0 when every answer was the expected one.
 * Bounded: every wait has a timeout. The real control must not run at the same time (both
 * would consume the rings).
 */

#define WAIT_MS 15000

static struct slb_ctl_hdr *hdr;
static struct rte_ring *req, *rsp;
static struct slb_hash_key hkey;
static uint32_t next_id = 1;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
beat(void)
{
	__atomic_store_n(&hdr->ctl_heartbeat_ms, now_ms(), __ATOMIC_RELAXED);
}

static void
pause_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* Map the segment once its magic is there and its state is LOADING or RUNNING. */
static int
attach(const char *shm)
{
	char path[128];
	uint64_t t0 = now_ms();
	struct stat st;
	uint32_t state;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s", shm);
	for (;;) {
		fd = open(path, O_RDWR);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(*hdr)) {
			p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				0);
			close(fd);
			if (p == MAP_FAILED)
				return -1;
			hdr = p;
			state = __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE);
			if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) == SLB_CTL_MAGIC &&
				(state == SLB_CTL_LOADING || state == SLB_CTL_RUNNING))
				break;
			munmap(p, (size_t)st.st_size);
			hdr = NULL;
		} else if (fd >= 0) {
			close(fd);
		}
		if (now_ms() - t0 > WAIT_MS) {
			fprintf(stderr, "ctl_pin: %s: no LOADING or RUNNING dataplane\n", path);
			return -1;
		}
		pause_us(20000);
	}
	if (hdr->version != SLB_CTL_VERSION) {
		fprintf(stderr, "ctl_pin: segment version %u, built for %u\n", hdr->version,
			SLB_CTL_VERSION);
		return -1;
	}
	req = (struct rte_ring *)((char *)hdr + hdr->req_ring_off);
	rsp = (struct rte_ring *)((char *)hdr + hdr->rsp_ring_off);
	slb_hash_key_init(&hkey, (const struct slb_key128 *)hdr->hash_secret);
	beat();
	printf("attached: state %s, %u workers\n",
		hdr->state == SLB_CTL_LOADING ? "loading" : "running", hdr->nb_workers);
	return 0;
}

/* Enqueue one request, waiting (heartbeat kept) while the ring is full. */
static int
send_req(const struct slb_ctl_req *rq)
{
	uint64_t t0 = now_ms();

	while (rte_ring_sp_enqueue_elem(req, (void *)(uintptr_t)rq, sizeof(*rq)) != 0) {
		beat();
		if (now_ms() - t0 > WAIT_MS) {
			fprintf(stderr, "ctl_pin: request ring stays full\n");
			return -1;
		}
		pause_us(50);
	}
	return 0;
}

/* The next event of type on the rsp ring (others are skipped); -1 at the timeout. */
static int
wait_evt(uint16_t type, uint32_t req_id, struct slb_ctl_evt *e)
{
	uint64_t t0 = now_ms();

	for (;;) {
		beat();
		if (rte_ring_sc_dequeue_elem(rsp, e, sizeof(*e)) == 0) {
			if (e->type == type && e->req_id == req_id)
				return 0;
			continue;
		}
		if (now_ms() - t0 > WAIT_MS)
			return -1;
		pause_us(100);
	}
}

static uint64_t
hash_of(uint32_t i)
{
	char callid[64];
	int n = snprintf(callid, sizeof(callid), "pin-%u@ctl-pin", i);

	return slb_hash_callid(&hkey, callid, (uint32_t)n);
}

static const uint8_t states[3] = {SLB_CTL_DLG_CONFIRMED, SLB_CTL_DLG_ANSWERED,
	SLB_CTL_DLG_EARLY};

static int
loaded(uint64_t n, int32_t result)
{
	struct slb_ctl_req rq;
	struct slb_ctl_evt e;

	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_LOADED;
	rq.req_id = next_id++;
	rq.gen = n;
	rq.result = result;
	if (send_req(&rq) < 0 || wait_evt(SLB_CTL_EVT_LOADED, rq.req_id, &e) < 0) {
		fprintf(stderr, "ctl_pin: no SLB_CTL_EVT_LOADED\n");
		return -1;
	}
	printf("dataplane: loaded, %" PRIu64 " dialogs pinned (result %d)\n", e.gen, e.result);
	return e.result == result ? 0 : -1;
}

static int
lookup(uint64_t h, struct slb_ctl_evt *e)
{
	struct slb_ctl_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	rq.req_id = next_id++;
	rq.nb_dlg = 1;
	rq.dlg[0].callid_hash = h;
	rq.dlg[0].op = SLB_CTL_DLG_LOOKUP;
	if (send_req(&rq) < 0 || wait_evt(SLB_CTL_EVT_REPLY, rq.req_id, e) < 0) {
		fprintf(stderr, "ctl_pin: no answer to a lookup\n");
		return -1;
	}
	return 0;
}

static int
do_load(uint32_t n, uint32_t lookups)
{
	static struct slb_ctl_req rq;
	struct slb_ctl_evt e;
	uint64_t t0 = now_ms(), t1;
	uint32_t i, bad = 0;

	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	for (i = 0; i < n; i++) {
		struct slb_ctl_dlg_op *op = &rq.dlg[rq.nb_dlg++];

		op->callid_hash = hash_of(i);
		op->be_id = (uint16_t)(1 + i % 3);
		op->state = states[i % 3];
		op->op = SLB_CTL_DLG_PIN;
		if (rq.nb_dlg == SLB_CTL_DLG_OPS || i + 1 == n) {
			rq.req_id = next_id++;
			if (send_req(&rq) < 0)
				return 1;
			rq.nb_dlg = 0;
			if ((rq.req_id & 63) == 0)
				beat();
		}
	}
	if (loaded(n, 0) < 0)
		return 1;
	t1 = now_ms();
	printf("pinned %u dialogs in %" PRIu64 " ms (sent and acknowledged)\n", n, t1 - t0);

	for (i = 0; i < lookups && n > 0; i++) {
		uint32_t k = (uint32_t)(((uint64_t)i * 2654435761u) % n);

		if (lookup(hash_of(k), &e) < 0)
			return 1;
		bad += e.result != 1 || e.be_id != 1 + k % 3 || e.status != states[k % 3];
	}
	printf("lookups: %u of %u answered as pinned", lookups - bad, lookups);
	if (lookup(hash_of(n + 7), &e) < 0)
		return 1;
	printf(", one never pinned: %s\n", e.result == 0 ? "absent" : "FOUND");
	return bad != 0 || e.result != 0;
}

static int
do_listen(uint32_t seconds)
{
	uint64_t count[SLB_CTL_EVT_LOADED + 1] = {0}, end = now_ms() + 1000ull * seconds, lost;
	struct slb_ctl_evt e;
	uint32_t w, got;
	char sample[SLB_CTL_CALLID_MAX + 1] = "";

	while (now_ms() < end) {
		beat();
		got = 0;
		for (w = 0; w <= hdr->nb_workers; w++) {
			struct rte_ring *r = w < hdr->nb_workers ?
				(struct rte_ring *)((char *)hdr + hdr->evt_ring_off[w]) : rsp;

			while (rte_ring_sc_dequeue_elem(r, &e, sizeof(e)) == 0) {
				got++;
				if (e.type == SLB_CTL_EVT_DLG_EXPIRED)
					count[e.type] += e.callid_len / 8;
				else if (e.type <= SLB_CTL_EVT_LOADED)
					count[e.type]++;
				if (e.type == SLB_CTL_EVT_DLG_CREATED && sample[0] == '\0')
					snprintf(sample, sizeof(sample), "%.*s", (int)e.callid_len,
						e.callid);
			}
		}
		if (got == 0)
			pause_us(1000);
	}
	lost = 0;
	{
		const struct slb_stats_shm *s =
			(const struct slb_stats_shm *)((const char *)hdr + hdr->stats_off);

		for (w = 0; w <= hdr->nb_workers; w++)
			lost += s->lcore[w].c.ctl_evt_lost;
	}
	printf("events created %" PRIu64 " confirmed %" PRIu64 " ended %" PRIu64
	       " expired %" PRIu64 " unanswered %" PRIu64 " lost %" PRIu64 " sample '%s'\n",
		count[SLB_CTL_EVT_DLG_CREATED], count[SLB_CTL_EVT_DLG_CONFIRMED],
		count[SLB_CTL_EVT_DLG_ENDED], count[SLB_CTL_EVT_DLG_EXPIRED],
		count[SLB_CTL_EVT_INVITE_UNANSWERED], lost, sample);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: ctl_pin SHM load N [LOOKUPS [S]] | refuse | listen S\n"
		   "  -h, --help   this help\n"
		   "  --version    print the version and exit\n");
}

enum { OPT_VERSION = 256 };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	int opt;

	/* "+": the arguments are positional from the first that is not an option */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("ctl_pin %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* the positionals from argv[1] on, as before options were taken */
	argv[optind - 1] = argv[0];
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 3 || attach(argv[1]) < 0) {
		if (argc < 3)
			usage(stderr);
		return 2;
	}
	if (strcmp(argv[2], "load") == 0 && argc >= 4) {
		int rc = do_load((uint32_t)strtoul(argv[3], NULL, 10),
			argc >= 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 200);

		fflush(stdout);
		if (rc == 0 && argc >= 6)
			rc = do_listen((uint32_t)strtoul(argv[5], NULL, 10));
		return rc;
	}
	if (strcmp(argv[2], "refuse") == 0)
		return loaded(0, -ECONNREFUSED) < 0;
	if (strcmp(argv[2], "listen") == 0 && argc >= 4)
		return do_listen((uint32_t)strtoul(argv[3], NULL, 10));
	usage(stderr);
	return 2;
}
