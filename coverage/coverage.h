/*
 * coverage — patrol zones, their plans, and which were patrolled on a day
 * (docs/coverage.md).
 *
 * Zones are a GeoJSON (RFC 7946) FeatureCollection loaded by geo/ (so every
 * refusal of geo_layer_load applies: not JSON, open or self-intersecting
 * rings, positions out of range, latitude and longitude swapped), each
 * feature with the properties
 *   name_zh, name_en      the zone's name in both languages (required)
 *   kind                  park, square, scenic, market, school-gate, road, ... (required)
 *   patrols               visits required on an ordinary day (integer >= 0)
 *   patrols_holiday       visits required on a holiday or event day (integer >= 0)
 *   min_minutes           the time inside that counts as a visit (> 0, at most 1440)
 * Holes and multipolygons are zones like any other: a point in a hole is
 * outside, a point in any part of a multipolygon inside.
 *
 * The calendar is a small text file, one day or range a line with its label:
 *   2026-10-01..2026-10-07 国庆节 National Day
 *   2026-11-29 city marathon
 * ('#' starts a comment).  A listed day is a holiday or event day.
 *
 * A visit is an inspector's track staying inside a zone at least its
 * min_minutes (one continuous stretch; runs of the same inspector less than
 * COVERAGE_MERGE_S apart are one stay), or a record saved with a position
 * inside it.
 */
#ifndef FIELDCHECK_COVERAGE_H
#define FIELDCHECK_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define COVERAGE_MERGE_S 300
#define COVERAGE_MAX_CALENDAR_LINES 10000

struct coverage_zones;

/* Loads path (zones GeoJSON); 0 and *out (caller frees), or -1 with *cause naming file and feature. */
int coverage_zones_load(const char *path, struct coverage_zones **out, char **cause);
int coverage_zones_load_buffer(const char *name, const char *data, size_t len,
    struct coverage_zones **out, char **cause);
void coverage_zones_free(struct coverage_zones *z);
size_t coverage_zones_count(const struct coverage_zones *z);

struct coverage_zone {
	const char *name_zh, *name_en, *kind;   /* owned by the zones */
	int patrols, patrols_holiday;
	double min_minutes;
	double bbox[4];                        /* west, south, east, north */
};
void coverage_zone_get(const struct coverage_zones *z, size_t i, struct coverage_zone *out);
/* Every zone containing (lon, lat) into out[0..max), lowest first; returns how many. */
size_t coverage_zones_at(const struct coverage_zones *z, double lon, double lat, size_t *out, size_t max);
/* The same by testing every zone (the benchmark's anchor). */
size_t coverage_zones_at_scan(const struct coverage_zones *z, double lon, double lat, size_t *out,
    size_t max);
/* Zone i's rings (geo_layer_ring_count / geo_layer_ring of geo/geo.h). */
size_t coverage_zone_ring_count(const struct coverage_zones *z, size_t i);
void coverage_zone_ring(const struct coverage_zones *z, size_t i, size_t r, unsigned *poly,
    unsigned *index, const double **lon, const double **lat, size_t *n);
/* Whether zone i contains (lon, lat). */
bool coverage_zone_contains(const struct coverage_zones *z, size_t i, double lon, double lat);

struct coverage_calendar;
/* Loads path; -1 with *cause "FILE:LINE:COL: ..." for a bad date or range.  Caller frees. */
int coverage_calendar_load(const char *path, struct coverage_calendar **out, char **cause);
int coverage_calendar_load_buffer(const char *name, const char *data, size_t len,
    struct coverage_calendar **out, char **cause);
void coverage_calendar_free(struct coverage_calendar *c);
/* The label of day when it is a holiday or event day, else NULL (also for a NULL calendar). */
const char *coverage_calendar_label(const struct coverage_calendar *c, const char *day);

/* ---- A day's coverage ---- */

struct coverage_row {
	size_t zone;                  /* index into the zones */
	int required;                 /* by the calendar */
	int done;                     /* visits */
	char last_at[FC_TIME_LEN];    /* the latest visit's start, "" when none */
	char last_by[STORE_ID_LEN];
	bool overdue;                 /* done < required */
};

struct coverage_day {
	char day[FC_DAY_LEN];
	const char *holiday;          /* the calendar's label, NULL on an ordinary day */
	struct coverage_row *rows;    /* overdue first (largest shortfall first), then by name */
	size_t nrows;
	size_t inspectors, points;
	size_t glitches, reordered, repeats;  /* what reading the tracks dropped or sorted */
};

/*
 * A day's coverage from the store's tracks and records (points and records
 * of that local day).  zones and cal (cal may be NULL) outlive the result.
 * Caller frees with coverage_day_free.
 */
int coverage_compute(struct store *st, const struct coverage_zones *z,
    const struct coverage_calendar *cal, const char *day, struct coverage_day **out, char **cause);
void coverage_day_free(struct coverage_day *d);

/*
 * The engine underneath, for callers with points in hand (the benchmark):
 * the visits of one inspector's cleaned, time-ordered points, added to the
 * per-zone tallies in d (rows indexed by zone, before sorting).  scan: test
 * every zone instead of the index.
 */
struct coverage_day *coverage_day_new(const struct coverage_zones *z,
    const struct coverage_calendar *cal, const char *day);
void coverage_add_track(struct coverage_day *d, const struct coverage_zones *z, const char *inspector,
    const struct store_track_point *pts, size_t n, bool scan);
void coverage_add_record(struct coverage_day *d, const struct coverage_zones *z,
    const struct store_record *rec);
/* Sorts the rows: overdue first.  After it, rows are no longer indexed by zone. */
void coverage_day_finish(struct coverage_day *d, const struct coverage_zones *z);

#endif
