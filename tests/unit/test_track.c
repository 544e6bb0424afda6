/*
 * Unit tests of track/ and the store's track points: the recorder's
 * thinning, accuracy limit, gaps and glitches, its batches; reading a day
 * back (a two-hour gap, a 5 km jump in one second, points out of order);
 * the wire form round trip and its refusals; points saved, listed, sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "track/track.h"
#include "util/util.h"

#define T0 1795998600   /* 2026-11-30 09:50 in Shanghai */
/* About 1e-5 degree of latitude is 1.1 m. */
#define NORTH_M(m) (31.2304 + (m) / 111195.0)

static void
test_distance(void **state)
{
	(void)state;
	/* 0.001 degree of latitude is 111 m; of longitude at 31.23 N, 95 m. */
	assert_true(fabs(track_distance_m(31230400, 121473700, 31231400, 121473700) - 111.2) < 0.5);
	assert_true(fabs(track_distance_m(31230400, 121473700, 31230400, 121474700) - 95.1) < 0.5);
	assert_true(fabs(track_bearing_deg(31230400, 121473700, 31231400, 121473700) - 0) < 0.1);
	assert_true(fabs(track_bearing_deg(31230400, 121473700, 31230400, 121474700) - 90) < 0.1);
	assert_true(fabs(track_bearing_deg(31230400, 121473700, 31229400, 121473700) - 180) < 0.1);
}

static void
test_thinning(void **state)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	const struct store_track_point *b;
	size_t n;
	int kept = 0;

	(void)state;
	/* Walking north at 1 m/s, one fix a second for 100 s: a point every 20 m. */
	for (int s = 0; s < 100; s++)
		kept += track_recorder_fix(r, T0 + s, NORTH_M(s), 121.4737, 4.0, s * 1000);
	assert_int_equal(kept, 5);
	b = track_recorder_batch(r, &n);
	assert_int_equal(n, 5);
	assert_int_equal(b[0].gap, STORE_GAP_DUTY);
	assert_int_equal(b[1].gap, STORE_GAP_NONE);
	assert_int_equal(b[1].t - b[0].t, 20);
	assert_int_equal(b[0].acc, 4);
	/* Standing still: a point every 30 s. */
	for (int s = 100; s < 161; s++)
		kept += track_recorder_fix(r, T0 + s, NORTH_M(99), 121.4737, 4.0, s * 1000);
	assert_int_equal(kept, 7);
	b = track_recorder_batch(r, &n);
	assert_int_equal(b[6].t - b[5].t, 30);
	track_recorder_free(r);
}

static void
test_accuracy_and_gaps(void **state)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_CLOSED);
	const struct store_track_point *b;
	size_t n;

	(void)state;
	assert_true(track_recorder_fix(r, T0, NORTH_M(0), 121.4737, 4.0, 0));
	/* Poor or unknown accuracy never counts, and breaks the track. */
	assert_false(track_recorder_fix(r, T0 + 40, NORTH_M(50), 121.4737, 45.0, 1000));
	assert_false(track_recorder_fix(r, T0 + 41, NORTH_M(51), 121.4737, NAN, 1000));
	assert_int_equal(track_recorder_inaccurate(r), 2);
	assert_true(track_recorder_fix(r, T0 + 50, NORTH_M(60), 121.4737, 5.0, 2000));
	/* No fix at all: the same. */
	track_recorder_lost(r);
	assert_true(track_recorder_fix(r, T0 + 60, NORTH_M(62), 121.4737, 5.0, 3000));
	b = track_recorder_batch(r, &n);
	assert_int_equal(n, 3);
	assert_int_equal(b[0].gap, STORE_GAP_CLOSED);
	assert_int_equal(b[1].gap, STORE_GAP_NO_FIX);
	assert_int_equal(b[2].gap, STORE_GAP_NO_FIX);
	track_recorder_free(r);
}

static void
test_glitch(void **state)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	size_t n;

	(void)state;
	assert_true(track_recorder_fix(r, T0, NORTH_M(0), 121.4737, 4.0, 0));
	/* 5 km in one second: dropped and counted. */
	assert_false(track_recorder_fix(r, T0 + 1, NORTH_M(5000), 121.4737, 4.0, 1000));
	assert_int_equal(track_recorder_glitches(r), 1);
	assert_true(track_recorder_fix(r, T0 + 30, NORTH_M(25), 121.4737, 4.0, 2000));
	track_recorder_batch(r, &n);
	assert_int_equal(n, 2);
	/* A receiver that stays where it jumped is believed after a few fixes, as a new stretch. */
	for (int i = 1; i <= 3; i++)
		track_recorder_fix(r, T0 + 30 + i, NORTH_M(9000), 121.4737, 4.0, 3000);
	const struct store_track_point *b = track_recorder_batch(r, &n);
	assert_int_equal(n, 3);
	assert_int_equal(b[2].gap, STORE_GAP_NO_FIX);
	track_recorder_free(r);
}

static void
test_clock_back(void **state)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	const struct store_track_point *b;
	size_t n;

	(void)state;
	assert_true(track_recorder_fix(r, T0 + 3600, NORTH_M(0), 121.4737, 4.0, 0));
	/* The same second again and a clock an hour back: passed over at first... */
	assert_false(track_recorder_fix(r, T0 + 3600, NORTH_M(0), 121.4737, 4.0, 1000));
	assert_false(track_recorder_fix(r, T0 + 1, NORTH_M(1), 121.4737, 4.0, 2000));
	/* ...and believed when it stays back: a new stretch, never a stuck recorder. */
	assert_true(track_recorder_fix(r, T0 + 2, NORTH_M(2), 121.4737, 4.0, 3000));
	assert_true(track_recorder_fix(r, T0 + 32, NORTH_M(3), 121.4737, 4.0, 4000));
	b = track_recorder_batch(r, &n);
	assert_int_equal(n, 3);
	assert_int_equal(b[1].gap, STORE_GAP_NO_FIX);
	assert_int_equal(b[2].gap, STORE_GAP_NONE);
	track_recorder_free(r);
}

static void
test_batches(void **state)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	size_t n;

	(void)state;
	assert_int_equal(track_recorder_due_ms(r, 0), -1);
	track_recorder_fix(r, T0, NORTH_M(0), 121.4737, 4.0, 1000);
	assert_int_equal(track_recorder_due_ms(r, 1000), TRACK_BATCH_S * 1000);
	assert_int_equal(track_recorder_due_ms(r, 1000 + TRACK_BATCH_S * 1000), 0);
	track_recorder_saved(r);
	track_recorder_batch(r, &n);
	assert_int_equal(n, 0);
	/* A full batch is due at once. */
	for (int i = 1; i <= TRACK_BATCH_POINTS; i++)
		track_recorder_fix(r, T0 + i * 30, NORTH_M(i * 30), 121.4737, 4.0, 2000);
	assert_int_equal(track_recorder_due_ms(r, 2000), 0);
	track_recorder_free(r);
}

static struct store_track_point
pt(int64_t t, double north_m)
{
	return (struct store_track_point){ .t = t, .lat = track_micro(NORTH_M(north_m)),
	    .lon = 121473700, .acc = 5 };
}

static void
test_clean(void **state)
{
	struct store_track_point p[8];
	struct track_clean_counts c;
	size_t n;

	(void)state;
	/* Out of order, a repeat, a 5 km jump in one second, and a two-hour gap. */
	p[0] = pt(T0 + 20, 20);
	p[1] = pt(T0, 0);
	p[2] = pt(T0 + 40, 40);
	p[3] = pt(T0 + 40, 40);
	p[4] = pt(T0 + 41, 5040);
	p[5] = pt(T0 + 60, 60);
	p[6] = pt(T0 + 60 + 7200, 500);
	p[7] = pt(T0 + 60 + 7230, 530);
	n = track_clean(p, 8, TRACK_MAX_SPEED_MS, TRACK_GAP_S, &c);
	assert_int_equal(n, 6);
	assert_int_equal(c.reordered, 1);
	assert_int_equal(c.repeats, 1);
	assert_int_equal(c.glitches, 1);
	assert_int_equal(c.stretches, 2);
	for (size_t i = 1; i < n; i++)
		assert_true(p[i].t > p[i - 1].t);
	assert_true(track_breaks(&p[3], &p[4], TRACK_GAP_S));
	assert_false(track_breaks(&p[4], &p[5], TRACK_GAP_S));
}

static void
test_wire(void **state)
{
	struct store_track_point p[3] = { pt(T0, 0), pt(T0 + 20, 21), pt(T0 + 600, 300) };
	struct track_wire w;
	char *cause = NULL, *line;
	size_t len;

	(void)state;
	p[0].gap = STORE_GAP_DUTY;
	p[2].gap = STORE_GAP_NO_FIX;
	p[2].acc = -1;
	line = track_wire_encode("hh-1", "王芳", "2026-11-30", p, 3, &len);
	assert_int_equal(strlen(line), len);
	assert_true(track_wire_is_track(line, len));
	assert_non_null(strstr(line, "\"t\":[1795998600,20,580]"));
	assert_non_null(strstr(line, "\"gaps\":[[0,\"duty\"],[2,\"no-fix\"]]"));
	if (track_wire_decode(line, len, &w, &cause) != 0)
		fail_msg("decode: %s", cause);
	assert_string_equal(w.inspector, "王芳");
	assert_int_equal(w.n, 3);
	assert_memory_equal(w.pts, p, sizeof p);
	track_wire_free(&w);
	free(line);

	static const struct { const char *line, *want; } bad[] = {
		{ "{\"track\":1", "not JSON" },
		{ "{\"track\":2}", "\"track\" must be 1" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"\",\"day\":\"2026-11-30\"}", "\"inspector\"" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"i\",\"day\":\"2026-13-30\"}", "not YYYY-MM-DD" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"i\",\"day\":\"2026-11-30\",\"t\":[1],"
		  "\"lat\":[91000000],\"lon\":[0],\"acc\":[1],\"gaps\":[]}", "lat[0] gives 91000000" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"i\",\"day\":\"2026-11-30\",\"t\":[1,2],"
		  "\"lat\":[1],\"lon\":[0,0],\"acc\":[1,1],\"gaps\":[]}", "\"lat\" must be an array of 2" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"i\",\"day\":\"2026-11-30\",\"t\":[1],"
		  "\"lat\":[1],\"lon\":[0],\"acc\":[1],\"gaps\":[[1,\"duty\"]]}", "gaps[0]" },
		{ "{\"track\":1,\"device\":\"d\",\"inspector\":\"i\",\"day\":\"2026-11-30\",\"t\":[1],"
		  "\"lat\":[1],\"lon\":[0],\"acc\":[1],\"gaps\":[[0,\"nap\"]]}", "gaps[0]" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(track_wire_decode(bad[i].line, strlen(bad[i].line), &w, &cause), -1);
		if (strstr(cause, bad[i].want) == NULL)
			fail_msg("bad[%zu]: \"%s\" lacks \"%s\"", i, cause, bad[i].want);
		free(cause);
	}
}

static int
count_point(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *p)
{
	(void)device;
	(void)inspector;
	(void)day;
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void
test_store(void **state)
{
	char dir[] = "/tmp/fieldcheck-track-XXXXXX", path[64];
	struct store *st;
	struct store_track_point p[3] = { pt(T0, 0), pt(T0 + 20, 21), pt(T0 + 40, 42) };
	int64_t points, unsent, last;
	int count = 0;
	char *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &cause), 0);
	assert_int_equal(store_track_append(st, "hh", "i1", p, 2, NULL, &cause), 0);
	/* The same points again (a retried batch) are stored once. */
	assert_int_equal(store_track_append(st, "hh", "i1", p, 3, NULL, &cause), 0);
	assert_int_equal(store_track_counts(st, &points, &unsent, &cause), 0);
	assert_int_equal(points, 3);
	assert_int_equal(unsent, 3);
	assert_int_equal(store_track_unsent(st, 2, count_point, &count, &last, &cause), 0);
	assert_int_equal(count, 2);
	assert_int_equal(store_track_mark_sent(st, last, &cause), 0);
	assert_int_equal(store_track_counts(st, &points, &unsent, &cause), 0);
	assert_int_equal(unsent, 1);
	count = 0;
	assert_int_equal(store_track_list(st, "2026-11-30", "i1", count_point, &count, &cause), 0);
	assert_int_equal(count, 3);
	count = 0;
	assert_int_equal(store_track_list(st, "2026-11-29", NULL, count_point, &count, &cause), 0);
	assert_int_equal(count, 0);
	store_close(st);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_thinning),
		cmocka_unit_test(test_accuracy_and_gaps),
		cmocka_unit_test(test_glitch),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_store),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
