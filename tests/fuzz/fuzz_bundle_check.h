/*
 * What both bundle harnesses check of bundle_decode: a clean refusal that
 * says why, or a valid bundle whose records render back to JSON, within
 * limits small enough that the fuzzer reaches the limit checks.
 */
#ifndef FIELDCHECK_FUZZ_BUNDLE_CHECK_H
#define FIELDCHECK_FUZZ_BUNDLE_CHECK_H

#include <stdlib.h>

#include "sync/sync.h"

static const struct bundle_limits fuzz_bundle_limits = {
	.max_compressed = 64 * 1024,
	.max_decompressed = 256 * 1024,
	.max_line = 16 * 1024,
	.max_records = 64,
};

static void
fuzz_bundle_decode(const void *gz, size_t size)
{
	struct bundle *b = NULL;
	char *cause = NULL;

	if (bundle_decode(gz, size, &fuzz_bundle_limits, &b, &cause) == 0) {
		for (size_t i = 0; i < b->record_count; i++)
			free(store_record_to_json(b->records[i]));
		bundle_free(b);
	} else {
		if (cause == NULL)
			abort();  /* every refusal says why */
		free(cause);
	}
}

#endif
