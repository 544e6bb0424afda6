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
