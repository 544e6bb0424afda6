/*
 * track — the patrol track: which fixes become points while the inspector is
 * on duty, and how a day's points are read back as continuous stretches
 * (docs/coverage.md).  Pure rules over integers; the screen feeds the
 * recorder from gpsd and hands its batches to the store, the depot and the
 * coverage read stretches.  Includes store/ for the point type only.
 *
 * The recorder keeps a fix when the inspector moved at least min_move_m
 * from the last kept point, or every_s seconds passed, whichever comes
 * first; only fixes with a known accuracy within max_accuracy_m count.
 * While there is no such fix the track is broken: the next kept point
 * carries STORE_GAP_NO_FIX, never a line drawn across.  A fix implying a
 * speed above max_speed_ms from the last kept point is a receiver glitch:
 * dropped and counted; a receiver that stays where it jumped, or whose
 * clock went back, is believed after a few fixes, as a new stretch.  Kept
 * points wait in a batch that is due for the
 * store when it holds batch_points or its oldest is batch_s old.
 */
#ifndef FIELDCHECK_TRACK_H
#define FIELDCHECK_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The defaults (docs/coverage.md says why each). */
#define TRACK_MIN_MOVE_M      20.0
#define TRACK_EVERY_S         30
#define TRACK_MAX_ACCURACY_M  30.0
#define TRACK_MAX_SPEED_MS    60.0     /* 216 km/h: no patrol moves faster */
#define TRACK_BATCH_POINTS    8
#define TRACK_BATCH_S         15
#define TRACK_GAP_S           300      /* no point for this long breaks a stretch */

struct track_params {
	double min_move_m;
	int every_s;
	double max_accuracy_m;
	double max_speed_ms;
	size_t batch_points;
	int batch_s;
};
/* The defaults above. */
void track_params_default(struct track_params *p);

/* Metres between two points in microdegrees (equirectangular: exact enough within a city). */
double track_distance_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2);
/* Bearing in degrees from the first point to the second, 0 north, clockwise. */
double track_bearing_deg(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2);
/* Degrees to microdegrees, rounded. */
int32_t track_micro(double deg);

/*
 * Whether b can follow a (a earlier) for a moving person: false when b is
 * not later or the speed between them exceeds max_speed_ms.  The one rule
 * the recorder and the reader both apply.
 */
bool track_plausible(const struct store_track_point *a, const struct store_track_point *b,
    double max_speed_ms);

struct track_recorder;
/* first_gap: why the track starts (STORE_GAP_DUTY, STORE_GAP_CLOSED).  Caller frees. */
struct track_recorder *track_recorder_new(const struct track_params *p, enum store_track_gap first_gap);
void track_recorder_free(struct track_recorder *r);
/*
 * One fix: t (UTC seconds), position in degrees, accuracy in metres (NAN:
 * unknown), now_ms on the monotonic clock.  Returns true when it was kept.
 */
bool track_recorder_fix(struct track_recorder *r, int64_t t, double lat, double lon,
    double accuracy_m, int64_t now_ms);
/* No usable fix now: the next kept point starts a new stretch. */
void track_recorder_lost(struct track_recorder *r);
/* Milliseconds until the batch is due (0: now), -1 when it is empty. */
int track_recorder_due_ms(const struct track_recorder *r, int64_t now_ms);
/* The batch, oldest first, to save; then track_recorder_saved. */
const struct store_track_point *track_recorder_batch(const struct track_recorder *r, size_t *n);
void track_recorder_saved(struct track_recorder *r);
/* Fixes dropped as glitches, and refused for accuracy, since the start. */
unsigned track_recorder_glitches(const struct track_recorder *r);
unsigned track_recorder_inaccurate(const struct track_recorder *r);

/*
 * Reading a day back: the points of one inspector, sorted by time, with
 * points out of order put in place, repeats of a second dropped, glitches
 * (track_plausible) dropped and counted, and a new stretch wherever the
 * point says so or no point came for gap_s seconds (a two-hour gap is never
 * a line).  Runs in place; returns the points kept (the first n of pts),
 * with the counts in *out.
 */
struct track_clean_counts {
	size_t reordered;     /* points that came out of order */
	size_t repeats;
	size_t glitches;
	size_t stretches;
};
size_t track_clean(struct store_track_point *pts, size_t n, double max_speed_ms, int gap_s,
    struct track_clean_counts *out);
/* Whether a cleaned point starts a new stretch (given the one before, NULL for the first). */
bool track_breaks(const struct store_track_point *prev, const struct store_track_point *p, int gap_s);

/*
 * ---- The wire: one JSON line per device, inspector and day (bundles,
 * `fieldcheck track`), delta-encoded integers a person can still read with
 * jq:
 *   {"track":1,"device":"hh-07","inspector":"wang","day":"2026-11-24",
 *    "t":[1795998600,15,14,...],"lat":[31230400,0,-12,...],
 *    "lon":[121473700,157,170,...],"acc":[4,4,5,...],"gaps":[[0,"duty"],[9,"no-fix"]]}
 * t, lat and lon hold the first value and then each point's difference from
 * the one before (seconds, microdegrees); acc is plain metres (-1 unknown);
 * gaps lists the points that start a new stretch and why.
 */
#define TRACK_WIRE_FORMAT 1
#define TRACK_WIRE_MAX_POINTS 200000u   /* a day at 1 Hz is 86,400 */

/* Points oldest first.  Returns the line without a newline (caller frees). */
char *track_wire_encode(const char *device, const char *inspector, const char *day,
    const struct store_track_point *pts, size_t n, size_t *len);
/* Whether a JSON line is a track line (its "track" member), without decoding it. */
bool track_wire_is_track(const char *line, size_t len);
struct track_wire {
	char device[STORE_ID_LEN];
	char inspector[STORE_ID_LEN];
	char day[FC_DAY_LEN];
	struct store_track_point *pts;   /* owned; track_wire_free */
	size_t n;
};
/*
 * Decodes one line with every bound checked (ids, day, counts, each value's
 * range, every point in the day's bounds); -1 with *cause naming the member.
 */
int track_wire_decode(const char *line, size_t len, struct track_wire *out, char **cause);
void track_wire_free(struct track_wire *w);

/*
 * Collects points as store_track_list gives them (track_group_point is a
 * store_track_fn) into one run per device, inspector and day, and calls fn
 * with each finished run (the points valid for the call).  fn returns
 * non-zero to stop.  track_group_finish hands over the last run and frees.
 */
typedef int track_run_fn(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *pts, size_t n);
struct track_group;
struct track_group *track_group_new(track_run_fn *fn, void *ctx);
int track_group_point(void *group, const char *device, const char *inspector, const char *day,
    const struct store_track_point *p);
int track_group_finish(struct track_group *g);

/*
 * A day's tracks from the store, one inspector at a time (points of all
 * their devices as one track), cleaned by track_clean: fn gets the points
 * (valid for the call; split them into stretches with track_breaks) and
 * what cleaning dropped.  inspector NULL: every one.  fn returns non-zero
 * to stop.
 */
typedef int track_day_fn(void *ctx, const char *inspector, const struct store_track_point *pts,
    size_t n, const struct track_clean_counts *counts);
int track_read_day(struct store *st, const char *day, const char *inspector, track_day_fn *fn,
    void *ctx, char **cause);

#endif
