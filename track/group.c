/*
 * track — a listing's points gathered into runs of one device, inspector
 * and day (track.h), for the wire and for coverage.
 */
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

struct track_group {
	track_run_fn *fn;
	void *ctx;
	char device[STORE_ID_LEN], inspector[STORE_ID_LEN], day[FC_DAY_LEN];
	struct store_track_point *pts;
	size_t n, cap;
	int stopped;
};

struct track_group *
track_group_new(track_run_fn *fn, void *ctx)
{
	struct track_group *g = xcalloc(1, sizeof *g);

	g->fn = fn;
	g->ctx = ctx;
	return g;
}

static int
flush(struct track_group *g)
{
	if (g->n > 0 && g->stopped == 0)
		g->stopped = g->fn(g->ctx, g->device, g->inspector, g->day, g->pts, g->n);
	g->n = 0;
	return g->stopped;
}

int
track_group_point(void *group, const char *device, const char *inspector, const char *day,
    const struct store_track_point *p)
{
	struct track_group *g = group;

	if (g->n > 0 && (strcmp(g->device, device) != 0 || strcmp(g->inspector, inspector) != 0 ||
	    strcmp(g->day, day) != 0) && flush(g) != 0)
		return g->stopped;
	if (g->n == 0) {
		fc_strlcpy(g->device, device, sizeof g->device);
		fc_strlcpy(g->inspector, inspector, sizeof g->inspector);
		fc_strlcpy(g->day, day, sizeof g->day);
	}
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 256 : g->cap * 2;
		g->pts = xreallocarray(g->pts, g->cap, sizeof *g->pts);
	}
	g->pts[g->n++] = *p;
	return 0;
}

int
track_group_finish(struct track_group *g)
{
	int rc = flush(g);

	free(g->pts);
	free(g);
	return rc;
}
