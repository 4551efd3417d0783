/* sip_lex.c: the character class table behind sip_lex.h, built once at compile time. */
#include "sip_lex.h"

#define T LEX_TOKEN
#define D (LEX_DIGIT | LEX_TOKEN)
#define A (LEX_ALPHA | LEX_TOKEN)
#define W LEX_LWS
#define C LEX_CTL
#define V LEX_VSEP

const uint8_t slb_lex_class[256] = {
	/* 0x00 */ C, C, C, C, C, C, C, C, C, C | W, C | W, C, C, C | W, C, C,
	/* 0x10 */ C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
	/* 0x20  SP ! " # $ % & ' ( ) * + , - . / */
	W, T, V, 0, 0, T, 0, T, 0, 0, T, T, V, T, T, 0,
	/* 0x30 0-9 : ; < = > ? */
	D, D, D, D, D, D, D, D, D, D, 0, 0, V, 0, V, 0,
	/* 0x40 @ A-O */
	0, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
	/* 0x50 P-Z [ \ ] ^ _ */
	A, A, A, A, A, A, A, A, A, A, A, 0, 0, 0, 0, T,
	/* 0x60 ` a-o */
	T, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
	/* 0x70 p-z { | } ~ DEL */
	A, A, A, A, A, A, A, A, A, A, A, 0, 0, 0, T, C,
	/* 0x80-0xff: UTF-8 bytes, no class */
};

/* ASCII lower case; every other byte maps to itself. */
const uint8_t slb_lex_lower[256] = {
#define R(x) x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7
	R(0x00), R(0x08), R(0x10), R(0x18), R(0x20), R(0x28), R(0x30), R(0x38),
	/* 0x40: '@', then A-Z as a-z, then [ \ ] ^ _ */
	0x40, R(0x61), R(0x69), R(0x71), 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	R(0x60), R(0x68), R(0x70), R(0x78),
	R(0x80), R(0x88), R(0x90), R(0x98), R(0xa0), R(0xa8), R(0xb0), R(0xb8),
	R(0xc0), R(0xc8), R(0xd0), R(0xd8), R(0xe0), R(0xe8), R(0xf0), R(0xf8),
#undef R
};

uint8_t slb_lex_nib[LEX_SET__COUNT][2][16] __attribute__((aligned(16)));

static int
in_set(unsigned int c, enum lex_set set)
{
	switch (set) {
	case LEX_SET_TOKEN:
		return (slb_lex_class[c] & LEX_TOKEN) != 0;
	case LEX_SET_HOST:
		return (slb_lex_class[c] & (LEX_DIGIT | LEX_ALPHA)) || c == '.' || c == '-' ||
			c == '_';
	case LEX_SET_PVAL:
		return (slb_lex_class[c] & LEX_TOKEN) || c == ':';
	case LEX_SET_NOT_SP:
		return c != ' ' && c != '\r' && c != '\n';
	case LEX_SET_ADDR:
		return c != ';' && c != '"' && c != '<';
	case LEX_SET_VALUE:
		return c != ',' && c != '"' && c != '<';
	case LEX_SET_NOT_GT:
		return c != '>';
	case LEX_SET_ANGLE:
		return c != '>' && c != '"';
	case LEX_SET_NAMEADDR:
		return c != '"' && c != '<';
	case LEX_SET_TAGVAL:
		return c != ';' && c != ' ' && c != '\t' && c != '\r' && c != '\n';
	case LEX_SET__COUNT:
		break;
	}
	return 0;
}

/*
 * Each set's nibble tables. A byte c is in the set when lo[c & 15] & hi[c >> 4] != 0. High
 * nibbles 0-6 get a bit each; 7-15 share bit 7, which expresses every set whose members among
 * 0x70-0xff agree column by column (true of the sets above: none or all of the non-ASCII bytes).
 * The tables are checked against in_set() for all 256 bytes when the library loads, and a set the
 * scheme cannot express stops the program there rather than mis-parse later.
 */
static void __attribute__((constructor))
lex_build_sets(void)
{
	unsigned int set, c;

	for (set = 0; set < LEX_SET__COUNT; set++) {
		for (c = 0; c < 256; c++) {
			unsigned int hi = c >> 4, bit = hi < 7 ? hi : 7;

			if (in_set(c, (enum lex_set)set)) {
				slb_lex_nib[set][0][c & 15] |= (uint8_t)(1u << bit);
				slb_lex_nib[set][1][hi] = (uint8_t)(1u << bit);
			}
		}
		for (c = 0; c < 256; c++)
			if (!!lex_in_set((uint8_t)c, (enum lex_set)set) !=
				in_set(c, (enum lex_set)set))
				__builtin_trap();
	}
}
