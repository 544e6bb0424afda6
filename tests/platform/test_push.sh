#!/bin/sh
# fieldcheck-depot platform push against a small platform of our own on
# 127.0.0.1 (tests/platform/receiver.py) that answers 500, HTML, nothing
# (a timeout), 409 and 400: nothing is lost, nothing is created twice, and
# a refused case is set aside with the platform's reason.
. "$(dirname "$0")/../lib.sh"

DB="$SCRATCH/depot.db"
Q="$DB.platform"
DAY=$(date +%F)
FC() { "$FIELDCHECK" --db "$DB" --forms "$TOP/forms/checklists" "$@"; }
export XDG_CONFIG_HOME="$SCRATCH/config"
PUSH() { "$DEPOT" --db "$DB" platform push --forms "$TOP/forms/checklists" --day "$DAY" \
	--url "http://127.0.0.1:$port/cases" --timeout 1 --retry-base 0 "$@"; }

if [ ! -x "$TOP/$BUILD/fieldcheck-push" ]; then
	not_ok "build first: $TOP/$BUILD/fieldcheck-push"
	exit 1
fi
: > "$SCRATCH/script"
python3 "$TOP/tests/platform/receiver.py" "$SCRATCH/port" "$SCRATCH/script" "$SCRATCH/log" &
rpid=$!
at_exit "kill $rpid"
check "the receiver listens" wait_for 10 test -s "$SCRATCH/port"
port=$(cat "$SCRATCH/port")

FC record add --form road --inspector wang --at 31.225,121.465,4 asset_id=南京东路-1 \
	subsidence=severe manhole_cover=minor \
	manhole_cover_owner=gas > /dev/null
FC record add --form urban_furniture --inspector li --at 31.235,121.475,4 asset_id=灯杆-7 \
	furniture_type=street_light pole_tilt=minor > /dev/null
queued() { ls "$Q/queue" 2>/dev/null | grep -c '\.json$'; }
requests() { wc -l < "$SCRATCH/log" 2>/dev/null || echo 0; }

# ---- an outage: 500, a login page, no answer ----
printf '500\nhtml\nhang\n' > "$SCRATCH/script"
PUSH --once 2> "$SCRATCH/err1"
check "a pass the platform fails exits 1" [ $? -eq 1 ]
check "all three cases stay queued, durably on disk" [ "$(queued)" -eq 3 ]
check "the platform saw three POSTs, each with an idempotency key and JSON" \
	sh -c "[ \$(jq -r 'select(.key != \"\" and .ctype == \"application/json\") | .key' '$SCRATCH/log' | wc -l) -eq 3 ]"
check "500 is retried, saying so" grep -q ': 500 from the platform; attempt 1' "$SCRATCH/err1"
check "an HTML page is not success" grep -q ': 200 with text/html, not JSON (a login page?); attempt 1' "$SCRATCH/err1"
check "no answer within --timeout is retried" grep -q ': no answer: Timeout was reached; attempt 1' "$SCRATCH/err1"
check "each attempt is counted in the queue" \
	sh -c "cat '$Q'/queue/*.try | awk '\$1 == 1' | wc -l | grep -qx 3"

# ---- the platform is back ----
PUSH --once 2> "$SCRATCH/err2"
check "the next pass delivers everything (exit 0)" [ $? -eq 0 ]
check "the queue is empty and three cases are recorded as sent" \
	sh -c "[ $(queued) -eq 0 ] && [ \$(ls '$Q/sent' | wc -l) -eq 3 ]"
check "a retry sends the same key for the same content: 3 keys over 6 POSTs" \
	sh -c "[ \$(wc -l < '$SCRATCH/log') -eq 6 ] && [ \$(jq -r .key '$SCRATCH/log' | sort -u | wc -l) -eq 3 ]"
check "the key is the case id and the SHA-256 of the body" \
	sh -c "jq -e -s 'all(.[]; .key == (.case.caseId + \".\" + .sha))' '$SCRATCH/log' > /dev/null"

# ---- nothing new: nothing sent ----
n=$(requests)
PUSH --once 2> "$SCRATCH/err3"
check "an unchanged day sends nothing" sh -c "[ $? -eq 0 ] && [ $(requests) -eq $n ] && grep -q '3 cases, 0 new or changed' '$SCRATCH/err3'"

# ---- a changed case goes again, under a new key; 409 counts as delivered ----
cat > "$SCRATCH/city.csv" <<'CSV'
kind,major,major_name,minor,minor_name,source
事件,04,突发事件,01,道路塌陷（本市）,city
CSV
printf '409\n' > "$SCRATCH/script"
PUSH --once --codes "$SCRATCH/city.csv" 2> "$SCRATCH/err4"
check "a changed case is sent again and a 409 counts as delivered" \
	sh -c "[ $? -eq 0 ] && grep -q '1 new or changed' '$SCRATCH/err4' && grep -q 'delivered (409' '$SCRATCH/err4'"
check "its new key differs from the old one" [ "$(jq -r .key "$SCRATCH/log" | sort -u | wc -l)" -eq 4 ]

# ---- a refusal is set aside with the platform's reason ----
# (the city's table grows, so that each step changes exactly one case)
echo "部件,01,公用设施,18,路灯（本市）,city" >> "$SCRATCH/city.csv"
printf '400\n' > "$SCRATCH/script"
PUSH --once --codes "$SCRATCH/city.csv" 2> "$SCRATCH/err5"
check "a 400 is a refusal: exit 1, the case kept in refused/ with the reason" \
	sh -c "[ $? -eq 1 ] && grep -q '1 new or changed' '$SCRATCH/err5'"
check "the refused case is the street light's" \
	sh -c "grep -q '路灯（本市）' '$Q'/refused/*.json && grep -q 'cellId unknown' '$Q'/refused/*.why && [ $(queued) -eq 0 ]"
n=$(requests)
PUSH --once --codes "$SCRATCH/city.csv" 2> /dev/null
check "a refused case is not retried by itself" [ "$(requests)" -eq "$n" ]

# ---- without --once: retried with backoff until delivered ----
echo "部件,01,公用设施,11,燃气井盖（本市）,city" >> "$SCRATCH/city.csv"
printf '500\n500\n' > "$SCRATCH/script"
PUSH --codes "$SCRATCH/city.csv" 2> "$SCRATCH/err6"
st=$?
check "the push keeps trying until the platform takes the case" \
	sh -c "[ $st -eq 0 ] && [ $(queued) -eq 0 ] && grep -q 'attempt 2' '$SCRATCH/err6' || { cat '$SCRATCH/err6' >&2; false; }"

# ---- a redirect (a captive portal's) is no refusal: the case is tried again ----
FC record add --form urban_furniture --inspector li --at 31.236,121.476,4 asset_id=灯杆-8 \
	furniture_type=street_light pole_tilt=minor > /dev/null
printf '302\n' > "$SCRATCH/script"
PUSH --once 2> "$SCRATCH/err7"
check "a 302 leaves the case queued (exit 1)" sh -c "[ $? -eq 1 ] && [ $(queued) -eq 1 ]"
check "a 302 sets nothing aside as refused" [ "$(ls "$Q/refused" | grep -c '\.json$')" -eq 1 ]
PUSH --once 2> "$SCRATCH/err7b"
check "the next pass delivers it" sh -c "[ $? -eq 0 ] && [ $(queued) -eq 0 ] && grep -q 'delivered (201)' '$SCRATCH/err7b'"

# ---- the platform's reason reaches the terminal and the queue without control bytes ----
FC record add --form urban_furniture --inspector li --at 31.237,121.477,4 asset_id=灯杆-9 \
	furniture_type=street_light pole_tilt=minor > /dev/null
printf '400esc\n' > "$SCRATCH/script"
PUSH --once 2> "$SCRATCH/err8"
no_escape() { ! grep -q "$(printf '\033')" "$@"; }
check "the refusal is reported" grep -q 'refused by the platform' "$SCRATCH/err8"
check "no escape byte reaches the terminal" no_escape "$SCRATCH/err8"
check "no escape byte is kept in the reason" no_escape "$Q"/refused/*.why

# ---- bad arguments ----
"$DEPOT" --db "$DB" platform push --url ftp://x --day "$DAY" > /dev/null 2>&1
check "a URL that is not http(s) is a usage error" [ $? -eq 2 ]
"$DEPOT" --db "$DB" platform push --url http://127.0.0.1:1/ > /dev/null 2>&1
check "push without --day is a usage error" [ $? -eq 2 ]

# ---- HTTPS with a throwaway city CA (made here by openssl, never kept) ----
PKI="$SCRATCH/pki"
mkdir -p "$PKI"
make_pki() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=test city CA" \
		-days 2 -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2> /dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=platform" \
		-keyout "$PKI/platform.key" -out "$PKI/platform.csr" 2> /dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$PKI/ext" &&
	openssl x509 -req -in "$PKI/platform.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 2 -extfile "$PKI/ext" -out "$PKI/platform.pem" 2> /dev/null
}
check "a throwaway CA and a certificate for 127.0.0.1" make_pki
: > "$SCRATCH/tls.script"
python3 "$TOP/tests/platform/receiver.py" "$SCRATCH/tls.port" "$SCRATCH/tls.script" \
	"$SCRATCH/tls.log" "$PKI/platform.pem" "$PKI/platform.key" &
tpid=$!
at_exit "kill $tpid"
check "the HTTPS receiver listens" wait_for 10 test -s "$SCRATCH/tls.port"
TPUSH() { "$DEPOT" --db "$DB" platform push --forms "$TOP/forms/checklists" --day "$DAY" \
	--url "https://127.0.0.1:$(cat "$SCRATCH/tls.port")/cases" --timeout 5 --retry-base 0 "$@"; }
FC record add --form urban_furniture --inspector li --at 31.238,121.478,4 asset_id=灯杆-10 \
	furniture_type=street_light pole_tilt=minor > /dev/null
TPUSH --once 2> "$SCRATCH/tls1"
check "without --cacert the platform's certificate is not accepted: exit 1" [ $? -eq 1 ]
check "it says why and names --cacert" grep -q "TLS certificate was not accepted (.*); a city CA needs --cacert" "$SCRATCH/tls1"
check "the case stays queued" [ "$(queued)" -eq 1 ]
check "nothing reached the platform" [ ! -s "$SCRATCH/tls.log" ]
TPUSH --once --cacert "$PKI/ca.pem" 2> "$SCRATCH/tls2"
check "with --cacert the case is delivered over HTTPS" \
	sh -c "[ $? -eq 0 ] && [ $(queued) -eq 0 ] && [ \$(wc -l < '$SCRATCH/tls.log') -eq 1 ]"
TPUSH --once --cacert "$PKI/ca.key" > /dev/null 2> "$SCRATCH/tls3"
check "a --cacert that is no certificate is refused at the start (exit 2)" \
	sh -c "[ $? -eq 2 ] && grep -q 'not a PEM CA certificate' '$SCRATCH/tls3'"
