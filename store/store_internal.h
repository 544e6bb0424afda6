/* Private to store/: what its files share. */
#ifndef FIELDCHECK_STORE_INTERNAL_H
#define FIELDCHECK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* 'FCK1': marks a SQLite file as a fieldcheck database. */
#define STORE_APPLICATION_ID 0x46434b31

extern const char *const store_migrations[STORE_SCHEMA_VERSION];

struct store {
	sqlite3 *db;
	char *path;
	bool read_only;
	int drain_fd;                /* holds the drain lock (store_drain_lock); -1 before */
	sqlite3_stmt *answers_stmt;  /* record_read.c's json_each over an answers column, or NULL */
	struct store_json *answers_json;  /* record_render.c's renderer of answers columns, or NULL */
};

/* Prepares sql; on failure sets *cause and returns NULL. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql, char **cause);
/* Runs sql (no parameters, no rows); 0 or -1 with *cause. */
int store_exec(struct store *st, const char *sql, char **cause);
/* A message for the last error of st's connection, with the operation named. */
int store_db_fail(struct store *st, char **cause, const char *what);
int store_begin(struct store *st, char **cause);
int store_commit(struct store *st, char **cause);
void store_rollback(struct store *st);

/* Binds text, or NULL when s is NULL or "". */
int store_bind_text_or_null(sqlite3_stmt *stmt, int idx, const char *s);
/* Copies column text into a bounded buffer ("" for NULL). */
void store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t size);

/*
 * The position of name in a table of n names, or -1: the one parser behind
 * every enum the schema stores as text (status, position source, decision).
 */
int store_name_index(const char *const *names, int n, const char *name);

/* Bounds on what a record may carry, so that input from a bundle stays small. */
#define RECORD_MAX_ANSWERS      1024
#define RECORD_MAX_ANSWER_BYTES 65536
#define RECORD_MAX_NAME_BYTES   128

/* The columns of a record row, in the order store_row_bind binds them. */
#define RECORD_COLUMNS_HEAD "uuid, form_id, form_version, form_hash, inspector, device, replaces,"
#define RECORD_COLUMNS_TAIL \
	" created_at, updated_at, finalized_at, day, pos_source, lat, lon, alt_m, accuracy_m," \
	" fix_mode, satellites, hdop, fix_time, fix_age_s, pos_reason, answers"
#define RECORD_COLUMNS RECORD_COLUMNS_HEAD " status," RECORD_COLUMNS_TAIL

/*
 * A record's status as read.  Freezing a record into a bundle does not
 * rewrite its row: the row stays 'final' and its membership in the outbox
 * (outbox_records) makes it bundled; marking the bundle sent then rewrites
 * the row once, to 'sent'.  A drain so writes each record row once, not
 * twice.  Rows a drain froze before this rule still say 'bundled' themselves.
 */
#define RECORD_IN_OUTBOX "uuid IN (SELECT record_uuid FROM outbox_records)"
#define RECORD_STATUS_READ \
	"CASE WHEN status = 'final' AND " RECORD_IN_OUTBOX " THEN 'bundled' ELSE status END"
/* RECORD_COLUMNS for a SELECT: the status as read. */
#define RECORD_SELECT RECORD_COLUMNS_HEAD " " RECORD_STATUS_READ "," RECORD_COLUMNS_TAIL

/* record.c: appends an answer the caller knows is new, taking both strings. */
void store_record_append_answer(struct store_record *rec, char *name, char *value);
void store_record_clear_answers(struct store_record *rec);

/*
 * record_render.c: the answers column, the same text as the record's
 * "answers" member, rendered by a renderer the connection keeps.  Valid
 * until the next call on st.
 */
const char *store_answers_text(struct store *st, const struct store_record *rec);
/* The same text from a renderer of the caller's (the PostgreSQL depot's); valid until j's next render. */
const char *store_json_answers(struct store_json *j, const struct store_record *rec);
/* record_read.c: reads an answers column into rec's (empty) answers; 0 or -1 with *cause. */
int store_answers_from_column(struct store *st, sqlite3_stmt *row, int col,
    struct store_record *rec, char **cause);

/*
 * record_read.c: answers from their JSON text (the PostgreSQL depot's
 * column): the direct path for what store_json_answers wrote, jansson for
 * any other text.  0 or -1 with *cause.
 */
int store_answers_from_text(const char *text, size_t len, struct store_record *rec, char **cause);
/* record_row.c: store_list's contract over a handing-over walk: lend rec to fn, then free it. */
struct store_lend {
	store_record_fn *fn;
	void *ctx;
};
int store_lend_then_free(void *arg, struct store_record *rec);
/* record_row.c: binds every column of RECORD_COLUMNS, from 1; answers_json stays the caller's. */
void store_row_bind(sqlite3_stmt *stmt, const struct store_record *rec, const char *answers_json);
/* record_row.c: checks the fields a record must have before it is written. */
int store_record_validate(const struct store_record *rec, char **cause);

/* record_row.c, for the outbox. */
int store_outbox_pending_query(struct store *st, size_t limit, store_record_fn *fn, void *ctx,
    char **cause);
int store_outbox_bundle_query(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause);
/*
 * record_ingest.c: the depot's ingest, inside the caller's transaction: prepare the insert
 * once (caller finalizes), then per record: inserted as sent, noting the
 * device whose token delivered it and the bundle it came in, or *inserted
 * false when its UUID is stored already.
 */
sqlite3_stmt *store_insert_received_prepare(struct store *st, char **cause);
int store_insert_received(struct store *st, sqlite3_stmt *ins, const struct store_record *rec,
    const char *device, const char *bundle_uuid, bool *inserted, char **cause);
/*
 * outbox.c: the ingest's rules, shared by both depot engines.  Every record
 * must be device's own (else STORE_INGEST_FORGED in res); a correction must
 * replace a record the depot holds (owner: its device, NULL when none) of
 * the same device.
 */
int store_ingest_check_devices(const char *device, struct store_record *const *recs, size_t n,
    struct store_ingest_result *res, char **cause);
/*
 * Counts a record of an ingest: inserted now, or its UUID stored already
 * (same: with its content, a duplicate); else a conflict, -1 with res and *cause set.
 */
int store_ingest_tally(struct store_ingest_result *res, const struct store_record *rec, bool inserted,
    bool same, char **cause);
/* A bundle UUID received before (from was_device, with was_sha256 or NULL) must be the same bundle again. */
int store_ingest_check_again(const char *bundle_uuid, const char *device, const char *sha256,
    const char *was_device, const char *was_sha256, struct store_ingest_result *res, char **cause);
int store_ingest_check_owner(const struct store_record *rec, const char *device, const char *owner,
    char **cause);
/* Whether the stored record with rec's UUID holds the same content (status aside). */
int store_same_content(struct store *st, const struct store_record *rec, bool *same, char **cause);

#endif
