#!/bin/sh
# Form engine figures (issue 3), each beside an anchor measured in this run:
#   load every built-in checklist    vs python3's csv.reader merely splitting the same files
#   change one answer of a 200-question form and re-check relevance and
#   constraints                      vs the same 200 decisions as bare strcmp calls
#   the same with a repeat of 50 entries x 10 questions, one entry's answer
#   changing                         vs 500 decisions as bare strcmp calls
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/$BUILD/bench/forms_bench"
DIR="$TOP/forms/checklists"

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }

set -- $("$BENCH" load "$DIR" 201) || exit 1
ours_ms=$1 nforms=$2
anchor_ms=$(python3 - "$DIR" <<'PY'
import csv, glob, sys, time
files = sorted(glob.glob(sys.argv[1] + "/*.csv"))
def run():
    t = time.perf_counter()
    for p in files:
        with open(p, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                pass
    return time.perf_counter() - t
ts = sorted(run() for _ in range(201))
print("%.3f" % (ts[len(ts) // 2] * 1000))
PY
)
ratio=$(python3 -c "print('%.2f' % ($ours_ms / $anchor_ms))")
echo "forms.load_builtin: ${ours_ms} ms for ${nforms} checklists  anchor python3 csv.reader same files ${anchor_ms} ms  ratio ${ratio}  goal <= 5 ms  $(verdict "$ours_ms" '<=' 5)"

set -- $("$BENCH" session 5001) || exit 1
ours_us=$1 anchor_us=$2
ratio=$(python3 -c "print('%.1f' % ($ours_us / max($anchor_us, 0.001)))")
echo "forms.reevaluate_200q: median ${ours_us} us  anchor 200 bare strcmp decisions ${anchor_us} us  ratio ${ratio}  goal <= 50 us  $(verdict "$ours_us" '<=' 50)"

set -- $("$BENCH" repeat 2001) || exit 1
ours_us=$1 anchor_us=$2
ratio=$(python3 -c "print('%.1f' % ($ours_us / max($anchor_us, 0.001)))")
echo "forms.reevaluate_repeat_50x10: median ${ours_us} us  anchor 500 bare strcmp decisions ${anchor_us} us  ratio ${ratio}  goal <= 200 us  $(verdict "$ours_us" '<=' 200)"
