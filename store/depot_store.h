/*
 * depot_store — the depot's side of the store, on either engine: SQLite
 * (the embedded default: one file, store.h's functions underneath) or
 * PostgreSQL through libpq (store/depot_pg.c: several depot processes on
 * one database).  fieldcheck-depot is written once above this interface;
 * the handheld stays SQLite only and never links libpq.
 *
 * A handle is one connection: it is used by one thread at a time.  Every
 * function returns 0, or -1 with *cause (caller frees) saying why.
 *
 * Contract every implementation keeps (docs/depot-postgresql.md):
 * - opening creates the schema on an empty database and applies the missing
 *   migrations in one transaction; a schema newer than this binary's is
 *   refused and left untouched;
 * - ingest is store_ingest()'s contract: one transaction per bundle, 0 only
 *   after the commit returned, nothing stored on -1 (res->refusal says why;
 *   STORE_INGEST_FAILED means the database failed: answer 503);
 * - nothing a request needs is kept in the process: another depot process
 *   on the same database sees a device added or revoked at its next request.
 */
#ifndef FIELDCHECK_DEPOT_STORE_H
#define FIELDCHECK_DEPOT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

struct depot_store;

/* The schema version of the PostgreSQL depot this binary writes. */
#define DEPOT_PG_SCHEMA_VERSION 2

/*
 * Opens target, a SQLite path or a PostgreSQL URI or conninfo
 * (store_target_is_postgresql), creating or upgrading its schema.  libpq reads
 * PGPASSFILE, PGSERVICE and its other variables itself.  Caller closes.
 */
int depot_store_open(const char *target, struct depot_store **out, char **cause);
/*
 * For reading (the supervisor's list, export and report, the platform
 * push): a SQLite file is opened read-only and must exist; a PostgreSQL
 * database must be at this binary's schema version (nothing is created or
 * upgraded, so a role that may only SELECT will do).
 */
int depot_store_open_reader(const char *target, struct depot_store **out, char **cause);
/*
 * A handle over an open SQLite store, borrowed: closing the handle leaves
 * st open (the review's screen reads through the handle and writes its
 * decisions through st).
 */
struct depot_store *depot_store_borrow(struct store *st);
/*
 * The SQLite database behind ds, or NULL on PostgreSQL: for what only a
 * SQLite depot holds so far (patrol tracks, docs/coverage.md).  Owned by ds.
 */
struct store *depot_store_sqlite(struct depot_store *ds);
void depot_store_close(struct depot_store *ds);
/* "SQLite" or "PostgreSQL", for messages. */
const char *depot_store_engine(const struct depot_store *ds);
/* The schema version the database is at now. */
int depot_store_schema_version(struct depot_store *ds, int *version, char **cause);
/*
 * SQLite admits one writer: its ingests go through one handle under the
 * caller's lock.  PostgreSQL's run on any handle at once.
 */
bool depot_store_one_writer(const struct depot_store *ds);
/* Whether the database answers now (reconnecting first when the connection was lost). */
int depot_store_ping(struct depot_store *ds, char **cause);

/* store_ingest(), on either engine. */
int depot_store_ingest(struct depot_store *ds, const char *bundle_uuid, const char *device,
    const char *sha256, struct store_record *const *recs, size_t n, struct store_ingest_result *res,
    bool *already, char **cause);

/*
 * The patrol track points of inspector that device's token delivered
 * (store_track_append at the depot: a point stored already is passed over).
 * Only the SQLite engine stores tracks; PostgreSQL refuses, saying so
 * (docs/coverage.md), with *unsupported set.
 */
int depot_store_track_append(struct depot_store *ds, const char *device, const char *inspector,
    const struct store_track_point *pts, size_t n, bool *unsupported, char **cause);

int depot_store_device_add(struct depot_store *ds, const char *name, const char *token_hash,
    char **cause);
int depot_store_device_revoke(struct depot_store *ds, const char *name, char **cause);
/* *out array caller frees. */
/*
 * Photos (docs/photos.md, "At the depot"): the directory the engine keeps
 * them in, beside its database (caller frees), or NULL when it keeps none
 * (PostgreSQL, for now).
 */
char *depot_store_photo_dir(struct depot_store *ds);
/*
 * The bytes a record of device (as its token delivered it) gives for the
 * photo sha256, or -1 in *bytes when none of its records names it.  -1
 * (with *cause) on an engine that keeps no photos.
 */
int depot_store_photo_reference(struct depot_store *ds, const char *device, const char *sha256,
    int64_t *bytes, char **cause);

int depot_store_device_list(struct depot_store *ds, struct store_device **out, size_t *count,
    char **cause);
/*
 * The device whose token hashes to token_hash (SHA-256 hex): 1 and *out,
 * 0 when no device has it, -1 when the database fails.
 */
int depot_store_device_by_token(struct depot_store *ds, const char *token_hash,
    struct store_device *out, char **cause);

/*
 * ---- Reads, on either engine: what report/ and the supervisor's commands
 * are written over.  Each keeps the contract of the store.h function it is
 * named after.
 */
/* store_list: oldest first (created_at, then arrival), rec lent for the call. */
int depot_store_list(struct depot_store *ds, const struct store_filter *filter, store_record_fn *fn,
    void *ctx, char **cause);
/* store_list_take: fn owns rec. */
int depot_store_list_take(struct depot_store *ds, const struct store_filter *filter,
    store_record_take_fn *fn, void *ctx, char **cause);
/* store_get: 0 and *out (caller frees), or -1 (no such record, or an error). */
int depot_store_get(struct depot_store *ds, const char *uuid, struct store_record **out,
    char **cause);
/* store_review_latest_for_day: the latest decision of each record of day that has one. */
int depot_store_review_latest_for_day(struct depot_store *ds, const char *day, store_review_fn *fn,
    void *ctx, char **cause);

/*
 * Docking both ways (store.h's store_checklist_*, store_task_* and
 * store_changes, docs/sync-protocol.md "Change feed").  On SQLite only for
 * now: a PostgreSQL depot refuses these with a message saying so.
 */
/* Whether this engine has them (false: answer the feed 501, refuse the commands). */
bool depot_store_has_feed(const struct depot_store *ds);
int depot_store_checklist_add(struct depot_store *ds, const struct store_checklist *c, bool *already,
    char **cause);
int depot_store_checklist_retire(struct depot_store *ds, const char *form_id, const char *version,
    char **cause);
int depot_store_checklist_list(struct depot_store *ds, store_checklist_fn *fn, void *ctx,
    char **cause);
int depot_store_task_add(struct depot_store *ds, struct store_task *t, char **cause);
int depot_store_task_assign(struct depot_store *ds, const char *uuid, const char *device, char **cause);
int depot_store_task_cancel(struct depot_store *ds, const char *uuid, char **cause);
int depot_store_task_list(struct depot_store *ds, const char *inspector, bool open_only,
    store_task_fn *fn, void *ctx, char **cause);
int depot_store_changes(struct depot_store *ds, const char *device, int64_t since, size_t limit,
    store_change_fn *fn, void *ctx, int64_t *latest, char **cause);

#endif
