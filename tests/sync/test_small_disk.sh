#!/bin/sh
# A handheld whose disk is full or nearly full: reading still works and
# writes nothing, and a drain makes progress, stops saying why before the
# disk is full, and finishes once there is room.  Needs a small tmpfs
# (root); skips with the reason otherwise.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
small_disk 4m

N=1000
depot_init && depot_start
make_records "$SCRATCH/base.db" "$N" || not_ok "records made"
cp "$SCRATCH/base.db" "$TINY/hh.db"
HH="$TINY/hh.db"
DAY=$("$FIELDCHECK" --db "$SCRATCH/base.db" list --json --limit 1 | jq -r .day)

# ---- A full disk: every read-only command works and writes nothing. ----
dd if=/dev/zero of="$TINY/fill" bs=4k > /dev/null 2>&1
check "the disk is full" test "$(df -k --output=avail "$TINY" | tail -1 | tr -d ' ')" -eq 0
check "full disk: list prints all $N records" test "$("$FIELDCHECK" --db "$HH" list | wc -l)" -eq "$N"
check "full disk: outbox list works" "$FIELDCHECK" --db "$HH" outbox list
check "full disk: sync --status says $N queued" test "$(queued)" = "$N"
quietly() { "$@" > /dev/null 2>&1; }
check "full disk: export works" quietly "$FIELDCHECK" --db "$HH" export --day "$DAY" --format csv --output -
check "full disk: report works" quietly "$FIELDCHECK" --db "$HH" report --day "$DAY"
check "full disk: the database file is unchanged" cmp -s "$HH" "$SCRATCH/base.db"

# ---- Nearly full (300 KiB free): the drain goes as far as the space allows. ----
rm -f "$TINY/fill"
fallocate -l $((($(df -k --output=avail "$TINY" | tail -1) - 300) * 1024)) "$TINY/fill"
sync_to "http://127.0.0.1:$PORT" --retry-for 5 > /dev/null 2> "$SCRATCH/low.err"
st=$?
sent=$("$FIELDCHECK" --db "$HH" list --status sent | wc -l)
check "300 KiB free: the drain sent records before stopping ($sent)" test "$sent" -gt 100
if [ "$st" -ne 0 ]; then
	check "300 KiB free: it stopped saying how much space is free" \
		grep -q 'stopped bundling: [0-9]* KiB free on the disk of' "$SCRATCH/low.err"
else
	ok "300 KiB free: the whole queue fitted"
fi
check "300 KiB free: never ran into a full disk" sh -c "! grep -q 'disk is full' '$SCRATCH/low.err'"
check "300 KiB free: the write-ahead log is left empty" sh -c "test ! -s '$HH-wal'"
check "300 KiB free: the depot holds what was marked sent" test "$(depot_unique)" -ge "$sent"

# ---- Room again: the rest goes. ----
rm -f "$TINY/fill"
sync_to "http://127.0.0.1:$PORT" > /dev/null 2> "$SCRATCH/rest.err"
check "room again: sync exits 0" test $? -eq 0
check "room again: nothing queued" test "$(queued)" = 0
check "room again: the depot holds all $N records once" test "$(depot_count)" = "$N"
check "room again: each exactly once" test "$(depot_unique)" = "$N"
answers "$HH" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "room again: depot answers identical to the handheld's" \
	cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"

# ---- Nothing queued on a nearly full disk: nothing to do is not a failure. ----
fallocate -l $((($(df -k --output=avail "$TINY" | tail -1) - 100) * 1024)) "$TINY/fill"
sync_to "http://127.0.0.1:$PORT" --once > /dev/null 2> "$SCRATCH/none.err"
check "100 KiB free, nothing queued: sync exits 0" test $? -eq 0
