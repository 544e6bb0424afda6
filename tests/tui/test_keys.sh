#!/bin/sh
# Escape sequences the terminal description does not know never become
# input.  Under each TERM an inspector's terminal may have (xterm, rxvt,
# screen, tmux, the Linux console, vt100, vt220, xterm-mono), every variant
# of the arrows, Home, End, PgUp/PgDn and F1-F12 those terminals send, and a
# few sequences no key sends, go to home, a text question, a select
# question, the save screen and my day: no answer changes, no text is typed,
# no screen opens.  F1 and F10 in each of their forms do what they say.
# (Before the decoder, Home under xterm-256color went back a question and
# typed "[1~" into the asset.)
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "keys suite" jq

# The sequences, as printf formats.  Movement keys (each screen below may move
# its cursor, so they come in a fixed order that ends where it began).
UPS='\033[A \033OA \033[1;5A \033[1;2A \033[a'
DOWNS='\033[B \033OB \033[1;5B \033[b \033Ob'
LEFTS='\033[D \033OD \033[1;5D \033[d'
RIGHTS='\033[C \033OC \033[1;5C \033[c'
HOMES='\033[H \033OH \033[1~ \033[7~ \033[1;5H \033[7^'
ENDS='\033[F \033OF \033[4~ \033[8~ \033[1;2F \033[8$'
PGUPS='\033[5~ \033[5;5~ \033[5^'
PGDNS='\033[6~ \033[6;2~ \033[6$'
# Keys no screen here uses, modified F keys (not the F key), and sequences no key sends.
# (F6, \033[17~, is the duty key everywhere: tests/tui/test_duty.sh.)
UNUSED='\033[20~ \033[23~ \033[24~ \033[17;5~ \033[21;2~ \033[21$ \033[1;2P \033O2S
\033[2~ \033[2^ \033[25~ \033[34~ \033[99~ \033[9;9;9~ \033[Z \033[E \033OE \033[I \033[O
\033[?1;2c \033[5A \033O1;2X \033[[Z \033[<64;3;3M \033\033[A \033\033OP
\033[111111111111111111111111111111111111111111111111111111111111111111111111111111~'
F1S='\033OP \033[11~ \033[[A \033[P \033[1P'
F4S='\033OS \033[14~ \033[[D \033[S'
F10S='\033[21~'

send() { for _s in $1; do tmux_type "$(printf "$_s")"; done; }

# Everything that must change nothing here.  Home and End last, so an
# editor's cursor is back at the end of its text.
send_harmless() {
	send "$UPS"; send "$DOWNS"; send "$PGUPS"; send "$PGDNS"
	send "$UNUSED"
	send "$LEFTS"; send "$RIGHTS"; send "$HOMES"; send "$ENDS"
}

# Wait until every key sent so far is handled (help opens and closes), then
# compare the whole screen with $1.
same_screen() {
	send '\033OP'
	tmux_wait "Keys" 5 || return 1
	tmux_keys Escape
	tmux_wait_gone "Keys" 5 || return 1
	tmux_screen > "$SCRATCH/after"
	if cmp -s "$1" "$SCRATCH/after"; then return 0; fi
	echo "# before / after:" >&2
	diff "$1" "$SCRATCH/after" | sed 's/^/#   /' >&2
	return 1
}

# every_variant_opens_help: each form of F1 opens help, Esc closes it.
every_f1() {
	for _s in $F1S; do
		send "$_s"
		tmux_wait "Keys" 5 || return 1
		tmux_keys Escape
		tmux_wait_gone "Keys" 5 || return 1
	done
}

line_is() { tmux_screen | grep -qx -- "$1"; }

for term in xterm-256color rxvt-unicode screen tmux-256color linux vt100 vt220 xterm-mono; do
	if ! infocmp "$term" >/dev/null 2>&1; then
		echo "# no terminfo entry for $term here: its keys are decoded all the same"
	fi
	DB="$SCRATCH/$term.db"
	tmux_start 40 15 env TERM="$term" "$FIELDCHECK" --db "$DB" --gpsd none --inspector i1 --lang en
	tmux_wait "Checklists" || continue

	# Home.
	tmux_screen > "$SCRATCH/before"
	send_harmless
	check "$term: home: no variant opens a screen or changes it" same_screen "$SCRATCH/before"
	check "$term: home: every form of F1 opens help" every_f1

	# A text question: nothing typed, the cursor back at the end.
	tmux_keys 1
	tmux_wait "Road id or location"
	tmux_type "R9"
	tmux_wait "> R9"
	send_harmless
	tmux_type "Z"
	check "$term: text: no variant types text" tmux_wait "> R9Z" 5
	check "$term: text: the answer is exactly what was typed" line_is "> R9Z"
	tmux_keys Enter

	# A select question: the pick stays (arrows pick; a digit would move on).
	tmux_wait "Road subsidence"
	tmux_keys Down Down
	tmux_wait "(•) Moderate"
	tmux_screen > "$SCRATCH/before"
	send "$HOMES"; send "$ENDS"; send "$PGUPS"; send "$PGDNS"; send "$LEFTS"; send "$RIGHTS"
	send "$UNUSED"
	check "$term: select: no variant changes the answer or the screen" same_screen "$SCRATCH/before"
	check "$term: select: every form of F1 opens help" every_f1

	# The save screen: F10 goes back to the question, F4 comes back.
	for f4 in $F4S; do
		send "$f4"
		tmux_wait "No usable position" 5 || break
		send "$F10S"
		tmux_wait "Road subsidence" 5 || break
	done
	check "$term: every form of F4 and F10 went there and back" tmux_wait "(•) Moderate" 5
	send '\033OS'
	tmux_wait "No usable position"
	tmux_screen > "$SCRATCH/before"
	send_harmless
	check "$term: save: no variant changes the screen" same_screen "$SCRATCH/before"
	send "$F10S"
	tmux_wait "Road subsidence"
	tmux_keys Enter
	tmux_wait "Subsided area"
	send "$F10S"
	tmux_wait "Checklists"
	check "$term: the draft holds exactly the answers given" jq_records draft \
		'length == 1 and .[0].answers.asset_id == "R9Z" and .[0].answers.subsidence == "moderate"'

	# My day.
	send '\033OR'
	tmux_wait "My day:"
	tmux_screen > "$SCRATCH/before"
	send_harmless
	check "$term: my day: no variant changes the screen" same_screen "$SCRATCH/before"
	send "$F10S"
	tmux_wait "Checklists"
	send "$F10S"
	check "$term: F10 on home leaves" test "$(tmux_exited 5)" = 0
	tmux_stop
done
