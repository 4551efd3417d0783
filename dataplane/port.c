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
	/* asked only when used: on some NICs an offload turns off the fastest tx path */
	if (dp->tx_csum)
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
 * Transmit checksum offload is used when every port has it: the SIP core writes a datagram's
 * checksums before the route picks its port (slb_pkt.csum), so it is one way for all. Ports of
 * one model, the usual case, all have it or all lack it.
 */
static void
choose_tx_csum(struct slb_dp *dp, const struct rte_eth_dev_info *info)
{
	uint32_t i, able = 0;

	for (i = 0; i < dp->cfg->nb_ports; i++)
		if ((info[i].tx_offload_capa & TX_CSUM) == TX_CSUM) {
			dp->port[i].tx_csum = true;
			able++;
		}
	dp->tx_csum = dp->cfg->tx_checksum_offload && able == dp->cfg->nb_ports;
	for (i = 0; i < dp->cfg->nb_ports; i++)
		SLB_LOG(port, INFO, "port %s: IPv4 and UDP checksums on transmit: %s",
			dp->port[i].name, dp->tx_csum ? "offloaded to the device" :
			!dp->port[i].tx_csum ? "in software (the device cannot offload them)" :
			!dp->cfg->tx_checksum_offload ? "in software (tx_checksum_offload false)" :
			"in software (another port cannot offload them)");
	if (!dp->tx_csum)
		for (i = 0; i < dp->cfg->nb_ports; i++)
			dp->port[i].tx_csum = false;
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
