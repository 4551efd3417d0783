/* ctl_answer.h: the JSON answers of slb_mgmt.h, built from control's state (no I/O but reload). */
#ifndef CTL_ANSWER_H
#define CTL_ANSWER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

/*
 * Answer the request in req[0..len). A request that changed the backend set returns NULL and
 * *ticket: the answer comes from ctl_answer_wait() once the dataplane took (or refused) it. So
 * does a dialog lookup (ticket CTL_DLG_TICKET | slot), answered once the dataplane and Redis
 * both did.
 */
json_t *ctl_answer(struct ctl *c, const char *req, size_t len, uint64_t *ticket);

/* The answer to a change or a lookup with this ticket, or NULL while it is not there yet
 * (timed_out: answer now with what is there, "dataplane did not answer"). */
json_t *ctl_answer_wait(struct ctl *c, uint64_t ticket, bool timed_out);

/* {"ok":false, "error":msg} */
json_t *ctl_answer_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CTL_ANSWER_H */
