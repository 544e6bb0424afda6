#!/bin/sh
# The message table's lint (tests/lint/tui_messages.py): every text the
# screens show in both languages comes from tui/messages.h.  The lint is
# first shown a tree that breaks each rule, so it cannot pass by seeing
# nothing, then it reads tui/.
. "$(dirname "$0")/../lib.sh"
LINT="$TOP/tests/lint/tui_messages.py"

mkdir "$SCRATCH/bad"
cat > "$SCRATCH/bad/messages.h" <<'C'
#define TUI_MESSAGES(X) \
	X(SAVED, "Saved", "已保存") \
	X(COUNT_N, "%d records", "%s 条记录") \
	X(NEVER_SHOWN, "Never", "从不") \
	/* end */
C
cat > "$SCRATCH/bad/screen.c" <<'C'
/* a comment may say 中文 */
static const char *f(int zh) { return tui_msg(app, NULL, TUI_MSG_SAVED); }
static const char *g(int zh) { return zh ? "已保存" : "Saved"; }
static const char *h(void) { return tui_msg(app, NULL, TUI_MSG_COUNT_N); }
C
python3 "$LINT" "$SCRATCH/bad" > "$SCRATCH/bad.out"
st=$?
sed 's/^/# /' "$SCRATCH/bad.out"
check "the lint fails on a tree that breaks its rules" [ "$st" -eq 1 ]
check "an inline Chinese literal is refused at its line" grep -q "screen.c:3: Chinese text outside" "$SCRATCH/bad.out"
check "a comment in Chinese is not" sh -c '! grep -q "screen.c:1:" "$1"' _ "$SCRATCH/bad.out"
check "different conversions in the two languages are refused" \
	grep -q "messages.h:3: COUNT_N: English takes \['d'\], Chinese \['s'\]" "$SCRATCH/bad.out"
check "a message no screen shows is refused" grep -q "messages.h:4: NEVER_SHOWN: no screen shows it" "$SCRATCH/bad.out"

python3 "$LINT" "$TOP/tui" > "$SCRATCH/tui.out"
st=$?
sed 's/^/# /' "$SCRATCH/tui.out"
check "tui/: every two-language text is in the message table, each shown, formats alike" [ "$st" -eq 0 ]

# --convert: a branch written before the table (tui_tr with a pair of
# literals) is moved into it, reusing the id of a pair already there.
mkdir "$SCRATCH/old"
cp "$TOP/tui/messages.h" "$SCRATCH/old/"
cat > "$SCRATCH/old/screen.c" <<'C'
static void f(void) {
	a = tui_tr(app, f, "Task", "任务");
	b = tui_tr(app, NULL, "My day", "我的今天");
	c = tui_tr(app, f, "Verifies "
	    "record", "核查记录");
}
C
python3 "$LINT" --convert "$SCRATCH/old" > "$SCRATCH/convert.out"
check "convert: exits 0 when every call was a pair of literals" [ $? -eq 0 ]
check "convert: each pair becomes an id" sh -c '! grep -q tui_tr "$1" && grep -q "tui_msg(app, f, TUI_MSG_TASK)" "$1"' _ "$SCRATCH/old/screen.c"
check "convert: a pair already in the table keeps its id" grep -q "tui_msg(app, NULL, TUI_MSG_MY_DAY)" "$SCRATCH/old/screen.c"
check "convert: new rows are added to the table, literals joined" \
	grep -q 'X(VERIFIES_RECORD, "Verifies record", "核查记录")' "$SCRATCH/old/messages.h"
check "convert: what it added passes the lint's checks of the table" sh -c \
	'python3 "$1" "$2" | grep -v "no screen shows it" | grep -qv "^#"; [ $? -eq 1 ]' _ "$LINT" "$SCRATCH/old"
