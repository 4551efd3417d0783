/* test_ctl_shm.c: the control segment seen from a second mapping, as siplb-control sees it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "addr.h"
#include "ctl_pkt.h"
#include "ctl_shm.h"
#include "slb_test.h"

#define WORKERS 3
#define CALLER_IP RTE_IPV4(10, 0, 0, 1)
#define BACKEND_IP RTE_IPV4(192, 168, 1, 1)
#define BE_IP RTE_IPV4(192, 168, 1, 11)
#define SIP_PORT 5060

static char path[64];

static const struct slb_ctl_params params = {
	.nb_workers = WORKERS,
	.tsc_hz = 2000000000u,
	.caller_ip = CALLER_IP,
	.backend_ip = BACKEND_IP,
	.sip_port = SIP_PORT,
};

static void
mk_seg(struct slb_ctl_seg *seg)
{
	snprintf(path, sizeof(path), "/dev/shm/slb-test-ctl-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(slb_ctl_seg_create(seg, path, &params), 0);
}

/* The file mapped once more, as control maps it: by its path, sized by the header. */
static struct slb_ctl_hdr *
map_again(size_t *size)
{
	struct slb_ctl_hdr h;
	struct stat st;
	void *p;
	int fd = open(path, O_RDWR);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	CU_ASSERT_EQUAL_FATAL(fstat(fd, &st), 0);
	CU_ASSERT_EQUAL((uint64_t)st.st_size, h.seg_size);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	p = mmap(NULL, h.seg_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	*size = h.seg_size;
	return p;
}

struct area {
	const char *what;
	uint64_t off, len;
};

static void
t_header_and_layout(void)
{
	struct slb_ctl_seg seg;
	struct slb_ctl_hdr *h;
	struct area a[5 + WORKERS];
	struct timespec ts;
	uint64_t now;
	size_t size, n = 0;
	uint32_t i, j;

	mk_seg(&seg);
	h = map_again(&size);
	CU_ASSERT_EQUAL(__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE), SLB_CTL_MAGIC);
	CU_ASSERT_EQUAL(h->version, SLB_CTL_VERSION);
	CU_ASSERT_EQUAL(h->seg_size, seg.size);
	CU_ASSERT_EQUAL(h->seg_size % 4096, 0);
	CU_ASSERT_EQUAL(h->state, SLB_CTL_STARTING);
	CU_ASSERT_EQUAL(h->nb_workers, WORKERS);
	CU_ASSERT_EQUAL(h->caller_ip, CALLER_IP);
	CU_ASSERT_EQUAL(h->backend_ip, BACKEND_IP);
	CU_ASSERT_EQUAL(h->sip_port, SIP_PORT);
	CU_ASSERT_EQUAL(h->tsc_hz, params.tsc_hz);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	CU_ASSERT(h->epoch <= now && now - h->epoch < 10000000000ull);
	CU_ASSERT(h->heartbeat_ms != 0);

	a[n++] = (struct area){"req", h->req_ring_off,
		(uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_req), SLB_CTL_REQ_RING)};
	a[n++] = (struct area){"rsp", h->rsp_ring_off,
		(uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_evt), SLB_CTL_RSP_RING)};
	for (i = 0; i < WORKERS; i++)
		a[n++] = (struct area){"evt", h->evt_ring_off[i],
			(uint64_t)rte_ring_get_memsize_elem(sizeof(struct slb_ctl_evt),
				SLB_CTL_EVT_RING)};
	a[n++] = (struct area){"stats", h->stats_off, sizeof(struct slb_stats_shm)};
	a[n++] = (struct area){"stage", h->stage_off, sizeof(struct slb_ctl_be_set)};
	a[n++] = (struct area){"cur", h->cur_off, sizeof(struct slb_ctl_be_set)};
	a[n++] = (struct area){"dlg", h->dlg_off, sizeof(struct slb_ctl_dlg_count)};
	for (i = 0; i < n; i++) {
		CU_ASSERT(a[i].off % 64 == 0);
		CU_ASSERT(a[i].off >= sizeof(*h));
		CU_ASSERT(a[i].len > 0 && a[i].off + a[i].len <= h->seg_size);
		for (j = 0; j < i; j++) /* no two areas overlap */
			CU_ASSERT(a[i].off >= a[j].off + a[j].len ||
				a[j].off >= a[i].off + a[i].len);
	}
	for (i = WORKERS; i < SLB_CTL_MAX_WORKERS; i++)
		CU_ASSERT_EQUAL(h->evt_ring_off[i], 0);
	/* the rings were made for their users: one producer, one consumer each */
	CU_ASSERT_EQUAL(slb_ctl_req_ring(h)->prod.sync_type, RTE_RING_SYNC_ST);
	CU_ASSERT_EQUAL(slb_ctl_evt_ring(h, 2)->cons.sync_type, RTE_RING_SYNC_ST);

	/* a new start replaces the file; the old mapping keeps the old epoch and dies with it */
	{
		struct slb_ctl_seg seg2;
		struct slb_ctl_hdr *h2;
		size_t size2;

		CU_ASSERT_EQUAL_FATAL(slb_ctl_seg_create(&seg2, path, &params), 0);
		h2 = map_again(&size2);
		CU_ASSERT(h2->epoch >= h->epoch);
		CU_ASSERT(seg2.hdr != seg.hdr);
		munmap(h2, size2);
		slb_ctl_seg_destroy(&seg2);
	}
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	munmap(h, size);
	slb_ctl_seg_destroy(&seg);
	CU_ASSERT_EQUAL(slb_ctl_seg_layout(&(struct slb_ctl_hdr){0}, 0), 0);
	CU_ASSERT_EQUAL(slb_ctl_seg_layout(&(struct slb_ctl_hdr){0}, SLB_CTL_MAX_WORKERS + 1), 0);
}

/* A request through control's mapping arrives whole in ours; an event goes the other way. */
static void
t_request_crosses(void)
{
	static struct slb_ctl_req rq, got;
	struct slb_ctl_evt e = {0}, eg;
	struct slb_ctl_seg seg;
	struct slb_ctl_hdr *c;
	size_t size, i;

	mk_seg(&seg);
	c = map_again(&size);
	CU_ASSERT(slb_ctl_req_ring(c) != slb_ctl_req_ring(seg.hdr)); /* two mappings */

	rq.type = SLB_CTL_REQ_PROBE;
	rq.req_id = 77;
	rq.gen = 0x0102030405060708ull;
	rq.probe.nonce = 0xfeedfacecafebeefull;
	rq.probe.dst_ip = BE_IP;
	rq.probe.dst_port = 5070;
	rq.probe.len = SLB_CTL_PROBE_MAX;
	for (i = 0; i < SLB_CTL_PROBE_MAX; i++)
		rq.probe.sip[i] = (uint8_t)(i * 7 + 3);
	CU_ASSERT_EQUAL(rte_ring_sp_enqueue_elem(slb_ctl_req_ring(c), &rq, sizeof(rq)), 0);
	CU_ASSERT_EQUAL(rte_ring_count(slb_ctl_req_ring(seg.hdr)), 1);
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue_elem(slb_ctl_req_ring(seg.hdr), &got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(memcmp(&rq, &got, sizeof(rq)), 0);
	CU_ASSERT(rte_ring_empty(slb_ctl_req_ring(c)));

	e.type = SLB_CTL_EVT_PROBE_REPLY;
	e.nonce = rq.probe.nonce;
	e.status = 200;
	e.ip = BE_IP;
	e.port = 5070;
	e.tsc = 123456789;
	CU_ASSERT_EQUAL(rte_ring_sp_enqueue_elem(slb_ctl_evt_ring(seg.hdr, 1), &e, sizeof(e)), 0);
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue_elem(slb_ctl_evt_ring(c, 1), &eg, sizeof(eg)), 0);
	CU_ASSERT_EQUAL(memcmp(&e, &eg, sizeof(e)), 0);
	CU_ASSERT(rte_ring_empty(slb_ctl_evt_ring(c, 0)));

	munmap(c, size);
	slb_ctl_seg_destroy(&seg);
}

/* Fill r (element size esize) until it refuses: it holds size - 1, then says full. */
static void
fill(struct rte_ring *r, unsigned int esize, unsigned int size)
{
	uint8_t elem[sizeof(struct slb_ctl_req)];
	unsigned int n = 0;

	memset(elem, 0xab, sizeof(elem));
	CU_ASSERT_EQUAL(rte_ring_get_size(r), size);
	CU_ASSERT_EQUAL(rte_ring_get_capacity(r), size - 1);
	while (n <= size && rte_ring_sp_enqueue_elem(r, elem, esize) == 0)
		n++;
	CU_ASSERT_EQUAL(n, size - 1);
	CU_ASSERT(rte_ring_full(r));
	CU_ASSERT_EQUAL(rte_ring_sp_enqueue_elem(r, elem, esize), -ENOBUFS);
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue_elem(r, elem, esize), 0);
	CU_ASSERT_FALSE(rte_ring_full(r));
}

static void
t_rings_fill(void)
{
	struct slb_ctl_seg seg;
	struct slb_ctl_hdr *c;
	size_t size;
	uint32_t i;

	mk_seg(&seg);
	c = map_again(&size);
	fill(slb_ctl_req_ring(c), sizeof(struct slb_ctl_req), SLB_CTL_REQ_RING);
	fill(slb_ctl_rsp_ring(seg.hdr), sizeof(struct slb_ctl_evt), SLB_CTL_RSP_RING);
	for (i = 0; i < WORKERS; i++)
		fill(slb_ctl_evt_ring(seg.hdr, i), sizeof(struct slb_ctl_evt), SLB_CTL_EVT_RING);
	/* what filled them stayed inside them: the areas after them are untouched */
	CU_ASSERT_EQUAL(slb_ctl_stats(c)->hdr.magic, 0);
	CU_ASSERT_EQUAL(slb_ctl_stage(c)->seq, 0);
	CU_ASSERT_EQUAL(slb_ctl_cur(c)->nb_be, 0);
	munmap(c, size);
	slb_ctl_seg_destroy(&seg);
}

/* The writer's sets: generation g has g % 7 + 1 backends, every field a function of g. */
static void
mk_set(struct slb_be *be, uint32_t *n, uint64_t g)
{
	uint32_t i;

	*n = (uint32_t)(g % 7) + 1;
	for (i = 0; i < *n; i++) {
		memset(&be[i], 0, sizeof(be[i]));
		be[i].id = (uint16_t)(g + i);
		be[i].weight = (uint16_t)(g * 3 + i);
		be[i].ip = (uint32_t)g ^ 0x0a000000u;
		be[i].port = (uint16_t)(g + 1);
		be[i].state = (uint8_t)(g % 4);
		snprintf(be[i].name, sizeof(be[i].name), "be-%llu-%u", (unsigned long long)g, i);
	}
}

static bool
set_ok(const struct slb_ctl_be_set *s)
{
	struct slb_be want[8];
	uint32_t n, i;

	if (s->gen == 0)
		return s->nb_be == 0;
	mk_set(want, &n, s->gen);
	if (s->nb_be != n)
		return false;
	for (i = 0; i < n; i++)
		if (s->be[i].id != want[i].id || s->be[i].weight != want[i].weight ||
				s->be[i].ip != want[i].ip || s->be[i].port != want[i].port ||
				s->be[i].state != want[i].state ||
				strcmp(s->be[i].name, want[i].name) != 0)
			return false;
	return true;
}

struct writer {
	struct slb_ctl_hdr *h;
	volatile int stop;
	uint64_t gens;
};

static void *
writer_main(void *arg)
{
	struct writer *wr = arg;
	struct slb_be be[8];
	uint32_t n;

	while (!wr->stop) {
		wr->gens++;
		mk_set(be, &n, wr->gens);
		slb_ctl_cur_publish(wr->h, be, n, wr->gens);
	}
	return NULL;
}

/* As control reads cur: copy between two equal even reads of seq. */
static bool
read_cur(const struct slb_ctl_be_set *src, struct slb_ctl_be_set *dst)
{
	uint64_t s1, s2;

	s1 = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);
	memcpy(dst, src, sizeof(*dst));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&src->seq, __ATOMIC_RELAXED);
	return s1 == s2 && (s1 & 1) == 0;
}

static void
t_cur_seqlock(void)
{
	static struct slb_ctl_be_set copy;
	struct writer wr = {0};
	struct slb_ctl_seg seg;
	struct slb_ctl_hdr *c;
	struct timespec t0, t;
	unsigned long good = 0, torn = 0, bad = 0;
	pthread_t th;
	size_t size;

	mk_seg(&seg);
	c = map_again(&size);
	CU_ASSERT(read_cur(slb_ctl_cur(c), &copy) && set_ok(&copy)); /* empty at first */
	wr.h = seg.hdr;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, writer_main, &wr), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (!read_cur(slb_ctl_cur(c), &copy))
			torn++;
		else if (set_ok(&copy))
			good++;
		else
			bad++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 500000000L);
	wr.stop = 1;
	pthread_join(th, NULL);
	printf("\n    seqlock: %lu consistent, %lu retried, %lu wrong; %llu sets written ", good,
		torn, bad, (unsigned long long)wr.gens);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(good > 0);
	CU_ASSERT(read_cur(slb_ctl_cur(c), &copy) && copy.gen == wr.gens && set_ok(&copy));
	CU_ASSERT_EQUAL(copy.seq, 2 * wr.gens);
	munmap(c, size);
	slb_ctl_seg_destroy(&seg);
}

static void
t_be_from_set(void)
{
	struct slb_ctl_be in = {.id = 9, .weight = 5, .ip = BE_IP, .port = 5080, .state = 3};
	struct slb_be out;

	memset(in.name, 'x', sizeof(in.name)); /* no terminator: cut to fit */
	slb_ctl_be_to_table(&out, &in);
	CU_ASSERT_EQUAL(out.id, 9);
	CU_ASSERT_EQUAL(out.weight, 5);
	CU_ASSERT_EQUAL(out.ip, BE_IP);
	CU_ASSERT_EQUAL(out.port, 5080);
	CU_ASSERT_EQUAL(out.state, SLB_BE_FAILED);
	CU_ASSERT_EQUAL(strlen(out.name), SLB_BE_NAME_LEN - 1);
}

/* ---- packets ---------------------------------------------------------------------------- */

static void
add_addr(struct slb_cfg *cfg, uint32_t p, uint32_t ip, uint8_t plen, uint32_t role)
{
	struct slb_cfg_port *port = &cfg->port[p];

	port->addr[port->nb_addr].ip = ip;
	port->addr[port->nb_addr].plen = plen;
	port->nb_addr++;
	port->role = role;
	if (cfg->nb_ports <= p)
		cfg->nb_ports = p + 1;
}

static const struct slb_addr_tbl *
addrs(void)
{
	static struct slb_cfg cfg;
	static struct slb_addr_tbl at;

	memset(&cfg, 0, sizeof(cfg));
	add_addr(&cfg, 0, CALLER_IP, 24, SLB_ROLE_CALLER);
	add_addr(&cfg, 1, BACKEND_IP, 24, SLB_ROLE_BACKEND);
	slb_addr_build(&at, &cfg);
	return &at;
}

/* An ICMP error as a host sends it about our datagram from src:sport to dst:dport. */
struct icmp_pkt {
	uint8_t type, code;
	uint16_t cksum;
	uint32_t unused;
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
	uint8_t more[8];
} __attribute__((packed));

static uint16_t
mk_unreach(struct icmp_pkt *p, uint8_t code, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	p->type = 3;
	p->code = code;
	p->ip.version_ihl = RTE_IPV4_VHL_DEF;
	p->ip.total_length = rte_cpu_to_be_16(400);
	p->ip.time_to_live = 63;
	p->ip.next_proto_id = IPPROTO_UDP;
	p->ip.src_addr = rte_cpu_to_be_32(src);
	p->ip.dst_addr = rte_cpu_to_be_32(dst);
	p->ip.hdr_checksum = rte_ipv4_cksum(&p->ip);
	p->udp.src_port = rte_cpu_to_be_16(sport);
	p->udp.dst_port = rte_cpu_to_be_16(dport);
	p->udp.dgram_len = rte_cpu_to_be_16(380);
	memcpy(p->more, "INVITE s", 8);
	return sizeof(*p);
}

static void
resum(struct icmp_pkt *p, uint16_t len)
{
	p->cksum = 0;
	p->cksum = (uint16_t)~rte_raw_cksum(p, len);
}

static void
t_icmp_unreach(void)
{
	const struct slb_addr_tbl *at = addrs();
	struct icmp_pkt p;
	uint32_t ip = 0;
	uint16_t port = 0, len;

	/* port unreachable from a backend about our datagram to it */
	len = mk_unreach(&p, 3, BACKEND_IP, SIP_PORT, BE_IP, 5070);
	resum(&p, len);
	CU_ASSERT_TRUE(slb_ctl_icmp_unreach(&p, len, 1, at, SIP_PORT, &ip, &port));
	CU_ASSERT_EQUAL(ip, BE_IP);
	CU_ASSERT_EQUAL(port, 5070);
	/* about a backend, but from the callers' side: forged */
	CU_ASSERT_FALSE(slb_ctl_icmp_unreach(&p, len, 0, at, SIP_PORT, &ip, &port));
	/* host unreachable about a caller, quoting only the 8 bytes RFC 792 asks for */
	len = mk_unreach(&p, 1, CALLER_IP, SIP_PORT, RTE_IPV4(10, 0, 0, 9), 5060);
	len = (uint16_t)(len - sizeof(p.more));
	resum(&p, len);
	CU_ASSERT_TRUE(slb_ctl_icmp_unreach(&p, len, 0, at, SIP_PORT, &ip, &port));
	CU_ASSERT_FALSE(slb_ctl_icmp_unreach(&p, len, 1, at, SIP_PORT, &ip, &port));
	CU_ASSERT_EQUAL(ip, RTE_IPV4(10, 0, 0, 9));
	CU_ASSERT_EQUAL(port, 5060);

	/* one byte short of the UDP ports, at every length below: never read */
	for (len = 0; len < 8 + 20 + 8; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		mk_unreach(&p, 3, BACKEND_IP, SIP_PORT, BE_IP, 5070);
		memcpy(copy, &p, len);
		if (len >= 4) { /* a valid checksum over what there is */
			uint16_t ck = 0;

			memcpy(copy + 2, &ck, 2);
			ck = (uint16_t)~rte_raw_cksum(copy, len);
			memcpy(copy + 2, &ck, 2);
		}
		CU_ASSERT_FALSE(slb_ctl_icmp_unreach(copy, len, 1, at, SIP_PORT, &ip, &port));
		free(copy);
	}

#define REFUSED(edit)                                                                   \
	do {                                                                            \
		len = mk_unreach(&p, 3, BACKEND_IP, SIP_PORT, BE_IP, 5070);             \
		edit;                                                                   \
		resum(&p, len);                                                         \
		CU_ASSERT_FALSE(slb_ctl_icmp_unreach(&p, len, 1, at, SIP_PORT, &ip, &port)); \
	} while (0)

	REFUSED(p.code = 0);                                 /* net unreachable */
	REFUSED(p.code = 4);                                 /* fragmentation needed */
	REFUSED(p.type = 11);                                /* time exceeded */
	REFUSED(p.ip.src_addr = rte_cpu_to_be_32(BE_IP));    /* not from us */
	REFUSED(p.ip.dst_addr = rte_cpu_to_be_32(CALLER_IP)); /* to ourselves */
	REFUSED(p.udp.src_port = rte_cpu_to_be_16(5061));    /* not from our SIP port */
	REFUSED(p.ip.next_proto_id = IPPROTO_TCP);
	REFUSED(p.ip.version_ihl = 0x65);                    /* not IPv4 */
	REFUSED(p.ip.version_ihl = 0x44);                    /* header shorter than 20 */
	REFUSED(p.ip.version_ihl = 0x47);                    /* options: the ports are further on */
	REFUSED(p.ip.fragment_offset = rte_cpu_to_be_16(100)); /* a later fragment */
#undef REFUSED

	/* a wrong checksum */
	len = mk_unreach(&p, 3, BACKEND_IP, SIP_PORT, BE_IP, 5070);
	resum(&p, len);
	p.cksum ^= 1;
	CU_ASSERT_FALSE(slb_ctl_icmp_unreach(&p, len, 1, at, SIP_PORT, &ip, &port));
}

static void
t_probe_write(void)
{
	static struct slb_ctl_probe pr;
	static uint8_t buf[SLB_CTL_PROBE_HDRS + SLB_CTL_PROBE_MAX];
	const struct rte_ipv4_hdr *ip = (const void *)buf;
	const struct rte_udp_hdr *udp = (const void *)(buf + 20);
	static const char sip[] = "OPTIONS sip:192.168.1.11:5070 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.1;branch=" SLB_CTL_PROBE_BRANCH "00000000000000ff\r\n"
		"Max-Forwards: 70\r\nCall-ID: p1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	uint16_t len;

	pr.dst_ip = BE_IP;
	pr.dst_port = 5070;
	pr.len = sizeof(sip) - 2; /* odd: the checksum pads the last byte */
	memcpy(pr.sip, sip, pr.len);
	len = slb_ctl_probe_write(buf, &pr, BACKEND_IP, SIP_PORT);
	CU_ASSERT_EQUAL(len, 28 + pr.len);
	CU_ASSERT_EQUAL(ip->version_ihl, 0x45);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), len);
	CU_ASSERT_EQUAL(ip->time_to_live, 64);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_UDP);
	CU_ASSERT_EQUAL(ip->fragment_offset, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(ip->src_addr), BACKEND_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(ip->dst_addr), BE_IP);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, 20), 0xffff);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(udp->src_port), SIP_PORT);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(udp->dst_port), 5070);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(udp->dgram_len), 8 + pr.len);
	CU_ASSERT(udp->dgram_cksum != 0);
	/* summed with its checksum in place: all ones (reported as 0xffff) */
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum(ip, udp), 0xffff);
	CU_ASSERT_EQUAL(memcmp(udp + 1, sip, pr.len), 0);

	pr.len = SLB_CTL_PROBE_MAX + 1;
	CU_ASSERT_EQUAL(slb_ctl_probe_write(buf, &pr, BACKEND_IP, SIP_PORT), 0);
}

int
main(void)
{
	CU_TestInfo tests[] = {
		{"header and layout, seen from a second mapping", t_header_and_layout},
		{"a request crosses between mappings intact", t_request_crosses},
		{"rings hold size - 1 elements, then report full", t_rings_fill},
		{"the cur set's seqlock gives consistent copies", t_cur_seqlock},
		{"a stage backend becomes a table backend", t_be_from_set},
		{"ICMP unreachable about our SIP datagrams only", t_icmp_unreach},
		{"a probe datagram with both checksums", t_probe_write},
		CU_TEST_INFO_NULL,
	};

	return slb_test_main("ctl_shm", tests);
}
