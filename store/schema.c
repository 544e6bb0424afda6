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
	 * Docking both ways (docs/sync-protocol.md, "Change feed").  The same
	 * tables on both ends: the depot's catalogue of checklists and its
	 * tasks, and on a handheld what its feed brought.  Every checklist
	 * version is kept with its hash (a draft stays on its version).
	 */
	"CREATE TABLE checklists ("
	"  id INTEGER PRIMARY KEY,"
	"  form_id TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  csv BLOB NOT NULL,"
	"  added_at TEXT NOT NULL,"
	"  retired_at TEXT,"
	"  UNIQUE (form_id, version)"
	");"
	"CREATE TABLE tasks ("
	"  uuid TEXT PRIMARY KEY NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('verify','inspect')),"
	"  form_id TEXT NOT NULL,"
	"  form_version TEXT NOT NULL,"
	"  asset TEXT NOT NULL,"
	"  lat REAL, lon REAL,"
	"  follows TEXT,"
	"  inspector TEXT NOT NULL,"
	"  device TEXT,"
	"  due TEXT,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL CHECK (state IN ('open','assigned','done','closed','reopened',"
	"    'cancelled','done-after-cancel')),"
	"  created_at TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  done_record TEXT"
	");"
	"CREATE INDEX tasks_by_inspector ON tasks(inspector, state);"
	"CREATE INDEX tasks_by_record ON tasks(done_record);"
	"CREATE INDEX tasks_by_follows ON tasks(follows);"
	/*
	 * Depot: the change feed, one row per change a device must learn of
	 * (device NULL: every device, as a checklist).  ref names the row
	 * (checklists.id, tasks.uuid, reviews.id); the feed sends its state now.
	 */
	"CREATE TABLE changes ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  device TEXT,"
	"  kind TEXT NOT NULL CHECK (kind IN ('checklist','task','decision')),"
	"  ref TEXT NOT NULL,"
	"  at TEXT NOT NULL"
	");"
	"CREATE INDEX changes_by_device ON changes(device, seq);"
	"CREATE INDEX changes_by_ref ON changes(ref, kind);"
	/* A decision on a record a device delivered is news for that device (depot rows only). */
	"CREATE TRIGGER reviews_reach_the_device AFTER INSERT ON reviews "
	"BEGIN INSERT INTO changes (device, kind, ref, at) "
	"  SELECT received_from, 'decision', NEW.id, NEW.decided_at FROM records "
	"  WHERE uuid = NEW.record_uuid AND received_from IS NOT NULL; END;"
	/*
	 * A record that names its task (the answer "_task") does it, on the
	 * handheld when it is finalized and at the depot when it arrives; after
	 * a cancel it is "done after cancel".  instr() first: most records name
	 * none, and ingest should not parse their answers to learn so.
	 */
	"CREATE TRIGGER records_do_their_task_insert AFTER INSERT ON records "
	"WHEN NEW.status <> 'draft' AND instr(NEW.answers, '\"_task\"') > 0 AND json_valid(NEW.answers) AND "
	"  json_extract(NEW.answers, '$._task') IS NOT NULL "
	"BEGIN UPDATE tasks SET done_record = NEW.uuid, updated_at = NEW.finalized_at,"
	"  state = CASE state WHEN 'cancelled' THEN 'done-after-cancel' ELSE 'done' END "
	"  WHERE uuid = json_extract(NEW.answers, '$._task') AND done_record IS NULL; END;"
	"CREATE TRIGGER records_do_their_task_update AFTER UPDATE OF status ON records "
	"WHEN OLD.status = 'draft' AND NEW.status <> 'draft' AND instr(NEW.answers, '\"_task\"') > 0 AND "
	"  json_valid(NEW.answers) AND "
	"  json_extract(NEW.answers, '$._task') IS NOT NULL "
	"BEGIN UPDATE tasks SET done_record = NEW.uuid, updated_at = NEW.finalized_at,"
	"  state = CASE state WHEN 'cancelled' THEN 'done-after-cancel' ELSE 'done' END "
	"  WHERE uuid = json_extract(NEW.answers, '$._task') AND done_record IS NULL; END;"
	/* The supervisor's decision on a verification record closes its case or reopens it. */
	"CREATE TRIGGER reviews_close_the_case AFTER INSERT ON reviews "
	"BEGIN UPDATE tasks SET updated_at = NEW.decided_at,"
	"  state = CASE NEW.decision WHEN 'approved' THEN 'closed' ELSE 'reopened' END "
	"  WHERE done_record = NEW.record_uuid AND state IN ('done','closed','reopened'); END;";

static const char migration_7[] =
	/*
	 * Patrol tracks (docs/coverage.md): the points an inspector's handheld
	 * kept while on duty, thinned, in integers (microdegrees, whole metres,
	 * UTC seconds).  gap says why the track breaks before a point (0: it
	 * goes on from the point before).  On the handheld sent_at turns set
	 * once the depot has them; at the depot received_from names the device
	 * whose token delivered them.  One point per device, inspector and
	 * second, so a point sent twice is stored once.
	 */
	"CREATE TABLE track_points ("
	"  id INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL,"
	"  inspector TEXT NOT NULL,"
	"  day TEXT NOT NULL,"
	"  t INTEGER NOT NULL,"
	"  lat INTEGER NOT NULL,"
	"  lon INTEGER NOT NULL,"
	"  acc INTEGER NOT NULL,"
	"  gap INTEGER NOT NULL,"
	"  sent_at TEXT,"
	"  received_from TEXT,"
	"  UNIQUE (device, inspector, t)"
	");"
	"CREATE INDEX track_points_by_day ON track_points(day, inspector, device, t);"
	"CREATE INDEX track_points_unsent ON track_points(sent_at, id);";

static const char migration_8[] =
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
	migration_7,
	migration_8,
};
