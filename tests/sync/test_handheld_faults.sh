#!/bin/sh
# Faults on the handheld's side of a sync: a directory given as --db, a FIFO
# as the token file, a mistyped database path, and two syncs of one
# database at once.  Each ends with a clear message, nothing created and
# nothing lost.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init && depot_start
URL="http://127.0.0.1:$PORT"

# ---- A directory as --db: a message, never a crash (8 of 10 runs segfaulted). ----
mkdir "$SCRATCH/adir"
status_on_dir() {
	_i=0
	while [ "$_i" -lt 10 ]; do
		"$FIELDCHECK" --db "$SCRATCH/adir" sync --status > /dev/null 2> "$SCRATCH/dir.err"
		[ $? -eq 1 ] || return 1
		grep -q 'not a regular file' "$SCRATCH/dir.err" || return 1
		_i=$((_i + 1))
	done
}
check "sync --status with a directory as --db: 10 runs, each exits 1 saying so" status_on_dir

# ---- A FIFO as the token file: refused at once, not a hang. ----
mkfifo -m 600 "$SCRATCH/token.fifo"
make_records "$HH" 3 || not_ok "records made"
timeout 10 "$FIELDCHECK" --db "$HH" sync --server "$URL" --device hh1 \
	--token-file "$SCRATCH/token.fifo" --once > /dev/null 2> "$SCRATCH/fifo.err"
st=$?
check "a FIFO token file: sync exits 1 (not killed by the 10 s timeout: $st)" test "$st" -eq 1
check "a FIFO token file: says it is not a regular file" grep -q 'token.fifo: not a regular file' "$SCRATCH/fifo.err"
check "a FIFO token file: the records are still queued" test "$(queued)" = 3

# ---- A mistyped path: read-only commands create nothing. ----
NOWHERE="$SCRATCH/no-such-dir/x.db"
read_only_refuses() {
	"$FIELDCHECK" --db "$NOWHERE" "$@" > /dev/null 2> "$SCRATCH/ro.err"
	[ $? -eq 1 ] || return 1
	grep -q "no-such-dir/x.db: no such database" "$SCRATCH/ro.err" || return 1
	test ! -e "$SCRATCH/no-such-dir"
}
check "list on a mistyped path fails and creates nothing" read_only_refuses list
check "list --json on a mistyped path fails and creates nothing" read_only_refuses list --json
check "outbox list on a mistyped path fails and creates nothing" read_only_refuses outbox list
check "sync --status on a mistyped path fails and creates nothing" read_only_refuses sync --status
check "report on a mistyped path fails and creates nothing" read_only_refuses report --day 2026-01-01
check "export on a mistyped path fails and creates nothing" \
	read_only_refuses export --day 2026-01-01 --format csv
check "record add still creates its database" sh -c "'$FIELDCHECK' --db '$SCRATCH/new/x.db' \
	--forms '$FORMS' record add --form road --inspector alice asset_id=R-1 road_class=arterial \
	condition=fair subsidence=none pothole=none > /dev/null && test -s '$SCRATCH/new/x.db'"

# ---- Two syncs of one database at once: one drains, the other waits. ----
# A slow uplink keeps the first one busy while the second starts.
rm -f "$HH"*
make_records "$HH" 120 || not_ok "records made"
PX=$(free_port)
python3 "$NETFAULT" proxy "$PX" "$PORT" --delay-up 0.3 &
PXPID=$!
at_exit "kill $PXPID 2>/dev/null"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PX))"
sync_to "http://127.0.0.1:$PX" --max-bundle 1024 > "$SCRATCH/a.out" 2> "$SCRATCH/a.err" &
A=$!
at_exit "kill $A 2>/dev/null"
wait_for 20 grep -q '^sent ' "$SCRATCH/a.err"
sync_to "http://127.0.0.1:$PX" --max-bundle 1024 > "$SCRATCH/b.out" 2> "$SCRATCH/b.err" &
B=$!
at_exit "kill $B 2>/dev/null"
wait "$A"
sta=$?
wait "$B"
stb=$?
check "two syncs at once: the first exits 0" test "$sta" -eq 0
check "two syncs at once: the second exits 0" test "$stb" -eq 0
check "two syncs at once: the second said a sync was running" \
	grep -q 'another sync of .* is running' "$SCRATCH/b.err"
check "two syncs at once: no constraint error" sh -c "! grep -qi 'constraint' '$SCRATCH/a.err' '$SCRATCH/b.err'"
check "two syncs at once: nothing queued" test "$(queued)" = 0
check "two syncs at once: the depot holds each record once" test "$(depot_unique)" = 120
# --once does not wait: it says so and fails.
flock_held() {
	# fieldcheck's drain lock is a flock(2) on the database file itself.
	flock -x "$HH" sh -c "'$FIELDCHECK' --db '$HH' sync --server '$URL' --device hh1 \
		--token-file '$TOKEN' --once 2> '$SCRATCH/once.err'; test \$? -eq 1" &&
		grep -q 'another sync of .* is running' "$SCRATCH/once.err"
}
check "sync --once while another sync holds the database: says so and exits 1" flock_held
