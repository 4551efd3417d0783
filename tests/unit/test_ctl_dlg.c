/* test_ctl_dlg.c: control's dialog requests (pin, unpin, lookup) and expiry events, end to end. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ip.h>

#include "ctl_dlg.h"
#include "ctl_shm.h"
#include "slb_fwd.h"
#include "slb_hash.h"
#include "slb_test.h"
#include "slb_testpkt.h"

#define EARLY_TO 32
#define CONFIRMED_TO 3600
#define NOW 100

static struct slb_dlg_table *
mk_table(uint32_t capacity)
{
	struct slb_dlg_cfg cfg = {capacity, EARLY_TO, CONFIRMED_TO};

	return slb_dlg_create(&cfg);
}

static uint64_t
key_of(uint32_t i)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);

	return x ^ (x >> 29);
}

static void
pin_op(struct slb_ctl_req *rq, uint64_t key, uint16_t be, uint8_t state)
{
	struct slb_ctl_dlg_op *op = &rq->dlg[rq->nb_dlg++];

	memset(op, 0, sizeof(*op));
	op->callid_hash = key;
	op->be_id = be;
	op->state = state;
	op->op = SLB_CTL_DLG_PIN;
}

static void
one_op(struct slb_ctl_req *rq, uint8_t opcode, uint64_t key, uint32_t req_id)
{
	memset(rq, 0, sizeof(*rq));
	rq->type = SLB_CTL_REQ_DLG;
	rq->req_id = req_id;
	rq->nb_dlg = 1;
	rq->dlg[0].callid_hash = key;
	rq->dlg[0].op = opcode;
}

/* A lookup: 1 with the backend and state, or 0. */
static int
lookup(struct slb_dlg_table *t, uint64_t key, uint32_t now, uint16_t *be, uint8_t *st)
{
	struct slb_ctl_req rq;
	struct slb_ctl_evt e;
	struct slb_ctl_dlg_tally tally = {0};

	one_op(&rq, SLB_CTL_DLG_LOOKUP, key, 77);
	memset(&e, 0xee, sizeof(e));
	CU_ASSERT_EQUAL_FATAL(slb_ctl_dlg_apply(t, &rq, now, &tally, &e), 1);
	CU_ASSERT_EQUAL(e.type, SLB_CTL_EVT_REPLY);
	CU_ASSERT_EQUAL(e.req_id, 77);
	CU_ASSERT_EQUAL(e.callid_hash, key);
	CU_ASSERT_EQUAL(tally.pinned + tally.kept + tally.unpinned + tally.refused, 0);
	if (e.result == 0)
		CU_ASSERT_EQUAL(e.be_id, 0xffff);
	*be = e.be_id;
	*st = (uint8_t)e.status;
	return e.result;
}

/* A full batch of pins in every state, looked up one by one, then half of them unpinned. */
static void
t_pin_lookup_unpin(void)
{
	static const uint8_t states[3] = {SLB_CTL_DLG_EARLY, SLB_CTL_DLG_ANSWERED,
		SLB_CTL_DLG_CONFIRMED};
	struct slb_dlg_table *t = mk_table(4096);
	struct slb_ctl_dlg_tally tally = {0};
	struct slb_ctl_req rq;
	struct slb_ctl_evt e;
	uint32_t i;
	uint16_t be;
	uint8_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	for (i = 0; i < SLB_CTL_DLG_OPS; i++)
		pin_op(&rq, key_of(i), (uint16_t)(100 + i), states[i % 3]);
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), 0);
	CU_ASSERT_EQUAL(tally.pinned, SLB_CTL_DLG_OPS);
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW), SLB_CTL_DLG_OPS);
	for (i = 0; i < SLB_CTL_DLG_OPS; i++) {
		CU_ASSERT_EQUAL(lookup(t, key_of(i), NOW, &be, &st), 1);
		CU_ASSERT_EQUAL(be, 100 + i);
		CU_ASSERT_EQUAL(st, states[i % 3]);
	}
	/* again: each meets itself, nothing new */
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), 0);
	CU_ASSERT_EQUAL(tally.pinned, SLB_CTL_DLG_OPS);
	CU_ASSERT_EQUAL(tally.kept, SLB_CTL_DLG_OPS);

	/* unpin the even ones, and one never pinned */
	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	for (i = 0; i < SLB_CTL_DLG_OPS; i += 2) {
		rq.dlg[rq.nb_dlg].callid_hash = key_of(i);
		rq.dlg[rq.nb_dlg++].op = SLB_CTL_DLG_UNPIN;
	}
	rq.dlg[rq.nb_dlg].callid_hash = key_of(5000);
	rq.dlg[rq.nb_dlg++].op = SLB_CTL_DLG_UNPIN;
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), 0);
	CU_ASSERT_EQUAL(tally.unpinned, SLB_CTL_DLG_OPS / 2);
	for (i = 0; i < SLB_CTL_DLG_OPS; i++)
		CU_ASSERT_EQUAL(lookup(t, key_of(i), NOW, &be, &st), (int)(i % 2));
	slb_dlg_destroy(t);
}

/* A lookup is an operator's look: it must not keep the call alive. */
static void
t_lookup_keeps_nobody_alive(void)
{
	struct slb_dlg_table *t = mk_table(64);
	uint16_t be;
	uint8_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(slb_dlg_pin(t, key_of(1), 3, SLB_DLG_EARLY, NOW), 0);
	CU_ASSERT_EQUAL(lookup(t, key_of(1), NOW + EARLY_TO - 1, &be, &st), 1);
	CU_ASSERT_EQUAL(lookup(t, key_of(1), NOW + EARLY_TO, &be, &st), 0);
	slb_dlg_destroy(t);
}

/* Refused whole: nothing of the request is applied, and the caller answers -EINVAL. */
static void
t_refused_whole(void)
{
	struct slb_dlg_table *t = mk_table(1024);
	struct slb_ctl_dlg_tally tally = {0};
	struct slb_ctl_req rq;
	struct slb_ctl_evt e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), -EINVAL); /* empty */
	pin_op(&rq, key_of(1), 1, SLB_CTL_DLG_EARLY);
	rq.nb_dlg = SLB_CTL_DLG_OPS + 1;
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), -EINVAL);
	rq.nb_dlg = 1;
	pin_op(&rq, key_of(2), 1, SLB_CTL_DLG_EARLY);
	rq.dlg[1].op = 9; /* unknown, after a good one */
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), -EINVAL);
	rq.dlg[1].op = SLB_CTL_DLG_LOOKUP; /* a lookup with company */
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), -EINVAL);
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW), 0);
	CU_ASSERT_EQUAL(tally.pinned + tally.refused, 0);
	slb_dlg_destroy(t);
}

/* Bad pins are refused one by one, the good ones of the same request applied. */
static void
t_bad_pins_counted(void)
{
	struct slb_dlg_table *t = mk_table(8);
	struct slb_ctl_dlg_tally tally = {0};
	struct slb_ctl_req rq;
	struct slb_ctl_evt e;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	pin_op(&rq, key_of(1), SLB_BE_ID_MAX, SLB_CTL_DLG_EARLY);
	pin_op(&rq, key_of(2), 1, 0);
	pin_op(&rq, key_of(3), 1, 7);
	for (i = 0; i < 9; i++) /* 8 slots: the ninth finds the table full */
		pin_op(&rq, key_of(10 + i), 1, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(slb_ctl_dlg_apply(t, &rq, NOW, &tally, &e), 0);
	CU_ASSERT_EQUAL(tally.pinned, 8);
	CU_ASSERT_EQUAL(tally.refused, 4);
	CU_ASSERT_EQUAL(slb_dlg_count(t, NOW), 8);
	slb_dlg_destroy(t);
}

/* Expired keys go out 16 to an event, in order, each event saying how many it holds. */
static void
t_expired_events(void)
{
	uint64_t keys[40], got[40];
	struct slb_ctl_evt e;
	uint32_t i, n, off = 0, evts = 0;

	for (i = 0; i < 40; i++)
		keys[i] = key_of(i);
	while (off < 40) {
		memset(&e, 0xee, sizeof(e));
		n = slb_ctl_dlg_expired_evt(&e, keys + off, 40 - off, 1234);
		CU_ASSERT_FATAL(n > 0 && n <= SLB_CTL_EXPIRED_PER_EVT);
		CU_ASSERT_EQUAL(e.type, SLB_CTL_EVT_DLG_EXPIRED);
		CU_ASSERT_EQUAL(e.be_id, 0xffff);
		CU_ASSERT_EQUAL(e.tsc, 1234);
		CU_ASSERT_EQUAL(e.callid_len, 8 * n);
		CU_ASSERT_EQUAL(e.callid_hash, 0);
		memcpy(got + off, e.callid, 8 * n);
		off += n;
		evts++;
	}
	CU_ASSERT_EQUAL(SLB_CTL_EXPIRED_PER_EVT, 16);
	CU_ASSERT_EQUAL(evts, 3);
	CU_ASSERT_EQUAL(memcmp(got, keys, sizeof(keys)), 0);
	CU_ASSERT_EQUAL(slb_ctl_dlg_expired_evt(&e, keys, 0, 1), 0);
	CU_ASSERT_EQUAL(e.callid_len, 0);
}

/*
 * The whole way, as the two processes use it: the segment publishes the hash key; control
 * hashes a Call-ID with it and sends a pin through the req ring; the main lcore applies it and
 * answers a lookup on the rsp ring; then a worker's SIP core sends that call's BYE to the
 * pinned backend, not to the one its hash picks.
 */
#define LB_C RTE_IPV4(198, 18, 1, 1)
#define LB_B RTE_IPV4(198, 18, 2, 1)
#define CALLER RTE_IPV4(198, 18, 1, 2)

static const char bye_fmt[] =
	"BYE sip:bob@198.18.2.11 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.18.1.2:5062;branch=z9hG4bKbye\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@198.18.1.2>;tag=a1\r\nTo: <sip:bob@198.18.1.1>;tag=b1\r\n"
	"Call-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";

static void
t_through_the_segment(void)
{
	static const struct slb_key128 hkey = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
	static const struct slb_key128 bkey = {{1}};
	struct slb_ctl_params params = {
		.nb_workers = 1, .tsc_hz = 1000000000u, .caller_ip = LB_C, .backend_ip = LB_B,
		.sip_port = 5060,
	};
	struct slb_ctl_dlg_tally tally = {0};
	struct slb_hash_key ctl_hk;
	struct slb_ctl_seg seg;
	struct slb_ctl_req rq, got;
	struct slb_ctl_evt e, ans;
	struct slb_fwd_ctx ctx;
	struct slb_fwd_lcore lc;
	struct slb_fwd_out out;
	struct slb_be be[3];
	struct slb_be_table *bt;
	struct rte_mbuf *m;
	struct slb_pkt pkt;
	char path[64], callid[32], sip[512];
	uint64_t h;
	uint16_t by_hash, pinned;
	uint32_t i;

	memcpy(params.hash_secret, hkey.b, sizeof(params.hash_secret));
	snprintf(path, sizeof(path), "/dev/shm/slb-test-ctl-dlg-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(slb_ctl_seg_create(&seg, path, &params), 0);
	CU_ASSERT_EQUAL(memcmp(seg.hdr->hash_secret, hkey.b, sizeof(hkey.b)), 0);

	/* the dataplane's SIP core, keyed as the dataplane keys it */
	memset(&ctx, 0, sizeof(ctx));
	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_C, LB_B, 5060, &bkey);
	slb_fwd_ctx_set_hash_key(&ctx, &hkey);
	ctx.dlg = mk_table(1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx.dlg);
	slb_fwd_lcore_init(&lc, 0, 1);
	memset(be, 0, sizeof(be));
	for (i = 0; i < 3; i++) {
		be[i].id = (uint16_t)(10 + i);
		be[i].weight = 1;
		be[i].ip = RTE_IPV4(198, 18, 2, 11 + i);
		be[i].port = 5060;
		be[i].state = SLB_BE_UP;
	}
	bt = slb_be_table_build(be, 3, 10, ctx.hkey.seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);

	/* control's side: the key from the header, not from its own config */
	slb_hash_key_init(&ctl_hk, (const struct slb_key128 *)seg.hdr->hash_secret);
	snprintf(callid, sizeof(callid), "loaded-1@x");
	h = slb_hash_callid(&ctl_hk, callid, (uint32_t)strlen(callid));
	CU_ASSERT_EQUAL(h, slb_hash_callid(&ctx.hkey, callid, (uint32_t)strlen(callid)));
	by_hash = bt->be[slb_be_pick(bt, h)].id;
	pinned = by_hash == 10 ? 11 : 10;

	memset(&rq, 0, sizeof(rq));
	rq.type = SLB_CTL_REQ_DLG;
	rq.req_id = 5;
	pin_op(&rq, h, pinned, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL_FATAL(rte_ring_sp_enqueue_elem(slb_ctl_req_ring(seg.hdr), &rq, sizeof(rq)),
		0);
	one_op(&rq, SLB_CTL_DLG_LOOKUP, h, 6);
	CU_ASSERT_EQUAL_FATAL(rte_ring_sp_enqueue_elem(slb_ctl_req_ring(seg.hdr), &rq, sizeof(rq)),
		0);

	/* the main lcore's side: each request applied, the lookup answered */
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(rte_ring_sc_dequeue_elem(slb_ctl_req_ring(seg.hdr), &got,
			sizeof(got)), 0);
		CU_ASSERT_EQUAL(got.type, SLB_CTL_REQ_DLG);
		if (slb_ctl_dlg_apply(ctx.dlg, &got, NOW, &tally, &e) == 1)
			CU_ASSERT_EQUAL(rte_ring_sp_enqueue_elem(slb_ctl_rsp_ring(seg.hdr), &e,
				sizeof(e)), 0);
	}
	CU_ASSERT_EQUAL(tally.pinned, 1);
	CU_ASSERT_EQUAL_FATAL(rte_ring_sc_dequeue_elem(slb_ctl_rsp_ring(seg.hdr), &ans,
		sizeof(ans)), 0);
	CU_ASSERT_EQUAL(ans.type, SLB_CTL_EVT_REPLY);
	CU_ASSERT_EQUAL(ans.req_id, 6);
	CU_ASSERT_EQUAL(ans.result, 1);
	CU_ASSERT_EQUAL(ans.be_id, pinned);
	CU_ASSERT_EQUAL(ans.status, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue_elem(slb_ctl_rsp_ring(seg.hdr), &ans, sizeof(ans)),
		-ENOENT);

	/* a worker: the BYE goes where the pin says */
	m = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	snprintf(sip, sizeof(sip), bye_fmt, callid);
	testpkt_load(m, RTE_PKTMBUF_HEADROOM, sip, (uint16_t)strlen(sip), CALLER, 5062, LB_C, 5060,
		&pkt);
	pkt.in_role = SLB_PKT_FROM_CALLERS;
	CU_ASSERT_EQUAL(slb_fwd_process(&ctx, &lc, bt, m, &pkt, NOW + 1, &out), SLB_FWD_SEND);
	CU_ASSERT_EQUAL(out.dst_ip, RTE_IPV4(198, 18, 2, 11 + (pinned - 10)));
	CU_ASSERT(!(out.events & SLB_FWD_EV_BY_HASH));
	/* and an unpinned call's BYE by the hash */
	snprintf(sip, sizeof(sip), bye_fmt, "not-loaded@x");
	testpkt_load(m, RTE_PKTMBUF_HEADROOM, sip, (uint16_t)strlen(sip), CALLER, 5062, LB_C, 5060,
		&pkt);
	pkt.in_role = SLB_PKT_FROM_CALLERS;
	CU_ASSERT_EQUAL(slb_fwd_process(&ctx, &lc, bt, m, &pkt, NOW + 1, &out), SLB_FWD_SEND);
	CU_ASSERT(out.events & SLB_FWD_EV_BY_HASH);

	free(m);
	slb_be_table_free(bt);
	slb_dlg_destroy(ctx.dlg);
	slb_ctl_seg_destroy(&seg);
}

static CU_TestInfo tests[] = {
	{"pin, lookup, unpin", t_pin_lookup_unpin},
	{"a lookup keeps nobody alive", t_lookup_keeps_nobody_alive},
	{"a bad request is refused whole", t_refused_whole},
	{"bad pins refused one by one", t_bad_pins_counted},
	{"expired keys, 16 an event", t_expired_events},
	{"a pin through the segment moves a BYE", t_through_the_segment},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("ctl_dlg", tests);
}
