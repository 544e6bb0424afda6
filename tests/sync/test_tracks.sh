#!/bin/sh
# The patrol track goes up with the records: a handheld with records and two
# days of track points syncs to a real depot; the records go first, then a
# track bundle (gzip NDJSON: zcat | jq reads it, delta-encoded integers);
# the depot holds the same points per inspector and day, noting the device;
# sending them again stores nothing twice; a track of another device in the
# bundle is refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_tools "track sync suite" jq sqlite3

SEED="$TOP/$BUILD/tools/track_seed"
depot_init && depot_start
check "depot serves /v1/health" health "$PORT"

check "3 records made" make_records "$HH" 3
# Two days of walking, as the recorder keeps it (2026-11-29 and -30, 09:00 in Shanghai).
check "a day's walk seeded" sh -c "'$SEED' '$HH' --walk hh1 wang 1796000400 2 31.2304 121.4737 >/dev/null"
check "another day's walk seeded" sh -c "'$SEED' '$HH' --walk hh1 wang 1795914000 1 31.2310 121.4750 >/dev/null"
"$FIELDCHECK" --db "$HH" track > "$SCRATCH/hh.tracks"
check "two lines on the handheld, one per day" test "$(wc -l < "$SCRATCH/hh.tracks")" = 2

# Frozen while the depot is away: the bundle is gzip NDJSON that zcat and jq read.
dead=$(free_port)
sync_to "http://127.0.0.1:$dead" --once > /dev/null 2>&1
sqlite3 "$HH" "SELECT writefile('$SCRATCH/track.gz', bytes) FROM outbox WHERE record_count = 0" > /dev/null
check "a track bundle of its own is frozen" test -s "$SCRATCH/track.gz"
readable() {
	zcat "$SCRATCH/track.gz" | jq -s -e '.[0].record_count == 0 and .[0].tracks == 2 and
		(.[1:] | all(.track == 1 and (.t | length) == (.lat | length)))' > /dev/null
}
check "zcat | jq reads it: a header with tracks 2, then delta-encoded lines" readable
check "bundle check validates it with the depot's decoder" \
	sh -c "'$FIELDCHECK' bundle check '$SCRATCH/track.gz' | grep -q '^ok .* hh1 2 track lines$'"

sync_to "http://127.0.0.1:$PORT" > "$SCRATCH/sync.out" 2> "$SCRATCH/sync.err"
check "fieldcheck sync exits 0" test $? -eq 0
check "the depot holds the 3 records" test "$(depot_count)" = 3
"$FIELDCHECK" --db "$DEPOT_DB" track > "$SCRATCH/depot.tracks"
check "the depot holds the same points, per inspector and day" cmp -s "$SCRATCH/hh.tracks" "$SCRATCH/depot.tracks"
check "each point notes the device that delivered it" \
	test "$(sqlite3 "$DEPOT_DB" "SELECT count(*) FROM track_points WHERE received_from = 'hh1'")" -gt 100
unsent() { sqlite3 "$HH" "SELECT count(*) FROM track_points WHERE sent_at IS NULL"; }
check "nothing left unsent on the handheld" test "$(unsent)" = 0
check "no bundle left unsent" test "$(sqlite3 "$HH" 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" = 0

# The same points again (a device that died before marking them): stored once.
sqlite3 "$HH" "UPDATE track_points SET sent_at = NULL"
sync_to "http://127.0.0.1:$PORT" > /dev/null 2>&1
check "sent again: the depot still holds each point once" \
	test "$(sqlite3 "$DEPOT_DB" 'SELECT count(*) FROM track_points')" = \
	"$(sqlite3 "$HH" 'SELECT count(*) FROM track_points')"

# Another device's track inside hh1's bundle: refused, set aside on the handheld.
sed 's/"device":"hh1"/"device":"hh9"/' "$SCRATCH/hh.tracks" | head -n 1 > "$SCRATCH/forged"
check "a forged line seeded" sh -c "'$SEED' '$HH' < '$SCRATCH/forged'"
sync_to "http://127.0.0.1:$PORT" --once > /dev/null 2> "$SCRATCH/forged.err"
check "the depot refuses a bundle carrying another device's track" \
	grep -q 'status=400 result=undecodable' "$DEPOT_LOG"
aside() {
	sqlite3 "$HH" "SELECT refused_reason FROM outbox WHERE refused_at IS NOT NULL" |
		grep -q 'a track of device hh9 in a bundle of hh1'
}
check "and the handheld keeps it aside, with the depot's reason" aside
