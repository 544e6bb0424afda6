#!/bin/sh
# The review TUI in a real terminal (tmux): three inspectors on two devices,
# the summary counts, filters, search, a record opened, a wrong PIN refused,
# one record approved and one marked for follow-up with a comment, the map
# at 80x24 -- and the store holds exactly those two decisions.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

SEED="$TOP/$BUILD/bench/review_seed"
DAY=2026-11-24
DB="$SCRATCH/depot.db"
FORMS="$TOP/forms/checklists"
export HOME="$SCRATCH" XDG_CONFIG_HOME="$SCRATCH/config" XDG_DATA_HOME="$SCRATCH/data"

need_tools "review TUI in tmux" tmux curl
if [ ! -x "$SEED" ] || [ ! -x "$FIELDCHECK" ]; then
	not_ok "build first: $SEED and $FIELDCHECK are needed"
	exit 1
fi
# Three inspectors on two handhelds: alice and bob share hh-1, chen has hh-2.
# Each handheld syncs to a real depot; the review runs on the depot's database.
"$SEED" --db "$SCRATCH/hh1.db" --forms "$FORMS" --day $DAY --count 20 --inspectors alice,bob \
	--devices hh-1 >/dev/null 2>&1
"$SEED" --db "$SCRATCH/hh2.db" --forms "$FORMS" --day $DAY --count 10 --inspectors chen \
	--devices hh-2 --seed 9 --first 100 >/dev/null 2>&1
"$DEPOT" --db "$DB" device add hh-1 > "$SCRATCH/token1" 2>/dev/null
"$DEPOT" --db "$DB" device add hh-2 > "$SCRATCH/token2" 2>/dev/null
chmod 600 "$SCRATCH/token1" "$SCRATCH/token2"
"$DEPOT" --db "$DB" serve --listen 127.0.0.1:0 > "$SCRATCH/depot.log" 2>&1 &
depot_pid=$!
at_exit "kill $depot_pid 2>/dev/null"
PORT=$(wait_port "$SCRATCH/depot.log")
health() { curl -sf --max-time 1 "http://127.0.0.1:$PORT/v1/health" >/dev/null; }
wait_for 10 health
"$FIELDCHECK" --db "$SCRATCH/hh1.db" sync --server "http://127.0.0.1:$PORT" --device hh-1 \
	--token-file "$SCRATCH/token1" --once > "$SCRATCH/sync1.log" 2>&1
s1=$?
"$FIELDCHECK" --db "$SCRATCH/hh2.db" sync --server "http://127.0.0.1:$PORT" --device hh-2 \
	--token-file "$SCRATCH/token2" --once > "$SCRATCH/sync2.log" 2>&1
s2=$?
kill "$depot_pid" 2>/dev/null
wait "$depot_pid" 2>/dev/null
check "two handhelds synced 30 records into the depot" sh -c \
	"[ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ \"\$('$FIELDCHECK' --db '$DB' list --day $DAY | wc -l)\" -eq 30 ]"
check "the depot holds both devices' records" sh -c \
	"[ \"\$('$FIELDCHECK' --db '$DB' list --day $DAY | cut -f8 | sort -u | tr '\\n' ' ')\" = 'hh-1 hh-2 ' ]"
printf '2468\n2468\n' | "$FIELDCHECK" --db "$DB" supervisor set-pin 2>/dev/null
# The table's time order: created_at, then the record's UUID on a tie.
TAB=$(printf '\t')
"$FIELDCHECK" --db "$DB" list --day $DAY | LC_ALL=C sort -t "$TAB" -k3,3 -k1,1 > "$SCRATCH/order"
first=$(sed -n 1p "$SCRATCH/order" | cut -f1)
second=$(sed -n 2p "$SCRATCH/order" | cut -f1)
severe_open=$("$FIELDCHECK" --db "$DB" --forms "$FORMS" report --day $DAY | sed -n 's/.*severe still open: \([0-9]*\).*/\1/p')

tmux_start 100 30 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --lang en review --day $DAY --reviewer sup-wang
check "the review opens on the day with every record" tmux_wait "Review $DAY  30/30 records"
check "summary: records per inspector" tmux_wait "Inspectors: alice 10 · bob 10 · chen 10"
check "summary: records per asset type" tmux_wait "Asset types: bridge "
check "summary: severe hazards open ($severe_open) as the report counts them" \
	tmux_wait "severe open $severe_open "
check "read only until the PIN is given" tmux_wait "[read only: P for PIN]"

tmux_keys i
check "filter by inspector: alice's 10" tmux_wait "10/30 records"
check "the filter is shown" tmux_wait "insp:alice"
tmux_keys o
check "the form filter is shown" tmux_wait "form:bridge"
alice_bridge=$(awk -F'\t' '$7 == "alice" && $5 == "bridge"' "$SCRATCH/order" | wc -l | tr -d ' ')
check "filter by inspector and form narrows to alice's bridges ($alice_bridge)" \
	tmux_wait "$alice_bridge/30 records"
tmux_keys c
check "c clears the filters" tmux_wait "30/30 records"
tmux_keys v v v
check "filter by severity: severe" tmux_wait "sev:severe"
# shown_between LOW HIGH: the table's "N/30 records" has LOW < N < HIGH.
shown_between() {
	_n=$(tmux_screen | sed -n 's/.* \([0-9]*\)\/30 records.*/\1/p' | head -n 1)
	[ -n "$_n" ] && [ "$_n" -gt "$1" ] && [ "$_n" -lt "$2" ]
}
check "the severity filter narrows the table (some, not all 30)" wait_for 5 shown_between 0 30
tmux_keys c t
check "filter by state: unreviewed is all 30" wait_for 5 sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q 'state:unreviewed' && tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q '30/30 records'"
tmux_keys c /
tmux_type "R-0001"
tmux_keys Enter
check "/ searches answers and assets" tmux_wait "1/30 records"
# Choice labels in either language: 轻微 is the label of the stored "minor".
minor=$("$FIELDCHECK" --db "$DB" list --json --day $DAY | jq -s '[.[] | select(.answers | to_entries | any(.value == "minor"))] | length')
tmux_keys c /
tmux_type "轻微"
tmux_keys Enter
check "/ finds answers by their Chinese label ($minor records with a minor hazard)" tmux_wait "$minor/30 records"
tmux_keys c Home

tmux_keys Enter
check "Enter opens the record's detail" tmux_wait "Record $first"
check "the detail names the device whose token delivered it" tmux_wait "Delivered by device hh-"
check "the detail shows the form version and the position" sh -c \
	"tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q 'version' && tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q 'Position'"
check "the detail labels the answers" tmux_wait "Answers:"
tmux_keys Escape
check "Esc returns to the table" tmux_wait "30/30 records"

tmux_keys a
check "a decision asks for the PIN" tmux_wait "Supervisor PIN:"
tmux_type "1111"
tmux_keys Enter
check "a wrong PIN is refused" tmux_wait "Wrong PIN."
check "and the decision waits for the PIN again" tmux_wait "Supervisor PIN:"
tmux_type "2468"
tmux_keys Enter
check "the right PIN approves the current record" tmux_wait "approved: 1 record"
check "the header says supervisor" tmux_wait "[supervisor]"
tmux_keys Down f
check "follow-up asks for a comment" tmux_wait "Follow-up, comment:"
tmux_type "railing loose, 请尽快修理"
tmux_keys Enter
check "follow-up stored" tmux_wait "follow-up: 1 record"
tmux_keys t t
tmux_wait "state:approved" >/dev/null
check "filter by state: approved is 1 record" tmux_wait "1/30 records"
tmux_keys t
tmux_wait "state:follow-up" >/dev/null
check "filter by state: follow-up is 1 record" tmux_wait "1/30 records"
tmux_keys c

got=$(sqlite3 -separator '|' "$DB" "SELECT record_uuid, decision, comment, reviewer FROM reviews ORDER BY id")
want="$first|approved||sup-wang
$second|follow-up|railing loose, 请尽快修理|sup-wang"
check "the store holds exactly those two decisions" [ "$got" = "$want" ]
check "no record was rewritten by a decision" [ "$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE status <> 'sent'")" -eq 0 ]

# Several at once: mark the 3rd and 4th records, reject both with one comment.
third=$(sed -n 3p "$SCRATCH/order" | cut -f1)
fourth=$(sed -n 4p "$SCRATCH/order" | cut -f1)
tmux_keys Home Down Down Space Space
check "Space marks records" tmux_wait "marked 2"
# Marks belong to records, not to screen positions: they survive a re-sort.
tmux_keys s
check "s sorts by inspector" tmux_wait "sort:inspector"
check "the marks survive the re-sort" tmux_wait "marked 2"
tmux_keys s s s s
check "four more s come back to time order" tmux_wait "sort:time"
tmux_keys r
tmux_wait "Reject, comment:" >/dev/null
tmux_type "duplicate visit"
tmux_keys Enter
check "one decision for the marked records" tmux_wait "rejected: 2 records"
got=$(sqlite3 -separator '|' "$DB" "SELECT record_uuid, decision, comment FROM reviews WHERE id > 2 ORDER BY record_uuid")
want=$(printf '%s|rejected|duplicate visit\n%s|rejected|duplicate visit\n' "$third" "$fourth" | LC_ALL=C sort)
check "the store holds both rejections, nothing else" [ "$got" = "$want" ]

tmux_resize 80 24
tmux_keys m
check "the map draws at 80x24 with its legend" tmux_wait "● severe ◆ moderate ▪ minor ◎ current"
check "the map draws braille routes" sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t t | python3 -c 'import sys; sys.exit(0 if any(0x2801 <= ord(c) <= 0x28ff for c in sys.stdin.read()) else 1)'"
check "the current record is highlighted on the map" tmux_wait "◎"
tmux_keys Escape ']'
check "] steps to the next day (empty)" tmux_wait "No records on this day."
tmux_keys '['
check "[ steps back" tmux_wait "30/30 records"
tmux_keys q
check "q leaves with status 0" [ "$(tmux_exited)" = 0 ]

# An inspector without the PIN reads only their own day.
tmux_stop
tmux_start 100 30 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --lang en --inspector bob review --day $DAY
check "an inspector without the PIN sees only their own records" tmux_wait "10/30 records"
tmux_keys i
check "and cannot widen the filter to others" sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q 'insp:bob'"
tmux_keys q
tmux_exited >/dev/null

# At 40x15, without --reviewer: the state shows as a symbol, the lock is
# in the header, and the reviewer's name is asked once and remembered.
tmux_stop
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --lang en review --day $DAY
check "40x15: the header starts with the lock" tmux_wait "[RO: P] Review 11-24"
check "40x15: each row shows its state as a symbol (approved)" tmux_wait "✓ "
check "40x15: and rejected" tmux_wait "✗ "
tmux_keys End a
tmux_wait "Supervisor PIN:" >/dev/null
tmux_type "2468"
tmux_keys Enter
check "40x15: the first decision asks who decides" tmux_wait "Your name:"
tmux_type "sup-li"
tmux_keys Enter
check "40x15: then it is made" tmux_wait "approved: 1 record"
check "40x15: under that name" sh -c "[ \"\$(sqlite3 '$DB' 'SELECT reviewer FROM reviews ORDER BY id DESC LIMIT 1')\" = sup-li ]"
check "40x15: the name is remembered in the configuration" grep -q "reviewer = sup-li" "$XDG_CONFIG_HOME/fieldcheck/config"
tmux_keys q
tmux_exited >/dev/null
