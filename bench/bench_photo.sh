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

# ---- On the wire (a real depot on 127.0.0.1, bytes counted by a proxy) ----
#   a record with two photos, synced: every byte both ways (the bundle's PUT,
#     each photo's HEAD and PATCH, the replies, headers included) vs ODK
#     Collect's submission of the same record and photos, modelled as the
#     sync bench models it (HEAD, then one multipart POST of the XML
#     instance and both JPEGs, with the replies)
#   one photo's upload cut three times (a proxy drops the link inside each
#     of the first three PATCH bodies, at a random point): the bytes the
#     handheld sent in all vs the photo; anchor ODK's restart from zero for
#     the same cuts (each cut attempt's bytes lost, then the whole)
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
NETFAULT="$TOP/tests/sync/netfault.py"
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME="$WORK/config"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
fail() { echo "photo: FAILED: $*"; exit 1; }
. "$TOP/bench/lib.sh"
# proxy ARGS...: a counting proxy to the depot; sets PX.
proxy() {
	: > "$WORK/count"
	: > "$WORK/events"
	python3 "$NETFAULT" proxy 0 "$DPORT" --count "$WORK/count" --events "$WORK/events" "$@" \
		> "$WORK/proxy.out" &
	PXPID=$!
	PIDS="$PIDS $PXPID"
	PX=$(port_of "$WORK/proxy.out") || fail "the counting proxy did not start"
}
# settle N: after the sync exited, waits (up to 10 s) until the proxy has
# counted at least N connections closed and no more for 0.3 s (each line is
# written as its connection closes, and the sync's all closed as it exited).
settle() {
	_i=0 _same=0 _last=-1
	while [ $_i -lt 200 ]; do
		_n=$(wc -l < "$WORK/count")
		if [ "$_n" -ge "$1" ] && [ "$_n" -eq "$_last" ]; then
			_same=$((_same + 1))
			[ $_same -ge 6 ] && return 0
		else
			_same=0
		fi
		_last=$_n
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}
"$DEPOT" --db "$WORK/depot.db" device add hh1 > "$WORK/token"
chmod 600 "$WORK/token"
"$DEPOT" --db "$WORK/depot.db" serve --listen 127.0.0.1:0 2> "$WORK/depot.log" &
PIDS="$PIDS $!"
DPORT=$(port_of "$WORK/depot.log") || fail "the depot did not start"
"$BENCH" scene "$WORK/scene2.ppm" 4000 3000 || exit 1
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[1], "wb").write(d[:-4000] + bytes(reversed(d[-4000:])))' "$WORK/scene2.ppm"
cjpeg -quality 92 "$WORK/scene2.ppm" > "$WORK/src2.jpg" || exit 1
# record DB FILE...: a road record with these photos (the road checklist's photo takes one: a
# second goes into a form that takes several).
mkdir -p "$WORK/forms"
cp "$TOP/forms/checklists/road.csv" "$WORK/forms/"
sed 's/max-pixels=640//' "$TOP/tests/photo/forms/hazard.csv" > "$WORK/forms/hazard.csv"
sync_via() { "$FIELDCHECK" --db "$1" sync --server "http://127.0.0.1:$PX" --device hh1 --token-file "$WORK/token" "$@"; }
"$FIELDCHECK" --db "$WORK/two.db" --forms "$WORK/forms" record add --form hazard --inspector alice \
	what="kerb stone loose" evidence=@"$WORK/src.jpg" evidence=@"$WORK/src2.jpg" > /dev/null ||
	fail "record add with two photos"
proxy
"$FIELDCHECK" --db "$WORK/two.db" sync --server "http://127.0.0.1:$PX" --device hh1 \
	--token-file "$WORK/token" --once > /dev/null 2>&1 || fail "the sync of two photos"
# At least two connections: the bundles' and the photos'.
settle 2 || fail "the proxy did not count the sync's connections"
kill "$PXPID" 2>/dev/null
ours=$(awk '{ s += $1 + $2 } END { print s }' "$WORK/count")
"$FIELDCHECK" --db "$WORK/two.db" list --json > "$WORK/two.json"
odk=$(python3 - "$WORK/two.json" "$WORK/two.db.photos" <<'PY'
# ODK Collect's submission of one record with two photos (OpenRosa Form
# Submission API): HEAD with its 204, then one multipart/form-data POST of
# the XML instance and each JPEG as a part, with the 201 and its XML.  The
# same headers as bench_sync.sh's model; TCP/TLS not counted (nor for ours).
import json, os, sys, uuid
from xml.sax.saxutils import escape
r = json.loads(open(sys.argv[1]).readline())
photos = []
for v in r["answers"]["evidence"].split(";"):
    sha = v.split()[0][7:]
    photos.append(open(os.path.join(sys.argv[2], sha[:2], sha + ".jpg"), "rb").read())
host = "depot.example.gov.cn"
auth = ('Authorization: Digest username="alice", realm="fieldcheck", nonce="%s", '
        'uri="/submission", response="%s", qop=auth, nc=00000001, cnonce="%s", algorithm=MD5'
        % ("a" * 32, "b" * 32, "c" * 16))
ua = "User-Agent: org.odk.collect.android/v2024.2.4 okhttp/4.12.0 Dalvik/2.1.0 (Linux; U; Android 12; RG-T1 Build/SP1A)"
date = "Date: Tue, 24 Nov 2026 08:15:02 GMT"
head = "\r\n".join(["HEAD /submission?deviceID=collect%3Aabc123def456 HTTP/1.1", "X-OpenRosa-Version: 1.0",
                    date, auth, ua, "Host: " + host, "Connection: Keep-Alive", "Accept-Encoding: gzip", "", ""])
head_reply = "\r\n".join(["HTTP/1.1 204 No Content", "X-OpenRosa-Version: 1.0",
                          "X-OpenRosa-Accept-Content-Length: 10485760", "Location: https://%s/submission" % host,
                          date, "Content-Length: 0", "", ""])
names = ["%d.jpg" % (1732436102000 + i) for i in range(len(photos))]
fields = "".join("<%s>%s</%s>" % (k, escape(v if k != "evidence" else " ".join(names)), k)
                 for k, v in r["answers"].items())
xml = ('<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
       'xmlns:orx="http://openrosa.org/xforms" id="%s" version="%s"><start>%s</start><end>%s</end>'
       '<today>%s</today><deviceid>collect:abc123def456</deviceid><username>%s</username>%s'
       '<meta><instanceID>uuid:%s</instanceID></meta></data>'
       % (r["form_id"], r["form_version"], r["created_at"], r["finalized_at"], r["day"], r["inspector"],
          fields, r["uuid"]))
b = uuid.uuid4().hex
body = ("--%s\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"submission.xml\"\r\n"
        "Content-Type: text/xml; charset=utf-8\r\n\r\n%s\r\n" % (b, xml)).encode()
for n, p in zip(names, photos):
    body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
             "Content-Type: image/jpeg\r\n\r\n" % (b, n, n)).encode() + p + b"\r\n"
body += ("--%s--\r\n" % b).encode()
post = "\r\n".join(["POST /submission?deviceID=collect%3Aabc123def456 HTTP/1.1", "X-OpenRosa-Version: 1.0",
                    date, auth, "Content-Type: multipart/form-data; boundary=" + b,
                    "Content-Length: %d" % len(body), ua, "Host: " + host,
                    "Connection: Keep-Alive", "Accept-Encoding: gzip", "", ""]).encode() + body
msg = ('<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="1">'
       '<message nature="submit_success">Form received successfully</message></OpenRosaResponse>')
post_reply = "\r\n".join(["HTTP/1.1 201 Created", "X-OpenRosa-Version: 1.0",
                          "X-OpenRosa-Accept-Content-Length: 10485760", "Location: https://%s/submission" % host,
                          "Content-Type: text/xml; charset=utf-8", date,
                          "Content-Length: %d" % len(msg.encode()), "", ""]) + msg
print(len(head.encode()) + len(head_reply.encode()) + len(post) + len(post_reply.encode()))
PY
)
rw=$(python3 -c "print('%.4f' % ($ours / $odk))")
echo "photo.wire_bytes_record_2photos: ${ours} B (bundle PUT, HEAD and PATCH per photo, replies)  anchor ODK HEAD+multipart POST (modelled) ${odk} B  ratio ${rw}  goal <= 1.02  $(verdict "$rw" '<=' 1.02)"

# One photo, its upload cut three times: a proxy counts every byte the handheld
# sends and drops the link (RST) inside the first three PATCH bodies, each at a
# random point of what is left of the photo.
# A third photo: the depot holds the first two, and would never take them again.
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[1], "wb").write(d[:-9000] + bytes(reversed(d[-9000:])))' "$WORK/scene2.ppm"
cjpeg -quality 92 "$WORK/scene2.ppm" > "$WORK/src3.jpg" || exit 1
"$FIELDCHECK" --db "$WORK/cut.db" --forms "$WORK/forms" record add --form road --inspector alice \
	asset_id=R-1 photo=@"$WORK/src3.jpg" > /dev/null || fail "record add with one photo"
size=$(find "$WORK/cut.db.photos" -name '*.jpg' -exec wc -c {} + | awk '{ print $1; exit }')
python3 - "$DPORT" "$WORK/cutter" <<'PY' > "$WORK/cutter.out" &
import random, socket, struct, sys, threading
target, out = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
state = {"up": 0, "cuts": 0, "cut_at": []}
def save():
    with open(out, "w") as f:
        f.write("%d %d %s\n" % (state["up"], state["cuts"], ",".join(map(str, state["cut_at"]))))
def serve(client):
    server = socket.create_connection(("127.0.0.1", target))
    def down():
        try:
            while True:
                b = server.recv(65536)
                if not b:
                    break
                client.sendall(b)
        except OSError:
            pass
        for s in (client, server):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
    threading.Thread(target=down, daemon=True).start()
    seen, cut_at = b"", None
    try:
        while True:
            b = client.recv(65536)
            if not b:
                break
            seen += b
            if cut_at is None and b"PATCH " in seen and b"\r\n\r\n" in seen:
                with lock:
                    if state["cuts"] < 3:
                        state["cuts"] += 1
                        head = seen[seen.index(b"PATCH "):]
                        length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                                      if l.lower().startswith(b"content-length:")][0])
                        cut_at = len(seen) - len(head) + head.index(b"\r\n\r\n") + 4 + random.randint(1, length - 1)
                        state["cut_at"].append(cut_at)
                    else:
                        cut_at = -1
            if cut_at is not None and cut_at > 0 and len(seen) >= cut_at:
                keep = len(b) - (len(seen) - cut_at)
                server.sendall(b[:keep])
                with lock:
                    state["up"] += keep
                    save()
                for s in (client, server):
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.close()
                return
            server.sendall(b)
            with lock:
                state["up"] += len(b)
                save()
            if len(seen) > 1 << 20:
                seen = seen[-65536:]
    except OSError:
        pass
    for s in (client, server):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0))
l.listen(16)
print("cutter: listening on 127.0.0.1:%d" % l.getsockname()[1], flush=True)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
CUTPID=$!
PIDS="$PIDS $CUTPID"
PX=$(port_of "$WORK/cutter.out") || fail "the cutting proxy did not start"
"$FIELDCHECK" --db "$WORK/cut.db" sync --server "http://127.0.0.1:$PX" --device hh1 \
	--token-file "$WORK/token" --retry-for 30 > /dev/null 2> "$WORK/cut.err" ||
	fail "the sync cut three times: $(tail -3 "$WORK/cut.err")"
kill "$CUTPID" 2>/dev/null
set -- $(cat "$WORK/cutter")
up=$1 cuts=$2 points=$3
rc=$(python3 -c "print('%.3f' % ($up / $size))")
# ODK: each cut attempt's bytes up to the cut are lost, then the whole goes again.
odk_rc=$(python3 -c "import sys; print('%.3f' % ((sum(int(x) for x in sys.argv[1].split(',')) + $size) / $size))" "$points")
echo "photo.upload_cut3: ${up} B sent (bundle, HEADs, PATCHes) for a ${size} B photo cut ${cuts} times  ratio ${rc}  anchor ODK restart from zero (modelled, same cuts) ratio ${odk_rc}  goal <= 1.1  $(verdict "$rc" '<=' 1.1)"
