/* gen_port.c: siplb-gen's ports: one queue each way, the MTU, started; stopped at the end. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "gen_app.h"

static int
setup(struct slbg_app *app, struct slbg_gport *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = SLBG_RING, nb_txd = SLBG_RING;
	int rc, socket = rte_eth_dev_socket_id(p->port_id);

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = app->args.mtu;
	if (app->args.mtu > info.max_mtu) {
		fprintf(stderr, "siplb-gen: port %u: mtu %u above the device's %u\n", p->port_id,
			app->args.mtu, info.max_mtu);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(
			p->port_id, 0, nb_rxd, (unsigned int)socket, NULL, app->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p->port_id, 0, nb_txd, (unsigned int)socket, NULL);
	if (rc == 0)
		rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	return rc;
}

int
slbg_ports_init(struct slbg_app *app)
{
	const struct slbg_args *a = &app->args;
	uint16_t pid, n = 0;
	uint32_t nb_mbufs;

	RTE_ETH_FOREACH_DEV(pid)
	{
		if (n == 2) {
			fprintf(stderr, "siplb-gen: more than 2 ports; using the first two\n");
			break;
		}
		app->port[n++].port_id = pid;
	}
	if (n == 0) {
		fprintf(stderr,
			"siplb-gen: no port: give one or two with --vdev (EAL, after --)\n");
		return -1;
	}
	app->nb_ports = n;
	nb_mbufs = slbg_args_mbufs(a, n, SLBG_RING);
	/* room for a whole frame of the MTU in one mbuf */
	app->pool = rte_pktmbuf_pool_create("slbg_pool", nb_mbufs, 256, 0,
		(uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
			a->mtu + 14 + 4 + RTE_PKTMBUF_HEADROOM),
		(int)rte_socket_id());
	if (app->pool == NULL) {
		fprintf(stderr, "siplb-gen: mempool of %u mbufs: %s\n", nb_mbufs,
			rte_strerror(rte_errno));
		return -1;
	}
	/* one port: both sides on it; two: callers on the first, backends on the second */
	app->port[0].callers = true;
	app->port[0].peer_ip = a->cfg.lb_ip;
	app->port[0].arp_src = a->cfg.caller_ip;
	app->side_port[SLBG_CALLER] = 0;
	if (n == 1) {
		app->port[0].backends = true;
		app->side_port[SLBG_BACKEND] = 0;
	} else {
		app->port[1].backends = true;
		app->port[1].peer_ip = a->lb_be_ip;
		app->port[1].arp_src = a->cfg.be_ip[0];
		app->side_port[SLBG_BACKEND] = 1;
	}
	for (pid = 0; pid < n; pid++) {
		int rc = setup(app, &app->port[pid]);

		if (rc != 0) {
			fprintf(stderr, "siplb-gen: port %u: %s\n", app->port[pid].port_id,
				rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void
slbg_ports_term(struct slbg_app *app)
{
	uint16_t i;

	for (i = 0; i < app->nb_ports; i++) {
		struct slbg_gport *p = &app->port[i];

		rte_pktmbuf_free_bulk(p->tx, p->nb_tx);
		p->nb_tx = 0;
		rte_eth_dev_stop(p->port_id);
		rte_eth_dev_close(p->port_id);
	}
}
