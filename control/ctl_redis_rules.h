/* ctl_redis_rules.h: what each dialog event does to the mirror, to Redis and to our dataplane. */
#ifndef CTL_REDIS_RULES_H
#define CTL_REDIS_RULES_H

#include <stdint.h>

#include "ctl_redis_buf.h"
#include "ctl_redis_enc.h"
#include "ctl_redis_mirror.h"
#include "slb_ctl.h"

/*
 * The owner rules. The owner of a dialog is the instance whose dataplane reported its last
 * event (created or confirmed): only the owner refreshes its key's TTL, writes it again after an
 * outage, and deletes it when its own dataplane lets it expire (another balancer may still carry
 * the call). An end is an end wherever it is seen: its key is deleted and the peers told, so the
 * owner unpins it too. Other instances' dialogs are pinned in our dataplane and kept in the
 * mirror (a BYE through us then ends them in Redis) but never refreshed or expired by us.
 */

/* Key TTLs: the dataplane's idle timeouts plus one sweep (it may see the expiry that late). */
struct ctl_redis_ttl {
	uint32_t early_s;     /* early and answered: dialog.early_timeout + dialog.sweep_period */
	uint32_t confirmed_s; /* dialog.confirmed_timeout + dialog.sweep_period */
};

struct ctl_redis_rule_stats {
	uint64_t skipped;	  /* local events not written: Call-ID cut, unprintable, bad id */
	uint64_t expired_unknown; /* EXPIRED hashes not in the mirror */
	uint64_t full;		  /* dialogs written but not mirrored: the mirror was full */
};

uint32_t ctl_redis_ttl_of(const struct ctl_redis_ttl *t, unsigned int state);

/* When a dialog owned at now_s with this state is refreshed next: every third of its TTL. */
uint32_t ctl_redis_refresh_at(const struct ctl_redis_ttl *t, unsigned int state, uint32_t now_s);

/*
 * A CREATED, CONFIRMED or ENDED event of our dataplane: the mirror changes, and *op is what to
 * write (returns 1), or nothing is (returns 0: counted in st->skipped).
 */
int ctl_redis_rule_local(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t,
	const struct slb_ctl_evt *e, uint32_t now_s, struct ctl_redis_op *op,
	struct ctl_redis_rule_stats *st);

/* An EXPIRED event (up to 16 hashes): the mirror forgets them; a DEL in ops[] for each one we
 * own (published to nobody). Returns how many ops. */
uint32_t ctl_redis_rule_expired(struct ctl_redis_mirror *m, const struct slb_ctl_evt *e,
	struct ctl_redis_op ops[16], struct ctl_redis_rule_stats *st);

/*
 * A line of another instance (owner: its index in the mirror), hash its Call-ID's with our
 * dataplane's key: the mirror changes and *pin is what our dataplane should do (returns 1), or
 * 0 when nothing (an end of a dialog we do not know is still unpinned: returns 1).
 */
int ctl_redis_rule_remote(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t, uint64_t hash,
	const struct ctl_redis_line *l, uint8_t owner, uint32_t now_s, struct slb_ctl_dlg_op *pin);

/*
 * A dialog read from Redis at a load (owner: CTL_REDIS_OWNER_SELF when the value names us): into
 * the mirror, and *pin for the dataplane. Ours are refreshed within a third of their TTL,
 * spread by hash so that a million loaded keys are not refreshed in one burst.
 */
void ctl_redis_rule_loaded(struct ctl_redis_mirror *m, const struct ctl_redis_ttl *t, uint64_t hash,
	const char *callid, size_t n, const struct ctl_redis_val *v, uint8_t owner, uint32_t now_s,
	struct slb_ctl_dlg_op *pin, struct ctl_redis_rule_stats *st);

#endif /* CTL_REDIS_RULES_H */
