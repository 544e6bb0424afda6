#!/bin/sh
# Drafts survive the app: SIGKILL mid-form loses at most the answer being
# typed and the draft is offered on restart with its answers; SIGTERM and
# SIGHUP save even the answer being typed and restore the terminal.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "draft suite" jq

start() { tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp7; }

# --- SIGKILL mid-form, then restart. ---
start
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Road id"
tmux_type "Nanjing Rd 5"
tmux_keys Enter
tmux_wait "Road subsidence" && tmux_keys 1
tmux_wait "Potholes" && tmux_keys 2
tmux_wait "Number of potholes"
check "each answered question is in the stored draft" jq_records draft \
	'length == 1 and .[0].answers.asset_id == "Nanjing Rd 5" and .[0].answers.subsidence == "none"
	 and .[0].answers.pothole == "minor"'
kill -9 "$(tmux_pid)"
st=$(tmux_exited 5)
check "the app died of SIGKILL (status $st)" [ "$st" = 137 ]
tmux_stop

start
check "on restart the draft is offered" tmux_wait "A draft is waiting: Enter resumes it"
check "home lists the draft with its asset, answer count and checklist" \
	tmux_wait "Resume Nanjing Rd 5 "
check "the count is of answers given (calculations left out)" tmux_wait "· 3 answers · 道路巡查"
tmux_keys Enter
check "resuming opens where the inspector left off" tmux_wait "Number of potholes"
tmux_keys Escape
check "going back shows the earlier answer picked" tmux_wait "(•) Minor"
tmux_keys Escape Escape
check "the typed text is back in the editor" tmux_wait "> Nanjing Rd 5"

# --- SIGTERM while typing: the typed answer is kept, the terminal restored. ---
tmux_keys End
tmux_type " north"
tmux_wait "Nanjing Rd 5 north"
kill -TERM "$(tmux_pid)"
st=$(tmux_exited 5)
check "SIGTERM ends the app cleanly (status $st)" [ "$st" = 0 ]
check "the terminal is restored (the screen is gone)" tmux_wait_gone "Road id or location" 3
check "SIGTERM saved the answer being typed" jq_records draft \
	'length == 1 and .[0].answers.asset_id == "Nanjing Rd 5 north" and .[0].answers.pothole == "minor"'
tmux_stop

# --- SIGHUP (the terminal went away) does the same. ---
start
tmux_wait "A draft is waiting"
tmux_keys Enter
tmux_wait "Number of potholes"
tmux_type 7
tmux_keys Enter
tmux_wait "Deepest pothole"
kill -HUP "$(tmux_pid)"
tmux_exited 5 >/dev/null
check "SIGHUP saved the draft with the answer given" jq_records draft \
	'length == 1 and .[0].answers.pothole_count == "7"'
tmux_stop

# --- F8 twice discards the draft. ---
start
tmux_wait "A draft is waiting"
tmux_keys Enter
tmux_wait "Deepest pothole"
tmux_keys F8
check "F8 asks before discarding" tmux_wait "Discard this draft?"
tmux_keys F8
check "F8 again discards and returns home" tmux_wait "Draft discarded"
check "the draft is gone from the store" jq_records draft 'length == 0'
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- Opening a checklist and leaving it at once keeps no draft. ---
DB="$SCRATCH/empty.db"
start
tmux_wait "Checklists"
tmux_keys 2
tmux_wait "Bridge id or name"
tmux_keys Escape
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Road id"
tmux_keys F10
tmux_wait "Checklists"
check "no empty draft is left behind" jq_records draft 'length == 0'
check "and home offers none" tmux_wait_gone "Resume"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- Past the ninth item of home every row on screen still has a digit. ---
# Five drafts make eleven items (four checklists, my day, review, five
# drafts): at 40x15 the last ones show only once the list scrolls.
DB="$SCRATCH/many.db"
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp7
for n in 1 2 3 4 5; do
	tmux_wait "Checklists"
	tmux_keys 1
	tmux_wait "Road id"
	tmux_type "R-$n"
	tmux_keys Enter
	tmux_wait "Road subsidence"
	tmux_keys Escape Escape
done
tmux_wait "Checklists"
# The cursor on the last item (whichever draft lists last): its row has a digit.
last_resume() { tmux_screen | grep "Resume R-" | tail -1; }
last_has_digit() { case "$(last_resume)" in [1-9]" "*) return 0 ;; esac; return 1; }
tmux_keys End
check "the eleventh item's row has a digit once the cursor is on it" wait_for 10 last_has_digit
last=$(last_resume)
asset=$(printf '%s' "$last" | sed -n 's/.*Resume \(R-[0-9]\) .*/\1/p')
tmux_keys "$(printf '%s' "$last" | cut -c1)"
tmux_wait "Road subsidence" 10
tmux_keys Escape
check "that digit resumes that draft ($asset)" tmux_wait "> $asset" 10
tmux_keys F10
tmux_exited 5 >/dev/null
tmux_stop

# --- A draft started on a checklist's version 1 finishes on version 1. ---
# The handheld had only version 1; the update adds version 2 beside it.
DB="$SCRATCH/v1.db"
mkdir "$SCRATCH/v1"
cp "$TOP/forms/checklists/road-1.csv" "$SCRATCH/v1/"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/v1" --gpsd none --lang en --inspector insp7
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Road id"
tmux_type "R-v1"
tmux_keys Enter
tmux_wait "Road class"
tmux_keys F10
tmux_wait "Resume"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp7
tmux_wait "A draft is waiting"
tmux_keys Enter
check "the version-1 draft resumes on version 1 (its road class first)" tmux_wait "Road class"
tmux_keys F10
tmux_wait "Resume"
tmux_keys 1
tmux_wait "Road id"
tmux_type "R-v2"
tmux_keys Enter
check "a new road inspection is on version 2 (its hazards first)" tmux_wait "Road subsidence"
tmux_keys F8 F8
tmux_wait "Draft discarded"
check "the stored draft still names version 1" jq_records draft \
	'length == 1 and .[0].form_version == "1" and .[0].answers.asset_id == "R-v1"'
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop
