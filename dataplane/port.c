/* port.c: ports: find or probe the device, queues and RSS, MTU, start; stop and close at exit. */
#include <inttypes.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp.h"
#include "log.h"
#include "port.h"

RTE_LOG_REGISTER(slb_logtype_port, siplb.port, INFO);

/* The transmit offloads a datagram's checksums need (slb_rw_finish(), SLB_PKT_CSUM_OFFLOAD). */
#define TX_CSUM (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

/* The ethdev name in a device string: "net_tap0,iface=x" -> "net_tap0". */
static void
dev_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
}

/* A device EAL already probed (PCI, --vdev) is found by name; vdev args are probed here. */
static int
find_port(struct slb_port *p, const struct slb_cfg_port *cp)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int rc;

	dev_name(cp->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) == 0)
		return 0;
	rc = rte_dev_probe(cp->device);
	if (rc < 0) {
		SLB_LOG(port, ERR, "port %s: cannot probe '%s': %s", cp->name, cp->device,
			rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		SLB_LOG(port, ERR, "port %s: '%s' probed but no ethdev named %s", cp->name,
			cp->device, name);
		return -1;
	}
	return 0;
}

/* Find or probe the device of port pidx and ask what it can do. */
static int
attach_port(struct slb_dp *dp, uint32_t pidx, struct rte_eth_dev_info *info)
{
	const struct slb_cfg_port *cp = &dp->cfg->port[pidx];
	struct slb_port *p = &dp->port[pidx];
	int rc;

	strcpy(p->name, cp->name);
	p->mtu = (uint16_t)cp->mtu;
	p->role = cp->role;
	if (find_port(p, cp) < 0)
		return -1;
	p->open = true;
	rc = rte_eth_dev_info_get(p->port_id, info);
	if (rc != 0) {
		SLB_LOG(port, ERR, "port %s: device info: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	return 0;
}

static int
setup_port(struct slb_dp *dp, uint32_t pidx, const struct rte_eth_dev_info *dev)
{
	const struct slb_cfg *cfg = dp->cfg;
	const struct slb_cfg_port *cp = &cfg->port[pidx];
	struct slb_port *p = &dp->port[pidx];
	const struct rte_eth_dev_info info = *dev;
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxc;
	struct rte_eth_txconf txc;
	uint16_t nb_rxd = (uint16_t)cfg->rx_desc, nb_txd = (uint16_t)cfg->tx_desc, q;
	uint64_t want;
	int socket, rc;

	socket = rte_eth_dev_socket_id(p->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();

	p->nb_rxq = (uint16_t)RTE_MIN(dp->nb_workers, (uint32_t)info.max_rx_queues);
	p->nb_txq = (uint16_t)RTE_MIN(dp->nb_workers, (uint32_t)info.max_tx_queues);
	p->txq_shared = p->nb_txq < dp->nb_workers;
	for (q = 0; q < RTE_DIM(p->txq_lock); q++)
		rte_spinlock_init(&p->txq_lock[q].lock);

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = p->mtu;
	/* addresses only for fragments (all pieces of a datagram meet), ports when whole */
	want = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
	if (cfg->rss_l4)
		want |= RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	p->rss_hf = want & info.flow_type_rss_offloads;
	if (p->nb_rxq > 1 && p->rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = p->rss_hf;
	} else {
		/* one queue, or a device that spreads by its own rule (af_packet fanout, tap) */
		p->rss_hf = 0;
	}
	conf.rxmode.offloads = info.rx_offload_capa &
		(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	/*
	 * Output fragments are chains (a header mbuf and an indirect one for the data). Vector tx
	 * paths of real NICs send only the first segment unless asked for chains; a device that
	 * cannot send chains gets fragments copied into single mbufs instead (frag.c).
	 */
	p->tx_multiseg = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	if (p->tx_multiseg)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (p->tx_csum)
		conf.txmode.offloads |= TX_CSUM;
	if (p->mtu > info.max_mtu || p->mtu < info.min_mtu) {
		SLB_LOG(port, ERR, "port %s: mtu %u is outside the device's %u..%u", p->name,
			p->mtu, info.min_mtu, info.max_mtu);
		return -1;
	}

	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		SLB_LOG(port, ERR, "port %s: configure %u rx / %u tx queues: %s", p->name,
			p->nb_rxq, p->nb_txq, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		SLB_LOG(port, ERR, "port %s: descriptors: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	rxc = info.default_rxconf;
	rxc.offloads = conf.rxmode.offloads;
	for (q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, (unsigned int)socket, &rxc,
			dp->pool);
		if (rc != 0) {
			SLB_LOG(port, ERR, "port %s: rx queue %u: %s", p->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, (unsigned int)socket, &txc);
		if (rc != 0) {
			SLB_LOG(port, ERR, "port %s: tx queue %u: %s", p->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_promiscuous_disable(p->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		SLB_LOG(port, WARNING, "port %s: promiscuous off: %s", p->name,
			rte_strerror(-rc));
	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc != 0) {
		SLB_LOG(port, ERR, "port %s: MAC address: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		SLB_LOG(port, ERR, "port %s: start: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	p->started = true;
	SLB_LOG(port, INFO, "port %s: %s (ethdev %u, %s) " RTE_ETHER_ADDR_PRT_FMT ", mtu %u, "
		"%u rx / %u tx queues%s, rss 0x%" PRIx64 "%s", p->name, cp->device, p->port_id,
		info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu, p->nb_rxq, p->nb_txq,
		p->txq_shared ? " (tx shared)" : "", p->rss_hf,
		p->nb_rxq < dp->nb_workers ? " (fewer rx queues than workers)" : "");
	if (dp->nb_workers > 1 && p->nb_rxq > 1 && p->rss_hf == 0)
		SLB_LOG(port, NOTICE, "port %s: no RSS on this device: it spreads packets by its "
			"own rule; fragments are steered to one lcore in software anyway", p->name);
	return 0;
}

/*
 * The ports a datagram that came in on port i may leave through: the other side's (a caller's
 * message goes to a backend and the reverse, responses included); any port for a port of both
 * roles. The balancer's own replies (483, 503) go back the way they came: if that port cannot
 * compute their checksums, slb_eth_send() does (ip_out.c), as for any other surprise.
 */
static uint32_t
out_roles(uint32_t role)
{
	return role == SLB_ROLE_CALLER ? SLB_ROLE_BACKEND :
		role == SLB_ROLE_BACKEND ? SLB_ROLE_CALLER : SLB_ROLE_BOTH;
}

/*
 * Transmit checksum offload. The SIP core writes a datagram's checksums before the route picks
 * its port (slb_pkt.csum), so a datagram is left to the device when every port it may leave
 * through can compute them (csum_out of the port it came in on); the offload is asked of a
 * port only when some datagrams will use it: on some NICs an offload turns off the fastest tx
 * path.
 */
static void
choose_tx_csum(struct slb_dp *dp, const struct rte_eth_dev_info *info)
{
	uint32_t n = dp->cfg->nb_ports, i, j;
	bool able[SLB_CFG_MAX_PORTS], used[SLB_CFG_MAX_PORTS] = {false};

	for (i = 0; i < n; i++)
		able[i] = dp->cfg->tx_checksum_offload &&
			(info[i].tx_offload_capa & TX_CSUM) == TX_CSUM;
	for (i = 0; i < n; i++) {
		dp->port[i].csum_out = true;
		for (j = 0; j < n; j++)
			if ((dp->port[j].role & out_roles(dp->port[i].role)) && !able[j])
				dp->port[i].csum_out = false;
		for (j = 0; j < n && dp->port[i].csum_out; j++)
			if (dp->port[j].role & out_roles(dp->port[i].role))
				used[j] = true;
	}
	for (i = 0; i < n; i++) {
		dp->port[i].tx_csum = used[i];
		SLB_LOG(port, INFO, "port %s: IPv4 and UDP checksums of what it sends: %s",
			dp->port[i].name, used[i] ? "offloaded to the device" :
			!dp->cfg->tx_checksum_offload ? "in software (tx_checksum_offload false)" :
			!able[i] ? "in software (the device cannot offload them)" :
			"in software (a port on its side cannot offload them)");
	}
}

int
slb_port_init(struct slb_dp *dp)
{
	struct rte_eth_dev_info info[SLB_CFG_MAX_PORTS];
	uint32_t i;

	for (i = 0; i < dp->cfg->nb_ports; i++) {
		if (attach_port(dp, i, &info[i]) < 0)
			return -1;
		dp->nb_ports = i + 1;
	}
	choose_tx_csum(dp, info);
	for (i = 0; i < dp->cfg->nb_ports; i++)
		if (setup_port(dp, i, &info[i]) < 0)
			return -1;
	return 0;
}

void
slb_port_term(struct slb_dp *dp)
{
	struct rte_eth_stats es;
	uint32_t i;
	int rc;

	for (i = 0; i < dp->cfg->nb_ports; i++) {
		struct slb_port *p = &dp->port[i];

		if (!p->open)
			continue;
		if (p->started && rte_eth_stats_get(p->port_id, &es) == 0)
			SLB_LOG(port, INFO, "port %s: NIC rx %" PRIu64 " missed %" PRIu64 " errors %"
				PRIu64 " nombuf %" PRIu64 ", tx %" PRIu64 " errors %" PRIu64,
				p->name, es.ipackets, es.imissed, es.ierrors, es.rx_nombuf,
				es.opackets, es.oerrors);
		if (p->started) {
			rc = rte_eth_dev_stop(p->port_id);
			if (rc != 0)
				SLB_LOG(port, WARNING, "port %s: stop: %s", p->name,
					rte_strerror(-rc));
			p->started = false;
		}
		rc = rte_eth_dev_close(p->port_id);
		if (rc != 0)
			SLB_LOG(port, WARNING, "port %s: close: %s", p->name, rte_strerror(-rc));
		p->open = false;
	}
}
