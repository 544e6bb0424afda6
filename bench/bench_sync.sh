#!/bin/sh
# Sync figures (issue 6), each beside an anchor measured in this run:
#   bytes on the wire per record (both directions, headers included), in
#     batches of 50 and for a one-record bundle, vs an OpenRosa upload of the
#     same records (HEAD + multipart POST of the XML instance, with replies),
#     modelled: the bytes are computed, not captured from a real server
#   bundle build throughput vs gzip -6 on the same NDJSON bytes, and vs gzip -3
#     (the level the bundles are deflated at)
#   draining 10,000 records over loopback vs curl uploading the same bundle files;
#     a round that does not deliver all 10,000 records both ways fails the bench
# Servers (the depot, the byte-counting proxy) listen on port 0 and say which
# port they bound.  A missing tool is a failure, not a skip.
#   depot ingest with 8 devices at once vs the sqlite3 CLI importing the rows as CSV
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/$BUILD/bench/sync_bench"
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
NETFAULT="$TOP/tests/sync/netfault.py"
WORK=$(mktemp -d "$TOP/$BUILD/bench-sync.XXXXXX")
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME="$WORK/config"
# Records are stamped with the configured device, which the depot requires to be the token's.
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }
now() { python3 -c 'import time; print(time.perf_counter())'; }
fail() { echo "sync: FAILED: $*"; exit 1; }
for t in gzip curl openssl sqlite3 python3; do
	command -v "$t" >/dev/null || fail "$t is not installed (scripts/deps.sh installs it)"
done

. "$TOP/bench/lib.sh"

# start_depot DB [ARGS]: serves DB on a port it picks; sets DPID and DPORT.
start_depot() {
	_db=$1
	shift
	_log="$WORK/depot.$$.$(date +%s%N).log"
	"$DEPOT" --db "$_db" serve --listen 127.0.0.1:0 "$@" 2> "$_log" &
	DPID=$!
	PIDS="$PIDS $DPID"
	DPORT=$(port_of "$_log") || fail "the depot did not start (see $_log)"
}

# ---- Bytes on the wire per record ----
# Records made the way an inspector makes them (record add, road checklist).
mkrec() {
	"$FIELDCHECK" --db "$1" --forms "$TOP/forms/checklists" record add --form road --inspector alice \
		--at "31.2$(($2 % 10))41,121.4$(($2 % 7))73,4" "asset_id=解放路 $2 号前" road_class=arterial \
		condition=fair pothole=moderate pothole_count=$(($2 % 9 + 1)) \
		"pothole_note=靠近公交站，积水" markings=none subsidence=none > /dev/null
}
"$DEPOT" --db "$WORK/wire.db" device add hh1 > "$WORK/token"
chmod 600 "$WORK/token"
start_depot "$WORK/wire.db"
python3 "$NETFAULT" proxy 0 "$DPORT" --count "$WORK/count" > "$WORK/proxy.out" &
PIDS="$PIDS $!"
PX=$(port_of "$WORK/proxy.out") || fail "the counting proxy did not start"
# count_lines N: waits (up to 10 s) until the proxy has written N count lines,
# one per connection, each when the connection closes.
count_lines() {
	_i=0
	while [ "$(wc -l < "$WORK/count")" -lt "$1" ]; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && return 1
		sleep 0.05
	done
}
wire() {  # wire DB RECORDS_PER_BUNDLE BUNDLES -> bytes per record (ours)
	: > "$WORK/count"
	i=0
	while [ $i -lt $(($2 * $3)) ]; do
		mkrec "$1" $i
		i=$((i + 1))
		if [ $((i % $2)) -eq 0 ]; then
			"$FIELDCHECK" --db "$1" sync --server "http://127.0.0.1:$PX" --device hh1 \
				--token-file "$WORK/token" --once > /dev/null 2>&1 || return 1
			# Each sync is one connection: its count line is written when it closes.
			count_lines $((i / $2)) || return 1
		fi
	done
	awk -v n=$(($2 * $3)) '{ s += $1 + $2 } END { printf "%.0f\n", s / n }' "$WORK/count"
}
ours50=$(wire "$WORK/w50.db" 50 2) || fail "wire bytes: a sync or its count line failed (50 a bundle)"
ours1=$(wire "$WORK/w1.db" 1 20) || fail "wire bytes: a sync or its count line failed (1 a bundle)"
"$FIELDCHECK" --db "$WORK/w50.db" list --json > "$WORK/records.json"
openrosa=$(python3 - "$WORK/records.json" <<'PY'
# One ODK Collect submission per record, built to the OpenRosa Form
# Submission API: a HEAD to learn the server's limits (with its 204 reply),
# then a multipart/form-data POST of the XML instance (with its 201 reply and
# OpenRosa response XML).  Digest authentication as Collect does it after the
# first challenge.  Bytes counted per record; TCP/TLS not counted (as for ours).
import json, sys, uuid
from xml.sax.saxutils import escape
recs = [json.loads(l) for l in open(sys.argv[1])]
host = "depot.example.gov.cn"
auth = ('Authorization: Digest username="alice", realm="fieldcheck", nonce="%s", '
        'uri="/submission", response="%s", qop=auth, nc=00000001, cnonce="%s", algorithm=MD5'
        % ("a" * 32, "b" * 32, "c" * 16))
ua = "User-Agent: org.odk.collect.android/v2024.2.4 okhttp/4.12.0 Dalvik/2.1.0 (Linux; U; Android 12; RG-T1 Build/SP1A)"
date = "Date: Tue, 24 Nov 2026 08:15:02 GMT"
total = 0
for r in recs:
    head = "\r\n".join(["HEAD /submission?deviceID=collect%3Aabc123def456 HTTP/1.1", "X-OpenRosa-Version: 1.0",
                        date, auth, ua, "Host: " + host, "Connection: Keep-Alive", "Accept-Encoding: gzip", "", ""])
    head_reply = "\r\n".join(["HTTP/1.1 204 No Content", "X-OpenRosa-Version: 1.0",
                              "X-OpenRosa-Accept-Content-Length: 10485760", "Location: https://%s/submission" % host,
                              date, "Content-Length: 0", "", ""])
    p = r["position"]
    fields = "".join("<%s>%s</%s>" % (k, escape(v), k) for k, v in r["answers"].items())
    xml = ('<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
           'xmlns:orx="http://openrosa.org/xforms" id="%s" version="%s"><start>%s</start><end>%s</end>'
           '<today>%s</today><deviceid>collect:abc123def456</deviceid><username>%s</username>'
           '<location>%s %s %s %s</location>%s<meta><instanceID>uuid:%s</instanceID></meta></data>'
           % (r["form_id"], r["form_version"], r["created_at"], r["finalized_at"], r["day"], r["inspector"],
              p["lat"], p["lon"], p["alt_m"] or 0, p["accuracy_m"] or 0, fields, r["uuid"]))
    boundary = uuid.uuid4().hex
    body = ("--%s\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"submission.xml\"\r\n"
            "Content-Type: text/xml; charset=utf-8\r\n\r\n%s\r\n--%s--\r\n" % (boundary, xml, boundary))
    post = "\r\n".join(["POST /submission?deviceID=collect%3Aabc123def456 HTTP/1.1", "X-OpenRosa-Version: 1.0",
                        date, auth, "Content-Type: multipart/form-data; boundary=" + boundary,
                        "Content-Length: %d" % len(body.encode()), ua, "Host: " + host,
                        "Connection: Keep-Alive", "Accept-Encoding: gzip", "", ""]) + body
    msg = ('<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="1">'
           '<message nature="submit_success">Form received successfully</message></OpenRosaResponse>')
    post_reply = "\r\n".join(["HTTP/1.1 201 Created", "X-OpenRosa-Version: 1.0",
                              "X-OpenRosa-Accept-Content-Length: 10485760", "Location: https://%s/submission" % host,
                              "Content-Type: text/xml; charset=utf-8", date,
                              "Content-Length: %d" % len(msg.encode()), "", ""]) + msg
    total += sum(len(s.encode()) for s in (head, head_reply, post, post_reply))
print("%.0f" % (total / len(recs)))
PY
)
r50=$(python3 -c "print('%.3f' % ($ours50 / $openrosa))")
r1=$(python3 -c "print('%.3f' % ($ours1 / $openrosa))")
echo "sync.wire_bytes_per_record_batch50: ${ours50} B  anchor OpenRosa HEAD+POST (modelled) ${openrosa} B  ratio ${r50}  goal <= 0.0667  $(verdict "$r50" '<=' 0.0667)"
echo "sync.wire_bytes_per_record_single: ${ours1} B  anchor OpenRosa HEAD+POST (modelled) ${openrosa} B  ratio ${r1}  goal <= 0.5  $(verdict "$r1" '<=' 0.5)"

# ---- Build throughput ----
"$BENCH" gen "$WORK/build.db" 10000 hh1 || exit 1
set -- $("$BENCH" build "$WORK/build.db" "$WORK/build.ndjson")
ours_mbs=$(python3 -c "print('%.1f' % ($1 / $2 / 1e6))")
# gzip_mbs LEVEL: gzip -LEVEL's best of 5 on the same NDJSON bytes, in MB/s.
gzip_mbs() {
	python3 - "$WORK/build.ndjson" "$1" "$bytes" <<'PY'
import subprocess, sys, time
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(["gzip", "-" + sys.argv[2]], stdin=open(sys.argv[1], "rb"), stdout=subprocess.DEVNULL, check=True)
    best = min(best, time.perf_counter() - t)
print("%.1f" % (float(sys.argv[3]) / best / 1e6))
PY
}
bytes=$1 level=$3
gzip6=$(gzip_mbs 6)
gzip3=$(gzip_mbs 3)
rb=$(python3 -c "print('%.2f' % ($ours_mbs / $gzip6))")
rb3=$(python3 -c "print('%.2f' % ($ours_mbs / $gzip3))")
echo "sync.bundle_build: ${ours_mbs} MB/s of NDJSON (records rendered + gzipped at deflate level $level)  anchor gzip -6 ${gzip6} MB/s  ratio ${rb}  goal >= 0.7  $(verdict "$rb" '>=' 0.7)"
echo "sync.bundle_build_same_level: ${ours_mbs} MB/s of NDJSON (deflate level $level)  anchor gzip -3 ${gzip3} MB/s  ratio ${rb3}  goal >= 0.7  $(verdict "$rb3" '>=' 0.7)"

# ---- Drain 10,000 records over loopback ----
# Seven rounds, each on fresh copies and fresh depots; the medians are
# printed, since one depot commit on this shared disk can take twice another
# and the ratio of one round to its anchor ran from 0.94 to 1.44 here.
: > "$WORK/drain.times"
for round in 1 2 3 4 5 6 7; do
	rm -rf "$WORK/files" "$WORK"/d1.db* "$WORK"/d2.db*
	cp "$WORK/build.db" "$WORK/drain.db"
	cp "$WORK/build.db" "$WORK/frozen.db"
	mkdir -p "$WORK/files"
	"$BENCH" freeze "$WORK/frozen.db" "$WORK/files" hh1 || exit 1
	"$DEPOT" --db "$WORK/d1.db" device add hh1 > "$WORK/t1" && chmod 600 "$WORK/t1"
	"$DEPOT" --db "$WORK/d2.db" device add hh1 > "$WORK/t2"
	start_depot "$WORK/d1.db"
	D1=$DPID P1=$DPORT
	t0=$(now)
	"$FIELDCHECK" --db "$WORK/drain.db" sync --server "http://127.0.0.1:$P1" --device hh1 --token-file "$WORK/t1" \
		--once > /dev/null 2>&1 || fail "sync.drain round $round: fieldcheck sync failed"
	t1=$(now)
	start_depot "$WORK/d2.db"
	D2=$DPID P2=$DPORT
	set --
	for f in "$WORK"/files/*.gz; do
		u=$(basename "$f" .gz)
		d=$(openssl dgst -sha256 -binary "$f" | base64 -w0)
		set -- "$@" --next -s -o /dev/null -f -X PUT --data-binary "@$f" -H "Authorization: Bearer $(cat "$WORK/t2")" \
			-H "Content-Type: application/gzip" -H "Repr-Digest: sha-256=:$d:" "http://127.0.0.1:$P2/v1/bundles/$u"
	done
	shift  # the first --next
	t2=$(now)
	curl "$@" || fail "sync.drain round $round: curl failed"
	t3=$(now)
	echo "$t0 $t1 $t2 $t3" >> "$WORK/drain.times"
	n1=$("$FIELDCHECK" --db "$WORK/d1.db" list | wc -l)
	n2=$("$FIELDCHECK" --db "$WORK/d2.db" list | wc -l)
	nb=$(ls "$WORK/files" | wc -l)
	[ "$n1" -eq 10000 ] || fail "sync.drain round $round: the depot holds $n1 records, not 10000"
	[ "$n2" -eq 10000 ] || fail "sync.drain round $round: curl's depot holds $n2 records, not 10000"
	kill "$D1" "$D2" 2>/dev/null
	wait "$D1" "$D2" 2>/dev/null
done
set -- $(python3 -c "
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
ours = statistics.median(r[1] - r[0] for r in rows)
anchor = statistics.median(r[3] - r[2] for r in rows)
print('%.2f %.2f %.2f' % (ours, anchor, ours / anchor))" "$WORK/drain.times")
ours=$1 anchor=$2 rd=$3
echo "sync.drain_10000: ${ours} s ($n1 records, $nb bundles, median of 7)  anchor curl PUT of the same bundles ${anchor} s  ratio ${rd}  goal <= 1.3  $(verdict "$rd" '<=' 1.3)"

# ---- Depot ingest, 8 devices at once ----
for d in 1 2 3 4 5 6 7 8; do
	"$DEPOT" --db "$WORK/d8.db" device add "hh$d" > "$WORK/tok$d" && chmod 600 "$WORK/tok$d"
	"$BENCH" gen "$WORK/hh$d.db" 1250 "hh$d" || exit 1
done
start_depot "$WORK/d8.db"
P3=$DPORT
t0=$(now)
pids=
for d in 1 2 3 4 5 6 7 8; do
	"$FIELDCHECK" --db "$WORK/hh$d.db" sync --server "http://127.0.0.1:$P3" --device "hh$d" \
		--token-file "$WORK/tok$d" --max-bundle 32768 > /dev/null 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
t1=$(now)
n8=$("$FIELDCHECK" --db "$WORK/d8.db" list | wc -l)
ours_rate=$(python3 -c "print('%.0f' % ($n8 / ($t1 - $t0)))")
# The anchor: the same rows exported as CSV and imported by the sqlite3 CLI
# into an empty table of the same schema (indexes and triggers included).
sqlite3 -csv "$WORK/d8.db" "SELECT * FROM records" > "$WORK/rows.csv"
# (the schema copied from the depot's database: `list` creates no database)
sqlite3 "$WORK/d8.db" .schema | grep -v '^CREATE TABLE sqlite_' | sqlite3 "$WORK/empty.db" ||
	fail "the anchor's empty database could not be made"
t2=$(now)
sqlite3 "$WORK/empty.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" ".import --csv $WORK/rows.csv records" > /dev/null
t3=$(now)
na=$(sqlite3 "$WORK/empty.db" "SELECT count(*) FROM records")
anchor_rate=$(python3 -c "print('%.0f' % ($na / ($t3 - $t2)))")
ri=$(python3 -c "print('%.2f' % ($ours_rate / $anchor_rate))")
echo "sync.depot_ingest_8_devices: ${ours_rate} records/s ($n8 records, 8 devices at once, bundles <= 32 KiB)  anchor sqlite3 .import CSV ${anchor_rate} rows/s  ratio ${ri}  goal >= 0.3  $(verdict "$ri" '>=' 0.3)"
