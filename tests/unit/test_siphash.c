/* test_siphash.c: CUnit suite for the inline SipHash-2-4 (slb_siphash.h) against libsodium's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium/core.h>
#include <sodium/crypto_shorthash_siphash24.h>

#include "slb_siphash.h"
#include "slb_test.h"

/* libsodium's 8 output bytes as the 64-bit value they encode (byte i: bits 8i..8i+7). */
static uint64_t
sodium_value(const struct slb_key128 *k, const uint8_t *p, size_t len)
{
	uint8_t out[crypto_shorthash_siphash24_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash_siphash24(out, p, len, k->b);
	for (i = 7; i >= 0; i--)
		h = h << 8 | out[i];
	return h;
}

/* The paper's vector (Appendix A): key 00..0f, message 00..0e. */
static void
t_paper_vector(void)
{
	struct slb_key128 k;
	uint8_t m[15];
	unsigned int i;

	for (i = 0; i < 16; i++)
		k.b[i] = (uint8_t)i;
	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(slb_siphash24(&k, m, sizeof(m)), 0xa129ca6149be45e5ull);
}

/*
 * Every length from 0 to 300 (each remainder of 8, every tail path) at every alignment of 8,
 * under several keys, against libsodium. At alignment 0 the input ends where its buffer does,
 * so a read past it is a read past the array (ASan sees it).
 */
static void
t_against_sodium(void)
{
	uint8_t buf[300 + 8];
	struct slb_key128 k;
	unsigned int key, len, al, i, bad = 0;

	CU_ASSERT_FATAL(sodium_init() >= 0);
	srand(7);
	for (key = 0; key < 4; key++) {
		for (i = 0; i < 16; i++)
			k.b[i] = key == 0 ? 0 : key == 1 ? 0xff : (uint8_t)rand();
		for (len = 0; len <= 300; len++) {
			for (al = 0; al < 8; al++) {
				uint8_t *p = buf + sizeof(buf) - len - al;

				for (i = 0; i < len; i++)
					p[i] = (uint8_t)rand();
				if (slb_siphash24(&k, p, len) != sodium_value(&k, p, len))
					bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static CU_TestInfo tests[] = {
	{"the paper's test vector", t_paper_vector},
	{"equal to libsodium, lengths 0..300", t_against_sodium},
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return slb_test_main("siphash", tests);
}
