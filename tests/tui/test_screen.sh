#!/bin/sh
# The screen itself: resizing 80x24 -> 40x15 -> 80x24 in the middle of a
# question keeps what was typed; CJK labels and answers sit in the expected
# display columns; help comes from the key table; wide-character editing.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "screen suite" jq

# col TEXT: the display column (0-based) where TEXT starts on the screen, or
# -1; wide (CJK) characters count two columns, as the terminal shows them.
col() {
	tmux_screen | python3 -c '
import sys, unicodedata
needle = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    i = line.find(needle)
    if i >= 0:
        print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:i]))
        sys.exit(0)
print(-1)' "$1"
}
# width_of_line TEXT: display width of the (right-trimmed) line holding TEXT.
line_width() {
	tmux_screen | python3 -c '
import sys, unicodedata
needle = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    if needle in line:
        line = line.rstrip()
        print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line))
        sys.exit(0)
print(-1)' "$1"
}

# --- Resize in the middle of a question. ---
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp7
tmux_wait "Checklists"
tmux_keys 1
tmux_wait "Road id"
tmux_type "Jiefang"
tmux_wait "> Jiefang"
tmux_resize 40 15
check "at 40x15 the F-key bar says what each key does" tmux_wait "F1Help F2Lang F4Save F8Discard F10Quit"
check "F5 is not on the bar of a text question" tmux_wait_gone "F5"
check "at 40x15 the typed text is still there" tmux_wait "> Jiefang"
check "at 40x15 the status bar fits 40 columns" sh -c '[ "$1" -ge 0 ] && [ "$1" -le 40 ]' _ "$(line_width "insp7")"
tmux_type " Rd"
tmux_resize 80 24
check "back at 80x24 the text typed at both sizes is there" tmux_wait "> Jiefang Rd"
check "back at 80x24 the F-key bar is whole" tmux_wait "F1Help F2Lang F4Save"
tmux_keys Enter
tmux_wait "Road subsidence"
# Arrows pick without moving on (a digit would: the quick appearance).
tmux_keys Down Down
tmux_resize 40 15
check "a pick survives a resize" tmux_wait "(•) Moderate"
tmux_resize 80 24
tmux_keys Enter
tmux_wait "Subsided area"
check "the answer typed across resizes is stored" jq_records draft \
	'.[0].answers.asset_id == "Jiefang Rd" and .[0].answers.subsidence == "moderate"'

# --- Help is the key table. ---
tmux_keys F1
check "F1 opens help made from the key table" tmux_wait "this help, made from the key table"
check "help lists quit and back" tmux_wait "Esc"
tmux_keys End
check "help scrolls to its last entry" tmux_wait "enter the supervisor PIN"
check "and shows it can scroll back" tmux_wait "Keys (Esc: back) ↑"
tmux_keys F2
check "help speaks Chinese after F2" tmux_wait "输入主管 PIN"
tmux_keys F2
tmux_wait "enter the supervisor PIN"
tmux_keys Escape
tmux_wait "Subsided area"
tmux_keys F10
tmux_wait "Checklists"

# --- The supervisor's review is an entry of home, and leaves back to it. ---
check "home lists the supervisor's review with its digit, before the drafts" \
	tmux_wait "6 Review today (supervisor)"
tmux_keys 6
check "it opens the review of today, read only until the PIN" tmux_wait "[read only: P for PIN]"
check "an inspector without the PIN sees their own day (the draft is no record)" \
	tmux_wait "0/0 records"
tmux_keys q
check "q in the review goes back to home, not out of the app" tmux_wait "Review today (supervisor)"
check "home is whole again" tmux_wait "Checklists"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- CJK: labels, choices and typed answers in their columns. ---
DB="$SCRATCH/zh.db"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang zh --inspector 巡查员甲
tmux_wait "检查表"
check "zh: the home heading and the right-aligned count end at column 80" \
	[ "$(line_width "今天 0")" = 80 ]
check "zh: the status bar's right end stays at column 80 after a CJK inspector name" \
	[ "$(line_width "巡查员甲")" = 80 ]
tmux_keys 1
tmux_wait "道路编号或位置"
check "zh: the progress count is right-aligned to column 80 after a CJK heading" \
	[ "$(line_width "1/13")" = 80 ]
check "zh: the label starts at column 2 after the required mark" [ "$(col "道路编号或位置")" = 2 ]
tmux_type "解放路１２０号"
tmux_wait "> 解放路１２０号" >/dev/null
check "zh: typed CJK text appears after the prompt" [ "$(col "> 解放路１２０号")" = 0 ]
tmux_keys BSpace
check "zh: backspace removes one wide character, not a byte" tmux_wait_gone "１２０号"
check "zh: the rest of the text is intact" [ "$(col "> 解放路１２０")" = 0 ]
tmux_keys Left Left Left
tmux_type "东"
tmux_wait "> 解放路东１２０" >/dev/null
check "zh: inserting at the cursor between wide characters" [ "$(col "> 解放路东１２０")" = 0 ]
tmux_keys BSpace
tmux_keys Enter
tmux_wait "路面沉陷"
check "zh: choice labels line up in column 6 (未发现)" [ "$(col "未发现")" = 6 ]
check "zh: choice labels line up in column 6 (严重, after \"( ) \")" [ "$(col "( ) 严重")" = 2 ]
tmux_keys F2
check "F2 switches the labels to English live" tmux_wait "Road subsidence"
tmux_keys F2
check "F2 again switches back to Chinese" tmux_wait "路面沉陷"
tmux_resize 40 15
check "zh at 40x15: no line is wider than 40 columns" \
	sh -c "tmux -L $TMUX_SOCK capture-pane -p -t t | python3 -c '
import sys, unicodedata
w = max(sum(2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in l.rstrip()) for l in sys.stdin.read().split(\"\\n\"))
sys.exit(0 if w <= 40 else 1)'"
tmux_keys F10
tmux_wait "检查表"
tmux_keys q
tmux_exited 5 >/dev/null
check "zh: the inspector name is stored as typed on the command line" jq_records draft \
	'.[0].inspector == "巡查员甲" and .[0].answers.asset_id == "解放路１２０"'
tmux_stop

# --- No inspector known: asked once, remembered in the config. ---
DB="$SCRATCH/ask.db"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en
check "without an inspector the app asks" tmux_wait "Who is inspecting?"
tmux_type "ins42"
tmux_keys Enter
check "the answer shows in the status bar" tmux_wait "ins42"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop
check "the inspector is remembered in the config file" \
	grep -q "inspector *= *ins42" "$XDG_CONFIG_HOME/fieldcheck/config"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd none --lang en
check "the second start does not ask again" tmux_wait "Checklists"
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop

# --- --bench-startup: the first frame is painted, then the app leaves by itself. ---
if command -v script >/dev/null; then
	TERM=screen LINES=24 COLUMNS=80 timeout 10 script -qec "'$FIELDCHECK' --bench-startup \
--db '$DB' --forms '$TOP/forms/checklists' --gpsd none --inspector ins42 --lang en" \
		"$SCRATCH/bench-startup.log" < /dev/null > /dev/null
	check "--bench-startup exits 0 by itself" test $? -eq 0
	check "--bench-startup painted the home screen first" grep -q "Road inspection" "$SCRATCH/bench-startup.log"
	"$FIELDCHECK" --bench-startup --db "$DB" list > /dev/null 2>&1
	check "--bench-startup with a command is a usage error" test $? -eq 2
else
	skip "--bench-startup" "script(1) is not installed"
fi

# --- A list shows its first rows again after the terminal grows. ---
DB="$SCRATCH/many.db"
i=1
while [ "$i" -le 16 ]; do
	"$FIELDCHECK" --db "$DB" record add --form road --inspector insp7 --at 31.23,121.47,5 \
		"asset_id=A-$i" > /dev/null
	i=$((i + 1))
done
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --gpsd none --lang en --inspector insp7
tmux_wait "Checklists"
tmux_keys F3
tmux_wait "My day: 16"
check "at 40x15 my day opens on the newest record" tmux_wait "A-16"
check "and the first ones are scrolled away" tmux_wait_gone "A-1 "
tmux_resize 80 24
check "grown to 80x24, the first record shows again" tmux_wait "A-1 "
check "and the newest is still there" tmux_wait "A-16"
tmux_keys q q
tmux_exited 5 >/dev/null
tmux_stop

# --- docs/tui.md carries the same key table as the help screen. ---
docs_table() {
	sed -n '/^<!-- key table: generated/,/^<!-- end of key table/p' "$TOP/docs/tui.md" | sed '1d;$d' \
		> "$SCRATCH/doc-keys"
	"$TOP/$BUILD/tools/tui_keys" | cmp -s - "$SCRATCH/doc-keys"
}
check "docs/tui.md has the key table the help screen shows (build/tools/tui_keys)" docs_table
