/* test_ctl_chan.c: control's channel against a segment made here: attach, rings, cur, restarts. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ctl_chan.h"
#include "ctl_log.h"
#include "ctl_seg.h"
#include "slb_test.h"

static char name[64];
static struct ctl_seg seg;
static struct ctl_chan ch;
static uint64_t now;

/* Poll as the loop does, past the channel's 200 ms between looks at the file. */
static enum ctl_chan_change
poll_at(uint64_t ms)
{
	now = ms;
	return ctl_chan_poll(&ch, now);
}

/* The dataplane's heartbeat at the same time, then a poll (the test's clock is its own). */
static enum ctl_chan_change
beat(uint64_t step)
{
	now += step;
	seg.hdr->heartbeat_ms = now;
	return ctl_chan_poll(&ch, now);
}

static void
fresh(uint32_t workers, uint64_t epoch)
{
	CU_ASSERT_FATAL(ctl_seg_create(&seg, name, workers, epoch) == 0);
	ctl_seg_run(&seg);
	seg.hdr->heartbeat_ms = now;
}

static void
test_wait_then_attach(void)
{
	snprintf(name, sizeof(name), "siplb-test-chan-%d", (int)getpid());
	ctl_chan_init(&ch, name);
	unlink(ch.path);
	CU_ASSERT_EQUAL(poll_at(ctl_seg_now_ms()), CTL_CHAN_SAME);
	CU_ASSERT(!ch.attached);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "absent"));

	CU_ASSERT_FATAL(ctl_seg_create(&seg, name, 2, 111) == 0);
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME); /* STARTING */
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "starting"));
	ctl_seg_run(&seg);
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	CU_ASSERT(ch.attached);
	CU_ASSERT(ch.new_epoch);
	CU_ASSERT_EQUAL(ch.nb_workers, 2);
	CU_ASSERT_EQUAL(ch.epoch, 111);
	CU_ASSERT_EQUAL(poll_at(now + 1), CTL_CHAN_SAME);
}

struct seen {
	unsigned int n;
	uint64_t nonce[8];
};

static void
collect(void *arg, const struct slb_ctl_evt *ev)
{
	struct seen *seen = arg;

	if (seen->n < 8)
		seen->nonce[seen->n++] = ev->nonce;
}

static void
test_requests_and_events(void)
{
	struct slb_ctl_req req, got;
	struct slb_ctl_evt e;
	unsigned int i, n;
	struct seen seen = {0};

	memset(&req, 0, sizeof(req));
	req.type = SLB_CTL_REQ_PROBE;
	req.req_id = 7;
	req.probe.nonce = 0x1234;
	CU_ASSERT_EQUAL(ctl_chan_send(&ch, &req), 0);
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue_elem(seg.req, &got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(memcmp(&got, &req, sizeof(req)), 0);
	/* a full ring says so: the caller tries again */
	for (i = 0; i < SLB_CTL_REQ_RING - 1; i++)
		CU_ASSERT_EQUAL(ctl_chan_send(&ch, &req), 0);
	CU_ASSERT_EQUAL(ctl_chan_send(&ch, &req), -ENOBUFS);
	while (rte_ring_sc_dequeue_elem(seg.req, &got, sizeof(got)) == 0)
		;

	memset(&e, 0, sizeof(e));
	e.type = SLB_CTL_EVT_REPLY;
	e.nonce = 1;
	rte_ring_sp_enqueue_elem(seg.rsp, &e, sizeof(e));
	e.type = SLB_CTL_EVT_PROBE_REPLY;
	e.nonce = 2;
	rte_ring_sp_enqueue_elem(seg.evt[1], &e, sizeof(e));
	e.nonce = 3;
	rte_ring_sp_enqueue_elem(seg.evt[0], &e, sizeof(e));
	CU_ASSERT_EQUAL(ctl_chan_drain(&ch, collect, &seen, 0), 0); /* max 0: nothing taken */
	n = ctl_chan_drain(&ch, collect, &seen, 100);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(seen.n, 3);
	/* rsp first, then the workers in order */
	CU_ASSERT_EQUAL(seen.nonce[0], 1);
	CU_ASSERT_EQUAL(seen.nonce[1], 3);
	CU_ASSERT_EQUAL(seen.nonce[2], 2);
}

static void
test_cur_and_stats(void)
{
	static struct slb_ctl_be_set set, out;
	struct slb_stats_ctr sum;

	memset(&set, 0, sizeof(set));
	set.gen = 9;
	set.nb_be = 2;
	set.be[0].id = 1;
	set.be[1].id = 2;
	set.be[1].state = SLB_CTL_BE_FAILED;
	ctl_seg_set_cur(&seg, &set);
	CU_ASSERT_EQUAL(ctl_chan_read_cur(&ch, &out), 0);
	CU_ASSERT_EQUAL(out.gen, 9);
	CU_ASSERT_EQUAL(out.nb_be, 2);
	CU_ASSERT_EQUAL(out.be[1].state, SLB_CTL_BE_FAILED);
	/* a writer that never finishes: no torn copy, an error */
	seg.cur->seq++;
	CU_ASSERT_EQUAL(ctl_chan_read_cur(&ch, &out), -1);
	seg.cur->seq++;
	/* a garbled count is refused */
	seg.cur->nb_be = SLB_CTL_MAX_BE + 1;
	CU_ASSERT_EQUAL(ctl_chan_read_cur(&ch, &out), -1);
	ctl_seg_set_cur(&seg, &set);

	seg.stats->lcore[0].c.rx_pkts = 5;
	seg.stats->lcore[1].c.rx_pkts = 6;
	seg.stats->lcore[2].c.rx_pkts = 7;    /* the main lcore's slot (2 workers) */
	seg.stats->lcore[3].c.rx_pkts = 1000; /* not in use */
	seg.stats->lcore[1].c.be_fwd[4095] = 3;
	CU_ASSERT_EQUAL(ctl_chan_read_stats(&ch, &sum), 0);
	CU_ASSERT_EQUAL(sum.rx_pkts, 18);
	CU_ASSERT_EQUAL(sum.be_fwd[4095], 3);
}

static void
test_dead_and_restarted(void)
{
	/* heartbeat older than 2 s: gone; fresh again, the same run comes back */
	CU_ASSERT_EQUAL(poll_at(seg.hdr->heartbeat_ms + CTL_CHAN_DEAD_MS + 1), CTL_CHAN_DETACHED);
	CU_ASSERT(!ch.attached);
	CU_ASSERT_EQUAL(ctl_chan_send(&ch, &(struct slb_ctl_req){0}), -ENOTCONN);
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "heartbeat"));
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	CU_ASSERT(!ch.new_epoch);

	/* a new epoch in the same file */
	seg.hdr->epoch = 222;
	CU_ASSERT_EQUAL(poll_at(now + 1), CTL_CHAN_DETACHED);
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	CU_ASSERT(ch.new_epoch);
	CU_ASSERT_EQUAL(ch.epoch, 222);

	/* stopping */
	seg.hdr->state = SLB_CTL_STOPPING;
	CU_ASSERT_EQUAL(poll_at(now + 1), CTL_CHAN_DETACHED);
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "stopping"));
	seg.hdr->state = SLB_CTL_RUNNING;
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);

	/* the file replaced by a new dataplane with the same epoch (clock reset): the inode */
	ctl_seg_destroy(&seg, 1);
	fresh(1, 222);
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_DETACHED);
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	CU_ASSERT_EQUAL(ch.nb_workers, 1);

	/* removed */
	ctl_seg_destroy(&seg, 1);
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_DETACHED);
}

static void
test_refused_segments(void)
{
	/* a version of another build */
	fresh(1, 333);
	seg.hdr->version = SLB_CTL_VERSION + 1;
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_SAME);
	CU_ASSERT(!ch.attached);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "version"));
	ctl_seg_destroy(&seg, 1);
	/* a size that is not the header's */
	fresh(1, 334);
	seg.hdr->seg_size += 4096;
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "size"));
	ctl_seg_destroy(&seg, 1);
	/* a ring outside the segment */
	fresh(2, 335);
	seg.hdr->evt_ring_off[1] = seg.size - 64;
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "outside"));
	ctl_seg_destroy(&seg, 1);
	/* not initialised (magic not yet written) */
	fresh(1, 336);
	seg.hdr->magic = 0;
	CU_ASSERT_EQUAL(poll_at(now + 300), CTL_CHAN_SAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(ch.why, "initialised"));
	/* and once it is, attached */
	seg.hdr->magic = SLB_CTL_MAGIC;
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	ctl_chan_close(&ch);
	ctl_seg_destroy(&seg, 1);
}

/* A dataplane LOADING (redis.enabled) is attached at once; control's heartbeat goes in its
 * header; LOADING to RUNNING is no change; not attached, nothing is written. */
static void
test_loading_and_heartbeat(void)
{
	ctl_chan_init(&ch, name);
	CU_ASSERT_FATAL(ctl_seg_create(&seg, name, 1, 444) == 0);
	seg.hdr->state = SLB_CTL_LOADING;
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_ATTACHED);
	CU_ASSERT_EQUAL(ctl_chan_state(&ch), SLB_CTL_LOADING);
	CU_ASSERT_EQUAL(seg.hdr->ctl_heartbeat_ms, 0);
	ctl_chan_beat(&ch, 123456);
	CU_ASSERT_EQUAL(seg.hdr->ctl_heartbeat_ms, 123456);
	seg.hdr->state = SLB_CTL_RUNNING;
	CU_ASSERT_EQUAL(beat(300), CTL_CHAN_SAME);
	CU_ASSERT_EQUAL(ctl_chan_state(&ch), SLB_CTL_RUNNING);
	seg.hdr->state = SLB_CTL_STOPPING;
	CU_ASSERT_EQUAL(beat(1), CTL_CHAN_DETACHED);
	ctl_chan_beat(&ch, 999);
	CU_ASSERT_EQUAL(seg.hdr->ctl_heartbeat_ms, 123456);
	ctl_chan_close(&ch);
	ctl_seg_destroy(&seg, 1);
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"waits, says why, attaches when RUNNING", test_wait_then_attach},
		{"requests out, events in (rsp, then each worker)", test_requests_and_events},
		{"cur by seqlock; stats summed over the lcores in use", test_cur_and_stats},
		{"dead, restarted, stopping, replaced, removed", test_dead_and_restarted},
		{"wrong version, size, offsets; not initialised", test_refused_segments},
		{"LOADING attaches; control's heartbeat", test_loading_and_heartbeat},
		CU_TEST_INFO_NULL,
	};

	ctl_log_max = CTL_LOG_ERR; /* the waits are logged: keep the output to CUnit's */
	return slb_test_main("ctl_chan", tests);
}
