#!/bin/sh
# The supervisor PIN cannot be taken over from a shell: changing it needs
# the current one (or a reset that the database keeps), wrong PINs make the
# next try wait across restarts, and decisions cannot be rewritten.
. "$(dirname "$0")/../lib.sh"

DB="$SCRATCH/hh.db"
export XDG_CONFIG_HOME="$SCRATCH/config"
SUP() { "$FIELDCHECK" --db "$DB" supervisor "$@"; }
pin_ok() { printf '%s\n' "$1" | SUP check-pin 2>/dev/null; }

printf '2468\n2468\n' | SUP set-pin 2>/dev/null
check "the first PIN is set without a current one" pin_ok 2468

# ---- A set PIN changes only with the current one. ----
printf '1357\n1357\n' | SUP set-pin 2> "$SCRATCH/err"
st=$?
check "set-pin given only a new PIN twice fails (exit $st)" test "$st" -eq 1
check "and the PIN is unchanged" pin_ok 2468
printf '1111\n1357\n1357\n' | SUP set-pin 2> "$SCRATCH/err"
check "set-pin with a wrong current PIN fails" grep -q 'wrong current supervisor PIN' "$SCRATCH/err"
check "and the PIN is still unchanged" pin_ok 2468
printf '2468\n1357\n1357\n' | SUP set-pin 2>/dev/null
check "set-pin with the current PIN changes it" pin_ok 1357

# ---- Wrong PINs: three free tries, then each try waits, in the database across runs. ----
for p in 0001 0002 0003; do pin_ok "$p"; done
printf '1357\n' | SUP check-pin 2> "$SCRATCH/err"
st=$?
check "after 3 wrong PINs even the right one is refused (exit $st)" test "$st" -eq 1
check "saying how long to wait" grep -q 'too many wrong PINs: try again in [0-9]* s' "$SCRATCH/err"
check "the database keeps the count (each run above was a new process)" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM pin_events WHERE event = 'failed'")" -ge 3
# Half a minute later (the log's times moved back: the schema otherwise refuses to rewrite them).
sqlite3 "$DB" "DROP TRIGGER pin_events_are_never_rewritten;
	UPDATE pin_events SET at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 seconds');"
check "after the wait the right PIN works again" pin_ok 1357
check "and a right PIN clears the count" pin_ok 1357

# ---- A forgotten PIN: reset, recorded. ----
SUP reset-pin 2>/dev/null
check "reset-pin clears the PIN" sh -c "! printf '1357\n' | '$FIELDCHECK' --db '$DB' supervisor check-pin 2>/dev/null"
SUP pin-log > "$SCRATCH/log"
check "the PIN log keeps the reset, with the user who ran it" grep -q "	reset	uid $(id -u) " "$SCRATCH/log"
check "and every set, change and check" sh -c "grep -c '	set	' '$SCRATCH/log' | grep -q 1 && grep -q '	changed	' '$SCRATCH/log' && grep -q '	failed	' '$SCRATCH/log'"
printf '9753\n9753\n' | SUP set-pin 2>/dev/null
check "after a reset a new PIN is set without the old one" pin_ok 9753
check "the PIN log cannot be deleted" sh -c "! sqlite3 '$DB' 'DELETE FROM pin_events' 2>/dev/null"

# ---- Decisions are appended, never rewritten. ----
"$FIELDCHECK" --db "$DB" --forms "$TOP/forms/checklists" record add --form road --inspector alice \
	--at 31.2,121.4,5 asset_id=R-1 road_class=arterial condition=fair > /dev/null
sqlite3 "$DB" "INSERT INTO reviews (record_uuid, decision, reviewer, decided_at)
	SELECT uuid, 'approved', 'chen', '2026-11-29T00:00:00.000Z' FROM records"
check "a review can be added" test "$(sqlite3 "$DB" 'SELECT count(*) FROM reviews')" = 1
check "a review cannot be rewritten" sh -c "! sqlite3 '$DB' \"UPDATE reviews SET decision = 'rejected'\" 2>/dev/null"
check "a review cannot be deleted" sh -c "! sqlite3 '$DB' 'DELETE FROM reviews' 2>/dev/null"
check "the decision stands" test "$(sqlite3 "$DB" 'SELECT decision FROM reviews')" = approved
