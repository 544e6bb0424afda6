#!/bin/sh
# HTTPS between the handheld and the depot, with a city CA made here by
# openssl (in the scratch directory, never kept):
#   with --cacert (or cacert in the configuration) fieldcheck sync drains;
#   without it, or against a certificate for another host, it fails saying
#   why and nothing is marked sent; the depot refuses bad TLS options.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

check "openssl is installed (scripts/deps.sh)" sh -c 'command -v openssl > /dev/null'
PKI="$SCRATCH/pki"
mkdir -p "$PKI"

# cert NAME SAN: a P-256 key and a server certificate for SAN, signed by the CA.
cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2> /dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" \
		> "$PKI/$1.ext" &&
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
		-days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2> /dev/null
}
city_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=fieldcheck test city CA" -days 2 -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2> /dev/null
}
check "a throwaway city CA" city_ca
check "a depot certificate for 127.0.0.1 and localhost" cert depot 'IP:127.0.0.1,DNS:localhost'
check "a certificate for another host" cert elsewhere 'DNS:depot.elsewhere.example'
chmod 600 "$PKI"/*.key

https_health() {
	curl -sf --max-time 2 --cacert "$PKI/ca.pem" "https://127.0.0.1:$1/v1/health" | grep -q fieldcheck-depot
}
# tls_start NAME: serves over HTTPS with NAME's certificate and key.
tls_start() {
	depot_serve --tls-cert "$PKI/$1.pem" --tls-key "$PKI/$1.key" &&
		wait_for 10 curl -sk --max-time 1 "https://127.0.0.1:$PORT/v1/health"
}
puts() { grep -c 'PUT ' "$DEPOT_LOG"; }
no_health() { ! health "$1"; }

depot_init
tls_start depot
check "depot answers /v1/health over HTTPS, verified against the city CA" https_health "$PORT"
check "the depot says it serves https" grep -q 'listening on .* (https)' "$DEPOT_LOG"
check "plain HTTP to the HTTPS port gets no health answer" no_health "$PORT"
check "curl without the city CA refuses the certificate" \
	sh -c "! curl -sf --max-time 2 https://127.0.0.1:$PORT/v1/health > /dev/null"

make_records "$HH" 40 || not_ok "records made"

# Without the CA: a certificate error, and nothing leaves the queue.
sync_to "https://127.0.0.1:$PORT" --once > /dev/null 2> "$SCRATCH/nocacert.err"
check "without --cacert: sync fails" test $? -ne 0
check "without --cacert: it says the certificate was not accepted" \
	grep -q 'TLS certificate was not accepted (SSL certificate problem' "$SCRATCH/nocacert.err"
check "without --cacert: still 40 queued" test "$(queued)" = 40
check "without --cacert: the depot received no upload" test "$(puts)" = 0
check "without --cacert: the depot stored nothing" test "$(depot_count)" = 0

# With the CA: drains.
sync_to "https://127.0.0.1:$PORT" --cacert "$PKI/ca.pem" > /dev/null 2> "$SCRATCH/ok.err"
check "with --cacert: sync exits 0" test $? -eq 0
check "with --cacert: 0 queued" test "$(queued)" = 0
check "with --cacert: the depot holds the 40 records" test "$(depot_count)" = 40
answers "$HH" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "with --cacert: the depot's answers are the handheld's" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"

# cacert from the configuration file, no flag.
make_records "$HH" 5 || not_ok "records made"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'cacert = %s\n' "$PKI/ca.pem" > "$XDG_CONFIG_HOME/fieldcheck/config"
sync_to "https://127.0.0.1:$PORT" > /dev/null 2> "$SCRATCH/config.err"
check "cacert in the configuration: sync exits 0" test $? -eq 0
check "cacert in the configuration: the depot holds 45" test "$(depot_count)" = 45
printf 'cacert = %s\n' "$PKI/ca.key" > "$XDG_CONFIG_HOME/fieldcheck/config"
make_records "$HH" 1 || not_ok "records made"
sync_to "https://127.0.0.1:$PORT" --once > /dev/null 2> "$SCRATCH/badca.err"
check "a cacert that is no certificate: sync fails" test $? -ne 0
check "a cacert that is no certificate: it says so" grep -q 'not a readable PEM CA certificate' \
	"$SCRATCH/badca.err"
rm "$XDG_CONFIG_HOME/fieldcheck/config"

# A certificate the city CA signed, but for another host: refused too.
depot_stop
puts_before=$(puts)
tls_start elsewhere
sync_to "https://127.0.0.1:$PORT" --cacert "$PKI/ca.pem" --once > /dev/null 2> "$SCRATCH/host.err"
check "a certificate for another host: sync fails" test $? -ne 0
check "a certificate for another host: it says the certificate was not accepted" \
	grep -q 'TLS certificate was not accepted' "$SCRATCH/host.err"
check "a certificate for another host: still 1 queued" test "$(queued)" = 1
check "a certificate for another host: the depot received no upload" test "$(puts)" = "$puts_before"
depot_stop

# The depot refuses TLS options it cannot use, before serving.
"$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:$PORT" --tls-cert "$PKI/depot.pem" \
	> /dev/null 2> "$SCRATCH/half.err"
check "--tls-cert without --tls-key: refused" test $? -ne 0
check "--tls-cert without --tls-key: says both are needed" grep -q 'needs both --tls-cert' "$SCRATCH/half.err"
"$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:$PORT" --tls-cert "$PKI/depot.pem" \
	--tls-key "$PKI/depot.ext" > /dev/null 2> "$SCRATCH/notpem.err"
check "a key file that is not PEM: refused" test $? -ne 0
check "a key file that is not PEM: says so" grep -q -- '--tls-key .*not a PEM file' "$SCRATCH/notpem.err"
chmod 644 "$PKI/depot.key"
timeout 10 "$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:$PORT" --tls-cert "$PKI/depot.pem" \
	--tls-key "$PKI/depot.key" > /dev/null 2> "$SCRATCH/open.err"
check "a key any user can read: refused" test $? -eq 1
check "a key any user can read: says so, with the fix" \
	grep -q -- '--tls-key .*depot.key can be read by any user (mode 644); run chmod 600' "$SCRATCH/open.err"
chmod 640 "$PKI/depot.key"
tls_start depot
check "a key only its group can read (640): served" https_health "$PORT"
depot_stop
chmod 600 "$PKI/depot.key"
timeout 10 "$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:$PORT" --tls-cert "$PKI/depot.pem" \
	--tls-key "$PKI/elsewhere.key" > /dev/null 2> "$SCRATCH/mismatch.err"
check "a key that does not match the certificate: refused at start" test $? -eq 1
check "a key that does not match the certificate: says so" grep -q 'certificate and key refused' \
	"$SCRATCH/mismatch.err"
