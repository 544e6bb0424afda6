#!/bin/sh
# TUI figures (issue 5), each beside anchors measured in this run, in the
# same pseudo-terminal (80x24, TERM=screen) by bench/tui_probe.c:
#   time to the first painted home screen, 100,000 records   vs htop, cgps
#   idle CPU on the home screen for 60 s with a 1 Hz GPS feed vs cgps on the same feed
#   peak RSS over that minute, 100,000 records               vs htop, cgps
#     twice: with no depot configured (sync off), and with a depot `server`
#     configured that does not answer (the worker offline, retrying) on a
#     copy of the database.  The sync worker is a child process
#     (fieldcheck-sync); the goal is judged on the sum of the screen's and the
#     worker's peaks (both printed), and the worker's CPU counts in idle CPU.
# TUI_BENCH_SECONDS shortens the idle window for a quick look.
set -u
: "${BUILD:=build}" "${TUI_BENCH_SECONDS:=60}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
PROBE="$TOP/$BUILD/bench/tui_probe"
FC="$TOP/$BUILD/fieldcheck"
WORK=$(mktemp -d "$TOP/$BUILD/bench-tui.XXXXXX")
. "$TOP/scripts/gpsfake.sh"
trap 'gpsfake_stop; rm -rf "$WORK"' EXIT
export TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai XDG_CONFIG_HOME="$WORK/cfg"
INSPECTOR=insp-bench

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }
field() { sed -n "s/\(^\|.* \)$1=\([-0-9.]*\).*/\2/p"; }
mib() { echo "$(($1 / 1024)).$(( ($1 % 1024) * 10 / 1024 ))"; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for t in htop cgps sqlite3; do
	if ! command -v "$t" >/dev/null; then
		echo "tui: FAILED: the anchor $t is not installed (scripts/deps.sh installs it)"
		exit 1
	fi
done

# ---- 100,000 records: one real record, copied with new UUIDs over ~333 days ----
DB="$WORK/100k.db"
"$FC" --db "$DB" record add --form road --inspector "$INSPECTOR" --at 31.2304,121.4737,5 \
	asset_id="Jiefang Rd 120" road_class=arterial condition=poor pothole=severe pothole_count=3 > /dev/null || exit 1
sqlite3 "$DB" > /dev/null <<'SQL'
PRAGMA journal_mode=WAL;
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, replaces, status,
  created_at, updated_at, finalized_at, day, pos_source, lat, lon, accuracy_m, answers)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
SELECT lower(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-a'||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6))),
  r.form_id, r.form_version, r.form_hash,
  CASE WHEN i % 20 = 0 THEN r.inspector ELSE 'insp-' || (i % 20) END, r.device, NULL,
  CASE WHEN i % 20000 = 0 THEN 'draft' WHEN i < 300 THEN 'final' ELSE 'sent' END,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i / 300) || ' days', '-' || (i % 300) || ' minutes'),
  r.updated_at, CASE WHEN i % 20000 = 0 THEN NULL ELSE r.finalized_at END,
  date('now', 'localtime', '-' || (i / 300) || ' days'), 'manual', r.lat, r.lon, r.accuracy_m, r.answers
FROM n, (SELECT * FROM records LIMIT 1) AS r;
SQL
count=$(sqlite3 "$DB" "SELECT count(*) FROM records")

if ! gpsfake_start "$TOP/tests/data/patrol.log"; then
	echo "tui: FAILED: gpsfake did not start, so there is no GPS feed to measure on"
	exit 1
fi
GPSD="127.0.0.1:$GPSFAKE_PORT"

# ---- startup: median of 5 runs each ----
for i in 1 2 3 4 5; do
	"$PROBE" -- "$FC" --bench-startup --db "$DB" --gpsd "$GPSD" --inspector "$INSPECTOR" |
		field startup_ms
done | median > "$WORK/fc"
for i in 1 2 3 4 5; do "$PROBE" -- htop | field startup_ms; done | median > "$WORK/htop"
for i in 1 2 3 4 5; do "$PROBE" -- cgps "$GPSD" | field startup_ms; done | median > "$WORK/cgps"
fc=$(cat "$WORK/fc") htop=$(cat "$WORK/htop") cg=$(cat "$WORK/cgps")
echo "tui.startup_first_frame ($count records): ${fc} ms  anchor htop ${htop} ms, cgps ${cg} ms  ratio(htop) $(python3 -c "print('%.2f' % ($fc / $htop))")  goal <= 50 ms  $(verdict "$fc" '<=' 50)"

# ---- idle CPU and peak RSS: fieldcheck and cgps side by side on the same feed ----
# The configured case: a depot that is not there (port 9, nothing listens),
# a real token file, and its own copy of the database (the worker bundles).
DB2="$WORK/100k-sync.db"
sqlite3 "$DB" ".backup '$DB2'"
mkdir -p "$WORK/cfg2/fieldcheck"
printf 'bench-token\n' > "$WORK/token" && chmod 600 "$WORK/token"
printf 'server = http://127.0.0.1:9\ntoken_file = %s\ndevice = hh-bench\n' "$WORK/token" \
	> "$WORK/cfg2/fieldcheck/config"
"$PROBE" -c "$TUI_BENCH_SECONDS" -- "$FC" --db "$DB" --gpsd "$GPSD" --inspector "$INSPECTOR" > "$WORK/fc-idle" &
p1=$!
XDG_CONFIG_HOME="$WORK/cfg2" "$PROBE" -c "$TUI_BENCH_SECONDS" -- \
	"$FC" --db "$DB2" --gpsd "$GPSD" --inspector "$INSPECTOR" > "$WORK/fc-sync-idle" &
p3=$!
"$PROBE" -c "$TUI_BENCH_SECONDS" -- cgps "$GPSD" > "$WORK/cgps-idle" &
p2=$!
"$PROBE" -- htop > "$WORK/htop-rss"
wait "$p1" "$p2" "$p3"
fc_cpu=$(field cpu_pct < "$WORK/fc-idle") cg_cpu=$(field cpu_pct < "$WORK/cgps-idle")
fs_cpu=$(field cpu_pct < "$WORK/fc-sync-idle")
fc_rss=$(field rss_kib < "$WORK/fc-idle") cg_rss=$(field rss_kib < "$WORK/cgps-idle")
fs_rss=$(field rss_kib < "$WORK/fc-sync-idle") fs_child=$(field child_rss_kib < "$WORK/fc-sync-idle")
htop_rss=$(field rss_kib < "$WORK/htop-rss")
echo "tui.idle_cpu (${TUI_BENCH_SECONDS} s, 1 Hz GPS): ${fc_cpu} %  anchor cgps ${cg_cpu} %  ratio $(python3 -c "c=$cg_cpu; print('%.2f' % ($fc_cpu / c) if c > 0 else 'n/a')")  goal < 0.5 %  $(verdict "$fc_cpu" '<=' 0.499)"
echo "tui.idle_cpu_sync_offline (${TUI_BENCH_SECONDS} s, 1 Hz GPS, depot configured but away; screen + sync worker): ${fs_cpu} %  anchor cgps ${cg_cpu} %  ratio $(python3 -c "c=$cg_cpu; print('%.2f' % ($fs_cpu / c) if c > 0 else 'n/a')")  goal < 0.5 %  $(verdict "$fs_cpu" '<=' 0.499)"
echo "tui.peak_rss ($count records, sync off): $(mib "$fc_rss") MiB  anchor htop $(mib "$htop_rss") MiB, cgps $(mib "$cg_rss") MiB  ratio(htop) $(python3 -c "print('%.2f' % ($fc_rss / $htop_rss))")  goal <= 8 MiB  $(verdict "$fc_rss" '<=' 8192)"
fs_sum=$((fs_rss + fs_child))
echo "tui.peak_rss_sync_offline ($count records, depot configured but away; screen + sync worker, goal judged on the sum): $(mib "$fs_sum") MiB = screen $(mib "$fs_rss") MiB + worker $(mib "$fs_child") MiB  anchor htop $(mib "$htop_rss") MiB, cgps $(mib "$cg_rss") MiB  ratio(htop) $(python3 -c "print('%.2f' % ($fs_sum / $htop_rss))")  goal <= 8 MiB  $(verdict "$fs_sum" '<=' 8192)"
