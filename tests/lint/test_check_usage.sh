#!/bin/sh
# The lint for `check`: every shell file under tests/ uses check as one whole
# command (see check in tests/lib.sh), and the lint itself refuses each
# pattern it is meant to refuse, so it cannot pass by seeing nothing.
. "$(dirname "$0")/../lib.sh"
LINT="$TOP/tests/lint/check_usage.py"

cat > "$SCRATCH/bad.sh" <<'SH'
check "and" [ $? -eq 1 ] && grep -q x err
check "or" [ "$k" -ge 100 ] || [ "$K" -lt 100 ]
check "pipe" true | cat
check "out" sync_to url > /dev/null
check "err" tmux_wait x 2> /dev/null
	check "indented, after a continuation" test 1 \
		-eq 1 && echo outside
if true; then check "after then" true >> log; fi
SH
cat > "$SCRATCH/good.sh" <<'SH'
check() { desc=$1; shift; if "$@"; then echo ok; fi; }
check "sh -c" sh -c '[ "$1" -eq 1 ] && grep -q x "$2" || exit 1' _ 1 err
check "substitution" [ "$(a && b || c > f)" = x ]
check "quoted" grep -q "a && b | c > d" file
check "here-document input" python3 - <<'PY'
check "inside the document" true && false
PY
x=1 && check "after &&, one command" true
[ -s f ] || check "after ||, one command" true
check "escaped" test a \> b
SH
python3 "$LINT" "$SCRATCH/bad.sh" > "$SCRATCH/bad.out"
st=$?
check "the lint fails on misuse" [ "$st" -eq 1 ]
check "the lint names each of the 7 misuses by line" \
	[ "$(cut -d: -f2 "$SCRATCH/bad.out" | tr '\n' ' ')" = "1 2 3 4 5 6 8 " ]
python3 "$LINT" "$SCRATCH/good.sh" > "$SCRATCH/good.out"
st=$?
check "the lint passes sound uses ($(head -n 1 "$SCRATCH/good.out"))" [ "$st" -eq 0 ]

cd "$TOP" || exit 1
for f in $(find tests -name '*.sh' | sort); do
	python3 "$LINT" "$f" > "$SCRATCH/lint.out"
	st=$?
	sed 's/^/# /' "$SCRATCH/lint.out"
	check "$f: every check is one whole command" [ "$st" -eq 0 ]
done
