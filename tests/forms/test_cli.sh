#!/bin/sh
# fieldcheck forms check / forms list / record add, driven as a user would:
# the real binary, the built-in checklists, real SQLite files, and the
# records read back through `fieldcheck list --json`.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
DB="$SCRATCH/fc.db"
export XDG_CONFIG_HOME="$SCRATCH/config" FIELDCHECK_DB="$DB"
FC() { "$FIELDCHECK" "$@"; }

# json EXPR: evaluates a Python expression over the records (list `r`) in the database.
json() {
	FC --db "$DB" list --json | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
print(eval(sys.argv[1]))' "$1"
}
count() { json 'len(r)'; }

# ---- forms check ----
FC forms check forms/checklists/*.csv > "$SCRATCH/out" 2> "$SCRATCH/err"
st=$?
# Warnings (a hazard without a platform code, docs/platform.md) are not problems.
check "forms check: every built-in checklist passes" \
	sh -c "[ $st -eq 0 ] && ! grep -qv ': warning: ' '$SCRATCH/err'"
# Each checklist's version 1 is kept beside version 2 (docs/forms.md, "The built-in checklists").
check "forms check: one summary line per checklist and version" [ "$(grep -c ': ok: ' "$SCRATCH/out")" -eq 8 ]
check "forms check: summary names id, version, questions and languages" \
	grep -q '^forms/checklists/road.csv: ok: road version 2, [0-9]* questions, languages: 中文 (zh), English (en)$' "$SCRATCH/out"

cat > "$SCRATCH/bad.csv" <<'CSV'
survey,,,
,type,name,relevant
,rank,code,
,text,a,${missing} = 1
,text,a,
,select_one nolist,s,
,begin_group,g,
CSV
FC forms check forms/checklists/road.csv "$SCRATCH/bad.csv" > "$SCRATCH/out" 2> "$SCRATCH/err"
check "forms check: a bad file exits 1" [ $? -eq 1 ]
check "forms check: every problem is listed (5)" [ "$(grep -c ': error: ' "$SCRATCH/err")" -eq 5 ]
check "forms check: unsupported type at FILE:LINE:COL" \
	grep -qF "$SCRATCH/bad.csv:3:2: error: unsupported question type 'rank'" "$SCRATCH/err"
check "forms check: unknown \${name} at its position" \
	grep -qF "$SCRATCH/bad.csv:4:9: error: relevant of 'a': unknown question '\${missing}'" "$SCRATCH/err"
check "forms check: duplicate name" grep -qF "$SCRATCH/bad.csv:5:7: error: duplicate name 'a' (first at line 4)" "$SCRATCH/err"
check "forms check: unknown list" grep -qF "$SCRATCH/bad.csv:6:2: error: unknown choice list 'nolist'" "$SCRATCH/err"
check "forms check: unclosed group" grep -qF "$SCRATCH/bad.csv:7: error: group 'g' is never closed" "$SCRATCH/err"
check "forms check: the good file still gets its summary" grep -q '^forms/checklists/road.csv: ok' "$SCRATCH/out"
FC forms check "$SCRATCH/none.csv" 2> "$SCRATCH/err"
check "forms check: a missing file exits 1 and says so" exit_says $? 1 "$SCRATCH/err" 'none.csv: error: cannot open'

if have_shared; then
	FC forms check "$FIXTURES/xlsform-real/ona_childrens_survey_unicode.csv" 2> "$SCRATCH/err" \
		> /dev/null
	check "forms check: a repeat inside a repeat fails at 10:2" exit_says $? 1 "$SCRATCH/err" \
		"ona_childrens_survey_unicode.csv:10:2: error: a repeat inside a repeat"
	FC forms check "$FIXTURES/xlsform-pyxform/yes_or_no_question.csv" > "$SCRATCH/out"
	check "forms check: pyxform yes_or_no_question.csv passes" [ $? -eq 0 ]
else
	skip "forms check on pyxform fixtures" "$FIXTURES is absent"
	skip "forms check: pyxform yes_or_no_question.csv passes" "$FIXTURES is absent"
fi

# ---- forms list ----
FC forms list > "$SCRATCH/out"
check "forms list: the four checklists, versions 1 and 2" [ "$(cut -f1,2 "$SCRATCH/out" | tr '\t\n' ': ')" = "bridge:1 bridge:2 park:1 park:2 road:1 road:2 urban_furniture:1 urban_furniture:2 " ]
road_hash=$(sha256sum forms/checklists/road.csv | cut -c1-12)
listed_hash=$(awk -F'\t' '$1 == "road" && $2 == "2" { print $5 }' "$SCRATCH/out")
check "forms list: shows the definition hash" [ "$listed_hash" = "$road_hash" ]
mkdir "$SCRATCH/empty"
FC --forms "$SCRATCH/empty" forms list > /dev/null 2>&1
check "forms list: an empty directory exits 1" [ $? -eq 1 ]

# ---- record add ----
FC record add --form road asset_id=R-1 > "$SCRATCH/out" 2> "$SCRATCH/err"
check "record add: no inspector is an error" exit_says $? 1 "$SCRATCH/err" 'no inspector'

uuid=$(FC record add --form road --inspector wang --at 31.23,121.47,4.5 asset_id=解放路-120 \
	condition=poor subsidence=severe subsidence_area_m2=2.5 \
	photo=/sdcard/DCIM/p1.jpg)
is_uuid() { echo "$1" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'; }
check "record add: prints a UUID" is_uuid "$uuid"
check "record add: saved final, with the form's id, version and hash" \
	[ "$(json "[(x['status'], x['form_id'], x['form_version'], x['form_hash']) for x in r if x['uuid'] == '$uuid']")" = \
	  "[('final', 'road', '2', '$(sha256sum forms/checklists/road.csv | cut -d' ' -f1)')]" ]
check "record add: answers in form order, calculations included" \
	[ "$(json "list(r[0]['answers'].items())")" = "[('asset_id', '解放路-120'), ('subsidence', 'severe'), ('subsidence_area_m2', '2.5'), ('condition', 'poor'), ('photo', '/sdcard/DCIM/p1.jpg'), ('location', '31.23000000 121.47000000 0 4.5'), ('hazard_count', '1'), ('severe_found', 'yes')]" ]
check "record add: --at is a manual position with its reason" \
	[ "$(json "(r[0]['position']['source'], r[0]['position']['lat'], r[0]['position']['lon'], r[0]['position']['accuracy_m'], r[0]['position']['reason'])")" = "('manual', 31.23, 121.47, 4.5, 'record add --at')" ]
check "record add: inspector and device" [ "$(json "(r[0]['inspector'], bool(r[0]['device']))")" = "('wang', True)" ]

mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'inspector = li\ndevice = hh-07\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
uuid2=$(FC record add --form bridge asset_id=B-3 'location=31.1 121.2 5 3')
check "record add: inspector and device from the configuration" \
	[ "$(json "[(x['inspector'], x['device']) for x in r if x['uuid'] == '$uuid2']")" = "[('li', 'hh-07')]" ]
check "record add: no --at is 'none' with its reason" \
	[ "$(json "[(x['position']['source'], x['position']['reason'], x['answers']['location']) for x in r if x['uuid'] == '$uuid2']")" = "[('none', 'no position given', '31.1 121.2 5 3')]" ]

n=$(count)
FC --lang en record add --form road asset_id=R-2 pothole=minor pothole_count=0 2> "$SCRATCH/err"
check "record add: a constraint failure exits 1" [ $? -eq 1 ]
check "record add: ... with the constraint message naming the question" \
	grep -qF 'fieldcheck: pothole_count: Count must be between 1 and 500' "$SCRATCH/err"
FC record add --form road asset_id=R-2 pothole=minor pothole_count=0 2> "$SCRATCH/err"
check "record add: the message is in the form's default language (中文)" \
	grep -qF 'pothole_count: 数量应在 1 到 500 之间' "$SCRATCH/err"
FC --lang en record add --form road subsidence=minor 2> "$SCRATCH/err"
check "record add: a missing required answer names it" exit_says $? 1 "$SCRATCH/err" \
	'asset_id: an answer is required'
FC --lang en record add --form road asset_id=R-2 subsidence=none subsidence_area_m2=3 2> "$SCRATCH/err"
check "record add: an answer to a question that does not apply is refused" exit_says $? 1 "$SCRATCH/err" \
	"'subsidence_area_m2': this question does not apply now"
FC record add --form road asset_id=R-2 pothole=maybe 2> "$SCRATCH/err"
check "record add: a value that is not a choice" exit_says $? 1 "$SCRATCH/err" "'pothole': 'maybe' is not one of its choices"
FC record add --form road asset_id=R-2 colour=red 2> "$SCRATCH/err"
check "record add: an unknown question" exit_says $? 1 "$SCRATCH/err" "form 'road' has no question 'colour'"
FC record add --form roads asset_id=R-2 2> "$SCRATCH/err"
check "record add: an unknown form" exit_says $? 1 "$SCRATCH/err" "no form 'roads'"
FC record add --form road --at 95,10 asset_id=R-2 2> "$SCRATCH/err"
check "record add: a bad --at" exit_says $? 1 "$SCRATCH/err" "--at '95,10'"
FC record add --form road asset_id=R-2 'location=31 500' 2> "$SCRATCH/err"
check "record add: a bad geopoint" exit_says $? 1 "$SCRATCH/err" "'location' needs a position"
FC record add --form road 2> "$SCRATCH/err"
check "record add: the asset id is required" exit_says $? 1 "$SCRATCH/err" 'asset_id:'
check "record add: nothing was saved by the refused commands" [ "$(count)" -eq "$n" ]

# ---- versions and select_multiple, from a directory of our own ----
mkdir "$SCRATCH/forms"
cat > "$SCRATCH/forms/lamp-1.csv" <<'CSV'
survey,,,
,type,name,label
,text,asset_id,Asset
settings,,
,form_id,version
,lamp,1
CSV
cat > "$SCRATCH/forms/lamp-2.csv" <<'CSV'
survey,,,
,type,name,label
,text,asset_id,Asset
,select_multiple parts,broken,Broken parts
choices,,,
,list_name,name,label
,parts,lamp,Lamp
,parts,pole,Pole
,parts,base,Base
settings,,
,form_id,version
,lamp,2
CSV
uuid3=$(FC --forms "$SCRATCH/forms" record add --form lamp asset_id=L-1 'broken=pole  lamp')
check "record add: the newest version is used" \
	[ "$(json "[(x['form_version'], x['answers']['broken']) for x in r if x['uuid'] == '$uuid3']")" = "[('2', 'pole lamp')]" ]
check "forms list: both versions are listed" [ "$(FC --forms "$SCRATCH/forms" forms list | cut -f1,2 | tr '\t\n' ': ')" = "lamp:1 lamp:2 " ]

# ---- real forms from other teams (../shared/fixtures/xlsform-real) ----
REAL="$FIXTURES/xlsform-real"
if have_shared; then
	mkdir "$SCRATCH/real"
	cp "$REAL/ona_dhisform.csv" "$SCRATCH/real/"
	uuid4=$(FC --forms "$SCRATCH/real" record add --form dhis2form --inspector wang \
		population_under_5=120 total_population=900 location=Monrovia period=2026-11-01)
	check "record add: a form without a version saves (ona_dhisform.csv)" is_uuid "$uuid4"
	check "record add: ... with the empty version and the form's hash" \
		[ "$(json "[(x['form_id'], x['form_version'], x['form_hash']) for x in r if x['uuid'] == '$uuid4']")" = \
		  "[('dhis2form', '', '$(sha256sum "$REAL/ona_dhisform.csv" | cut -d' ' -f1)')]" ]
else
	skip "record add: real forms from other teams" "$FIXTURES is absent"
fi

# ---- metadata, dynamic defaults and ${last-saved#x}, from real forms' rows ----
mkdir "$SCRATCH/meta"
# hot_parking_survey.csv's metadata rows; a street repeated from the last record
cat > "$SCRATCH/meta/walk.csv" <<'CSV'
survey,,,,
,type,name,label,default
,start,start,,
,end,end,,
,today,today,,
,deviceid,deviceid,,
,username,username,username,
,phonenumber,phonenumber,,
,text,street,Street,${last-saved#street}
,integer,lamps,Lamps,
,integer,bulbs,Bulbs,${lamps}*3
,note,n,"${street}: ${bulbs} bulbs",
CSV
printf 'inspector = li\ndevice = hh-07\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
u1=$(FC --forms "$SCRATCH/meta" record add --form walk street=解放路 lamps=2)
check "record add: metadata and a dynamic default are saved" \
	[ "$(json "[(x['answers']['deviceid'], x['answers']['username'], x['answers']['today'] == x['day'], x['answers']['start'][:10] == x['day'], 'phonenumber' in x['answers'], x['answers']['bulbs']) for x in r if x['uuid'] == '$u1']")" = \
	  "[('hh-07', 'li', True, True, False, '6')]" ]
u2=$(FC --forms "$SCRATCH/meta" record add --form walk lamps=1)
check "record add: \${last-saved#street} repeats the last record's street" \
	[ "$(json "[(x['answers']['street'], x['answers']['bulbs']) for x in r if x['uuid'] == '$u2']")" = "[('解放路', '3')]" ]
printf 'inspector = li\ndevice = hh-08\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
u3=$(FC --forms "$SCRATCH/meta" record add --form walk lamps=1)
check "record add: ... but only this device's last record" \
	[ "$(json "[('street' in x['answers']) for x in r if x['uuid'] == '$u3']")" = "[False]" ]
