/*
 * libFuzzer harness for the bundle decoder: any bytes in, a clean refusal
 * or a valid bundle out, within the limits (small ones here, so that the
 * fuzzer reaches the limit checks).  A decoded bundle must also survive
 * being rendered back to JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_limits lim = {
		.max_compressed = 64 * 1024,
		.max_decompressed = 256 * 1024,
		.max_line = 16 * 1024,
		.max_records = 64,
	};
	struct bundle *b = NULL;
	char *cause = NULL, *text = NULL;
	size_t len;

	if (bundle_decode(data, size, &lim, &b, &cause) == 0) {
		for (size_t i = 0; i < b->record_count; i++)
			free(store_record_to_json(b->records[i]));
		bundle_free(b);
	} else {
		if (cause == NULL)
			abort();  /* every refusal says why */
		free(cause);
	}
	cause = NULL;
	if (bundle_inflate(data, size, &lim, &text, &len, &cause) == 0) {
		if (len > lim.max_decompressed || text[len] != '\0')
			abort();
		free(text);
	} else {
		free(cause);
	}
	return 0;
}
