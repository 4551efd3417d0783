/* cfg.h: siplb.conf as the dataplane reads it: one struct, filled and checked before EAL init. */
#ifndef SLB_CFG_H
#define SLB_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "slb_be.h"
#include "slb_key.h"
#include "slb_sip.h"

#define SLB_CFG_MAX_PORTS 8
#define SLB_CFG_MAX_ADDRS 4     /* IPv4 addresses per port */
#define SLB_CFG_MAX_EAL 64      /* EAL arguments */
#define SLB_CFG_NAME_LEN 32
#define SLB_CFG_DEV_LEN 256
#define SLB_CFG_MAX_NETS 16     /* caller_networks entries */
#define SLB_CFG_SHM_LEN 64      /* control.shm: a name under /dev/shm */
#define SLB_CFG_PATH_LEN 108    /* control.socket: sun_path's size */
#define SLB_CFG_ADDR_LEN 64     /* control.metrics: "host:port" */
#define SLB_CFG_MAX_SENTINELS 8 /* redis.sentinels */
#define SLB_CFG_SECRET_LEN 128  /* redis.password */
#define SLB_CFG_MAX_CODES 16    /* control.reply_codes ranges */

/* Exit code for a configuration the dataplane refuses. */
#define SLB_CFG_EXIT_BAD 2

enum slb_port_role {
	SLB_ROLE_CALLER = 0x1,  /* callers are reached through it */
	SLB_ROLE_BACKEND = 0x2, /* backends are reached through it */
	SLB_ROLE_BOTH = 0x3,
};

/* What a new call gets when no backend takes new calls. */
enum slb_no_backend_action {
	SLB_NO_BACKEND_503 = 0, /* a 503 from the balancer (rate-limited like the 483) */
	SLB_NO_BACKEND_DROP,    /* dropped (counted as no_backend either way) */
};

/* What the dialogs of a backend that probes found dead do. */
enum slb_dead_dialogs {
	SLB_DEAD_PINNED = 0, /* stay with it (it may come back; another proxy has no state for them) */
	SLB_DEAD_REHASH,     /* go by the hash to a live one */
};

/* What a request to our backend-side address from someone who is not a backend gets. */
enum slb_stranger_action {
	SLB_STRANGER_CALLER = 0, /* treated as a caller's (load-balanced to a backend) */
	SLB_STRANGER_DROP,       /* dropped and counted as relay_denied */
};

struct slb_cfg_addr {
	uint32_t ip;   /* host order */
	uint8_t plen;  /* prefix length, 1..32 */
};

struct slb_cfg_port {
	char name[SLB_CFG_NAME_LEN];
	char device[SLB_CFG_DEV_LEN]; /* DPDK device name, or vdev args "net_tap0,iface=x" */
	struct slb_cfg_addr addr[SLB_CFG_MAX_ADDRS];
	uint32_t nb_addr;
	uint32_t role;                /* enum slb_port_role */
	uint32_t mtu;
	int line;                     /* where it was defined, for later errors */
};

/* Every scalar has a row in cfg.c's key table (name, type, bounds, default). */
struct slb_cfg {
	char *path;
	char *eal_argv[SLB_CFG_MAX_EAL];
	int eal_argc;

	uint32_t workers;
	uint32_t sip_port;
	bool record_route;
	bool reply_483;
	bool rss_l4;
	bool tx_checksum_offload;     /* the devices compute transmit checksums where all can */
	uint32_t stats_interval;
	uint32_t idle_sleep_us;
	uint32_t gateway;             /* host order, 0: none */
	struct slb_key128 branch_secret; /* keys the MAC in our Via branch */
	bool branch_secret_set;       /* false: absent from the file, generated at start */
	struct slb_key128 hash_secret;   /* keys the Call-ID and rendezvous hashes */
	bool hash_secret_set;         /* false: absent from the file, generated at start */
	uint32_t reply_483_rate;      /* 483 replies per second per worker, at most */
	bool require_backend;         /* refuse a backend set in which no backend takes calls */

	/* relay control: requests from backends go to callers only by our Route or to these */
	struct slb_cfg_addr caller_networks[SLB_CFG_MAX_NETS];
	uint32_t nb_caller_networks;
	uint32_t backend_side_strangers; /* enum slb_stranger_action */
	uint32_t no_backend;          /* enum slb_no_backend_action */

	/*
	 * control: siplb-control's section. The dataplane uses shm only; both processes load the
	 * same file with this loader, so a typo in the section is refused by either.
	 */
	char ctl_shm[SLB_CFG_SHM_LEN];        /* the segment: /dev/shm/<ctl_shm> */
	char ctl_socket[SLB_CFG_PATH_LEN];    /* siplbctl's Unix socket */
	char ctl_metrics[SLB_CFG_ADDR_LEN];   /* Prometheus endpoint "addr:port", "" for none */
	uint32_t ctl_probe_interval_ms;
	uint32_t ctl_probe_timeout_ms;
	uint32_t ctl_fall;                    /* failed probes in a row: down */
	uint32_t ctl_rise;                    /* good probes in a row: up again */
	uint32_t ctl_nb_codes;                /* 0: any final response counts as alive */
	uint16_t ctl_code_lo[SLB_CFG_MAX_CODES]; /* alive: a status in [lo, hi] of one range */
	uint16_t ctl_code_hi[SLB_CFG_MAX_CODES];
	uint32_t ctl_dead_dialogs;            /* enum slb_dead_dialogs */
	bool ctl_suspect_on_503;              /* a 503 to a new INVITE: probe that backend now */
	bool ctl_suspect_unanswered;          /* an INVITE left unanswered: a failure, probe now */
	uint32_t be_buckets_log2;

	/*
	 * redis: dialog state shared through Redis (siplb-control writes it; the dataplane only
	 * waits at start for control to load it: attach_wait_ms, load_wait_ms).
	 */
	bool redis_enabled;
	char redis_address[SLB_CFG_ADDR_LEN];   /* "host:port" without sentinels */
	char redis_sentinels[SLB_CFG_MAX_SENTINELS][SLB_CFG_ADDR_LEN];
	uint32_t redis_nb_sentinels;
	char redis_master[SLB_CFG_NAME_LEN];    /* the sentinels' name for the master */
	char redis_password[SLB_CFG_SECRET_LEN]; /* "" for none */
	uint32_t redis_db;
	char redis_prefix[SLB_CFG_NAME_LEN];    /* keys: <prefix>dlg:<Call-ID> */
	char redis_instance[SLB_CFG_NAME_LEN];  /* "" : the host name */
	uint32_t redis_connect_timeout_ms;
	uint32_t redis_command_timeout_ms;
	uint32_t redis_buffer;                  /* events waiting for Redis, then lost */
	uint32_t redis_batch;                   /* commands per pipelined batch */
	bool redis_publish;                     /* pub/sub to other instances */
	uint32_t redis_attach_wait_ms;          /* a starting dataplane waits this long for control */
	uint32_t redis_load_wait_ms;            /* and this long at most for the load to end */

	/* mempool */
	uint32_t pool_size;
	uint32_t pool_cache;
	uint32_t pool_data_room;
	uint32_t big_pool_size;
	uint32_t big_data_room;
	uint32_t indirect_pool_size;

	/* queues */
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t rx_burst;
	uint32_t tx_burst;
	uint32_t tx_drain_us;
	bool tx_flush_idle;      /* send the tx buffers when a poll leaves every rx queue drained */
	uint32_t frag_ring;

	/* dialog */
	uint32_t dlg_capacity;
	uint32_t dlg_early_timeout;
	uint32_t dlg_confirmed_timeout;
	uint32_t dlg_sweep_period;

	/* neighbour */
	uint32_t neigh_size;
	uint32_t neigh_reachable;
	uint32_t neigh_timeout;
	uint32_t neigh_retry_ms;
	uint32_t pending;
	uint32_t pending_timeout_ms;

	/* frag */
	uint32_t frag_buckets;
	uint32_t frag_bucket_entries;
	uint32_t frag_max_entries;
	uint32_t frag_timeout_ms;

	/* sip_errors: enum slb_sip_action + 1 per error, 0 where the default table stands */
	uint8_t policy_override[SLB_SIP_E__COUNT];

	struct slb_cfg_port port[SLB_CFG_MAX_PORTS];
	uint32_t nb_ports;

	struct slb_be be[SLB_BE_MAX];
	uint32_t nb_be;
};

/*
 * Read and check path into cfg (zeroed first). Returns 0, or -1 after printing
 * "file:line: reason" to stderr; the caller exits with SLB_CFG_EXIT_BAD.
 */
int slb_cfg_load(struct slb_cfg *cfg, const char *path);

/*
 * Read and check path, as slb_cfg_load() does, for a dataplane running with `running` that
 * reloads its backends (SIGHUP): the file's ports, addresses and gateway must be the running ones
 * (they need a restart), and its backends are checked against the running ports. Returns 0, or
 * -1 after printing "file:line: reason" to stderr.
 */
int slb_cfg_reload(struct slb_cfg *cfg, const char *path, const struct slb_cfg *running);

/* Free what slb_cfg_load() or slb_cfg_reload() allocated. */
void slb_cfg_free(struct slb_cfg *cfg);

/* Replace the file's EAL arguments with the command line's (after "--"). */
int slb_cfg_set_eal(struct slb_cfg *cfg, int argc, char **argv);

/*
 * Per-lcore cache for a pool of n mbufs shared by `workers` workers and the main lcore: want,
 * capped so that mbufs cannot strand in the caches of idle lcores of a small pool. The pools are
 * created with it and cfg.c's mbuf budget counts it: one definition for both.
 */
uint32_t slb_cfg_pool_cache(uint32_t n, uint32_t want, uint32_t workers);

/* "a.b.c.d" of a host-order address into buf (16 bytes). */
const char *slb_cfg_ip_str(uint32_t ip, char *buf);

#endif /* SLB_CFG_H */
