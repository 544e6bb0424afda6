/*
 * store — supervisor decisions and settings.
 *
 * Reviews are appended and never rewritten, so the history of decisions on a
 * record is kept and the record itself is never touched by a review.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const decision_names[] = { "unreviewed", "approved", "follow-up", "rejected" };

const char *
store_decision_name(enum store_decision d)
{
	return (unsigned)d < 4 ? decision_names[d] : "?";
}

int
store_decision_parse(const char *name, enum store_decision *out)
{
	int i = store_name_index(decision_names, 4, name);

	if (i < 0)
		return -1;
	*out = (enum store_decision)i;
	return 0;
}

static int
insert_review(struct store *st, sqlite3_stmt *stmt, const char *uuid, enum store_decision decision,
    const char *comment, const char *reviewer, const char *when, char **cause)
{
	int rc;

	if (decision == STORE_UNREVIEWED || (unsigned)decision > STORE_REJECTED)
		return fc_fail(cause, "a review must approve, ask for follow-up or reject");
	if (reviewer == NULL || reviewer[0] == '\0')
		return fc_fail(cause, "a review needs a reviewer");
	sqlite3_reset(stmt);
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, store_decision_name(decision), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, comment != NULL ? comment : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, reviewer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, when, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "review");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "no record %s to review", uuid);
	return 0;
}

int
store_review_add_many(struct store *st, const char *const *uuids, size_t n,
    enum store_decision decision, const char *comment, const char *reviewer, char **cause)
{
	/* INSERT ... SELECT: a decision on a record that does not exist inserts nothing. */
	static const char sql[] =
	    "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at) "
	    "SELECT uuid, ?2, ?3, ?4, ?5 FROM records WHERE uuid = ?1 AND status <> 'draft'";
	char now[FC_TIME_LEN];
	sqlite3_stmt *stmt;

	fc_now_iso_utc(now);
	if (store_begin(st, cause) != 0)
		return -1;
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (insert_review(st, stmt, uuids[i], decision, comment, reviewer, now, cause) != 0)
			goto fail;
	sqlite3_finalize(stmt);
	return store_commit(st, cause);
fail:
	sqlite3_finalize(stmt);
	store_rollback(st);
	return -1;
}

int
store_review_add(struct store *st, const struct store_review *rv, char **cause)
{
	const char *uuid = rv->record_uuid;

	return store_review_add_many(st, &uuid, 1, rv->decision, rv->comment, rv->reviewer, cause);
}

static void
review_from_row(sqlite3_stmt *stmt, struct store_review *rv)
{
	char decision[16];

	memset(rv, 0, sizeof *rv);
	store_column_copy(stmt, 0, rv->record_uuid, sizeof rv->record_uuid);
	store_column_copy(stmt, 1, decision, sizeof decision);
	store_decision_parse(decision, &rv->decision);
	store_column_copy(stmt, 2, rv->comment, sizeof rv->comment);
	store_column_copy(stmt, 3, rv->reviewer, sizeof rv->reviewer);
	store_column_copy(stmt, 4, rv->decided_at, sizeof rv->decided_at);
}

int
store_review_history(struct store *st, const char *uuid, struct store_review **out, size_t *count,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT record_uuid, decision, comment, reviewer, decided_at FROM reviews "
	    "WHERE record_uuid = ?1 ORDER BY id", cause);
	struct store_review *list = NULL;
	size_t n = 0;
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof *list);
		review_from_row(stmt, &list[n++]);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		free(list);
		return store_db_fail(st, cause, "read reviews");
	}
	*out = list;
	*count = n;
	return 0;
}

int
store_review_latest(struct store *st, const char *uuid, struct store_review *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT record_uuid, decision, comment, reviewer, decided_at FROM reviews "
	    "WHERE record_uuid = ?1 ORDER BY id DESC LIMIT 1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		review_from_row(stmt, out);
	else if (rc == SQLITE_DONE) {
		memset(out, 0, sizeof *out);
		fc_strlcpy(out->record_uuid, uuid, sizeof out->record_uuid);
		out->decision = STORE_UNREVIEWED;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read review");
	return 0;
}

int
store_setting_get(struct store *st, const char *key, char **value, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT value FROM settings WHERE key = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*value = rc == SQLITE_ROW ? xstrdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read setting");
	return 0;
}

int
store_setting_set(struct store *st, const char *key, const char *value, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "INSERT INTO settings (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = ?2", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "save setting");
}

/* ---- The supervisor PIN's log ---- */

static const char *const pin_event_names[] = { "set", "changed", "reset", "ok", "failed" };

const char *
store_pin_event_name(enum store_pin_event ev)
{
	return (unsigned)ev < 5 ? pin_event_names[ev] : "?";
}

int
store_pin_event(struct store *st, enum store_pin_event ev, const char *detail, const char *key,
    const char *value, char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *stmt = NULL;
	int rc;

	fc_now_iso_utc(now);
	if (store_begin(st, cause) != 0)
		return -1;
	if (key != NULL && store_setting_set(st, key, value, cause) != 0)
		goto fail;
	stmt = store_prepare(st, "INSERT INTO pin_events (event, at, detail) VALUES (?1, ?2, ?3)", cause);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_text(stmt, 1, store_pin_event_name(ev), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, detail != NULL ? detail : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_db_fail(st, cause, "note a PIN event");
		goto fail;
	}
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

int
store_pin_failures(struct store *st, unsigned *count, char last_at[FC_TIME_LEN], char **cause)
{
	/* Failures after the latest event that is not one. */
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT count(*), max(at) FROM pin_events WHERE event = 'failed' AND id > "
	    "coalesce((SELECT max(id) FROM pin_events WHERE event <> 'failed'), 0)", cause);
	int rc;

	*count = 0;
	last_at[0] = '\0';
	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = (unsigned)sqlite3_column_int64(stmt, 0);
		store_column_copy(stmt, 1, last_at, FC_TIME_LEN);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_fail(st, cause, "read the PIN's log");
}

int
store_pin_log(struct store *st, store_pin_log_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT at, event, detail FROM pin_events ORDER BY id",
	    cause);
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (fn(ctx, (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1), (const char *)sqlite3_column_text(stmt, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "read the PIN's log");
}
