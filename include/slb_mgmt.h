/* slb_mgmt.h: siplbctl <-> siplb-control, JSON over a Unix socket: the requests and answers. */
#ifndef SLB_MGMT_H
#define SLB_MGMT_H

/*
 * One request per connection: the client connects to control.socket (a SOCK_STREAM Unix socket,
 * mode 0600, owned by the user siplb-control runs as), writes one JSON object and a newline,
 * reads one JSON object and a newline, and closes. Requests and answers are at most
 * SLB_MGMT_MAX bytes. Every answer has "ok": true, or "ok": false and "error": a sentence for an
 * operator. Names are lower case with underscores; addresses are dotted strings; times are
 * seconds since the Unix epoch (float); durations are milliseconds (float).
 *
 * {"cmd":"status"}
 *   -> {"ok":true, "control":{"pid":N, "started":T, "config":"path"},
 *       "dataplane":{"state":"running"|"loading"|"starting"|"stopping"|"absent", "epoch":T,
 *                    "workers":N, "heartbeat_age_ms":F, "table_version":N,
 *                    "caller_ip":"a.b.c.d", "backend_ip":"a.b.c.d", "sip_port":N}}
 *   With no dataplane (control waits for it), state is "absent" and the rest is missing.
 *
 * {"cmd":"backends"}
 *   -> {"ok":true, "backends":[{"id":N, "name":"s", "address":"a.b.c.d", "port":N,
 *       "weight":N, "state":"up"|"down"|"draining"|"disabled", "dataplane":"up"|"drain"|
 *       "down"|"failed", "since":T, "msgs_per_s":F, "rtt_ms":F|null, "last_status":N|null,
 *       "probes_ok":N, "probes_failed":N, "fails_in_row":N, "oks_in_row":N,
 *       "dialogs":N|null}, ...]}
 *   state is control's view: "down" is by probe, "draining" and "disabled" by the operator.
 *
 * {"cmd":"backend", "action":"add", "id":N, "address":"a.b.c.d", "port":N, "weight":N,
 *  "name":"s"}                     (port, weight and name optional: 5060, 100, "be<id>")
 * {"cmd":"backend", "action":"remove"|"drain"|"enable"|"disable", "id":N}
 * {"cmd":"backend", "action":"weight", "id":N, "weight":N}
 *   -> {"ok":true, "table_version":N} once the dataplane runs the new table
 *      (a backend may be named by "name":"s" instead of "id")
 *
 * {"cmd":"dialogs"}
 *   -> {"ok":true, "live":N, "slots":N, "created":N, "confirmed":N, "ended":N, "expired":N,
 *       "full":N, "by_hash":N,
 *       "mirror":{"early":N, "answered":N, "confirmed":N, "own":N, "other":N, "capacity":N,
 *                 "full":N},
 *       "redis":{"state":"up"|"down", "error":"s" (down only), "master":"host:port",
 *                "instance":"s", "since":T, "subscriber":"up"|"down",
 *                "lag_p50_ms":F|null, "lag_p99_ms":F|null, "lag_samples":N,
 *                "written":N, "buffered":N, "buffer_size":N, "buffer_peak":N, "lost":N,
 *                "errors":N, "skipped":N, "refreshed":N, "restored":N, "resyncs":N,
 *                "resync_written":N, "failovers":N, "published":N, "remote_events":N,
 *                "remote_bad":N, "pins_sent":N, "pins_dropped":N,
 *                "load":{"state":"none"|"running"|"done", "dialogs":N, "ms":F,
 *                        "result":"ok"|"s", "unreadable":N, "dataplane_pinned":N|null}}}
 *   The table's figures come from the dataplane; mirror and redis only with redis.enabled
 *   (mirror: the dialogs control keeps for Redis, ours and other instances'; lag: from the
 *   dataplane's event to Redis's reply, over the last second with writes). With no dataplane
 *   and redis.enabled: {"ok":true, "dataplane":"absent", "mirror":..., "redis":...}.
 *
 * {"cmd":"dialog", "callid":"s"}
 *   -> {"ok":true, "callid":"s", "hash":"16 hex digits",
 *       "local":{"backend":N, "name":"s", "state":"early"|"answered"|"confirmed"}|null,
 *       "redis":{"value":"s", "backend":N, "state":"s", "instance":"s", "ttl_s":N}|null}
 *   local: the dataplane's table (null: not there); redis: the key <prefix>dlg:<Call-ID>
 *   (null: none). A half that could not be asked has "local_error" or "redis_error" instead
 *   (and no "hash" without a dataplane); "redis_note" says why a Call-ID is never in Redis.
 *
 * {"cmd":"stats"}
 *   -> {"ok":true, "epoch":T, "counters":{"<name>":N, ...}}   every counter of slb_stats.h,
 *      summed over lcores, by the names of its counter table
 *
 * {"cmd":"reload"}
 *   -> {"ok":true, "table_version":N} or {"ok":false, "error":"file:line: reason"}
 *      (the file is checked first; a refused file leaves everything as it runs)
 */

#define SLB_MGMT_MAX 262144

#endif /* SLB_MGMT_H */
