/* bench_pipeline.c: parse + dispatch + rewrite over pre-built call flows on one core, no I/O. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "slb_fwd.h"
#include "slb_testpkt.h"

/*
 * What it measures: the work a worker does per SIP datagram once the packet is in an mbuf and
 * L2/L3 are checked, i.e. slb_fwd_process(): parse, dialog table, backend table, RFC 3261
 * stateless-proxy rewrite, IPv4/UDP checksums. Each message is first copied from its template
 * into the mbuf (the harness's cost, measured alone and subtracted in the "net" columns).
 *
 * A call is seven messages: INVITE (with SDP) from the caller, 100, 180, 200 (with SDP) from
 * the backend, ACK and BYE from the caller, 200 to the BYE. Calls are processed one message
 * type at a time over all calls (so each timing covers thousands of messages), rounds times.
 */

enum { M_INVITE, M_100, M_180, M_200, M_ACK, M_BYE, M_200BYE, M__COUNT };
static const char *const mname[M__COUNT] = {"INVITE", "100", "180", "200", "ACK", "BYE",
	"200/BYE"};

#define CALLER_IP RTE_IPV4(198, 18, 1, 2)
#define LB_CALLER_IP RTE_IPV4(198, 18, 1, 1)
#define LB_BACKEND_IP RTE_IPV4(198, 18, 2, 1)
#define BUF_SIZE 4096
#define HDRS TESTPKT_HDRS

struct tmpl {
	uint16_t len; /* whole frame */
	uint8_t *frame;
};

static struct slb_fwd_ctx ctx;
static struct slb_fwd_lcore lc;
static const struct slb_key128 bench_key = {{0x5e, 0xed, 0x5e, 0xed, 0x5e, 0xed, 0x5e, 0xed}};
static struct slb_be_table *bt;
static struct tmpl *tmpl[M__COUNT];
static uint32_t ncalls = 4096;
static struct rte_mbuf *mb;
static struct rte_mbuf *bmb[SLB_FWD_BURST]; /* one mbuf per message of a burst */
/*
 * The UDP checksum as a worker writes it: updated from the checksum that came in (a port without
 * transmit offload: net_af_packet), left to the device (-o: every port offloads it), or summed
 * over the whole datagram (-f: as for one that came without a checksum; what every message
 * cost before the update).
 */
static uint8_t csum_mode = SLB_PKT_CSUM_RX;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* An Ethernet + IPv4 + UDP frame around sip (slb_testpkt.h), from src:5060 to dst:5060. */
static void
make_frame(struct tmpl *t, const char *sip, uint32_t src, uint32_t dst, uint16_t sport)
{
	size_t n = strlen(sip);

	t->frame = calloc(1, HDRS + n);
	if (t->frame == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	t->len = testpkt_frame(t->frame, sip, (uint16_t)n, src, sport, dst, 5060, NULL);
}

static struct rte_mbuf *
new_mbuf(void)
{
	struct rte_mbuf *m = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, BUF_SIZE);

	if (m == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	return m;
}

/* Load a frame into an mbuf, as a NIC would have written it. */
static void
load_into(struct rte_mbuf *m, const struct tmpl *t, struct slb_pkt *p)
{
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = t->len;
	m->pkt_len = t->len;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), t->frame, t->len);
	p->l3_off = RTE_ETHER_HDR_LEN;
	p->l4_off = RTE_ETHER_HDR_LEN + 20;
	p->sip_off = HDRS;
	p->sip_len = (uint16_t)(t->len - HDRS);
	/* the bench's templates come from callers and from backends alike, as on a "both" port */
	p->in_role = SLB_PKT_FROM_CALLERS | SLB_PKT_FROM_BACKENDS;
	p->csum = csum_mode;
}

static void
load(const struct tmpl *t, struct slb_pkt *p)
{
	load_into(mb, t, p);
}

/* The SDP of the INVITE and the 200: sdp0, then -p bytes of attribute lines (body). */
static char body[3072];

static const char sdp0[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 198.18.1.2\r\n"
	"s=-\r\n"
	"c=IN IP4 198.18.1.2\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 97 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:97 iLBC/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

/* The first Via line of the SIP message in the mbuf (what we put on top), into out. */
static void
first_via(const struct slb_pkt *p, char *out, size_t cap)
{
	const char *s = rte_pktmbuf_mtod_offset(mb, const char *, p->sip_off);
	const char *v = strstr(s, "\r\nVia: ");
	const char *e = v ? strstr(v + 2, "\r\n") : NULL;

	if (v == NULL || e == NULL || (size_t)(e - v) >= cap) {
		fprintf(stderr, "bench: no Via in forwarded request\n");
		exit(1);
	}
	memcpy(out, v + 2, (size_t)(e - v - 2));
	out[e - v - 2] = 0;
}

/* What is timed must be right: the forwarded datagram's UDP checksum checks (slb_testpkt.h). */
static void
check_sum(const struct slb_pkt *p)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(mb, const uint8_t *, p->l3_off);

	if (p->csum != SLB_PKT_CSUM_OFFLOAD && testpkt_udp_sum(ip, ip + 20) != 0xffff) {
		fprintf(stderr, "bench: a forwarded datagram's UDP checksum is wrong\n");
		exit(1);
	}
}

static void
build_call(uint32_t i)
{
	char msg[BUF_SIZE], callid[64], cvia[128], lbvia_inv[160], lbvia_bye[160];
	struct slb_fwd_out out;
	struct slb_pkt p;
	uint32_t be_ip;
	uint16_t idx;

	snprintf(callid, sizeof(callid), "%08x-%u-4f1b@198.18.1.2", i * 2654435761u, i);
	snprintf(cvia, sizeof(cvia), "Via: SIP/2.0/UDP 198.18.1.2:5060;branch=z9hG4bK%08xinv;rport",
		i * 40503u);

	snprintf(msg, sizeof(msg),
		"INVITE sip:+15551230000@198.18.1.1:5060;user=phone SIP/2.0\r\n"
		"%s\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:+15559870000@198.18.1.2>;tag=a%u\r\n"
		"To: <sip:+15551230000@198.18.1.1;user=phone>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:+15559870000@198.18.1.2:5060>\r\n"
		"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK\r\n"
		"Supported: timer, 100rel\r\n"
		"User-Agent: siplb-bench/1\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s",
		cvia, i, callid, strlen(body), body);
	make_frame(&tmpl[M_INVITE][i], msg, CALLER_IP, LB_CALLER_IP, 5060);

	/* learn our Via and backend from one pass of the INVITE, as the backend would see it */
	load(&tmpl[M_INVITE][i], &p);
	if (slb_fwd_process(&ctx, &lc, bt, mb, &p, 1, &out) != SLB_FWD_SEND) {
		fprintf(stderr, "bench: INVITE %u not forwarded (drop %u)\n", i, out.drop);
		exit(1);
	}
	first_via(&p, lbvia_inv, sizeof(lbvia_inv));
	check_sum(&p);
	idx = out.be_idx;
	be_ip = bt->be[idx].ip;

	static const struct {
		int type;
		const char *status;
	} resp[] = {{M_100, "100 Trying"}, {M_180, "180 Ringing"}, {M_200, "200 OK"}};
	for (unsigned int r = 0; r < 3; r++) {
		int with_sdp = resp[r].type == M_200;

		snprintf(msg, sizeof(msg),
			"SIP/2.0 %s\r\n"
			"%s\r\n"
			"%s;received=198.18.1.2\r\n"
			"Record-Route: <sip:198.18.1.1:5060;lr>\r\n"
			"From: \"Alice\" <sip:+15559870000@198.18.1.2>;tag=a%u\r\n"
			"To: <sip:+15551230000@198.18.1.1;user=phone>%s\r\n"
			"Call-ID: %s\r\n"
			"CSeq: 1 INVITE\r\n"
			"Contact: <sip:+15551230000@198.18.2.11:5060>\r\n"
			"Server: backend\r\n"
			"%s"
			"Content-Length: %zu\r\n\r\n%s",
			resp[r].status, lbvia_inv, cvia, i,
			resp[r].type == M_100 ? "" : ";tag=b77", callid,
			with_sdp ? "Content-Type: application/sdp\r\n" : "",
			with_sdp ? strlen(body) : 0, with_sdp ? body : "");
		make_frame(&tmpl[resp[r].type][i], msg, be_ip, LB_BACKEND_IP, 5060);
	}

	snprintf(msg, sizeof(msg),
		"ACK sip:+15551230000@198.18.2.11:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5060;branch=z9hG4bK%08xack;rport\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:+15559870000@198.18.1.2>;tag=a%u\r\n"
		"To: <sip:+15551230000@198.18.1.1;user=phone>;tag=b77\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n",
		i * 40503u, i, callid);
	make_frame(&tmpl[M_ACK][i], msg, CALLER_IP, LB_CALLER_IP, 5060);

	snprintf(msg, sizeof(msg),
		"BYE sip:+15551230000@198.18.2.11:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5060;branch=z9hG4bK%08xbye;rport\r\n"
		"Route: <sip:198.18.1.1:5060;lr>\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:+15559870000@198.18.1.2>;tag=a%u\r\n"
		"To: <sip:+15551230000@198.18.1.1;user=phone>;tag=b77\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n",
		i * 40503u, i, callid);
	make_frame(&tmpl[M_BYE][i], msg, CALLER_IP, LB_CALLER_IP, 5060);

	load(&tmpl[M_BYE][i], &p);
	if (slb_fwd_process(&ctx, &lc, bt, mb, &p, 1, &out) != SLB_FWD_SEND) {
		fprintf(stderr, "bench: BYE %u not forwarded (drop %u)\n", i, out.drop);
		exit(1);
	}
	first_via(&p, lbvia_bye, sizeof(lbvia_bye));
	check_sum(&p);
	snprintf(msg, sizeof(msg),
		"SIP/2.0 200 OK\r\n"
		"%s\r\n"
		"Via: SIP/2.0/UDP 198.18.1.2:5060;branch=z9hG4bK%08xbye;rport=5060;received=198.18.1.2\r\n"
		"From: \"Alice\" <sip:+15559870000@198.18.1.2>;tag=a%u\r\n"
		"To: <sip:+15551230000@198.18.1.1;user=phone>;tag=b77\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n",
		lbvia_bye, i * 40503u, i, callid);
	make_frame(&tmpl[M_200BYE][i], msg, be_ip, LB_BACKEND_IP, 5060);
}

static void
setup(void)
{
	struct slb_dlg_cfg dcfg = {.capacity = 1u << 20, .early_timeout = 180,
		.confirmed_timeout = 7200};
	struct slb_be be[3];
	unsigned int k;

	memset(be, 0, sizeof(be));
	for (k = 0; k < 3; k++) {
		be[k].id = (uint16_t)(k + 1);
		be[k].weight = 100;
		be[k].ip = RTE_IPV4(198, 18, 2, 11 + k);
		be[k].port = 5060;
		be[k].state = SLB_BE_UP;
		snprintf(be[k].name, sizeof(be[k].name), "proxy%u", k + 1);
	}
	memset(&ctx, 0, sizeof(ctx));
	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_CALLER_IP, LB_BACKEND_IP, 5060, &bench_key);
	slb_fwd_ctx_set_hash_key(&ctx, &bench_key);
	slb_fwd_lcore_init(&lc, 0, 1);
	bt = slb_be_table_build(be, 3, 16, ctx.hkey.seed);
	if (bt == NULL) {
		perror("bench: backend table");
		exit(1);
	}
	ctx.record_route = true;
	ctx.reply_483 = true;
	ctx.dlg = slb_dlg_create(&dcfg);
	if (ctx.dlg == NULL) {
		fprintf(stderr, "bench: dialog table\n");
		exit(1);
	}

	mb = new_mbuf();
	for (k = 0; k < SLB_FWD_BURST; k++)
		bmb[k] = new_mbuf();

	for (k = 0; k < M__COUNT; k++)
		tmpl[k] = calloc(ncalls, sizeof(struct tmpl));
	for (k = 0; k < ncalls; k++)
		build_call(k);
	/* start the timed runs with an empty dialog table */
	slb_dlg_destroy(ctx.dlg);
	ctx.dlg = slb_dlg_create(&dcfg);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-r rounds] [-c calls] [-b burst (1..%d)] [-p bytes] [-e] [-o | -f]\n"
		"  -p bytes     that much more SDP in the INVITE and the 200 (64-byte lines)\n"
		"  -e           fill dialog events' details, as a worker does while "
		"siplb-control listens\n"
		"  -o           the ports offload transmit checksums (default: the UDP checksum is "
		"updated in software)\n"
		"  -f           the UDP checksum is summed over the whole datagram\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n",
		prog, SLB_FWD_BURST);
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
	uint32_t rounds = 30, burst = 1, r, k, i, j, sent = 0, errors = 0;
	struct slb_pkt bp[SLB_FWD_BURST];
	struct slb_fwd_out bout[SLB_FWD_BURST];
	enum slb_fwd_verdict bv[SLB_FWD_BURST];
	uint32_t now = 10;
	double *t[M__COUNT + 1], med[M__COUNT + 1], copy_ns, start, mix = 0;
	struct slb_fwd_out out;
	struct slb_pkt p;
	bool events = false;
	uint32_t pad = 0;
	size_t n;
	int opt;

	while ((opt = getopt_long(argc, argv, "r:c:b:p:eofh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': rounds = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': ncalls = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'b': burst = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': pad = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'e': events = true; break;
		case 'o': csum_mode = SLB_PKT_CSUM_OFFLOAD; break;
		case 'f': csum_mode = SLB_PKT_CSUM_NONE; break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("bench_pipeline %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (rounds == 0 || ncalls == 0 || burst == 0 || burst > SLB_FWD_BURST ||
		pad > sizeof(body) - sizeof(sdp0))
		return 2;
	/* attribute lines of 64 bytes: what a bigger SDP offer adds */
	strcpy(body, sdp0);
	for (n = strlen(body); pad >= 64; pad -= 64)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "a=x-pad:%s\r\n",
			"0123456789abcdef0123456789abcdef0123456789abcdef012345");
	setup();
	if (events)
		lc.want = SLB_FWD_WANT_DLG | SLB_FWD_WANT_UNANSWERED;
	for (k = 0; k <= M__COUNT; k++)
		t[k] = calloc(rounds, sizeof(double));

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < M__COUNT; k++) {
			start = now_ns();
			for (i = 0; i < ncalls && burst == 1; i++) {
				load(&tmpl[k][i], &p);
				if (slb_fwd_process(&ctx, &lc, bt, mb, &p, now, &out) == SLB_FWD_SEND)
					sent++;
				else
					errors++;
			}
			for (i = 0; i < ncalls && burst > 1; i += burst) {
				uint32_t nb = RTE_MIN(burst, ncalls - i);

				for (j = 0; j < nb; j++)
					load_into(bmb[j], &tmpl[k][i + j], &bp[j]);
				slb_fwd_process_burst(&ctx, &lc, bt, bmb, bp, (uint16_t)nb, now, bout, bv);
				for (j = 0; j < nb; j++) {
					if (bv[j] == SLB_FWD_SEND)
						sent++;
					else
						errors++;
				}
			}
			t[k][r] = (now_ns() - start) / ncalls;
		}
		/* the harness alone: the copy into the mbuf, over the same frames */
		start = now_ns();
		for (k = 0; k < M__COUNT; k++)
			for (i = 0; i < ncalls; i++) {
				load_into(burst > 1 ? bmb[i % burst] : mb, &tmpl[k][i], &p);
				__asm__ volatile("" : : "r"(mb) : "memory");
			}
		t[M__COUNT][r] = (now_ns() - start) / ((double)ncalls * M__COUNT);
		now++;
	}
	for (k = 0; k <= M__COUNT; k++) {
		qsort(t[k], rounds, sizeof(double), cmp_double);
		med[k] = t[k][rounds / 2];
	}
	copy_ns = med[M__COUNT];
	printf("siplb pipeline benchmark: slb_fwd_process() (parse, dialog, hash, rewrite, "
	       "checksums), one core\n");
	printf("%u calls x 7 messages x %u rounds, %s; medians over rounds; harness copy %.1f "
	       "ns/msg subtracted in 'net'\n",
		ncalls, rounds, burst > 1 ? "slb_fwd_process_burst() in bursts" : "one call a message",
		copy_ns);
	if (burst > 1)
		printf("burst size %u\n", burst);
	if (events)
		printf("dialog events' details filled (-e)\n");
	printf("UDP checksum: %s\n", csum_mode == SLB_PKT_CSUM_OFFLOAD ?
		"left to the device (-o: pseudo header and flags only)" :
		csum_mode == SLB_PKT_CSUM_NONE ? "summed over the whole datagram (-f)" :
		"updated from the one that came in (RFC 1624)");
	printf("%-8s %7s %10s %10s %14s\n", "message", "bytes", "ns/msg", "net ns", "net msgs/s");
	for (k = 0; k < M__COUNT; k++) {
		double net = med[k] - copy_ns;

		printf("%-8s %7u %10.1f %10.1f %14.0f\n", mname[k], tmpl[k][0].len - HDRS, med[k],
			net, 1e9 / net);
		mix += med[k];
	}
	mix /= M__COUNT;
	printf("%-8s %7s %10.1f %10.1f %14.0f\n", "mix", "-", mix, mix - copy_ns,
		1e9 / (mix - copy_ns));
	printf("forwarded %u, dropped %u\n", sent, errors);
	return errors ? 1 : 0;
}
