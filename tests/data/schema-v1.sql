-- A database as the first release of fieldcheck left it (schema version 1),
-- for the migration tests.  Kept as SQL so that the fixture is readable.
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  form_id TEXT NOT NULL,
  form_version TEXT NOT NULL,
  form_hash TEXT NOT NULL,
  inspector TEXT NOT NULL,
  device TEXT NOT NULL,
  replaces TEXT,
  status TEXT NOT NULL CHECK (status IN ('draft','final','bundled','sent')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finalized_at TEXT,
  day TEXT NOT NULL,
  pos_source TEXT NOT NULL CHECK (pos_source IN ('none','gpsd','manual')),
  lat REAL, lon REAL, alt_m REAL, accuracy_m REAL,
  fix_mode INTEGER, satellites INTEGER, hdop REAL, fix_time TEXT, fix_age_s REAL,
  pos_reason TEXT,
  answers TEXT NOT NULL
);
CREATE INDEX records_by_day ON records(day, created_at);
CREATE INDEX records_by_status ON records(status, created_at);
CREATE INDEX records_by_inspector ON records(inspector, day);
CREATE INDEX records_by_form ON records(form_id, day);
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, status,
  created_at, updated_at, finalized_at, day, pos_source, lat, lon, accuracy_m, fix_mode,
  satellites, fix_time, answers)
VALUES ('6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab', 'road', '1', 'aaaa', 'wang.li', 'hh-07',
  'final', '2026-10-01T01:02:03.000Z', '2026-10-01T01:02:03.000Z', '2026-10-01T01:02:03.000Z',
  '2026-10-01', 'gpsd', 31.2304, 121.4737, 4.5, 3, 9, '2026-10-01T01:02:02.000Z',
  '{"asset_id":"R-12","subsidence":"yes","subsidence_severity":"severe","note":"路面沉陷"}');
PRAGMA application_id = 1178815281;
PRAGMA user_version = 1;
