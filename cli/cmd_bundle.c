/*
 * fieldcheck bundle — look inside a bundle file, through the one decoder
 * the depot uses, so an operator sees what the depot would see.
 *
 *   fieldcheck bundle cat FILE     the NDJSON text (header line, then records)
 *   fieldcheck bundle check FILE   validate it whole; prints "ok UUID DEVICE N records"
 *                                  ("N track lines" for a track bundle)
 *
 * FILE "-" reads standard input.  Input is bounded like the depot's.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"
#include "util/util.h"

/* Reads at most max bytes of path; more is an error.  Caller frees *out. */
static int
read_bounded(const char *path, size_t max, unsigned char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	*out = NULL;
	if (f == NULL)
		return cli_error("%s: %s", path, strerror(errno));
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		cli_error("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (n > max) {
		cli_error("%s: larger than %zu bytes; not a bundle", path, max);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return 1;
}

int
cmd_bundle(struct cli_globals *g, int argc, char **argv)
{
	struct bundle_limits lim = { .max_compressed = BUNDLE_LIMIT_COMPRESSED };
	unsigned char *bytes = NULL;
	size_t len = 0;
	char *cause = NULL;
	int status = 1;

	(void)g;
	if (argc != 3 || (strcmp(argv[1], "cat") != 0 && strcmp(argv[1], "check") != 0)) {
		fputs("usage: fieldcheck bundle cat FILE | bundle check FILE\n", stderr);
		return 2;
	}
	if (read_bounded(argv[2], lim.max_compressed, &bytes, &len) != 0)
		return 1;
	if (strcmp(argv[1], "cat") == 0) {
		char *text;
		size_t tlen;

		if (bundle_inflate(bytes, len, &lim, &text, &tlen, &cause) != 0)
			goto out;
		if (fwrite(text, 1, tlen, stdout) != tlen || fflush(stdout) != 0) {
			free(text);
			cause = xstrdup("cannot write to stdout");
			goto out;
		}
		free(text);
	} else {
		struct bundle *b;

		if (bundle_decode(bytes, len, &lim, &b, &cause) != 0)
			goto out;
		if (b->track_count > 0)   /* a track bundle (docs/coverage.md) */
			printf("ok %s %s %zu track lines\n", b->header.uuid, b->header.device, b->track_count);
		else
			printf("ok %s %s %zu records\n", b->header.uuid, b->header.device, b->record_count);
		bundle_free(b);
	}
	status = 0;
out:
	if (cause != NULL) {
		cli_error("%s: %s", argv[2], cause);
		free(cause);
	}
	free(bytes);
	return status;
}
