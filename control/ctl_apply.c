/* ctl_apply.c: control's backend list and the one path that gives it to the dataplane. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "ctl_apply.h"
#include "ctl_log.h"

#define REPLY_WAIT_MS 3000 /* a REQ_BACKENDS unanswered this long is given up (then resent) */

static uint64_t
first_probe(const struct ctl *c, uint32_t idx, uint32_t n, uint64_t now_us)
{
	return now_us + (n > 0 ? c->hc.interval_us * idx / n : 0);
}

static void save_disabled(const struct ctl *c);

static void
changed(struct ctl *c)
{
	c->ap.want++;
}

void
ctl_apply_from_cfg(struct ctl *c, const struct slb_cfg *cfg, uint64_t now_us)
{
	static struct ctl_be old[SLB_CTL_MAX_BE];
	uint32_t nb_old = c->nb_be, i, j;

	memcpy(old, c->be, sizeof(old[0]) * nb_old);
	c->nb_be = 0;
	for (i = 0; i < cfg->nb_be && i < SLB_CTL_MAX_BE; i++) {
		const struct slb_be *f = &cfg->be[i];
		struct ctl_be *be = &c->be[c->nb_be++];
		const struct ctl_be *was = NULL;
		enum ctl_admin admin = f->state == SLB_BE_DRAIN ? CTL_ADMIN_DRAIN
				       : f->state == SLB_BE_UP	? CTL_ADMIN_NONE
								: CTL_ADMIN_DISABLE;

		for (j = 0; j < nb_old; j++)
			if (old[j].id == f->id)
				was = &old[j];
		if (was != NULL && was->ip == f->ip && was->port == f->port) {
			*be = *was;
			if (admin != CTL_ADMIN_NONE)
				ctl_health_set_admin(&be->h, admin, now_us);
		} else {
			memset(be, 0, sizeof(*be));
			ctl_health_init(
				&be->h, admin, true, now_us, first_probe(c, i, cfg->nb_be, now_us));
		}
		be->id = f->id;
		be->ip = f->ip;
		be->port = f->port;
		be->weight = f->weight;
		snprintf(be->name, sizeof(be->name), "%s", f->name);
	}
	c->ap.have_list = true;
	ctl_apply_refresh(c);
	changed(c);
	/* at start the file is read first (adopt), so only a reload rewrites it here */
	if (nb_old > 0)
		save_disabled(c);
}

/*
 * The dataplane's states cannot tell a disabled backend from one down by probe (both FAILED or
 * both DOWN). So that a disable survives a restart of control, the ids disabled are kept in a
 * file beside the socket (its directory is control's alone), rewritten at each change; when
 * control takes the running set, a backend in that ambiguous state and in the file is disabled.
 * The file can only name which of the two an out-of-rotation backend is: it never takes one out.
 */
static void
save_disabled(const struct ctl *c)
{
	char tmp[sizeof(c->disabled_path) + 8];
	uint32_t i;
	FILE *f;

	if (c->disabled_path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->disabled_path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (i = 0; i < c->nb_be; i++)
		if (c->be[i].h.admin == CTL_ADMIN_DISABLE)
			fprintf(f, "%u\n", c->be[i].id);
	if (fclose(f) != 0 || rename(tmp, c->disabled_path) != 0) {
		CTL_WARN("%s: %s: a disable may not survive a restart of control", c->disabled_path,
			strerror(errno));
		unlink(tmp);
	}
}

static bool
was_disabled(const struct ctl *c, uint32_t id)
{
	unsigned int v;
	bool found = false;
	FILE *f;

	if (c->disabled_path[0] == '\0' || (f = fopen(c->disabled_path, "r")) == NULL)
		return false;
	while (!found && fscanf(f, "%u", &v) == 1)
		found = v == id;
	fclose(f);
	return found;
}

/* Control restarted: membership, weights and states are what the dataplane runs. */
static void
adopt(struct ctl *c, const struct slb_ctl_be_set *set, uint64_t now_us)
{
	uint32_t i;

	c->nb_be = 0;
	for (i = 0; i < set->nb_be; i++) {
		const struct slb_ctl_be *d = &set->be[i];
		struct ctl_be *be = &c->be[c->nb_be++];
		enum ctl_admin admin;
		bool alive;

		memset(be, 0, sizeof(*be));
		be->id = d->id;
		be->ip = d->ip;
		be->port = d->port;
		be->weight = d->weight;
		memcpy(be->name, d->name, sizeof(be->name));
		be->name[sizeof(be->name) - 1] = '\0';
		ctl_health_from_dp(d->state, c->hc.dead_rehash, &admin, &alive);
		if (!alive && admin == CTL_ADMIN_NONE && was_disabled(c, d->id)) {
			admin = CTL_ADMIN_DISABLE;
			alive = true;
		}
		ctl_health_init(
			&be->h, admin, alive, now_us, first_probe(c, i, set->nb_be, now_us));
		/* down by probe: it must earn rise good probes, as if fall had just failed */
		if (!alive)
			be->h.fails_in_row = c->hc.fall;
		be->dp_state = d->state;
	}
	c->ap.table_version = set->gen;
	c->ap.have_list = true;
	save_disabled(c);
	CTL_INFO("took the running set from the dataplane: %u backends, table %llu", c->nb_be,
		(unsigned long long)set->gen);
}

void
ctl_apply_attached(struct ctl *c, uint64_t now_us)
{
	static struct slb_ctl_be_set set;
	uint32_t i;

	c->ap.in_flight = false;
	for (i = 0; i < c->nb_be; i++)
		ctl_health_forget_probe(&c->be[i].h, now_us);
	if (ctl_chan_read_cur(&c->chan, &set) < 0) {
		CTL_WARN("cannot read the dataplane's running set: giving it control's");
		changed(c);
		return;
	}
	c->ap.table_version = set.gen;
	if (c->chan.nb_attach == 1 && set.nb_be > 0) {
		adopt(c, &set, now_us);
		ctl_apply_refresh(c);
		c->ap.done = c->ap.sent = c->ap.want;
		/* a state the map reads back differently (see ctl_health_from_dp): send ours */
		for (i = 0; i < set.nb_be; i++)
			if (c->be[i].dp_state != set.be[i].state) {
				changed(c);
				break;
			}
		return;
	}
	changed(c);
}

void
ctl_apply_detached(struct ctl *c, uint64_t now_us)
{
	uint32_t i;

	c->ap.in_flight = false;
	for (i = 0; i < c->nb_be; i++)
		ctl_health_forget_probe(&c->be[i].h, now_us);
	/* a dataplane that comes back (restarted) must get control's set */
	c->ap.sent = c->ap.done;
}

void
ctl_apply_refresh(struct ctl *c)
{
	uint32_t i;

	for (i = 0; i < c->nb_be; i++) {
		struct ctl_be *be = &c->be[i];
		uint8_t dp = (uint8_t)ctl_health_dp_state(be->h.state, c->hc.dead_rehash);

		if (dp != be->dp_state) {
			CTL_INFO("backend %u (%s): %s, dataplane state %s", be->id, be->name,
				ctl_state_name(be->h.state), ctl_dp_state_name(dp));
			be->dp_state = dp;
			changed(c);
		}
	}
}

static void
send_set(struct ctl *c, uint64_t now_ms)
{
	struct slb_ctl_be_set *st = c->chan.stage;
	struct slb_ctl_req req;
	uint64_t gen;
	uint32_t i;
	int rc;

	gen = (c->ap.table_version > c->ap.gen ? c->ap.table_version : c->ap.gen) + 1;
	/*
	 * The main lcore checks the stage's gen against the request's before and after it copies
	 * the set: gen 0 first, so that a copy still running from an older request (given up on
	 * after REPLY_WAIT_MS) sees it change; the set; then the new gen, last.
	 */
	__atomic_store_n(&st->seq, st->seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&st->gen, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st->nb_be = c->nb_be;
	for (i = 0; i < c->nb_be; i++) {
		struct slb_ctl_be *d = &st->be[i];
		const struct ctl_be *be = &c->be[i];

		memset(d, 0, sizeof(*d));
		d->id = be->id;
		d->weight = be->weight;
		d->ip = be->ip;
		d->port = be->port;
		d->state = be->dp_state;
		memcpy(d->name, be->name, sizeof(d->name));
	}
	__atomic_store_n(&st->gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&st->seq, st->seq + 1, __ATOMIC_RELEASE);

	memset(&req, 0, sizeof(req));
	req.type = SLB_CTL_REQ_BACKENDS;
	req.req_id = ++c->next_req_id;
	req.gen = gen;
	rc = ctl_chan_send(&c->chan, &req);
	if (rc < 0) {
		CTL_WARN("backend set %llu: request ring: %s; trying again",
			(unsigned long long)gen, strerror(-rc));
		return;
	}
	c->ap.in_flight = true;
	c->ap.req_id = req.req_id;
	c->ap.gen = gen;
	c->ap.sent = c->ap.want;
	c->ap.sent_ms = now_ms;
	CTL_DEBUG("backend set %llu sent (%u backends)", (unsigned long long)gen, c->nb_be);
}

void
ctl_apply_run(struct ctl *c, uint64_t now_ms)
{
	if (!c->chan.attached || !c->ap.have_list)
		return;
	if (c->ap.in_flight) {
		if (now_ms - c->ap.sent_ms < REPLY_WAIT_MS)
			return;
		CTL_WARN("backend set %llu: no answer from the dataplane in %u ms; sending again",
			(unsigned long long)c->ap.gen, REPLY_WAIT_MS);
		c->ap.in_flight = false;
		c->ap.sent = c->ap.done;
		if (c->ap.sent == c->ap.want)
			changed(c);
	}
	if (c->ap.want != c->ap.sent)
		send_set(c, now_ms);
}

/* Whether the dataplane's running set is control's list (membership, addresses, weights, states).
 */
static bool
runs_our_set(struct ctl *c)
{
	static struct slb_ctl_be_set cur;
	uint32_t i, j;

	if (ctl_chan_read_cur(&c->chan, &cur) < 0 || cur.nb_be != c->nb_be)
		return false;
	for (i = 0; i < c->nb_be; i++) {
		const struct ctl_be *be = &c->be[i];

		for (j = 0; j < cur.nb_be; j++)
			if (cur.be[j].id == be->id)
				break;
		if (j == cur.nb_be || cur.be[j].ip != be->ip || cur.be[j].port != be->port ||
			cur.be[j].weight != be->weight || cur.be[j].state != be->dp_state)
			return false;
	}
	return true;
}

void
ctl_apply_on_event(struct ctl *c, const struct slb_ctl_evt *evt)
{
	if (evt->type == SLB_CTL_EVT_TABLE) {
		if (evt->gen > c->ap.table_version)
			c->ap.table_version = evt->gen;
		/*
		 * A table control did not ask for (SIGHUP to the dataplane): control owns the set.
		 * Judged by content, not by gen, so that whatever numbering the dataplane uses
		 * cannot make control resend in a loop.
		 */
		if (!c->ap.in_flight && c->ap.want == c->ap.sent && !runs_our_set(c)) {
			CTL_WARN(
				"the dataplane runs table %llu, which is not control's set (SIGHUP "
				"to the dataplane?): giving it control's set again; reload "
				"siplb-control instead",
				(unsigned long long)evt->gen);
			changed(c);
		}
		return;
	}
	if (evt->type != SLB_CTL_EVT_REPLY || !c->ap.in_flight || evt->req_id != c->ap.req_id)
		return;
	c->ap.in_flight = false;
	if (evt->result == 0) {
		c->ap.done = c->ap.sent;
		if (evt->gen > c->ap.table_version)
			c->ap.table_version = evt->gen;
		CTL_INFO("the dataplane runs backend set %llu", (unsigned long long)evt->gen);
		return;
	}
	c->ap.refused = c->ap.sent;
	snprintf(c->ap.refused_why, sizeof(c->ap.refused_why),
		"the dataplane refused backend set %llu: %s", (unsigned long long)c->ap.gen,
		evt->result == -EINVAL ? "invalid set (ids, addresses or states)"
				       : strerror(-evt->result));
	CTL_ERR("%s", c->ap.refused_why);
}

struct ctl_be *
ctl_be_by_id(struct ctl *c, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < c->nb_be; i++)
		if (c->be[i].id == id)
			return &c->be[i];
	return NULL;
}

struct ctl_be *
ctl_be_by_name(struct ctl *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_be; i++)
		if (strcmp(c->be[i].name, name) == 0)
			return &c->be[i];
	return NULL;
}

struct ctl_be *
ctl_be_by_addr(struct ctl *c, uint32_t ip, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < c->nb_be; i++)
		if (c->be[i].ip == ip && c->be[i].port == port)
			return &c->be[i];
	return NULL;
}

/* A new backend must be reached through a port that serves backends, as the file's are. */
static int
check_route(const struct ctl *c, uint32_t ip, char *err, size_t errlen)
{
	static struct slb_addr_tbl t;
	uint32_t nh;
	int pidx;

	slb_addr_build(&t, c->cfg);
	if (slb_addr_local(&t, ip) >= 0) {
		snprintf(err, errlen, "the address is one of the balancer's own");
		return -1;
	}
	pidx = slb_addr_route(&t, ip, SLB_ROLE_BACKEND, &nh);
	if (pidx < 0 || (c->cfg->port[pidx].role & SLB_ROLE_BACKEND) == 0) {
		snprintf(err, errlen, "the address is reached through no backend-side port");
		return -1;
	}
	return 0;
}

int
ctl_be_add(struct ctl *c, uint32_t id, uint32_t ip, uint32_t port, uint32_t weight,
	const char *name, uint64_t now_us, char *err, size_t errlen)
{
	struct ctl_be *be;

	if (id >= SLB_BE_ID_MAX)
		return snprintf(err, errlen, "id %u: ids are 0..%u", id, SLB_BE_ID_MAX - 1), -1;
	if (port == 0 || port > 65535)
		return snprintf(err, errlen, "port %u: 1..65535", port), -1;
	if (weight > 65535)
		return snprintf(err, errlen, "weight %u: 0..65535", weight), -1;
	if (name[0] == '\0' || strlen(name) >= SLB_CTL_NAME_LEN)
		return snprintf(err, errlen, "name: 1..%d characters", SLB_CTL_NAME_LEN - 1), -1;
	if (ctl_be_by_id(c, id) != NULL)
		return snprintf(err, errlen, "backend %u exists", id), -1;
	if (ctl_be_by_name(c, name) != NULL)
		return snprintf(err, errlen, "a backend is named '%s'", name), -1;
	if (ctl_be_by_addr(c, ip, (uint16_t)port) != NULL)
		return snprintf(err, errlen, "a backend has that address and port"), -1;
	if (c->nb_be >= SLB_CTL_MAX_BE)
		return snprintf(err, errlen, "%u backends already", SLB_CTL_MAX_BE), -1;
	if (check_route(c, ip, err, errlen) < 0)
		return -1;
	be = &c->be[c->nb_be++];
	memset(be, 0, sizeof(*be));
	be->id = (uint16_t)id;
	be->ip = ip;
	be->port = (uint16_t)port;
	be->weight = (uint16_t)weight;
	snprintf(be->name, sizeof(be->name), "%s", name);
	/* it takes calls at once; its first probe goes now and fall failures take it out */
	ctl_health_init(&be->h, CTL_ADMIN_NONE, true, now_us, now_us);
	be->dp_state = (uint8_t)ctl_health_dp_state(be->h.state, c->hc.dead_rehash);
	changed(c);
	return 0;
}

int
ctl_be_remove(struct ctl *c, struct ctl_be *be)
{
	uint32_t i = (uint32_t)(be - c->be);

	memmove(&c->be[i], &c->be[i + 1], sizeof(c->be[0]) * (c->nb_be - i - 1));
	c->nb_be--;
	save_disabled(c);
	changed(c);
	return 0;
}

void
ctl_be_set_admin(struct ctl *c, struct ctl_be *be, enum ctl_admin admin, uint64_t now_us)
{
	ctl_health_set_admin(&be->h, admin, now_us);
	save_disabled(c);
	ctl_apply_refresh(c);
	/* the same state again still answers with the running table: a set goes anyway */
	changed(c);
}

int
ctl_be_set_weight(struct ctl *c, struct ctl_be *be, uint32_t weight, char *err, size_t errlen)
{
	if (weight > 65535)
		return snprintf(err, errlen, "weight %u: 0..65535", weight), -1;
	be->weight = (uint16_t)weight;
	changed(c);
	return 0;
}
