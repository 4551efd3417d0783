/* gen_main.c: siplb-gen: arguments, EAL, ports, the polling lcore's loop, the summary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "gen_app.h"
#include "gen_end.h"

volatile int slbg_quit;

/*
 * The first SIGINT or SIGTERM ends the run at the polling lcore's next pass: no call starts,
 * the summary counts the calls still open as unfinished. Another one at least a second later
 * exits at once; those within the second are the same stop delivered twice (Ctrl-C reaches
 * every process of the terminal's group, and timeout(1) passes on what it gets to its child
 * and to its group as well).
 */
static void
on_signal(int sig)
{
	static const char msg[] = "siplb-gen: second signal, exiting without a summary\n";
	static struct timespec first;
	struct timespec now;

	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (slbg_quit == 0) {
		first = now;
		slbg_quit = 1;
		return;
	}
	if ((now.tv_sec - first.tv_sec) * 1000 + (now.tv_nsec - first.tv_nsec) / 1000000 < 1000)
		return;
	slbg_quit = 2;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do: exiting anyway */
	}
	_exit(1);
}

static uint64_t
clock_tsc(void *ctx)
{
	(void)ctx;
	return rte_rdtsc();
}

static void
poll_ports(struct slbg_app *app)
{
	struct rte_mbuf *m[SLBG_BURST];
	uint16_t i, j, n;

	for (i = 0; i < app->nb_ports; i++) {
		struct slbg_gport *p = &app->port[i];
		uint64_t tsc;

		unsigned int k;

		/*
		 * Drain: a port read one burst a pass falls behind the balancer while the pass
		 * also starts calls and runs timers, and its ring overflows. Up to 8 bursts.
		 */
		for (k = 0; k < 8; k++) {
			n = rte_eth_rx_burst(p->port_id, 0, m, SLBG_BURST);
			if (n == 0)
				break;
			tsc = rte_rdtsc();
			for (j = 0; j < n; j++) {
				if (j + 1 < n)
					rte_prefetch0(rte_pktmbuf_mtod(m[j + 1], void *));
				slbg_input(app, p, m[j], tsc);
			}
			slbg_tx_flush(app, p == &app->port[0] && app->nb_ports > 1 ? &app->port[1]
										   : &app->port[0]);
			if (n < SLBG_BURST)
				break;
		}
	}
	/* what the burst made goes out now: buffering would count in the latency measured */
	for (i = 0; i < app->nb_ports; i++)
		slbg_tx_flush(app, &app->port[i]);
}

static bool
peers_known(const struct slbg_app *app)
{
	uint16_t i;

	for (i = 0; i < app->nb_ports; i++)
		if (!app->port[i].peer_known)
			return false;
	return true;
}

/* Until the balancer's MAC is known on every port (ARP every 200 ms), at most args.wait_s. */
static int
wait_peers(struct slbg_app *app)
{
	uint64_t start = rte_rdtsc(), last = 0;

	while (!peers_known(app)) {
		uint64_t now = rte_rdtsc();

		if (slbg_quit || now - start > app->args.wait_s * app->hz)
			return -1;
		if (now - last > app->hz / 5) {
			slbg_arp_ask(app);
			last = now;
		}
		poll_ports(app);
	}
	slbg_arp_announce(app);
	/* their answers (and anything else) read before the first call */
	for (uint64_t until = rte_rdtsc() + app->hz / 10; rte_rdtsc() < until;)
		poll_ports(app);
	return 0;
}

/* How many calls may start now: by the rate (open loop) or up to the cap in progress. */
static uint64_t
calls_due(const struct slbg_app *app, uint64_t now, uint64_t t0)
{
	const struct slbg_args *a = &app->args;
	uint64_t started = app->eng->st.attempted, due;

	if (a->calls != 0 && started >= a->calls)
		return 0;
	if (a->duration_s != 0 && now - t0 >= a->duration_s * app->hz)
		return 0;
	if (a->rate == 0) {
		due = a->cfg.max_calls - slbg_in_progress(app->eng);
	} else {
		uint64_t want = (uint64_t)((double)(now - t0) * a->rate / (double)app->hz) + 1;

		due = want > started ? want - started : 0;
	}
	if (a->calls != 0 && started + due > a->calls)
		due = a->calls - started;
	return due < 32 ? due : 32; /* the rest at the next pass: receive in between */
}

/* Once, when the calls still open after the sending stopped hold the run for a while: say so. */
static void
say_draining(const struct slbg_app *app)
{
	const struct slbg_cfg *c = &app->args.cfg;

	fprintf(stderr,
		"siplb-gen: no more calls start; waiting at most %.1f s for the %u still in "
		"progress (SIGINT or SIGTERM: stop now)\n",
		(double)slbg_end_straggle_ms(c->t1_ms, c->hold_ms, c->timeout_ms) / 1000.0,
		slbg_in_progress(app->eng));
}

static int
gen_loop(void *arg)
{
	struct slbg_app *app = arg;
	const struct slbg_args *a = &app->args;
	struct slbg_stats prev;
	struct slbg_end end;
	uint64_t t0, now, last_print, end_sending = 0, next_tick = 0, last_poll;
	bool sending = true, said = false;

	if (wait_peers(app) < 0) {
		fprintf(stderr, "siplb-gen: no ARP answer from the balancer (%s) within %u s\n",
			app->port[0].peer_known ? "backends' side" : "callers' side", a->wait_s);
		app->exit_code = 1;
		app->done = 1;
		return 0;
	}
	slbg_end_init(&end, app->hz, a->cfg.t1_ms, a->cfg.hold_ms, a->cfg.timeout_ms);
	t0 = last_print = last_poll = rte_rdtsc();
	prev = app->eng->st;
	for (;;) {
		uint64_t due;

		poll_ports(app);
		now = rte_rdtsc();
		/* a pause of ours (preempted, a page fault) is not the balancer's: say it */
		if (now - last_poll > app->run.max_gap_tsc) {
			app->run.max_gap_tsc = now - last_poll;
			app->run.max_gap_at = (double)(now - t0) / (double)app->hz;
		}
		last_poll = now;
		/* the wheel counts milliseconds: look at it once per tick, not per poll */
		if (now >= next_tick) {
			slbg_engine_poll(app->eng, now);
			next_tick = now + app->hz / 10000;
		}
		if (sending) {
			due = calls_due(app, now, t0);
			while (due-- > 0 && slbg_call_start(app->eng) == 0)
				;
			if (slbg_quit || (a->calls != 0 && app->eng->st.attempted >= a->calls) ||
				(a->duration_s != 0 && now - t0 >= a->duration_s * app->hz)) {
				sending = false;
				end_sending = now;
				slbg_end_stop_sending(&end, now);
			}
		} else if (!said && !slbg_quit && slbg_in_progress(app->eng) != 0 &&
			   now - end_sending >= app->hz) {
			say_draining(app);
			said = true;
		}
		if (slbg_end_over(&end, now, slbg_in_progress(app->eng), slbg_quit))
			break;
		for (uint16_t i = 0; i < app->nb_ports; i++)
			slbg_tx_flush(app, &app->port[i]);
		if (now - last_print >= app->hz) {
			if (!a->quiet)
				slbg_progress(stdout, (double)(now - t0) / (double)app->hz,
					&app->eng->st, &prev,
					(double)(now - last_print) / (double)app->hz,
					slbg_in_progress(app->eng));
			prev = app->eng->st;
			last_print = now;
		}
	}
	for (uint16_t i = 0; i < app->nb_ports; i++)
		slbg_tx_flush(app, &app->port[i]);
	/* the run ends when its last call did: the linger after it only counts late copies */
	app->run.seconds = (double)(end.last_end - t0) / (double)app->hz;
	app->run.send_seconds = (double)(end_sending - t0) / (double)app->hz;
	app->run.max_gap_us = (double)app->run.max_gap_tsc * 1e6 / (double)app->hz;
	app->run.unfinished = slbg_in_progress(app->eng);
	app->run.signalled = end.signalled;
	app->run.straggled = end.straggled;
	app->exit_code =
		app->eng->st.failed == 0 && app->eng->st.completed == app->eng->st.attempted ? 0
											     : 1;
	app->done = 1;
	return 0;
}

static void
report(struct slbg_app *app)
{
	slbg_summary_text(stdout, &app->args, &app->eng->st, &app->run);
	if (app->args.json != NULL) {
		FILE *f = strcmp(app->args.json, "-") == 0 ? stdout : fopen(app->args.json, "w");

		if (f == NULL) {
			perror(app->args.json);
			app->exit_code = 1;
			return;
		}
		slbg_summary_json(f, &app->args, &app->eng->st, &app->run);
		if (f != stdout)
			fclose(f);
	}
	fflush(stdout);
}

static int
run(struct slbg_app *app, char *prog)
{
	struct slbg_io io = {.ctx = app, .clock = clock_tsc, .send = slbg_send};
	char *eal_argv[64];
	int eal_argc = 0, i, rc;
	unsigned int worker;

	eal_argv[eal_argc++] = prog;
	for (i = 0; i < app->args.eal_argc && eal_argc < 63; i++)
		eal_argv[eal_argc++] = app->args.eal_argv[i];
	eal_argv[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "siplb-gen: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "siplb-gen: needs two lcores (-l 0-1): main sleeps, one polls\n");
		rte_eal_cleanup();
		return 1;
	}
	app->hz = rte_get_tsc_hz();
	io.hz = app->hz;
	app->eng = rte_zmalloc("slbg_engine", sizeof(*app->eng), 64);
	if (app->eng == NULL || slbg_ports_init(app) < 0) {
		rte_eal_cleanup();
		return 1;
	}
	/* fragments of a datagram arrive within microseconds; what stays a second is lost */
	app->frag = rte_ip_frag_table_create(1024, 8, 8192, app->hz, (int)rte_socket_id());
	if (app->frag == NULL || slbg_engine_init(app->eng, &app->args.cfg, &io) < 0) {
		fprintf(stderr, "siplb-gen: out of memory for %u calls\n", app->args.cfg.max_calls);
		slbg_ports_term(app);
		rte_eal_cleanup();
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rte_eal_remote_launch(gen_loop, app, worker);
	/* the main lcore sleeps: on a small machine its core is the balancer's or another's */
	while (!app->done)
		usleep(50000);
	rc = rte_eal_wait_lcore(worker);
	(void)rc;
	report(app);
	slbg_engine_free(app->eng);
	rte_ip_frag_table_destroy(app->frag);
	slbg_ports_term(app);
	rte_free(app->eng);
	rte_eal_cleanup();
	return app->exit_code;
}

int
main(int argc, char **argv)
{
	static struct slbg_app app;

	switch (slbg_args_parse(&app.args, argc, argv, stdout, stderr)) {
	case SLBG_ARGS_HELP:
	case SLBG_ARGS_VERSION:
		return 0;
	case SLBG_ARGS_BAD:
		return 2;
	case SLBG_ARGS_RUN:
		break;
	}
	return run(&app, argv[0]);
}
