#!/bin/sh
# Acceptance: every XLSForm in ../shared/fixtures/xlsform-real (forms written
# by other teams for ODK, KoboToolbox and Ona) and ../shared/fixtures/xlsform-pyxform
# has a written expectation.  A form either loads, and a record with
# realistic answers saves through `record add` and reads back through
# `list --json`; or it is refused at a stated LINE:COL for a stated reason.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
DB="$SCRATCH/fc.db"
export XDG_CONFIG_HOME="$SCRATCH/config" FIELDCHECK_DB="$DB"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'inspector = wang\ndevice = hh-07\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
FC() { "$FIELDCHECK" "$@"; }

if ! have_shared; then
	skip "real XLSForms load and save, or are refused precisely" "$FIXTURES is absent"
	exit 0
fi

# answer_of UUID NAME: the saved answer, read back through list --json.
answer_of() {
	FC --db "$DB" list --json | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["uuid"] == sys.argv[1]:
        print(r["form_id"] + ":" + r["answers"].get(sys.argv[2], "-"))' "$1" "$2"
}

# saves FILE CHECK_NAME=CHECK_VALUE [--at LAT,LON] ANSWERS...: the form
# loads on its own, a record with the answers saves (within 5 s: SQLite syncs), and reads
# back with CHECK_NAME's answer.
saves() {
	file=$1 want=$2
	shift 2
	dir="$SCRATCH/forms/$(basename "$file" .csv)"
	mkdir -p "$dir"
	cp "$FIXTURES/$file" "$dir/"
	id=$(FC --forms "$dir" forms list 2> "$SCRATCH/err" | cut -f1)
	if [ -z "$id" ]; then
		sed 's/^/# /' "$SCRATCH/err"
		return 1
	fi
	uuid=$(timeout 5 "$FIELDCHECK" --forms "$dir" record add --form "$id" "$@" 2> "$SCRATCH/err")
	if [ -z "$uuid" ]; then
		sed 's/^/# /' "$SCRATCH/err"
		return 1
	fi
	got=$(answer_of "$uuid" "${want%%=*}")
	[ "$got" = "$id:${want#*=}" ] || { echo "# read back '$got', want '$id:${want#*=}'"; return 1; }
	basename "$file" .csv >> "$SCRATCH/saved"
}

# refused FILE LINE:COL REASON: forms check exits 1 (within 1 s), naming the
# position and the reason.
refused() {
	timeout 1 "$FIELDCHECK" forms check "$FIXTURES/$1" > /dev/null 2> "$SCRATCH/err"
	[ $? -eq 1 ] || { echo "# exit status was not 1"; return 1; }
	grep -qF "$(basename "$1"):$2: error: $3" "$SCRATCH/err" || { sed 's/^/# /' "$SCRATCH/err"; return 1; }
}

R=xlsform-real P=xlsform-pyxform

# ---- Real forms that load and save ----
check "hot_parking_survey: metadata, a dateTime, selects, a photo" saves $R/hot_parking_survey.csv \
	vehicle_type='taxis_with_products motorbikes' --at 6.30,-10.80,4 \
	time_recorded=2026-11-20T09:30 congestion_level=low park_along_road=yes \
	'vehicle_type=taxis_with_products motorbikes' image=/sdcard/DCIM/lot-3.jpg
check "hot_infrastructure: an osm question (a file) and its osm sheet, an empty choices sheet" \
	saves $R/hot_infrastructure.csv osm_infrastructure=/sdcard/odk/osm/lot-3.osm \
	osm_infrastructure=/sdcard/odk/osm/lot-3.osm
check "ona_MCH_v1: nested groups, relevance on choice names" saves $R/ona_MCH_v1.csv \
	bp=120 number=12 beneficiary=1 month=m1 service=1 bp=120 height=160 weight=58 lab=yes \
	HPlevel=11 source=1
check "ona_battery_life: start, deviceid, end" saves $R/ona_battery_life.csv deviceid=hh-07 \
	bl_tr=0 bl_br=0
check "ona_dhisform: no version setting" saves $R/ona_dhisform.csv location=Monrovia \
	population_under_5=120 total_population=900 location=Monrovia period=2026-11-01
check "ona_good_eats_multilang: or_other, a stray choice row, imei empty" saves \
	$R/ona_good_eats_multilang.csv food_type_other=street\ noodles food_type=other \
	food_type_other='street noodles' description=Noodles amount=12.5 rating=nasty \
	risk_factor=low_risk gps='6.3 -10.8 0 5'
check "ona_sample_accent: accented choice names" saves $R/ona_sample_accent.csv \
	'words_with_accents=père tête' 'words_with_accents=père tête'
check "ona_subdistrict_profiling_tool: external_choices, choice_filter, 76 questions" \
	saves $R/ona_subdistrict_profiling_tool.csv governorate=SY08 $(python3 - "$FIXTURES/$R/ona_subdistrict_profiling_tool.csv" <<'PY'
# A full answer set: every required question at top relevance, its first choice.
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
sheet, head, lists, qs = None, None, {}, []
for r in rows:
    if r and r[0].strip():
        sheet, head = r[0].strip().lower(), None
        if len(r) > 1 and any(c.strip() for c in r[1:]):
            head = [c.strip().lower() for c in r]
        continue
    if head is None:
        if len(r) > 1 and any(c.strip() for c in r[1:]):
            head = [c.strip().lower() for c in r]
        continue
    d = dict(zip(head, r))
    if sheet == "choices" and d.get("list_name"):
        lists.setdefault(d["list_name"], []).append(d["name"])
    if sheet == "survey":
        qs.append(d)
fixed = {"User": "wang", "report_date": "2026-11-20", "governorate": "SY08",
         "district": "SY0800", "subdistrict": "SY080000"}
import re
given = {}
for d in qs:
    t, n = d.get("type", "").split(), d.get("name", "")
    rel = re.fullmatch(r"\$\{(\w+)\} = '(\w+)'", d.get("relevant", "").strip())
    if rel and given.get(rel.group(1)) != rel.group(2):
        continue
    if not t or d.get("required", "").lower() != "true" or (d.get("relevant", "").strip() and not rel):
        continue
    if n in fixed:
        v = fixed[n]
    elif t[0].startswith("select_one"):
        v = "no" if "no" in lists.get(t[1], []) else lists[t[1]][0]
    elif t[0] == "select_multiple":
        v = lists[t[1]][0]
    elif t[0] == "integer":
        v = "3"
    elif t[0] == "date":
        v = "2026-11-20"
    else:
        v = "none"
    given[n] = v
    print("%s=%s" % (n, v))
PY
)
check "pete_landCoverTemplate: range, parameters, start-geopoint" saves \
	$R/pete_landCoverTemplate.csv site-lclu=urban --at 5.60,-0.20,3 site-author=Pete \
	site-name=Tema-7 site-lclu=urban site-photo=/sdcard/DCIM/site.jpg
check "pete_shopTemplate: max-pixels kept, start-geopoint" saves $R/pete_shopTemplate.csv \
	shop-size=1 --at 5.60,-0.20,3 shop-size=1 shop-name=Goldline
check "pyx_choice_filter_test: cascading selects" saves $R/pyx_choice_filter_test.csv \
	city=dumont state=washington county=king city=dumont
check "pyx_hidden: a hidden field" saves $R/pyx_hidden.csv hidden_test=-
check "pyx_ict_survey_fails: one select" saves $R/pyx_ict_survey_fails.csv internet_teach=yes \
	internet_teach=yes
check "pyx_xml_escaping: calculations with markup" saves $R/pyx_xml_escaping.csv \
	table_list_3=yes table_list_3=yes
check "liberia_StdForm: a repeat_count from an answer, position(..) in a group's relevance" \
	saves $R/liberia_StdForm.csv 'repeat1[2]/weight=999' id=7 repeatNum=2 \
	'repeat1[1]/weight=12.5' 'repeat1[1]/muac=140' 'repeat1[1]/oedema=0' \
	'repeat1[1]/heightInit=88.5' 'repeat1[1]/lenHeight=1' 'repeat1[2]/weight=999' \
	'repeat1[2]/muac=132' 'repeat1[2]/oedema=1' 'repeat1[2]/heightInit=70.2' \
	'repeat1[2]/lenHeight=0'
check "pyx_xlsform_spec_test: a repeat of two entries with groups, required inside" saves \
	$R/pyx_xlsform_spec_test.csv 'repeat_test[2]/select_multiple_test=yes' skip_to_end=no \
	my_name=Wang a_integer=5 a_decimal=2.5 'repeat_test[1]/required_text=north span' \
	'repeat_test[1]/list-nolabel-test=yes' 'repeat_test[2]/required_text=south span' \
	'repeat_test[2]/list-nolabel-test=no' 'repeat_test[2]/select_multiple_test=yes'
check "ona_transportation: a loop over a list, %(name)s in its relevance" saves \
	$R/ona_transportation.csv \
	transport/loop_over_transport_types_frequency/bus/frequency_to_referral_facility=weekly \
	'available_transportation_types_to_referral_facility=ambulance bus' \
	transport/loop_over_transport_types_frequency/ambulance/frequency_to_referral_facility=daily \
	transport/loop_over_transport_types_frequency/bus/frequency_to_referral_facility=weekly \
	image1=/sdcard/DCIM/road.jpg
check "suas_Pilot_Log_Book: a group by relevance, an acknowledge" saves \
	$R/suas_Pilot_Log_Book.csv Flight_Time=0.5 PIC=self RPA_type=Multirotor \
	Engines=Single_engine Flight_Time=0.5 Remark='survey flight' ack=OK

# ---- Real forms that are refused, each at its place, for its reason ----
check "hot_toilets: curly quotes as string delimiters (an authoring mistake)" \
	refused $R/hot_toilets.csv 10:378 "relevant of 'instructions': unexpected character '’'"
check "hot_toilets: select_one_from_file a GeoJSON file" refused $R/hot_toilets.csv 13:2 \
	"'toilets.geojson': only a CSV file beside the form is read for choices"
check "liberia_CoverageVillageForm: a choice twice without allow_choice_duplicates" \
	refused $R/liberia_CoverageVillageForm.csv 24:11 "choice '4' appears twice in list 'district'"
check "liberia_CoverageVillageForm: pulldata() without its sampleList.csv" \
	refused $R/liberia_CoverageVillageForm.csv 7:19 \
	"calculation of 'map': pulldata(): no column 'gmap' or 'EFEACODE' in 'sampleList.csv'"
check "ona_childrens_survey_unicode: a repeat inside a repeat" refused \
	$R/ona_childrens_survey_unicode.csv 10:2 \
	"a repeat inside a repeat ('cartoons' in 'children.info') is not supported"
check "ona_enumerator_weekly: three 'label' columns (pyxform refuses it too)" \
	refused $R/ona_enumerator_weekly.csv 2:18 "column 'label' repeats the meaning of an earlier column"
check "opengis_service_rating: the type 'country' (pyxform refuses it too)" \
	refused $R/opengis_service_rating.csv 36:2 "unsupported question type 'country'"
check "pyx_or_other: a bare word where 'yes' was meant (an authoring mistake)" \
	refused $R/pyx_or_other.csv 4:68 "choice_filter of 'fav_pastel': 'yes' is not a column"

# ---- pyxform's own fixtures ----
check "gps: the gps alias" saves $P/gps.csv 'location=6.3 -10.8 0 5' 'location=6.3 -10.8 0 5'
check "group: phone number in a group" saves $P/group.csv phone_number=0777123456 \
	family_name=Doe phone_number=0777123456 age=61
check "specify_other: 'or specify other'" saves $P/specify_other.csv sex_other=unsaid \
	sex=other sex_other=unsaid
check "text_and_integer" saves $P/text_and_integer.csv your_age=41 your_name=Wang your_age=41
check "utf_csv" saves $P/utf_csv.csv burger_toppings=cheese burger_toppings=cheese
check "widgets: barcode, audio, video, readonly, every widget" saves $P/widgets.csv \
	my_barcode=6901234567892 my_date=2099-01-01 my_barcode=6901234567892 \
	my_audio=/sdcard/a.m4a my_video=/sdcard/v.mp4 my_trigger=OK
check "yes_or_no_question" saves $P/yes_or_no_question.csv good_day=yes good_day=yes
check "case_insensitivity: an entities sheet" refused $P/case_insensitivity.csv 17:1 \
	"unsupported sheet 'entities'"
check "fruits: a name_key sheet and no survey" refused $P/fruits.csv 1:1 \
	"unsupported sheet 'name_key'"
check "loop: a loop with %(label)s" saves $P/loop.csv loop_toilet_types/bucket_system/number=3 \
	available_toilet_types=bucket_system loop_toilet_types/bucket_system/number=3
check "simple_loop: a loop" saves $P/simple_loop.csv my_table/col2/count=5 \
	my_table/col1/count=2 my_table/col2/count=5

# A repeat's entries leave as ODK exports them: the main CSV, one CSV per
# repeat joined by the parent's id, and GeoJSON arrays of entries.
day=$(FC --db "$DB" list --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["day"])')
FC --db "$DB" --forms "$SCRATCH/forms/liberia_StdForm" export --day "$day" --form liberiaStdForm \
	--format csv -o "$SCRATCH/liberia.csv" 2> "$SCRATCH/export.err"
check "export --format csv -o writes each repeat beside the main CSV" \
	grep -q "entries of 'repeat1' written to $SCRATCH/liberia-repeat1.csv" "$SCRATCH/export.err"
check "the repeat's CSV: a row per entry, PARENT_KEY the main row's id, KEY id/repeat1[N]" \
	python3 - "$SCRATCH/liberia.csv" "$SCRATCH/liberia-repeat1.csv" <<'PY'
import csv, sys
main = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
rep = list(csv.DictReader(open(sys.argv[2], encoding="utf-8", newline="")))
assert len(main) == 1 and not any("[" in k for k in main[0]), main[0].keys()
assert main[0]["repeatNum"] == "2"
assert [r["weight"] for r in rep] == ["12.5", "999"], rep
assert [r["lenHeight"] for r in rep] == ["1", "0"], rep
assert all(r["PARENT_KEY"] == main[0]["id"] for r in rep)
assert [r["KEY"] for r in rep] == [main[0]["id"] + "/repeat1[1]", main[0]["id"] + "/repeat1[2]"]
PY
FC --db "$DB" --forms "$SCRATCH/forms/liberia_StdForm" export --day "$day" --form liberiaStdForm \
	--format csv > /dev/null 2> "$SCRATCH/export.err"
check "export to stdout says where repeat entries go" \
	grep -q "repeat entries (repeat1): with -o FILE" "$SCRATCH/export.err"
FC --db "$DB" --forms "$SCRATCH/forms/liberia_StdForm" record add --form liberiaStdForm \
	--at 6.3,-10.8,5 id=8 repeatNum=1 \
	'repeat1[1]/weight=9.5' 'repeat1[1]/muac=120' 'repeat1[1]/oedema=0' \
	'repeat1[1]/heightInit=75' 'repeat1[1]/lenHeight=0' > /dev/null 2>&1
FC --db "$DB" --forms "$SCRATCH/forms/liberia_StdForm" export --day "$day" --form liberiaStdForm \
	--format geojson -o "$SCRATCH/liberia.geojson" 2> /dev/null
check "GeoJSON nests a repeat's entries as an array of objects" \
	python3 - "$SCRATCH/liberia.geojson" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
a = doc["features"][0]["properties"]["answers"]
assert a["repeat1"] == [{"weight": "9.5", "muac": "120", "oedema": "0", "heightInit": "75",
    "lenHeight": "0"}], a
assert not any("[" in k for k in a), a
PY

# The share of real forms that pyxform accepts, authoring mistakes left out,
# that load and save here (the issue's goal: 85 %).
clean="hot_parking_survey hot_infrastructure ona_MCH_v1 ona_battery_life ona_dhisform
ona_good_eats_multilang ona_sample_accent ona_subdistrict_profiling_tool pete_landCoverTemplate
pete_shopTemplate pyx_choice_filter_test pyx_hidden pyx_ict_survey_fails pyx_xml_escaping
suas_Pilot_Log_Book liberia_StdForm pyx_xlsform_spec_test ona_childrens_survey_unicode
ona_transportation"
total=0 saved=0
for b in $clean; do
	total=$((total + 1))
	grep -qx "$b" "$SCRATCH/saved" 2> /dev/null && saved=$((saved + 1))
done
echo "# real forms pyxform accepts: $saved of $total load and save ($((saved * 100 / total)) %)"
check "at least 85 % of the real forms pyxform accepts load and save" \
	[ $((saved * 100)) -ge $((total * 85)) ]

# Every fixture has its expectation above.
for f in "$FIXTURES/$R"/*.csv "$FIXTURES/$P"/*.csv; do
	b=$(basename "$f" .csv)
	grep -q "[/ ]$b[.: ]" "$0" || echo "# no expectation for $f"
done > "$SCRATCH/missing"
check "every real and pyxform fixture has an expectation" [ ! -s "$SCRATCH/missing" ]
cat "$SCRATCH/missing"
