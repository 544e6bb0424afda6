#!/bin/sh
# A hazard's case end to end with real processes (issue 17's acceptance):
# hh1 saves a record and syncs; the supervisor asks for follow-up and sends a
# verification task to bob on hh2; hh2 syncs, the task shows on its screen
# (tmux), bob opens it (the asset filled in), saves, and the task shows done
# at once; hh2 syncs; the depot has the task done; the supervisor approves
# the verification record and the case is closed.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/tests/sync/common.sh"

need_tools "docking case suite" tmux

D() { "$DEPOT" --db "$DEPOT_DB" "$@"; }
depot_init || { not_ok "depot init"; exit 1; }
D device add hh2 > "$SCRATCH/token2"
chmod 600 "$SCRATCH/token2"
D forms add "$FORMS/road.csv" > /dev/null
depot_start || { not_ok "the depot starts"; exit 1; }
URL="http://127.0.0.1:$PORT"

make_records "$HH" 1 || not_ok "hh1's record made"
sync_to "$URL" > /dev/null 2>&1
REC=$(sqlite3 "$DEPOT_DB" "SELECT uuid FROM records")
check "hh1's record reached the depot" test -n "$REC"
# The supervisor's follow-up decision (the review writes this row), then the verification task.
sqlite3 "$DEPOT_DB" "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at)
	VALUES ('$REC', 'follow-up', 'guardrail loose', 'zhang', '2026-11-30T02:00:00.000Z')"
TASK=$(D task add --form road --asset "R-1 guardrail" --inspector bob --device hh2 --follows "$REC" \
	--due 2099-12-31T12:00:00Z --note "verify the repair")
check "the verification task is assigned to hh2" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	assigned	verify	bob	hh2	'"

HH2="$SCRATCH/hh2.db"
"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh2 --token-file "$SCRATCH/token2" \
	> /dev/null 2> "$SCRATCH/s1.err"
check "hh2's sync brings the task" grep -q "1 task" "$SCRATCH/s1.err"

mkdir -p "$SCRATCH/device-hh2/fieldcheck"
printf 'device = hh2\n' > "$SCRATCH/device-hh2/fieldcheck/config"
tmux_start 80 24 env XDG_CONFIG_HOME="$SCRATCH/device-hh2" "$FIELDCHECK" --db "$HH2" --forms "$FORMS" --gpsd none --inspector bob --lang en
tmux_wait "Checklists"
check "home shows Tasks (1)" tmux_wait "Tasks (1)"
digit=$(tmux_screen | sed -n 's/^\([1-9]\) Tasks (1).*/\1/p')
check "the tasks item has a digit" test -n "$digit"
tmux_keys "$digit"
check "the task list shows the task: verify, its due day" tmux_wait "verify 12-31 "
check "the row names the asset and the checklist" tmux_wait "R-1 guardrail · 道路巡查 Road inspection"
tmux_keys Enter
check "opening it asks the first question the asset does not answer" tmux_wait "Road class"
tmux_keys 1 Enter
tmux_wait "Overall condition" && tmux_keys 1 Enter
tmux_wait "Road subsidence"
tmux_keys F4
check "the summary names the task and the record it verifies" tmux_wait "Verifies record: $REC"
tmux_keys Enter
tmux_wait "save without" && tmux_keys 3
tmux_wait "Why no position" && tmux_keys 3
check "the verification record is saved" tmux_wait "Saved"
check "the record names its task and the record it verifies" \
	sh -c "'$FIELDCHECK' --db '$HH2' list --json | jq -e 'select(.answers._task == \"$TASK\" and .answers._verifies == \"$REC\" and .answers.asset_id == \"R-1 guardrail\")' > /dev/null"
check "the task is done on the handheld at once" test "$(sqlite3 "$HH2" "SELECT state FROM tasks WHERE uuid = '$TASK'")" = done
check "home counts no task left to do" tmux_wait "Tasks (0)"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop

"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh2 --token-file "$SCRATCH/token2" > /dev/null 2>&1
VREC=$(sqlite3 "$DEPOT_DB" "SELECT uuid FROM records WHERE device = 'hh2'")
check "at the depot the task is done once its record arrives" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	done	.*	$VREC$'"
sqlite3 "$DEPOT_DB" "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at)
	VALUES ('$VREC', 'approved', 'repaired', 'zhang', '2026-11-30T03:00:00.000Z')"
check "the supervisor approves the verification: the case is closed" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	closed	'"
"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh2 --token-file "$SCRATCH/token2" > /dev/null 2> "$SCRATCH/s3.err"
check "hh2 learns the decision and the task closed" \
	test "$(sqlite3 "$HH2" "SELECT state FROM tasks WHERE uuid = '$TASK'")" = closed
