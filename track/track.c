/*
 * track — the recorder's thinning and the reader's cleaning (track.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

#define EARTH_M 6371008.8
#define DEG (M_PI / 180.0)
/* A recorder that dropped this many fixes in a row takes the next as a fresh start. */
#define RESYNC_AFTER 3

void
track_params_default(struct track_params *p)
{
	*p = (struct track_params){
		.min_move_m = TRACK_MIN_MOVE_M,
		.every_s = TRACK_EVERY_S,
		.max_accuracy_m = TRACK_MAX_ACCURACY_M,
		.max_speed_ms = TRACK_MAX_SPEED_MS,
		.batch_points = TRACK_BATCH_POINTS,
		.batch_s = TRACK_BATCH_S,
	};
}

int32_t
track_micro(double deg)
{
	return (int32_t)lround(deg * 1e6);
}

double
track_distance_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
	double mid = (lat1 + (double)lat2) / 2e6 * DEG;
	double dy = (lat2 - (double)lat1) / 1e6 * DEG;
	double dx = (lon2 - (double)lon1) / 1e6 * DEG * cos(mid);

	return EARTH_M * sqrt(dx * dx + dy * dy);
}

double
track_bearing_deg(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
	double mid = (lat1 + (double)lat2) / 2e6 * DEG;
	double b = atan2((lon2 - (double)lon1) * cos(mid), lat2 - (double)lat1) / DEG;

	return b < 0 ? b + 360.0 : b;
}

bool
track_plausible(const struct store_track_point *a, const struct store_track_point *b,
    double max_speed_ms)
{
	if (b->t <= a->t)
		return false;
	return track_distance_m(a->lat, a->lon, b->lat, b->lon) <= max_speed_ms * (double)(b->t - a->t);
}

/* ---- The recorder ---- */

struct track_recorder {
	struct track_params p;
	enum store_track_gap next_gap;   /* the gap the next kept point carries */
	bool have_last;
	struct store_track_point last;   /* the last kept point */
	struct store_track_point *batch;
	size_t n;
	int64_t batch_since_ms;          /* when the batch's oldest point was kept */
	unsigned dropped_in_row;
	unsigned glitches, inaccurate;
};

struct track_recorder *
track_recorder_new(const struct track_params *p, enum store_track_gap first_gap)
{
	struct track_recorder *r = xcalloc(1, sizeof *r);

	if (p != NULL)
		r->p = *p;
	else
		track_params_default(&r->p);
	if (r->p.batch_points == 0)
		r->p.batch_points = 1;
	r->batch = xcalloc(r->p.batch_points, sizeof *r->batch);
	r->next_gap = first_gap;
	return r;
}

void
track_recorder_free(struct track_recorder *r)
{
	if (r == NULL)
		return;
	free(r->batch);
	free(r);
}

void
track_recorder_lost(struct track_recorder *r)
{
	if (r->have_last)
		r->next_gap = STORE_GAP_NO_FIX;
	r->have_last = false;
}

bool
track_recorder_fix(struct track_recorder *r, int64_t t, double lat, double lon, double accuracy_m,
    int64_t now_ms)
{
	struct store_track_point pt = {
		.t = t, .lat = track_micro(lat), .lon = track_micro(lon),
		.acc = isnan(accuracy_m) ? -1 : (int32_t)lround(accuracy_m),
	};

	if (isnan(accuracy_m) || accuracy_m > r->p.max_accuracy_m || isnan(lat) || isnan(lon)) {
		r->inaccurate++;
		track_recorder_lost(r);
		return false;
	}
	if (r->have_last) {
		double moved;

		if (t <= r->last.t) {
			/* The same epoch again, or the receiver's clock went back: a few are
			 * passed over; a clock that stays back starts a new stretch. */
			if (++r->dropped_in_row < RESYNC_AFTER)
				return false;
			track_recorder_lost(r);
		} else if (!track_plausible(&r->last, &pt, r->p.max_speed_ms)) {
			r->glitches++;
			if (++r->dropped_in_row < RESYNC_AFTER)
				return false;
			/* The receiver stays where it jumped: that is where it is. */
			track_recorder_lost(r);
		} else {
			moved = track_distance_m(r->last.lat, r->last.lon, pt.lat, pt.lon);
			r->dropped_in_row = 0;
			if (moved < r->p.min_move_m && t - r->last.t < r->p.every_s)
				return false;
		}
	}
	r->dropped_in_row = 0;
	pt.gap = r->have_last ? STORE_GAP_NONE : r->next_gap;
	if (r->n == r->p.batch_points) {
		/* The store refused the last batches: keep the newest points rather than none. */
		memmove(r->batch, r->batch + 1, (r->n - 1) * sizeof *r->batch);
		r->n--;
	}
	if (r->n == 0)
		r->batch_since_ms = now_ms;
	r->batch[r->n++] = pt;
	r->last = pt;
	r->have_last = true;
	r->next_gap = STORE_GAP_NONE;
	return true;
}

int
track_recorder_due_ms(const struct track_recorder *r, int64_t now_ms)
{
	int64_t left;

	if (r->n == 0)
		return -1;
	if (r->n >= r->p.batch_points)
		return 0;
	left = r->batch_since_ms + (int64_t)r->p.batch_s * 1000 - now_ms;
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

const struct store_track_point *
track_recorder_batch(const struct track_recorder *r, size_t *n)
{
	*n = r->n;
	return r->batch;
}

void
track_recorder_saved(struct track_recorder *r)
{
	r->n = 0;
}

unsigned
track_recorder_glitches(const struct track_recorder *r)
{
	return r->glitches;
}

unsigned
track_recorder_inaccurate(const struct track_recorder *r)
{
	return r->inaccurate;
}

/* ---- Reading a day back ---- */

static int
by_time(const void *a, const void *b)
{
	const struct store_track_point *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

bool
track_breaks(const struct store_track_point *prev, const struct store_track_point *p, int gap_s)
{
	return prev == NULL || p->gap != STORE_GAP_NONE || p->t - prev->t > gap_s;
}

size_t
track_clean(struct store_track_point *pts, size_t n, double max_speed_ms, int gap_s,
    struct track_clean_counts *out)
{
	size_t kept = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 1; i < n; i++)
		if (pts[i].t < pts[i - 1].t)
			out->reordered++;
	if (out->reordered > 0)
		qsort(pts, n, sizeof *pts, by_time);
	for (size_t i = 0; i < n; i++) {
		struct store_track_point *prev = kept > 0 ? &pts[kept - 1] : NULL;
		struct store_track_point p = pts[i];

		if (prev != NULL && p.t == prev->t) {
			out->repeats++;
			continue;
		}
		if (prev != NULL && p.t - prev->t <= gap_s && !track_plausible(prev, &p, max_speed_ms)) {
			/*
			 * A glitch unless the points after it stay where it went
			 * (then the point before was the odd one out: a new stretch).
			 */
			bool stays = i + 1 < n && track_plausible(&p, &pts[i + 1], max_speed_ms) &&
			    !track_plausible(prev, &pts[i + 1], max_speed_ms);

			if (!stays) {
				out->glitches++;
				continue;
			}
			if (p.gap == STORE_GAP_NONE)
				p.gap = STORE_GAP_NO_FIX;
		}
		if (track_breaks(prev, &p, gap_s))
			out->stretches++;
		pts[kept++] = p;
	}
	return kept;
}
