/*
 * test_sip_torture.c: the parser and the forwarding decision on messages shaped after RFC 4475's
 * torture tests (written for this suite from the RFC's descriptions) and on quoted-pairs holding
 * control bytes (RFC 3261 §25.1), each with the result the balancer must give.
 *
 * Every vector is also a fuzz seed, tests/fuzz/seeds/<seed>-<error name>.sip; t_seeds_match
 * checks the files still hold these bytes, and `test_sip_torture --write-seeds DIR` writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "slb_fwd.h"
#include "slb_sip.h"
#include "slb_test.h"
#include "slb_testpkt.h"
#include "slb_testsip.h"

/* An SDP body used by several messages: its length is checked at compile time. */
#define SDP_BODY                                                                                   \
	"v=0\r\n"                                                                                  \
	"o=tt 53655765 2353687637 IN IP4 192.0.2.3\r\n"                                            \
	"s=-\r\n"                                                                                  \
	"c=IN IP4 192.0.2.3\r\n"                                                                   \
	"t=0 0\r\n"                                                                                \
	"m=audio 49217 RTP/AVP 0\r\n"
#define SDP_LEN "105"
_Static_assert(sizeof(SDP_BODY) - 1 == 105, "SDP_LEN is the length of SDP_BODY");

/* A multipart body with binary bytes (NULs, lone CR and LF, header-like lines) in one part. */
#define MPART_BODY                                                                                 \
	"--7a9-b0undary\r\n"                                                                       \
	"Content-Type: text/plain\r\n"                                                             \
	"\r\n"                                                                                     \
	"pay no attention\r\n"                                                                     \
	"--7a9-b0undary\r\n"                                                                       \
	"Content-Type: application/octet-stream\r\n"                                               \
	"Content-Transfer-Encoding: binary\r\n"                                                    \
	"\r\n"                                                                                     \
	"\x00\x01\x02\r\x00\xff\xfe\x7f\n\r\n\r\n\x00"                                             \
	"Call-ID: not-this-one\r\n"                                                                \
	"\r\n"                                                                                     \
	"--7a9-b0undary--\r\n"
#define MPART_LEN "212"
_Static_assert(sizeof(MPART_BODY) - 1 == 212, "MPART_LEN is the length of MPART_BODY");

/* What slb_fwd_process() must do with a request from a caller. */
enum fate {
	F_NONE = 0, /* a response: not fed (it would need our Via on top) */
	F_SEND,     /* forwarded as valid */
	F_POLICY,   /* forwarded by Call-ID alone (the policy table) */
	F_DROP,     /* dropped */
	F_REPLY,    /* answered by the balancer (483) */
};

struct tcase {
	const char *seed; /* file stem of the fuzz seed: "rfc4475-<name>" or "qpair-<name>" */
	const char *what; /* RFC 4475 section and what the message exercises */
	const char *bytes;
	uint32_t len;
	enum slb_sip_err err;
	const char *call_id;        /* NULL: no Call-ID expected */
	enum slb_sip_method method; /* requests; SLB_M_NONE for a response */
	uint16_t status;            /* responses */
	uint32_t cseq;              /* CSeq number; 0: not checked */
	enum fate fate;
};

#define V(seed, what, lit, err, cid, meth, st, cseq, fate)                                         \
	{seed, what, lit, sizeof(lit) - 1, SLB_SIP_##err, cid, meth, st, cseq, fate}

/* --- RFC 4475 §3.1.1: valid messages --- */

/* §3.1.1.1 wsinv: case, LWS and folding everywhere the grammar allows them. */
static const char wsinv[] =
	"INVITE sip:vera@ws.example.com;oddparam SIP/2.0\r\n"
	"tO  :\r\n"
	" sip:vera@ws.example.com ;   tAg    = 77ab1x\r\n"
	"fROM   : \"Q \\\\\\\"\"       <sip:quinn@example.org>\r\n"
	"  ;\r\n"
	"  tag = 19qr22\r\n"
	"mAx-FoRwArDs: 0042\r\n"
	"caLL-iD: wsinv.kq8d1@192.0.2.7\r\n"
	"Content-Length   : " SDP_LEN "\r\n"
	"cSeQ: 0007\r\n"
	"  INVITE\r\n"
	"Via  : SIP  /   2.0\r\n"
	" /UDP\r\n"
	"    192.0.2.7;branch=z9hG4bKws91\r\n"
	"s :\r\n"
	"Odd-Header:   first part\r\n"
	" continued part\r\n"
	"Weird-Value: ;;,,;;,;\r\n"
	"Content-Type: application/sdp\r\n"
	"Route:\r\n"
	" <sip:svc.example.com;lr;unknown=val;flag>\r\n"
	"v:  SIP  / 2.0  / TCP     spin.example.com   ;\r\n"
	"  branch  =   z9hG4bK77ee1  ,\r\n"
	" SIP  /    2.0   / UDP  192.168.255.9   ; branch=\r\n"
	" z9hG4bK3003\r\n"
	"m:\"Quote \\\"\\\"\" <sip:quinn@example.org> ; fresh =\r\n"
	"      value ;\r\n"
	"  other ; q = 0.5\r\n"
	"\r\n" SDP_BODY;

/*
 * §3.1.1.2 intmeth: every token character in a method, header name and parameters, a Call-ID
 * with quote, backslash and brackets, and BEL, NUL and DEL as quoted-pairs in a display name.
 */
static const char intmeth[] =
	"!odd-Method0123456789_*+`.%really'~ "
	"sip:1_odd.URI~(surely!)&isn't+it$/strange?,/;;*:&also+has=1,a!*pa$$wo~rd_too.(ok-then)"
	"@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP h1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
	"To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" "
	"<sip:1_odd.URI~(surely!)&isn't+it$/strange?,/;;*@example.com>\r\n"
	"From: tok1~` tok2'+_ tok3*%!.- <sip:plain@example.com>"
	";fromParam''~+*_!.-%=\"\xd1\x87\xd0\xb0\xd0\xb9\";tag=_tok~1'+`*%!-.\r\n"
	"Call-ID: intmeth.w%ZK-!.*_+'@w`~)(><:\\/\"][?}{\r\n"
	"CSeq: 139122385 !odd-Method0123456789_*+`.%really'~\r\n"
	"Max-Forwards: 255\r\n"
	"ext-Header-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.1.1.3 esc01: %-escapes in URIs, compact names (i, C), a Contact on a folded line. */
static const char esc01[] =
	"INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
	"To: sip:%75ser@example.com\r\n"
	"From: <sip:With%20some%20spaces@example.net>;tag=e1f\r\n"
	"Max-Forwards: 70\r\n"
	"i: esc01.9x8y7z-abc\r\n"
	"CSeq: 3 INVITE\r\n"
	"Via: SIP/2.0/UDP h5.example.net;branch=z9hG4bKesc1\r\n"
	"C: application/sdp\r\n"
	"Contact:\r\n"
	"  <sip:cal%6Cer@h5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.1.4 escnull: %00 in URIs is three characters, not a NUL; "L:0" without a space. */
static const char escnull[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"To: sip:nul-%00-nul@example.com\r\n"
	"From: sip:nul-%00-nul@example.com;tag=0n0\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: escnull.4kd9s0w\r\n"
	"CSeq: 21 REGISTER\r\n"
	"Via: SIP/2.0/UDP h5.example.com;branch=z9hG4bKnul\r\n"
	"Contact: <sip:%00@h5.example.com>\r\n"
	"Contact: <sip:%00%00@h5.example.com>\r\n"
	"L:0\r\n"
	"\r\n";

/* §3.1.1.5 esc02: '%' not as an escape, in a method, a header name and a branch. */
static const char esc02[] =
	"RE%47IST%45R sip:reg.example.com SIP/2.0\r\n"
	"To: \"%Z%45\" <sip:res@example.com>\r\n"
	"From: \"%Z%45\" <sip:res@example.com>;tag=p3r\r\n"
	"Call-ID: esc02.pq9w0e\r\n"
	"Via: SIP/2.0/TCP h.example.com;rport;branch=z9hG4bK20%fzs\r\n"
	"CSeq: 77 RE%47IST%45R\r\n"
	"Max-Forwards: 70\r\n"
	"Contact: <sip:a1@h1.example.com>\r\n"
	"C%6Fntact: <sip:a2@h2.example.com>\r\n"
	"Contact: <sip:a3@h3.example.com>\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.1.6 lwsdisp: no LWS between a display name and '<'. */
static const char lwsdisp[] =
	"OPTIONS sip:u@example.com SIP/2.0\r\n"
	"To: sip:u@example.com\r\n"
	"From: caller<sip:caller@example.com>;tag=3a3\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: lwsdisp.77ab@funky.example.com\r\n"
	"CSeq: 60 OPTIONS\r\n"
	"Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKlws\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.1.8 dblreq: a second request after the first one's Content-Length: extra bytes. */
static const char dblreq[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"To: sip:d.user@example.com\r\n"
	"From: sip:d.user@example.com;tag=dd41\r\n"
	"Max-Forwards: 8\r\n"
	"I: dblreq.first-9q2\r\n"
	"Contact: sip:d.user@host.example.com\r\n"
	"CSeq: 8 REGISTER\r\n"
	"Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKdbl1\r\n"
	"Content-Length: 0\r\n"
	"\r\n"
	"INVITE sip:eve@example.com SIP/2.0\r\n"
	"t: sip:eve@example.com\r\n"
	"From: sip:caller@example.net;tag=dd42\r\n"
	"Max-Forwards: 8\r\n"
	"Call-ID: dblreq.second-hidden\r\n"
	"CSeq: 9 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKdbl2\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.1.9 semiuri: ';' in the user part of the Request-URI; a list folded over lines. */
static const char semiuri[] =
	"OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
	"To: sip:s_user@example.com\r\n"
	"From: sip:caller@example.org;tag=5e5\r\n"
	"Max-Forwards: 3\r\n"
	"Call-ID: semiuri.qq1w2e3r\r\n"
	"CSeq: 8 OPTIONS\r\n"
	"Accept: application/sdp, application/pkcs7-mime,\r\n"
	"        multipart/mixed, multipart/signed,\r\n"
	"        message/sip, message/sipfrag\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKsemi\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.1.10 transports: Via transports known and unknown. */
static const char transports[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: <sip:caller@example.com>;tag=7t7\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID:  transports.m3n4b5v6\r\n"
	"Accept: application/sdp\r\n"
	"CSeq: 60 OPTIONS\r\n"
	"Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKt1\r\n"
	"Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKt2\r\n"
	"Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bKt3\r\n"
	"Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKt4\r\n"
	"Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bKt5\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.1.11 mpart01: a multipart body with binary octets; only Content-Length bounds it. */
static const char mpart01[] =
	"MESSAGE sip:kumiko@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.23:5060;branch=z9hG4bKmp1\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Taro\" <sip:taro@example.com>;tag=mp9\r\n"
	"To: <sip:kumiko@example.org>\r\n"
	"Call-ID: mpart01.aa11bb22cc33\r\n"
	"CSeq: 1 MESSAGE\r\n"
	"Content-Type: multipart/mixed;boundary=7a9-b0undary\r\n"
	"Content-Length: " MPART_LEN "\r\n"
	"\r\n" MPART_BODY;

/* §3.1.1.12 unreason: a reason phrase of UTF-8 and odd characters. */
static const char unreason[] =
	"SIP/2.0 200 = 2**2 * 5**2 \xd1\x81\xd1\x82\xd0\xbe - \xd1\x81\xd0\xbe\xd1\x82\xd0\xbd\xd1\x8f"
	"\r\n"
	"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bKunr\r\n"
	"Call-ID: unreason.f00dcafe\r\n"
	"CSeq: 35 INVITE\r\n"
	"From: sip:user@example.com;tag=u1\r\n"
	"To: sip:user@example.edu;tag=u2\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"Content-Type: application/sdp\r\n"
	"Contact: <sip:user@host198.example.com>\r\n"
	"\r\n" SDP_BODY;

/* §3.1.1.13 noreason: an empty reason phrase after the code's SP. */
static const char noreason[] =
	"SIP/2.0 100 \r\n"
	"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bKnor\r\n"
	"Call-ID: noreason.beefbeef\r\n"
	"CSeq: 35 INVITE\r\n"
	"From: <sip:user@example.com>;tag=n1\r\n"
	"To: <sip:user@example.edu>;tag=n2\r\n"
	"Content-Length: 0\r\n"
	"Contact: <sip:user@host105.example.com>\r\n"
	"\r\n";

/* --- RFC 4475 §3.1.2: invalid messages --- */

/* §3.1.2.1 badinv01: empty values between separators, in Via among others. */
static const char badinv01[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"To: sip:b.user@example.com\r\n"
	"From: sip:caller@example.net;;tag=b01\r\n"
	"Max-Forwards: 7\r\n"
	"Call-ID: badinv01.z0z0\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
	"Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"Content-Type: application/sdp\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.2 clerr: Content-Length larger than what follows. */
static const char clerr[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"Max-Forwards: 80\r\n"
	"To: sip:c.user@example.com\r\n"
	"From: sip:caller@example.net;tag=ce1\r\n"
	"Contact: <sip:caller@hungry.example.net>\r\n"
	"Call-ID: clerr.q1q1\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKcle\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 9999\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.3 ncl: a negative Content-Length. */
static const char ncl[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"Max-Forwards: 254\r\n"
	"To: sip:n.user@example.com\r\n"
	"From: sip:caller@example.net;tag=nc1\r\n"
	"Call-ID: ncl.w2w2\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKncl\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: -999\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.4 scalar02: CSeq and other numbers beyond what their fields hold. */
static const char scalar02[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKsc2\r\n"
	"To: <sip:user@example.com>\r\n"
	"From: <sip:user@example.com>;tag=s02\r\n"
	"CSeq: 36893488147419103232 REGISTER\r\n"
	"Call-ID: scalar02.e3e3\r\n"
	"Max-Forwards: 300\r\n"
	"Expires: 100000000000000000000000000000000000000\r\n"
	"Contact: <sip:user@host129.example.com>;expires=280297596632815\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.1.2.5 scalarlg: a response with overlarge CSeq and Retry-After, a four-digit warn-code. */
static const char scalarlg[] =
	"SIP/2.0 503 Service Unavailable\r\n"
	"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKslg;received=192.0.2.129\r\n"
	"To: <sip:user@example.com>\r\n"
	"From: <sip:other@example.net>;tag=slg1\r\n"
	"CSeq: 9292394834772304023312 OPTIONS\r\n"
	"Call-ID: scalarlg.r4r4\r\n"
	"Retry-After: 949302838503028349304023988\r\n"
	"Warning: 1812 overture \"In Progress\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.1.2.6 quotbal: a display name whose quoted string never ends. */
static const char quotbal[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"To: \"Mr. Q. User <sip:q.user@example.com>\r\n"
	"From: sip:caller@example.net;tag=qb1\r\n"
	"Max-Forwards: 10\r\n"
	"Call-ID: quotbal.t5t5\r\n"
	"Contact: <sip:caller@host59.example.net>\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKqb\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.7 ltgtruri: the Request-URI in < >. */
static const char ltgtruri[] =
	"INVITE <sip:user@example.com> SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=lt1\r\n"
	"Max-Forwards: 23\r\n"
	"Call-ID: ltgtruri.y6y6\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKlt\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.8 lwsruri: LWS inside the Request-URI. */
static const char lwsruri[] =
	"INVITE sip:user@example.com; lr SIP/2.0\r\n"
	"To: sip:user@example.com;tag=lw9\r\n"
	"From: sip:user@example.com;tag=lw1\r\n"
	"Max-Forwards: 5\r\n"
	"Call-ID: lwsruri.u7u7\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKlwr\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.9 lwsstart: more than one SP between the Request-Line's elements. */
static const char lwsstart[] =
	"INVITE  sip:user@example.com  SIP/2.0\r\n"
	"Max-Forwards: 8\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=ls1\r\n"
	"Call-ID: lwsstart.i8i8\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKlws2\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.10 trws: SP after the version at the end of the Request-Line. */
static const char trws[] =
	"OPTIONS sip:remote-target@example.com SIP/2.0  \r\n"
	"Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bKtrw\r\n"
	"To: <sip:remote-target@example.com>\r\n"
	"From: <sip:local-resource@example.com>;tag=tw1\r\n"
	"Call-ID: trws.o9o9\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Max-Forwards: 70\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/*
 * §3.1.2.11 escruri: escaped headers in the Request-URI, which RFC 3261 §19.1.1 does not allow
 * there. The balancer does not route by the Request-URI of a caller's request: the backend, a
 * UAS, answers 400.
 */
static const char escruri[] =
	"INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=er1\r\n"
	"Max-Forwards: 87\r\n"
	"Call-ID: escruri.p0p0\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKesr\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.12 baddate: a Date the balancer never reads. */
static const char baddate[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=bd1\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: baddate.a1s2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKbdt\r\n"
	"Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.13 regbadct: a Contact addr-spec with headers, not in < >. */
static const char regbadct[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:user@example.com;tag=rb1\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: regbadct.d3f4\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKrbc\r\n"
	"Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.2.14 badaspec: SP inside the < > of To. */
static const char badaspec[] =
	"OPTIONS sip:user@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKbas\r\n"
	"Max-Forwards: 70\r\n"
	"From: sip:caller@example.net;tag=ba1\r\n"
	"To: \"Watson, Tom\" < sip:t.watson@example.org >\r\n"
	"Call-ID: badaspec.g5h6\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.2.15 baddn: a display name of several words with a comma, not quoted. */
static const char baddn[] =
	"OPTIONS sip:t.watson@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKbdn\r\n"
	"Max-Forwards: 70\r\n"
	"From: Bell, Alec <sip:a.bell@example.com>;tag=43\r\n"
	"To: Watson, Tom <sip:t.watson@example.org>\r\n"
	"Call-ID: baddn.j7k8\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.2.16 badvers: SIP/7.0. */
static const char badvers[] =
	"OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
	"Via: SIP/7.0/UDP c.example.com;branch=z9hG4bKbvr\r\n"
	"Max-Forwards: 70\r\n"
	"From: A. Bell <sip:a.bell@example.com>;tag=bv1\r\n"
	"To: T. Watson <sip:t.watson@example.org>\r\n"
	"Call-ID: badvers.l9m0\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.2.17 mismatch01: the CSeq names another method than the Request-Line. */
static const char mismatch01[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"To: sip:j.user@example.com\r\n"
	"From: sip:caller@example.net;tag=mm1\r\n"
	"Max-Forwards: 6\r\n"
	"Call-ID: mismatch01.n1b2\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKmm1\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.1.2.18 mismatch02: an unknown method, and the CSeq names another. */
static const char mismatch02[] =
	"NEWMETHOD sip:user@example.com SIP/2.0\r\n"
	"To: sip:j.user@example.com\r\n"
	"From: sip:caller@example.net;tag=mm2\r\n"
	"Max-Forwards: 6\r\n"
	"Call-ID: mismatch02.v3c4\r\n"
	"CSeq: 8 INVITE\r\n"
	"Contact: <sip:caller@host.example.net>\r\n"
	"Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKmm2\r\n"
	"Content-Type: application/sdp\r\n"
	"l: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.1.2.19 bigcode: a status code of ten digits. */
static const char bigcode[] =
	"SIP/2.0 4294967301 better not break the receiver\r\n"
	"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bKbig\r\n"
	"Call-ID: bigcode.x5z6\r\n"
	"CSeq: 353494 INVITE\r\n"
	"From: <sip:user@example.com>;tag=bc1\r\n"
	"To: <sip:user@example.edu>;tag=bc2\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* --- RFC 4475 §3.2 and §3.3: transaction and application semantics --- */

/* §3.2.1 badbranch: a branch that is only the magic cookie: well-formed, the UAS's concern. */
static const char badbranch[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.org;tag=bb1\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: badbranch.q2w3\r\n"
	"CSeq: 8 OPTIONS\r\n"
	"Via: SIP/2.0/UDP 192.0.2.200;branch=z9hG4bK\r\n"
	"Via: SIP/2.0/UDP 192.0.2.201;branch=z9hG4bKbb2\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.3.1 insuf: no Call-ID, From, To or Max-Forwards. */
static const char insuf[] =
	"INVITE sip:user@example.com SIP/2.0\r\n"
	"CSeq: 193942 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKins\r\n"
	"Content-Type: application/sdp\r\n"
	"l: " SDP_LEN "\r\n"
	"\r\n" SDP_BODY;

/* §3.3.2 unkscm: a Request-URI of a scheme nobody knows. */
static const char unkscm[] =
	"OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=us1\r\n"
	"Max-Forwards: 7\r\n"
	"Call-ID: unkscm.e4r5\r\n"
	"CSeq: 3923423 OPTIONS\r\n"
	"Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKus\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.3.3 novelsc: a scheme with '.', a hierarchical URI. */
static const char novelsc[] =
	"OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=nv1\r\n"
	"Max-Forwards: 7\r\n"
	"Call-ID: novelsc.t6y7\r\n"
	"CSeq: 3923423 OPTIONS\r\n"
	"Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKnv\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.3.4 unksm2: To and From with schemes other than sip. */
static const char unksm2[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"To: isbn:2983792873\r\n"
	"From: <http://www.example.com>;tag=u22\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: unksm2.u8i9\r\n"
	"CSeq: 3923239 REGISTER\r\n"
	"Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKu2\r\n"
	"Contact: <name:John_Smith>\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.3.5 bext01: an extension required that nobody supports. */
static const char bext01[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"To: sip:j_user@example.com\r\n"
	"From: sip:caller@example.net;tag=bx1\r\n"
	"Max-Forwards: 70\r\n"
	"Call-ID: bext01.o0p1\r\n"
	"Require: nothingSupportsThis, nothingSupportsThisEither\r\n"
	"Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n"
	"CSeq: 8 OPTIONS\r\n"
	"Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKbx\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.3.8 multi01: two Call-IDs (and two of other single-value fields) that differ. */
static const char multi01[] =
	"INVITE sip:user@company.com SIP/2.0\r\n"
	"Contact: <sip:caller@host25.example.net>\r\n"
	"Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKmu1\r\n"
	"Max-Forwards: 70\r\n"
	"CSeq: 5 INVITE\r\n"
	"Call-ID: multi01.a2s3@192.0.2.1\r\n"
	"CSeq: 59 INVITE\r\n"
	"Call-ID: multi01.a2s3@192.0.2.2\r\n"
	"From: sip:caller@example.com;tag=mu1\r\n"
	"To: sip:user@example.com\r\n"
	"To: sip:other@example.net\r\n"
	"From: sip:caller@example.net;tag=mu2\r\n"
	"Content-Type: application/sdp\r\n"
	"l: " SDP_LEN "\r\n"
	"Contact: <sip:caller@host36.example.net>\r\n"
	"Max-Forwards: 5\r\n"
	"\r\n" SDP_BODY;

/* §3.3.9 mcl01: two Content-Lengths that differ. */
static const char mcl01[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKmcl\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:other@example.net;tag=mc1\r\n"
	"Call-ID: mcl01.d4f5\r\n"
	"CSeq: 15932 OPTIONS\r\n"
	"Content-Length: 13\r\n"
	"Max-Forwards: 60\r\n"
	"Content-Length: 5\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"There's no way to know how many octets are supposed to be here.\r\n";

/* §3.3.10 bcast: a 200 whose Via names a broadcast address: the balancer's MAC decides. */
static const char bcast[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bKbc1\r\n"
	"Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKbc2\r\n"
	"Call-ID: bcast.g6h7\r\n"
	"CSeq: 35 INVITE\r\n"
	"From: sip:user@example.com;tag=bc3\r\n"
	"To: sip:user@example.edu;tag=bc4\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.3.11 zeromf: Max-Forwards 0 on an OPTIONS: the balancer answers 483 itself. */
static const char zeromf[] =
	"OPTIONS sip:user@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKzmf\r\n"
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=zm1\r\n"
	"Call-ID: zeromf.j8k9\r\n"
	"CSeq: 39202 OPTIONS\r\n"
	"Max-Forwards: 0\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* §3.3.12 cparam01: a Contact parameter without < >: the registrar's concern. */
static const char cparam01[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKcp1\r\n"
	"Max-Forwards: 70\r\n"
	"From: sip:watson@example.com;tag=cp1\r\n"
	"To: sip:watson@example.com\r\n"
	"Call-ID: cparam01.l0z1\r\n"
	"CSeq: 3 REGISTER\r\n"
	"Contact: sip:+19725552222@gw1.example.net;unknownparam\r\n"
	"l: 0\r\n"
	"\r\n";

/* §3.4.1 inv2543: RFC 2543 syntax: no branch, no tag, no Max-Forwards, no Content-Length. */
static const char inv2543[] =
	"INVITE sip:UserB@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP iftgw.example.com\r\n"
	"From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
	"Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
	"To: sip:+16505552222@ss1.example.net;user=phone\r\n"
	"Call-ID: inv2543.x2c3@ift.client.example.com\r\n"
	"CSeq: 56 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"\r\n" SDP_BODY;

/* --- RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) --- */

#define QP_TAIL                                                                                    \
	"Max-Forwards: 70\r\n"                                                                     \
	"CSeq: 1 INVITE\r\n"                                                                       \
	"Content-Length: 0\r\n"                                                                    \
	"\r\n"
#define QP_VIA "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKqp\r\n"
#define QP_RL "INVITE sip:bob@example.com SIP/2.0\r\n"
#define QP_TO "To: <sip:bob@example.com>\r\n"

/* A display name that is one escaped NUL. */
static const char qp_nul[] =
	QP_RL QP_VIA
	"From: \"\\\x00\" <sip:alice@example.com>;tag=qn1\r\n"
	QP_TO "Call-ID: qpair.nul-display\r\n" QP_TAIL;

/* Every control byte a quoted-pair may hold (all but CR and LF), in one display name. */
static const char qp_ctl[] =
	QP_RL QP_VIA
	"From: \"\\\x01\\\x02\\\x03\\\x04\\\x05\\\x06\\\x07\\\x08\\\x09\\\x0b\\\x0c\\\x0e\\\x0f"
	"\\\x10\\\x11\\\x12\\\x13\\\x14\\\x15\\\x16\\\x17\\\x18\\\x19\\\x1a\\\x1b\\\x1c\\\x1d\\\x1e"
	"\\\x1f\\\x7f\\\x00\" <sip:alice@example.com>;tag=qc1\r\n"
	QP_TO "Call-ID: qpair.controls\r\n" QP_TAIL;

/* Escaped NULs in a quoted string that crosses a fold, in a Via parameter and a new header. */
static const char qp_places[] =
	QP_RL
	"Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKqp;note=\"a\\\x00" "b\"\r\n"
	"From: \"first\r\n  \\\x00second\" <sip:alice@example.com>;tag=qf1\r\n"
	"X-Note: \"\\\x00\", \"\\\\\\\x00\"\r\n"
	"Contact: \"\\\x00\" <sip:alice@192.0.2.9>\r\n"
	QP_TO "Call-ID: qpair.places\r\n" QP_TAIL;

/* A NUL right after an escaped backslash stands bare. */
static const char qp_bare_after_pair[] =
	QP_RL QP_VIA
	"From: \"a\\\\\x00\" <sip:alice@example.com>;tag=qb1\r\n"
	QP_TO "Call-ID: qpair.bare-after-pair\r\n" QP_TAIL;

/* A NUL inside a quoted string but not escaped. */
static const char qp_bare_in_quotes[] =
	QP_RL QP_VIA
	"From: \"a\x00" "b\" <sip:alice@example.com>;tag=qb2\r\n"
	QP_TO "Call-ID: qpair.bare-in-quotes\r\n" QP_TAIL;

/* Backslash and NUL outside any quoted string. */
static const char qp_outside[] =
	QP_RL QP_VIA
	"From: <sip:alice@example.com>;tag=qb3\r\n"
	"Subject: a\\\x00\r\n"
	QP_TO "Call-ID: qpair.outside\r\n" QP_TAIL;

/* An escaped NUL in a quoted string that is never closed. */
static const char qp_unclosed[] =
	QP_RL QP_VIA
	"From: <sip:alice@example.com>;tag=qb4\r\n"
	"X-Note: \"a\\\x00\r\n"
	QP_TO "Call-ID: qpair.unclosed\r\n" QP_TAIL;

/* Call-ID's grammar (word) has no quoted string: '"' and '\' are word characters there. */
static const char qp_callid[] =
	QP_RL QP_VIA
	"From: <sip:alice@example.com>;tag=qb5\r\n"
	QP_TO "Call-ID: \"\\\x00\"@qpair.callid\r\n" QP_TAIL;

/* Nor has CSeq's. */
static const char qp_cseq[] =
	QP_RL QP_VIA
	"From: <sip:alice@example.com>;tag=qb6\r\n"
	QP_TO "Call-ID: qpair.cseq\r\n"
	"CSeq: 1 \"\\\x00\"\r\n" QP_TAIL;

/* An escaped NUL in the start line's Request-URI is still a control byte there. */
static const char qp_start_line[] =
	"INVITE sip:\"\\\x00\"@example.com SIP/2.0\r\n" QP_VIA
	"From: <sip:alice@example.com>;tag=qb7\r\n"
	QP_TO "Call-ID: qpair.start-line\r\n" QP_TAIL;

/* A quoted string in a header name's place. */
static const char qp_name[] =
	QP_RL QP_VIA
	"From: <sip:alice@example.com>;tag=qb8\r\n"
	"\"\\\x00\": v\r\n"
	QP_TO "Call-ID: qpair.name\r\n" QP_TAIL;

/* longreq (§3.1.1.7) is built at run time: see build_longreq(). */
static char longreq[16384];

static struct tcase cases[] = {
	V("rfc4475-wsinv", "3.1.1.1 short tortuous INVITE", wsinv, OK, "wsinv.kq8d1@192.0.2.7",
		SLB_M_INVITE, 0, 7, F_SEND),
	V("rfc4475-intmeth", "3.1.1.2 wide range of valid characters", intmeth, OK,
		"intmeth.w%ZK-!.*_+'@w`~)(><:\\/\"][?}{", SLB_M_OTHER, 0, 139122385, F_SEND),
	V("rfc4475-esc01", "3.1.1.3 valid use of % escapes", esc01, OK, "esc01.9x8y7z-abc",
		SLB_M_INVITE, 0, 3, F_SEND),
	V("rfc4475-escnull", "3.1.1.4 escaped NULs in URIs", escnull, OK, "escnull.4kd9s0w",
		SLB_M_REGISTER, 0, 21, F_SEND),
	V("rfc4475-esc02", "3.1.1.5 % where it is not an escape", esc02, OK, "esc02.pq9w0e",
		SLB_M_OTHER, 0, 77, F_SEND),
	V("rfc4475-lwsdisp", "3.1.1.6 no LWS between display name and <", lwsdisp, OK,
		"lwsdisp.77ab@funky.example.com", SLB_M_OPTIONS, 0, 60, F_SEND),
	{"rfc4475-longreq", "3.1.1.7 long values in header fields", longreq, 0, SLB_SIP_OK, NULL,
		SLB_M_INVITE, 0, 1, F_SEND},
	V("rfc4475-dblreq", "3.1.1.8 extra trailing octets in a UDP datagram", dblreq, OK,
		"dblreq.first-9q2", SLB_M_REGISTER, 0, 8, F_SEND),
	V("rfc4475-semiuri", "3.1.1.9 ; in the Request-URI's user part", semiuri, OK,
		"semiuri.qq1w2e3r", SLB_M_OPTIONS, 0, 8, F_SEND),
	V("rfc4475-transports", "3.1.1.10 varied and unknown transports", transports, OK,
		"transports.m3n4b5v6", SLB_M_OPTIONS, 0, 60, F_SEND),
	V("rfc4475-mpart01", "3.1.1.11 multipart MIME with binary octets", mpart01, OK,
		"mpart01.aa11bb22cc33", SLB_M_MESSAGE, 0, 1, F_SEND),
	V("rfc4475-unreason", "3.1.1.12 unusual reason phrase", unreason, OK, "unreason.f00dcafe",
		SLB_M_NONE, 200, 35, F_NONE),
	V("rfc4475-noreason", "3.1.1.13 empty reason phrase", noreason, OK, "noreason.beefbeef",
		SLB_M_NONE, 100, 35, F_NONE),

	V("rfc4475-badinv01", "3.1.2.1 extraneous separators (Via)", badinv01, E_VIA,
		"badinv01.z0z0", SLB_M_INVITE, 0, 8, F_DROP),
	V("rfc4475-clerr", "3.1.2.2 Content-Length larger than the message", clerr, E_BODY_SHORT,
		"clerr.q1q1", SLB_M_INVITE, 0, 8, F_DROP),
	V("rfc4475-ncl", "3.1.2.3 negative Content-Length", ncl, E_CLEN, "ncl.w2w2", SLB_M_INVITE,
		0, 8, F_DROP),
	V("rfc4475-scalar02", "3.1.2.4 overlarge CSeq in a request", scalar02, E_CSEQ,
		"scalar02.e3e3", SLB_M_REGISTER, 0, 0, F_POLICY),
	V("rfc4475-scalarlg", "3.1.2.5 overlarge CSeq in a response", scalarlg, E_CSEQ,
		"scalarlg.r4r4", SLB_M_NONE, 503, 0, F_NONE),
	V("rfc4475-quotbal", "3.1.2.6 unterminated quoted string in To", quotbal, E_NO_FROM_TO,
		"quotbal.t5t5", SLB_M_INVITE, 0, 8, F_POLICY),
	V("rfc4475-ltgtruri", "3.1.2.7 Request-URI in < >", ltgtruri, E_START_LINE, NULL,
		SLB_M_NONE, 0, 0, F_DROP),
	V("rfc4475-lwsruri", "3.1.2.8 LWS in the Request-URI", lwsruri, E_START_LINE, NULL,
		SLB_M_NONE, 0, 0, F_DROP),
	V("rfc4475-lwsstart", "3.1.2.9 several SP between Request-Line elements", lwsstart,
		E_START_LINE, NULL, SLB_M_NONE, 0, 0, F_DROP),
	V("rfc4475-trws", "3.1.2.10 SP at the end of the Request-Line", trws, E_START_LINE, NULL,
		SLB_M_NONE, 0, 0, F_DROP),
	V("rfc4475-escruri", "3.1.2.11 escaped headers in the Request-URI (the UAS's 400)",
		escruri, OK, "escruri.p0p0", SLB_M_INVITE, 0, 1, F_SEND),
	V("rfc4475-baddate", "3.1.2.12 bad time zone in Date (not read)", baddate, OK,
		"baddate.a1s2", SLB_M_INVITE, 0, 1, F_SEND),
	V("rfc4475-regbadct", "3.1.2.13 Contact with headers not in < > (not read)", regbadct, OK,
		"regbadct.d3f4", SLB_M_REGISTER, 0, 1, F_SEND),
	V("rfc4475-badaspec", "3.1.2.14 SP inside To's < > (URI not read)", badaspec, OK,
		"badaspec.g5h6", SLB_M_OPTIONS, 0, 1, F_SEND),
	V("rfc4475-baddn", "3.1.2.15 unquoted display name with a comma (tag still found)", baddn,
		OK, "baddn.j7k8", SLB_M_OPTIONS, 0, 1, F_SEND),
	V("rfc4475-badvers", "3.1.2.16 unknown protocol version", badvers, E_VERSION, NULL,
		SLB_M_OPTIONS, 0, 0, F_DROP),
	V("rfc4475-mismatch01", "3.1.2.17 CSeq method differs", mismatch01, E_CSEQ,
		"mismatch01.n1b2", SLB_M_OPTIONS, 0, 8, F_POLICY),
	V("rfc4475-mismatch02", "3.1.2.18 unknown method, CSeq method differs", mismatch02, E_CSEQ,
		"mismatch02.v3c4", SLB_M_OTHER, 0, 8, F_POLICY),
	V("rfc4475-bigcode", "3.1.2.19 overlarge status code", bigcode, E_STATUS, NULL, SLB_M_NONE,
		0, 0, F_NONE),

	V("rfc4475-badbranch", "3.2.1 branch of the magic cookie alone", badbranch, OK,
		"badbranch.q2w3", SLB_M_OPTIONS, 0, 8, F_SEND),
	V("rfc4475-insuf", "3.3.1 required headers missing", insuf, E_NO_CALLID, NULL,
		SLB_M_INVITE, 0, 193942, F_DROP),
	V("rfc4475-unkscm", "3.3.2 Request-URI of an unknown scheme", unkscm, OK, "unkscm.e4r5",
		SLB_M_OPTIONS, 0, 3923423, F_SEND),
	V("rfc4475-novelsc", "3.3.3 known but atypical scheme", novelsc, OK, "novelsc.t6y7",
		SLB_M_OPTIONS, 0, 3923423, F_SEND),
	V("rfc4475-unksm2", "3.3.4 unknown schemes in To, From, Contact", unksm2, OK,
		"unksm2.u8i9", SLB_M_REGISTER, 0, 3923239, F_SEND),
	V("rfc4475-bext01", "3.3.5 Require and Proxy-Require (the UAS's 420)", bext01, OK,
		"bext01.o0p1", SLB_M_OPTIONS, 0, 8, F_SEND),
	V("rfc4475-multi01", "3.3.8 two different Call-IDs", multi01, E_DUP_CALLID,
		"multi01.a2s3@192.0.2.1", SLB_M_INVITE, 0, 0, F_DROP),
	V("rfc4475-mcl01", "3.3.9 two different Content-Lengths", mcl01, E_CLEN, "mcl01.d4f5",
		SLB_M_OPTIONS, 0, 15932, F_DROP),
	V("rfc4475-bcast", "3.3.10 200 with a broadcast Via", bcast, OK, "bcast.g6h7", SLB_M_NONE,
		200, 35, F_NONE),
	V("rfc4475-zeromf", "3.3.11 Max-Forwards 0", zeromf, OK, "zeromf.j8k9", SLB_M_OPTIONS, 0,
		39202, F_REPLY),
	V("rfc4475-cparam01", "3.3.12 Contact parameter (the registrar's concern)", cparam01, OK,
		"cparam01.l0z1", SLB_M_REGISTER, 0, 3, F_SEND),
	V("rfc4475-inv2543", "3.4.1 RFC 2543 syntax", inv2543, OK,
		"inv2543.x2c3@ift.client.example.com", SLB_M_INVITE, 0, 56, F_SEND),

	V("qpair-nul-display", "escaped NUL as a display name", qp_nul, OK, "qpair.nul-display",
		SLB_M_INVITE, 0, 1, F_SEND),
	V("qpair-controls", "every control byte a quoted-pair may hold", qp_ctl, OK,
		"qpair.controls", SLB_M_INVITE, 0, 1, F_SEND),
	V("qpair-places", "escaped NULs over a fold, in Via, an extension header, Contact",
		qp_places, OK, "qpair.places", SLB_M_INVITE, 0, 1, F_SEND),
	V("qpair-bare-after-pair", "NUL after an escaped backslash", qp_bare_after_pair, E_BINARY,
		"qpair.bare-after-pair", SLB_M_INVITE, 0, 1, F_DROP),
	V("qpair-bare-in-quotes", "NUL unescaped in a quoted string", qp_bare_in_quotes, E_BINARY,
		"qpair.bare-in-quotes", SLB_M_INVITE, 0, 1, F_DROP),
	V("qpair-outside", "backslash NUL outside a quoted string", qp_outside, E_BINARY,
		"qpair.outside", SLB_M_INVITE, 0, 1, F_DROP),
	V("qpair-unclosed", "escaped NUL in a quoted string never closed", qp_unclosed, E_BINARY,
		"qpair.unclosed", SLB_M_INVITE, 0, 1, F_DROP),
	V("qpair-callid", "escaped NUL in Call-ID, which has no quoted strings", qp_callid,
		E_BINARY, NULL, SLB_M_INVITE, 0, 1, F_DROP),
	V("qpair-cseq", "escaped NUL in CSeq, which has no quoted strings", qp_cseq, E_BINARY,
		"qpair.cseq", SLB_M_INVITE, 0, 0, F_DROP),
	V("qpair-start-line", "escaped NUL in the Request-URI", qp_start_line, E_BINARY, NULL,
		SLB_M_NONE, 0, 0, F_DROP),
	V("qpair-name", "escaped NUL where a header name goes", qp_name, E_BINARY,
		"qpair.name", SLB_M_INVITE, 0, 1, F_DROP),
};

#define NB_CASES (sizeof(cases) / sizeof(cases[0]))

#define LONG_CALLID_REPEAT 40 /* "onereallylong" this many times */
#define LONG_VIAS 34

/*
 * §3.1.1.7 longreq: long values everywhere: a Request-URI user part, a display name, a tag, a
 * Call-ID, an extension header's name and value, and 34 Via values with long branches spread
 * over headers of one to four values each. The message stays under 16 KB.
 */
static uint32_t
build_longreq(char *b, size_t cap)
{
	size_t n = 0;
	int i, k;

#define ADD(...) (n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__))
	ADD("INVITE sip:user");
	for (i = 0; i < 60; i++)
		ADD("really");
	ADD("long@example.com SIP/2.0\r\n");
	ADD("To: \"A");
	for (i = 0; i < 80; i++)
		ADD(" very");
	ADD(" long name\" <sip:user@example.com>;tag=");
	for (i = 0; i < 300; i++)
		ADD("%c", 'a' + i % 26);
	ADD("\r\nFrom: sip:caller");
	for (i = 0; i < 100; i++)
		ADD("x");
	ADD("@example.net;tag=lr1;unknown-parameter-name");
	for (i = 0; i < 40; i++)
		ADD("-name");
	ADD("=value");
	for (i = 0; i < 40; i++)
		ADD("-value");
	ADD(";valueless-parameter\r\n");
	ADD("Call-ID: longreq.");
	for (i = 0; i < LONG_CALLID_REPEAT; i++)
		ADD("onereallylong");
	ADD("\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n");
	for (i = 0, k = 0; i < LONG_VIAS; k++) {
		int j, per = 1 + k % 4;

		ADD("Via: ");
		for (j = 0; j < per && i < LONG_VIAS; j++, i++) {
			int c;

			ADD("%sSIP/2.0/%s sip%d.example.com:%d;branch=z9hG4bK", j ? ", " : "",
				i % 2 ? "TCP" : "UDP", i, 5060 + i);
			for (c = 0; c < 120; c++)
				ADD("%c", 'A' + (i + c) % 26);
		}
		ADD("\r\n");
	}
	ADD("X-Unknown-Long");
	for (i = 0; i < 30; i++)
		ADD("-HeaderName");
	ADD(": ");
	for (i = 0; i < 100; i++)
		ADD("unknown-long-value ");
	ADD(";unknown-long-parameter=long-value\r\n");
	ADD("Contact: <sip:");
	for (i = 0; i < 50; i++)
		ADD("contact");
	ADD("@host.example.com>\r\n");
	ADD("Content-Type: application/sdp\r\nContent-Length: " SDP_LEN "\r\n\r\n" SDP_BODY);
#undef ADD
	return n < cap ? (uint32_t)n : 0; /* 0: did not fit */
}

static struct tcase *
find_case(const char *stem)
{
	unsigned int i;

	for (i = 0; i < NB_CASES; i++)
		if (strcmp(cases[i].seed, stem) == 0)
			return &cases[i];
	return NULL;
}

/* The case whose seed is stem; fails the test when there is none. */
static struct tcase *
case_of(const char *stem)
{
	struct tcase *c = find_case(stem);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* Build the vectors made at run time; 0, or -1 if one does not fit. */
static int
init_cases(void)
{
	struct tcase *c = find_case("rfc4475-longreq");

	if (c->len == 0)
		c->len = build_longreq(longreq, sizeof(longreq));
	return c->len == 0 ? -1 : 0;
}

/* Parse a copy of exactly len bytes, so that a sanitizer sees any read past the end. */
static enum slb_sip_err
parse_copy(const struct tcase *c, struct slb_sip_msg *m)
{
	uint8_t *copy = malloc(c->len);
	enum slb_sip_err err;

	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, c->bytes, c->len);
	err = slb_sip_parse(copy, c->len, m);
	CU_ASSERT(testsip_want_none_agrees(copy, c->len, m));
	free(copy);
	return err;
}

static int
span_is(const struct tcase *c, struct slb_span sp, const char *want, size_t n)
{
	if (sp.len == n && (uint32_t)sp.off + sp.len <= c->len &&
		memcmp(c->bytes + sp.off, want, n) == 0)
		return 1;
	fprintf(stderr, "\n    %s: span \"%.*s\", want \"%.*s\"\n", c->seed, (int)sp.len,
		c->bytes + sp.off, (int)n, want);
	return 0;
}

#define SPAN_IS(c, sp, want) CU_ASSERT(span_is((c), (sp), (want), strlen(want)))

/* Every case: its error, its Call-ID, method, status and CSeq number. */
static void
t_table(void)
{
	unsigned int i;

	CU_ASSERT_FATAL(init_cases() == 0);
	for (i = 0; i < NB_CASES; i++) {
		const struct tcase *c = &cases[i];
		struct slb_sip_msg m;
		enum slb_sip_err got = parse_copy(c, &m);

		if (got != c->err)
			fprintf(stderr, "\n    %s (%s): got %s at %u, want %s\n", c->seed, c->what,
				slb_sip_err_name(got), m.err_off, slb_sip_err_name(c->err));
		CU_ASSERT_EQUAL(got, c->err);
		if (c->call_id != NULL)
			SPAN_IS(c, m.call_id, c->call_id);
		if (c->method != SLB_M_NONE) {
			CU_ASSERT_EQUAL(m.kind, SLB_SIP_REQUEST);
			CU_ASSERT_EQUAL(m.method, c->method);
		}
		if (c->status != 0) {
			CU_ASSERT_EQUAL(m.kind, SLB_SIP_RESPONSE);
			CU_ASSERT_EQUAL(m.status, c->status);
		}
		if (c->cseq != 0) {
			CU_ASSERT_EQUAL(m.cseq, c->cseq);
			if (c->err == SLB_SIP_OK && c->method != SLB_M_NONE)
				CU_ASSERT_EQUAL(m.cseq_method, c->method);
		}
		/* the policy table's action is what the forwarding test below expects */
		if (c->fate == F_DROP)
			CU_ASSERT_EQUAL(slb_sip_policy(got), SLB_SIP_ACT_DROP);
		if (c->fate == F_POLICY)
			CU_ASSERT_EQUAL(slb_sip_policy(got), SLB_SIP_ACT_CALLID);
	}
}

/* What the valid messages hold beyond the Call-ID: the fields the balancer decides by. */
static void
t_valid_details(void)
{
	const struct tcase *c;
	struct slb_sip_msg m;

	CU_ASSERT_FATAL(init_cases() == 0);
	c = case_of("rfc4475-wsinv");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.to_tag, "77ab1x");
	SPAN_IS(c, m.from_tag, "19qr22");
	CU_ASSERT_EQUAL(m.max_forwards, 42);
	CU_ASSERT_EQUAL(m.via_count, 3);
	SPAN_IS(c, m.via[0].transport, "UDP");
	SPAN_IS(c, m.via[0].host, "192.0.2.7");
	SPAN_IS(c, m.via[0].branch, "z9hG4bKws91");
	SPAN_IS(c, m.via[1].transport, "TCP");
	SPAN_IS(c, m.via[1].host, "spin.example.com");
	SPAN_IS(c, m.via[1].branch, "z9hG4bK77ee1");
	CU_ASSERT_EQUAL(m.route_count, 1);
	SPAN_IS(c, m.route_uri[0], "sip:svc.example.com;lr;unknown=val;flag");
	SPAN_IS(c, m.body, SDP_BODY);

	c = case_of("rfc4475-intmeth");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.method_str, "!odd-Method0123456789_*+`.%really'~");
	SPAN_IS(c, m.cseq_method_str, "!odd-Method0123456789_*+`.%really'~");
	SPAN_IS(c, m.from_tag, "_tok~1'+`*%!-.");
	CU_ASSERT_EQUAL(m.to_tag.len, 0);
	SPAN_IS(c, m.via[0].branch, "z9hG4bK-.!%66*_+`'~");
	CU_ASSERT_EQUAL(m.max_forwards, 255);

	c = case_of("rfc4475-esc02");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.method_str, "RE%47IST%45R");
	SPAN_IS(c, m.via[0].branch, "z9hG4bK20%fzs");
	CU_ASSERT(m.via[0].has_rport);

	c = case_of("rfc4475-lwsdisp");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.from_tag, "3a3");

	c = case_of("rfc4475-longreq");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.call_id.len, strlen("longreq.") + 13 * LONG_CALLID_REPEAT);
	CU_ASSERT_EQUAL(memcmp(c->bytes + m.call_id.off, "longreq.onereallylong", 21), 0);
	CU_ASSERT_EQUAL(m.via_count, LONG_VIAS);
	SPAN_IS(c, m.via[0].host, "sip0.example.com");
	CU_ASSERT_EQUAL(m.via[0].port, 5060);
	SPAN_IS(c, m.via[1].host, "sip1.example.com");
	CU_ASSERT_EQUAL(m.via[1].branch.len, 7 + 120);
	CU_ASSERT_EQUAL(m.to_tag.len, 300);
	SPAN_IS(c, m.from_tag, "lr1");
	SPAN_IS(c, m.body, SDP_BODY);

	c = case_of("rfc4475-dblreq");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.content_length, 0);
	CU_ASSERT_EQUAL(m.body.len, 0);
	CU_ASSERT(m.extra_bytes);
	CU_ASSERT_EQUAL(m.via_count, 1);

	c = case_of("rfc4475-transports");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.via_count, 5);
	SPAN_IS(c, m.via[0].transport, "UDP");
	SPAN_IS(c, m.via[1].transport, "SCTP");

	c = case_of("rfc4475-mpart01");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.body.len, 212);
	CU_ASSERT_EQUAL(m.body.off, c->len - 212);

	c = case_of("rfc4475-unreason");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.reason, "= 2**2 * 5**2 \xd1\x81\xd1\x82\xd0\xbe - "
			     "\xd1\x81\xd0\xbe\xd1\x82\xd0\xbd\xd1\x8f");

	c = case_of("rfc4475-noreason");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.reason.len, 0);

	c = case_of("rfc4475-zeromf");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.max_forwards, 0);

	c = case_of("rfc4475-inv2543");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	CU_ASSERT_EQUAL(m.via[0].branch.len, 0);
	CU_ASSERT_EQUAL(m.from_tag.len, 0);
	CU_ASSERT_EQUAL(m.max_forwards, -1);
	CU_ASSERT_EQUAL(m.content_length, -1);
	CU_ASSERT_EQUAL(m.rr_count, 1);
	SPAN_IS(c, m.body, SDP_BODY);

	c = case_of("qpair-nul-display");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.from_tag, "qn1");
	c = case_of("qpair-controls");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.from_tag, "qc1");
	c = case_of("qpair-places");
	CU_ASSERT_EQUAL_FATAL(parse_copy(c, &m), SLB_SIP_OK);
	SPAN_IS(c, m.from_tag, "qf1");
	SPAN_IS(c, m.via[0].branch, "z9hG4bKqp");
}

/* Where a binary error points: at the NUL that is not a quoted-pair. */
static void
t_binary_offsets(void)
{
	static const char *const stems[] = {"qpair-bare-after-pair", "qpair-bare-in-quotes",
		"qpair-outside", "qpair-unclosed", "qpair-callid", "qpair-cseq", "qpair-name"};
	unsigned int i;

	for (i = 0; i < sizeof(stems) / sizeof(stems[0]); i++) {
		const struct tcase *c = case_of(stems[i]);
		struct slb_sip_msg m;

		CU_ASSERT_EQUAL(parse_copy(c, &m), SLB_SIP_E_BINARY);
		CU_ASSERT(m.err_off < c->len && c->bytes[m.err_off] == 0);
	}
}

/* --- through slb_fwd_process(), as a caller's request --- */

#define CALLER RTE_IPV4(198, 18, 1, 2)
#define LB_C RTE_IPV4(198, 18, 1, 1)
#define ROOM 20000

static struct slb_fwd_ctx ctx;
static struct slb_fwd_lcore lc;
static struct slb_be_table *bt;

static void
setup_fwd(void)
{
	struct slb_dlg_cfg d = {.capacity = 1024, .early_timeout = 60, .confirmed_timeout = 600};
	struct slb_be be[2];
	static const struct slb_key128 branch_key = {{9, 8, 7, 6, 5, 4, 3, 2, 1}};
	static const struct slb_key128 hash_key = {{7}};
	unsigned int k;

	memset(&ctx, 0, sizeof(ctx));
	slb_fwd_ctx_init(&ctx);
	slb_fwd_ctx_set_addrs(&ctx, LB_C, RTE_IPV4(198, 18, 2, 1), 5060, &branch_key);
	slb_fwd_ctx_set_hash_key(&ctx, &hash_key);
	ctx.record_route = true;
	ctx.reply_483 = true;
	ctx.dlg = slb_dlg_create(&d);
	CU_ASSERT_FATAL(ctx.dlg != NULL);
	slb_fwd_lcore_init(&lc, 0, 1);
	memset(be, 0, sizeof(be));
	for (k = 0; k < 2; k++) {
		be[k].id = (uint16_t)(10 + k);
		be[k].weight = 1;
		be[k].ip = RTE_IPV4(198, 18, 2, 11 + k);
		be[k].port = 5060;
		be[k].state = SLB_BE_UP;
	}
	bt = slb_be_table_build(be, 2, 10, ctx.hkey.seed);
	CU_ASSERT_FATAL(bt != NULL);
}

/* Each request as a caller sends it: forwarded, forwarded by Call-ID, answered or dropped. */
static void
t_forwarding(void)
{
	struct rte_mbuf *mb;
	unsigned int i;

	CU_ASSERT_FATAL(init_cases() == 0);
	setup_fwd();
	mb = testpkt_mbuf(RTE_PKTMBUF_HEADROOM, ROOM);
	CU_ASSERT_FATAL(mb != NULL);
	for (i = 0; i < NB_CASES; i++) {
		const struct tcase *c = &cases[i];
		struct slb_pkt p;
		struct slb_fwd_out out;
		enum slb_fwd_verdict v;
		int ok;

		if (c->fate == F_NONE)
			continue;
		memset(&p, 0, sizeof(p));
		testpkt_load(mb, RTE_PKTMBUF_HEADROOM, c->bytes, (uint16_t)c->len, CALLER, 5062,
			LB_C, 5060, &p);
		p.in_role = SLB_PKT_FROM_CALLERS;
		v = slb_fwd_process(&ctx, &lc, bt, mb, &p, 1, &out);
		switch (c->fate) {
		case F_SEND:
			ok = v == SLB_FWD_SEND && out.to_backend &&
				!(out.events & SLB_FWD_EV_POLICY_PASS);
			break;
		case F_POLICY:
			ok = v == SLB_FWD_SEND && out.to_backend &&
				(out.events & SLB_FWD_EV_POLICY_PASS);
			break;
		case F_REPLY:
			ok = v == SLB_FWD_SEND && (out.events & SLB_FWD_EV_REPLIED) &&
				out.dst_ip == CALLER;
			break;
		default:
			ok = v == SLB_FWD_DROP &&
				(out.drop == SLB_DROP_MALFORMED || out.drop == SLB_DROP_NOT_SIP);
			break;
		}
		if (!ok)
			fprintf(stderr, "\n    %s: verdict %d drop %u events 0x%x\n", c->seed, v,
				out.drop, out.events);
		CU_ASSERT(ok);
	}
	free(mb);
	slb_be_table_free(bt);
	slb_dlg_destroy(ctx.dlg);
}

/* --- the fuzz seeds --- */

static void
seed_path(char *path, size_t cap, const char *dir, const struct tcase *c)
{
	snprintf(path, cap, "%s/%s-%s.sip", dir, c->seed,
		c->err == SLB_SIP_OK ? "ok" : slb_sip_err_name(c->err));
}

/* tests/fuzz/seeds holds each vector as it is here (written by --write-seeds). */
static void
t_seeds_match(void)
{
	static uint8_t buf[sizeof(longreq) + 1];
	char path[512];
	unsigned int i;

	CU_ASSERT_FATAL(init_cases() == 0);
	for (i = 0; i < NB_CASES; i++) {
		FILE *f;
		size_t n = 0;

		seed_path(path, sizeof(path), SLB_SOURCE_ROOT "/tests/fuzz/seeds", &cases[i]);
		f = fopen(path, "rb");
		if (f != NULL) {
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
		}
		if (f == NULL || n != cases[i].len || memcmp(buf, cases[i].bytes, n) != 0)
			fprintf(stderr, "\n    %s: missing or different; run test_sip_torture "
					"--write-seeds tests/fuzz/seeds\n", path);
		CU_ASSERT(f != NULL && n == cases[i].len && memcmp(buf, cases[i].bytes, n) == 0);
	}
}

static int
write_seeds(const char *dir)
{
	char path[512];
	unsigned int i;

	if (init_cases() < 0)
		return 1;
	for (i = 0; i < NB_CASES; i++) {
		FILE *f;

		seed_path(path, sizeof(path), dir, &cases[i]);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(cases[i].bytes, 1, cases[i].len, f) != cases[i].len) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	printf("%u seeds written to %s\n", (unsigned int)NB_CASES, dir);
	return 0;
}

static CU_TestInfo tests[] = {
	{"RFC 4475 and quoted-pair cases: error, Call-ID, method, CSeq", t_table},
	{"valid cases: the fields the balancer decides by", t_valid_details},
	{"binary errors point at the bare NUL", t_binary_offsets},
	{"requests through slb_fwd_process", t_forwarding},
	{"fuzz seeds hold the vectors", t_seeds_match},
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return slb_test_main("sip_torture", tests);
}
