/*
 * Unit tests of coverage/: the visit rules (a stay long enough, stays of one
 * inspector less than COVERAGE_MERGE_S apart are one, a gap ends a stay, a
 * record during a counted stay is that visit, another inspector's record is
 * another), the plan by the calendar, and the calendar file's grammar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/coverage.h"
#include "track/track.h"
#include "util/util.h"

#define T0 1795998600
/* One square zone, 31.2300-31.2320 N, 121.4730-121.4760 E: 5 minutes make a visit. */
static const char zones_json[] =
	"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
	"{\"name_zh\":\"广场\",\"name_en\":\"Square\",\"kind\":\"square\",\"patrols\":3,"
	"\"patrols_holiday\":6,\"min_minutes\":5},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	"[[[121.4730,31.2300],[121.4760,31.2300],[121.4760,31.2320],[121.4730,31.2320],[121.4730,31.2300]]]}}]}";

static struct coverage_zones *
zones(void)
{
	struct coverage_zones *z;
	char *cause = NULL;

	if (coverage_zones_load_buffer("z.geojson", zones_json, strlen(zones_json), &z, &cause) != 0)
		fail_msg("%s", cause);
	return z;
}

/* Points every 20 s from t for secs, inside (in) or 300 m south of the square. */
static size_t
stay(struct store_track_point *p, size_t n, int64_t t, int secs, bool in)
{
	for (int s = 0; s <= secs; s += 20, n++)
		p[n] = (struct store_track_point){ .t = t + s, .lat = in ? 31231000 : 31227000,
		    .lon = 121474500, .acc = 5 };
	return n;
}

static int
done(struct coverage_day *d)
{
	return d->rows[0].done;
}

/* The visits wang's points p[0..n) make on an ordinary day. */
static int
visits_of(const struct coverage_zones *z, const struct store_track_point *p, size_t n)
{
	struct coverage_day *d = coverage_day_new(z, NULL, "2026-11-30");
	int v;

	coverage_add_track(d, z, "wang", p, n, false);
	coverage_day_finish(d, z);
	v = done(d);
	coverage_day_free(d);
	return v;
}

static void
test_merge(void **state)
{
	struct coverage_zones *z = zones();
	struct store_track_point p[200];
	struct coverage_day *d;
	size_t n = 0;

	(void)state;
	/* 4 min in, 2 min out, 4 min in: one stay of 10 minutes. */
	n = stay(p, n, T0, 240, true);
	n = stay(p, n, T0 + 260, 100, false);
	n = stay(p, n, T0 + 380, 240, true);
	d = coverage_day_new(z, NULL, "2026-11-30");
	coverage_add_track(d, z, "wang", p, n, false);
	coverage_day_finish(d, z);
	assert_int_equal(done(d), 1);
	assert_int_equal(d->rows[0].required, 3);
	assert_true(d->rows[0].overdue);
	assert_string_equal(d->rows[0].last_by, "wang");
	coverage_day_free(d);

	/* 6 min in, 10 min out, 6 min in: two visits. */
	n = 0;
	n = stay(p, n, T0, 360, true);
	n = stay(p, n, T0 + 380, 580, false);
	n = stay(p, n, T0 + 980, 360, true);
	assert_int_equal(visits_of(z, p, n), 2);

	/* 4 min, a gap of 10 minutes without a point, 4 min: never a stay of 8. */
	n = 0;
	n = stay(p, n, T0, 240, true);
	n = stay(p, n, T0 + 840, 240, true);
	assert_int_equal(visits_of(z, p, n), 0);
	coverage_zones_free(z);
}

static void
test_records(void **state)
{
	struct coverage_zones *z = zones();
	struct coverage_calendar *cal;
	struct store_track_point p[40];
	struct store_record *rec = store_record_new();
	struct coverage_day *d;
	char *cause = NULL;
	const char *days = "# test\r\n2026-11-30 city marathon\r\n";
	size_t n = stay(p, 0, T0, 360, true);

	(void)state;
	assert_int_equal(coverage_calendar_load_buffer("c.txt", days, strlen(days), &cal, &cause), 0);
	d = coverage_day_new(z, cal, "2026-11-30");
	assert_string_equal(d->holiday, "city marathon");
	coverage_add_track(d, z, "wang", p, n, false);
	rec->status = STORE_FINAL;
	rec->pos.source = STORE_POS_GPSD;
	rec->pos.lat = 31.231;
	rec->pos.lon = 121.4745;
	fc_strlcpy(rec->inspector, "wang", sizeof rec->inspector);
	fc_time_iso_utc(rec->finalized_at, (struct timespec){ .tv_sec = T0 + 100 });
	/* A record wang saved during his counted stay is that visit. */
	coverage_add_record(d, z, rec);
	/* Li's record, an hour later, is another. */
	fc_strlcpy(rec->inspector, "li", sizeof rec->inspector);
	fc_time_iso_utc(rec->finalized_at, (struct timespec){ .tv_sec = T0 + 3600 });
	coverage_add_record(d, z, rec);
	/* A record outside the square is none. */
	rec->pos.lat = 31.2;
	coverage_add_record(d, z, rec);
	coverage_day_finish(d, z);
	assert_int_equal(done(d), 2);
	assert_int_equal(d->rows[0].required, 6);
	assert_string_equal(d->rows[0].last_by, "li");
	coverage_day_free(d);
	store_record_free(rec);
	coverage_calendar_free(cal);
	coverage_zones_free(z);
}

static void
test_calendar(void **state)
{
	struct coverage_calendar *c;
	char *cause = NULL;
	const char *ok = "2026-10-01..2026-10-07 国庆节\n  2026-12-31\tnew year's eve  \n";

	(void)state;
	assert_int_equal(coverage_calendar_load_buffer("c.txt", ok, strlen(ok), &c, &cause), 0);
	assert_string_equal(coverage_calendar_label(c, "2026-10-01"), "国庆节");
	assert_string_equal(coverage_calendar_label(c, "2026-10-07"), "国庆节");
	assert_null(coverage_calendar_label(c, "2026-10-08"));
	assert_string_equal(coverage_calendar_label(c, "2026-12-31"), "new year's eve");
	assert_null(coverage_calendar_label(NULL, "2026-12-31"));
	coverage_calendar_free(c);

	static const struct { const char *text, *want; } bad[] = {
		{ "2026-02-30 x\n", "c.txt:1:1: '2026-02-30' is not a date" },
		{ "\n2026-1-3 x\n", "c.txt:2:1: '2026-1-3' is not a date" },
		{ "2026-10-01.2026-10-03 x\n", "c.txt:1:11: a range is FROM..TO" },
		{ "2026-10-01..2027-12-01 x\n", "the range ends before it starts or spans more than a year" },
		{ "2026-10-01\n", "c.txt:1:11: a day needs its label" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(coverage_calendar_load_buffer("c.txt", bad[i].text, strlen(bad[i].text), &c,
		    &cause), -1);
		if (strstr(cause, bad[i].want) == NULL)
			fail_msg("bad[%zu]: \"%s\" lacks \"%s\"", i, cause, bad[i].want);
		free(cause);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_calendar),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
