/*
 * sync — the patrol track's points leave in bundles of their own (track
 * bundles: a header with "record_count":0 and "tracks":N, then one
 * track_wire line per device, inspector and day; docs/coverage.md).  A drain
 * freezes one when no record is left to bundle, so records go first.
 *
 * The points are marked sent once their bundle is frozen: from then on the
 * outbox delivers that bundle as it delivers any other.  Should the device
 * die between the freeze and the mark, the next drain sends the same points
 * again, and the depot stores a point once (device, inspector, second).
 */
#include <stdlib.h>

#include "sync/sync_internal.h"
#include "track/track.h"

/* Points per track bundle: about 8 hours of 1 Hz fixes, some 60 KiB compressed. */
#define SYNC_TRACK_POINTS 30000

struct track_freeze {
	struct bundle_writer *w;
	char *why;
};

static int
add_run(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *pts, size_t n)
{
	struct track_freeze *f = ctx;
	size_t len;
	char *line = track_wire_encode(device, inspector, day, pts, n, &len);
	int rc = bundle_writer_add_track(f->w, line, len, &f->why);

	free(line);
	return rc != 0;
}

int
sync_freeze_tracks(struct store *st, const char *device, bool *made, char **cause)
{
	struct track_freeze f = { 0 };
	struct track_group *grp;
	struct store_bundle sb;
	int64_t last_id = 0;
	int rc = -1;

	*made = false;
	f.w = bundle_writer_new(device, 0);
	grp = track_group_new(add_run, &f);
	if (store_track_unsent(st, SYNC_TRACK_POINTS, track_group_point, grp, &last_id, cause) != 0) {
		track_group_finish(grp);
		goto out;
	}
	if (track_group_finish(grp) != 0) {
		fc_fail(cause, "%s", f.why);
		goto out;
	}
	if (last_id == 0) {
		rc = 0;
		goto out;
	}
	if (bundle_writer_finish(f.w, &sb, cause) != 0)
		goto out;
	if (store_outbox_add(st, &sb, NULL, 0, cause) == 0 &&
	    store_track_mark_sent(st, last_id, cause) == 0) {
		*made = true;
		rc = 0;
	}
	free(sb.bytes);
out:
	free(f.why);
	bundle_writer_free(f.w);
	return rc;
}
