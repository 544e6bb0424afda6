#!/bin/sh
# An ODK form written by another team, on the inspector's screen: it has no
# version (drafts still save), ${name} in labels and notes shows the answers,
# and dynamic defaults (${x}*3, ${last-saved#x}) fill in when first shown.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "ODK form suite" jq

mkdir "$SCRATCH/forms"
cat > "$SCRATCH/forms/walk.csv" <<'CSV'
survey,type,name,label,default
,text,street,Street,${last-saved#street}
,integer,lamps,Lamps on ${street},
,integer,bulbs,Bulbs for ${lamps} lamps,${lamps}*3
,note,done,"${street}: ${bulbs} bulbs",
CSV
start() {
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" --gpsd none --lang en \
		--inspector insp7
}

start
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Street"
tmux_type "Jiefang Rd"
tmux_keys Enter
check "a label shows an earlier answer" tmux_wait "Lamps on Jiefang Rd"
tmux_type "2"
tmux_keys Enter
check "... and so does the next one" tmux_wait "Bulbs for 2 lamps"
check "a dynamic default is filled in when the question is shown" tmux_wait "> 6"
tmux_keys Enter
check "a note shows the answers" tmux_wait "Jiefang Rd: 6 bulbs"
check "no 'draft not saved' for a form without a version" tmux_wait_gone "not saved" 1
check "the draft is stored with the empty version" jq_records draft \
	'length == 1 and .[0].form_version == "" and .[0].answers.street == "Jiefang Rd"
	 and .[0].answers.bulbs == "6"'
tmux_stop

# --- choice_filter: only the offered choices are listed, digits number them ---
# (a cascading select as in ona_subdistrict_profiling_tool.csv)
DB="$SCRATCH/cascade.db"
mkdir "$SCRATCH/cascade"
cat > "$SCRATCH/cascade/place.csv" <<'CSV'
survey,type,name,label,choice_filter
,select_one district,district,District,
,select_one street,street,Street,district = ${district}
,text,remarks,Remarks,
choices,list_name,name,label,district
,district,huangpu,Huangpu,
,district,jingan,Jing'an,
,street,nanjing_e,Nanjing East Rd,huangpu
,street,bund,The Bund,huangpu
,street,west_nanjing,West Nanjing Rd,jingan
,street,caojiadu,Caojiadu,jingan
settings,form_id
,place
CSV
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/cascade" --gpsd none --lang en \
	--inspector insp7
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "District"
tmux_keys 2 Enter
tmux_wait "Street"
check "the offered choices are numbered from 1" tmux_wait "1 ( ) West Nanjing Rd"
check "... and the next one 2" tmux_wait "2 ( ) Caojiadu"
check "a choice the filter leaves out is not listed" tmux_wait_gone "Nanjing East Rd" 1
tmux_keys 2
check "its digit picks the second offered choice" tmux_wait "(•) Caojiadu"
tmux_keys Enter
tmux_wait "Remarks"
check "the draft holds the offered choice picked" jq_records draft \
	'length == 1 and .[0].answers.district == "jingan" and .[0].answers.street == "caojiadu"'
tmux_keys Escape Escape
tmux_wait "District"
tmux_keys Up Enter
check "another district offers its own streets" tmux_wait "1 ( ) Nanjing East Rd"
check "... and not the other's" tmux_wait_gone "Caojiadu" 1
tmux_stop
