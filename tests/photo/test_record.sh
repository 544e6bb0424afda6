#!/bin/sh
# Photos into the record: `record add … photo=@FILE` imports the photo into
# the store beside the database before the record is saved, the answer
# names it (sha256, size, bytes, capture time), `photo cat` gives it back,
# and every refusal leaves neither a record nor a photo behind.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
need_tools "photos into the record" cjpeg djpeg python3
DB="$SCRATCH/fc.db"
PHOTOS="$DB.photos"
export XDG_CONFIG_HOME="$SCRATCH/config"
FC() { "$FIELDCHECK" --db "$DB" --lang en "$@"; }

# ppm W H SEED: a noisy picture (it compresses badly, as a street photo does).
ppm() {
	python3 -c '
import random, sys
w, h, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
row = bytes(random.getrandbits(8) for _ in range(w * 3))
sys.stdout.buffer.write(b"P6 %d %d 255\n" % (w, h) + b"".join(row[(y * 3) % 97:] + row[:(y * 3) % 97] for y in range(h)))' "$@"
}
ppm 2400 1800 1 | cjpeg -quality 90 > "$SCRATCH/street.jpg"
ppm 1200 900 2 | cjpeg -quality 90 > "$SCRATCH/close.jpg"
answer() { FC list --json | python3 -c 'import json, sys; r = [json.loads(l) for l in sys.stdin]; print(r[int(sys.argv[1])]["answers"].get(sys.argv[2], ""))' "$@"; }
records() { FC list | grep -c .; }
photos() { find "$PHOTOS" -type f | grep -c .; }

uuid=$(FC record add --form road --inspector wang asset_id=R-1 photo=@"$SCRATCH/street.jpg")
is_uuid() { echo "$1" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'; }
check "record add photo=@FILE saves the record" is_uuid "$uuid"
a=$(answer 0 photo)
sha=$(echo "$a" | sed -n 's/^sha256:\([0-9a-f]\{64\}\) .*/\1/p')
check "the answer is 'sha256:HASH WxH BYTES -', 1600 px on the long edge ($a)" \
	sh -c "echo '$a' | grep -Eq '^sha256:[0-9a-f]{64} 1600x1200 [0-9]+ -$'"
check "the photo is stored under its SHA-256" [ -f "$PHOTOS/$(echo "$sha" | cut -c1-2)/$sha.jpg" ]
FC photo cat "$sha" > "$SCRATCH/out.jpg"
check "photo cat gives the stored bytes" [ "$(sha256sum < "$SCRATCH/out.jpg" | cut -c1-64)" = "$sha" ]
check "the answer's byte count is the photo's" [ "$(echo "$a" | cut -d' ' -f3)" -eq "$(wc -c < "$SCRATCH/out.jpg")" ]
check "the photo is a 1600 x 1200 JPEG" sh -c "djpeg -pnm '$SCRATCH/out.jpg' | head -c 20 | grep -q '1600 1200'"
FC photo cat 0000000000000000000000000000000000000000000000000000000000000000 > /dev/null 2> "$SCRATCH/err"
check "photo cat of a photo not stored says so" exit_says $? 1 "$SCRATCH/err" "not in the photo store"

# A form with a small max-pixels and several photos a question.
FH() { FC --forms "$TOP/tests/photo/forms" "$@"; }
FH record add --form hazard --inspector wang what=kerb evidence=@"$SCRATCH/street.jpg" \
	evidence=@"$SCRATCH/close.jpg" > /dev/null
a=$(answer 1 evidence)
check "two photos in one answer, ';' between them, 640 px ($a)" \
	sh -c "echo '$a' | grep -Eq '^sha256:[0-9a-f]{64} 640x480 [0-9]+ -;sha256:[0-9a-f]{64} 640x480 [0-9]+ -$'"
check "both photos are stored (three in all)" [ "$(photos)" -eq 3 ]
FH record add --form hazard --inspector wang what=kerb evidence="$a" > /dev/null
check "an answer naming stored photos may be given as such" [ "$(answer 2 evidence)" = "$a" ]
check "and stores nothing more" [ "$(photos)" -eq 3 ]
FH record add --form hazard --inspector wang what=x \
	evidence="sha256:$(printf '%064d' 7) 10x10 100 -" > /dev/null 2> "$SCRATCH/err"
check "an answer naming a photo not stored is refused" exit_says $? 1 "$SCRATCH/err" "is not in the photo store"

# Refusals: nothing saved, nothing left in the store.
before=$(records)
FC record add --form road --inspector wang asset_id=R-2 photo=@"$SCRATCH/street.jpg" \
	photo=@"$SCRATCH/close.jpg" 2> "$SCRATCH/err"
check "a question without appearance 'multiple' takes one photo" exit_says $? 1 "$SCRATCH/err" \
	"photo takes one photo"
printf 'not a photo\n' > "$SCRATCH/text.jpg"
FC record add --form road --inspector wang asset_id=R-2 photo=@"$SCRATCH/text.jpg" 2> "$SCRATCH/err"
check "not an image is refused" exit_says $? 1 "$SCRATCH/err" "text.jpg: not a JPEG image"
head -c 30000 "$SCRATCH/close.jpg" > "$SCRATCH/cut.jpg"
FC record add --form road --inspector wang asset_id=R-2 photo=@"$SCRATCH/cut.jpg" 2> "$SCRATCH/err"
check "a truncated JPEG is refused" exit_says $? 1 "$SCRATCH/err" "a truncated file"
FC record add --form road --inspector wang asset_id=R-2 photo=@"$SCRATCH/none.jpg" 2> "$SCRATCH/err"
check "a missing file is refused" exit_says $? 1 "$SCRATCH/err" "none.jpg: No such file or directory"
# The photo imports, then the record is refused: the photo it stored goes again.
FC record add --form road --inspector wang asset_id=R-2 condition=nonsense \
	photo=@"$SCRATCH/close.jpg" 2> "$SCRATCH/err"
check "a record refused after its photo was stored exits 1" [ $? -eq 1 ]
check "no record was saved by the refusals" [ "$(records)" -eq "$before" ]
check "and no photo is left of them" [ "$(photos)" -eq 3 ]
check "nor a temporary file" [ "$(find "$PHOTOS" -name '.*' -type f | grep -c .)" -eq 0 ]

FC photo gc > "$SCRATCH/out"
check "photo gc keeps every photo a record names" grep -q '^3 photos kept, 0 removed' "$SCRATCH/out"

# Disk full while storing a photo: a clear message, no record, nothing half-written.
small_disk 3m
FULL="$TINY/full.db"
"$FIELDCHECK" --db "$FULL" record add --form road --inspector wang asset_id=R-3 > /dev/null
dd if=/dev/zero of="$TINY/filler" bs=64k 2> /dev/null
truncate -s -256k "$TINY/filler"
"$FIELDCHECK" --db "$FULL" --lang en record add --form road --inspector wang asset_id=R-4 \
	photo=@"$SCRATCH/street.jpg" 2> "$SCRATCH/err"
check "a full disk refuses the photo with a clear message" exit_says $? 1 "$SCRATCH/err" \
	"the device's storage is full (nothing was stored)"
check "and saves no record" [ "$("$FIELDCHECK" --db "$FULL" list | grep -c .)" -eq 1 ]
check "and leaves no file in the photo store" [ "$(find "$FULL.photos" -type f | grep -c .)" -eq 0 ]
