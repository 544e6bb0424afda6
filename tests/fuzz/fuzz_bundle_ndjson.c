/*
 * libFuzzer harness for the bundle decoder's JSON and record checks: the
 * input is the bundle's NDJSON text, which the harness gzips (as a handheld
 * does) before bundle_decode.  Mutations then change the header and the
 * records rather than breaking the gzip CRC, as they do in fuzz_bundle.
 * Seeds: real bundles' text (tests/fuzz/corpus/fuzz_bundle_ndjson/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "tests/fuzz/fuzz_bundle_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	z_stream z;
	unsigned char *gz;
	size_t cap;

	if (size > fuzz_bundle_limits.max_decompressed)
		return 0;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper, as bundle_writer writes. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&z, (uLong)size);
	gz = malloc(cap);
	if (gz == NULL)
		abort();
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();   /* deflateBound promises room */
	fuzz_bundle_decode(gz, cap - z.avail_out);
	deflateEnd(&z);
	free(gz);
	return 0;
}
