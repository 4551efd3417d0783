/* test_ctl_redis_mirror.c: the mirror (bounds, removal, scans, rehash) and the owner rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ctl_redis_mirror.h"
#include "ctl_redis_rules.h"
#include "slb_test.h"

static const struct ctl_redis_ttl ttl = {.early_s = 190, .confirmed_s = 7210};

static int
put(struct ctl_redis_mirror *m, uint64_t hash, const char *cid, uint8_t state, uint8_t owner)
{
	return ctl_redis_mirror_put(m, hash, cid, strlen(cid), 1, state, owner, 0);
}

static void
test_full(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(100);
	char cid[32];
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 1; i <= 100; i++) {
		snprintf(cid, sizeof(cid), "c%llu", (unsigned long long)i);
		CU_ASSERT_EQUAL(put(m, i * 0x9e3779b97f4a7c15ull, cid, SLB_CTL_DLG_EARLY, 0), 0);
	}
	CU_ASSERT_EQUAL(m->count, 100);
	CU_ASSERT_EQUAL(put(m, 12345, "one-more", SLB_CTL_DLG_EARLY, 0), -ENOSPC);
	CU_ASSERT_EQUAL(m->full, 1);
	/* an update is no new entry: allowed when full */
	CU_ASSERT_EQUAL(put(m, 7 * 0x9e3779b97f4a7c15ull, "c7", SLB_CTL_DLG_CONFIRMED, 0), 1);
	CU_ASSERT_EQUAL(m->by[0][SLB_CTL_DLG_CONFIRMED], 1);
	CU_ASSERT_EQUAL(m->by[0][SLB_CTL_DLG_EARLY], 99);
	/* removing one makes room for one */
	CU_ASSERT_EQUAL(ctl_redis_mirror_del(m, 3 * 0x9e3779b97f4a7c15ull, NULL, NULL), 1);
	CU_ASSERT_EQUAL(put(m, 12345, "one-more", SLB_CTL_DLG_EARLY, 0), 0);
	CU_ASSERT_EQUAL(put(m, 54321, "and-another", SLB_CTL_DLG_EARLY, 0), -ENOSPC);
	CU_ASSERT_EQUAL(m->full, 2);
	/* a Call-ID we could not write is not kept either */
	CU_ASSERT_EQUAL(ctl_redis_mirror_del(m, 12345, NULL, NULL), 1);
	CU_ASSERT_EQUAL(put(m, 999, "has space", SLB_CTL_DLG_EARLY, 0), -EINVAL);
	ctl_redis_mirror_destroy(m);
}

static void
test_get_del(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	struct ctl_redis_dlg d, *g;
	char out[CTL_REDIS_CALLID_MAX];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(ctl_redis_mirror_put(m, 42, "abc@h", 5, 7, SLB_CTL_DLG_EARLY, 3, 99), 0);
	g = ctl_redis_mirror_get(m, 42);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_STRING_EQUAL(g->callid, "abc@h");
	CU_ASSERT_EQUAL(g->be_id, 7);
	CU_ASSERT_EQUAL(g->owner, 3);
	CU_ASSERT_EQUAL(g->refresh_s, 99);
	CU_ASSERT_PTR_NULL(ctl_redis_mirror_get(m, 43));
	CU_ASSERT_EQUAL(ctl_redis_mirror_del(m, 42, &d, out), 1);
	CU_ASSERT_EQUAL(d.len, 5);
	CU_ASSERT_NSTRING_EQUAL(out, "abc@h", 5);
	CU_ASSERT_PTR_EQUAL(d.callid, out);
	CU_ASSERT_EQUAL(d.be_id, 7);
	CU_ASSERT_EQUAL(ctl_redis_mirror_del(m, 42, &d, out), 0);
	CU_ASSERT_EQUAL(m->count, 0);
	CU_ASSERT_EQUAL(m->by[1][SLB_CTL_DLG_EARLY], 0);
	/* a hash of 0 is a dialog like any other (kept as 1, as the dataplane does) */
	CU_ASSERT_EQUAL(put(m, 0, "zero", SLB_CTL_DLG_EARLY, 0), 0);
	CU_ASSERT_PTR_NOT_NULL(ctl_redis_mirror_get(m, 0));
	CU_ASSERT_EQUAL(ctl_redis_mirror_del(m, 0, NULL, NULL), 1);
	ctl_redis_mirror_destroy(m);
}

/* Hashes that crowd a few home slots: long probe runs, removals in their middle. */
static uint64_t
crowded(uint32_t i)
{
	return ((uint64_t)(i % 5) << 20) | ((uint64_t)i << 40) | 1;
}

/* Random puts and dels against a plain array of what should be there. */
static void
test_churn(void)
{
	enum { N = 300, OPS = 100000 };
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(N);
	bool in[N] = {0};
	unsigned int seed = 99, op, i, live = 0;
	char cid[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (op = 0; op < OPS; op++) {
		i = (unsigned int)rand_r(&seed) % N;
		snprintf(cid, sizeof(cid), "call-%u", i);
		if (rand_r(&seed) % 2) {
			CU_ASSERT_EQUAL(
				put(m, crowded(i), cid, SLB_CTL_DLG_EARLY, 0), in[i] ? 1 : 0);
			live += !in[i];
			in[i] = true;
		} else {
			CU_ASSERT_EQUAL(
				ctl_redis_mirror_del(m, crowded(i), NULL, NULL), in[i] ? 1 : 0);
			live -= in[i];
			in[i] = false;
		}
	}
	CU_ASSERT_EQUAL(m->count, live);
	CU_ASSERT_EQUAL(m->by[0][SLB_CTL_DLG_EARLY], live);
	for (i = 0; i < N; i++) {
		struct ctl_redis_dlg *d = ctl_redis_mirror_get(m, crowded(i));

		CU_ASSERT_EQUAL(d != NULL, in[i]);
		if (d != NULL) {
			snprintf(cid, sizeof(cid), "call-%u", i);
			CU_ASSERT_STRING_EQUAL(d->callid, cid);
		}
	}
	ctl_redis_mirror_destroy(m);
}

static void
count_visit(void *arg, struct ctl_redis_dlg *d)
{
	unsigned int *seen = arg;

	seen[d->hash >> 40]++;
}

static void
test_scan(void)
{
	enum { N = 200 };
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(N);
	unsigned int seen[N] = {0}, i, slices = 0;
	uint32_t cursor = 0;
	char cid[32];
	bool end = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < N; i++) {
		snprintf(cid, sizeof(cid), "s%u", i);
		put(m, crowded(i), cid, SLB_CTL_DLG_CONFIRMED, 0);
	}
	while (!end) {
		end = ctl_redis_mirror_scan(m, &cursor, 100, count_visit, seen);
		slices++;
	}
	CU_ASSERT_EQUAL(cursor, 0);
	CU_ASSERT_EQUAL(slices, (m->mask + 1) / 100 + 1); /* 1024 slots in slices of 100 */
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	ctl_redis_mirror_destroy(m);
}

static uint64_t
other_hash(void *arg, const char *callid, size_t n)
{
	(void)arg;
	return 1000003ull * (uint64_t)atoi(callid + 1) + n;
}

static void
test_rehash(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(50);
	char cid[32];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 50; i++) {
		snprintf(cid, sizeof(cid), "r%u", i);
		put(m, crowded(i), cid, i % 2 ? SLB_CTL_DLG_EARLY : SLB_CTL_DLG_CONFIRMED, i % 3);
	}
	CU_ASSERT_EQUAL(ctl_redis_mirror_rehash(m, other_hash, NULL), 0);
	CU_ASSERT_EQUAL(m->count, 50);
	CU_ASSERT_EQUAL(m->by[0][SLB_CTL_DLG_EARLY] + m->by[1][SLB_CTL_DLG_EARLY], 25);
	for (i = 0; i < 50; i++) {
		struct ctl_redis_dlg *d;

		snprintf(cid, sizeof(cid), "r%u", i);
		d = ctl_redis_mirror_get(m, other_hash(NULL, cid, strlen(cid)));
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_STRING_EQUAL(d->callid, cid);
		CU_ASSERT_EQUAL(d->owner, i % 3);
	}
	ctl_redis_mirror_destroy(m);
}

static void
test_owners(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	char name[32];
	uint8_t a, b, last = 0;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	a = ctl_redis_mirror_owner(m, "lb-b", 4);
	b = ctl_redis_mirror_owner(m, "lb-c", 4);
	CU_ASSERT(a != CTL_REDIS_OWNER_SELF && b != CTL_REDIS_OWNER_SELF && a != b);
	CU_ASSERT_EQUAL(ctl_redis_mirror_owner(m, "lb-b", 4), a);
	CU_ASSERT_STRING_EQUAL(ctl_redis_mirror_owner_name(m, b), "lb-c");
	CU_ASSERT_STRING_EQUAL(ctl_redis_mirror_owner_name(m, CTL_REDIS_OWNER_SELF), "");
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		last = ctl_redis_mirror_owner(m, name, strlen(name));
		CU_ASSERT(last != CTL_REDIS_OWNER_SELF);
	}
	/* past the table, every new name shares the last index */
	CU_ASSERT_EQUAL(last, CTL_REDIS_OWNERS - 1);
	CU_ASSERT_STRING_EQUAL(ctl_redis_mirror_owner_name(m, last), "others");
	CU_ASSERT_EQUAL(ctl_redis_mirror_owner(m, "lb-c", 4), b);
	ctl_redis_mirror_destroy(m);
}

/* ---- the owner rules ---- */

static struct slb_ctl_evt
evt(uint16_t type, uint64_t hash, const char *cid, uint16_t be)
{
	struct slb_ctl_evt e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.callid_hash = hash;
	e.be_id = be;
	e.tsc = 777;
	e.callid_len = (uint16_t)strlen(cid);
	memcpy(e.callid, cid, e.callid_len);
	return e;
}

static struct slb_ctl_evt
expired(const uint64_t *h, unsigned int n)
{
	struct slb_ctl_evt e;

	memset(&e, 0, sizeof(e));
	e.type = SLB_CTL_EVT_DLG_EXPIRED;
	e.be_id = 0xffff;
	e.callid_len = (uint16_t)(8 * n);
	memcpy(e.callid, h, 8 * n);
	return e;
}

static void
test_rules_local(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	struct ctl_redis_rule_stats st = {0};
	struct ctl_redis_op op;
	struct ctl_redis_dlg *d;
	struct slb_ctl_evt e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	e = evt(SLB_CTL_EVT_DLG_CREATED, 11, "a@h", 2);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1000, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_SET);
	CU_ASSERT_EQUAL(op.pub, 'c');
	CU_ASSERT_EQUAL(op.state, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(op.be_id, 2);
	CU_ASSERT_EQUAL(op.tsc, 777);
	CU_ASSERT_NSTRING_EQUAL(op.callid, "a@h", 3);
	d = ctl_redis_mirror_get(m, 11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->owner, CTL_REDIS_OWNER_SELF);
	CU_ASSERT_EQUAL(d->refresh_s, 1000 + 190 / 3);

	e = evt(SLB_CTL_EVT_DLG_CONFIRMED, 11, "a@h", 2);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1001, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_SET);
	CU_ASSERT_EQUAL(op.pub, 'u');
	CU_ASSERT_EQUAL(op.state, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(ctl_redis_ttl_of(&ttl, op.state), 7210);
	CU_ASSERT_EQUAL(ctl_redis_mirror_get(m, 11)->refresh_s, 1001 + 7210 / 3);

	/* the end says the state it had, for the peers' lines */
	e = evt(SLB_CTL_EVT_DLG_ENDED, 11, "a@h", 2);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1002, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_DEL);
	CU_ASSERT_EQUAL(op.pub, 'e');
	CU_ASSERT_EQUAL(op.state, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_PTR_NULL(ctl_redis_mirror_get(m, 11));

	/* an end of a dialog the mirror never had: deleted all the same */
	e = evt(SLB_CTL_EVT_DLG_ENDED, 12, "b@h", 3);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1002, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_DEL);
	CU_ASSERT_EQUAL(op.state, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(st.skipped, 0);
	ctl_redis_mirror_destroy(m);
}

static void
test_rules_skipped(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	struct ctl_redis_rule_stats st = {0};
	struct ctl_redis_op op;
	struct slb_ctl_evt e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* a Call-ID at the maximum may have been cut: its key would name another dialog */
	e = evt(SLB_CTL_EVT_DLG_CREATED, 5, "x", 1);
	memset(e.callid, 'y', SLB_CTL_CALLID_MAX);
	e.callid_len = SLB_CTL_CALLID_MAX;
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1, &op, &st), 0);
	e = evt(SLB_CTL_EVT_DLG_CREATED, 6, "with space", 1);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1, &op, &st), 0);
	e = evt(SLB_CTL_EVT_DLG_CREATED, 7, "ok@h", 0xffff);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1, &op, &st), 0);
	e = evt(SLB_CTL_EVT_PROBE_REPLY, 8, "ok@h", 1);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1, &op, &st), 0);
	e = evt(SLB_CTL_EVT_DLG_CREATED, 9, "", 1);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 1, &op, &st), 0);
	CU_ASSERT_EQUAL(st.skipped, 5);
	CU_ASSERT_EQUAL(m->count, 0);
	ctl_redis_mirror_destroy(m);
}

static void
test_rules_expired(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	struct ctl_redis_rule_stats st = {0};
	struct ctl_redis_op ops[16];
	struct slb_ctl_evt e;
	uint64_t h[3] = {21, 22, 23};

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ctl_redis_mirror_put(m, 21, "mine@h", 6, 4, SLB_CTL_DLG_CONFIRMED, CTL_REDIS_OWNER_SELF, 0);
	ctl_redis_mirror_put(m, 22, "theirs@h", 8, 5, SLB_CTL_DLG_CONFIRMED,
		ctl_redis_mirror_owner(m, "lb-b", 4), 0);
	e = expired(h, 3);
	/* ours is deleted (not published); theirs forgotten only: the call may run through them */
	CU_ASSERT_EQUAL_FATAL(ctl_redis_rule_expired(m, &e, ops, &st), 1);
	CU_ASSERT_EQUAL(ops[0].kind, CTL_REDIS_OP_DEL);
	CU_ASSERT_EQUAL(ops[0].pub, 0);
	CU_ASSERT_EQUAL(ops[0].be_id, 4);
	CU_ASSERT_EQUAL(ops[0].len, 6);
	CU_ASSERT_NSTRING_EQUAL(ops[0].callid, "mine@h", 6);
	CU_ASSERT_EQUAL(st.expired_unknown, 1);
	CU_ASSERT_EQUAL(m->count, 0);
	ctl_redis_mirror_destroy(m);
}

static struct ctl_redis_line
line(char op, const char *cid, uint16_t be, uint8_t state)
{
	struct ctl_redis_line l = {
		.op = op, .be_id = be, .state = state, .callid = cid, .len = strlen(cid)};

	return l;
}

static void
test_rules_remote(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(10);
	struct ctl_redis_rule_stats st = {0};
	struct ctl_redis_op op, ops[16];
	struct slb_ctl_dlg_op pin;
	struct ctl_redis_line l;
	struct slb_ctl_evt e;
	uint8_t b;
	uint64_t h = 31;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	b = ctl_redis_mirror_owner(m, "lb-b", 4);
	l = line('c', "r@h", 6, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(ctl_redis_rule_remote(m, &ttl, 31, &l, b, 5, &pin), 1);
	CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_PIN);
	CU_ASSERT_EQUAL(pin.callid_hash, 31);
	CU_ASSERT_EQUAL(pin.be_id, 6);
	CU_ASSERT_EQUAL(pin.state, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(ctl_redis_mirror_get(m, 31)->owner, b);
	CU_ASSERT_EQUAL(m->by[1][SLB_CTL_DLG_EARLY], 1);

	/* the 2xx came through us: ours now (we refresh it with the confirmed TTL) */
	e = evt(SLB_CTL_EVT_DLG_CONFIRMED, 31, "r@h", 6);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 6, &op, &st), 1);
	CU_ASSERT_EQUAL(ctl_redis_mirror_get(m, 31)->owner, CTL_REDIS_OWNER_SELF);
	CU_ASSERT_EQUAL(m->by[0][SLB_CTL_DLG_CONFIRMED], 1);
	CU_ASSERT_EQUAL(m->by[1][SLB_CTL_DLG_EARLY], 0);

	/* the peer reports the next event: theirs again, and our expiry leaves the key alone */
	l = line('u', "r@h", 6, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(ctl_redis_rule_remote(m, &ttl, 31, &l, b, 7, &pin), 1);
	CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_PIN);
	CU_ASSERT_EQUAL(pin.state, SLB_CTL_DLG_CONFIRMED);
	CU_ASSERT_EQUAL(ctl_redis_mirror_get(m, 31)->owner, b);
	e = expired(&h, 1);
	CU_ASSERT_EQUAL(ctl_redis_rule_expired(m, &e, ops, &st), 0);
	CU_ASSERT_EQUAL(m->count, 0);

	/* an end from a peer unpins, known or not */
	l = line('c', "s@h", 1, SLB_CTL_DLG_EARLY);
	ctl_redis_rule_remote(m, &ttl, 32, &l, b, 8, &pin);
	l = line('e', "s@h", 1, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(ctl_redis_rule_remote(m, &ttl, 32, &l, b, 9, &pin), 1);
	CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_UNPIN);
	CU_ASSERT_PTR_NULL(ctl_redis_mirror_get(m, 32));
	l = line('e', "never@h", 1, SLB_CTL_DLG_EARLY);
	CU_ASSERT_EQUAL(ctl_redis_rule_remote(m, &ttl, 33, &l, b, 9, &pin), 1);
	CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_UNPIN);

	/* a BYE through us ends a peer's dialog in Redis, and tells the peer */
	l = line('u', "t@h", 2, SLB_CTL_DLG_CONFIRMED);
	ctl_redis_rule_remote(m, &ttl, 34, &l, b, 10, &pin);
	e = evt(SLB_CTL_EVT_DLG_ENDED, 34, "t@h", 2);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 11, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_DEL);
	CU_ASSERT_EQUAL(op.pub, 'e');
	CU_ASSERT_EQUAL(m->count, 0);

	/* a new INVITE through us of a dialog a peer reported: ours */
	l = line('c', "u@h", 2, SLB_CTL_DLG_EARLY);
	ctl_redis_rule_remote(m, &ttl, 35, &l, b, 12, &pin);
	e = evt(SLB_CTL_EVT_DLG_CREATED, 35, "u@h", 2);
	ctl_redis_rule_local(m, &ttl, &e, 13, &op, &st);
	CU_ASSERT_EQUAL(ctl_redis_mirror_get(m, 35)->owner, CTL_REDIS_OWNER_SELF);
	ctl_redis_mirror_destroy(m);
}

static void
test_rules_loaded_and_full(void)
{
	struct ctl_redis_mirror *m = ctl_redis_mirror_create(2);
	struct ctl_redis_rule_stats st = {0};
	struct ctl_redis_val v = {
		.be_id = 9, .state = SLB_CTL_DLG_CONFIRMED, .owner = "lb-a", .owner_len = 4};
	struct slb_ctl_dlg_op pin;
	struct ctl_redis_op op;
	struct slb_ctl_evt e;
	uint32_t r;
	uint64_t h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* ours again: refreshed within a third of the TTL, not all at once */
	for (h = 100; h < 102; h++) {
		ctl_redis_rule_loaded(
			m, &ttl, h, "l@h", 3, &v, CTL_REDIS_OWNER_SELF, 50, &pin, &st);
		CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_PIN);
		CU_ASSERT_EQUAL(pin.be_id, 9);
		CU_ASSERT_EQUAL(pin.state, SLB_CTL_DLG_CONFIRMED);
		CU_ASSERT_EQUAL(pin.callid_hash, h);
		r = ctl_redis_mirror_get(m, h)->refresh_s;
		CU_ASSERT(r > 50 && r <= 50 + 1 + 7210 / 3);
	}
	CU_ASSERT(
		ctl_redis_mirror_get(m, 100)->refresh_s != ctl_redis_mirror_get(m, 101)->refresh_s);
	/* full: still pinned, counted */
	ctl_redis_rule_loaded(m, &ttl, 102, "l@h", 3, &v, 1, 50, &pin, &st);
	CU_ASSERT_EQUAL(pin.op, SLB_CTL_DLG_PIN);
	CU_ASSERT_EQUAL(st.full, 1);
	/* full: a new local dialog is still written (only its refresh is lost), counted */
	e = evt(SLB_CTL_EVT_DLG_CREATED, 103, "n@h", 1);
	CU_ASSERT_EQUAL(ctl_redis_rule_local(m, &ttl, &e, 60, &op, &st), 1);
	CU_ASSERT_EQUAL(op.kind, CTL_REDIS_OP_SET);
	CU_ASSERT_EQUAL(st.full, 2);
	CU_ASSERT_EQUAL(m->count, 2);
	ctl_redis_mirror_destroy(m);
}

static CU_TestInfo tests[] = {
	{"full", test_full},
	{"get and remove", test_get_del},
	{"churn in crowded slots", test_churn},
	{"scan visits each once", test_scan},
	{"rehash", test_rehash},
	{"owner names", test_owners},
	{"rules: our events", test_rules_local},
	{"rules: events not written", test_rules_skipped},
	{"rules: expiry deletes ours only", test_rules_expired},
	{"rules: other instances' lines", test_rules_remote},
	{"rules: loaded, and a full mirror", test_rules_loaded_and_full},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("ctl_redis_mirror", tests);
}
