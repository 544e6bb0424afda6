#!/bin/sh
# How fieldcheck sync takes the depot's answers: it stops at once on 401
# (its token refused) and 403 (a token of another device), sending nothing
# more and marking nothing sent; it retries 408, 429 and 5xx until the depot
# takes the bundle.  401 and 403 come from a real depot; the statuses a real
# depot does not give on demand come from tests/sync/netfault.py's `answer`
# proxy in front of it, for the first two requests only; so does a refusal
# whose reason carries terminal escapes, which must reach no terminal.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init
depot_start || { not_ok "the depot starts"; exit 1; }
make_records "$HH" 20 || not_ok "records made"
puts() { grep -c 'PUT ' "$DEPOT_LOG"; }

# stops CODE TOKEN_FILE: sync with that token stops at the depot's CODE:
# non-zero at once despite --retry-for, saying CODE, one PUT, no retry,
# nothing stored or marked sent, all 20 still queued.
stops() {
	before=$(puts)
	"$FIELDCHECK" --db "$HH" sync --server "http://127.0.0.1:$PORT" --device hh1 \
		--token-file "$2" --retry-for 30 --max-bundle 2048 > /dev/null 2> "$SCRATCH/$1.err"
	st=$?
	check "$1: sync fails at once, even with --retry-for" test "$st" -ne 0
	check "$1: says $1 ($(head -n 1 "$SCRATCH/$1.err"))" grep -q "$1" "$SCRATCH/$1.err"
	check "$1: no retry" sh -c "! grep -q 'retrying in' '$SCRATCH/$1.err'"
	check "$1: one PUT, then it stopped ($(($(puts) - before)))" test "$(($(puts) - before))" -eq 1
	check "$1: nothing stored on the depot" test "$(depot_count)" = 0
	check "$1: nothing marked sent" test "$("$FIELDCHECK" --db "$HH" list --status sent | wc -l)" -eq 0
	check "$1: all 20 still queued" test "$(queued)" = 20
}

# 401: a token the depot does not know.
printf 'not-a-token\n' > "$SCRATCH/bad-token" && chmod 600 "$SCRATCH/bad-token"
stops 401 "$SCRATCH/bad-token"
# 403: the token of another device.
"$DEPOT" --db "$DEPOT_DB" device add hh2 > "$SCRATCH/token2" && chmod 600 "$SCRATCH/token2"
stops 403 "$SCRATCH/token2"

# --- 408, 429, 500, 502, 503: retried until the depot takes the bundle ---
n=0
for code in 408 429 500 502 503; do
	n=$((n + 1))
	rm -f "$HH"*
	make_records "$HH" 3
	"$FIELDCHECK" --db "$HH" sync --status > /dev/null
	: > "$SCRATCH/events"
	python3 "$NETFAULT" answer 0 "$PORT" --status "$code" --faults 2 --events "$SCRATCH/events" \
		> "$SCRATCH/answer$code" &
	ans=$!
	at_exit "kill $ans 2>/dev/null"
	AP=$(wait_port "$SCRATCH/answer$code")
	sync_to "http://127.0.0.1:$AP" --retry-for 30 > /dev/null 2> "$SCRATCH/$code.err"
	st=$?
	kill "$ans" 2>/dev/null
	wait "$ans" 2>/dev/null
	check "$code twice: sync retries and exits 0" test "$st" -eq 0
	check "$code twice: both answers were met" test "$(grep -c "^answer PUT status=$code" "$SCRATCH/events")" -eq 2
	check "$code twice: it said it was retrying" grep -q 'retrying in' "$SCRATCH/$code.err"
	check "$code twice: 0 queued in the end" test "$(queued)" = 0
done
check "the depot holds each retried record once (5 x 3)" test "$(depot_unique)" = 15
check "and no more (15)" test "$(depot_count)" = 15

# --- the depot's words reach the terminal and the outbox without control bytes ---
rm -f "$HH"*
make_records "$HH" 3
python3 "$NETFAULT" answer 0 "$PORT" --status 400 --error "$(printf 'bad\033]0;owned\007\033[2J')" \
	> "$SCRATCH/answer-esc" &
ans=$!
at_exit "kill $ans 2>/dev/null"
AP=$(wait_port "$SCRATCH/answer-esc")
sync_to "http://127.0.0.1:$AP" --once > /dev/null 2> "$SCRATCH/esc.err"
kill "$ans" 2>/dev/null
wait "$ans" 2>/dev/null
"$FIELDCHECK" --db "$HH" outbox list > "$SCRATCH/esc.list" 2>&1
no_escape() { ! grep -q "$(printf '\033')" "$@"; }
check "the depot's reason is reported ($(head -n 1 "$SCRATCH/esc.err"))" grep -q 'bad' "$SCRATCH/esc.err"
check "no escape byte of the depot's reaches the terminal" no_escape "$SCRATCH/esc.err"
check "the outbox keeps the reason ($(grep -c bad "$SCRATCH/esc.list"))" grep -q 'bad' "$SCRATCH/esc.list"
check "no escape byte of the depot's is kept in the outbox" no_escape "$SCRATCH/esc.list"
