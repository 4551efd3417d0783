/* ctl_fakedp.c: the dataplane's end of the control segment, faked, to run siplb-control alone. */
#define _GNU_SOURCE /* memmem */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ctl_seg.h"

/*
 * ctl_fakedp SHM WORKERS STATEFILE [EPOCH]
 * Makes /dev/shm/SHM as siplb-dataplane would and plays its main lcore: applies REQ_BACKENDS
 * (stage -> cur, REPLY, TABLE), "sends" each REQ_PROBE and answers it 200 from worker 0, unless
 * STATEFILE (re-read every 100 ms) has a line "dead ID" (no answer), "503 ID" (OPTIONS
 * answered 200, and an INVITE 503 event every 100 ms) or "nosend ID" (its probes refused with a
 * REPLY -ENOBUFS, as when the dataplane has no mbuf). Each applied set is printed on stdout:
 * "table GEN id:state:wWEIGHT ...". It starts with an empty table (TABLE gen 1). SIGUSR1 plays a
 * SIGHUP to the dataplane: every backend up, a table of its own. SIGTERM: STOPPING, file removed.
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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define MAXBE 64
static int dead[MAXBE], busy[MAXBE], nosend[MAXBE];
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
	while (fscanf(f, "%15s %d", kind, &id) == 2)
		if (id >= 0 && id < MAXBE) {
			if (strcmp(kind, "dead") == 0)
				dead[id] = 1;
			else if (strcmp(kind, "503") == 0)
				busy[id] = 1;
			else if (strcmp(kind, "nosend") == 0)
				nosend[id] = 1;
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

int
main(int argc, char **argv)
{
	struct ctl_seg s;
	struct slb_ctl_req q;
	uint64_t next_state = 0, next_503 = 0, now;
	int id;

	if (argc < 4) {
		fprintf(stderr, "usage: %s SHM WORKERS STATEFILE [EPOCH]\n", argv[0]);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (ctl_seg_create(&s, argv[1], (uint32_t)atoi(argv[2]),
		    argc > 4 ? strtoull(argv[4], NULL, 0) : tsc()) < 0) {
		perror("fakedp: segment");
		return 1;
	}
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
		}
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
