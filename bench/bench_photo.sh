#!/bin/sh
# Photo figures (issue 16), each beside an anchor measured in this run:
#   downscaling a 12-megapixel JPEG to 1600 px (import: decode, resample,
#     re-encode at quality 85, SHA-256) vs libjpeg-turbo's own tools doing
#     the same: djpeg at the scale the import's decoder picks (1/2: 2000 px,
#     the smallest DCT scale still >= 1600) piped into cjpeg -quality 85
#   rendering that photo as an 80 x 24 terminal preview (libchafa, truecolor)
#     vs djpeg only decoding it (to /dev/null, process included)
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/$BUILD/bench/photo_bench"
WORK=$(mktemp -d "$TOP/$BUILD/bench-photo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROUNDS=11

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }

# The source: a 4000 x 3000 scene encoded as a camera would (quality 92).
"$BENCH" scene "$WORK/scene.ppm" 4000 3000 || exit 1
cjpeg -quality 92 "$WORK/scene.ppm" > "$WORK/src.jpg" || exit 1
rm -f "$WORK/scene.ppm"

# Interleaved rounds, each a fresh process on both sides (so both pay a
# start-up and both see the same load from whatever else runs), medians kept.
set -- $(python3 - "$BENCH" "$WORK" "$ROUNDS" <<'PY'
import statistics, subprocess, sys, time
bench, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ours, anchor = [], []
for _ in range(rounds):
    t = time.perf_counter()
    out = subprocess.run([bench, "import", work + "/src.jpg", "1600", "1", work + "/stored.jpg"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.split()
    ours.append(time.perf_counter() - t)
    t = time.perf_counter()
    subprocess.run("djpeg -scale 1/2 %s/src.jpg | cjpeg -quality 85 > %s/anchor.jpg" % (work, work),
                   shell=True, check=True)
    anchor.append(time.perf_counter() - t)
print("%.4f %.4f %s %s" % (statistics.median(ours), statistics.median(anchor), out[1], out[2]))
PY
)
ours=$1 anchor=$2 ow=$3 oh=$4
speed=$(python3 -c "print('%.2f' % ($anchor / $ours))")
echo "photo.downscale_12mp: $(python3 -c "print('%.1f' % ($ours * 1000))") ms to ${ow}x${oh} (median of $ROUNDS)  anchor djpeg -scale 1/2 | cjpeg -quality 85 $(python3 -c "print('%.1f' % ($anchor * 1000))") ms  speed ratio ${speed}  goal >= 0.8  $(verdict "$speed" '>=' 0.8)"

# ---- Preview at 80 x 24 ----
set -- $("$BENCH" preview "$WORK/stored.jpg" 80 24 21)
pv_ms=$(python3 -c "print('%.1f' % ($1 * 1000))") pc=$2 pr=$3
djpeg_ms=$(python3 - "$WORK/stored.jpg" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(21):
    t = time.perf_counter()
    subprocess.run(["djpeg", "-outfile", "/dev/null", sys.argv[1]], check=True)
    times.append(time.perf_counter() - t)
print("%.1f" % (statistics.median(times) * 1000))
PY
)
rp=$(python3 -c "print('%.2f' % ($pv_ms / $djpeg_ms))")
echo "photo.preview_80x24: ${pv_ms} ms for ${pc}x${pr} cells of the ${ow}x${oh} photo (median of 21)  anchor djpeg decode only ${djpeg_ms} ms  ratio ${rp}  goal <= 50 ms  $(verdict "$pv_ms" '<=' 50)"
