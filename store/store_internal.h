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
	sqlite3_stmt *answers_stmt;  /* record.c's json_each over an answers column, or NULL */
	struct store_json *answers_json;  /* record.c's renderer of answers columns, or NULL */
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

/* record.c, for the outbox and the depot's ingest. */
int store_outbox_pending_query(struct store *st, size_t limit, store_record_fn *fn, void *ctx,
    char **cause);
int store_outbox_bundle_query(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause);
/*
 * The depot's ingest, inside the caller's transaction: prepare the insert
 * once (caller finalizes), then per record: inserted as sent, or *inserted
 * false when its UUID is stored already.
 */
sqlite3_stmt *store_insert_received_prepare(struct store *st, char **cause);
int store_insert_received(struct store *st, sqlite3_stmt *ins, const struct store_record *rec,
    bool *inserted, char **cause);
/* Whether the stored record with rec's UUID holds the same content (status aside). */
int store_same_content(struct store *st, const struct store_record *rec, bool *same, char **cause);

#endif
