/*
 * store — patrol tracks: the points kept on duty (docs/coverage.md).  A
 * batch of points is one transaction with synchronous=FULL, so a pulled
 * battery loses at most the batch the recorder had not yet handed over.
 */
#include <string.h>

#include "store/store_internal.h"

static const char *const gap_names[STORE_GAP_COUNT] = { "", "duty", "closed", "no-fix" };

const char *
store_track_gap_name(enum store_track_gap g)
{
	return (unsigned)g < STORE_GAP_COUNT ? gap_names[g] : NULL;
}

int
store_track_append(struct store *st, const char *device, const char *inspector,
    const struct store_track_point *pts, size_t n, const char *received_from, char **cause)
{
	sqlite3_stmt *ins;
	char day[FC_DAY_LEN];

	if (n == 0)
		return 0;
	if (store_begin(st, cause) != 0)
		return -1;
	ins = store_prepare(st,
	    "INSERT OR IGNORE INTO track_points (device, inspector, day, t, lat, lon, acc, gap,"
	    " sent_at, received_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", cause);
	if (ins == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		char now[FC_TIME_LEN];

		fc_local_day(day, (time_t)pts[i].t);
		sqlite3_bind_text(ins, 1, device, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, inspector, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, pts[i].t);
		sqlite3_bind_int(ins, 5, pts[i].lat);
		sqlite3_bind_int(ins, 6, pts[i].lon);
		sqlite3_bind_int(ins, 7, pts[i].acc);
		sqlite3_bind_int(ins, 8, (int)pts[i].gap);
		if (received_from != NULL) {
			fc_now_iso_utc(now);
			sqlite3_bind_text(ins, 9, now, -1, SQLITE_TRANSIENT);
		} else
			sqlite3_bind_null(ins, 9);
		store_bind_text_or_null(ins, 10, received_from);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_db_fail(st, cause, "save track points");
			goto fail;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return store_commit(st, cause);
fail:
	sqlite3_finalize(ins);
	store_rollback(st);
	return -1;
}

static int
track_rows(struct store *st, sqlite3_stmt *stmt, store_track_fn *fn, void *ctx, int64_t *last_id,
    char **cause)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_track_point p = {
			.t = sqlite3_column_int64(stmt, 4),
			.lat = sqlite3_column_int(stmt, 5),
			.lon = sqlite3_column_int(stmt, 6),
			.acc = sqlite3_column_int(stmt, 7),
			.gap = (enum store_track_gap)sqlite3_column_int(stmt, 8),
		};

		if ((unsigned)p.gap >= STORE_GAP_COUNT)
			p.gap = STORE_GAP_NO_FIX;
		if (last_id != NULL)
			*last_id = sqlite3_column_int64(stmt, 0);
		if (fn(ctx, (const char *)sqlite3_column_text(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2), (const char *)sqlite3_column_text(stmt, 3),
		    &p) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "read track points");
}

int
store_track_list(struct store *st, const char *day, const char *inspector, store_track_fn *fn,
    void *ctx, char **cause)
{
	/* Written out per case, so that a day (and inspector) walks track_points_by_day in order. */
	static const char *const sql[2][2] = {
		{ "SELECT id, device, inspector, day, t, lat, lon, acc, gap FROM track_points"
		  " ORDER BY inspector, day, device, t",
		  "SELECT id, device, inspector, day, t, lat, lon, acc, gap FROM track_points"
		  " WHERE inspector = ?2 ORDER BY inspector, day, device, t" },
		{ "SELECT id, device, inspector, day, t, lat, lon, acc, gap FROM track_points"
		  " WHERE day = ?1 ORDER BY inspector, device, t",
		  "SELECT id, device, inspector, day, t, lat, lon, acc, gap FROM track_points"
		  " WHERE day = ?1 AND inspector = ?2 ORDER BY device, t" },
	};
	bool by_day = day != NULL && day[0] != '\0', by_inspector = inspector != NULL && inspector[0] != '\0';
	sqlite3_stmt *stmt = store_prepare(st, sql[by_day][by_inspector], cause);

	if (stmt == NULL)
		return -1;
	if (by_day)
		sqlite3_bind_text(stmt, 1, day, -1, SQLITE_STATIC);
	if (by_inspector)
		sqlite3_bind_text(stmt, 2, inspector, -1, SQLITE_STATIC);
	return track_rows(st, stmt, fn, ctx, NULL, cause);
}

int
store_track_unsent(struct store *st, size_t limit, store_track_fn *fn, void *ctx, int64_t *last_id,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT id, device, inspector, day, t, lat, lon, acc, gap FROM track_points"
	    " WHERE sent_at IS NULL ORDER BY id LIMIT ?1", cause);

	if (stmt == NULL)
		return -1;
	*last_id = 0;
	sqlite3_bind_int64(stmt, 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	return track_rows(st, stmt, fn, ctx, last_id, cause);
}

int
store_track_mark_sent(struct store *st, int64_t last_id, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "UPDATE track_points SET sent_at = ?1 WHERE sent_at IS NULL AND id <= ?2", cause);
	char now[FC_TIME_LEN];
	int rc;

	if (stmt == NULL)
		return -1;
	fc_now_iso_utc(now);
	sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, last_id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "mark track points sent");
}

int
store_track_counts(struct store *st, int64_t *points, int64_t *unsent, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT count(*), count(*) FILTER (WHERE sent_at IS NULL) FROM track_points", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*points = sqlite3_column_int64(stmt, 0);
		*unsent = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_fail(st, cause, "count track points");
}
