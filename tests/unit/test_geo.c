/*
 * Unit tests of geo/: GeoJSON polygons (holes, multipolygons), the rule for
 * points on shared edges, the index against a plain scan, overlap checks,
 * and every kind of bad file the loader must refuse with a clear message.
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

#include "geo/geo.h"
#include "util/util.h"

static const char *const code_prop[] = { "code" };

static struct geo_layer *
load_ok(const char *json)
{
	struct geo_layer *l = NULL;
	char *cause = NULL;

	if (geo_layer_load_buffer("t.geojson", json, strlen(json), code_prop, 1, &l, &cause) != 0)
		fail_msg("unexpected refusal: %s", cause);
	return l;
}

/* Loading json fails with a message containing want. */
static void
refused(const char *json, const char *want)
{
	struct geo_layer *l = NULL;
	char *cause = NULL;

	assert_int_equal(geo_layer_load_buffer("t.geojson", json, strlen(json), code_prop, 1, &l,
	    &cause), -1);
	assert_null(l);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("'%s' does not say '%s'", cause, want);
	free(cause);
}

#define SQUARE(code, w, s, e, n) \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"" code "\"},\"geometry\":" \
	"{\"type\":\"Polygon\",\"coordinates\":[[[" #w "," #s "],[" #e "," #s "],[" #e "," #n \
	"],[" #w "," #n "],[" #w "," #s "]]]}}"
#define FC(...) "{\"type\":\"FeatureCollection\",\"features\":[" __VA_ARGS__ "]}"

/* Four cells around (121.5, 31.2): SW, SE, NW, NE. */
static const char quad[] = FC(
	SQUARE("sw", 121.4, 31.1, 121.5, 31.2) ","
	SQUARE("se", 121.5, 31.1, 121.6, 31.2) ","
	SQUARE("nw", 121.4, 31.2, 121.5, 31.3) ","
	SQUARE("ne", 121.5, 31.2, 121.6, 31.3));

static const char *
cell_at(const struct geo_layer *l, double lon, double lat)
{
	long i = geo_layer_locate(l, lon, lat);

	assert_int_equal(i, geo_layer_locate_scan(l, lon, lat));
	return i < 0 ? "-" : geo_layer_string(l, (size_t)i, "code");
}

/* l answers as the quad does: each cell, its edges and corners, and outside. */
static void
answers_as_quad(const struct geo_layer *l)
{
	assert_int_equal(geo_layer_count(l), 4);
	assert_string_equal(cell_at(l, 121.45, 31.15), "sw");
	assert_string_equal(cell_at(l, 121.55, 31.25), "ne");
	/* a north-south edge: the east cell */
	assert_string_equal(cell_at(l, 121.5, 31.15), "se");
	assert_string_equal(cell_at(l, 121.5, 31.25), "ne");
	/* an east-west edge: the north cell */
	assert_string_equal(cell_at(l, 121.45, 31.2), "nw");
	/* the shared corner: north-east */
	assert_string_equal(cell_at(l, 121.5, 31.2), "ne");
	/* the tiling's own west and south edges are in, east and north out */
	assert_string_equal(cell_at(l, 121.4, 31.15), "sw");
	assert_string_equal(cell_at(l, 121.45, 31.1), "sw");
	assert_string_equal(cell_at(l, 121.6, 31.15), "-");
	assert_string_equal(cell_at(l, 121.45, 31.3), "-");
	assert_string_equal(cell_at(l, 120.0, 31.15), "-");
}

static void
test_shared_edges(void **state)
{
	struct geo_layer *l = load_ok(quad);

	(void)state;
	answers_as_quad(l);
	assert_int_equal(geo_layer_check_disjoint(l, NULL), 0);
	geo_layer_free(l);
}

static void
test_hole_and_multipolygon(void **state)
{
	static const char json[] = FC(
		"{\"type\":\"Feature\",\"properties\":{\"code\":\"ring\"},\"geometry\":"
		"{\"type\":\"Polygon\",\"coordinates\":["
		"[[0,0],[10,0],[10,10],[0,10],[0,0]],"
		"[[4,4],[4,6],[6,6],[6,4],[4,4]]]}},"
		"{\"type\":\"Feature\",\"properties\":{\"code\":\"two\",\"n\":3},\"geometry\":"
		"{\"type\":\"MultiPolygon\",\"coordinates\":["
		"[[[20,0],[22,0],[22,2],[20,2],[20,0]]],"
		"[[[30,0],[32,0],[32,2],[30,2],[30,0]]]]}}");
	struct geo_layer *l = load_ok(json);
	double n, bbox[4];
	size_t all[4];

	(void)state;
	assert_string_equal(cell_at(l, 1, 1), "ring");
	assert_string_equal(cell_at(l, 5, 5), "-");        /* in the hole */
	assert_string_equal(cell_at(l, 21, 1), "two");
	assert_string_equal(cell_at(l, 31, 1), "two");
	assert_string_equal(cell_at(l, 25, 1), "-");       /* between the two parts */
	assert_int_equal(geo_layer_number(l, 1, "n", &n), 0);
	assert_true(n == 3);
	assert_int_equal(geo_layer_number(l, 1, "code", &n), -1);
	assert_null(geo_layer_string(l, 0, "nope"));
	geo_layer_bbox(l, 1, bbox);
	assert_true(bbox[0] == 20 && bbox[1] == 0 && bbox[2] == 32 && bbox[3] == 2);
	assert_int_equal(geo_layer_locate_all(l, 5, 5, all, 4), 0);
	geo_layer_free(l);
}

static void
test_overlaps(void **state)
{
	struct geo_layer *l;
	char *cause = NULL;
	size_t all[4];

	(void)state;
	/* two cells crossing each other */
	l = load_ok(FC(SQUARE("a", 0, 0, 2, 2) "," SQUARE("b", 1, 1, 3, 3)));
	assert_int_equal(geo_layer_check_disjoint(l, &cause), -1);
	assert_string_equal(cause, "features[0] and features[1] overlap");
	free(cause);
	cause = NULL;
	/* both contain the point in common: the lowest first */
	assert_int_equal(geo_layer_locate_all(l, 1.5, 1.5, all, 4), 2);
	assert_true(all[0] == 0 && all[1] == 1);
	assert_int_equal(geo_layer_locate(l, 1.5, 1.5), 0);
	geo_layer_free(l);
	/* the same cell twice */
	l = load_ok(FC(SQUARE("a", 0, 0, 2, 2) "," SQUARE("b", 0, 0, 2, 2)));
	assert_int_equal(geo_layer_check_disjoint(l, &cause), -1);
	free(cause);
	cause = NULL;
	geo_layer_free(l);
	/* one inside the other, no edge crossing */
	l = load_ok(FC(SQUARE("a", 0, 0, 4, 4) "," SQUARE("b", 1, 1, 2, 2)));
	assert_int_equal(geo_layer_check_disjoint(l, &cause), -1);
	free(cause);
	geo_layer_free(l);
}

/*
 * Two cells sharing a slanted edge, its ends at awkward numbers: points on
 * and next to the edge are in exactly one of them.  Evaluating the edge from
 * one end in one cell and from the other end in the other rounds differently
 * and puts some points in both or in neither.
 */
static void
test_slanted_shared_edge(void **state)
{
	static const char json[] = FC(
		"{\"type\":\"Feature\",\"properties\":{\"code\":\"w\"},\"geometry\":"
		"{\"type\":\"Polygon\",\"coordinates\":[[[121.1,31.1],[121.4731234567,31.1],"
		"[121.3312345679,31.4567891234],[121.1,31.4567891234],[121.1,31.1]]]}},"
		"{\"type\":\"Feature\",\"properties\":{\"code\":\"e\"},\"geometry\":"
		"{\"type\":\"Polygon\",\"coordinates\":[[[121.4731234567,31.1],[121.9,31.1],"
		"[121.9,31.4567891234],[121.3312345679,31.4567891234],[121.4731234567,31.1]]]}}");
	struct geo_layer *l = load_ok(json);
	size_t all[2];
	unsigned seed = 11;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		double t = (double)rand_r(&seed) / RAND_MAX;
		double lat = 31.1 + t * (31.4567891234 - 31.1);
		double lon = 121.4731234567 + t * (121.3312345679 - 121.4731234567);

		if (i % 3 == 1)   /* and the doubles just east and just west of it */
			lon = nextafter(lon, 200.0);
		else if (i % 3 == 2)
			lon = nextafter(lon, 0.0);
		if (lat <= 31.1 || lat >= 31.4567891234)
			continue;
		if (geo_layer_locate_all(l, lon, lat, all, 2) != 1)
			fail_msg("(%.17g, %.17g) is in %zu cells", lon, lat,
			    geo_layer_locate_all(l, lon, lat, all, 2));
	}
	geo_layer_free(l);
}

/* The index and the scan agree everywhere over a 40 x 40 tiling, edges included. */
static void
test_index_matches_scan(void **state)
{
	struct fc_buf b = { 0 };
	struct geo_layer *l;
	unsigned seed = 7;

	(void)state;
	fc_buf_append(&b, "{\"type\":\"FeatureCollection\",\"features\":[", 40);
	for (int r = 0; r < 40; r++)
		for (int c = 0; c < 40; c++) {
			char *f = xasprintf("%s{\"type\":\"Feature\",\"properties\":{\"code\":\"%d\"},"
			    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],"
			    "[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}",
			    r + c > 0 ? "," : "", r * 40 + c,
			    121 + c * 0.001, 31 + r * 0.001, 121 + (c + 1) * 0.001, 31 + r * 0.001,
			    121 + (c + 1) * 0.001, 31 + (r + 1) * 0.001, 121 + c * 0.001,
			    31 + (r + 1) * 0.001, 121 + c * 0.001, 31 + r * 0.001);

			fc_buf_append(&b, f, strlen(f));
			free(f);
		}
	fc_buf_append(&b, "]}", 2);
	l = load_ok(b.data);
	assert_int_equal(geo_layer_check_disjoint(l, NULL), 0);
	for (int i = 0; i < 20000; i++) {
		double lon = 120.999 + (rand_r(&seed) % 42000) * 1e-6;
		double lat = 30.999 + (rand_r(&seed) % 42000) * 1e-6;

		if (i % 4 == 0)   /* on a grid line, as read from the file */
			lon = 121 + (rand_r(&seed) % 41) * 0.001;
		assert_int_equal(geo_layer_locate(l, lon, lat), geo_layer_locate_scan(l, lon, lat));
		if (lon >= 121 && lon < 121.04 && lat >= 31 && lat < 31.04 && i % 4 != 0)
			assert_true(geo_layer_locate(l, lon, lat) >= 0);
	}
	free(b.data);
	geo_layer_free(l);
}

static void
test_bad_files(void **state)
{
	(void)state;
	refused("{\"type\": ", "t.geojson:1:");
	refused("[1, 2]", "not a GeoJSON FeatureCollection");
	refused(FC(), "has no features");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":null}"),
	    "features[0]: empty geometry");
	refused(FC(SQUARE("a", 0, 0, 1, 1) ",{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},"
	    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}"),
	    "features[1]: polygon 0 is empty");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"MultiPolygon\",\"coordinates\":[]}}"), "features[0]: empty geometry");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Point\",\"coordinates\":[1,2]}}"), "is a Point, not a Polygon");
	/* open ring */
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}}"),
	    "polygon 0, ring 0 is open");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}}"),
	    "has 3 positions; a ring needs at least 4");
	/* a bow tie */
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}"),
	    "features[0]: polygon 0, ring 0 intersects itself");
	/* a hole whose ring touches itself */
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[9,0],[9,9],[0,9],[0,0]],"
	    "[[1,1],[3,1],[2,2],[3,3],[1,3],[2,2],[1,1]]]}}"), "polygon 0, ring 1 intersects itself");
	/* Shanghai written [lat, lon] */
	refused(FC(SQUARE("a", 31.1, 121.4, 31.2, 121.5)), "latitude and longitude look swapped");
	refused(FC(SQUARE("a", 0, 0, 200, 1)), "out of range");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}"),
	    "features[0]: property 'code' is missing");
	refused(FC(SQUARE("a", 0, 0, 1, 1) ",{\"type\":\"Feature\",\"properties\":{\"code\":7},"
	    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}"),
	    "features[1]: property 'code' must be a non-empty string");
	refused(FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"1\"},\"geometry\":"
	    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"x\"],[1,1],[0,1],[0,0]]]}}"),
	    "position 1 is not [longitude, latitude]");
	refused(FC("[]"), "features[0]: not a Feature object");
}

/* Truncations and flipped bytes of a good file never crash and never half-load. */
static void
test_damaged(void **state)
{
	size_t n = strlen(quad);
	char *copy = xmalloc(n + 1);

	(void)state;
	for (size_t cut = 0; cut < n; cut++) {
		struct geo_layer *l = NULL;
		char *cause = NULL;

		assert_int_equal(geo_layer_load_buffer("t", quad, cut, code_prop, 1, &l, &cause), -1);
		free(cause);
	}
	for (size_t i = 0; i < n; i++) {
		struct geo_layer *l = NULL;
		char *cause = NULL;

		memcpy(copy, quad, n + 1);
		copy[i] ^= 0x11;
		if (geo_layer_load_buffer("t", copy, n, code_prop, 1, &l, &cause) == 0)
			geo_layer_free(l);
		else
			free(cause);
	}
	free(copy);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/test_geo_XXXXXX";
	int fd = mkstemp(path);
	struct geo_layer *l = NULL;
	char *cause = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, quad, strlen(quad)), (ssize_t)strlen(quad));
	close(fd);
	assert_int_equal(geo_layer_load(path, code_prop, 1, &l, &cause), 0);
	assert_int_equal(geo_layer_count(l), 4);
	geo_layer_free(l);
	unlink(path);
	assert_int_equal(geo_layer_load(path, NULL, 0, &l, &cause), -1);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
}

/* Writes text to path; fails the test otherwise. */
static void
put_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The quad's properties of each kind: only strings and numbers are given out. */
static void
answers_props(const struct geo_layer *l)
{
	double n;

	assert_int_equal(geo_layer_number(l, 0, "area", &n), 0);
	assert_true(n == 2.5);
	assert_null(geo_layer_string(l, 0, "area"));
	assert_null(geo_layer_string(l, 0, "nested"));
}

/* The path of the only cache file in dir.  Caller frees. */
static char *
only_cache_file(const char *dir)
{
	char *cmd = xasprintf("ls %s/*.geo", dir), line[4096];
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	assert_non_null(p);
	while (fgets(line, sizeof line, p) != NULL)
		n++;
	pclose(p);
	assert_int_equal(n, 1);
	line[strcspn(line, "\n")] = '\0';
	free(cmd);
	return xstrdup(line);
}

/*
 * The cache: a second load of the same bytes reads the cache file, with the
 * same answers; a damaged or truncated cache file, or one another build
 * wrote, is parsed again (same answers); a changed file is not the cache's.
 */
static void
test_cache(void **state)
{
	char dir[] = "/tmp/test_geo_cache_XXXXXX", *path, *cause = NULL, *file, *cmd;
	struct geo_layer *l;
	size_t len;
	char *text, *spot;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* Properties of every kind: only strings and numbers are given out. */
	spot = strstr(quad, "\"sw\"}");
	text = xasprintf("%.*s\"sw\",\"area\":2.5,\"nested\":{\"a\":1}}%s", (int)(spot - quad),
	    quad, spot + 5);
	path = xasprintf("%s/grid.geojson", dir);
	put_file(path, text, strlen(text));
	for (int round = 0; round < 2; round++) {
		assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause), 0);
		assert_true(geo_layer_cached(l) == (round == 1));
		answers_as_quad(l);
		answers_props(l);
		geo_layer_free(l);
	}
	file = only_cache_file(dir);
	/* Every byte flipped in turn (a sample of them), then cut short: parsed again. */
	{
		char *good;

		assert_int_equal(fc_read_file(file, 1u << 20, &good, &len, &cause), 0);
		for (size_t i = 0; i < len; i += len / 37 + 1) {
			char *bad = xmalloc(len);

			memcpy(bad, good, len);
			bad[i] ^= 0x20;
			put_file(file, bad, len);
			assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause),
			    0);
			assert_false(geo_layer_cached(l));
			answers_as_quad(l);
			answers_props(l);
			geo_layer_free(l);
			free(bad);
		}
		put_file(file, good, len / 2);
		assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause), 0);
		assert_false(geo_layer_cached(l));
		geo_layer_free(l);
		free(good);
	}
	/* The parse rewrote the cache file: read from it again. */
	assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause), 0);
	assert_true(geo_layer_cached(l));
	geo_layer_free(l);
	/* A changed file has another cache file. */
	spot = strstr(text, "\"ne\"");
	spot[1] = 'm';
	put_file(path, text, strlen(text));
	assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause), 0);
	assert_false(geo_layer_cached(l));
	assert_string_equal(cell_at(l, 121.55, 31.25), "me");
	assert_string_equal(cell_at(l, 121.45, 31.15), "sw");
	geo_layer_free(l);
	/* A file refused is refused every time, cache or not. */
	put_file(path, "{", 1);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(geo_layer_load_cached(path, dir, code_prop, 1, &l, &cause), -1);
		free(cause);
		cause = NULL;
	}
	/* A cache directory that cannot be made costs nothing but the parse. */
	put_file(path, quad, strlen(quad));
	assert_int_equal(geo_layer_load_cached(path, "/proc/no/such", code_prop, 1, &l, &cause), 0);
	answers_as_quad(l);
	geo_layer_free(l);
	free(text);
	free(file);
	free(path);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_edges),
		cmocka_unit_test(test_hole_and_multipolygon),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_slanted_shared_edge),
		cmocka_unit_test(test_index_matches_scan),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
