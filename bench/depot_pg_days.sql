-- Synthetic records for bench/bench_depot_pg.sh's day load: :days days of
-- 3,000 road records each (answers as a handheld writes them, one severe
-- pothole), and a decision on every tenth record.  psql -v days=N.
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, status, created_at,
  updated_at, day, pos_source, lat, lon, accuracy_m, answers, received_from, received_in,
  content_sha256)
SELECT md5(i::text)::uuid::text, 'road', '1', 'bench', 'insp' || (i % 500), 'hh' || (i % 300),
  'sent', to_char(d + (i % 3000) * interval '28 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  to_char(d, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(d, 'YYYY-MM-DD'), 'gpsd', 31.2, 121.4, 5,
  ('{"asset_id":"R-' || i || '","road_class":"arterial","condition":"fair","pothole":"yes","pothole_severity":"severe","pothole_count":"3","pothole_note":"坑槽, 深约 8 cm"}')::json,
  'hh' || (i % 300), 'b' || (i / 500), md5(i::text)
FROM (SELECT i, date '2025-01-01' + (i / 3000) AS d
      FROM generate_series(0, :days * 3000 - 1) AS i) AS s;
INSERT INTO reviews (record_uuid, decision, reviewer, decided_at)
SELECT md5(i::text)::uuid::text, 'approved', 'sup', '2026-01-01T00:00:00Z'
FROM generate_series(0, :days * 3000 - 1, 10) AS i;
ANALYZE;
