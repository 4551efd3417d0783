/* ctl_pkt.h: the control channel's packets: probes we send, ICMP errors about ours (no EAL). */
#ifndef SLB_CTL_PKT_H
#define SLB_CTL_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "slb_ctl.h"

/* IPv4 and UDP headers of a probe, before its SIP bytes. */
#define SLB_CTL_PROBE_HDRS 28u

/*
 * Write probe pr as a whole IPv4/UDP datagram at buf (room for SLB_CTL_PROBE_HDRS + pr->len
 * bytes): from src:sport to pr->dst_ip:dst_port, TTL 64, IP ID 0, both checksums. Returns its
 * length, or 0 when pr->len is over SLB_CTL_PROBE_MAX.
 */
uint16_t slb_ctl_probe_write(void *buf, const struct slb_ctl_probe *pr, uint32_t src,
	uint16_t sport);

/*
 * An ICMP message (len bytes from its type, the IPv4 payload) that control wants to hear of:
 * destination unreachable, code host (1) or port (3), with a valid checksum, quoting a whole
 * IPv4 header and 8 bytes after it of a UDP datagram (no later fragment) from one of our
 * addresses and our sip_port to a host that is not us, received on port pidx, a port such a
 * datagram to that host leaves from (anyone can send ICMP: one about a backend that comes in
 * from the callers' side is forged). Then *ip and *port (host order) are the quoted datagram's
 * destination. Every length is checked before it is read.
 */
bool slb_ctl_icmp_unreach(const void *icmp, uint32_t len, uint16_t pidx,
	const struct slb_addr_tbl *addr, uint16_t sip_port, uint32_t *ip, uint16_t *port);

#endif /* SLB_CTL_PKT_H */
