/*
 * report — the GeoJSON export with the patrol tracks and the zones'
 * coverage (report.h, docs/coverage.md).  Wraps export_geojson_new's sink:
 * records go through as they always do, and before the collection closes
 * come the tracks (one LineString per continuous stretch) and the zones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "report/report.h"
#include "track/track.h"

struct coverage_sink {
	struct export_sink base;
	struct export_sink *inner;
	struct store *st;
	const char *day;
	bool tracks;
	const struct coverage_zones *z;
	const struct coverage_day *cov;
	struct fc_buf f;
	char *why;
};

static void
put(struct fc_buf *b, const char *s)
{
	fc_buf_append(b, s, strlen(s));
}

#define putf export_buf_printf

static void
put_key(struct fc_buf *b, const char *key, const char *value)
{
	putf(b, ",\"%s\":", key);
	if (value == NULL || value[0] == '\0')
		put(b, "null");
	else
		export_json_string(b, value);
}

static void
put_time(struct fc_buf *b, const char *key, int64_t t)
{
	char iso[FC_TIME_LEN];

	fc_time_iso_utc(iso, (struct timespec){ .tv_sec = (time_t)t });
	put_key(b, key, iso);
}

static int
cov_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct coverage_sink *cs = (struct coverage_sink *)sink;
	int rc = cs->inner->item(cs->inner, row, cause);

	sink->written = cs->inner->written;
	sink->skipped = cs->inner->skipped;
	return rc;
}

/* One stretch pts[0..n) as a feature. */
static int
write_stretch(struct coverage_sink *cs, const char *inspector, const struct store_track_point *pts,
    size_t n, char **cause)
{
	struct fc_buf *b = &cs->f;

	b->len = 0;
	put(b, n >= 2 ? "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[" :
	    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":");
	for (size_t i = 0; i < n; i++)
		putf(b, "%s[%.6f,%.6f]", i > 0 ? "," : "", pts[i].lon / 1e6, pts[i].lat / 1e6);
	put(b, n >= 2 ? "]},\"properties\":{\"layer\":\"track\"" : "},\"properties\":{\"layer\":\"track\"");
	put_key(b, "inspector", inspector);
	put_time(b, "start", pts[0].t);
	put_time(b, "end", pts[n - 1].t);
	putf(b, ",\"points\":%zu", n);
	put_key(b, "after", store_track_gap_name(pts[0].gap));
	put(b, "}}");
	return export_geojson_feature(cs->inner, b->data, b->len, cause);
}

static int
write_track(void *ctx, const char *inspector, const struct store_track_point *pts, size_t n,
    const struct track_clean_counts *c)
{
	struct coverage_sink *cs = ctx;
	size_t from = 0;

	(void)c;
	for (size_t i = 1; i <= n; i++)
		if (i == n || track_breaks(&pts[i - 1], &pts[i], TRACK_GAP_S)) {
			if (write_stretch(cs, inspector, pts + from, i - from, &cs->why) != 0)
				return -1;
			from = i;
		}
	return 0;
}

static int
write_zone(struct coverage_sink *cs, const struct coverage_row *r, char **cause)
{
	struct fc_buf *b = &cs->f;
	struct coverage_zone zone;
	size_t nr = coverage_zone_ring_count(cs->z, r->zone);
	unsigned last_poly = 0;

	coverage_zone_get(cs->z, r->zone, &zone);
	b->len = 0;
	put(b, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[");
	for (size_t k = 0; k < nr; k++) {
		const double *lon, *lat;
		unsigned poly, index;
		size_t n;

		coverage_zone_ring(cs->z, r->zone, k, &poly, &index, &lon, &lat, &n);
		if (k > 0)
			put(b, poly != last_poly ? "]],[[" : "],[");
		else
			put(b, "[");
		last_poly = poly;
		for (size_t i = 0; i < n; i++)
			putf(b, "%s[%.7f,%.7f]", i > 0 ? "," : "", lon[i], lat[i]);
	}
	put(b, "]]]},\"properties\":{\"layer\":\"zone\"");
	put_key(b, "name_zh", zone.name_zh);
	put_key(b, "name_en", zone.name_en);
	put_key(b, "kind", zone.kind);
	put_key(b, "day", cs->cov->day);
	put_key(b, "holiday", cs->cov->holiday);
	putf(b, ",\"done\":%d,\"required\":%d,\"overdue\":%s", r->done, r->required,
	    r->overdue ? "true" : "false");
	put_key(b, "last_visit", r->last_at);
	put_key(b, "last_by", r->last_by);
	put(b, "}}");
	return export_geojson_feature(cs->inner, b->data, b->len, cause);
}

static int
cov_finish(struct export_sink *sink, char **cause)
{
	struct coverage_sink *cs = (struct coverage_sink *)sink;
	size_t before = cs->inner->written;
	int rc = 0;

	if (cs->tracks && track_read_day(cs->st, cs->day, NULL, write_track, cs, cause) != 0)
		return -1;
	if (cs->why != NULL)
		return fc_fail(cause, "%s", cs->why);
	for (size_t i = 0; cs->z != NULL && cs->cov != NULL && i < cs->cov->nrows && rc == 0; i++)
		rc = write_zone(cs, &cs->cov->rows[i], cause);
	if (rc != 0)
		return -1;
	/* written counts records, as the export's summary line says. */
	cs->inner->written = before;
	return cs->inner->finish(cs->inner, cause);
}

static void
cov_free(struct export_sink *sink)
{
	struct coverage_sink *cs = (struct coverage_sink *)sink;

	cs->inner->free(cs->inner);
	free(cs->f.data);
	free(cs->why);
	free(cs);
}

struct export_sink *
export_geojson_coverage_new(FILE *out, struct store *st, const char *day, bool tracks,
    const struct coverage_zones *z, const struct coverage_day *cov)
{
	struct coverage_sink *cs = xcalloc(1, sizeof *cs);

	cs->base.item = cov_item;
	cs->base.finish = cov_finish;
	cs->base.free = cov_free;
	cs->inner = export_geojson_new(out);
	cs->st = st;
	cs->day = day;
	cs->tracks = tracks;
	cs->z = z;
	cs->cov = cov;
	return &cs->base;
}
