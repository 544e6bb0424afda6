/*
 * libFuzzer harness for the bundle decoder: any bytes in, a clean refusal
 * or a valid bundle out (fuzz_bundle_check.h).  Almost every mutation of a
 * gzip stream breaks its CRC, so this one mostly exercises the gzip layer;
 * fuzz_bundle_ndjson reaches the JSON and record checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_bundle_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bundle_limits *lim = &fuzz_bundle_limits;
	char *cause = NULL, *text = NULL;
	size_t len;

	fuzz_bundle_decode(data, size);
	if (bundle_inflate(data, size, lim, &text, &len, &cause) == 0) {
		if (len > lim->max_decompressed || text[len] != '\0')
			abort();
		free(text);
	} else {
		free(cause);
	}
	return 0;
}
