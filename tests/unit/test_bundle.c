/*
 * Unit tests of the bundle codec (sync/bundle.c): round trips, the size cap,
 * and every decoder limit broken on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store/store.h"
#include "sync/sync.h"
#include "util/util.h"

static struct store_record *
make_record(int i, const char *form)
{
	struct store_record *rec = store_record_new();
	char buf[64];

	fc_strlcpy(rec->form_id, form, sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "3", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12",
	    sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "alice", sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh1", sizeof rec->device);
	fc_strlcpy(rec->finalized_at, rec->updated_at, sizeof rec->finalized_at);
	fc_strlcpy(rec->day, "2026-11-24", sizeof rec->day);
	rec->status = STORE_FINAL;
	rec->pos.source = STORE_POS_MANUAL;
	rec->pos.lat = 31.23;
	rec->pos.lon = 121.47;
	fc_strlcpy(rec->pos.reason, "typed", sizeof rec->pos.reason);
	snprintf(buf, sizeof buf, "R-%d", i);
	store_record_set_answer(rec, "asset_id", buf);
	store_record_set_answer(rec, "note", "路面沉陷 \"quoted\" \\ 行");
	return rec;
}

/* Builds a bundle of n records; returns the writer (caller frees) and fills b. */
static struct bundle_writer *
build(size_t n, size_t cap, struct store_bundle *b, char ***uuids)
{
	struct bundle_writer *w = bundle_writer_new("hh1", cap);
	char *cause = NULL;

	*uuids = xcalloc(n, sizeof **uuids);
	for (size_t i = 0; i < n; i++) {
		struct store_record *rec = make_record((int)i, i % 2 ? "road" : "park");
		int rc = bundle_writer_add(w, rec, &cause);

		(*uuids)[i] = xstrdup(rec->uuid);
		store_record_free(rec);
		if (rc == 1)
			break;
		assert_int_equal(rc, 0);
	}
	assert_int_equal(bundle_writer_finish(w, b, &cause), 0);
	return w;
}

static void
free_uuids(char **uuids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(uuids[i]);
	free(uuids);
}

static void
test_round_trip(void **state)
{
	struct store_bundle sb;
	struct bundle *b = NULL;
	char **uuids, hex[STORE_HASH_LEN], *cause = NULL;
	struct bundle_writer *w;

	(void)state;
	w = build(10, 0, &sb, &uuids);
	assert_int_equal(sb.record_count, 10);
	bundle_sha256_hex(sb.bytes, sb.size, hex);
	assert_string_equal(hex, sb.sha256);
	{
		/* The upload's digest header, from the stored hex, is the digest of the bytes. */
		char b64[BUNDLE_SHA256_B64_LEN], from_hex[BUNDLE_SHA256_B64_LEN];

		bundle_sha256_b64(sb.bytes, sb.size, b64);
		assert_int_equal(bundle_sha256_hex_to_b64(sb.sha256, from_hex), 0);
		assert_string_equal(from_hex, b64);
		assert_int_equal(bundle_sha256_hex_to_b64("abc", from_hex), -1);
		hex[10] = 'g';
		assert_int_equal(bundle_sha256_hex_to_b64(hex, from_hex), -1);
	}
	assert_int_equal(bundle_decode(sb.bytes, sb.size, NULL, &b, &cause), 0);
	assert_string_equal(b->header.uuid, sb.uuid);
	assert_string_equal(b->header.device, "hh1");
	assert_int_equal(b->header.record_count, 10);
	assert_int_equal(b->header.form_count, 2);
	assert_int_equal(b->record_count, 10);
	for (size_t i = 0; i < 10; i++) {
		assert_string_equal(b->records[i]->uuid, uuids[i]);
		assert_string_equal(store_record_answer(b->records[i], "note"), "路面沉陷 \"quoted\" \\ 行");
	}
	bundle_free(b);
	free(sb.bytes);
	bundle_writer_free(w);
	free_uuids(uuids, 10);
}

/* Most real forms set no version: their records travel with the empty version. */
static void
test_form_without_version(void **state)
{
	struct bundle_writer *w = bundle_writer_new("hh1", 0);
	struct store_record *rec = make_record(1, "dhis2form");
	struct store_bundle sb;
	struct bundle *b = NULL;
	char *cause = NULL;

	(void)state;
	rec->form_version[0] = '\0';
	assert_int_equal(bundle_writer_add(w, rec, &cause), 0);
	assert_int_equal(bundle_writer_finish(w, &sb, &cause), 0);
	if (bundle_decode(sb.bytes, sb.size, NULL, &b, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(b->header.forms[0].version, "");
	assert_string_equal(b->records[0]->form_version, "");
	assert_string_equal(b->records[0]->uuid, rec->uuid);
	bundle_free(b);
	free(sb.bytes);
	bundle_writer_free(w);
	store_record_free(rec);
}

/* The writer keeps every bundle within its cap, leaving the rest for the next. */
static void
test_cap(void **state)
{
	struct store_bundle sb;
	struct bundle *b = NULL;
	const char *const *in;
	char **uuids, *cause = NULL;
	struct bundle_writer *w;
	size_t n;

	(void)state;
	w = build(2000, 4096, &sb, &uuids);
	assert_true(sb.size <= 4096);
	assert_true(sb.record_count > 3 && sb.record_count < 2000);
	in = bundle_writer_uuids(w, &n);
	assert_int_equal(n, sb.record_count);
	assert_string_equal(in[0], uuids[0]);
	assert_int_equal(bundle_decode(sb.bytes, sb.size, NULL, &b, &cause), 0);
	assert_int_equal(b->record_count, n);
	bundle_free(b);
	free(sb.bytes);
	bundle_writer_free(w);
	free_uuids(uuids, 2000);
}

/* The number of gzip members in BYTES: each is inflated to its end in turn. */
static int
gzip_members(const unsigned char *bytes, size_t size)
{
	unsigned char sink[16384];
	size_t at = 0;
	int members = 0;

	while (at < size) {
		z_stream z = { 0 };
		int rc;

		assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
		z.next_in = (unsigned char *)(uintptr_t)(bytes + at);
		z.avail_in = (uInt)(size - at);
		do {
			z.next_out = sink;
			z.avail_out = sizeof sink;
			rc = inflate(&z, Z_NO_FLUSH);
		} while (rc == Z_OK);
		assert_int_equal(rc, Z_STREAM_END);
		at = size - z.avail_in;
		inflateEnd(&z);
		members++;
	}
	return members;
}

/* A large bundle uses two gzip members; zlib's one-shot reader sees both. */
static void
test_multi_member(void **state)
{
	struct store_bundle sb;
	char **uuids, *text = NULL, *cause = NULL;
	size_t len;
	struct bundle_writer *w;

	(void)state;
	w = build(3000, 0, &sb, &uuids);
	assert_int_equal(gzip_members(sb.bytes, sb.size), 2);
	assert_int_equal(bundle_inflate(sb.bytes, sb.size, NULL, &text, &len, &cause), 0);
	{
		size_t lines = 0;

		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		assert_int_equal(lines, sb.record_count + 1);
	}
	assert_non_null(strstr(text, "\"fieldcheck_bundle\":\"header\""));
	free(text);
	free(sb.bytes);
	bundle_writer_free(w);
	free_uuids(uuids, 3000);
}

static unsigned char *
gzip_text(const char *text, size_t *out_len)
{
	uLong bound = compressBound((uLong)strlen(text)) + 64;
	unsigned char *out = xmalloc(bound);
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)bound;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void
expect_refused(const void *bytes, size_t len, const struct bundle_limits *lim, const char *why)
{
	struct bundle *b = NULL;
	char *cause = NULL;

	assert_int_equal(bundle_decode(bytes, len, lim, &b, &cause), -1);
	assert_null(b);
	assert_non_null(cause);
	if (strstr(cause, why) == NULL)
		fail_msg("expected '%s' in '%s'", why, cause);
	free(cause);
}

static void
test_broken_input(void **state)
{
	struct store_bundle sb;
	char **uuids;
	struct bundle_writer *w;
	unsigned char *copy;

	(void)state;
	w = build(5, 0, &sb, &uuids);
	/* Truncated anywhere: refused, never a crash. */
	for (size_t cut = 0; cut < sb.size; cut += 7)
		expect_refused(sb.bytes, cut, NULL, "");
	/*
	 * Every single bit flipped: refused, or (a bit deflate ignores: padding
	 * after the last block, the gzip mtime, a code length of an unused
	 * symbol) the very same text — gzip's CRC-32 guards the content.
	 */
	{
		char *orig = NULL, *cause = NULL;
		size_t olen;

		assert_int_equal(bundle_inflate(sb.bytes, sb.size, NULL, &orig, &olen, &cause), 0);
		copy = xmalloc(sb.size);
		for (size_t i = 0; i < sb.size * 8; i++) {
			char *text = NULL;
			size_t tlen;

			memcpy(copy, sb.bytes, sb.size);
			copy[i / 8] ^= (unsigned char)(1u << (i % 8));
			if (bundle_inflate(copy, sb.size, NULL, &text, &tlen, &cause) == 0) {
				if (tlen != olen || memcmp(text, orig, olen) != 0)
					fail_msg("flipping bit %zu went unnoticed and changed the content", i);
				free(text);
			} else {
				free(cause);
				cause = NULL;
			}
		}
		free(copy);
		free(orig);
	}
	/* Trailing garbage after the last member. */
	copy = xmalloc(sb.size + 4);
	memcpy(copy, sb.bytes, sb.size);
	memcpy(copy + sb.size, "junk", 4);
	expect_refused(copy, sb.size + 4, NULL, "gzip");
	free(copy);
	free(sb.bytes);
	bundle_writer_free(w);
	free_uuids(uuids, 5);
}

static void
test_limits(void **state)
{
	struct bundle_limits lim = { 0 };
	unsigned char *gz;
	size_t len;
	char *big;

	(void)state;
	/* Compressed size. */
	lim.max_compressed = 100;
	big = xcalloc(1, 4096);
	memset(big, 'a', 4095);
	expect_refused(big, 4095, &lim, "over the limit");
	/* A zip bomb: 8 MiB of newlines in a few KiB, against a 1 MiB limit. */
	free(big);
	big = xmalloc(8u << 20 | 1);
	memset(big, '\n', 8u << 20);
	big[8u << 20] = '\0';
	gz = gzip_text(big, &len);
	assert_true(len < 64 * 1024);
	lim = (struct bundle_limits){ .max_decompressed = 1u << 20 };
	expect_refused(gz, len, &lim, "decompresses to more than");
	free(gz);
	free(big);
	/* Line length. */
	big = xmalloc(5000);
	memset(big, 'x', 4998);
	big[4998] = '\n';
	big[4999] = '\0';
	gz = gzip_text(big, &len);
	lim = (struct bundle_limits){ .max_line = 1000 };
	expect_refused(gz, len, &lim, "over the limit");
	free(gz);
	free(big);
	/* Record count: the header may not promise more than the limit. */
	gz = gzip_text("{\"fieldcheck_bundle\":\"header\",\"format\":1,"
	    "\"uuid\":\"0b0e3b52-4c47-4c1c-9a55-3d6f0e0e8a11\",\"device\":\"hh1\","
	    "\"created_at\":\"2026-11-24T08:00:00.000Z\",\"record_count\":50,\"forms\":[]}\n", &len);
	lim = (struct bundle_limits){ .max_records = 10 };
	expect_refused(gz, len, &lim, "record_count");
	/* ...and must match what follows. */
	expect_refused(gz, len, NULL, "header says 50 records, found 0");
	free(gz);
	/* Not JSON, not a header, no newline, a NUL. */
	gz = gzip_text("hello\n", &len);
	expect_refused(gz, len, NULL, "line 1");
	free(gz);
	gz = gzip_text("{\"format\":1}\n", &len);
	expect_refused(gz, len, NULL, "not a fieldcheck bundle header");
	free(gz);
	gz = gzip_text("{\"fieldcheck_bundle\":\"header\"}", &len);
	expect_refused(gz, len, NULL, "no newline");
	free(gz);
}

/* A record whose form is not in the header, or a duplicate UUID, is refused. */
static void
test_consistency(void **state)
{
	struct store_record *rec = make_record(1, "road");
	char *line = store_record_to_json(rec), *text;
	unsigned char *gz;
	size_t len;

	(void)state;
	text = xasprintf("{\"fieldcheck_bundle\":\"header\",\"format\":1,"
	    "\"uuid\":\"0b0e3b52-4c47-4c1c-9a55-3d6f0e0e8a11\",\"device\":\"hh1\","
	    "\"created_at\":\"2026-11-24T08:00:00.000Z\",\"record_count\":1,\"forms\":[]}\n%s\n", line);
	gz = gzip_text(text, &len);
	expect_refused(gz, len, NULL, "not named in the header");
	free(gz);
	free(text);
	text = xasprintf("{\"fieldcheck_bundle\":\"header\",\"format\":1,"
	    "\"uuid\":\"0b0e3b52-4c47-4c1c-9a55-3d6f0e0e8a11\",\"device\":\"hh1\","
	    "\"created_at\":\"2026-11-24T08:00:00.000Z\",\"record_count\":2,\"forms\":[{\"id\":\"road\","
	    "\"version\":\"3\",\"hash\":\"%s\"}]}\n%s\n%s\n", rec->form_hash, line, line);
	gz = gzip_text(text, &len);
	expect_refused(gz, len, NULL, "appears twice");
	free(gz);
	free(text);
	free(line);
	store_record_free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_form_without_version),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_multi_member),
		cmocka_unit_test(test_broken_input),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_consistency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
