/*
 * store — the depot on PostgreSQL (libpq): the engine behind depot_store.h
 * when --db is a postgresql:// URI or a conninfo.  libpq is loaded when a
 * database is first opened (store/pg_api.h), so no program links it.
 *
 * Several depot processes share one database, so nothing here is kept
 * between calls but the connection:
 * - the schema is created and upgraded under a transaction-scoped advisory
 *   lock, so two depots starting on an empty database do not both create it;
 * - an ingest takes an advisory lock on its bundle's UUID before it looks
 *   the bundle up, so two receivers of the same bundle run one after the
 *   other: the first stores it (201), the second finds it (200, same counts);
 * - records are inserted many to a statement (INSERT ... ON CONFLICT (uuid)
 *   DO NOTHING RETURNING uuid); a UUID already stored is compared by the
 *   SHA-256 of the record's content (status and updated_at aside, the
 *   SQLite depot's rule), kept in the row when it was first stored.
 *
 * A lost connection (the server restarted) fails the call in progress; the
 * next call reconnects (PQreset), so the depot answers 503 meanwhile and
 * recovers by itself.  Every statement has bound parameters.
 */
#include "store/depot_store_impl.h"
#include "store/pg_api.h"
#include "store/store_internal.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 'FCK1', as SQLite's application_id: the lock that serialises schema changes. */
#define PG_SCHEMA_LOCK "1178816305"
/* Records a statement: 27 parameters each, well under PostgreSQL's 65,535. */
#define PG_INSERT_ROWS 256
#define PG_INSERT_COLS 27

struct depot_pg {
	struct depot_store base;
	PGconn *conn;
	struct store_json *json;    /* renders answers columns and content digests */
};

static const char migration_1[] =
	"CREATE TABLE records ("
	"  id bigserial PRIMARY KEY,"
	"  uuid text NOT NULL UNIQUE,"
	"  form_id text NOT NULL,"
	"  form_version text NOT NULL,"
	"  form_hash text NOT NULL,"
	"  inspector text NOT NULL,"
	"  device text NOT NULL,"
	"  replaces text,"
	"  status text NOT NULL CHECK (status IN ('draft','final','bundled','sent')),"
	"  created_at text NOT NULL,"
	"  updated_at text NOT NULL,"
	"  finalized_at text,"
	"  day text NOT NULL,"
	"  pos_source text NOT NULL CHECK (pos_source IN ('none','gpsd','manual')),"
	"  lat double precision, lon double precision, alt_m double precision,"
	"  accuracy_m double precision, fix_mode integer, satellites integer,"
	"  hdop double precision, fix_time text, fix_age_s double precision,"
	"  pos_reason text,"
	/* json, not jsonb: the answers keep their form order, as on SQLite. */
	"  answers json NOT NULL,"
	"  received_from text NOT NULL,"
	"  received_in text NOT NULL,"
	"  content_sha256 text NOT NULL"
	");"
	"CREATE INDEX records_by_day ON records (day, created_at);"
	"CREATE INDEX records_by_inspector ON records (inspector, day);"
	"CREATE INDEX records_by_form ON records (form_id, day);"
	"CREATE INDEX records_by_created ON records (created_at);"
	"CREATE TABLE received_bundles ("
	"  uuid text PRIMARY KEY,"
	"  device text NOT NULL,"
	"  accepted bigint NOT NULL,"
	"  duplicates bigint NOT NULL,"
	"  received_at text NOT NULL,"
	"  sha256 text NOT NULL"
	");"
	"CREATE TABLE devices ("
	"  name text PRIMARY KEY,"
	"  token_hash text NOT NULL UNIQUE,"
	"  revoked boolean NOT NULL DEFAULT false,"
	"  created_at text NOT NULL"
	");"
	/* A received record is kept as it came, whatever the code above does. */
	"CREATE FUNCTION fieldcheck_refuse() RETURNS trigger LANGUAGE plpgsql AS "
	"  $$BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END$$;"
	"CREATE TRIGGER records_are_kept BEFORE UPDATE OR DELETE ON records FOR EACH ROW "
	"  EXECUTE FUNCTION fieldcheck_refuse('a received record is never rewritten or deleted');";

/*
 * The supervisor's decisions, appended as on SQLite (store/schema.c): the
 * latest counts, none is rewritten or deleted.  The export, report and
 * platform push read them; the index serves a day's latest decisions.
 */
static const char migration_2[] =
	"CREATE TABLE reviews ("
	"  id bigserial PRIMARY KEY,"
	"  record_uuid text NOT NULL,"
	"  decision text NOT NULL CHECK (decision IN ('approved','follow-up','rejected')),"
	"  comment text NOT NULL DEFAULT '',"
	"  reviewer text NOT NULL,"
	"  decided_at text NOT NULL"
	");"
	"CREATE INDEX reviews_by_record ON reviews (record_uuid, id);"
	"CREATE TRIGGER reviews_are_kept BEFORE UPDATE OR DELETE ON reviews FOR EACH ROW "
	"  EXECUTE FUNCTION fieldcheck_refuse('a review decision is never rewritten or deleted');";

static const char *const migrations[DEPOT_PG_SCHEMA_VERSION] = {
	migration_1,
	migration_2,
};

static struct depot_pg *
pg_of(struct depot_store *ds)
{
	return (struct depot_pg *)ds;
}

/* libpq's message without its trailing newline. */
static int
pg_fail(struct depot_pg *pg, const PGresult *res, const char *what, char **cause)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";
	size_t n;

	if (msg[0] == '\0')
		msg = PQerrorMessage(pg->conn);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return fc_fail(cause, "PostgreSQL: %s: the database is unreachable: %.*s", what, (int)n, msg);
	return fc_fail(cause, "PostgreSQL: %s: %.*s", what, (int)n, msg);
}

/* Reconnects a connection the server dropped (a restart); -1 with *cause while it is down. */
static int
pg_connected(struct depot_pg *pg, char **cause)
{
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	PQreset(pg->conn);
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	return pg_fail(pg, NULL, "reconnect", cause);
}

/*
 * Runs sql with n text parameters (NULL: SQL NULL).  first: the statement
 * that opens an operation, run again once on a fresh connection when the
 * old one turns out dead (nothing of the operation was sent yet).  Returns
 * the result (caller clears), or NULL with *cause.
 */
static PGresult *
pg_run(struct depot_pg *pg, bool first, const char *sql, int n, const char *const *values,
    const char *what, char **cause)
{
	PGresult *res;
	ExecStatusType rs;

	if (pg_connected(pg, cause) != 0)
		return NULL;
	res = PQexecParams(pg->conn, sql, n, NULL, values, NULL, NULL, 0);
	if (first && PQstatus(pg->conn) != CONNECTION_OK) {
		PQclear(res);
		if (pg_connected(pg, cause) != 0)
			return NULL;
		res = PQexecParams(pg->conn, sql, n, NULL, values, NULL, NULL, 0);
	}
	rs = PQresultStatus(res);
	if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK)
		return res;
	pg_fail(pg, res, what, cause);
	PQclear(res);
	return NULL;
}

/* pg_run for a statement whose rows are not wanted: 0 or -1. */
static int
pg_do(struct depot_pg *pg, bool first, const char *sql, int n, const char *const *values,
    const char *what, char **cause)
{
	PGresult *res = pg_run(pg, first, sql, n, values, what, cause);

	PQclear(res);
	return res != NULL ? 0 : -1;
}

static void
pg_rollback(struct depot_pg *pg)
{
	if (PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
}

static int
pg_schema_version(struct depot_store *ds, int *version, char **cause)
{
	struct depot_pg *pg = pg_of(ds);
	PGresult *res = pg_run(pg, true, "SELECT version FROM fieldcheck_schema", 0, NULL,
	    "read the schema version", cause);

	if (res == NULL)
		return -1;
	*version = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return 0;
}

/*
 * Creates or upgrades the schema in one transaction, under a lock every
 * depot takes: a database from a newer fieldcheck, or another program's
 * tables, are refused and left untouched.
 */
static int
pg_migrate(struct depot_pg *pg, char **cause)
{
	PGresult *res = NULL;
	int version;
	char text[16];
	const char *param[1] = { text };

	if (pg_do(pg, true, "BEGIN", 0, NULL, "begin", cause) != 0 ||
	    pg_do(pg, false, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")", 0, NULL,
	    "lock the schema", cause) != 0 ||
	    pg_do(pg, false, "CREATE TABLE IF NOT EXISTS fieldcheck_schema (version integer NOT NULL)", 0,
	    NULL, "create the schema table", cause) != 0)
		goto fail;
	res = pg_run(pg, false, "SELECT (SELECT max(version) FROM fieldcheck_schema), "
	    "to_regclass('records') IS NOT NULL", 0, NULL, "read the schema version", cause);
	if (res == NULL)
		goto fail;
	version = PQgetisnull(res, 0, 0) ? 0 : atoi(PQgetvalue(res, 0, 0));
	if (version == 0 && strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		fc_fail(cause, "the PostgreSQL database has a records table but is not a fieldcheck depot's; "
		    "left untouched");
		goto fail;
	}
	if (version > DEPOT_PG_SCHEMA_VERSION) {
		fc_fail(cause, "the PostgreSQL database was written by a newer fieldcheck-depot (schema %d, "
		    "this one knows %d); left untouched: upgrade fieldcheck-depot", version,
		    DEPOT_PG_SCHEMA_VERSION);
		goto fail;
	}
	PQclear(res);
	res = NULL;
	if (version == DEPOT_PG_SCHEMA_VERSION) {
		pg_rollback(pg);
		return 0;
	}
	for (int v = version; v < DEPOT_PG_SCHEMA_VERSION; v++) {
		/* Parameterless and several statements: the simple protocol. */
		res = PQexec(pg->conn, migrations[v]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_fail(pg, res, "upgrade the schema", cause);
			goto fail;
		}
		PQclear(res);
		res = NULL;
	}
	snprintf(text, sizeof text, "%d", DEPOT_PG_SCHEMA_VERSION);
	if (pg_do(pg, false, "DELETE FROM fieldcheck_schema", 0, NULL, "upgrade the schema", cause) != 0 ||
	    pg_do(pg, false, "INSERT INTO fieldcheck_schema (version) VALUES ($1)", 1, param,
	    "upgrade the schema", cause) != 0 ||
	    pg_do(pg, false, "COMMIT", 0, NULL, "commit the schema", cause) != 0)
		goto fail;
	return 0;
fail:
	PQclear(res);
	pg_rollback(pg);
	return -1;
}

static int
pg_ping(struct depot_store *ds, char **cause)
{
	return pg_do(pg_of(ds), true, "SELECT 1", 0, NULL, "ping", cause);
}

/* ---- Ingest ---- */

/* One record's parameters, as text, for the multi-row insert. */
struct pg_row {
	char num[8][32];
	char digest[65];
	char *answers;
};

static const char *
pg_double(char buf[32], double v)
{
	if (!isfinite(v))
		return NULL;
	snprintf(buf, 32, "%.17g", v);
	return buf;
}

static const char *
pg_int(char buf[32], int v)
{
	if (v < 0)
		return NULL;
	snprintf(buf, 32, "%d", v);
	return buf;
}

static const char *
text_or_null(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/*
 * The SHA-256 hex of rec's content with status and updated_at aside: equal
 * for a record resent.  Rendered by pg's renderer (the text of
 * store_record_to_json, without its allocations), which it overwrites.
 */
static void
content_digest(struct depot_pg *pg, const struct store_record *rec, char hex[65])
{
	struct store_record norm = *rec;
	unsigned char d[crypto_hash_sha256_BYTES];
	const char *json;
	size_t len;

	norm.status = STORE_SENT;
	norm.updated_at[0] = '\0';
	json = store_json_render(pg->json, &norm, &len);
	crypto_hash_sha256(d, (const unsigned char *)json, len);
	sodium_bin2hex(hex, 65, d, sizeof d);
}

/* Fills values[0..26] for rec (status sent) from row's buffers. */
static void
pg_row_values(struct depot_pg *pg, const struct store_record *rec, const char *device,
    const char *bundle_uuid, struct pg_row *row, const char **v)
{
	const struct store_position *p = &rec->pos;

	content_digest(pg, rec, row->digest);
	row->answers = xstrdup(store_json_answers(pg->json, rec));
	v[0] = rec->uuid;
	v[1] = rec->form_id;
	v[2] = rec->form_version;
	v[3] = rec->form_hash;
	v[4] = rec->inspector;
	v[5] = rec->device;
	v[6] = text_or_null(rec->replaces);
	v[7] = store_status_name(STORE_SENT);
	v[8] = rec->created_at;
	v[9] = rec->updated_at;
	v[10] = text_or_null(rec->finalized_at);
	v[11] = rec->day;
	v[12] = store_pos_source_name(p->source);
	v[13] = pg_double(row->num[0], p->lat);
	v[14] = pg_double(row->num[1], p->lon);
	v[15] = pg_double(row->num[2], p->alt_m);
	v[16] = pg_double(row->num[3], p->accuracy_m);
	v[17] = pg_int(row->num[4], p->fix_mode);
	v[18] = pg_int(row->num[5], p->satellites);
	v[19] = pg_double(row->num[6], p->hdop);
	v[20] = text_or_null(p->fix_time);
	v[21] = pg_double(row->num[7], p->fix_age_s);
	v[22] = text_or_null(p->reason);
	v[23] = row->answers;
	v[24] = device;
	v[25] = bundle_uuid;
	v[26] = row->digest;
}

static void
buf_text(struct fc_buf *b, const char *s)
{
	fc_buf_append(b, s, strlen(s));
}

/* The INSERT for k rows: caller frees. */
static char *
insert_sql(size_t k)
{
	struct fc_buf b = { 0 };
	char param[16];
	int p = 1;

	buf_text(&b, "INSERT INTO records (" RECORD_COLUMNS ", received_from, received_in, "
	    "content_sha256) VALUES ");
	for (size_t r = 0; r < k; r++) {
		buf_text(&b, r == 0 ? "(" : ",(");
		for (int c = 0; c < PG_INSERT_COLS; c++, p++) {
			snprintf(param, sizeof param, c == 0 ? "$%d" : ",$%d", p);
			buf_text(&b, param);
		}
		buf_text(&b, ")");
	}
	buf_text(&b, " ON CONFLICT (uuid) DO NOTHING RETURNING uuid");
	return b.data;
}

/*
 * Inserts recs[0..k) and sets inserted[i] for each one stored now (the
 * others' UUIDs were stored already, or earlier in this bundle).
 */
static int
pg_insert_rows(struct depot_pg *pg, struct store_record *const *recs, size_t k, const char *device,
    const char *bundle_uuid, bool *inserted, char **cause)
{
	struct pg_row *rows = xcalloc(k, sizeof *rows);
	const char **values = xcalloc(k * PG_INSERT_COLS, sizeof *values);
	bool *claimed;
	char *sql = NULL;
	PGresult *res = NULL;
	int rc = -1;

	for (size_t i = 0; i < k; i++) {
		struct store_record copy = *recs[i];

		copy.status = STORE_SENT;
		if (store_record_validate(&copy, cause) != 0)
			goto out;
		pg_row_values(pg, recs[i], device, bundle_uuid, &rows[i], values + i * PG_INSERT_COLS);
	}
	sql = insert_sql(k);
	res = pg_run(pg, false, sql, (int)(k * PG_INSERT_COLS), values, "ingest", cause);
	if (res == NULL)
		goto out;
	/* A UUID twice in the bundle is returned once: the first of them is the one stored. */
	claimed = xcalloc((size_t)PQntuples(res) + 1, sizeof *claimed);
	for (size_t i = 0; i < k; i++) {
		inserted[i] = false;
		for (int r = 0; r < PQntuples(res); r++) {
			if (!claimed[r] && strcmp(PQgetvalue(res, r, 0), recs[i]->uuid) == 0) {
				claimed[r] = inserted[i] = true;
				break;
			}
		}
	}
	free(claimed);
	rc = 0;
out:
	PQclear(res);
	free(sql);
	for (size_t i = 0; i < k; i++)
		free(rows[i].answers);
	free(rows);
	free(values);
	return rc;
}

/* Whether the record stored under rec's UUID has rec's content. */
static int
pg_same_content(struct depot_pg *pg, const struct store_record *rec, bool *same, char **cause)
{
	const char *param[1] = { rec->uuid };
	PGresult *res = pg_run(pg, false, "SELECT content_sha256 FROM records WHERE uuid = $1", 1, param,
	    "ingest", cause);
	char digest[65];

	if (res == NULL)
		return -1;
	content_digest(pg, rec, digest);
	*same = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), digest) == 0;
	PQclear(res);
	return 0;
}

static int
pg_check_owner(struct depot_pg *pg, const struct store_record *rec, const char *device, char **cause)
{
	const char *param[1] = { rec->replaces };
	PGresult *res = pg_run(pg, false, "SELECT device FROM records WHERE uuid = $1", 1, param, "ingest",
	    cause);
	int rc;

	if (res == NULL)
		return -2;
	rc = store_ingest_check_owner(rec, device, PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL,
	    cause);
	PQclear(res);
	return rc;
}

/* Whether the bundle was received before (then *already, and res holds its counts). */
static int
pg_received_before(struct depot_pg *pg, const char *bundle_uuid, const char *device,
    const char *sha256, struct store_ingest_result *res, bool *already, char **cause)
{
	const char *param[1] = { bundle_uuid };
	PGresult *r = pg_run(pg, false, "SELECT accepted, duplicates, device, sha256 FROM received_bundles "
	    "WHERE uuid = $1", 1, param, "ingest", cause);
	int rc = 0;

	if (r == NULL)
		return -1;
	*already = PQntuples(r) == 1;
	if (*already) {
		res->accepted = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		res->duplicates = (size_t)strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		rc = store_ingest_check_again(bundle_uuid, device, sha256, PQgetvalue(r, 0, 2),
		    PQgetvalue(r, 0, 3), res, cause);
	}
	PQclear(r);
	return rc;
}

static int
by_uuid(const void *a, const void *b)
{
	return strcmp((*(struct store_record *const *)a)->uuid, (*(struct store_record *const *)b)->uuid);
}

static int
pg_ingest(struct depot_store *ds, const char *bundle_uuid, const char *device, const char *sha256,
    struct store_record *const *recs, size_t n, struct store_ingest_result *res, bool *already,
    char **cause)
{
	struct depot_pg *pg = pg_of(ds);
	struct store_record **sorted = NULL;
	bool *inserted = NULL;
	char now[FC_TIME_LEN], accepted[24], duplicates[24];
	const char *note[6] = { bundle_uuid, device, accepted, duplicates, now, sha256 };
	const char *lock[1] = { bundle_uuid };

	memset(res, 0, sizeof *res);
	*already = false;
	if (store_ingest_check_devices(device, recs, n, res, cause) != 0)
		return -1;
	if (pg_do(pg, true, "BEGIN", 0, NULL, "begin", cause) != 0)
		return -1;
	/* Two receivers of one bundle: the second waits here until the first committed, then finds it. */
	if (pg_do(pg, false, "SELECT pg_advisory_xact_lock(hashtext($1))", 1, lock, "ingest", cause) != 0 ||
	    pg_received_before(pg, bundle_uuid, device, sha256, res, already, cause) != 0)
		goto fail;
	if (*already) {
		pg_rollback(pg);
		return 0;
	}
	/*
	 * In UUID order: two bundles sharing records then lock them in the same
	 * order, and neither waits for the other's row while holding one it wants.
	 */
	sorted = xcalloc(n + 1, sizeof *sorted);
	if (n > 0)
		memcpy(sorted, recs, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, by_uuid);
	recs = sorted;
	inserted = xcalloc(n + 1, sizeof *inserted);
	for (size_t at = 0; at < n; at += PG_INSERT_ROWS) {
		size_t k = n - at < PG_INSERT_ROWS ? n - at : PG_INSERT_ROWS;

		if (pg_insert_rows(pg, recs + at, k, device, bundle_uuid, inserted + at, cause) != 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		bool same = false;

		if (!inserted[i] && pg_same_content(pg, recs[i], &same, cause) != 0)
			goto fail;
		if (store_ingest_tally(res, recs[i], inserted[i], same, cause) != 0)
			goto fail;
	}
	/* After every insert, so a correction may follow its original in the same bundle. */
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (recs[i]->replaces[0] == '\0')
			continue;
		rc = pg_check_owner(pg, recs[i], device, cause);
		if (rc == -1) {
			res->refusal = STORE_INGEST_FORGED;
			fc_strlcpy(res->refused_uuid, recs[i]->uuid, sizeof res->refused_uuid);
		}
		if (rc != 0)
			goto fail;
	}
	fc_now_iso_utc(now);
	snprintf(accepted, sizeof accepted, "%zu", res->accepted);
	snprintf(duplicates, sizeof duplicates, "%zu", res->duplicates);
	if (pg_do(pg, false, "INSERT INTO received_bundles (uuid, device, accepted, duplicates, "
	    "received_at, sha256) VALUES ($1, $2, $3, $4, $5, $6)", 6, note, "ingest", cause) != 0)
		goto fail;
	free(inserted);
	free(sorted);
	/* The receipt waits for this: COMMIT returned, so the bundle is on the server's disk. */
	if (pg_do(pg, false, "COMMIT", 0, NULL, "commit", cause) != 0) {
		res->refusal = STORE_INGEST_FAILED;
		return -1;
	}
	return 0;
fail:
	free(inserted);
	free(sorted);
	pg_rollback(pg);
	return -1;
}

/* ---- Devices ---- */

static int
pg_device_add(struct depot_store *ds, const char *name, const char *token_hash, char **cause)
{
	struct depot_pg *pg = pg_of(ds);
	char now[FC_TIME_LEN];
	const char *param[3] = { name, token_hash, now };
	PGresult *res;
	int rc = 0;

	fc_now_iso_utc(now);
	if (pg_connected(pg, cause) != 0)
		return -1;
	res = PQexecParams(pg->conn, "INSERT INTO devices (name, token_hash, created_at) VALUES ($1, $2, $3)",
	    3, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state != NULL && strcmp(state, "23505") == 0)
			rc = fc_fail(cause, "device '%s' already exists", name);
		else
			rc = pg_fail(pg, res, "add device", cause);
	}
	PQclear(res);
	return rc;
}

static int
pg_device_revoke(struct depot_store *ds, const char *name, char **cause)
{
	const char *param[1] = { name };
	PGresult *res = pg_run(pg_of(ds), true, "UPDATE devices SET revoked = true WHERE name = $1", 1, param,
	    "revoke device", cause);
	bool found;

	if (res == NULL)
		return -1;
	found = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	return found ? 0 : fc_fail(cause, "no device '%s'", name);
}

static int
pg_device_list(struct depot_store *ds, struct store_device **out, size_t *count, char **cause)
{
	PGresult *res = pg_run(pg_of(ds), true, "SELECT name, token_hash, revoked, created_at FROM devices "
	    "ORDER BY name", 0, NULL, "list devices", cause);
	struct store_device *list;
	int n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	list = xcalloc((size_t)n + 1, sizeof *list);
	for (int i = 0; i < n; i++) {
		fc_strlcpy(list[i].name, PQgetvalue(res, i, 0), sizeof list[i].name);
		fc_strlcpy(list[i].token_hash, PQgetvalue(res, i, 1), sizeof list[i].token_hash);
		list[i].revoked = strcmp(PQgetvalue(res, i, 2), "t") == 0;
		fc_strlcpy(list[i].created_at, PQgetvalue(res, i, 3), sizeof list[i].created_at);
	}
	PQclear(res);
	*out = list;
	*count = (size_t)n;
	return 0;
}

static int
pg_device_by_token(struct depot_store *ds, const char *token_hash, struct store_device *out,
    char **cause)
{
	const char *param[1] = { token_hash };
	PGresult *res = pg_run(pg_of(ds), true, "SELECT name, token_hash, revoked, created_at FROM devices "
	    "WHERE token_hash = $1", 1, param, "find the token's device", cause);
	int found;

	if (res == NULL)
		return -1;
	memset(out, 0, sizeof *out);
	if ((found = PQntuples(res) == 1)) {
		fc_strlcpy(out->name, PQgetvalue(res, 0, 0), sizeof out->name);
		fc_strlcpy(out->token_hash, PQgetvalue(res, 0, 1), sizeof out->token_hash);
		out->revoked = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
		fc_strlcpy(out->created_at, PQgetvalue(res, 0, 3), sizeof out->created_at);
	}
	PQclear(res);
	return found;
}

/* ---- Reads ---- */

/* A row's column as a double, NAN when NULL. */
static double
pg_col_double(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

static int
pg_col_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 : atoi(PQgetvalue(res, row, col));
}

static void
pg_col_copy(const PGresult *res, int row, int col, char *dst, size_t size)
{
	fc_strlcpy(dst, PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col), size);
}

/* A record from a row of RECORD_COLUMNS.  Caller frees. */
static int
pg_record(const PGresult *res, int row, struct store_record **out, char **cause)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);
	struct store_position *p = &rec->pos;
	char text[16];

	pg_col_copy(res, row, 0, rec->uuid, sizeof rec->uuid);
	pg_col_copy(res, row, 1, rec->form_id, sizeof rec->form_id);
	pg_col_copy(res, row, 2, rec->form_version, sizeof rec->form_version);
	pg_col_copy(res, row, 3, rec->form_hash, sizeof rec->form_hash);
	pg_col_copy(res, row, 4, rec->inspector, sizeof rec->inspector);
	pg_col_copy(res, row, 5, rec->device, sizeof rec->device);
	pg_col_copy(res, row, 6, rec->replaces, sizeof rec->replaces);
	pg_col_copy(res, row, 7, text, sizeof text);
	store_status_parse(text, &rec->status);
	pg_col_copy(res, row, 8, rec->created_at, sizeof rec->created_at);
	pg_col_copy(res, row, 9, rec->updated_at, sizeof rec->updated_at);
	pg_col_copy(res, row, 10, rec->finalized_at, sizeof rec->finalized_at);
	pg_col_copy(res, row, 11, rec->day, sizeof rec->day);
	store_position_clear(p);
	pg_col_copy(res, row, 12, text, sizeof text);
	store_pos_source_parse(text, &p->source);
	p->lat = pg_col_double(res, row, 13);
	p->lon = pg_col_double(res, row, 14);
	p->alt_m = pg_col_double(res, row, 15);
	p->accuracy_m = pg_col_double(res, row, 16);
	p->fix_mode = pg_col_int(res, row, 17);
	p->satellites = pg_col_int(res, row, 18);
	p->hdop = pg_col_double(res, row, 19);
	pg_col_copy(res, row, 20, p->fix_time, sizeof p->fix_time);
	p->fix_age_s = pg_col_double(res, row, 21);
	pg_col_copy(res, row, 22, p->reason, sizeof p->reason);
	if (store_answers_from_text(PQgetvalue(res, row, 23), (size_t)PQgetlength(res, row, 23), rec,
	    cause) != 0) {
		store_record_free(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

/* Appends "what $N" with value as parameter N, when value is not NULL or "". */
static void
pg_clause(struct fc_buf *sql, const char **values, int *n, const char *what, const char *value)
{
	char param[16];

	if (value == NULL || value[0] == '\0')
		return;
	values[(*n)++] = value;
	snprintf(param, sizeof param, "$%d", *n);
	buf_text(sql, what);
	buf_text(sql, param);
}

/* Rows a FETCH brings: a day of thousands in a few round trips, never a table in memory. */
#define PG_FETCH "FETCH 1000 FROM fieldcheck_list"

static int
pg_list_take(struct depot_store *ds, const struct store_filter *f, store_record_take_fn *fn,
    void *ctx, char **cause)
{
	struct depot_pg *pg = pg_of(ds);
	struct fc_buf sql = { 0 };
	const char *values[5];
	char limit[32];
	int n = 0, rc = -1;
	bool stop = false;
	PGresult *res;

	buf_text(&sql, "DECLARE fieldcheck_list NO SCROLL CURSOR FOR SELECT " RECORD_COLUMNS
	    " FROM records WHERE true");
	/* The clauses are fixed text; only the values are parameters. */
	pg_clause(&sql, values, &n, " AND day = ", f->day);
	pg_clause(&sql, values, &n, " AND inspector = ", f->inspector);
	pg_clause(&sql, values, &n, " AND form_id = ", f->form_id);
	pg_clause(&sql, values, &n, " AND status = ", f->any_status ? NULL :
	    store_status_name(f->status));
	buf_text(&sql, " ORDER BY created_at, id");
	snprintf(limit, sizeof limit, "%zu", f->limit);
	pg_clause(&sql, values, &n, " LIMIT ", f->limit > 0 ? limit : NULL);
	if (pg_do(pg, true, "BEGIN", 0, NULL, "list records", cause) != 0)
		goto out;
	if (pg_do(pg, false, sql.data, n, values, "list records", cause) != 0)
		goto rollback;
	while (!stop) {
		int rows;

		if ((res = pg_run(pg, false, PG_FETCH, 0, NULL, "list records", cause)) == NULL)
			goto rollback;
		rows = PQntuples(res);
		for (int r = 0; r < rows && !stop; r++) {
			struct store_record *rec;

			if (pg_record(res, r, &rec, cause) != 0) {
				PQclear(res);
				goto rollback;
			}
			stop = fn(ctx, rec) != 0;
		}
		PQclear(res);
		if (rows == 0)
			break;
	}
	rc = pg_do(pg, false, "COMMIT", 0, NULL, "list records", cause);
	goto out;
rollback:
	pg_rollback(pg);
out:
	free(sql.data);
	return rc;
}

static int
pg_get(struct depot_store *ds, const char *uuid, struct store_record **out, char **cause)
{
	const char *values[1] = { uuid };
	PGresult *res = pg_run(pg_of(ds), true, "SELECT " RECORD_COLUMNS " FROM records WHERE uuid = $1",
	    1, values, "read a record", cause);
	int rc;

	*out = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		rc = fc_fail(cause, "no record %.40s", uuid);
	else
		rc = pg_record(res, 0, out, cause);
	PQclear(res);
	return rc;
}

/*
 * The latest decision of each record of the day that has one: the day's
 * records through records_by_day, and for each its newest decision through
 * reviews_by_record (LATERAL ... LIMIT 1).  A join of the day's records with
 * the reviews table chose a hash join over every review (EXPLAIN in
 * docs/scale.md): 54 ms with 200,000 decisions, growing with the table.
 */
static int
pg_review_latest_for_day(struct depot_store *ds, const char *day, store_review_fn *fn, void *ctx,
    char **cause)
{
	const char *values[1] = { day };
	PGresult *res = pg_run(pg_of(ds), true,
	    "SELECT r.record_uuid, r.decision, r.comment, r.reviewer, r.decided_at "
	    "FROM records AS c CROSS JOIN LATERAL (SELECT record_uuid, decision, comment, reviewer, "
	    "decided_at FROM reviews WHERE record_uuid = c.uuid ORDER BY id DESC LIMIT 1) AS r "
	    "WHERE c.day = $1", 1, values,
	    "read the day's reviews", cause);

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct store_review rv;
		char decision[16];

		memset(&rv, 0, sizeof rv);
		pg_col_copy(res, i, 0, rv.record_uuid, sizeof rv.record_uuid);
		pg_col_copy(res, i, 1, decision, sizeof decision);
		if (store_decision_parse(decision, &rv.decision) != 0)
			continue;   /* the schema's CHECK makes this unreachable */
		pg_col_copy(res, i, 2, rv.comment, sizeof rv.comment);
		pg_col_copy(res, i, 3, rv.reviewer, sizeof rv.reviewer);
		pg_col_copy(res, i, 4, rv.decided_at, sizeof rv.decided_at);
		if (fn(ctx, &rv) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

static void
pg_close(struct depot_store *ds)
{
	struct depot_pg *pg = pg_of(ds);

	PQfinish(pg->conn);
	store_json_free(pg->json);
	free(pg);
}

static const struct depot_store_ops pg_ops = {
	.engine = "PostgreSQL",
	.one_writer = false,
	.schema_version = pg_schema_version,
	.ping = pg_ping,
	.ingest = pg_ingest,
	.device_add = pg_device_add,
	.device_revoke = pg_device_revoke,
	.device_list = pg_device_list,
	.device_by_token = pg_device_by_token,
	.list_take = pg_list_take,
	.get = pg_get,
	.review_latest_for_day = pg_review_latest_for_day,
	.close = pg_close,
};

/*
 * A reader (the supervisor's commands) may use a role that can only SELECT:
 * it creates and upgrades nothing, and reads the version with a SELECT.
 */
static int
pg_check_version(struct depot_pg *pg, char **cause)
{
	PGresult *res = pg_run(pg, true, "SELECT to_regclass('fieldcheck_schema') IS NOT NULL", 0, NULL,
	    "read the schema version", cause);
	bool exists;
	int version = 0;

	if (res == NULL)
		return -1;
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (exists && pg_schema_version(&pg->base, &version, cause) != 0)
		return -1;
	if (version > DEPOT_PG_SCHEMA_VERSION)
		return fc_fail(cause, "the PostgreSQL database was written by a newer fieldcheck-depot "
		    "(schema %d, this one knows %d): upgrade fieldcheck", version, DEPOT_PG_SCHEMA_VERSION);
	if (version < DEPOT_PG_SCHEMA_VERSION)
		return fc_fail(cause, "the PostgreSQL database is at schema %d, not %d: run "
		    "fieldcheck-depot migrate (or start its depot) first", version,
		    DEPOT_PG_SCHEMA_VERSION);
	return 0;
}

int
depot_pg_open(const char *conninfo, bool reader, struct depot_store **out, char **cause)
{
	struct depot_pg *pg;

	*out = NULL;
	if (sodium_init() < 0)
		return fc_fail(cause, "libsodium failed to start");
	if (pg_api_load(cause) != 0)
		return -1;
	pg = xcalloc(1, sizeof *pg);
	pg->base.ops = &pg_ops;
	pg->json = store_json_new();
	pg->conn = PQconnectdb(conninfo);
	if (pg->conn == NULL) {
		free(pg);
		return fc_fail(cause, "PostgreSQL: out of memory");
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(pg->conn);
		size_t len = strlen(msg);

		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			len--;
		fc_fail(cause, "cannot connect to the PostgreSQL database: %.*s", (int)len, msg);
		pg_close(&pg->base);
		return -1;
	}
	/* Quiet NOTICEs (CREATE TABLE IF NOT EXISTS) instead of libpq's default printing to stderr. */
	PQclear(PQexec(pg->conn, "SET client_min_messages = warning"));
	if ((reader ? pg_check_version(pg, cause) : pg_migrate(pg, cause)) != 0) {
		pg_close(&pg->base);
		return -1;
	}
	*out = &pg->base;
	return 0;
}
