/*
 * store — opening, upgrading and checking the database, and the records.
 *
 * Opening is careful with files that are not ours: the header of an
 * existing file is checked before SQLite touches it (switching to WAL
 * rewrites the header), and nothing is written until the file is known to be
 * a fieldcheck database this binary understands.
 */
#include "store/store_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

sqlite3_stmt *
store_prepare(struct store *st, const char *sql, char **cause)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		store_db_fail(st, cause, "prepare");
		return NULL;
	}
	return stmt;
}

int
store_db_fail(struct store *st, char **cause, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);
	const char *msg = sqlite3_errmsg(st->db);

	if ((code & 0xff) == SQLITE_FULL)
		return fc_fail(cause, "%s: %s failed: the disk is full; nothing was saved", st->path, what);
	if ((code & 0xff) == SQLITE_READONLY)
		return fc_fail(cause, "%s: %s failed: the database is read-only", st->path, what);
	if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
		return fc_fail(cause, "%s: %s failed: the database is damaged (%s)", st->path, what, msg);
	return fc_fail(cause, "%s: %s failed: %s", st->path, what, msg);
}

int
store_exec(struct store *st, const char *sql, char **cause)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, cause, "update");
	return 0;
}

int
store_begin(struct store *st, char **cause)
{
	/* IMMEDIATE takes the write lock now, so a busy database fails here, not mid-way. */
	return store_exec(st, "BEGIN IMMEDIATE", cause);
}

int
store_commit(struct store *st, char **cause)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_fail(st, cause, "commit");
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_bind_text_or_null(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC);
}

void
store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	fc_strlcpy(dst, text != NULL ? (const char *)text : "", size);
}

/* ---- Opening ---- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* True when path has a non-empty write-ahead log beside it. */
static bool
has_wal(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat sb;
	bool found = stat(wal, &sb) == 0 && sb.st_size > 0;

	free(wal);
	return found;
}

/*
 * Checks an existing file's SQLite header before SQLite reads or writes it:
 * the magic, and that the file holds as many pages as its header says (a
 * truncated copy does not).
 *
 * The bytes are read through the connection's own file handle.  Opening and
 * closing a second descriptor on the file would drop every POSIX lock this
 * process holds on it, those of other connections included.
 */
static int
check_header(struct store *st, off_t file_size, char **cause)
{
	unsigned char hdr[100];
	sqlite3_file *file = NULL;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
	    file == NULL || file->pMethods == NULL)
		return fc_fail(cause, "%s: cannot read the file", st->path);
	if (file_size < (off_t)sizeof hdr ||
	    file->pMethods->xRead(file, hdr, sizeof hdr, 0) != SQLITE_OK ||
	    memcmp(hdr, "SQLite format 3", 16) != 0)
		return fc_fail(cause, "%s: not a fieldcheck database (not even SQLite); left untouched",
		    st->path);
	{
		uint32_t page_size = (uint32_t)hdr[16] << 8 | hdr[17];
		uint32_t pages = be32(hdr + 28);

		if (page_size == 1)
			page_size = 65536;
		/*
		 * The page count is trustworthy only when the header says it is
		 * valid, and only without a write-ahead log: a checkpoint killed
		 * half-way leaves the file short of its header until SQLite
		 * finishes it from the log.
		 */
		if (be32(hdr + 92) == be32(hdr + 24) && pages != 0 && !has_wal(st->path) &&
		    (uint64_t)pages * page_size > (uint64_t)file_size)
			return fc_fail(cause, "%s: the database is truncated (%lld of %llu bytes); left untouched",
			    st->path, (long long)file_size, (unsigned long long)pages * page_size);
	}
	return 0;
}

static int
pragma_int(struct store *st, const char *sql, int *out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, sql, cause);
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return store_db_fail(st, cause, "read");
	}
	*out = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int
migrate(struct store *st, char **cause)
{
	int version;
	char *sql;

	if (store_begin(st, cause) != 0)
		return -1;
	/* Read again under the lock: another process may have upgraded meanwhile. */
	if (pragma_int(st, "PRAGMA user_version", &version, cause) != 0)
		goto fail;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		if (store_exec(st, store_migrations[version], cause) != 0)
			goto fail;
	}
	sql = xasprintf("PRAGMA application_id = %d; PRAGMA user_version = %d",
	    STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
	if (store_exec(st, sql, cause) != 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	return store_commit(st, cause);
fail:
	store_rollback(st);
	return -1;
}

bool
store_target_is_postgresql(const char *target)
{
	size_t k = 0;

	if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
		return true;
	/* A conninfo starts with a keyword and '=': host=, dbname=, service=... */
	while (islower((unsigned char)target[k]) || target[k] == '_')
		k++;
	return k > 0 && target[k] == '=';
}

/*
 * A read-only connection cannot always read a WAL database:
 *  - after a writer was killed, the shared-memory index beside it (PATH-shm)
 *    may need rebuilding, which SQLite refuses a read-only connection
 *    (SQLITE_READONLY_RECOVERY); and
 *  - on a full disk SQLite cannot create and size that index at all.
 * Then the reader opens again for writing, yet writes nothing to the
 * database or its log (query_only, no checkpoint when it closes): it may
 * rebuild the index, or, on a full disk, keeps the index in its own memory
 * in exclusive locking mode (which needs a write lock; it briefly excludes
 * other connections, which on a full disk cannot write anyway).
 */
static int
read_despite_wal(struct store *st, char **cause)
{
	int probe, code;
	bool exclusive;

	if (pragma_int(st, "PRAGMA application_id", &probe, NULL) == 0)
		return 0;
	code = sqlite3_extended_errcode(st->db);
	exclusive = (code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_FULL ||
	    (code & 0xff) == SQLITE_CANTOPEN;
	if (!exclusive && (code & 0xff) != SQLITE_READONLY)
		return pragma_int(st, "PRAGMA application_id", &probe, cause);
	sqlite3_close(st->db);
	st->db = NULL;
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		return fc_fail(cause, "%s: cannot open: %s", st->path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (store_exec(st, "PRAGMA query_only = 1", cause) != 0)
		return -1;
	return exclusive ? store_exec(st, "PRAGMA locking_mode = EXCLUSIVE", cause) : 0;
}

int
store_open(const char *path, enum store_open_mode mode, struct store **out, char **cause)
{
	struct store *st;
	struct stat sb;
	bool exists = true;
	int app_id, version, objects, flags;

	/* Not a file to create: a PostgreSQL depot is read through store/depot_store.h. */
	if (store_target_is_postgresql(path))
		return fc_fail(cause, "--db names a PostgreSQL database: list, export, report and "
		    "fieldcheck-depot read one; this command needs a SQLite file so far");
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return fc_fail(cause, "%s: %s", path, strerror(errno));
		exists = false;
	} else if (!S_ISREG(sb.st_mode))
		return fc_fail(cause, "%s: not a regular file", path);
	if (!exists && mode == STORE_READ_ONLY)
		return fc_fail(cause, "%s: no such database", path);
	if (!exists && fc_mkdir_parents(path, cause) != 0)
		return -1;

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->read_only = mode == STORE_READ_ONLY;
	st->drain_fd = -1;
	flags = st->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	/* Opening reads and writes nothing yet; the header is checked before anything does. */
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fc_fail(cause, "%s: cannot open: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	/* An empty file is an empty database; it becomes ours. */
	if (exists && sb.st_size > 0 && check_header(st, sb.st_size, cause) != 0)
		goto fail;
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if (!st->read_only && sqlite3_db_readonly(st->db, "main") == 1) {
		fc_fail(cause, "%s: the database is read-only; fieldcheck needs to write to it", path);
		goto fail;
	}
	if (st->read_only && read_despite_wal(st, cause) != 0)
		goto fail;
	if (pragma_int(st, "PRAGMA application_id", &app_id, cause) != 0 ||
	    pragma_int(st, "PRAGMA user_version", &version, cause) != 0 ||
	    pragma_int(st, "SELECT count(*) FROM sqlite_master", &objects, cause) != 0)
		goto fail;
	if (app_id != STORE_APPLICATION_ID && (app_id != 0 || objects != 0 || version != 0)) {
		fc_fail(cause, "%s: a SQLite database, but not a fieldcheck one; left untouched", path);
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		fc_fail(cause, "%s: written by a newer fieldcheck (schema %d; this one knows up to %d); "
		    "left untouched", path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (st->read_only) {
		if (version < STORE_SCHEMA_VERSION) {
			fc_fail(cause, "%s: schema %d is older than %d; open it read-write once to upgrade",
			    path, version, STORE_SCHEMA_VERSION);
			goto fail;
		}
		if (store_exec(st, "PRAGMA query_only = 1", cause) != 0)
			goto fail;
	} else {
		/* journal_size_limit: a WAL that grew during a big drain is cut back
		 * to 1 MiB when it is next reset, not kept at its peak on a small disk. */
		if (store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		    " PRAGMA journal_size_limit = 1048576", cause) != 0)
			goto fail;
		/* A current database is opened without a write: on a full disk
		 * it must still open, and reading it must not need space. */
		if ((version < STORE_SCHEMA_VERSION || app_id != STORE_APPLICATION_ID) &&
		    migrate(st, cause) != 0)
			goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->answers_stmt);
	store_json_free(st->answers_json);
	sqlite3_close(st->db);
	/* Only after SQLite is done with the file: closing any descriptor of
	 * it drops this process's fcntl locks on it, SQLite's included. */
	if (st->drain_fd != -1)
		close(st->drain_fd);
	free(st->path);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_drain_lock(struct store *st, bool wait, char **cause)
{
	int rc;

	if (st->drain_fd == -1) {
		st->drain_fd = open(st->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (st->drain_fd == -1)
			return fc_fail(cause, "%s: cannot lock for a sync: %s", st->path, strerror(errno));
	}
	do
		rc = flock(st->drain_fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	while (rc == -1 && errno == EINTR);
	if (rc == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return 1;
	return fc_fail(cause, "%s: cannot lock for a sync: %s", st->path, strerror(errno));
}

void
store_drain_unlock(struct store *st)
{
	/* The descriptor stays open until store_close (see there). */
	if (st->drain_fd != -1)
		flock(st->drain_fd, LOCK_UN);
}

int
store_schema_version(struct store *st)
{
	int version = -1;

	if (pragma_int(st, "PRAGMA user_version", &version, NULL) != 0)
		return -1;
	return version;
}

int
store_small_cache(struct store *st, char **cause)
{
	return store_exec(st, "PRAGMA cache_size = -256", cause);
}

int
store_checkpoint(struct store *st, char **cause)
{
	/* PASSIVE: never waits for the screen's readers; what it cannot copy now waits for later. */
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, cause, "checkpoint");
	return 0;
}

int
store_checkpoint_truncate(struct store *st, char **cause)
{
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, cause, "checkpoint");
	return 0;
}

int
store_free_bytes(struct store *st, int64_t *bytes, char **cause)
{
	struct statvfs fs;

	if (statvfs(st->path, &fs) != 0)
		return fc_fail(cause, "%s: cannot tell the free space: %s", st->path, strerror(errno));
	*bytes = (int64_t)fs.f_bavail * (int64_t)fs.f_frsize;
	return 0;
}

int
store_check_integrity(struct store *st, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st, "PRAGMA integrity_check", cause);
	const unsigned char *result;
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	result = rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : NULL;
	if (result == NULL || strcmp((const char *)result, "ok") != 0) {
		if (result != NULL)
			fc_fail(cause, "%s: integrity check: %s", st->path, result);
		else
			store_db_fail(st, cause, "integrity check");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}
