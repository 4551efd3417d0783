/* ctl_metrics.c: counters, backends and probes in the Prometheus text format, over microhttpd. */
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "ctl_log.h"
#include "ctl_metrics.h"

struct ctl_metrics {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text; /* the snapshot, under lock */
	size_t len;
};

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct ctl_metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;
	unsigned int status = MHD_HTTP_OK;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics") != 0) {
		static const char msg[] = "siplb-control: see /metrics\n";

		status = MHD_HTTP_NOT_FOUND;
		r = MHD_create_response_from_buffer(
			sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
	} else {
		pthread_mutex_lock(&m->lock);
		r = MHD_create_response_from_buffer(
			m->len, m->text != NULL ? m->text : (void *)"", MHD_RESPMEM_MUST_COPY);
		pthread_mutex_unlock(&m->lock);
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

struct ctl_metrics *
ctl_metrics_start(const char *addr)
{
	struct addrinfo hints, *ai = NULL;
	struct ctl_metrics *m;
	char host[SLB_CFG_ADDR_LEN], *colon, *h;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	int rc;

	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (colon == NULL) {
		CTL_ERR("control.metrics: '%s': expected host:port", addr);
		return NULL;
	}
	*colon = '\0';
	h = host;
	if (h[0] == '[' && colon > h && colon[-1] == ']') {
		h++;
		colon[-1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(h[0] != '\0' ? h : NULL, colon + 1, &hints, &ai);
	if (rc != 0) {
		CTL_ERR("control.metrics: '%s': %s", addr, gai_strerror(rc));
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		freeaddrinfo(ai);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)10, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (m->d == NULL) {
		CTL_ERR("control.metrics: cannot serve on %s (address in use?)", addr);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	CTL_INFO("metrics on http://%s/metrics", addr);
	return m;
}

/* A label value: backslash, double quote and line feed escaped. */
static void
label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
be_labels(FILE *f, const struct ctl_be *be)
{
	fprintf(f, "{id=\"%u\",name=\"", be->id);
	label(f, be->name);
	fputs("\"", f);
}

static void
render_counters(const struct ctl *c, FILE *f)
{
	const struct slb_stats_ctr *s = &c->sum;
	char name[96];
	unsigned int i;

	for (i = 0; i < SLB_STATS_NB_FIELDS; i++) {
		snprintf(name, sizeof(name), "siplb_%s_total", slb_stats_fields[i].name);
		head(f, name, "counter", slb_stats_fields[i].help);
		fprintf(f, "%s %llu\n", name,
			(unsigned long long)*(
				const uint64_t *)((const char *)s + slb_stats_fields[i].off));
	}
	head(f, "siplb_drop_total", "counter", "packets dropped outside the SIP core, by reason");
	for (i = 0; i < SLB_STATS_DROP__COUNT; i++)
		fprintf(f, "siplb_drop_total{reason=\"%s\"} %llu\n", slb_stats_drop_name(i),
			(unsigned long long)s->drop[i]);
	head(f, "siplb_fwd_drop_total", "counter",
		"SIP messages the forwarding core dropped, "
		"by reason");
	for (i = 0; i < SLB_STATS_FWD_DROP_NAMED; i++)
		fprintf(f, "siplb_fwd_drop_total{reason=\"%s\"} %llu\n", slb_stats_fwd_drop_name(i),
			(unsigned long long)s->fwd_drop[i]);
}

static void
gauge(FILE *f, const char *name, const char *help, double v)
{
	head(f, name, "gauge", help);
	fprintf(f, "%s %.6g\n", name, v);
}

static void
counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	head(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* The Redis link and the mirror (the figures of siplbctl dialogs), as of the last sample. */
static void
render_redis(const struct ctl *c, FILE *f)
{
	static const char *const states[] = {[SLB_CTL_DLG_EARLY] = "early",
		[SLB_CTL_DLG_CONFIRMED] = "confirmed",
		[SLB_CTL_DLG_ANSWERED] = "answered"};
	const struct ctl_redis_stats *st = &c->rs;
	unsigned int i, o;

	gauge(f, "siplb_redis_up", "1 when the writer is connected to the Redis master",
		st->up ? 1 : 0);
	head(f, "siplb_redis_info", "gauge", "this instance's name and the master it writes to");
	fputs("siplb_redis_info{instance=\"", f);
	label(f, st->instance);
	fputs("\",master=\"", f);
	label(f, st->master);
	fputs("\"} 1\n", f);
	gauge(f, "siplb_redis_subscriber_up",
		"1 when other instances' events are received (pub/sub)", st->sub_up ? 1 : 0);
	counter(f, "siplb_redis_events_written_total", "dialog events written to Redis",
		st->written);
	counter(f, "siplb_redis_events_lost_total",
		"dialog events that found the buffer full (Redis down or slow)", st->lost);
	gauge(f, "siplb_redis_events_buffered", "dialog events waiting for Redis", st->buffered);
	gauge(f, "siplb_redis_buffer_size", "redis.buffer", st->buffer_size);
	counter(f, "siplb_redis_errors_total", "writes Redis refused", st->errors);
	counter(f, "siplb_redis_events_skipped_total",
		"dialog events not written: Call-ID cut or unprintable", st->skipped);
	head(f, "siplb_redis_lag_seconds", "gauge",
		"from the dataplane's event to Redis's reply, over the last second with writes");
	if (st->lag_n > 0) {
		fprintf(f, "siplb_redis_lag_seconds{quantile=\"0.5\"} %.6f\n",
			st->lag_p50_ms / 1e3);
		fprintf(f, "siplb_redis_lag_seconds{quantile=\"0.99\"} %.6f\n",
			st->lag_p99_ms / 1e3);
	}
	counter(f, "siplb_redis_refreshed_total", "TTLs refreshed", st->refreshed);
	counter(f, "siplb_redis_restored_total", "refreshed keys found gone and written again",
		st->restored);
	counter(f, "siplb_redis_resyncs_total",
		"full writes of our live dialogs after Redis came back", st->resyncs);
	counter(f, "siplb_redis_resync_dialogs_total", "dialogs those full writes wrote",
		st->resync_written);
	counter(f, "siplb_redis_failovers_total", "times the master moved", st->failovers);
	counter(f, "siplb_redis_published_total", "events published to other instances",
		st->published);
	counter(f, "siplb_redis_remote_events_total", "events received from other instances",
		st->remote_lines);
	counter(f, "siplb_redis_remote_bad_total", "other instances' lines or messages refused",
		st->remote_bad);
	counter(f, "siplb_redis_pins_sent_total", "dialogs pinned or unpinned in the dataplane",
		c->dlg.pins_sent);
	counter(f, "siplb_redis_pins_dropped_total", "pins that found no room or no dataplane",
		st->pins_dropped);
	head(f, "siplb_redis_mirror_dialogs", "gauge",
		"dialogs control keeps for Redis, by state and owner");
	for (o = 0; o < 2; o++)
		for (i = 1; i < 4; i++)
			fprintf(f, "siplb_redis_mirror_dialogs{state=\"%s\",owner=\"%s\"} %u\n",
				states[i], o == 0 ? "self" : "other", st->mirror[o][i]);
	counter(f, "siplb_redis_mirror_full_total",
		"dialogs written but not mirrored: dialog.capacity reached", st->mirror_full);
	if (st->load_done) {
		gauge(f, "siplb_redis_loaded_dialogs",
			"dialogs read from Redis at the last attachment to a dataplane",
			st->loaded);
		gauge(f, "siplb_redis_load_seconds", "how long that load took", st->load_ms / 1e3);
	}
}

void
ctl_metrics_render(const struct ctl *c, FILE *f)
{
	bool up = c->chan.attached && c->sum_valid;
	uint32_t i;

	head(f, "siplb_dataplane_up", "gauge",
		"1 when siplb-control is attached to a running "
		"siplb-dataplane");
	fprintf(f, "siplb_dataplane_up %d\n", up ? 1 : 0);
	if (up)
		render_counters(c, f);

	head(f, "siplb_backend_up", "gauge",
		"1 when the backend takes new calls (control's "
		"state up)");
	for (i = 0; i < c->nb_be; i++) {
		fputs("siplb_backend_up", f);
		be_labels(f, &c->be[i]);
		fprintf(f, "} %d\n", c->be[i].h.state == CTL_UP ? 1 : 0);
	}
	if (up) {
		head(f, "siplb_backend_messages_total", "counter", "requests sent to the backend");
		for (i = 0; i < c->nb_be; i++) {
			fputs("siplb_backend_messages_total", f);
			be_labels(f, &c->be[i]);
			fprintf(f, "} %llu\n",
				(unsigned long long)c->sum.be_fwd[c->be[i].id % SLB_STATS_BE_IDS]);
		}
	}
	head(f, "siplb_backend_probe_rtt_seconds", "gauge",
		"round-trip time of the last good "
		"OPTIONS probe");
	for (i = 0; i < c->nb_be; i++) {
		if (c->be[i].h.rtt_ms < 0)
			continue;
		fputs("siplb_backend_probe_rtt_seconds", f);
		be_labels(f, &c->be[i]);
		fprintf(f, "} %.6f\n", c->be[i].h.rtt_ms / 1000.0);
	}
	head(f, "siplb_backend_probes_total", "counter", "OPTIONS probes by result");
	for (i = 0; i < c->nb_be; i++) {
		fputs("siplb_backend_probes_total", f);
		be_labels(f, &c->be[i]);
		fprintf(f, ",result=\"ok\"} %llu\n", (unsigned long long)c->be[i].h.probes_ok);
		fputs("siplb_backend_probes_total", f);
		be_labels(f, &c->be[i]);
		fprintf(f, ",result=\"failed\"} %llu\n",
			(unsigned long long)c->be[i].h.probes_failed);
	}
	if (c->redis != NULL)
		render_redis(c, f);
}

void
ctl_metrics_publish(struct ctl_metrics *m, const struct ctl *c)
{
	char *text = NULL, *old;
	size_t len = 0;
	FILE *f;

	if (m == NULL)
		return;
	f = open_memstream(&text, &len);
	if (f == NULL)
		return;
	ctl_metrics_render(c, f);
	if (fclose(f) != 0) {
		free(text);
		return;
	}
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	free(old);
}

void
ctl_metrics_stop(struct ctl_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m);
}
