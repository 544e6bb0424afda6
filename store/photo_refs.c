/*
 * store/photo_refs.c — which photos the records reference.
 *
 * A photo question's answer names its photos by SHA-256 (photo/'s answer
 * form, "sha256:..."); the photos themselves live in a photo store beside
 * the database.  What the records (drafts included) reference is what the
 * photo store keeps: the collection and a discarded draft ask here.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"

struct hash_set {
	char **v;
	size_t n, cap;
};

static void
set_add(struct hash_set *s, const char *sha)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = xstrdup(sha);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort_unique(struct hash_set *s)
{
	size_t m = 0;

	if (s->n == 0)
		return;   /* s->v is NULL: qsort may not be handed it */
	qsort(s->v, s->n, sizeof *s->v, cmp_str);
	for (size_t i = 0; i < s->n; i++) {
		if (m > 0 && strcmp(s->v[m - 1], s->v[i]) == 0)
			free(s->v[i]);
		else
			s->v[m++] = s->v[i];
	}
	s->n = m;
}

void
store_photo_hashes_free(char **hashes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(hashes[i]);
	free(hashes);
}

static void
add_answer_photos(struct hash_set *s, const char *value)
{
	struct photo_info ph[PHOTO_MAX_PER_ANSWER];
	size_t n;

	if (photo_answer_parse(value, ph, PHOTO_MAX_PER_ANSWER, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		set_add(s, ph[i].sha256);
}

void
store_record_photos(const struct store_record *rec, char ***hashes, size_t *n)
{
	struct hash_set s = { 0 };

	for (size_t i = 0; i < rec->answer_count; i++)
		add_answer_photos(&s, rec->answers[i].value);
	set_sort_unique(&s);
	*hashes = s.v;
	*n = s.n;
}

int
store_photo_referenced(struct store *st, char ***hashes, size_t *n, char **cause)
{
	/* The LIKE skips, without parsing their answers, the records that name no photo. */
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT DISTINCT j.value FROM records, json_each(records.answers) AS j"
	    " WHERE records.answers LIKE '%sha256:%' AND j.type = 'text'"
	    " AND j.value LIKE 'sha256:%'", cause);
	struct hash_set s = { 0 };
	int rc;

	*hashes = NULL;
	*n = 0;
	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		add_answer_photos(&s, (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_photo_hashes_free(s.v, s.n);
		return store_db_fail(st, cause, "list the photos records reference");
	}
	set_sort_unique(&s);
	*hashes = s.v;
	*n = s.n;
	return 0;
}

int
store_discard_draft_photos(struct store *st, const char *uuid, char **cause)
{
	struct store_record *rec = NULL;
	struct photo_store *ps = NULL;
	char **mine = NULL, **all = NULL, *dir = NULL;
	size_t nmine = 0, nall = 0;
	int rc = -1;

	if (store_get(st, uuid, &rec, cause) != 0)
		return -1;
	if (rec != NULL && rec->status == STORE_DRAFT)
		store_record_photos(rec, &mine, &nmine);
	if (store_discard_draft(st, uuid, cause) != 0)
		goto out;
	rc = 0;
	if (nmine == 0)
		goto out;
	dir = photo_store_dir_beside(store_path(st));
	if (store_photo_referenced(st, &all, &nall, cause) != 0 ||
	    photo_store_open(dir, &ps, cause) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < nmine; i++)
		if (bsearch(&mine[i], all, nall, sizeof *all, cmp_str) == NULL &&
		    photo_store_remove(ps, mine[i], rc == 0 ? cause : NULL) != 0)
			rc = -1;
out:
	photo_store_close(ps);
	free(dir);
	store_photo_hashes_free(mine, nmine);
	store_photo_hashes_free(all, nall);
	store_record_free(rec);
	return rc;
}

/* ---- The upload (handheld) and the depot's check ---- */

/* Parses each photo answer a statement's rows give in column 0 into s. */
static int
collect_photos(struct store *st, sqlite3_stmt *stmt, struct hash_set *s, const char *what,
    char **cause)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		add_answer_photos(s, (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, what);
	set_sort_unique(s);
	return 0;
}

/* The photo answers of records in the statuses the condition names. */
#define PHOTO_ANSWERS_OF(condition) \
	"SELECT DISTINCT j.value FROM records, json_each(records.answers) AS j" \
	" WHERE " condition " AND records.answers LIKE '%sha256:%' AND j.type = 'text'" \
	" AND j.value LIKE 'sha256:%'"

/* Removes from s the photos photo_uploads holds (committed or refused). */
static int
drop_done(struct store *st, struct hash_set *s, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT 1 FROM photo_uploads WHERE sha256 = ?1", cause);
	size_t m = 0;
	int rc = SQLITE_DONE;

	if (stmt == NULL)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, s->v[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			free(s->v[i]);
		else if (rc == SQLITE_DONE)
			s->v[m++] = s->v[i];
		else
			break;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		for (size_t i = m; i < s->n; i++)
			free(s->v[i]);
		s->n = m;
		return store_db_fail(st, cause, "read the photo uploads");
	}
	s->n = m;
	return 0;
}

int
store_photos_to_upload(struct store *st, char ***hashes, size_t *n, char **cause)
{
	struct hash_set s = { 0 };
	sqlite3_stmt *stmt = store_prepare(st, PHOTO_ANSWERS_OF("records.status = 'sent'"), cause);

	*hashes = NULL;
	*n = 0;
	if (stmt == NULL || collect_photos(st, stmt, &s, "list the photos to upload", cause) != 0 ||
	    drop_done(st, &s, cause) != 0) {
		store_photo_hashes_free(s.v, s.n);
		return -1;
	}
	*hashes = s.v;
	*n = s.n;
	return 0;
}

int
store_photo_uploaded(struct store *st, const char *sha256, long refused_status,
    const char *reason, char **cause)
{
	char now[FC_TIME_LEN];
	sqlite3_stmt *stmt = store_prepare(st, "INSERT INTO photo_uploads (sha256, done_at,"
	    " refused_status, refused_reason) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sha256) DO UPDATE"
	    " SET done_at = ?2, refused_status = ?3, refused_reason = ?4", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	fc_now_iso_utc(now);
	sqlite3_bind_text(stmt, 1, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	if (refused_status != 0)
		sqlite3_bind_int64(stmt, 3, refused_status);
	store_bind_text_or_null(stmt, 4, reason);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "record a photo upload");
	return 0;
}

int
store_photo_counts(struct store *st, int64_t *pending, int64_t *refused, char **cause)
{
	struct hash_set s = { 0 };
	sqlite3_stmt *stmt = store_prepare(st, PHOTO_ANSWERS_OF("records.status <> 'draft'"), cause);
	int rc;

	*pending = *refused = 0;
	if (stmt == NULL || collect_photos(st, stmt, &s, "count the photos to upload", cause) != 0 ||
	    drop_done(st, &s, cause) != 0) {
		store_photo_hashes_free(s.v, s.n);
		return -1;
	}
	*pending = (int64_t)s.n;
	store_photo_hashes_free(s.v, s.n);
	stmt = store_prepare(st, "SELECT count(*) FROM photo_uploads WHERE refused_status IS NOT NULL",
	    cause);
	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*refused = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_fail(st, cause, "count the photos refused");
}

int
store_photo_last_refusal(struct store *st, char sha256[STORE_HASH_LEN], long *status,
    char *reason, size_t size, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT sha256, refused_status, refused_reason"
	    " FROM photo_uploads WHERE refused_status IS NOT NULL ORDER BY done_at DESC LIMIT 1", cause);
	int rc;

	sha256[0] = '\0';
	*status = 0;
	if (size > 0)
		reason[0] = '\0';
	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, sha256, STORE_HASH_LEN);
		*status = (long)sqlite3_column_int64(stmt, 1);
		store_column_copy(stmt, 2, reason, size);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_db_fail(st, cause, "read the photos refused");
}

int
store_photo_reference(struct store *st, const char *device, const char *sha256, int64_t *bytes,
    char **cause)
{
	/*
	 * A scan of the device's records (instr, no index): a depot checks a
	 * photo once, before its first byte is stored.
	 */
	sqlite3_stmt *stmt = store_prepare(st, PHOTO_ANSWERS_OF("records.received_from = ?1"
	    " AND instr(records.answers, ?2) > 0") " AND instr(j.value, ?2) > 0", cause);
	struct photo_info ph[PHOTO_MAX_PER_ANSWER];
	int rc = SQLITE_DONE;

	*bytes = -1;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, sha256, -1, SQLITE_STATIC);
	while (*bytes < 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t n;

		if (photo_answer_parse((const char *)sqlite3_column_text(stmt, 0), ph,
		    PHOTO_MAX_PER_ANSWER, &n) != 0)
			continue;
		for (size_t i = 0; i < n && i < PHOTO_MAX_PER_ANSWER; i++)
			if (strcmp(ph[i].sha256, sha256) == 0)
				*bytes = (int64_t)ph[i].bytes;
	}
	sqlite3_finalize(stmt);
	if (*bytes < 0 && rc != SQLITE_DONE)
		return store_db_fail(st, cause, "look up a photo's record");
	return 0;
}
