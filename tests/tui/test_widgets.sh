#!/bin/sh
# The question types the built-in checklists do not ask, answered on the
# real screen and read back from the store: select_multiple (digits toggle,
# shown [x]), date and time (typed, a malformed one refused in place), and
# acknowledge (required: Enter refuses until 1 ticks it).
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "question types suite" jq
mkdir -p "$SCRATCH/forms"
cat > "$SCRATCH/forms/widgets.csv" <<'CSV'
survey,,,,
,type,name,label,required
,text,asset_id,Asset,yes
,select_multiple parts,broken,Broken parts,
,date,seen,Date seen,
,time,at,Time seen,
,acknowledge,safe,Area made safe,yes
choices,,,,
,list_name,name,label,
,parts,lamp,Lamp,
,parts,pole,Pole,
,parts,base,Base,
settings,,,,
,form_id,version,,
,widgets,1,,
CSV

tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" --gpsd none --lang en --inspector w1
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Asset" && tmux_type "Lamp 12" && tmux_keys Enter
check "select_multiple: its choices as boxes" tmux_wait "[ ] Pole"
tmux_keys 3 1
check "select_multiple: 3 ticks Base" tmux_wait "[x] Base"
check "select_multiple: 1 ticks Lamp as well" tmux_wait "[x] Lamp"
tmux_keys 3
check "select_multiple: 3 again unticks Base" tmux_wait "[ ] Base"
check "select_multiple: Lamp stays ticked" tmux_wait "[x] Lamp"
tmux_keys 2 Enter
check "date: the question and its format" tmux_wait "YYYY-MM-DD"
tmux_type "2026-02-30"
tmux_keys Enter
check "date: an impossible date is refused, saying the format" \
	tmux_wait "'seen' needs a date as YYYY-MM-DD, not '2026-02-30'"
check "date: and stays on the question" tmux_wait "> 2026-02-30"
tmux_keys BSpace BSpace
tmux_type "28"
tmux_keys Enter
check "time: the question and its format" tmux_wait "HH:MM"
tmux_type "25:10"
tmux_keys Enter
check "time: an impossible time is refused, saying the format" \
	tmux_wait "'at' needs a time as HH:MM[:SS], not '25:10'"
check "time: and stays on the question" tmux_wait "> 25:10"
tmux_keys BSpace BSpace BSpace BSpace BSpace
tmux_type "09:45"
tmux_keys Enter
check "acknowledge: shown unticked" tmux_wait "1 [ ] OK"
tmux_keys Enter
check "acknowledge: required, so Enter alone is refused, saying so" tmux_wait "an answer is required"
tmux_keys 1
check "acknowledge: 1 ticks it" tmux_wait "1 [x] OK"
tmux_keys Enter
check "the review lists the ticked choices by label" tmux_wait "Broken parts: Lamp, Pole" 10
check "the review shows the date, the time and the acknowledgement" tmux_wait "Area made safe: OK"
tmux_keys 3
# The reasons are digits: 1 is "indoors".
tmux_wait "Why no position" 10 && tmux_keys 1
check "saved" tmux_wait "Saved" 10
check "the answers as stored: choices in form order, the date, the time, OK" jq_records final \
	'length == 1 and (.[0].answers | .asset_id == "Lamp 12" and .broken == "lamp pole"
	 and .seen == "2026-02-28" and .at == "09:45" and .safe == "OK")'
tmux_keys q
check "the screen exits 0" test "$(tmux_exited)" = 0
tmux_stop
