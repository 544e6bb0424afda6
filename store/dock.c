/*
 * store — docking both ways: the depot's catalogue of checklists and its
 * tasks, the change feed each device reads (docs/sync-protocol.md, "Change
 * feed"), and the handheld's side that applies a page of it.
 *
 * The depot appends a row to `changes` in the transaction that makes each
 * change (a checklist added or retired, a task assigned or cancelled; a
 * decision's row comes from a trigger on reviews), so the feed is a range
 * scan of one index, and a cursor is just the last seq a device applied.
 * The feed sends each row's state as it is now: a task changed twice is
 * sent twice with the same state, which applying twice leaves as once.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const task_state_names[] = {
	"open", "assigned", "done", "closed", "reopened", "cancelled", "done-after-cancel",
};
#define TASK_STATES ((int)(sizeof task_state_names / sizeof task_state_names[0]))

const char *
store_task_state_name(enum store_task_state s)
{
	return (unsigned)s < (unsigned)TASK_STATES ? task_state_names[s] : "?";
}

int
store_task_state_parse(const char *name, enum store_task_state *out)
{
	int i = store_name_index(task_state_names, TASK_STATES, name);

	if (i < 0)
		return -1;
	*out = (enum store_task_state)i;
	return 0;
}

/*
 * Appends a change for device (NULL: every device), inside the caller's
 * transaction.  The feed sends a row's state now, so an earlier change of
 * the same row is dropped: a device behind both gets it once.
 */
static int
change_add(struct store *st, const char *device, const char *kind, const char *ref, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "DELETE FROM changes WHERE device IS ?1 AND kind = ?2 AND ref = ?3", cause);
	char now[FC_TIME_LEN];
	int rc;

	if (stmt == NULL)
		return -1;
	store_bind_text_or_null(stmt, 1, device);
	sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "note a change");
	stmt = store_prepare(st, "INSERT INTO changes (device, kind, ref, at) VALUES (?1, ?2, ?3, ?4)",
	    cause);
	if (stmt == NULL)
		return -1;
	fc_now_iso_utc(now);
	store_bind_text_or_null(stmt, 1, device);
	sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "note a change");
}

/* ---- Checklists ---- */

#define CHECKLIST_COLUMNS "id, form_id, version, hash, added_at, retired_at"

static void
checklist_read(sqlite3_stmt *stmt, struct store_checklist *c, bool with_csv)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(stmt, 0);
	store_column_copy(stmt, 1, c->form_id, sizeof c->form_id);
	store_column_copy(stmt, 2, c->version, sizeof c->version);
	store_column_copy(stmt, 3, c->hash, sizeof c->hash);
	store_column_copy(stmt, 4, c->added_at, sizeof c->added_at);
	store_column_copy(stmt, 5, c->retired_at, sizeof c->retired_at);
	if (with_csv) {
		const void *b = sqlite3_column_blob(stmt, 6);
		int n = sqlite3_column_bytes(stmt, 6);

		c->csv = xmalloc((size_t)n + 1);
		if (n > 0)
			memcpy(c->csv, b, (size_t)n);
		c->csv[n] = '\0';
		c->csv_len = (size_t)n;
	}
}

/* Inserts c unless its hash is held (*already); inside the caller's transaction. */
static int
checklist_insert(struct store *st, const struct store_checklist *c, bool *already, int64_t *id,
    char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	*already = false;
	stmt = store_prepare(st, "SELECT hash, id FROM checklists WHERE hash = ?1 OR "
	    "(form_id = ?2 AND version = ?3) ORDER BY hash = ?1 DESC LIMIT 1", cause);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, c->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, c->version, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		bool same = strcmp((const char *)sqlite3_column_text(stmt, 0), c->hash) == 0;

		*id = sqlite3_column_int64(stmt, 1);
		sqlite3_finalize(stmt);
		if (!same)
			return fc_fail(cause, "checklist '%s' version '%s' is held already with another "
			    "content (hash); give the new one another version", c->form_id, c->version);
		*already = true;
		return 0;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read the checklists");
	stmt = store_prepare(st, "INSERT INTO checklists (form_id, version, hash, csv, added_at, retired_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cause);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, c->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, c->hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(stmt, 4, c->csv != NULL ? c->csv : "", c->csv_len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, c->added_at, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, c->retired_at);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "add the checklist");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_checklist_add(struct store *st, const struct store_checklist *c, bool *already, char **cause)
{
	struct store_checklist row = *c;
	char ref[32];
	int64_t id;

	if (c->form_id[0] == '\0' || strlen(c->hash) != 64)
		return fc_fail(cause, "a checklist needs an id and a SHA-256 hash");
	fc_now_iso_utc(row.added_at);
	row.retired_at[0] = '\0';
	if (store_begin(st, cause) != 0)
		return -1;
	if (checklist_insert(st, &row, already, &id, cause) != 0)
		goto fail;
	if (!*already) {
		snprintf(ref, sizeof ref, "%lld", (long long)id);
		if (change_add(st, NULL, "checklist", ref, cause) != 0)
			goto fail;
	}
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

int
store_checklist_retire(struct store *st, const char *form_id, const char *version, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	char now[FC_TIME_LEN];
	size_t n = 0;
	int rc;

	fc_now_iso_utc(now);
	if (store_begin(st, cause) != 0)
		return -1;
	stmt = store_prepare(st, "UPDATE checklists SET retired_at = ?3 WHERE form_id = ?1 AND "
	    "(?2 IS NULL OR version = ?2) AND retired_at IS NULL RETURNING id", cause);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_text(stmt, 1, form_id, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, version);
	sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
	/* RETURNING gives every row before any change is noted: collect, then note. */
	{
		int64_t ids[4096];

		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			if (n < sizeof ids / sizeof ids[0])
				ids[n++] = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (rc != SQLITE_DONE) {
			store_db_fail(st, cause, "retire the checklist");
			goto fail;
		}
		if (n == 0) {
			fc_fail(cause, "no checklist '%s'%s%s%s in the catalogue to retire", form_id,
			    version != NULL ? " version '" : "", version != NULL ? version : "",
			    version != NULL ? "'" : "");
			goto fail;
		}
		for (size_t i = 0; i < n; i++) {
			char ref[32];

			snprintf(ref, sizeof ref, "%lld", (long long)ids[i]);
			if (change_add(st, NULL, "checklist", ref, cause) != 0)
				goto fail;
		}
	}
	return store_commit(st, cause);
fail:
	sqlite3_finalize(stmt);
	store_rollback(st);
	return -1;
}

int
store_checklist_list(struct store *st, bool with_csv, store_checklist_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, with_csv ?
	    "SELECT " CHECKLIST_COLUMNS ", csv FROM checklists ORDER BY form_id, id" :
	    "SELECT " CHECKLIST_COLUMNS " FROM checklists ORDER BY form_id, id", cause);
	struct store_checklist c;
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int stop;

		checklist_read(stmt, &c, with_csv);
		stop = fn(ctx, &c);
		free(c.csv);
		if (stop != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "list the checklists");
}

int
store_checklist_find(struct store *st, const char *form_id, const char *version,
    struct store_checklist *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT " CHECKLIST_COLUMNS " FROM checklists "
	    "WHERE form_id = ?1 AND (?2 IS NULL OR version = ?2) AND (?2 IS NOT NULL OR retired_at IS NULL) "
	    "ORDER BY id DESC LIMIT 1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, form_id, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, version);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		checklist_read(stmt, out, false);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read the checklists");
	if (version != NULL)
		return fc_fail(cause, "no checklist '%s' version '%s' in the depot's catalogue "
		    "(fieldcheck-depot forms list)", form_id, version);
	return fc_fail(cause, "no checklist '%s' offered in the depot's catalogue "
	    "(fieldcheck-depot forms add FILE.csv)", form_id);
}

/* ---- Tasks ---- */

#define TASK_COLUMNS \
	"uuid, kind, form_id, form_version, asset, lat, lon, follows, inspector, device, due, note," \
	" state, created_at, created_by, updated_at, done_record"

static void
task_read(sqlite3_stmt *stmt, struct store_task *t)
{
	memset(t, 0, sizeof *t);
	store_column_copy(stmt, 0, t->uuid, sizeof t->uuid);
	store_column_copy(stmt, 1, t->kind, sizeof t->kind);
	store_column_copy(stmt, 2, t->form_id, sizeof t->form_id);
	store_column_copy(stmt, 3, t->form_version, sizeof t->form_version);
	store_column_copy(stmt, 4, t->asset, sizeof t->asset);
	t->lat = sqlite3_column_type(stmt, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, 5);
	t->lon = sqlite3_column_type(stmt, 6) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, 6);
	store_column_copy(stmt, 7, t->follows, sizeof t->follows);
	store_column_copy(stmt, 8, t->inspector, sizeof t->inspector);
	store_column_copy(stmt, 9, t->device, sizeof t->device);
	store_column_copy(stmt, 10, t->due, sizeof t->due);
	store_column_copy(stmt, 11, t->note, sizeof t->note);
	if (sqlite3_column_text(stmt, 12) == NULL ||
	    store_task_state_parse((const char *)sqlite3_column_text(stmt, 12), &t->state) != 0)
		t->state = STORE_TASK_OPEN;
	store_column_copy(stmt, 13, t->created_at, sizeof t->created_at);
	store_column_copy(stmt, 14, t->created_by, sizeof t->created_by);
	store_column_copy(stmt, 15, t->updated_at, sizeof t->updated_at);
	store_column_copy(stmt, 16, t->done_record, sizeof t->done_record);
}

static void
task_bind(sqlite3_stmt *stmt, const struct store_task *t)
{
	sqlite3_bind_text(stmt, 1, t->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, t->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, t->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, t->form_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, t->asset, -1, SQLITE_STATIC);
	if (isnan(t->lat) || isnan(t->lon)) {
		sqlite3_bind_null(stmt, 6);
		sqlite3_bind_null(stmt, 7);
	} else {
		sqlite3_bind_double(stmt, 6, t->lat);
		sqlite3_bind_double(stmt, 7, t->lon);
	}
	store_bind_text_or_null(stmt, 8, t->follows);
	sqlite3_bind_text(stmt, 9, t->inspector, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 10, t->device);
	store_bind_text_or_null(stmt, 11, t->due);
	sqlite3_bind_text(stmt, 12, t->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 13, store_task_state_name(t->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 14, t->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 15, t->created_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 16, t->updated_at, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 17, t->done_record);
}

/* One text column of the first row of sql with text parameters a (and b, may be NULL). */
static int
query_text(struct store *st, const char *sql, const char *a, const char *b, char *out, size_t size,
    bool *found, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, sql, cause);
	int rc;

	*found = false;
	out[0] = '\0';
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*found = true;
		store_column_copy(stmt, 0, out, size);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "read the depot");
}

/* The checks of a new task at the depot, and its device when none was given. */
static int
task_check(struct store *st, struct store_task *t, char **cause)
{
	struct store_checklist c;
	char revoked[8];
	bool found;

	if (t->inspector[0] == '\0')
		return fc_fail(cause, "a task needs an inspector");
	if (t->asset[0] == '\0')
		return fc_fail(cause, "a task needs an asset");
	if (store_checklist_find(st, t->form_id, t->form_version[0] != '\0' ? t->form_version : NULL,
	    &c, cause) != 0)
		return -1;
	if (c.retired_at[0] != '\0')
		return fc_fail(cause, "checklist '%s' version '%s' is retired", c.form_id, c.version);
	fc_strlcpy(t->form_version, c.version, sizeof t->form_version);
	if (t->follows[0] != '\0') {
		char have[FC_UUID_LEN + STORE_ID_LEN + 4];

		if (query_text(st, "SELECT uuid FROM records WHERE uuid = ?1 AND status <> 'draft'",
		    t->follows, NULL, have, sizeof have, &found, cause) != 0)
			return -1;
		if (!found)
			return fc_fail(cause, "--follows %s: no such record at the depot", t->follows);
		/* Two supervisors sending one record at once: the first one's task stands. */
		if (query_text(st, "SELECT inspector || ' (' || uuid || ')' FROM tasks WHERE follows = ?1 AND "
		    "state IN ('open','assigned')", t->follows, NULL, have, sizeof have, &found, cause) != 0)
			return -1;
		if (found)
			return fc_fail(cause, "record %s is already being verified by %s: cancel that task first",
			    t->follows, have);
	}
	if (t->device[0] == '\0') {
		/* The device that last delivered a record of the inspector's. */
		if (query_text(st, "SELECT received_from FROM records WHERE inspector = ?1 AND "
		    "received_from IS NOT NULL ORDER BY created_at DESC LIMIT 1", t->inspector, NULL,
		    t->device, sizeof t->device, &found, cause) != 0)
			return -1;
	}
	if (t->device[0] == '\0')
		return 0;
	if (query_text(st, "SELECT revoked FROM devices WHERE name = ?1", t->device, NULL, revoked,
	    sizeof revoked, &found, cause) != 0)
		return -1;
	if (!found)
		return fc_fail(cause, "no device %s at this depot (fieldcheck-depot device list)", t->device);
	if (strcmp(revoked, "0") != 0)
		return fc_fail(cause, "device %s is revoked: give the task to another device", t->device);
	return 0;
}

int
store_task_add(struct store *st, struct store_task *t, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (store_begin(st, cause) != 0)
		return -1;
	if (task_check(st, t, cause) != 0)
		goto fail;
	fc_uuid_v4(t->uuid);
	fc_strlcpy(t->kind, t->follows[0] != '\0' ? "verify" : "inspect", sizeof t->kind);
	fc_now_iso_utc(t->created_at);
	fc_strlcpy(t->updated_at, t->created_at, sizeof t->updated_at);
	t->state = t->device[0] != '\0' ? STORE_TASK_ASSIGNED : STORE_TASK_OPEN;
	t->done_record[0] = '\0';
	stmt = store_prepare(st, "INSERT INTO tasks (" TASK_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)", cause);
	if (stmt == NULL)
		goto fail;
	task_bind(stmt, t);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_db_fail(st, cause, "add the task");
		goto fail;
	}
	if (t->device[0] != '\0' && change_add(st, t->device, "task", t->uuid, cause) != 0)
		goto fail;
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

/* The task uuid, when it is still open or assigned (what may be given or cancelled). */
static int
task_movable(struct store *st, const char *uuid, struct store_task *t, const char *what, char **cause)
{
	if (store_task_get(st, uuid, t, cause) != 0)
		return -1;
	if (t->state != STORE_TASK_OPEN && t->state != STORE_TASK_ASSIGNED)
		return fc_fail(cause, "task %s is %s: only an open or assigned task can be %s", uuid,
		    store_task_state_name(t->state), what);
	return 0;
}

int
store_task_assign(struct store *st, const char *uuid, const char *device, char **cause)
{
	struct store_task t;
	sqlite3_stmt *stmt;
	char now[FC_TIME_LEN];
	int rc;

	if (store_begin(st, cause) != 0)
		return -1;
	if (task_movable(st, uuid, &t, "given to a device", cause) != 0)
		goto fail;
	/* The same checks as a new task's, for the new device. */
	fc_strlcpy(t.device, device, sizeof t.device);
	t.follows[0] = '\0';   /* already checked when it was made */
	if (task_check(st, &t, cause) != 0)
		goto fail;
	stmt = store_prepare(st, "UPDATE tasks SET device = ?2, state = 'assigned', updated_at = ?3 "
	    "WHERE uuid = ?1", cause);
	if (stmt == NULL)
		goto fail;
	fc_now_iso_utc(now);
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_db_fail(st, cause, "assign the task");
		goto fail;
	}
	if (change_add(st, device, "task", uuid, cause) != 0)
		goto fail;
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

int
store_task_cancel(struct store *st, const char *uuid, char **cause)
{
	struct store_task t;

	if (store_begin(st, cause) != 0)
		return -1;
	if (task_movable(st, uuid, &t, "cancelled", cause) != 0)
		goto fail;
	{
		sqlite3_stmt *stmt = store_prepare(st, "UPDATE tasks SET state = 'cancelled', "
		    "updated_at = ?2 WHERE uuid = ?1", cause);
		char now[FC_TIME_LEN];
		int rc;

		if (stmt == NULL)
			goto fail;
		fc_now_iso_utc(now);
		sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (rc != SQLITE_DONE) {
			store_db_fail(st, cause, "cancel the task");
			goto fail;
		}
	}
	if (t.device[0] != '\0' && change_add(st, t.device, "task", uuid, cause) != 0)
		goto fail;
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

static int
task_walk(struct store *st, sqlite3_stmt *stmt, store_task_fn *fn, void *ctx, char **cause)
{
	struct store_task t;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		task_read(stmt, &t);
		if (fn(ctx, &t) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "read the tasks");
}

int
store_task_list(struct store *st, const char *inspector, bool open_only, store_task_fn *fn, void *ctx,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT " TASK_COLUMNS " FROM tasks "
	    "WHERE (?1 IS NULL OR inspector = ?1) AND "
	    "(?2 = 0 OR state IN ('open','assigned','reopened')) "
	    "ORDER BY due IS NULL, due, created_at", cause);

	if (stmt == NULL)
		return -1;
	store_bind_text_or_null(stmt, 1, inspector);
	sqlite3_bind_int(stmt, 2, open_only ? 1 : 0);
	return task_walk(st, stmt, fn, ctx, cause);
}

static int
task_copy(void *ctx, const struct store_task *t)
{
	*(struct store_task *)ctx = *t;
	return 1;
}

int
store_task_get(struct store *st, const char *uuid, struct store_task *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT " TASK_COLUMNS " FROM tasks WHERE uuid = ?1", cause);

	if (stmt == NULL)
		return -1;
	out->uuid[0] = '\0';
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	if (task_walk(st, stmt, task_copy, out, cause) != 0)
		return -1;
	if (out->uuid[0] == '\0')
		return fc_fail(cause, "no task %s", uuid);
	return 0;
}

int
store_task_chain(struct store *st, const char *record_uuid, store_task_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT " TASK_COLUMNS " FROM tasks "
	    "WHERE follows = ?1 OR done_record = ?1 ORDER BY created_at", cause);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, record_uuid, -1, SQLITE_STATIC);
	return task_walk(st, stmt, fn, ctx, cause);
}

/* ---- The feed ---- */

/* Fills c from its change row's ref (the row's state now); 1 when the row is gone. */
static int
change_fill(struct store *st, const char *kind, const char *ref, struct store_change *c, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	if (strcmp(kind, "checklist") == 0) {
		c->kind = STORE_CHANGE_CHECKLIST;
		stmt = store_prepare(st, "SELECT " CHECKLIST_COLUMNS ", csv FROM checklists WHERE id = ?1",
		    cause);
	} else if (strcmp(kind, "task") == 0) {
		c->kind = STORE_CHANGE_TASK;
		stmt = store_prepare(st, "SELECT " TASK_COLUMNS " FROM tasks WHERE uuid = ?1", cause);
	} else {
		c->kind = STORE_CHANGE_DECISION;
		stmt = store_prepare(st, "SELECT record_uuid, decision, comment, reviewer, decided_at "
		    "FROM reviews WHERE id = ?1", cause);
	}
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (c->kind == STORE_CHANGE_CHECKLIST) {
			checklist_read(stmt, &c->checklist, true);
		} else if (c->kind == STORE_CHANGE_TASK) {
			task_read(stmt, &c->task);
		} else {
			store_column_copy(stmt, 0, c->decision.record_uuid, sizeof c->decision.record_uuid);
			if (store_decision_parse((const char *)sqlite3_column_text(stmt, 1),
			    &c->decision.decision) != 0)
				c->decision.decision = STORE_UNREVIEWED;
			store_column_copy(stmt, 2, c->decision.comment, sizeof c->decision.comment);
			store_column_copy(stmt, 3, c->decision.reviewer, sizeof c->decision.reviewer);
			store_column_copy(stmt, 4, c->decision.decided_at, sizeof c->decision.decided_at);
		}
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW && c->kind == STORE_CHANGE_TASK && c->task.follows[0] != '\0') {
		/* The record a verification follows travels with it: the inspector reads it on site. */
		char *why = NULL;

		if (store_get(st, c->task.follows, &c->follows_record, &why) != 0) {
			free(why);
			c->follows_record = NULL;
		}
	}
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : store_db_fail(st, cause, "read a change");
}

int
store_changes(struct store *st, const char *device, int64_t since, size_t limit, store_change_fn *fn,
    void *ctx, int64_t *latest, char **cause)
{
	/* Two range scans of one index (every device's rows, then this one's), merged by seq. */
	sqlite3_stmt *stmt = NULL;
	struct store_change *c = NULL;
	int rc;

	*latest = 0;
	if (store_exec(st, "BEGIN", cause) != 0)
		return -1;
	stmt = store_prepare(st, "SELECT coalesce(max(seq), 0) FROM changes", cause);
	if (stmt == NULL)
		goto fail;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*latest = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "SELECT seq, kind, ref FROM ("
	    " SELECT seq, kind, ref FROM changes WHERE device IS NULL AND seq > ?2"
	    " UNION ALL"
	    " SELECT seq, kind, ref FROM changes WHERE device = ?1 AND seq > ?2"
	    ") ORDER BY seq LIMIT ?3", cause);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_text(stmt, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since);
	sqlite3_bind_int64(stmt, 3, limit > 0 ? (sqlite3_int64)limit : -1);
	c = xmalloc(sizeof *c);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int got, stop;

		memset(c, 0, sizeof *c);
		c->seq = sqlite3_column_int64(stmt, 0);
		got = change_fill(st, (const char *)sqlite3_column_text(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2), c, cause);
		if (got < 0)
			goto fail;
		if (got == 1)
			continue;
		stop = fn(ctx, c);
		free(c->checklist.csv);
		c->checklist.csv = NULL;
		store_record_free(c->follows_record);
		c->follows_record = NULL;
		if (stop != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (rc != SQLITE_DONE) {
		store_db_fail(st, cause, "read the change feed");
		goto fail;
	}
	free(c);
	store_exec(st, "COMMIT", NULL);
	return 0;
fail:
	if (c != NULL) {
		free(c->checklist.csv);
		store_record_free(c->follows_record);
	}
	free(c);
	sqlite3_finalize(stmt);
	store_exec(st, "ROLLBACK", NULL);
	return -1;
}

/* ---- The handheld's side ---- */

static int
apply_task(struct store *st, const struct store_task *t, char **cause)
{
	/* A task done here stays done (or becomes done after cancel) whatever arrives. */
	sqlite3_stmt *stmt = store_prepare(st, "INSERT INTO tasks (" TASK_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
	    "ON CONFLICT (uuid) DO UPDATE SET kind = excluded.kind, form_id = excluded.form_id,"
	    " form_version = excluded.form_version, asset = excluded.asset, lat = excluded.lat,"
	    " lon = excluded.lon, follows = excluded.follows, inspector = excluded.inspector,"
	    " device = excluded.device, due = excluded.due, note = excluded.note,"
	    " updated_at = excluded.updated_at,"
	    " state = CASE WHEN tasks.done_record IS NULL THEN excluded.state"
	    "  WHEN excluded.state = 'cancelled' THEN 'done-after-cancel'"
	    "  WHEN excluded.state IN ('closed','reopened') THEN excluded.state"
	    "  ELSE tasks.state END,"
	    " done_record = coalesce(tasks.done_record, excluded.done_record)", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	task_bind(stmt, t);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "store a task");
}

/* A followed record kept beside this device's own, as sent (never bundled), if not held yet. */
static int
apply_followed(struct store *st, const struct store_record *rec, char **cause)
{
	sqlite3_stmt *ins;
	bool inserted;
	int rc;

	if (rec == NULL)
		return 0;
	if ((ins = store_insert_received_prepare(st, cause)) == NULL)
		return -1;
	rc = store_insert_received(st, ins, rec, NULL, NULL, &inserted, cause);
	sqlite3_finalize(ins);
	return rc;
}

static int
apply_decision(struct store *st, const struct store_review *rv, char **cause)
{
	/* Only on a record of this device's; the same decision twice is kept once. */
	sqlite3_stmt *stmt = store_prepare(st,
	    "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at) "
	    "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM records WHERE uuid = ?1) "
	    "AND NOT EXISTS (SELECT 1 FROM reviews WHERE record_uuid = ?1 AND decision = ?2 AND"
	    " comment = ?3 AND reviewer = ?4 AND decided_at = ?5)", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, rv->record_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, store_decision_name(rv->decision), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rv->comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, rv->reviewer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, rv->decided_at, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "store a decision");
}

static int
apply_checklist(struct store *st, const struct store_checklist *c, char **cause)
{
	bool already;
	int64_t id;
	sqlite3_stmt *stmt;
	int rc;

	if (checklist_insert(st, c, &already, &id, cause) != 0)
		return -1;
	if (!already)
		return 0;
	/* Known: only retiring changes it (never its content). */
	stmt = store_prepare(st, "UPDATE checklists SET retired_at = ?2 WHERE id = ?1", cause);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text_or_null(stmt, 2, c->retired_at);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "retire a checklist");
}

int
store_feed_apply(struct store *st, const struct store_change *const *changes, size_t n,
    const char *cursor, char **cause)
{
	int rc;

	if (store_begin(st, cause) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct store_change *c = changes[i];

		if (c->kind == STORE_CHANGE_CHECKLIST)
			rc = apply_checklist(st, &c->checklist, cause);
		else if (c->kind == STORE_CHANGE_TASK)
			rc = apply_task(st, &c->task, cause) != 0 ? -1 :
			    apply_followed(st, c->follows_record, cause);
		else
			rc = apply_decision(st, &c->decision, cause);
		if (rc != 0)
			goto fail;
	}
	/* The cursor moves in the page's transaction: a page is applied once. */
	if (store_setting_set(st, "feed.cursor", cursor, cause) != 0)
		goto fail;
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

int
store_feed_cursor(struct store *st, char **out, char **cause)
{
	return store_setting_get(st, "feed.cursor", out, cause);
}
