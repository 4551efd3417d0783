/* ctl_fakedp.c: the dataplane's end of the control segment, faked, to run siplb-control alone. */
#define _GNU_SOURCE /* memmem */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86intrin.h>

#include "../unit/ctl_seg.h"
#include "slb_hash.h"

/*
 * ctl_fakedp SHM WORKERS STATEFILE [EPOCH [loading]]
 * Makes /dev/shm/SHM as siplb-dataplane would and plays its main lcore: applies REQ_BACKENDS
 * (stage -> cur, REPLY, TABLE), "sends" each REQ_PROBE and answers it 200 from worker 0, unless
 * STATEFILE (re-read every 100 ms) has a line "dead ID" (no answer), "503 ID" (OPTIONS
 * answered 200, and an INVITE 503 event every 100 ms) or "nosend ID" (its probes refused with a
 * REPLY -ENOBUFS, as when the dataplane has no mbuf). Each applied set is printed on stdout:
 * "table GEN id:state:wWEIGHT ...". It starts with an empty table (TABLE gen 1). SIGUSR1 plays a
 * SIGHUP to the dataplane: every backend up, a table of its own. SIGTERM: STOPPING, file removed.
 *
 * Dialogs (the Redis issue): a table of hashes. "loading" starts it LOADING (redis.enabled): it
 * applies SLB_CTL_REQ_DLG meanwhile and runs at SLB_CTL_REQ_LOADED ("loaded GEN RESULT table N
 * hb_age MS" on stdout, SLB_CTL_EVT_LOADED), or after 10 s without ("loaded none"). PIN, UNPIN
 * (a line "dlg PINS UNPINS LIVE" after each request) and LOOKUP (answered). STATEFILE lines
 * "calls N" and "ended N": calls fake-K@fakedp.example (K < N) created and confirmed, then
 * ended, each a dialog event from worker K % WORKERS, as workers emit them. Event times are in
 * the TSC, and tsc_hz in the header is measured, as the dataplane's are.
 */

static volatile sig_atomic_t stop;
static volatile sig_atomic_t foreign;

static void
on_usr1(int sig)
{
	(void)sig;
	foreign = 1;
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
tsc(void)
{
	return __rdtsc();
}

static uint64_t
measure_tsc_hz(void)
{
	uint64_t t0 = ctl_seg_now_ms(), c0 = tsc();

	usleep(20000);
	return (tsc() - c0) * 1000 / (ctl_seg_now_ms() - t0);
}

#define MAXBE 64
static int dead[MAXBE], busy[MAXBE], nosend[MAXBE];
static uint32_t want_calls, want_ended; /* "calls N", "ended N" */
static uint64_t version = 1; /* the table's, the dataplane's own numbering (not control's gen) */

static void
read_state(const char *path)
{
	char kind[16];
	FILE *f = fopen(path, "r");
	int id;

	memset(dead, 0, sizeof(dead));
	memset(busy, 0, sizeof(busy));
	memset(nosend, 0, sizeof(nosend));
	if (f == NULL)
		return;
	while (fscanf(f, "%15s %d", kind, &id) == 2) {
		if (strcmp(kind, "calls") == 0 && id >= 0)
			want_calls = (uint32_t)id;
		else if (strcmp(kind, "ended") == 0 && id >= 0)
			want_ended = (uint32_t)id;
		if (id >= 0 && id < MAXBE) {
			if (strcmp(kind, "dead") == 0)
				dead[id] = 1;
			else if (strcmp(kind, "503") == 0)
				busy[id] = 1;
			else if (strcmp(kind, "nosend") == 0)
				nosend[id] = 1;
		}
	}
	fclose(f);
}

static void
emit(struct rte_ring *r, struct slb_ctl_evt *e)
{
	e->tsc = tsc();
	if (rte_ring_sp_enqueue_elem(r, e, sizeof(*e)) != 0)
		fprintf(stderr, "fakedp: event ring full\n");
}

static void
apply(struct ctl_seg *s, const struct slb_ctl_req *q)
{
	static struct slb_ctl_be_set set;
	struct slb_ctl_evt e;
	uint32_t i;

	memset(&e, 0, sizeof(e));
	e.type = SLB_CTL_EVT_REPLY;
	e.req_id = q->req_id;
	e.be_id = 0xffff;
	if (s->stage->gen != q->gen) {
		e.result = -22;
		emit(s->rsp, &e);
		return;
	}
	memcpy(&set, s->stage, sizeof(set));
	set.gen = ++version;
	ctl_seg_set_cur(s, &set);
	/* as the dataplane does: the new table's TABLE, then the REPLY, both with its version */
	e.gen = version;
	e.type = SLB_CTL_EVT_TABLE;
	emit(s->rsp, &e);
	e.type = SLB_CTL_EVT_REPLY;
	emit(s->rsp, &e);
	printf("table %" PRIu64, set.gen);
	for (i = 0; i < set.nb_be; i++)
		printf(" %u:%u:w%u", set.be[i].id, set.be[i].state, set.be[i].weight);
	printf("\n");
	fflush(stdout);
}

static void
probe(struct ctl_seg *s, const struct slb_ctl_req *q)
{
	char want[64];
	struct slb_ctl_evt e;

	snprintf(want, sizeof(want), "branch=" SLB_CTL_PROBE_BRANCH "%016" PRIx64 "\r\n",
		q->probe.nonce);
	if (q->probe.len > SLB_CTL_PROBE_MAX ||
		memmem(q->probe.sip, q->probe.len, want, strlen(want)) == NULL) {
		fprintf(stderr, "fakedp: probe without its nonce in the branch\n");
		return;
	}
	memset(&e, 0, sizeof(e));
	if (q->probe.be_id < MAXBE && nosend[q->probe.be_id]) {
		e.type = SLB_CTL_EVT_REPLY; /* as the dataplane without an mbuf */
		e.be_id = 0xffff;
		e.req_id = q->req_id;
		e.result = -105; /* ENOBUFS */
		emit(s->rsp, &e);
		return;
	}
	e.type = SLB_CTL_EVT_PROBE_SENT;
	e.be_id = q->probe.be_id;
	e.nonce = q->probe.nonce;
	e.ip = q->probe.dst_ip;
	e.port = q->probe.dst_port;
	emit(s->rsp, &e);
	s->stats->lcore[1].c.probe_tx++;
	if (q->probe.be_id < MAXBE && dead[q->probe.be_id])
		return;
	e.type = SLB_CTL_EVT_PROBE_REPLY;
	e.status = 200;
	emit(s->evt[0], &e);
	s->stats->lcore[0].c.probe_rx++;
}

/* ---- dialogs: hash -> backend and state, open addressing, a removed slot keeps its hash ---- */

#define DLG_SLOTS (1u << 18)

static struct {
	uint64_t h;
	uint16_t be;
	uint8_t st; /* 0: removed */
} dlg[DLG_SLOTS];
static uint32_t dlg_live;
static uint64_t nb_pins, nb_unpins;

static uint32_t
dlg_find(uint64_t h)
{
	uint32_t i = (uint32_t)(h >> 32) & (DLG_SLOTS - 1);

	while (dlg[i].h != 0 && dlg[i].h != h)
		i = (i + 1) & (DLG_SLOTS - 1);
	return i;
}

/* As SLB_CTL_DLG_PIN: a live one wins, but an early or answered one moves on to confirmed. */
static void
dlg_pin(uint64_t h, uint16_t be, uint8_t st)
{
	uint32_t i;

	h = h != 0 ? h : 1;
	i = dlg_find(h);
	if (dlg[i].h == h && dlg[i].st != 0) {
		if (st == SLB_CTL_DLG_CONFIRMED)
			dlg[i].st = st;
		return;
	}
	if (dlg_live >= DLG_SLOTS / 2)
		return;
	dlg[i].h = h;
	dlg[i].be = be;
	dlg[i].st = st;
	dlg_live++;
}

static void
dlg_unpin(uint64_t h)
{
	uint32_t i;

	h = h != 0 ? h : 1;
	i = dlg_find(h);
	if (dlg[i].h == h && dlg[i].st != 0) {
		dlg[i].st = 0;
		dlg_live--;
	}
}

static void
dlg_request(struct ctl_seg *s, const struct slb_ctl_req *q)
{
	struct slb_ctl_evt e;
	uint32_t i, k;

	for (k = 0; k < q->nb_dlg && k < SLB_CTL_DLG_OPS; k++) {
		const struct slb_ctl_dlg_op *o = &q->dlg[k];

		if (o->op == SLB_CTL_DLG_PIN) {
			dlg_pin(o->callid_hash, o->be_id, o->state);
			nb_pins++;
		} else if (o->op == SLB_CTL_DLG_UNPIN) {
			dlg_unpin(o->callid_hash);
			nb_unpins++;
		} else if (o->op == SLB_CTL_DLG_LOOKUP) {
			uint64_t h = o->callid_hash != 0 ? o->callid_hash : 1;

			memset(&e, 0, sizeof(e));
			e.type = SLB_CTL_EVT_REPLY;
			e.req_id = q->req_id;
			i = dlg_find(h);
			if (dlg[i].h == h && dlg[i].st != 0) {
				e.result = 1;
				e.be_id = dlg[i].be;
				e.status = dlg[i].st;
			} else {
				e.be_id = 0xffff;
			}
			emit(s->rsp, &e);
			return;
		}
	}
	printf("dlg %llu %llu %u\n", (unsigned long long)nb_pins, (unsigned long long)nb_unpins,
		dlg_live);
	fflush(stdout);
}

static struct slb_hash_key hkey;
static uint32_t made, ended;

static void
dlg_event(struct ctl_seg *s, uint16_t type, uint32_t k)
{
	struct slb_ctl_evt e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.be_id = (uint16_t)(1 + k % 2);
	e.callid_len = (uint16_t)snprintf(e.callid, sizeof(e.callid), "fake-%u@fakedp.example", k);
	e.callid_hash = slb_hash_callid(&hkey, e.callid, e.callid_len);
	emit(s->evt[k % s->hdr->nb_workers], &e);
	if (type == SLB_CTL_EVT_DLG_CONFIRMED)
		dlg_pin(e.callid_hash, e.be_id, SLB_CTL_DLG_CONFIRMED);
	else if (type == SLB_CTL_EVT_DLG_ENDED)
		dlg_unpin(e.callid_hash);
}

/* The calls the state file asks for, a few hundred per loop as a worker's burst. */
static void
dlg_calls(struct ctl_seg *s)
{
	uint32_t n;

	for (n = 0; made < want_calls && n < 500; n++, made++) {
		dlg_event(s, SLB_CTL_EVT_DLG_CREATED, made);
		dlg_event(s, SLB_CTL_EVT_DLG_CONFIRMED, made);
	}
	for (n = 0; ended < want_ended && ended < made && n < 500; n++, ended++)
		dlg_event(s, SLB_CTL_EVT_DLG_ENDED, ended);
}

/* LOADING: requests in a tight loop until control's REQ_LOADED (10 s at most). */
static void
load(struct ctl_seg *s)
{
	uint64_t until = ctl_seg_now_ms() + 10000, hb;
	struct slb_ctl_req q;
	struct slb_ctl_evt e;

	while (!stop && ctl_seg_now_ms() < until) {
		s->hdr->heartbeat_ms = ctl_seg_now_ms();
		if (rte_ring_sc_dequeue_elem(s->req, &q, sizeof(q)) != 0) {
			usleep(100);
			continue;
		}
		if (q.type == SLB_CTL_REQ_BACKENDS)
			apply(s, &q);
		else if (q.type == SLB_CTL_REQ_DLG)
			dlg_request(s, &q);
		else if (q.type != SLB_CTL_REQ_LOADED)
			continue;
		if (q.type != SLB_CTL_REQ_LOADED)
			continue;
		hb = __atomic_load_n(&s->hdr->ctl_heartbeat_ms, __ATOMIC_ACQUIRE);
		printf("loaded %llu %d table %u hb_age %llu\n", (unsigned long long)q.gen,
			q.result, dlg_live, (unsigned long long)(ctl_seg_now_ms() - hb));
		fflush(stdout);
		memset(&e, 0, sizeof(e));
		e.type = SLB_CTL_EVT_LOADED;
		e.be_id = 0xffff;
		e.gen = dlg_live;
		emit(s->rsp, &e);
		return;
	}
	printf("loaded none\n");
	fflush(stdout);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s SHM WORKERS STATEFILE [EPOCH [loading]]\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n",
		prog);
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
	struct ctl_seg s;
	struct slb_ctl_req q;
	uint64_t next_state = 0, next_503 = 0, now;
	int id, opt;

	/* "+": the arguments are positional from the first that is not an option */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("ctl_fakedp %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	/* the positionals from argv[1] on, as before options were taken */
	argv[optind - 1] = argv[0];
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 4) {
		usage(stderr, argv[0]);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (ctl_seg_create(&s, argv[1], (uint32_t)atoi(argv[2]),
		    argc > 4 ? strtoull(argv[4], NULL, 0) : tsc()) < 0) {
		perror("fakedp: segment");
		return 1;
	}
	s.hdr->tsc_hz = measure_tsc_hz();
	slb_hash_key_init(&hkey, (const struct slb_key128 *)s.hdr->hash_secret);
	signal(SIGUSR1, on_usr1);
	{
		static struct slb_ctl_be_set empty;
		struct slb_ctl_evt e;

		empty.gen = 1;
		ctl_seg_set_cur(&s, &empty);
		memset(&e, 0, sizeof(e));
		e.type = SLB_CTL_EVT_TABLE;
		e.be_id = 0xffff;
		e.gen = 1;
		emit(s.rsp, &e);
	}
	if (argc > 5 && strcmp(argv[5], "loading") == 0) {
		s.hdr->heartbeat_ms = ctl_seg_now_ms();
		__atomic_store_n(&s.hdr->state, SLB_CTL_LOADING, __ATOMIC_RELEASE);
		load(&s);
	}
	ctl_seg_run(&s);
	while (!stop) {
		if (foreign) {
			static struct slb_ctl_be_set set;
			struct slb_ctl_evt e;
			uint32_t i;

			foreign = 0;
			memcpy(&set, s.cur, sizeof(set));
			set.gen = ++version;
			for (i = 0; i < set.nb_be; i++)
				set.be[i].state = SLB_CTL_BE_UP;
			ctl_seg_set_cur(&s, &set);
			memset(&e, 0, sizeof(e));
			e.type = SLB_CTL_EVT_TABLE;
			e.be_id = 0xffff;
			e.gen = set.gen;
			emit(s.rsp, &e);
			printf("foreign %" PRIu64 "\n", set.gen);
			fflush(stdout);
		}
		now = ctl_seg_now_ms();
		s.hdr->heartbeat_ms = now;
		if (now >= next_state) {
			read_state(argv[3]);
			next_state = now + 100;
		}
		while (rte_ring_sc_dequeue_elem(s.req, &q, sizeof(q)) == 0) {
			if (q.type == SLB_CTL_REQ_BACKENDS)
				apply(&s, &q);
			else if (q.type == SLB_CTL_REQ_PROBE)
				probe(&s, &q);
			else if (q.type == SLB_CTL_REQ_DLG)
				dlg_request(&s, &q);
		}
		dlg_calls(&s);
		if (now >= next_503) {
			next_503 = now + 100;
			for (id = 0; id < MAXBE; id++)
				if (busy[id]) {
					struct slb_ctl_evt e;

					memset(&e, 0, sizeof(e));
					e.type = SLB_CTL_EVT_INVITE_503;
					e.be_id = (uint16_t)id;
					e.status = 503;
					emit(s.evt[0], &e);
				}
		}
		s.stats->lcore[0].c.rx_pkts++;
		s.stats->lcore[0].c.be_fwd[1] += 3;
		usleep(1000);
	}
	s.hdr->state = SLB_CTL_STOPPING;
	ctl_seg_destroy(&s, 1);
	return 0;
}
