#!/bin/sh
# A repeat on the inspector's screen (docs/tui.md): after each entry the
# screen asks "add another?" and lists the entries; an entry opens again or
# is deleted (F8, asked twice); Esc goes on after the repeat.  The draft
# keeps each entry's answers under REPEAT[N]/KEY.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "repeat suite" jq

mkdir "$SCRATCH/forms"
cat > "$SCRATCH/forms/cracks.csv" <<'CSV'
survey,type,name,label,relevant
,text,bridge,Bridge,
,begin_repeat,cracks,Cracks,
,decimal,length,Crack length (m),
,select_one sev,severity,Crack severity,
,text,why,Why so long,${length} > 2
,end_repeat,,,
,text,remark,Remark,
choices,list_name,name,label
,sev,minor,Minor
,sev,severe,Severe
CSV
cat > "$SCRATCH/forms/kids.csv" <<'CSV'
survey,type,name,label,repeat_count
,integer,kids,How many children,
,begin_repeat,child,Child,${kids}
,integer,age,Age,
,end_repeat,,,
,text,remark,Remark,
CSV
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" --gpsd none --lang en \
	--inspector insp7

tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Bridge"
tmux_type "Nanpu"
tmux_keys Enter
check "where the repeat begins, its entries' screen asks to add one" tmux_wait "+ add an entry"
check "... saying how many entries there are" tmux_wait "Cracks · 0 entries"
tmux_keys Enter
check "adding an entry opens its first question, numbered" tmux_wait "Cracks #1"
tmux_type "3.5"
tmux_keys Enter
tmux_wait "Crack severity"
tmux_keys 2 Enter
check "a question relevant by the entry's own answer is asked" tmux_wait "Why so long"
tmux_type "joint opened"
tmux_keys Enter
check "after the entry's last question: add another?" tmux_wait "Add another?"
check "the list shows the entry's answers" tmux_wait "#1   Crack length (m): 3.5 · Crack severity: Severe"
tmux_keys Enter
tmux_wait "Cracks #2"
tmux_type "0.8"
tmux_keys Enter
tmux_wait "Crack severity"
tmux_keys 1 Enter
check "an entry's short crack skips the question its length makes irrelevant" \
	tmux_wait "Cracks · 2 entries"
check "the draft keeps both entries' answers by entry" jq_records draft \
	'length == 1 and .[0].answers["cracks[1]/why"] == "joint opened"
	 and .[0].answers["cracks[2]/length"] == "0.8"
	 and (.[0].answers | has("cracks[2]/why") | not)'
tmux_keys Up F8
check "F8 asks before deleting an entry" tmux_wait "Delete entry 2?"
tmux_keys F8
check "F8 again deletes it" tmux_wait "Cracks · 1 entry"
check "the draft no longer has the deleted entry" jq_records draft \
	'(.[0].answers | has("cracks[2]/length") | not) and .[0].answers["cracks[1]/length"] == "3.5"'
tmux_keys Up Enter
check "an entry opens again at its first question" tmux_wait "Cracks #1"
tmux_keys Escape
check "back from an entry's first question returns to its list" tmux_wait "+ add an entry"
tmux_keys Escape
check "Esc goes on after the repeat" tmux_wait "Remark"
tmux_keys Escape
check "back from after a repeat opens its entries" tmux_wait "Cracks · 1 entry"
tmux_stop

# A repeat_count sets the entries: no adding or deleting, and after each
# entry the cursor waits on the next one not answered yet.
rm -f "$DB"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" --gpsd none --lang en \
	--inspector insp7
tmux_wait "Checklists"
tmux_keys 2
tmux_wait "How many children"
tmux_type "2"
tmux_keys Enter
check "a counted repeat lists the entries its repeat_count gives" tmux_wait "Child · 2 entries"
check "... without adding" tmux_wait_gone "+ add an entry" 1
tmux_keys Enter
tmux_wait "Child #1"
tmux_type "7"
tmux_keys Enter
check "after an entry, the cursor is on the next one not answered" tmux_wait "#1   Age: 7"
tmux_keys Enter
check "... which Enter opens" tmux_wait "Child #2"
tmux_keys Escape
tmux_wait "Child · 2 entries"
tmux_keys F8
check "F8 does not delete an entry of a counted repeat" tmux_wait_gone "Delete entry" 1
tmux_stop
