#!/bin/sh
# Taps and monochrome.  A mouse or touch tap (the terminal's X10 mouse
# report, injected into the pane) opens a checklist on home, picks a choice
# in a select question and presses an F key on the bar.  NO_COLOR, or a
# terminal without colours (vt100, xterm-mono), gives monochrome: the app
# works, no colour escape ever reaches the terminal, and severity still
# shows, spelled out and in bold underline (reverse is the cursor's).
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "input suite" jq

shows_at() { test "$(tmux_row "$1")" = "$2"; }

# --- Taps. ---
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --inspector insp7 --lang en
tmux_wait "Bridge inspection"
row=$(tmux_row "Bridge inspection")
tmux_tap 0 "$row"
check "a tap on a home row opens that checklist" tmux_wait "Bridge id or name"
tmux_type "B-7"
tmux_keys Enter
tmux_wait "Deck cracks"
row=$(tmux_row "( ) Moderate")
check "the choices are on screen, none picked" test -n "$row"
tmux_tap 6 "$row"
check "a tap on a choice picks it" tmux_wait "(•) Moderate"
check "and only that one" shows_at "( ) None found" "$((row - 2))"
tmux_keys Enter
check "Enter after the tap goes on" tmux_wait "Widest crack"
bar=$(tmux_screen | tail -n 1)
f10=$(printf '%s\n' "$bar" | awk '{ print index($0, "F10") - 1 }')
check "the F-key bar shows F10" test "$f10" -ge 0
tmux_tap "$f10" 23
check "a tap on F10 in the bar leaves the form for home" tmux_wait "Resume"
check "the tapped choice is in the draft" jq_records draft \
	'length == 1 and .[0].answers.deck_crack == "moderate" and .[0].answers.asset_id == "B-7"'
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- Monochrome (a database of its own: no draft to resume). ---
DB="$SCRATCH/mono.db"
"$FIELDCHECK" --db "$DB" record add --form road --inspector insp7 --at 31.23,121.47,5 \
	asset_id=R-1 road_class=arterial condition=poor pothole=severe \
	pothole_count=3 > /dev/null
"$FIELDCHECK" --db "$DB" record add --form road --inspector insp7 --at 31.23,121.47,5 \
	asset_id=R-2 road_class=arterial condition=fair markings=minor > /dev/null

# SGR codes that set a colour (30-37, 38;..., 40-47, 48;..., 90-97, 100-107);
# 39 and 49 (the default colours) are what tmux writes for plain cells.
colour_sgr() {
	tmux_screen_attrs | python3 -c '
import re, sys
for params in re.findall(r"\x1b\[([0-9;]*)m", sys.stdin.read()):
    for p in params.split(";"):
        if p and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 97 or 100 <= int(p) <= 107):
            sys.exit(0)
sys.exit(1)'
}
# The SGR parameters in force where TEXT starts.
attrs_at() {
	tmux_screen_attrs | python3 -c '
import re, sys
for line in sys.stdin.read().split("\n"):
    i = line.find(sys.argv[1])
    if i >= 0:
        on = set()
        for params in re.findall(r"\x1b\[([0-9;]*)m", line[:i]):
            for p in (params or "0").split(";"):
                on = set() if p in ("", "0") else on | {p}
        print(" ".join(sorted(on)))
        sys.exit(0)
sys.exit(1)' "$1"
}
no_colour_sgr() { ! colour_sgr; }
# Severe is bold and underlined; reverse is the cursor's alone.
bold_underline() {
	a=" $(attrs_at "$1") "
	case $a in *" 1 "*) ;; *) return 1 ;; esac
	case $a in *" 4 "*) ;; *) return 1 ;; esac
	case $a in *" 7 "*) return 1 ;; esac
}

# The control: in colour the same screen does use colour escapes.
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --inspector insp7 --lang en
tmux_wait "Checklists"
tmux_keys d
tmux_wait "My day: 2"
check "colour (control): colour escapes are sent" colour_sgr
tmux_keys q Escape
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

for how in "NO_COLOR=1 TERM=screen" "TERM=vt100" "TERM=xterm-mono"; do
	# shellcheck disable=SC2086
	tmux_start 80 24 env $how "$FIELDCHECK" --db "$DB" --gpsd none --inspector insp7 --lang en
	check "$how: home shows" tmux_wait "Checklists"
	check "$how: no colour escape on home" no_colour_sgr
	tmux_keys d
	check "$how: my day opens" tmux_wait "My day: 2"
	check "$how: severity is spelled out" tmux_wait "1 hz SEVERE"
	check "$how: and minor too" tmux_wait "1 hz minor"
	# The cursor (reverse) goes to the other row, so R-1 shows its own attributes.
	if [ "$(tmux_row R-1)" -lt "$(tmux_row R-2)" ]; then tmux_keys Down; else tmux_keys Up; fi
	check "$how: the severe row is bold and underlined, not reverse like the cursor" \
		wait_for 5 bold_underline "R-1"
	check "$how: no colour escape on my day" no_colour_sgr
	tmux_keys Escape
	tmux_wait "Checklists"
	tmux_keys 1
	check "$how: a checklist opens" tmux_wait "Road id or location"
	tmux_keys Escape
	check "$how: Esc goes back home" tmux_wait "Checklists"
	tmux_keys q
	check "$how: exits 0" test "$(tmux_exited 5)" = 0
	tmux_stop
done
