/* fuzz_fwd.c: libFuzzer target for the whole per-datagram decision; traps on any relay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "slb_fwd.h"
#include "slb_testpkt.h"

/*
 * A first input byte with the top bit set chooses who sends (bits 0-1: a caller, a backend at
 * its port, a backend's address at another port, a stranger), where to (bit 2: our caller-side
 * or backend-side address), on which port (bit 3: caller-side or backend-side), and the
 * headroom (bits 4-5); plain SIP inputs take these from their length. The rest is the UDP
 * payload. Whatever the bytes, siplb must not relay or reflect:
 *   - a request from anyone but a backend, on a backend-side port, goes to a backend, or is
 *     answered to its own source (483, 503), or dropped;
 *   - a response goes nowhere: nobody without the branch key can make one that checks;
 *   - a probe reply is taken only from a backend on a backend-side port;
 *   - what is sent has lengths and checksums that agree with the packet.
 */

/* RTE_IPV4 shifts an int into its sign bit, which UBSan rightly refuses */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define CALLER IP4(198, 18, 1, 2)
#define STRANGER IP4(203, 0, 113, 9)
#define LB_C IP4(198, 18, 1, 1)
#define LB_B IP4(198, 18, 2, 1)
#define NB_BE 3
#define MAX_SIP 8192

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);     \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

static struct slb_fwd_ctx ctx;
static struct slb_fwd_lcore lc;
static struct slb_be_table *bt;
static uint32_t now = 1;

static void
setup(void)
{
	static const struct slb_key128 k1 = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
	static const struct slb_key128 k2 = {{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}};
	struct slb_dlg_cfg d = {.capacity = 4096, .early_timeout = 60, .confirmed_timeout = 600};
	struct slb_be be[NB_BE];
	unsigned int i;

	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_C, LB_B, 5060, &k1);
	slb_fwd_ctx_set_hash_key(&ctx, &k2);
	ctx.record_route = true;
	ctx.reply_483 = true;
	ctx.reply_503 = true;
	ctx.dlg = slb_dlg_create(&d);
	CHECK(ctx.dlg != NULL);
	slb_fwd_lcore_init(&lc, 0, 1);
	/* the dialog events' details too (the Call-ID copied for siplb-control), under ASan */
	lc.want = SLB_FWD_WANT_DLG | SLB_FWD_WANT_UNANSWERED;
	memset(be, 0, sizeof(be));
	for (i = 0; i < NB_BE; i++) {
		be[i].id = (uint16_t)(1 + i);
		be[i].weight = 1;
		be[i].ip = IP4(198, 18, 2, 11 + i);
		be[i].port = 5060;
		/* one backend failed, so that re-pinning runs too */
		be[i].state = i == 2 ? SLB_BE_FAILED : SLB_BE_UP;
	}
	bt = slb_be_table_build(be, NB_BE, 8, ctx.hkey.seed);
	CHECK(bt != NULL);
}

static void
check_sent(struct rte_mbuf *m, const struct slb_pkt *p)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3_off);
	const uint8_t *udp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);

	CHECK(m->data_off + m->data_len <= m->buf_len);
	CHECK(m->data_len == p->sip_off + p->sip_len);
	CHECK(testpkt_be16(ip + 2) == p->sip_off + p->sip_len - p->l3_off);
	CHECK(testpkt_be16(udp + 4) == p->sip_off + p->sip_len - p->l4_off);
	CHECK(testpkt_sum16(ip, (size_t)(p->l4_off - p->l3_off), 0) == 0xffff);
	CHECK(testpkt_udp_sum(ip, udp) == 0xffff);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint16_t headrooms[4] = {RTE_PKTMBUF_HEADROOM, 0, 64, 256};
	struct slb_fwd_out out;
	struct slb_pkt p;
	struct rte_mbuf *m;
	enum slb_fwd_verdict v;
	uint32_t src, dst;
	uint16_t sport, hr;
	bool is_backend, is_request;
	uint8_t ctl;

	if (bt == NULL)
		setup();
	if (n < 1)
		return 0;
	if (d[0] & 0x80) {
		ctl = d[0];
		d++;
		n--;
	} else {
		ctl = (uint8_t)(n * 29);
	}
	if (n > MAX_SIP)
		return 0;
	switch (ctl & 3) {
	case 0:
		src = CALLER, sport = 5062;
		break;
	case 1:
		src = IP4(198, 18, 2, 12), sport = 5060;
		break;
	case 2:
		src = IP4(198, 18, 2, 12), sport = 5999;
		break;
	default:
		src = STRANGER, sport = 5060;
		break;
	}
	dst = (ctl & 4) ? LB_B : LB_C;
	hr = headrooms[(ctl >> 4) & 3];
	m = testpkt_mbuf(hr, (uint16_t)(TESTPKT_HDRS + n + 512));
	CHECK(m != NULL);
	m = testpkt_load(m, hr, d, (uint16_t)n, src, sport, dst, 5060, &p);
	p.in_role = (ctl & 8) ? SLB_PKT_FROM_BACKENDS : SLB_PKT_FROM_CALLERS;
	is_backend = (ctl & 3) == 1 && (ctl & 8);
	{
		struct slb_sip_msg msg;

		slb_sip_parse(d, (uint32_t)n, &msg);
		is_request = msg.kind == SLB_SIP_REQUEST;
	}

	/* every few inputs a second passes, so that dialogs expire and slots are reused */
	now += (ctl & 0x40) ? 7 : 0;
	v = slb_fwd_process(&ctx, &lc, bt, m, &p, now, &out);
	if (v == SLB_FWD_SEND) {
		check_sent(m, &p);
		if (out.events & SLB_FWD_EV_REPLIED) {
			/* our own answer goes back to the source only */
			CHECK(out.dst_ip == src);
		} else if (!is_backend) {
			CHECK(is_request);
			CHECK(out.to_backend);
			CHECK(slb_be_find_addr(bt, out.dst_ip, out.dst_port) != SLB_BE_NONE);
		}
		/* never to ourselves */
		CHECK(!((out.dst_ip == LB_C || out.dst_ip == LB_B) && out.dst_port == 5060));
	}
	if (v == SLB_FWD_PROBE)
		CHECK(is_backend);
	if (out.events & (SLB_FWD_EV_DLG_CREATED | SLB_FWD_EV_DLG_CONFIRMED | SLB_FWD_EV_DLG_ENDED |
				 SLB_FWD_EV_INVITE_UNANSWERED))
		CHECK(out.dlg.callid_len <= SLB_FWD_CALLID_MAX && out.dlg.be_id < SLB_BE_ID_MAX);
	free(m);
	return 0;
}
