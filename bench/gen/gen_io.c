/* gen_io.c: siplb-gen's frames: ARP for every address it plays, UDP out (fragmented), UDP in. */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "gen_app.h"

#define L2 sizeof(struct rte_ether_hdr)
#define L3 sizeof(struct rte_ipv4_hdr)
#define L4 sizeof(struct rte_udp_hdr)

void
slbg_tx_flush(struct slbg_app *app, struct slbg_gport *p)
{
	uint16_t sent;

	if (p->nb_tx == 0)
		return;
	sent = rte_eth_tx_burst(p->port_id, 0, p->tx, p->nb_tx);
	app->run.port_tx += sent;
	if (unlikely(sent < p->nb_tx)) {
		/* a full ring: what it refused is lost, as on a wire (the SIP timers tell) */
		app->run.tx_full += p->nb_tx - sent;
		rte_pktmbuf_free_bulk(p->tx + sent, p->nb_tx - sent);
	}
	p->nb_tx = 0;
}

static void
tx_one(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m)
{
	p->tx[p->nb_tx++] = m;
	if (p->nb_tx == SLBG_TX_BUF)
		slbg_tx_flush(app, p);
}

static void
eth_fill(struct rte_ether_hdr *eth, const struct slbg_gport *p, uint16_t type)
{
	eth->dst_addr = p->peer;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(type);
}

static void
ip_fill(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint16_t total, uint16_t id,
	uint16_t frag)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * A datagram above the MTU leaves as fragments built here, each in one mbuf: the UDP header
 * and the first bytes in the first, offsets in units of 8 bytes, MF on all but the last.
 */
static void
send_frags(struct slbg_app *app, struct slbg_gport *p, uint32_t src, uint32_t dst,
	const uint8_t *udp_dgram, uint32_t dgram_len)
{
	uint32_t per = ((app->args.mtu - (uint32_t)L3) / 8) * 8, off = 0;
	uint16_t id = app->ip_id++;

	while (off < dgram_len) {
		uint32_t n = RTE_MIN(per, dgram_len - off);
		bool more = off + n < dgram_len;
		struct rte_mbuf *m = rte_pktmbuf_alloc(app->pool);
		uint8_t *d;

		if (m == NULL) {
			app->run.no_mbuf++;
			return;
		}
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(L2 + L3 + n));
		eth_fill((struct rte_ether_hdr *)d, p, RTE_ETHER_TYPE_IPV4);
		ip_fill((struct rte_ipv4_hdr *)(d + L2), src, dst, (uint16_t)(L3 + n), id,
			(uint16_t)((off / 8) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		memcpy(d + L2 + L3, udp_dgram + off, n);
		app->run.frags_tx++;
		tx_one(app, p, m);
		off += n;
	}
}

void
slbg_send(void *ctx, enum slbg_side side, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
	uint16_t dport, const char *buf, uint32_t len)
{
	struct slbg_app *app = ctx;
	struct slbg_gport *p = &app->port[app->side_port[side]];
	uint32_t dgram = (uint32_t)L4 + len;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint8_t *d;

	if (L3 + dgram > app->args.mtu) {
		static uint8_t big[65536];

		if (dgram > sizeof(big) - L3)
			return;
		udp = (struct rte_udp_hdr *)big;
		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dst_port = rte_cpu_to_be_16(dport);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)dgram);
		udp->dgram_cksum =
			0; /* none: allowed over IPv4, and the balancer computes its own */
		memcpy(big + L4, buf, len);
		send_frags(app, p, src_ip, dst_ip, big, dgram);
		return;
	}
	m = rte_pktmbuf_alloc(app->pool);
	if (unlikely(m == NULL)) {
		app->run.no_mbuf++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(L2 + L3 + dgram));
	eth_fill((struct rte_ether_hdr *)d, p, RTE_ETHER_TYPE_IPV4);
	ip_fill((struct rte_ipv4_hdr *)(d + L2), src_ip, dst_ip, (uint16_t)(L3 + dgram),
		app->ip_id++, 0);
	udp = (struct rte_udp_hdr *)(d + L2 + L3);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)dgram);
	udp->dgram_cksum = 0;
	memcpy(d + L2 + L3 + L4, buf, len);
	tx_one(app, p, m);
}

/* The backend an address is, or -1. */
static int
backend_of(const struct slbg_cfg *cfg, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < cfg->nb_be; i++)
		if (cfg->be_ip[i] == ip)
			return (int)i;
	return -1;
}

static bool
plays(const struct slbg_app *app, const struct slbg_gport *p, uint32_t ip)
{
	const struct slbg_cfg *cfg = &app->args.cfg;

	if (p->callers && ip - cfg->caller_ip < cfg->nb_caller_ip)
		return true;
	return p->backends && backend_of(cfg, ip) >= 0;
}

static void
arp_out(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m, uint16_t op,
	const struct rte_ether_addr *dst, uint32_t sip, uint32_t tip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	eth->dst_addr = *dst;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	arp->arp_data.arp_tha = op == RTE_ARP_OP_REPLY ? *dst : (struct rte_ether_addr){{0}};
	arp->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	tx_one(app, p, m);
}

void
slbg_arp_ask(struct slbg_app *app)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	uint16_t i;

	for (i = 0; i < app->nb_ports; i++) {
		struct slbg_gport *p = &app->port[i];
		struct rte_mbuf *m;

		if (p->peer_known)
			continue;
		m = rte_pktmbuf_alloc(app->pool);
		if (m == NULL)
			continue;
		rte_pktmbuf_append(m, L2 + sizeof(struct rte_arp_hdr));
		arp_out(app, p, m, RTE_ARP_OP_REQUEST, &bcast, p->arp_src, p->peer_ip);
		slbg_tx_flush(app, p);
	}
}

/*
 * Every address we play asks for the balancer's once, as hosts on a link ask for their
 * gateway: the balancer learns them all from these requests before the first call, instead of
 * holding its first responses to each while it asks itself.
 */
void
slbg_arp_announce(struct slbg_app *app)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	const struct slbg_cfg *cfg = &app->args.cfg;
	uint32_t i, n = cfg->nb_caller_ip + cfg->nb_be;

	for (i = 0; i < n; i++) {
		bool caller = i < cfg->nb_caller_ip;
		struct slbg_gport *p =
			&app->port[app->side_port[caller ? SLBG_CALLER : SLBG_BACKEND]];
		struct rte_mbuf *m = rte_pktmbuf_alloc(app->pool);

		if (m == NULL)
			return;
		rte_pktmbuf_append(m, L2 + sizeof(struct rte_arp_hdr));
		arp_out(app, p, m, RTE_ARP_OP_REQUEST, &bcast,
			caller ? cfg->caller_ip + i : cfg->be_ip[i - cfg->nb_caller_ip],
			p->peer_ip);
		/* a few at a time: the balancer's ring takes a burst, not thousands */
		if (i % 16 == 15) {
			slbg_tx_flush(app, p);
			rte_delay_us_sleep(200);
		}
	}
	for (i = 0; i < app->nb_ports; i++)
		slbg_tx_flush(app, &app->port[i]);
}

static void
arp_input(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;
	struct rte_ether_addr sha;
	uint32_t sip, tip;

	if (rte_pktmbuf_data_len(m) < L2 + sizeof(*arp))
		goto drop;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, L2);
	sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	sha = arp->arp_data.arp_sha;
	if (sip == p->peer_ip) {
		p->peer = sha;
		p->peer_known = true;
	}
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) && plays(app, p, tip)) {
		arp_out(app, p, m, RTE_ARP_OP_REPLY, &sha, tip, sip);
		return;
	}
drop:
	rte_pktmbuf_free(m);
}

static void
udp_input(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m,
	const struct rte_ipv4_hdr *ip, uint64_t tsc)
{
	const struct slbg_cfg *cfg = &app->args.cfg;
	uint32_t hl = rte_ipv4_hdr_len(ip), dst = rte_be_to_cpu_32(ip->dst_addr);
	uint32_t total = rte_be_to_cpu_16(ip->total_length), len;
	const struct rte_udp_hdr *udp;
	const char *sip;
	enum slbg_side side;
	int be = 0;

	if (ip->next_proto_id != IPPROTO_UDP || total < hl + L4 || total + L2 > m->pkt_len)
		goto drop;
	if (p->callers && dst - cfg->caller_ip < cfg->nb_caller_ip) {
		side = SLBG_CALLER;
	} else if (p->backends && (be = backend_of(cfg, dst)) >= 0) {
		side = SLBG_BACKEND;
	} else {
		app->run.not_ours++;
		goto drop;
	}
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, L2 + hl);
	len = rte_be_to_cpu_16(udp->dgram_len);
	if (len < L4 || len > total - hl)
		goto drop;
	len -= (uint32_t)L4;
	sip = rte_pktmbuf_read(m, (uint32_t)(L2 + hl + L4), len, app->rx_buf);
	if (sip != NULL)
		slbg_rx(app->eng, side, (uint32_t)be, rte_be_to_cpu_32(ip->src_addr),
			rte_be_to_cpu_16(udp->src_port), sip, len, tsc);
drop:
	rte_pktmbuf_free(m);
}

void
slbg_input(struct slbg_app *app, struct slbg_gport *p, struct rte_mbuf *m, uint64_t tsc)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;

	app->run.port_rx++;
	if (unlikely(rte_pktmbuf_data_len(m) < L2 + L3)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(app, p, m);
		return;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		rte_pktmbuf_free(m);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L2);
	if (rte_ipv4_frag_pkt_is_fragmented(ip)) {
		/* the balancer fragments what leaves above its MTU: put the datagram together */
		m->l2_len = L2;
		m->l3_len = rte_ipv4_hdr_len(ip);
		m = rte_ipv4_frag_reassemble_packet(app->frag, &app->dr, m, tsc, ip);
		rte_ip_frag_free_death_row(&app->dr, 0);
		if (m == NULL)
			return;
		app->run.reasm++;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L2);
	}
	udp_input(app, p, m, ip, tsc);
}
