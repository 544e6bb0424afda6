/*
 * libFuzzer harness for the photo import: any bytes in, a clean refusal or
 * a photo out, within the limits (small ones here, so that the fuzzer
 * reaches the limit checks and each input decodes quickly).  A photo out
 * must be what its info says, and must import again to the same size.
 * The same bytes as a record's photo answer (text from a bundle): refused,
 * or parsed into photos that write back as exactly that text (the form has
 * one spelling); and the JPEG frame-header probe the depot uses never reads
 * past the bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "photo/photo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
answer_round_trip(const uint8_t *data, size_t size)
{
	struct photo_info ph[PHOTO_MAX_PER_ANSWER];
	char *text = malloc(size + 1), *back;
	size_t n;
	unsigned w, h;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (photo_answer_parse(text, ph, PHOTO_MAX_PER_ANSWER, &n) == 0) {
		back = photo_answer_format(ph, n);
		if (n == 0 || n > PHOTO_MAX_PER_ANSWER || strcmp(back, text) != 0)
			abort();
		free(back);
	} else if (n != 0) {
		abort();
	}
	free(text);
	if (photo_probe_jpeg(data, size, &w, &h) == 0 && (w == 0 || h == 0))
		abort();
}

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

	answer_round_trip(data, size);
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
