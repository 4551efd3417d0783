/* slb_key.h: a 128-bit secret key, as the config gives it and the keyed hashes take it. */
#ifndef SLB_KEY_H
#define SLB_KEY_H

#include <stdint.h>

/*
 * Two secrets use this type: branch_secret keys the MAC in our Via branch (a response that does
 * not carry one of our MACs is dropped), hash_secret keys the Call-ID hash and the rendezvous
 * hash (Call-IDs cannot be precomputed to land on one backend or one dialog bucket). Both must be
 * the same across restarts and across instances that share a backend set.
 */
#define SLB_KEY_LEN 16

struct slb_key128 {
	uint8_t b[SLB_KEY_LEN];
};

#endif /* SLB_KEY_H */
