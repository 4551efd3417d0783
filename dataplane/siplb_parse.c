/* siplb_parse.c: siplb-parse FILE...: what the balancer's parser makes of each message, as JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slb_sip.h"

/* Messages larger than this are not SIP over UDP; the parser refuses them anyway. */
#define READ_MAX (SLB_SIP_MAX_LEN + 1u)

/* A JSON string of arbitrary bytes: escapes, \u00XX for control bytes and for invalid UTF-8. */
static void
json_str(FILE *o, const uint8_t *p, size_t n)
{
	size_t i = 0;

	fputc('"', o);
	while (i < n) {
		uint8_t c = p[i];
		size_t k, need = 0;

		if (c == '"' || c == '\\') {
			fputc('\\', o);
			fputc(c, o);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", o); break;
			case '\r': fputs("\\r", o); break;
			case '\t': fputs("\\t", o); break;
			default: fprintf(o, "\\u%04x", c); break;
			}
			i++;
			continue;
		}
		if (c < 0x80) {
			fputc(c, o);
			i++;
			continue;
		}
		/* pass valid UTF-8 sequences through; anything else becomes U+FFFD-free escapes */
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		for (k = 1; need && k <= need; k++)
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				need = 0;
		/* reject overlongs and surrogates so the output is strictly valid */
		if (need == 2 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0)))
			need = 0;
		if (need == 3 && ((c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90)))
			need = 0;
		if (need) {
			fwrite(p + i, 1, need + 1, o);
			i += need + 1;
		} else {
			fprintf(o, "\\u%04x", c); /* the byte's value, as Latin-1 */
			i++;
		}
	}
	fputc('"', o);
}

static void
json_span(FILE *o, const uint8_t *buf, struct slb_span s)
{
	if (s.len == 0)
		fputs("null", o);
	else
		json_str(o, buf + s.off, s.len);
}

static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL)
		return -errno;
	buf = malloc(READ_MAX);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, READ_MAX, f);
	if (ferror(f)) {
		int e = errno ? -errno : -EIO;

		free(buf);
		fclose(f);
		return e;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int
parse_one(const char *path)
{
	struct slb_sip_msg msg;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len);
	const char *name;

	fputs("{\"file\":", stdout);
	json_str(stdout, (const uint8_t *)path, strlen(path));
	if (rc < 0) {
		fputs(",\"ok\":false,\"error\":\"read\",\"reason\":", stdout);
		json_str(stdout, (const uint8_t *)strerror(-rc), strlen(strerror(-rc)));
		fputs("}\n", stdout);
		return 1;
	}
	slb_sip_parse(buf, (uint32_t)(len > READ_MAX ? READ_MAX : len), &msg);
	printf(",\"ok\":%s,\"error\":", msg.err == SLB_SIP_OK ? "true" : "false");
	if (msg.err == SLB_SIP_OK) {
		fputs("null", stdout);
	} else {
		json_str(stdout, (const uint8_t *)slb_sip_err_name(msg.err),
			strlen(slb_sip_err_name(msg.err)));
		fputs(",\"reason\":", stdout);
		json_str(stdout, (const uint8_t *)slb_sip_err_reason(msg.err),
			strlen(slb_sip_err_reason(msg.err)));
		printf(",\"error_offset\":%u,\"policy\":\"%s\"", msg.err_off,
			slb_sip_policy(msg.err) == SLB_SIP_ACT_DROP ? "drop" : "forward_by_call_id");
	}
	printf(",\"kind\":%s", msg.kind == SLB_SIP_REQUEST ? "\"request\"" :
			       msg.kind == SLB_SIP_RESPONSE ? "\"response\"" : "null");
	fputs(",\"method\":", stdout);
	if (msg.kind == SLB_SIP_REQUEST)
		json_span(stdout, buf, msg.method_str);
	else
		fputs("null", stdout);
	if (msg.kind == SLB_SIP_RESPONSE)
		printf(",\"status\":%u", msg.status);
	else
		fputs(",\"status\":null", stdout);
	fputs(",\"call_id\":", stdout);
	json_span(stdout, buf, msg.call_id);
	if (msg.cseq_method_str.len) {
		printf(",\"cseq\":{\"number\":%u,\"method\":", msg.cseq);
		json_span(stdout, buf, msg.cseq_method_str);
		fputs("}", stdout);
	} else {
		fputs(",\"cseq\":null", stdout);
	}
	fputs(",\"via_branch\":", stdout);
	json_span(stdout, buf, msg.via[0].branch);
	printf(",\"via_count\":%u", msg.via_count);
	if (msg.content_length >= 0)
		printf(",\"content_length\":%d", msg.content_length);
	else
		fputs(",\"content_length\":null", stdout);
	printf(",\"body_bytes\":%u", msg.body.len);
	if (msg.max_forwards >= 0)
		printf(",\"max_forwards\":%d", msg.max_forwards);
	fputs(",\"to_tag\":", stdout);
	json_span(stdout, buf, msg.to_tag);
	printf(",\"route_count\":%u,\"record_route_count\":%u", msg.route_count, msg.rr_count);
	name = msg.bare_lf ? ",\"bare_lf\":true" : "";
	fputs(name, stdout);
	fputs("}\n", stdout);
	free(buf);
	return 0;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s FILE...\n"
		"Prints one JSON object per file: what siplb's parser extracted.\n"
		"A FILE that begins with '-' goes after \"--\".\n"
		"  -h, --help   this help\n"
		"  --version    print the version and exit\n"
		"Exit status 0 when every file was read, 1 otherwise, 2 bad usage.\n",
		prog);
}

enum { OPT_VERSION = 256 };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	int i, opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case OPT_VERSION:
			printf("siplb-parse %s\n", SLB_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	for (i = optind; i < argc; i++)
		bad |= parse_one(argv[i]);
	return bad;
}
