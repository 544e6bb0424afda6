/*
 * libFuzzer harness for the photo import: any bytes in, a clean refusal or
 * a photo out, within the limits (small ones here, so that the fuzzer
 * reaches the limit checks and each input decodes quickly).  A photo out
 * must be what its info says, and must import again to the same size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "photo/photo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct photo_limits lim = {
		.max_source_bytes = 256 * 1024,
		.max_source_pixels = 1024 * 1024,
		.max_decoder_mem = 32 * 1024 * 1024,
		.max_scans = 64,
	};
	unsigned char *jpeg = NULL, *again = NULL, digest[crypto_hash_sha256_BYTES];
	size_t len, again_len;
	struct photo_info info, info2;
	char *cause = NULL, hex[PHOTO_HASH_LEN];

	if (photo_import_mem(data, size, 48, &lim, &jpeg, &len, &info, &cause) != 0) {
		if (cause == NULL || jpeg != NULL)
			abort();  /* every refusal says why, and leaves nothing */
		free(cause);
		return 0;
	}
	crypto_hash_sha256(digest, jpeg, len);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	if (info.bytes != len || strcmp(hex, info.sha256) != 0 || info.width == 0 ||
	    info.height == 0 || info.width > 48 || info.height > 48 ||
	    info.orientation < 1 || info.orientation > 8)
		abort();
	if (photo_import_mem(jpeg, len, 48, &lim, &again, &again_len, &info2, &cause) != 0 ||
	    info2.width != info.width || info2.height != info.height ||
	    strcmp(info2.captured_at, info.captured_at) != 0)
		abort();
	free(again);
	free(jpeg);
	return 0;
}
