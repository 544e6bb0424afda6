#!/bin/sh
# The inspector's screen end to end, in tmux at 80x24 and 40x15: a road
# inspection with one severe hazard saved with a gpsd position from gpsfake
# (with a constraint violation corrected on the way), a relevance change
# that hides a question and clears its answer, and a save without gpsd.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "inspection suite" jq

# answer_bridge: a bridge inspection without hazards, from its first question to review.
# A hazard's 1 is "none found"; a digit answers and moves on (quick).
answer_bridge() {
	tmux_wait "Bridge id or name"
	tmux_type "Bridge 9"
	tmux_keys Enter
	for h in "Deck cracks" "expansion joints" "railings" "Bearing" "drainage" "Missing signs"; do
		tmux_wait "$h" && tmux_keys 1
	done
	tmux_wait "Posted load limit" && tmux_type 20 && tmux_keys Enter
	tmux_wait "Overall condition" && tmux_keys 1
	tmux_wait "Photo" && tmux_keys Enter
	tmux_wait "Position" && tmux_keys Enter
	tmux_wait "Other remarks" && tmux_keys Enter
}

# answer_hazards_none: the remaining hazards of the road form, all "none found".
answer_hazards_none() {
	for h in "Loose or missing" "Damaged kerbs" "manhole covers" "road markings" "Stalls occupying"; do
		tmux_wait "$h" || return 1
		tmux_keys 1
	done
}

# --- 1. A full road inspection, one severe hazard, gpsd position. ---
# The built-in checklists as shipped (30 m accuracy_threshold); the patrol
# feed's 3D fix is differential, about ±4 m.
FORMS="$TOP/forms/checklists"

if gpsfake_start "$TOP/tests/data/patrol.log"; then
	at_exit gpsfake_stop
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --gpsd "127.0.0.1:$GPSFAKE_PORT" \
		--lang en --inspector insp7
	ok_run=true
	tmux_wait "Checklists" 10 || ok_run=false
	check "home lists the road checklist" tmux_wait "Road inspection"
	check "status bar shows a 3D fix from gpsfake" tmux_wait "GPS 3D" 30
	tmux_keys 1
	tmux_wait "Road id or location" || ok_run=false
	tmux_type "Jiefang Rd 120"
	tmux_keys Enter
	tmux_wait "Road subsidence" && tmux_keys 1
	tmux_wait "Potholes" && tmux_keys 4
	tmux_wait "Number of potholes"
	tmux_type 600
	check "a constraint violation shows the form's message as you type" \
		tmux_wait "Count must be between 1 and 500"
	tmux_keys Enter
	# Keys are handled in order: a digit typed after Enter lands in the same
	# editor only if Enter left the inspector on the question.
	tmux_type 7
	check "Enter on a violation stays on the question" tmux_wait "> 6007"
	check "the form's message is still shown" tmux_wait "Count must be between 1 and 500"
	tmux_keys BSpace BSpace BSpace BSpace
	tmux_type 12
	check "the corrected value clears the message" tmux_wait_gone "Count must be between"
	tmux_keys Enter
	check "the correction is accepted and the form moves on" tmux_wait "Deepest pothole"
	tmux_type 5
	tmux_keys Enter
	tmux_wait "Potholes: note" && tmux_keys Enter
	answer_hazards_none || ok_run=false
	tmux_wait "Road class"
	check "past the last hazard the form offers saving" tmux_wait "F4: save now"
	tmux_keys 1
	tmux_wait "Overall condition" && tmux_keys 3
	tmux_wait "Photo" && tmux_keys Enter
	tmux_wait "Position" && tmux_keys Enter
	tmux_wait "Other remarks" && tmux_keys Enter
	tmux_wait "severe hazards have been reported" && tmux_keys Enter
	check "review shows the severe hazard highlighted" tmux_wait "!!! Potholes: Severe"
	check "review shows the gpsd position with its quality" tmux_wait "sats"
	check "the fix is within the built-in form's 30 m: no wait/type/none choice" \
		tmux_wait "Enter: save   0: the rest none found"
	tmux_keys Enter
	check "saving returns home with a confirmation" tmux_wait "Saved"
	check "status bar queue counts the new record" tmux_wait "queue 1"
	check "the store holds one final record" jq_records final 'length == 1'
	check "the record has the answers typed" jq_records final \
		'.[0].answers | .asset_id == "Jiefang Rd 120" and .pothole == "severe" and
		 .subsidence == "none" and .stall_occupation == "none" and .pothole_count == "12" and .condition == "poor"'
	check "the record's position comes from gpsd (People's Square feed)" jq_records final \
		'.[0].position | .source == "gpsd" and (.lat > 31.2 and .lat < 31.3) and
		 (.lon > 121.4 and .lon < 121.5) and .fix_mode == 3 and .accuracy_m <= 10'
	check "no draft is left behind" jq_records draft 'length == 0'
	check "home counts today's record" tmux_wait "My day (1)"
	tmux_keys F3
	check "my day lists the record: time, checklist, asset, hazards, not yet sent" \
		tmux_wait "queued 道路巡查 Road inspection · Jiefang Rd 120 · 1 hz SEVERE"
	tmux_keys Enter
	check "opening it shows it read-only with its status" tmux_wait "Road inspection · final"
	check "the read-only view shows the GPS position" tmux_wait "GPS 31.2"
	tmux_keys Escape Escape
	tmux_wait "Checklists"
	tmux_keys q
	st=$(tmux_exited 5)
	check "q on home exits with status 0" [ "$st" = 0 ]
	$ok_run || not_ok "the inspection ran to the end"
	tmux_stop

	# --- 1b. A fix worse than the form allows: a copy of the bridge form
	# that asks for 2 m, against the same ±4 m feed. ---
	TIGHT="$SCRATCH/tight"
	mkdir -p "$TIGHT"
	sed -E '$ s/,[0-9.]+$/,2/' "$FORMS/bridge.csv" > "$TIGHT/bridge.csv"
	DB="$SCRATCH/tight.db"
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$TIGHT" --gpsd "127.0.0.1:$GPSFAKE_PORT" \
		--lang en --inspector insp7
	tmux_wait "Bridge inspection"
	tmux_wait "GPS 3D" 30
	tmux_keys 1
	answer_bridge
	check "over threshold: review says why the fix is not usable" tmux_wait "form needs ±2 m"
	tmux_keys Enter
	check "over threshold: Enter refuses and offers wait, type, none" \
		tmux_wait "1: wait for a fix   2: type position   3: save without position"
	tmux_keys 2
	tmux_wait "Position (lat,lon[,acc m]):"
	check "over threshold: the position is suggested from the coarse fix" \
		sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -qE '^-?[0-9]+[.][0-9]{6},-?[0-9]+[.][0-9]{6},4 *$'"
	tmux_type "31.23051,121.47402,1.5"
	tmux_keys Enter
	check "over threshold: ready reasons are offered as digits" tmux_wait "4 other (type)"
	tmux_keys 4
	tmux_wait "Reason (Enter saves)"
	tmux_type "surveyed marker"
	tmux_keys Enter
	check "over threshold: saved with the typed position" tmux_wait "Saved"
	check "over threshold: the record's position is manual with its reason" jq_records final \
		'length == 1 and .[0].position.source == "manual" and .[0].position.reason == "surveyed marker"
		 and .[0].position.lat == 31.23051 and .[0].position.accuracy_m == 1.5'
	tmux_keys q
	tmux_exited 5 >/dev/null
	tmux_stop
	gpsfake_stop

	# --- 1c. Waiting for a fix: gpsd comes back, the record saves by itself. ---
	DB="$SCRATCH/wait.db"
	port=$(free_port)
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --gpsd "127.0.0.1:$port" \
		--lang en --inspector insp7
	tmux_wait "Bridge inspection"
	tmux_keys 2
	answer_bridge
	tmux_wait "1: wait for a fix"
	tmux_keys 1
	check "wait: the save screen says it will save by itself" tmux_wait "saves by itself"
	if GPSFAKE_WANT_PORT=$port gpsfake_start "$TOP/tests/data/patrol.log"; then
		check "wait: the fix arrives and the record is saved" tmux_wait "Saved" 40
		check "wait: with the gpsd position" jq_records final \
			'length == 1 and .[0].position.source == "gpsd"'
		gpsfake_stop
	else
		skip "wait: saved when the fix arrives" "gpsfake could not start on port $port"
	fi
	tmux_keys q
	tmux_exited 5 >/dev/null
	tmux_stop
else
	not_ok "road inspection with gpsd: gpsfake could not start"
fi

# --- 2. Relevance: "none found" hides a hazard's details and clears their answers. ---
DB="$SCRATCH/rel.db"
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp8
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Road id"
tmux_type "B-7"
tmux_keys Enter
tmux_wait "subsidence" && tmux_keys 3
check "a relevant question appears after a severity" tmux_wait "Subsided area"
tmux_type 4
tmux_keys Enter
tmux_wait "subsidence: note"
check "the draft holds the severity and the area" jq_records draft \
	'.[0].answers.subsidence == "moderate" and .[0].answers.subsidence_area_m2 == "4"'
tmux_keys Escape
tmux_wait "Subsided area"
tmux_keys Escape
tmux_wait "None, minor, moderate or severe"
# progress N/TOTAL on the heading line: follow-ups count as their hazard, so
# answers that bring them in or hide them leave the total where it was.
progress() { tmux_screen | sed -n 2p | sed -n 's/.* \([0-9]*\/[0-9]*\) *$/\1/p'; }
before=$(progress)
tmux_keys 1
tmux_wait "Potholes"
after=$(progress)
check "the progress total stays put when none hides the follow-ups ($before -> $after)" \
	test "${before#*/}" = "${after#*/}"
check "and the count moves on by one" test "$(( ${after%/*} - ${before%/*} ))" = 1
check "the next question after none is the next hazard" tmux_wait "Potholes"
check "the stored draft no longer has the hidden answer" jq_records draft \
	'.[0].answers.subsidence == "none" and (.[0].answers | has("subsidence_area_m2") | not)'
tmux_keys F10
tmux_wait "Resume"
check "leaving keeps the draft on home" tmux_wait "Resume"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- 3. No gpsd: the inspector saves with the reason "none". ---
DB="$SCRATCH/none.db"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp9
tmux_wait "Checklists"
check "status bar says GPS off plainly" tmux_wait "GPS off"
tmux_keys 2
answer_bridge
check "review says there is no usable position" tmux_wait "No usable position: GPS is off"
tmux_keys Enter
check "Enter without a position refuses and explains" tmux_wait "2 type, 3 save without"
check "waiting is not offered with the GPS off" tmux_wait_gone "wait"
tmux_keys 3
tmux_wait "Why no position"
tmux_keys 3
check "saved without a position, the reason one digit" tmux_wait "Saved"
check "the record's position is none with the reason" jq_records final \
	'length == 1 and .[0].position.source == "none" and .[0].position.reason == "GPS receiver fault"'
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop
