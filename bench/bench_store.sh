#!/bin/sh
# Store figures (issue 2), each beside an anchor measured in this run:
#   save one finalized record durably      vs the sqlite3 CLI's durable INSERT
#   list one day (~300) of 100,000 records vs the sqlite3 CLI's SELECT of that day
#                                          (each a process, output to /dev/null)
#   peak RSS of `fieldcheck list`          vs the sqlite3 CLI printing the same rows
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/$BUILD/bench/store_bench"
FIELDCHECK="$TOP/$BUILD/fieldcheck"
WORK=$(mktemp -d "$TOP/$BUILD/bench-store.XXXXXX")  # on the build's filesystem, not tmpfs
trap 'rm -rf "$WORK"' EXIT
N=300

# The anchor is the sqlite3 CLI, which scripts/deps.sh installs: without it, a failure.
if ! command -v sqlite3 > /dev/null; then
	echo "store: FAILED: the anchor sqlite3 is not installed (scripts/deps.sh installs it)"
	exit 1
fi

# verdict VALUE OP GOAL: MET or MISSED
verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }

# ---- durable save ----
set -- $("$BENCH" save "$WORK/save.db" "$N")
ours_median=$1 ours_mean=$2
# The anchor: the same row, the same schema and pragmas, N autocommit INSERTs
# in one sqlite3 session; its per-insert cost is (N inserts - 0 inserts) / N.
"$BENCH" save "$WORK/cli.db" 0 > /dev/null   # the schema, no row
row=$(sqlite3 "$WORK/save.db" "SELECT quote(form_id)||','||quote(form_version)||','||quote(form_hash)||','||quote(inspector)||','||quote(device)||','||quote(created_at)||','||quote(updated_at)||','||quote(finalized_at)||','||quote(day)||','||quote(answers) FROM records LIMIT 1")
python3 - "$N" "$row" > "$WORK/inserts.sql" <<'PY'
import sys, uuid
n, row = int(sys.argv[1]), sys.argv[2]
print("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
for i in range(n):
    print("INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, created_at,"
          " updated_at, finalized_at, day, answers, status, pos_source) VALUES ('%s', %s, 'final', 'none');"
          % (uuid.uuid4(), row))
PY
head -1 "$WORK/inserts.sql" > "$WORK/none.sql"
anchor_us=$(python3 "$TOP/bench/sqlite_anchor.py" "$WORK/cli.db" "$WORK/none.sql" "$WORK/inserts.sql" INSERT)
ratio=$(python3 -c "print('%.2f' % ($ours_mean / $anchor_us))")
echo "store.save_durable: median ${ours_median} us, mean ${ours_mean} us  anchor sqlite3 CLI mean ${anchor_us} us/insert  ratio(mean) ${ratio}  goal <= 1.5  $(verdict "$ratio" '<=' 1.5)"

# ---- 100,000 records over 334 days ----
# Test data: one real record copied 100,000 times with new UUIDs, ~300 a day.
sqlite3 "$WORK/save.db" > /dev/null <<'SQL'
PRAGMA journal_mode=WAL;
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, replaces, status,
  created_at, updated_at, finalized_at, day, pos_source, lat, lon, accuracy_m, answers)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000 - (SELECT count(*) FROM records))
SELECT lower(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-a'||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6))),
  r.form_id, r.form_version, r.form_hash, 'inspector-' || (i % 20), r.device, NULL, 'final',
  strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i / 300) || ' days', '+' || (i % 300) || ' minutes'),
  r.updated_at, r.finalized_at, date('2026-01-01', '+' || (i / 300) || ' days'), 'manual',
  31.2 + (i % 100) / 1000.0, 121.4 + (i % 77) / 1000.0, 5, r.answers
FROM n, (SELECT * FROM records LIMIT 1) AS r;
SQL
total=$(sqlite3 "$WORK/save.db" "SELECT count(*) FROM records")
# Both as a process each, writing to the same sink (/dev/null), interleaved
# so that both see the same load: `fieldcheck list --day` against the sqlite3
# CLI's SELECT of the same day.
list_count=$("$FIELDCHECK" --db "$WORK/save.db" list --day 2026-06-01 | wc -l | tr -d ' ')
set -- $(python3 - "$FIELDCHECK" "$WORK/save.db" <<'PY'
import subprocess, sys, time
fc, db = sys.argv[1], sys.argv[2]
ours = [fc, "--db", db, "list", "--day", "2026-06-01"]
anchor = ["sqlite3", db, "SELECT * FROM records WHERE day = '2026-06-01'"]
def once(argv):
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
a, b = [], []
for _ in range(30):
    a.append(once(ours))
    b.append(once(anchor))
med = lambda ts: sorted(ts)[len(ts) // 2] * 1e3
print("%.2f %.2f" % (med(a), med(b)))
PY
)
list_ms=$1 anchor_list=$2
ratio=$(python3 -c "print('%.2f' % ($list_ms / $anchor_list))")
echo "store.list_day: fieldcheck list --day ${list_ms} ms for ${list_count} of ${total} records (process, median of 30)  anchor sqlite3 CLI same SELECT ${anchor_list} ms (process, same sink)  ratio ${ratio}  goal <= 1.2  $(verdict "$ratio" '<=' 1.2)"

# ---- peak RSS ----
rss() { "$TOP/$BUILD/bench/peak_rss" "$@" | awk '{ printf "%.2f", $1 / 1024 }'; }
ours_rss=$(rss "$FIELDCHECK" --db "$WORK/save.db" list)
day_rss=$(rss "$FIELDCHECK" --db "$WORK/save.db" list --day 2026-06-01 --json)
anchor_rss=$(rss sqlite3 "$WORK/save.db" "SELECT * FROM records")
ratio=$(python3 -c "print('%.2f' % ($ours_rss / $anchor_rss))")
echo "store.list_peak_rss: ${ours_rss} MiB listing all ${total} (${day_rss} MiB one day as JSON)  anchor sqlite3 CLI all rows ${anchor_rss} MiB  ratio ${ratio}  goal <= 8 MiB  $(verdict "$ours_rss" '<=' 8)"
