/* sip_lex.c: the character class table behind sip_lex.h, built once at compile time. */
#include "sip_lex.h"

#define T LEX_TOKEN
#define D (LEX_DIGIT | LEX_TOKEN)
#define A (LEX_ALPHA | LEX_TOKEN)
#define W LEX_LWS
#define C LEX_CTL

const uint8_t slb_lex_class[256] = {
	/* 0x00 */ C, C, C, C, C, C, C, C, C, C | W, C | W, C, C, C | W, C, C,
	/* 0x10 */ C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
	/* 0x20  SP ! " # $ % & ' ( ) * + , - . / */
	W, T, 0, 0, 0, T, 0, T, 0, 0, T, T, 0, T, T, 0,
	/* 0x30 0-9 : ; < = > ? */
	D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,
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
