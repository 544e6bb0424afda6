/*
 * The schema, as the list of migrations that build it.  Migration i takes a
 * database from user_version i to i + 1; store_open() applies the missing
 * ones in a single transaction, so a database is never left half-upgraded.
 *
 * Never edit a migration once released: add a new one.
 */
#include "store/store_internal.h"

/*
 * The condition and action of records_final_is_immutable, shared by the
 * migration that made it and the one that narrowed when it fires (the text
 * is what migration 1 always had).
 */
#define FINAL_IS_IMMUTABLE_BODY \
	"WHEN OLD.status <> 'draft' AND (" \
	"  NEW.uuid IS NOT OLD.uuid OR NEW.form_id IS NOT OLD.form_id OR" \
	"  NEW.form_version IS NOT OLD.form_version OR NEW.form_hash IS NOT OLD.form_hash OR" \
	"  NEW.inspector IS NOT OLD.inspector OR NEW.device IS NOT OLD.device OR" \
	"  NEW.replaces IS NOT OLD.replaces OR NEW.created_at IS NOT OLD.created_at OR" \
	"  NEW.finalized_at IS NOT OLD.finalized_at OR NEW.day IS NOT OLD.day OR" \
	"  NEW.pos_source IS NOT OLD.pos_source OR NEW.lat IS NOT OLD.lat OR" \
	"  NEW.lon IS NOT OLD.lon OR NEW.alt_m IS NOT OLD.alt_m OR" \
	"  NEW.accuracy_m IS NOT OLD.accuracy_m OR NEW.fix_mode IS NOT OLD.fix_mode OR" \
	"  NEW.satellites IS NOT OLD.satellites OR NEW.hdop IS NOT OLD.hdop OR" \
	"  NEW.fix_time IS NOT OLD.fix_time OR NEW.fix_age_s IS NOT OLD.fix_age_s OR" \
	"  NEW.pos_reason IS NOT OLD.pos_reason OR NEW.answers IS NOT OLD.answers)" \
	"BEGIN SELECT RAISE(ABORT, 'a finalized record is immutable'); END;"

static const char migration_1[] =
	/*
	 * Answers are one JSON object per record (see docs/store.md): a record
	 * is written once and read whole, a save stays one row, and SQLite's
	 * json_extract() still reaches a single answer when a query needs it.
	 */
	"CREATE TABLE records ("
	"  id INTEGER PRIMARY KEY,"
	"  uuid TEXT NOT NULL UNIQUE,"
	"  form_id TEXT NOT NULL,"
	"  form_version TEXT NOT NULL,"
	"  form_hash TEXT NOT NULL,"
	"  inspector TEXT NOT NULL,"
	"  device TEXT NOT NULL,"
	"  replaces TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('draft','final','bundled','sent')),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  finalized_at TEXT,"
	"  day TEXT NOT NULL,"
	"  pos_source TEXT NOT NULL CHECK (pos_source IN ('none','gpsd','manual')),"
	"  lat REAL, lon REAL, alt_m REAL, accuracy_m REAL,"
	"  fix_mode INTEGER, satellites INTEGER, hdop REAL, fix_time TEXT, fix_age_s REAL,"
	"  pos_reason TEXT,"
	"  answers TEXT NOT NULL"
	");"
	"CREATE INDEX records_by_day ON records(day, created_at);"
	"CREATE INDEX records_by_status ON records(status, created_at);"
	"CREATE INDEX records_by_inspector ON records(inspector, day);"
	"CREATE INDEX records_by_form ON records(form_id, day);"
	/* The schema itself keeps a finalized record immutable, whatever the code does. */
	"CREATE TRIGGER records_final_is_immutable BEFORE UPDATE ON records "
	FINAL_IS_IMMUTABLE_BODY
	"CREATE TRIGGER records_status_moves_forward BEFORE UPDATE OF status ON records "
	"WHEN (CASE NEW.status WHEN 'draft' THEN 0 WHEN 'final' THEN 1 WHEN 'bundled' THEN 2 ELSE 3 END) <"
	"     (CASE OLD.status WHEN 'draft' THEN 0 WHEN 'final' THEN 1 WHEN 'bundled' THEN 2 ELSE 3 END)"
	"BEGIN SELECT RAISE(ABORT, 'a record status only moves forward'); END;"
	"CREATE TRIGGER records_final_is_kept BEFORE DELETE ON records "
	"WHEN OLD.status <> 'draft' "
	"BEGIN SELECT RAISE(ABORT, 'a finalized record is never deleted'); END;";

static const char migration_2[] =
	/* Listing everything in time order streams from an index instead of sorting. */
	"CREATE INDEX records_by_created ON records(created_at);"
	/* Supervisor decisions: appended, never rewritten; the latest counts. */
	"CREATE TABLE reviews ("
	"  id INTEGER PRIMARY KEY,"
	"  record_uuid TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK (decision IN ('approved','follow-up','rejected')),"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  reviewer TEXT NOT NULL,"
	"  decided_at TEXT NOT NULL"
	");"
	"CREATE INDEX reviews_by_record ON reviews(record_uuid, id);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
	/* Frozen bundles: the exact bytes every retry sends. bytes is NULL once sent. */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  uuid TEXT NOT NULL UNIQUE,"
	"  sha256 TEXT NOT NULL,"
	"  bytes BLOB,"
	"  size INTEGER NOT NULL,"
	"  record_count INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  sent_at TEXT"
	");"
	"CREATE INDEX outbox_unsent ON outbox(sent_at, id);"
	"CREATE TABLE outbox_records ("
	"  bundle_uuid TEXT NOT NULL,"
	"  record_uuid TEXT NOT NULL UNIQUE"
	");"
	"CREATE INDEX outbox_records_by_bundle ON outbox_records(bundle_uuid);"
	/* Depot side: bundles already ingested, for idempotent replies. */
	"CREATE TABLE received_bundles ("
	"  uuid TEXT PRIMARY KEY NOT NULL,"
	"  device TEXT NOT NULL,"
	"  accepted INTEGER NOT NULL,"
	"  duplicates INTEGER NOT NULL,"
	"  received_at TEXT NOT NULL"
	");"
	"CREATE TABLE devices ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL"
	");";

static const char migration_3[] =
	/*
	 * A bundle the depot refused (400, 409, 413) is set aside with the
	 * depot's reason instead of blocking the queue; its bytes and records
	 * are kept, and clearing refused_at queues it again.
	 */
	"ALTER TABLE outbox ADD COLUMN refused_at TEXT;"
	"ALTER TABLE outbox ADD COLUMN refused_status INTEGER;"
	"ALTER TABLE outbox ADD COLUMN refused_reason TEXT;";

static const char migration_4[] =
	/*
	 * The same guard, fired only by an UPDATE that sets a guarded column.
	 * Moving a record's status (final -> bundled -> sent) sets none, and
	 * comparing twenty-two columns of every row a drain moves cost more
	 * than moving it.  Every statement that can change content still fires it.
	 */
	"DROP TRIGGER IF EXISTS records_final_is_immutable;"
	"CREATE TRIGGER records_final_is_immutable BEFORE UPDATE OF"
	"  uuid, form_id, form_version, form_hash, inspector, device, replaces, created_at,"
	"  finalized_at, day, pos_source, lat, lon, alt_m, accuracy_m, fix_mode, satellites,"
	"  hdop, fix_time, fix_age_s, pos_reason, answers ON records "
	FINAL_IS_IMMUTABLE_BODY;

static const char migration_5[] =
	/*
	 * Depot: which device's token delivered each record and bundle (a
	 * record's own device and inspector fields are that device's claim),
	 * and each bundle's digest, so a reused bundle UUID is told from a
	 * repeat.  NULL on rows received before this migration.
	 */
	"ALTER TABLE records ADD COLUMN received_from TEXT;"
	"ALTER TABLE records ADD COLUMN received_in TEXT;"
	"ALTER TABLE received_bundles ADD COLUMN sha256 TEXT;"
	"CREATE TRIGGER records_delivery_is_kept BEFORE UPDATE OF received_from, received_in ON records "
	"WHEN OLD.status <> 'draft' "
	"BEGIN SELECT RAISE(ABORT, 'who delivered a record is never rewritten'); END;"
	/* Supervisor decisions are appended, never rewritten: the schema says so too. */
	"CREATE TRIGGER reviews_are_never_rewritten BEFORE UPDATE ON reviews "
	"BEGIN SELECT RAISE(ABORT, 'a review is never rewritten: add a new one'); END;"
	"CREATE TRIGGER reviews_are_never_deleted BEFORE DELETE ON reviews "
	"BEGIN SELECT RAISE(ABORT, 'a review is never deleted'); END;"
	/*
	 * Every PIN check, change and reset, appended: failures since the last
	 * success set how long the next try waits, so restarting the program
	 * does not reset the count, and a reset stays on record.
	 */
	"CREATE TABLE pin_events ("
	"  id INTEGER PRIMARY KEY,"
	"  event TEXT NOT NULL CHECK (event IN ('set','changed','reset','ok','failed')),"
	"  at TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE TRIGGER pin_events_are_never_rewritten BEFORE UPDATE ON pin_events "
	"BEGIN SELECT RAISE(ABORT, 'the PIN log is never rewritten'); END;"
	"CREATE TRIGGER pin_events_are_never_deleted BEFORE DELETE ON pin_events "
	"BEGIN SELECT RAISE(ABORT, 'the PIN log is never deleted'); END;";

static const char migration_6[] =
	/*
	 * Handheld: the photos the depot has committed (refused_status NULL)
	 * or refused for good (its status and reason), by SHA-256.  A photo
	 * named by a sent record and not here is still to upload
	 * (docs/photos.md, "On the wire").
	 */
	"CREATE TABLE photo_uploads ("
	"  sha256 TEXT PRIMARY KEY NOT NULL,"
	"  done_at TEXT NOT NULL,"
	"  refused_status INTEGER,"
	"  refused_reason TEXT"
	");";

const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
	migration_6,
};
