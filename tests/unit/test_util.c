/* Unit tests of util/: dates, times, UUIDs, UTF-8 and the configuration file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static void
test_valid_day(void **state)
{
	(void)state;
	assert_true(fc_valid_day("2026-11-24"));
	assert_true(fc_valid_day("2024-02-29"));
	assert_false(fc_valid_day("2026-02-29"));
	assert_false(fc_valid_day("2026-02-30"));
	assert_false(fc_valid_day("2026-13-01"));
	assert_false(fc_valid_day("2026-1-01"));
	assert_false(fc_valid_day("2026-11-24x"));
	assert_false(fc_valid_day(""));
}

static void
test_iso_time_round_trip(void **state)
{
	struct timespec ts = { .tv_sec = 1795000000, .tv_nsec = 123000000 }, back;
	char buf[FC_TIME_LEN];

	(void)state;
	fc_time_iso_utc(buf, ts);
	assert_string_equal(buf, "2026-11-18T11:06:40.123Z");
	assert_int_equal(fc_parse_iso_utc(buf, &back), 0);
	assert_int_equal(back.tv_sec, ts.tv_sec);
	assert_int_equal(back.tv_nsec, ts.tv_nsec);
	assert_int_equal(fc_parse_iso_utc("2026-11-18T11:06:40Z", &back), 0);
	assert_int_equal(fc_parse_iso_utc("2026-11-18 07:46:40Z", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-11-18T07:46:40+08:00", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-11-18T07:46:40.Z", &back), -1);
	/* Digits where digits belong: no signs, spaces or short fields. */
	assert_int_equal(fc_parse_iso_utc("2026-11-18T07:46:4", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-11-18T07:-6:40Z", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-11- 8T07:46:40Z", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-1-18T07:46:40Z", &back), -1);
	assert_int_equal(fc_parse_iso_utc("2026-13-18T07:46:40Z", &back), -1);
	assert_int_equal(fc_parse_iso_utc("", &back), -1);
}

static void
test_uuid(void **state)
{
	char a[FC_UUID_LEN], b[FC_UUID_LEN];

	(void)state;
	fc_uuid_v4(a);
	fc_uuid_v4(b);
	assert_true(fc_valid_uuid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
	assert_false(fc_valid_uuid("6F1C2D3E-4B5A-4C6D-8E7F-0123456789AB"));
	assert_false(fc_valid_uuid("6f1c2d3e-4b5a-4c6d-8e7f-0123456789a"));
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(fc_utf8_valid("路灯损坏 ok", strlen("路灯损坏 ok")));
	assert_false(fc_utf8_valid("\xc0\xaf", 2));          /* overlong */
	assert_false(fc_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(fc_utf8_valid("\xe8\xb7", 2));          /* cut short */
	assert_false(fc_utf8_valid("\xf4\x90\x80\x80", 4));  /* beyond U+10FFFF */
	/* One character at a time, within the bytes given. */
	assert_int_equal(fc_utf8_len("a", 1), 1);
	assert_int_equal(fc_utf8_len("\xc3\xa9", 2), 2);
	assert_int_equal(fc_utf8_len("路", 3), 3);
	assert_int_equal(fc_utf8_len("\xf0\x9f\x9a\xa7", 4), 4);
	assert_int_equal(fc_utf8_len("路", 2), 0);              /* cut short by n */
	assert_int_equal(fc_utf8_len("\xa7", 1), 0);           /* a continuation byte */
	assert_int_equal(fc_utf8_len("\xc1\xbf", 2), 0);       /* overlong lead */
	assert_int_equal(fc_utf8_len("\xe0\x9f\xbf", 3), 0);   /* overlong */
	assert_int_equal(fc_utf8_len("", 0), 0);
}

static void
test_text_for_terminal(void **state)
{
	char c0[] = "bad\x1b[2Jtoken\r\n", c1[] = "x\xc2\x9b" "31my", del[] = "a\x7f" "b",
	    cut[] = "路\xe7\x81", latin[] = "p\xc3\xa8re \xc2\xa0ok", cjk[] = "令牌无效";

	(void)state;
	fc_text_for_terminal(c0, '?');
	assert_string_equal(c0, "bad?[2Jtoken??");
	fc_text_for_terminal(c1, '?');          /* CSI as one C1 character: one '?' */
	assert_string_equal(c1, "x?31my");
	fc_text_for_terminal(del, ' ');
	assert_string_equal(del, "a b");
	fc_text_for_terminal(cut, '?');         /* a character cut short by a bound */
	assert_string_equal(cut, "路??");
	fc_text_for_terminal(latin, '?');       /* U+00A0 and up are letters and spaces */
	assert_string_equal(latin, "p\xc3\xa8re \xc2\xa0ok");
	fc_text_for_terminal(cjk, '?');
	assert_string_equal(cjk, "令牌无效");
}

static void
test_config(void **state)
{
	char dir[] = "/tmp/fieldcheck-util-XXXXXX", *path, *cause = NULL;
	struct fc_config *cfg;
	struct stat sb;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/sub/config", dir);
	assert_int_equal(fc_config_load(path, &cfg, &cause), 0);  /* missing: empty */
	assert_null(fc_config_get(cfg, "server"));
	assert_int_equal(fc_config_set(cfg, "inspector", "王丽", &cause), 0);
	assert_int_equal(fc_config_set(cfg, "server", "https://depot.example", &cause), 0);
	fc_config_free(cfg);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(fc_config_load(path, &cfg, &cause), 0);
	assert_string_equal(fc_config_get(cfg, "inspector"), "王丽");
	assert_string_equal(fc_config_get(cfg, "server"), "https://depot.example");
	fc_config_free(cfg);

	f = fopen(path, "w");
	fputs("# comment\nserver = x\nthis line has no equals sign\n", f);
	fclose(f);
	assert_int_equal(fc_config_load(path, &cfg, &cause), -1);
	assert_non_null(strstr(cause, ":3:"));
	free(cause);
	unlink(path);
	free(path);
	path = xasprintf("%s/sub", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
}

/* The buffer holds every byte appended, NUL included, and stays a C string. */
static void
test_buf(void **state)
{
	struct fc_buf b = { 0 };
	char chunk[700];

	(void)state;
	fc_buf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = (char)('a' + i % 26);
	for (int round = 0; round < 10; round++)
		fc_buf_append(&b, chunk, sizeof chunk);
	assert_int_equal(b.len, 10 * sizeof chunk);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 9 * sizeof chunk, chunk, sizeof chunk);
	fc_buf_append(&b, "x\0y", 3);
	assert_int_equal(b.len, 10 * sizeof chunk + 3);
	assert_memory_equal(b.data + 10 * sizeof chunk, "x\0y", 4);
	free(b.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_day),
		cmocka_unit_test(test_iso_time_round_trip),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_text_for_terminal),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
