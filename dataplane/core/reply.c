/* reply.c: build a stateless response from a request's own header fields (slow path: rare). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "sip_lex.h"
#include "slb_reply.h"

#define REPLY_MAX 4096
#define REPLY_TAG ";tag=slb"

static int
put(uint8_t *out, uint32_t *n, const void *p, uint32_t len)
{
	if (*n + len > REPLY_MAX)
		return -1;
	memcpy(out + *n, p, len);
	*n += len;
	return 0;
}

int
slb_reply_make(struct rte_mbuf *m, struct slb_pkt *p, const struct slb_sip_msg *msg,
	uint16_t code, const char *reason)
{
	uint8_t *pkt = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *sip = pkt + p->sip_off;
	uint8_t out[REPLY_MAX];
	uint32_t n = 0, i = (uint32_t)msg->start_line.off + msg->start_line.len;
	uint32_t end = msg->hdr_end;
	char line[64];
	int len;

	if (m->nb_segs != 1 || end == 0)
		return -EINVAL;
	len = snprintf(line, sizeof(line), "SIP/2.0 %u %s\r\n", code, reason);
	if (len < 0 || put(out, &n, line, (uint32_t)len) < 0)
		return -ENOSPC;

	/* each header field: name, then lines up to one not followed by SP/HT (folding) */
	while (i < end) {
		uint32_t s = i, name_e = i, e;
		enum lex_hdr id;

		if (sip[i] == '\r' || sip[i] == '\n')
			break; /* the empty line */
		do {
			const uint8_t *lf = memchr(sip + i, '\n', end - i);

			i = lf ? (uint32_t)(lf - sip) + 1 : end;
		} while (i < end && (sip[i] == ' ' || sip[i] == '\t'));
		while (name_e < i && lex_is_token(sip[name_e]))
			name_e++;
		if (name_e == s)
			continue;
		id = lex_header_id(sip + s, name_e - s);
		if (id != LEX_H_VIA && id != LEX_H_FROM && id != LEX_H_TO && id != LEX_H_CALLID &&
			id != LEX_H_CSEQ)
			continue;
		if (id == LEX_H_TO && msg->to_tag.len == 0) {
			/* the value without its line end, then our tag (§8.2.6.2) */
			e = i;
			while (e > s && (sip[e - 1] == '\r' || sip[e - 1] == '\n'))
				e--;
			if (put(out, &n, sip + s, e - s) < 0 || put(out, &n, REPLY_TAG, 8) < 0 ||
				put(out, &n, "\r\n", 2) < 0)
				return -ENOSPC;
			continue;
		}
		if (put(out, &n, sip + s, i - s) < 0)
			return -ENOSPC;
	}
	if (put(out, &n, "Content-Length: 0\r\n\r\n", 21) < 0)
		return -ENOSPC;

	/* resize the SIP payload to n bytes, then copy */
	if (n > p->sip_len) {
		if (rte_pktmbuf_append(m, (uint16_t)(n - p->sip_len)) == NULL)
			return -ENOSPC;
	} else if (n < p->sip_len) {
		if (rte_pktmbuf_trim(m, (uint16_t)(p->sip_len - n)) < 0)
			return -EINVAL;
	}
	pkt = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(pkt + p->sip_off, out, n);
	p->sip_len = (uint16_t)n;
	((struct rte_ipv4_hdr *)(pkt + p->l3_off))->total_length =
		rte_cpu_to_be_16((uint16_t)(p->sip_off - p->l3_off + n));
	((struct rte_udp_hdr *)(pkt + p->l4_off))->dgram_len =
		rte_cpu_to_be_16((uint16_t)(p->sip_off - p->l4_off + n));
	return 0;
}
