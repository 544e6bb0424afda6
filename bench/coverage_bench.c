/*
 * coverage_bench — the patrol coverage figures for bench/bench_coverage.sh.
 *
 *   coverage_bench wire           one 8-hour shift walked at 1 Hz through the
 *                                 recorder; prints "points wire_gz geojson_gz
 *                                 gpx_gz gpx": the track bundle's bytes, and
 *                                 the same points as GeoJSON and as GPX
 *   coverage_bench save DB N      N batches of TRACK_BATCH_POINTS points saved
 *                                 by store_track_append; prints the mean us
 *                                 per batch, and writes DB.sql: the same rows
 *                                 as BEGIN/INSERT/COMMIT for the sqlite3 anchor
 *   coverage_bench city DB ZONES  (once) 300 inspectors' 8-hour tracks into DB
 *                                 and 1,000 zones into ZONES; then prints
 *                                 "compute_s engine_s naive_s points visits":
 *                                 coverage_compute from DB (median of 3), its
 *                                 engine alone, and the naive all-pairs
 *                                 point-in-polygon engine (scaled from 10
 *                                 inspectors)
 *
 * The walk: 1.0 to 1.6 m/s along a street grid (a turn every 1 to 5
 * minutes), a few metres of receiver noise, a 3-minute stop every 20
 * minutes, and an hour's lunch (no fix) halfway.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "coverage/coverage.h"
#include "store/store.h"
#include "sync/sync.h"
#include "track/track.h"
#include "util/util.h"

#define T0 1795914000   /* 2026-11-29 09:00 in Shanghai */
#define DAY "2026-11-29"
#define CITY_LAT 31.20
#define CITY_LON 121.40
#define INSPECTORS 300
#define ZONES_X 40
#define ZONES_Y 25

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
uniform(unsigned *seed)
{
	return rand_r(seed) / (double)RAND_MAX;
}

/* An 8-hour shift from (lat, lon): the recorder's kept points, into *out (caller frees). */
static size_t
walk(unsigned seed, double lat, double lon, struct store_track_point **out)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	struct store_track_point *pts = NULL;
	size_t n = 0, cap = 0;
	double heading = 90 * (rand_r(&seed) % 4), speed = 1.3, mlat = 111195.0;
	double mlon = 111195.0 * cos(lat * M_PI / 180);
	long next_turn = 60, secs = 8 * 3600;

	for (long s = 0; s < secs; s++) {
		const struct store_track_point *b;
		size_t k;
		bool stopped = s % 1200 < 180, lunch = s > secs / 2 - 1800 && s < secs / 2 + 1800;

		if (s == next_turn) {
			heading += rand_r(&seed) % 2 ? 90 : -90;
			speed = 1.0 + 0.6 * uniform(&seed);
			next_turn = s + 60 + rand_r(&seed) % 240;
		}
		if (!stopped && !lunch) {
			lat += speed * cos(heading * M_PI / 180) / mlat;
			lon += speed * sin(heading * M_PI / 180) / mlon;
		}
		if (lunch)
			track_recorder_lost(r);
		else
			track_recorder_fix(r, T0 + s, lat + (uniform(&seed) - 0.5) * 6 / mlat,
			    lon + (uniform(&seed) - 0.5) * 6 / mlon, 3.0 + 3 * uniform(&seed), s * 1000);
		b = track_recorder_batch(r, &k);
		if (k > 0) {
			if (n + k > cap) {
				cap = cap == 0 ? 4096 : cap * 2;
				pts = xreallocarray(pts, cap, sizeof *pts);
			}
			memcpy(pts + n, b, k * sizeof *b);
			n += k;
			track_recorder_saved(r);
		}
	}
	track_recorder_free(r);
	*out = pts;
	return n;
}

static size_t
gzip_size(const char *data, size_t len)
{
	z_stream z = { 0 };
	unsigned char buf[65536];
	size_t total = 0;
	int rc;

	deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		rc = deflate(&z, Z_FINISH);
		total += sizeof buf - z.avail_out;
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return total;
}

static int
bench_wire(void)
{
	struct store_track_point *pts;
	size_t n = walk(7, CITY_LAT, CITY_LON, &pts), len;
	char *line = track_wire_encode("hh-07", "wang", DAY, pts, n, &len), *cause = NULL;
	struct bundle_writer *w = bundle_writer_new("hh-07", 0);
	struct store_bundle sb;
	struct fc_buf gj = { 0 }, gpx = { 0 };

	if (bundle_writer_add_track(w, line, len, &cause) != 0 ||
	    bundle_writer_finish(w, &sb, &cause) != 0) {
		fprintf(stderr, "coverage_bench: %s\n", cause);
		return 1;
	}
	/* The anchors: the same points and times as a GeoJSON LineString and as GPX. */
	fc_buf_append(&gj, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[", 67);
	for (size_t i = 0; i < n; i++) {
		char p[64];
		int k = snprintf(p, sizeof p, "%s[%.6f,%.6f]", i > 0 ? "," : "", pts[i].lon / 1e6,
		    pts[i].lat / 1e6);

		fc_buf_append(&gj, p, (size_t)k);
	}
	fc_buf_append(&gj, "]},\"properties\":{\"times\":[", 26);
	fc_buf_append(&gpx, "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"fieldcheck\">"
	    "<trk><trkseg>\n", 79);
	for (size_t i = 0; i < n; i++) {
		char iso[FC_TIME_LEN], p[160];
		int k;

		fc_time_iso_utc(iso, (struct timespec){ .tv_sec = (time_t)pts[i].t });
		k = snprintf(p, sizeof p, "%s\"%s\"", i > 0 ? "," : "", iso);
		fc_buf_append(&gj, p, (size_t)k);
		k = snprintf(p, sizeof p, "<trkpt lat=\"%.6f\" lon=\"%.6f\"><time>%s</time></trkpt>\n",
		    pts[i].lat / 1e6, pts[i].lon / 1e6, iso);
		fc_buf_append(&gpx, p, (size_t)k);
	}
	fc_buf_append(&gj, "]}}", 3);
	fc_buf_append(&gpx, "</trkseg></trk></gpx>\n", 22);
	printf("%zu %zu %zu %zu %zu\n", n, sb.size, gzip_size(gj.data, gj.len), gzip_size(gpx.data, gpx.len),
	    gpx.len);
	free(sb.bytes);
	free(gj.data);
	free(gpx.data);
	free(line);
	free(pts);
	bundle_writer_free(w);
	return 0;
}

static int
bench_save(const char *db, int batches)
{
	struct store *st;
	struct store_track_point *pts;
	size_t n = walk(11, CITY_LAT, CITY_LON, &pts);
	char *cause = NULL, *sqlpath = xasprintf("%s.sql", db);
	FILE *sql = fopen(sqlpath, "w");
	double t0, total = 0;

	if (sql == NULL || store_open(db, STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "coverage_bench: %s\n", cause != NULL ? cause : sqlpath);
		return 1;
	}
	if ((size_t)batches * TRACK_BATCH_POINTS > n)
		batches = (int)(n / TRACK_BATCH_POINTS);
	fputs("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;\n", sql);
	for (int b = 0; b < batches; b++) {
		const struct store_track_point *p = pts + (size_t)b * TRACK_BATCH_POINTS;

		t0 = now_s();
		if (store_track_append(st, "hh-07", "wang", p, TRACK_BATCH_POINTS, NULL, &cause) != 0) {
			fprintf(stderr, "coverage_bench: %s\n", cause);
			return 1;
		}
		total += now_s() - t0;
		/* The anchor's rows: the same columns, another device so that none is a repeat. */
		fputs("BEGIN;\n", sql);
		for (int i = 0; i < TRACK_BATCH_POINTS; i++)
			fprintf(sql, "INSERT INTO track_points (device, inspector, day, t, lat, lon, acc, gap)"
			    " VALUES ('hh-08', 'wang', '%s', %lld, %d, %d, %d, %d);\n", DAY, (long long)p[i].t,
			    p[i].lat, p[i].lon, p[i].acc, (int)p[i].gap);
		fputs("COMMIT;\n", sql);
	}
	fclose(sql);
	printf("%.1f %d\n", total / batches * 1e6, batches);
	store_close(st);
	free(sqlpath);
	free(pts);
	return 0;
}

static int
make_city(const char *db, const char *zones)
{
	FILE *f = fopen(zones, "w");
	struct store *st;
	char *cause = NULL;

	if (f == NULL)
		return 1;
	/* 1,000 zones of about 150 m on a 250 m grid over a 10 x 6 km city. */
	fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", f);
	for (int y = 0; y < ZONES_Y; y++)
		for (int x = 0; x < ZONES_X; x++) {
			double w = CITY_LON + x * 0.0026, s = CITY_LAT + y * 0.00225;
			double e = w + 0.0016, nn = s + 0.00135;

			fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"name_zh\":\"区域 %d-%d\","
			    "\"name_en\":\"zone %d-%d\",\"kind\":\"square\",\"patrols\":2,\"patrols_holiday\":4,"
			    "\"min_minutes\":3},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],"
			    "[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}\n", x + y > 0 ? "," : "", x, y, x, y,
			    w, s, e, s, e, nn, w, nn, w, s);
		}
	fputs("]}\n", f);
	fclose(f);
	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "coverage_bench: %s\n", cause);
		return 1;
	}
	for (int i = 0; i < INSPECTORS; i++) {
		struct store_track_point *pts;
		unsigned seed = (unsigned)i * 7919u + 1;
		double lat = CITY_LAT + uniform(&seed) * ZONES_Y * 0.00225;
		double lon = CITY_LON + uniform(&seed) * ZONES_X * 0.0026;
		size_t n = walk(seed, lat, lon, &pts);
		char name[32], dev[32];

		snprintf(name, sizeof name, "inspector-%03d", i);
		snprintf(dev, sizeof dev, "hh-%03d", i);
		if (store_track_append(st, dev, name, pts, n, dev, &cause) != 0) {
			fprintf(stderr, "coverage_bench: %s\n", cause);
			return 1;
		}
		free(pts);
	}
	store_close(st);
	return 0;
}

struct engine {
	struct coverage_day *d;
	const struct coverage_zones *z;
	bool scan;
	size_t limit, done;
	double seconds;           /* in coverage_add_track alone */
};

static int
engine_track(void *ctx, const char *inspector, const struct store_track_point *pts, size_t n,
    const struct track_clean_counts *c)
{
	struct engine *e = ctx;

	(void)c;
	double t0;

	if (e->done++ >= e->limit)
		return 1;
	t0 = now_s();
	coverage_add_track(e->d, e->z, inspector, pts, n, e->scan);
	e->seconds += now_s() - t0;
	return 0;
}

/* Seconds in the engine alone over the first limit inspectors' cleaned tracks. */
static double
time_engine(struct store *st, const struct coverage_zones *z, bool scan, size_t limit)
{
	struct engine e = { .z = z, .scan = scan, .limit = limit };
	char *cause = NULL;

	e.d = coverage_day_new(z, NULL, DAY);
	track_read_day(st, DAY, NULL, engine_track, &e, &cause);
	free(cause);
	coverage_day_free(e.d);
	return e.seconds;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
bench_city(const char *db, const char *zones_path)
{
	struct coverage_zones *z;
	struct store *st;
	struct coverage_day *d = NULL;
	char *cause = NULL;
	double best[3], engine, naive;
	size_t visits = 0;

	if (access(db, F_OK) != 0 && make_city(db, zones_path) != 0)
		return 1;
	if (coverage_zones_load(zones_path, &z, &cause) != 0 || store_open(db, STORE_READ_ONLY, &st, &cause) != 0) {
		fprintf(stderr, "coverage_bench: %s\n", cause);
		return 1;
	}
	for (int i = 0; i < 3; i++) {
		double t0 = now_s();

		coverage_day_free(d);
		if (coverage_compute(st, z, NULL, DAY, &d, &cause) != 0) {
			fprintf(stderr, "coverage_bench: %s\n", cause);
			return 1;
		}
		best[i] = now_s() - t0;
	}
	qsort(best, 3, sizeof best[0], cmp_double);
	for (size_t i = 0; i < d->nrows; i++)
		visits += (size_t)d->rows[i].done;
	engine = time_engine(st, z, false, (size_t)-1);
	naive = time_engine(st, z, true, 10) * INSPECTORS / 10.0;
	printf("%.3f %.3f %.3f %zu %zu\n", best[1], engine, naive, d->points, visits);
	coverage_day_free(d);
	coverage_zones_free(z);
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	if (argc == 2 && strcmp(argv[1], "wire") == 0)
		return bench_wire();
	if (argc == 4 && strcmp(argv[1], "save") == 0)
		return bench_save(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "city") == 0)
		return bench_city(argv[2], argv[3]);
	fputs("usage: coverage_bench wire | save DB N | city DB ZONES\n", stderr);
	return 2;
}
