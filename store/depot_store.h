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
#define DEPOT_PG_SCHEMA_VERSION 1

/*
 * Opens target, a SQLite path or a PostgreSQL URI or conninfo
 * (store_target_is_postgresql), creating or upgrading its schema.  libpq reads
 * PGPASSFILE, PGSERVICE and its other variables itself.  Caller closes.
 */
int depot_store_open(const char *target, struct depot_store **out, char **cause);
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

#endif
