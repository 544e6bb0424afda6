/*
 * track — a day's tracks read back from the store, one inspector at a time
 * (track.h), for coverage, the export and the map.
 */
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

struct day_reading {
	track_day_fn *fn;
	void *ctx;
	struct store_track_point *pts;
	size_t n, cap;
	char inspector[STORE_ID_LEN];
	int stopped;
};

static int
flush(struct day_reading *r)
{
	struct track_clean_counts c;
	size_t n;

	if (r->n == 0 || r->stopped)
		return r->stopped;
	n = track_clean(r->pts, r->n, TRACK_MAX_SPEED_MS, TRACK_GAP_S, &c);
	r->stopped = r->fn(r->ctx, r->inspector, r->pts, n, &c);
	r->n = 0;
	return r->stopped;
}

static int
take(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *pt)
{
	struct day_reading *r = ctx;

	(void)device;
	(void)day;
	if (r->n > 0 && strcmp(r->inspector, inspector) != 0 && flush(r) != 0)
		return r->stopped;
	if (r->n == 0)
		fc_strlcpy(r->inspector, inspector, sizeof r->inspector);
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 1024 : r->cap * 2;
		r->pts = xreallocarray(r->pts, r->cap, sizeof *r->pts);
	}
	r->pts[r->n++] = *pt;
	return 0;
}

int
track_read_day(struct store *st, const char *day, const char *inspector, track_day_fn *fn,
    void *ctx, char **cause)
{
	struct day_reading r = { .fn = fn, .ctx = ctx };
	int rc = store_track_list(st, day, inspector, take, &r, cause);

	if (rc == 0)
		flush(&r);
	free(r.pts);
	return rc;
}
