#!/bin/sh
# A hazard's case end to end with real processes (issue 17's acceptance):
# hh1 saves a record and syncs; the supervisor, in the review (tmux), asks for
# follow-up and sends it to verify ("V") to bob on hh2; hh2 syncs, the task
# shows on its screen (tmux), bob opens it (the asset filled in), saves, and
# the task shows done at once; hh2 syncs; the depot has the task done; the
# supervisor approves the verification record in the review, and the case
# shows closed in the detail view, with who did what and when.
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
# The supervisor, in the review on the depot's database: follow-up, then "send to verify".
printf '2468\n2468\n' | "$FIELDCHECK" --db "$DEPOT_DB" supervisor set-pin 2>/dev/null
DAY=$(sqlite3 "$DEPOT_DB" "SELECT day FROM records")
review() {
	tmux_start 100 30 "$FIELDCHECK" --db "$DEPOT_DB" --forms "$FORMS" --lang en review --day "$DAY" \
		--reviewer zhang
	tmux_wait "Review $DAY"
}
review
tmux_keys f
tmux_wait "Supervisor PIN" && tmux_type 2468 && tmux_keys Enter
tmux_wait "Follow-up, comment:" && tmux_type "guardrail loose" && tmux_keys Enter
check "a follow-up decision offers to send the record to verify" tmux_wait "V: send to verify"
tmux_keys V
tmux_wait "Verify by inspector [device]:" && tmux_type "bob hh2" && tmux_keys Enter
check "V sends it to verify: a task for bob on hh2" tmux_wait "Sent to verify: bob (hh2)"
check "the review lists the open tasks per inspector" tmux_wait "Tasks open: bob 1"
tmux_keys Enter
check "the record's detail shows its case: dispatched to bob" tmux_wait "Case: assigned"
check "the case names who sent it to whom" tmux_wait "verify R-1 · zhang → bob (hh2) · assigned"
tmux_keys Enter
tmux_wait "Enter open"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop
TASK=$(D task list | cut -f1)
check "the verification task is assigned to hh2, following the record" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	assigned	verify	bob	hh2	road	R-1	-	$REC	-$'"

HH2="$SCRATCH/hh2.db"
# hh2's screen syncs in the background (its worker uploads, then asks for the feed).
mkdir -p "$SCRATCH/device-hh2/fieldcheck"
printf 'device = hh2\nserver = %s\ntoken_file = %s\n' "$URL" "$SCRATCH/token2" \
	> "$SCRATCH/device-hh2/fieldcheck/config"
tmux_start 80 24 env XDG_CONFIG_HOME="$SCRATCH/device-hh2" "$FIELDCHECK" --db "$HH2" --forms "$FORMS" \
	--gpsd none --inspector bob --lang en
tmux_wait "Checklists"
check "the screen's background sync brings the task: home shows Tasks (1)" tmux_wait "Tasks (1)" 30
digit=$(tmux_screen | sed -n 's/^\([1-9]\) Tasks (1).*/\1/p')
check "the tasks item has a digit" test -n "$digit"
tmux_keys "$digit"
check "the task list shows the task: verify, no due time, the asset and the checklist" \
	tmux_wait "verify — · R-1 · 道路巡查 Road inspection"
tmux_keys e
check "e shows the record the verification follows, which the feed brought" tmux_wait "Road inspection · sent"
tmux_keys Escape
tmux_wait "verify — · R-1"
tmux_keys Enter
check "opening it asks the first question the asset does not answer" tmux_wait "Road subsidence"
tmux_keys F4
check "the summary names the task and the record it verifies" tmux_wait "Verifies record: $REC"
tmux_keys Enter
tmux_wait "save without" && tmux_keys 3
tmux_wait "Why no position" && tmux_keys 3
check "the verification record is saved" tmux_wait "Saved"
check "the record names its task and the record it verifies" \
	sh -c "'$FIELDCHECK' --db '$HH2' list --json | jq -e 'select(.answers._task == \"$TASK\" and .answers._verifies == \"$REC\" and .answers.asset_id == \"R-1\")' > /dev/null"
check "the task is done on the handheld at once" test "$(sqlite3 "$HH2" "SELECT state FROM tasks WHERE uuid = '$TASK'")" = done
check "home counts no task left to do" tmux_wait "Tasks (0)"
task_done() { "$DEPOT" --db "$DEPOT_DB" task list | grep -q "^$TASK	done	"; }
check "the background sync sends the record: at the depot the task is done" wait_for 30 task_done
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop

VREC=$(sqlite3 "$DEPOT_DB" "SELECT uuid FROM records WHERE device = 'hh2'")
check "the depot's task names the record that did it" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	done	.*	$VREC$'"
# The supervisor approves the verification record (bob's) in the review.
review
tmux_keys i i
tmux_wait "insp:bob"
tmux_keys a
tmux_wait "Supervisor PIN" && tmux_type 2468 && tmux_keys Enter
tmux_wait " approved"
tmux_keys Enter
check "the verification record's detail names the task it did" tmux_wait "this record did task $TASK"
tmux_keys Enter
tmux_keys c
tmux_keys i
tmux_wait "insp:alice"
tmux_keys Enter
check "the first record's case is closed, with the verification and its review" tmux_wait "Case: closed"
check "the chain shows the verification record" tmux_wait "verification record $VREC"
tmux_keys Enter
tmux_wait "Enter open"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop
check "the supervisor approves the verification: the case is closed" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$TASK	closed	'"
"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh2 --token-file "$SCRATCH/token2" > /dev/null 2> "$SCRATCH/s3.err"
check "hh2 learns the decision and the task closed" \
	test "$(sqlite3 "$HH2" "SELECT state FROM tasks WHERE uuid = '$TASK'")" = closed

# hh1 learns the decision on its record: My day shows it with the comment, in its language.
sync_to "$URL" > /dev/null 2> "$SCRATCH/s4.err"
check "hh1's sync brings the decision on its record" grep -q "1 decision" "$SCRATCH/s4.err"
tmux_start 80 24 "$FIELDCHECK" --db "$HH" --forms "$FORMS" --gpsd none --inspector alice --lang zh
tmux_wait "检查表"
tmux_keys F3
check "My day shows the decision on the record, with the comment" tmux_wait "需跟进: guardrail loose"
tmux_keys q q
tmux_exited 5 > /dev/null
tmux_stop

"$FIELDCHECK" --db "$DEPOT_DB" --forms "$FORMS" report --day "$DAY" > "$SCRATCH/report.txt"
check "the day's text report counts the case closed, with the time from report to close" \
	grep -qE '^Cases: 1, closed 1, [0-9]+\.[0-9] h from report to close on average$' "$SCRATCH/report.txt"
"$FIELDCHECK" --db "$DEPOT_DB" --forms "$FORMS" export --day "$DAY" --format csv > "$SCRATCH/day.csv" 2> /dev/null
check "the CSV export has each record's case state and hours from report to close" python3 -c "
import csv
rows = {r['id']: r for r in csv.DictReader(open('$SCRATCH/day.csv', encoding='utf-8'))}
assert rows['$REC']['case_state'] == 'closed', rows['$REC']
assert float(rows['$REC']['report_to_close_h']) >= 0
assert rows['$VREC']['case_state'] == '' and rows['$VREC']['report_to_close_h'] == ''
"
