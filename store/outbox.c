/*
 * store — the outbox: bundles frozen for the depot, and the depot's side of
 * the same exchange (ingest, devices).
 *
 * A bundle is frozen once: its bytes and digest are stored with its
 * records' membership (which makes them bundled without rewriting their
 * rows), in one transaction, so every retry sends identical bytes and no
 * record is in two bundles.  A bundle too big for the
 * link is replaced whole (store_outbox_replace): its records move to the
 * smaller bundles, which take its place in the queue, and it leaves the
 * outbox in one transaction.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

void
store_bundle_free(struct store_bundle *b)
{
	if (b == NULL)
		return;
	free(b->bytes);
	free(b);
}

int
store_outbox_pending(struct store *st, size_t limit, store_record_fn *fn, void *ctx, char **cause)
{
	return store_outbox_pending_query(st, limit, fn, ctx, cause);
}

static int outbox_mark_sent(struct store *st, const char *bundle_uuid, char **cause);

/* Inserts b's outbox row (record_count n), inside the caller's transaction. */
static int
outbox_insert(struct store *st, const struct store_bundle *b, size_t n, char **cause)
{
	sqlite3_stmt *ins;
	int rc;

	/* A track bundle has no records (docs/coverage.md). */
	if (!fc_valid_uuid(b->uuid) || b->size == 0)
		return fc_fail(cause, "outbox: a bundle needs a UUID and bytes");
	ins = store_prepare(st, "INSERT INTO outbox (uuid, sha256, bytes, size, record_count, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cause);
	if (ins == NULL)
		return -1;
	sqlite3_bind_text(ins, 1, b->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, b->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 3, b->bytes, (int)b->size, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 4, (sqlite3_int64)b->size);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)n);
	sqlite3_bind_text(ins, 6, b->created_at, -1, SQLITE_STATIC);
	rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "outbox");
}

int
store_outbox_add(struct store *st, const struct store_bundle *b, const char *const *uuids, size_t n,
    char **cause)
{
	return store_outbox_add_marking(st, b, uuids, n, NULL, cause);
}

int
store_outbox_add_marking(struct store *st, const struct store_bundle *b,
    const char *const *uuids, size_t n, const char *sent_uuid, char **cause)
{
	sqlite3_stmt *link = NULL, *check = NULL;

	if (store_begin(st, cause) != 0)
		return -1;
	if (sent_uuid != NULL && sent_uuid[0] != '\0' && outbox_mark_sent(st, sent_uuid, cause) != 0)
		goto fail;
	if (outbox_insert(st, b, n, cause) != 0)
		goto fail;
	link = store_prepare(st, "INSERT INTO outbox_records (bundle_uuid, record_uuid) VALUES (?1, ?2)",
	    cause);
	/*
	 * The records' rows are not rewritten: their membership here makes them
	 * bundled (RECORD_STATUS_READ in store_internal.h), and marking the
	 * bundle sent rewrites each row once.  UNIQUE(record_uuid) keeps a
	 * record out of a second bundle; one set-wide count checks that every
	 * record named is final.  The unary + keeps SQLite off
	 * records_by_status, which would walk every pending record of the
	 * queue (and fetch each row for its UUID) to find the few hundred in
	 * this bundle; the UUID index finds them directly.  Marking a bundle
	 * sent finds its records the same way.
	 */
	check = store_prepare(st, "SELECT count(*) FROM records WHERE +status = 'final' AND uuid IN "
	    "(SELECT record_uuid FROM outbox_records WHERE bundle_uuid = ?1)", cause);
	if (link == NULL || check == NULL)
		goto fail;
	sqlite3_bind_text(link, 1, b->uuid, -1, SQLITE_STATIC);
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(link);
		sqlite3_bind_text(link, 2, uuids[i], -1, SQLITE_STATIC);
		if (sqlite3_step(link) != SQLITE_DONE) {
			store_db_fail(st, cause, "outbox");
			goto fail;
		}
	}
	sqlite3_bind_text(check, 1, b->uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(check) != SQLITE_ROW) {
		store_db_fail(st, cause, "outbox");
		goto fail;
	}
	/* Every record named must have been final: a bundle never carries one twice. */
	if ((size_t)sqlite3_column_int64(check, 0) != n) {
		fc_fail(cause, "outbox: %zu of the bundle's %zu records are not final",
		    n - (size_t)sqlite3_column_int64(check, 0), n);
		goto fail;
	}
	sqlite3_finalize(link);
	sqlite3_finalize(check);
	return store_commit(st, cause);
fail:
	sqlite3_finalize(link);
	sqlite3_finalize(check);
	store_rollback(st);
	return -1;
}

int
store_outbox_bundle_records(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause)
{
	return store_outbox_bundle_query(st, bundle_uuid, offset, fn, ctx, cause);
}

/*
 * The bundles frozen after old_uuid (one is frozen beside each upload) go
 * behind its replacements, which outbox_insert put last: the queue keeps
 * the order records were frozen in, so that an original still reaches the
 * depot before a correction of it in a later bundle.  Inside the caller's
 * transaction, after the replacements were inserted; before_max is the
 * largest id before them.  Adding before_max + nparts (at least the largest
 * id now) moves the rows past every other one in their own order.
 */
static int
outbox_make_way(struct store *st, const char *old_uuid, sqlite3_int64 before_max, size_t nparts,
    char **cause)
{
	sqlite3_stmt *shift = store_prepare(st, "UPDATE outbox SET id = id + ?2 + ?3 WHERE sent_at IS NULL "
	    "AND id > (SELECT id FROM outbox WHERE uuid = ?1) AND id <= ?2", cause);
	int rc;

	if (shift == NULL)
		return -1;
	sqlite3_bind_text(shift, 1, old_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(shift, 2, before_max);
	sqlite3_bind_int64(shift, 3, (sqlite3_int64)nparts);
	rc = sqlite3_step(shift);
	sqlite3_finalize(shift);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "outbox");
}

int
store_outbox_replace(struct store *st, const char *old_uuid, const struct store_refrozen *parts,
    size_t nparts, char **cause)
{
	sqlite3_stmt *relink = NULL, *drop = NULL, *left = NULL;
	sqlite3_int64 before_max;

	if (store_begin(st, cause) != 0)
		return -1;
	left = store_prepare(st, "SELECT coalesce(max(id), 0) FROM outbox", cause);
	if (left == NULL || sqlite3_step(left) != SQLITE_ROW) {
		store_db_fail(st, cause, "outbox");
		goto fail;
	}
	before_max = sqlite3_column_int64(left, 0);
	sqlite3_finalize(left);
	relink = store_prepare(st, "UPDATE outbox_records SET bundle_uuid = ?1 "
	    "WHERE bundle_uuid = ?2 AND record_uuid = ?3", cause);
	left = store_prepare(st, "SELECT count(*) FROM outbox_records WHERE bundle_uuid = ?1", cause);
	drop = store_prepare(st, "DELETE FROM outbox WHERE uuid = ?1 AND sent_at IS NULL "
	    "AND refused_at IS NULL", cause);
	if (relink == NULL || left == NULL || drop == NULL)
		goto fail;
	sqlite3_bind_text(relink, 2, old_uuid, -1, SQLITE_STATIC);
	for (size_t p = 0; p < nparts; p++) {
		if (outbox_insert(st, parts[p].bundle, parts[p].n, cause) != 0)
			goto fail;
		sqlite3_reset(relink);  /* a stepped statement refuses new bindings */
		sqlite3_bind_text(relink, 1, parts[p].bundle->uuid, -1, SQLITE_STATIC);
		for (size_t i = 0; i < parts[p].n; i++) {
			sqlite3_reset(relink);
			sqlite3_bind_text(relink, 3, parts[p].uuids[i], -1, SQLITE_STATIC);
			if (sqlite3_step(relink) != SQLITE_DONE) {
				store_db_fail(st, cause, "outbox");
				goto fail;
			}
			if (sqlite3_changes(st->db) != 1) {
				fc_fail(cause, "outbox: record %s is not in bundle %s", parts[p].uuids[i],
				    old_uuid);
				goto fail;
			}
		}
	}
	if (outbox_make_way(st, old_uuid, before_max, nparts, cause) != 0)
		goto fail;
	sqlite3_bind_text(left, 1, old_uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(left) != SQLITE_ROW) {
		store_db_fail(st, cause, "outbox");
		goto fail;
	}
	if (sqlite3_column_int64(left, 0) != 0) {
		fc_fail(cause, "outbox: %lld records of bundle %s would be left out",
		    (long long)sqlite3_column_int64(left, 0), old_uuid);
		goto fail;
	}
	sqlite3_bind_text(drop, 1, old_uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(drop) != SQLITE_DONE) {
		store_db_fail(st, cause, "outbox");
		goto fail;
	}
	if (sqlite3_changes(st->db) != 1) {
		fc_fail(cause, "outbox: no unsent bundle %s", old_uuid);
		goto fail;
	}
	sqlite3_finalize(relink);
	sqlite3_finalize(left);
	sqlite3_finalize(drop);
	return store_commit(st, cause);
fail:
	sqlite3_finalize(relink);
	sqlite3_finalize(left);
	sqlite3_finalize(drop);
	store_rollback(st);
	return -1;
}

int
store_outbox_next(struct store *st, struct store_bundle **out, char **cause)
{
	return store_outbox_next_except(st, NULL, out, cause);
}

int
store_outbox_next_except(struct store *st, const char *except_uuid, struct store_bundle **out,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT uuid, sha256, bytes, size, record_count, created_at FROM outbox "
	    "WHERE sent_at IS NULL AND refused_at IS NULL AND uuid IS NOT ?1 ORDER BY id LIMIT 1", cause);
	struct store_bundle *b;
	int rc;

	if (stmt == NULL)
		return -1;
	*out = NULL;
	store_bind_text_or_null(stmt, 1, except_uuid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const void *bytes = sqlite3_column_blob(stmt, 2);
		size_t size = (size_t)sqlite3_column_bytes(stmt, 2);

		b = xcalloc(1, sizeof *b);
		store_column_copy(stmt, 0, b->uuid, sizeof b->uuid);
		store_column_copy(stmt, 1, b->sha256, sizeof b->sha256);
		b->bytes = xmalloc(size);
		if (size > 0)
			memcpy(b->bytes, bytes, size);
		b->size = size;
		b->record_count = (size_t)sqlite3_column_int64(stmt, 4);
		store_column_copy(stmt, 5, b->created_at, sizeof b->created_at);
		*out = b;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read outbox");
	return 0;
}

/* Marks bundle_uuid sent, inside the caller's transaction. */
static int
outbox_mark_sent(struct store *st, const char *bundle_uuid, char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *recs, *box;
	int rc = -1;

	fc_now_iso_utc(now);
	recs = store_prepare(st, "UPDATE records SET status = 'sent', updated_at = ?2 "
	    "WHERE +status IN ('final', 'bundled') AND uuid IN "
	    "(SELECT record_uuid FROM outbox_records WHERE bundle_uuid = ?1)", cause);
	box = store_prepare(st, "UPDATE outbox SET sent_at = ?2, bytes = NULL "
	    "WHERE uuid = ?1 AND sent_at IS NULL", cause);
	if (recs != NULL && box != NULL) {
		sqlite3_bind_text(recs, 1, bundle_uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(recs, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(box, 1, bundle_uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(box, 2, now, -1, SQLITE_STATIC);
		if (sqlite3_step(recs) != SQLITE_DONE || sqlite3_step(box) != SQLITE_DONE)
			store_db_fail(st, cause, "mark sent");
		else
			rc = 0;
	}
	sqlite3_finalize(recs);
	sqlite3_finalize(box);
	return rc;
}

int
store_outbox_mark_sent(struct store *st, const char *bundle_uuid, char **cause)
{
	if (store_begin(st, cause) != 0)
		return -1;
	if (outbox_mark_sent(st, bundle_uuid, cause) != 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, cause);
}

int
store_outbox_mark_refused(struct store *st, const char *bundle_uuid, long http_status,
    const char *reason, char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *stmt = store_prepare(st, "UPDATE outbox SET refused_at = ?2, refused_status = ?3, "
	    "refused_reason = ?4 WHERE uuid = ?1 AND sent_at IS NULL", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	fc_now_iso_utc(now);
	sqlite3_bind_text(stmt, 1, bundle_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)http_status);
	sqlite3_bind_text(stmt, 4, reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "mark refused");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "outbox: no unsent bundle %s", bundle_uuid);
	return 0;
}

int
store_outbox_retry(struct store *st, const char *bundle_uuid, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "UPDATE outbox SET refused_at = NULL, "
	    "refused_status = NULL, refused_reason = NULL "
	    "WHERE uuid = ?1 AND sent_at IS NULL AND refused_at IS NOT NULL", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, bundle_uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "retry");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "no refused bundle %s in the outbox (see fieldcheck outbox list)",
		    bundle_uuid);
	return 0;
}

int
store_outbox_counts(struct store *st, struct store_outbox_counts *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT count(*), coalesce(sum(record_count), 0), count(refused_at), "
	    "coalesce(sum(CASE WHEN refused_at IS NOT NULL THEN record_count END), 0) "
	    "FROM outbox WHERE sent_at IS NULL", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	memset(out, 0, sizeof *out);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->bundles = sqlite3_column_int64(stmt, 0);
		out->records = sqlite3_column_int64(stmt, 1);
		out->refused_bundles = sqlite3_column_int64(stmt, 2);
		out->refused_records = sqlite3_column_int64(stmt, 3);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_fail(st, cause, "count outbox");
}

int
store_outbox_list(struct store *st, store_outbox_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT uuid, created_at, size, record_count, refused_at, refused_status, refused_reason "
	    "FROM outbox WHERE sent_at IS NULL ORDER BY id", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_outbox_entry e;

		memset(&e, 0, sizeof e);
		store_column_copy(stmt, 0, e.uuid, sizeof e.uuid);
		store_column_copy(stmt, 1, e.created_at, sizeof e.created_at);
		e.size = (size_t)sqlite3_column_int64(stmt, 2);
		e.record_count = (size_t)sqlite3_column_int64(stmt, 3);
		e.refused = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
		store_column_copy(stmt, 4, e.refused_at, sizeof e.refused_at);
		e.refused_status = (long)sqlite3_column_int64(stmt, 5);
		store_column_copy(stmt, 6, e.reason, sizeof e.reason);
		if (fn(ctx, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "list outbox");
}

/* ---- Depot: ingest ---- */

int
store_ingest_check_again(const char *bundle_uuid, const char *device, const char *sha256,
    const char *was_device, const char *was_sha256, struct store_ingest_result *res, char **cause)
{
	/* A bundle received before its digest was kept has only its device to compare. */
	if (was_device == NULL || strcmp(was_device, device) != 0 ||
	    (was_sha256 != NULL && strcmp(was_sha256, sha256) != 0)) {
		res->refusal = STORE_INGEST_BUNDLE_REUSED;
		return fc_fail(cause, "bundle %s was received before with other content%s; a new bundle "
		    "needs a new UUID", bundle_uuid, was_device != NULL && strcmp(was_device, device) != 0 ?
		    " from another device" : "");
	}
	return 0;
}

/* Whether bundle_uuid was received before, and if so whether it is this bundle again. */
static int
received_before(struct store *st, const char *bundle_uuid, const char *device, const char *sha256,
    struct store_ingest_result *res, bool *already, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT accepted, duplicates, device, sha256 FROM received_bundles WHERE uuid = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, bundle_uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*already = rc == SQLITE_ROW;
	if (*already) {
		const char *was_device = (const char *)sqlite3_column_text(stmt, 2);
		const char *was_sha256 = (const char *)sqlite3_column_text(stmt, 3);

		res->accepted = (size_t)sqlite3_column_int64(stmt, 0);
		res->duplicates = (size_t)sqlite3_column_int64(stmt, 1);
		if (store_ingest_check_again(bundle_uuid, device, sha256, was_device, was_sha256, res,
		    cause) != 0) {
			sqlite3_finalize(stmt);
			return -1;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "ingest");
	return 0;
}

/* A correction names a record of its own device (one the depot holds), inside the ingest's transaction. */
static int
replaces_own_record(struct store *st, sqlite3_stmt *owner, const struct store_record *rec,
    const char *device, char **cause)
{
	int rc;

	sqlite3_reset(owner);
	sqlite3_bind_text(owner, 1, rec->replaces, -1, SQLITE_STATIC);
	rc = sqlite3_step(owner);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "ingest");
	return store_ingest_check_owner(rec, device, rc == SQLITE_ROW ?
	    (const char *)sqlite3_column_text(owner, 0) : NULL, cause);
}

int
store_ingest_check_owner(const struct store_record *rec, const char *device, const char *owner,
    char **cause)
{
	if (owner == NULL)
		return fc_fail(cause, "record %s replaces %s, which the depot does not hold (send the "
		    "original first)", rec->uuid, rec->replaces);
	if (strcmp(owner, device) != 0)
		return fc_fail(cause, "record %s replaces %s, a record of another device", rec->uuid,
		    rec->replaces);
	return 0;
}

int
store_ingest_check_devices(const char *device, struct store_record *const *recs, size_t n,
    struct store_ingest_result *res, char **cause)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(recs[i]->device, device) != 0) {
			res->refusal = STORE_INGEST_FORGED;
			fc_strlcpy(res->refused_uuid, recs[i]->uuid, sizeof res->refused_uuid);
			return fc_fail(cause, "record %s names device %s, but the token is %s's", recs[i]->uuid,
			    recs[i]->device, device);
		}
	}
	return 0;
}

int
store_ingest_tally(struct store_ingest_result *res, const struct store_record *rec, bool inserted,
    bool same, char **cause)
{
	if (inserted) {
		res->accepted++;
	} else if (same) {
		res->duplicates++;
	} else {
		res->refusal = STORE_INGEST_CONFLICT;
		fc_strlcpy(res->conflict_uuid, rec->uuid, sizeof res->conflict_uuid);
		return fc_fail(cause, "record %s is already stored with different content", rec->uuid);
	}
	return 0;
}

int
store_ingest(struct store *st, const char *bundle_uuid, const char *device, const char *sha256,
    struct store_record *const *recs, size_t n, struct store_ingest_result *res, bool *already,
    char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *ins = NULL, *note = NULL, *owner = NULL;

	memset(res, 0, sizeof *res);
	*already = false;
	if (store_ingest_check_devices(device, recs, n, res, cause) != 0)
		return -1;
	if (store_begin(st, cause) != 0)
		return -1;
	if (received_before(st, bundle_uuid, device, sha256, res, already, cause) != 0)
		goto fail;
	if (*already) {
		store_rollback(st);
		return 0;
	}
	ins = store_insert_received_prepare(st, cause);
	if (ins == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		bool inserted, same;

		if (store_insert_received(st, ins, recs[i], device, bundle_uuid, &inserted, cause) != 0)
			goto fail;
		same = false;
		if (!inserted && store_same_content(st, recs[i], &same, cause) != 0)
			goto fail;
		if (store_ingest_tally(res, recs[i], inserted, same, cause) != 0)
			goto fail;
	}
	/* After every insert, so a correction may follow its original in the same bundle. */
	owner = store_prepare(st, "SELECT device FROM records WHERE uuid = ?1", cause);
	if (owner == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (recs[i]->replaces[0] != '\0' && replaces_own_record(st, owner, recs[i], device,
		    cause) != 0) {
			res->refusal = STORE_INGEST_FORGED;
			fc_strlcpy(res->refused_uuid, recs[i]->uuid, sizeof res->refused_uuid);
			goto fail;
		}
	}
	fc_now_iso_utc(now);
	note = store_prepare(st, "INSERT INTO received_bundles (uuid, device, accepted, duplicates, "
	    "received_at, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cause);
	if (note == NULL)
		goto fail;
	sqlite3_bind_text(note, 1, bundle_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(note, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(note, 3, (sqlite3_int64)res->accepted);
	sqlite3_bind_int64(note, 4, (sqlite3_int64)res->duplicates);
	sqlite3_bind_text(note, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(note, 6, sha256, -1, SQLITE_STATIC);
	if (sqlite3_step(note) != SQLITE_DONE) {
		store_db_fail(st, cause, "ingest");
		goto fail;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(owner);
	sqlite3_finalize(note);
	return store_commit(st, cause);
fail:
	sqlite3_finalize(ins);
	sqlite3_finalize(owner);
	sqlite3_finalize(note);
	store_rollback(st);
	return -1;
}

int
store_record_delivery(struct store *st, const char *uuid, struct store_delivery *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT received_from, received_in FROM records WHERE uuid = ?1", cause);
	int rc;

	memset(out, 0, sizeof *out);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, out->device, sizeof out->device);
		store_column_copy(stmt, 1, out->bundle, sizeof out->bundle);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "read a record's delivery");
}

/* ---- Depot: devices ---- */

int
store_device_add(struct store *st, const char *name, const char *token_hash, char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *stmt = store_prepare(st,
	    "INSERT INTO devices (name, token_hash, created_at) VALUES (?1, ?2, ?3)", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	fc_now_iso_utc(now);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return fc_fail(cause, "device '%s' already exists", name);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "add device");
}

int
store_device_revoke(struct store *st, const char *name, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "UPDATE devices SET revoked = 1 WHERE name = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "revoke device");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "no device '%s'", name);
	return 0;
}

int
store_device_by_token(struct store *st, const char *token_hash, struct store_device *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT name, token_hash, revoked, created_at FROM devices WHERE token_hash = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_STATIC);
	memset(out, 0, sizeof *out);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		store_column_copy(stmt, 0, out->name, sizeof out->name);
		store_column_copy(stmt, 1, out->token_hash, sizeof out->token_hash);
		out->revoked = sqlite3_column_int(stmt, 2) != 0;
		store_column_copy(stmt, 3, out->created_at, sizeof out->created_at);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "find the token's device");
	return rc == SQLITE_ROW ? 1 : 0;
}

int
store_device_list(struct store *st, struct store_device **out, size_t *count, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT name, token_hash, revoked, created_at FROM devices ORDER BY name", cause);
	struct store_device *list = NULL;
	size_t n = 0;
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof *list);
		memset(&list[n], 0, sizeof list[n]);
		store_column_copy(stmt, 0, list[n].name, sizeof list[n].name);
		store_column_copy(stmt, 1, list[n].token_hash, sizeof list[n].token_hash);
		list[n].revoked = sqlite3_column_int(stmt, 2) != 0;
		store_column_copy(stmt, 3, list[n].created_at, sizeof list[n].created_at);
		n++;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		free(list);
		return store_db_fail(st, cause, "list devices");
	}
	*out = list;
	*count = n;
	return 0;
}
