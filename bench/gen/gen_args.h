/* gen_args.h: siplb-gen's command line, parsed without EAL (the unit tests and --help need none).
 */
#ifndef SLBG_ARGS_H
#define SLBG_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_call.h"

struct slbg_args {
	struct slbg_cfg cfg; /* the engine's part */
	uint32_t lb_be_ip;   /* the balancer's backend-side address (ARP on the backends' port) */
	uint32_t rate;	     /* calls per second; 0: as many as max_calls allows */
	uint64_t calls;	     /* stop starting after this many; 0: by duration */
	uint32_t duration_s; /* stop starting after this long; 0: by count */
	uint32_t mtu;
	uint32_t mbufs;	  /* 0: sized from the other arguments */
	uint32_t wait_s;  /* at most this long for the balancer's ARP answers */
	bool quiet;	  /* no progress line */
	const char *json; /* the summary as JSON to this file ("-": stdout), or NULL */
	int eal_argc;	  /* what follows "--" */
	char **eal_argv;
};

enum slbg_args_result {
	SLBG_ARGS_RUN = 0,
	SLBG_ARGS_HELP,	   /* -h/--help: usage printed on stdout, exit 0 */
	SLBG_ARGS_VERSION, /* printed, exit 0 */
	SLBG_ARGS_BAD,	   /* what is wrong and the usage printed on err, exit 2 */
};

/* Parse argv (argv[0] the program); out: stdout, err: stderr (the tests pass files). */
enum slbg_args_result slbg_args_parse(
	struct slbg_args *a, int argc, char **argv, FILE *out, FILE *err);

/* Fill mbufs when 0: rx and tx rings of every port, fragments in reassembly, the bursts. */
uint32_t slbg_args_mbufs(const struct slbg_args *a, uint32_t nb_ports, uint32_t ring);

void slbg_usage(FILE *f);

#endif /* SLBG_ARGS_H */
