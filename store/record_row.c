/*
 * store — a record as a SQL row: binding and reading the columns of
 * RECORD_COLUMNS, writing drafts and finalized records, and the queries
 * that get, list and count them.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
bind_double(sqlite3_stmt *stmt, int idx, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(stmt, idx, v);
	else
		sqlite3_bind_null(stmt, idx);
}

static void
bind_int(sqlite3_stmt *stmt, int idx, int v)
{
	if (v >= 0)
		sqlite3_bind_int(stmt, idx, v);
	else
		sqlite3_bind_null(stmt, idx);
}

/* Binds every column of RECORD_COLUMNS, in order, from 1; answers_json stays owned by the caller. */
void
store_row_bind(sqlite3_stmt *stmt, const struct store_record *rec, const char *answers_json)
{
	const struct store_position *p = &rec->pos;

	sqlite3_bind_text(stmt, 1, rec->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rec->form_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, rec->form_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, rec->inspector, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, rec->device, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 7, rec->replaces);
	sqlite3_bind_text(stmt, 8, store_status_name(rec->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, rec->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, rec->updated_at, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 11, rec->finalized_at);
	sqlite3_bind_text(stmt, 12, rec->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 13, store_pos_source_name(p->source), -1, SQLITE_STATIC);
	bind_double(stmt, 14, p->lat);
	bind_double(stmt, 15, p->lon);
	bind_double(stmt, 16, p->alt_m);
	bind_double(stmt, 17, p->accuracy_m);
	bind_int(stmt, 18, p->fix_mode);
	bind_int(stmt, 19, p->satellites);
	bind_double(stmt, 20, p->hdop);
	store_bind_text_or_null(stmt, 21, p->fix_time);
	bind_double(stmt, 22, p->fix_age_s);
	store_bind_text_or_null(stmt, 23, p->reason);
	sqlite3_bind_text(stmt, 24, answers_json, -1, SQLITE_STATIC);
}

static double
column_double(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, col);
}

static int
column_int(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, col);
}

/* Builds a record from a row of RECORD_COLUMNS.  Caller frees. */
static int
record_from_row(struct store *st, sqlite3_stmt *stmt, struct store_record **out, char **cause)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);
	struct store_position *p = &rec->pos;
	char text[16];

	store_column_copy(stmt, 0, rec->uuid, sizeof rec->uuid);
	store_column_copy(stmt, 1, rec->form_id, sizeof rec->form_id);
	store_column_copy(stmt, 2, rec->form_version, sizeof rec->form_version);
	store_column_copy(stmt, 3, rec->form_hash, sizeof rec->form_hash);
	store_column_copy(stmt, 4, rec->inspector, sizeof rec->inspector);
	store_column_copy(stmt, 5, rec->device, sizeof rec->device);
	store_column_copy(stmt, 6, rec->replaces, sizeof rec->replaces);
	store_column_copy(stmt, 7, text, sizeof text);
	store_status_parse(text, &rec->status);
	store_column_copy(stmt, 8, rec->created_at, sizeof rec->created_at);
	store_column_copy(stmt, 9, rec->updated_at, sizeof rec->updated_at);
	store_column_copy(stmt, 10, rec->finalized_at, sizeof rec->finalized_at);
	store_column_copy(stmt, 11, rec->day, sizeof rec->day);
	store_position_clear(p);
	store_column_copy(stmt, 12, text, sizeof text);
	store_pos_source_parse(text, &p->source);
	p->lat = column_double(stmt, 13);
	p->lon = column_double(stmt, 14);
	p->alt_m = column_double(stmt, 15);
	p->accuracy_m = column_double(stmt, 16);
	p->fix_mode = column_int(stmt, 17);
	p->satellites = column_int(stmt, 18);
	p->hdop = column_double(stmt, 19);
	store_column_copy(stmt, 20, p->fix_time, sizeof p->fix_time);
	p->fix_age_s = column_double(stmt, 21);
	store_column_copy(stmt, 22, p->reason, sizeof p->reason);
	if (store_answers_from_column(st, stmt, 23, rec, cause) != 0) {
		store_record_free(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

/* Checks the fields a record must have before it is written. */
int
store_record_validate(const struct store_record *rec, char **cause)
{
	if (!fc_valid_uuid(rec->uuid))
		return fc_fail(cause, "record has no valid UUID");
	/* Most real forms set no version: the empty version, and the hash names the definition. */
	if (rec->form_id[0] == '\0' || rec->form_hash[0] == '\0')
		return fc_fail(cause, "record %s names no form (id and hash)", rec->uuid);
	if (rec->inspector[0] == '\0' || rec->device[0] == '\0')
		return fc_fail(cause, "record %s names no inspector or device", rec->uuid);
	for (size_t i = 0; i < rec->answer_count; i++)
		if (!fc_utf8_valid(rec->answers[i].value, strlen(rec->answers[i].value)) ||
		    !fc_utf8_valid(rec->answers[i].name, strlen(rec->answers[i].name)))
			return fc_fail(cause, "record %s: answer '%s' is not valid UTF-8", rec->uuid,
			    rec->answers[i].name);
	return 0;
}

/*
 * Writes rec, replacing a draft with the same UUID.  Only a draft may be
 * replaced: the WHERE on the upsert leaves a finalized row alone, and
 * changes() tells us so.
 */
static int
write_record(struct store *st, const struct store_record *rec, char **cause)
{
	static const char sql[] =
	    "INSERT INTO records (" RECORD_COLUMNS ") VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24) "
	    "ON CONFLICT(uuid) DO UPDATE SET form_id=?2, form_version=?3, form_hash=?4, inspector=?5,"
	    " device=?6, replaces=?7, status=?8, updated_at=?10, finalized_at=?11, pos_source=?13,"
	    " lat=?14, lon=?15, alt_m=?16, accuracy_m=?17, fix_mode=?18, satellites=?19, hdop=?20,"
	    " fix_time=?21, fix_age_s=?22, pos_reason=?23, answers=?24 "
	    "WHERE status = 'draft'";
	sqlite3_stmt *stmt;
	int rc;

	if (store_record_validate(rec, cause) != 0)
		return -1;
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	store_row_bind(stmt, rec, store_answers_text(st, rec));
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "save");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "record %s is already final and cannot change", rec->uuid);
	return 0;
}

int
store_save_draft(struct store *st, struct store_record *rec, char **cause)
{
	rec->status = STORE_DRAFT;
	rec->finalized_at[0] = '\0';
	fc_now_iso_utc(rec->updated_at);
	/* One statement is one transaction in autocommit mode. */
	return write_record(st, rec, cause);
}

int
store_finalize(struct store *st, struct store_record *rec, char **cause)
{
	char now[FC_TIME_LEN];

	fc_now_iso_utc(now);
	rec->status = STORE_FINAL;
	memcpy(rec->updated_at, now, sizeof now);
	memcpy(rec->finalized_at, now, sizeof now);
	if (write_record(st, rec, cause) != 0) {
		rec->status = STORE_DRAFT;
		rec->finalized_at[0] = '\0';
		return -1;
	}
	return 0;
}

int
store_discard_draft(struct store *st, const char *uuid, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "DELETE FROM records WHERE uuid = ?1 AND status = 'draft'", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "discard draft");
	return 0;
}

/* Steps a bound RECORD_COLUMNS query once and finalizes it: *out, or NULL when no row. */
static int
fetch_one(struct store *st, sqlite3_stmt *stmt, struct store_record **out, char **cause)
{
	int rc = sqlite3_step(stmt);

	*out = NULL;
	if (rc == SQLITE_ROW)
		rc = record_from_row(st, stmt, out, cause);
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store_db_fail(st, cause, "fetch");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_get(struct store *st, const char *uuid, struct store_record **out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_SELECT " FROM records WHERE uuid = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = fetch_one(st, stmt, out, cause);
	if (rc == 0 && *out == NULL)
		rc = fc_fail(cause, "no record %s", uuid);
	return rc;
}

int
store_last_saved(struct store *st, const char *form_id, const char *device,
    struct store_record **out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_SELECT " FROM records WHERE form_id = ?1 AND device = ?2"
	    " AND status <> 'draft' ORDER BY finalized_at DESC, rowid DESC LIMIT 1", cause);

	*out = NULL;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, device, -1, SQLITE_STATIC);
	return fetch_one(st, stmt, out, cause);
}

/*
 * Appends the WHERE clause for a filter.  The clause text is fixed; values
 * are bound by bind_filter in the same order.
 */
static void
filter_sql(char *sql, size_t size, const struct store_filter *f)
{
	const char *and = " WHERE ";

	if (f->day != NULL && f->day[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "day = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (f->inspector != NULL && f->inspector[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "inspector = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (f->form_id != NULL && f->form_id[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "form_id = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (!f->any_status) {
		/* The status as read (RECORD_STATUS_READ), in terms the status index serves. */
		strncat(sql, and, size - strlen(sql) - 1);
		if (f->status == STORE_FINAL)
			strncat(sql, "status = ? AND NOT " RECORD_IN_OUTBOX, size - strlen(sql) - 1);
		else if (f->status == STORE_BUNDLED)
			strncat(sql, "(status = ? OR (status = 'final' AND " RECORD_IN_OUTBOX "))",
			    size - strlen(sql) - 1);
		else
			strncat(sql, "status = ?", size - strlen(sql) - 1);
	}
}

static void
bind_filter(sqlite3_stmt *stmt, const struct store_filter *f)
{
	int idx = 1;

	if (f->day != NULL && f->day[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->day, -1, SQLITE_STATIC);
	if (f->inspector != NULL && f->inspector[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->inspector, -1, SQLITE_STATIC);
	if (f->form_id != NULL && f->form_id[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->form_id, -1, SQLITE_STATIC);
	if (!f->any_status)
		sqlite3_bind_text(stmt, idx++, store_status_name(f->status), -1, SQLITE_STATIC);
	if (f->limit > 0)
		sqlite3_bind_int64(stmt, idx, (sqlite3_int64)f->limit);
}

/* Steps a statement over RECORD_COLUMNS rows, handing each record to take. */
static int
each_record(struct store *st, sqlite3_stmt *stmt, store_record_take_fn *take, void *ctx,
    char **cause)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_record *rec;

		if (record_from_row(st, stmt, &rec, cause) != 0)
			return -1;
		if (take(ctx, rec))
			return 0;
	}
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "list");
	return 0;
}

int
store_lend_then_free(void *arg, struct store_record *rec)
{
	struct store_lend *l = arg;
	int stop = l->fn(l->ctx, rec);

	store_record_free(rec);
	return stop;
}

int
store_list_take(struct store *st, const struct store_filter *filter, store_record_take_fn *fn,
    void *ctx, char **cause)
{
	char sql[1024] = "SELECT " RECORD_SELECT " FROM records";
	sqlite3_stmt *stmt;
	int rc;

	filter_sql(sql, sizeof sql, filter);
	strncat(sql, " ORDER BY created_at, id", sizeof sql - strlen(sql) - 1);
	if (filter->limit > 0)
		strncat(sql, " LIMIT ?", sizeof sql - strlen(sql) - 1);
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	bind_filter(stmt, filter);
	rc = each_record(st, stmt, fn, ctx, cause);
	sqlite3_finalize(stmt);
	return rc;
}

int
store_list(struct store *st, const struct store_filter *filter, store_record_fn *fn, void *ctx,
    char **cause)
{
	struct store_lend l = { fn, ctx };

	return store_list_take(st, filter, store_lend_then_free, &l, cause);
}

int
store_count(struct store *st, const struct store_filter *filter, int64_t *count, char **cause)
{
	char sql[512] = "SELECT count(*) FROM records";
	struct store_filter unlimited = *filter;
	sqlite3_stmt *stmt;
	int rc;

	unlimited.limit = 0;
	filter_sql(sql, sizeof sql, &unlimited);
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	bind_filter(stmt, &unlimited);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else
		rc = store_db_fail(st, cause, "count");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_count_by_status(struct store *st, int64_t counts[4], char **cause)
{
	/*
	 * The sent are nearly all of a handheld's records and the rest a few
	 * hundred: counting the rest walks a short range of records_by_status,
	 * and the sent are the whole count (SQLite counts a b-tree's cells a
	 * page at a time) less the rest.  Grouping every row by status walked
	 * all of them, at each look the sync worker and the screen take.
	 */
	sqlite3_stmt *stmt = store_prepare(st, "SELECT status, count(*) FROM records "
	    "WHERE status IN ('draft', 'final', 'bundled') GROUP BY status", cause);
	int64_t all = 0;
	int rc;

	if (stmt == NULL)
		return -1;
	memset(counts, 0, 4 * sizeof counts[0]);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		enum store_status status;

		if (store_status_parse((const char *)sqlite3_column_text(stmt, 0), &status) == 0)
			counts[status] = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "count");
	stmt = store_prepare(st, "SELECT count(*) FROM records", cause);
	if (stmt == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		all = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, cause, "count");
	counts[STORE_SENT] = all - counts[STORE_DRAFT] - counts[STORE_FINAL] - counts[STORE_BUNDLED];
	/* Final rows in a bundle read as bundled (RECORD_STATUS_READ). */
	stmt = store_prepare(st, "SELECT count(*) FROM records WHERE status = 'final' AND "
	    RECORD_IN_OUTBOX, cause);
	if (stmt == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		counts[STORE_FINAL] -= sqlite3_column_int64(stmt, 0);
		counts[STORE_BUNDLED] += sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_fail(st, cause, "count");
}

/* ---- For the outbox ---- */

int
store_outbox_pending_query(struct store *st, size_t limit, store_record_fn *fn, void *ctx,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_SELECT " FROM records WHERE status = 'final' AND NOT " RECORD_IN_OUTBOX
	    " ORDER BY created_at, id LIMIT ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, limit > 0 ? (sqlite3_int64)limit : -1);
	rc = each_record(st, stmt, store_lend_then_free, &(struct store_lend){ fn, ctx }, cause);
	sqlite3_finalize(stmt);
	return rc;
}

int
store_outbox_bundle_query(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_SELECT " FROM records WHERE uuid IN "
	    "(SELECT record_uuid FROM outbox_records WHERE bundle_uuid = ?1) "
	    "ORDER BY created_at, id LIMIT -1 OFFSET ?2", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, bundle_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)offset);
	rc = each_record(st, stmt, store_lend_then_free, &(struct store_lend){ fn, ctx }, cause);
	sqlite3_finalize(stmt);
	return rc;
}
