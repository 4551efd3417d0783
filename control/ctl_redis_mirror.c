/* ctl_redis_mirror.c: the mirror's open-addressed table of dialogs and its interned owners. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ctl_redis_mirror.h"

#define MIN_SLOTS 1024u

static uint64_t
norm(uint64_t hash)
{
	return hash != 0 ? hash : 1;
}

static uint32_t
home(const struct ctl_redis_mirror *m, uint64_t hash)
{
	/* the dataplane's buckets take the high bits, its backend table the low: both are mixed */
	return (uint32_t)(hash >> 20) & m->mask;
}

/*
 * The slots, zeroed, on transparent huge pages where the kernel gives them: a table of a
 * million dialogs is 64 MB touched at random, and with 4 KB pages each insert of a load is a
 * page fault or a TLB miss (measured under virtualisation: a load of 100k dialogs 2.4 times
 * slower on a fresh table than on a warm one). Pages are still only taken as they are touched.
 */
static struct ctl_redis_dlg *
slots_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct ctl_redis_dlg), PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * sizeof(struct ctl_redis_dlg), MADV_HUGEPAGE);
	return p;
}

static void
slots_free(struct ctl_redis_dlg *s, size_t n)
{
	if (s != NULL)
		munmap(s, n * sizeof(*s));
}

struct ctl_redis_mirror *
ctl_redis_mirror_create(uint32_t capacity)
{
	struct ctl_redis_mirror *m;
	uint64_t slots = MIN_SLOTS;

	if (capacity == 0)
		return NULL;
	while (slots < 2ull * capacity)
		slots <<= 1;
	if (slots > (1ull << 31))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->slot = slots_alloc(slots);
	if (m->slot == NULL) {
		free(m);
		return NULL;
	}
	m->mask = (uint32_t)(slots - 1);
	m->capacity = capacity;
	m->nb_owners = 1;
	return m;
}

void
ctl_redis_mirror_destroy(struct ctl_redis_mirror *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	for (i = 0; i <= m->mask; i++)
		free(m->slot[i].callid);
	slots_free(m->slot, (size_t)m->mask + 1);
	free(m);
}

uint8_t
ctl_redis_mirror_owner(struct ctl_redis_mirror *m, const char *name, size_t n)
{
	uint32_t i;

	if (n > CTL_REDIS_NAME_MAX)
		n = CTL_REDIS_NAME_MAX;
	for (i = 1; i < m->nb_owners; i++)
		if (strlen(m->owners[i]) == n && memcmp(m->owners[i], name, n) == 0)
			return (uint8_t)i;
	if (m->nb_owners == CTL_REDIS_OWNERS - 1) {
		/* the last index stands for every name past the table */
		memcpy(m->owners[CTL_REDIS_OWNERS - 1], "others", 7);
		return CTL_REDIS_OWNERS - 1;
	}
	memcpy(m->owners[m->nb_owners], name, n);
	m->owners[m->nb_owners][n] = '\0';
	return (uint8_t)m->nb_owners++;
}

const char *
ctl_redis_mirror_owner_name(const struct ctl_redis_mirror *m, uint8_t owner)
{
	return owner == CTL_REDIS_OWNER_SELF ? "" : m->owners[owner];
}

static void
count(struct ctl_redis_mirror *m, const struct ctl_redis_dlg *d, int delta)
{
	m->by[d->owner != CTL_REDIS_OWNER_SELF][d->state & 3] += (uint32_t)delta;
}

/* The slot of hash, or the free slot where it would go. */
static uint32_t
find(const struct ctl_redis_mirror *m, uint64_t hash)
{
	uint32_t i = home(m, hash);

	while (m->slot[i].hash != 0 && m->slot[i].hash != hash)
		i = (i + 1) & m->mask;
	return i;
}

int
ctl_redis_mirror_put(struct ctl_redis_mirror *m, uint64_t hash, const char *callid, size_t n,
	uint16_t be_id, uint8_t state, uint8_t owner, uint32_t refresh_s)
{
	struct ctl_redis_dlg *d;
	char *copy;

	hash = norm(hash);
	d = &m->slot[find(m, hash)];
	if (d->hash == hash) {
		ctl_redis_mirror_set(m, d, be_id, state, owner);
		d->refresh_s = refresh_s;
		return 1;
	}
	if (!ctl_redis_callid_ok(callid, n))
		return -EINVAL;
	if (m->count >= m->capacity) {
		m->full++;
		return -ENOSPC;
	}
	copy = malloc(n + 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, callid, n);
	copy[n] = '\0';
	d->hash = hash;
	d->callid = copy;
	d->len = (uint8_t)n;
	d->be_id = be_id;
	d->state = state;
	d->owner = owner;
	d->refresh_s = refresh_s;
	m->count++;
	count(m, d, 1);
	return 0;
}

void
ctl_redis_mirror_prefetch(const struct ctl_redis_mirror *m, uint64_t hash)
{
	__builtin_prefetch(&m->slot[home(m, norm(hash))], 1);
}

struct ctl_redis_dlg *
ctl_redis_mirror_get(struct ctl_redis_mirror *m, uint64_t hash)
{
	struct ctl_redis_dlg *d;

	hash = norm(hash);
	d = &m->slot[find(m, hash)];
	return d->hash == hash ? d : NULL;
}

void
ctl_redis_mirror_set(struct ctl_redis_mirror *m, struct ctl_redis_dlg *d, uint16_t be_id,
	uint8_t state, uint8_t owner)
{
	count(m, d, -1);
	d->be_id = be_id;
	d->state = state;
	d->owner = owner;
	count(m, d, 1);
}

/* Whether slot j's entry, whose home is h, may move back to the hole at i (i is on its way). */
static bool
may_fill(uint32_t i, uint32_t j, uint32_t h, uint32_t mask)
{
	/* distances along the probe direction, modulo the table */
	return ((j - h) & mask) >= ((j - i) & mask);
}

int
ctl_redis_mirror_del(
	struct ctl_redis_mirror *m, uint64_t hash, struct ctl_redis_dlg *out, char *callid_out)
{
	uint32_t i, j;
	struct ctl_redis_dlg *d;

	hash = norm(hash);
	i = find(m, hash);
	d = &m->slot[i];
	if (d->hash != hash)
		return 0;
	count(m, d, -1);
	if (out != NULL) {
		*out = *d;
		out->callid = callid_out;
		if (callid_out != NULL)
			memcpy(callid_out, d->callid, d->len);
	}
	free(d->callid);
	m->count--;
	/* shift back the entries after the hole that belong before it: no tombstones */
	for (j = (i + 1) & m->mask; m->slot[j].hash != 0; j = (j + 1) & m->mask) {
		if (may_fill(i, j, home(m, m->slot[j].hash), m->mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	memset(&m->slot[i], 0, sizeof(m->slot[i]));
	return 1;
}

bool
ctl_redis_mirror_scan(struct ctl_redis_mirror *m, uint32_t *cursor, uint32_t max,
	ctl_redis_mirror_fn *fn, void *arg)
{
	uint32_t i = *cursor, end;

	if (i > m->mask)
		i = 0;
	end = max > m->mask - i ? m->mask + 1 : i + max;
	for (; i < end; i++)
		if (m->slot[i].hash != 0)
			fn(arg, &m->slot[i]);
	*cursor = end > m->mask ? 0 : end;
	return end > m->mask;
}

int
ctl_redis_mirror_rehash(struct ctl_redis_mirror *m, ctl_redis_hash_fn *fn, void *arg)
{
	struct ctl_redis_dlg *old = m->slot, *d;
	uint32_t i, slots = m->mask + 1;

	m->slot = slots_alloc(slots);
	if (m->slot == NULL) {
		m->slot = old;
		return -ENOMEM;
	}
	m->count = 0;
	memset(m->by, 0, sizeof(m->by));
	for (i = 0; i < slots; i++) {
		if (old[i].hash == 0)
			continue;
		old[i].hash = norm(fn(arg, old[i].callid, old[i].len));
		d = &m->slot[find(m, old[i].hash)];
		if (d->hash != 0) {
			/* two Call-IDs now share a hash: the dataplane keeps one entry, so do we */
			free(old[i].callid);
			continue;
		}
		*d = old[i];
		m->count++;
		count(m, d, 1);
	}
	slots_free(old, slots);
	return 0;
}
