#!/bin/sh
# The handheld's screen (tmux): a path typed for an image question imports
# the photo into the store beside the database and the draft names it by
# SHA-256; a file that is no photo is refused in the inspector's language;
# discarding the draft (F8 twice) frees the photo no other record names;
# the status bar counts the photos saved records name that the depot lacks.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
tmux_suite "photos on the handheld's screen" cjpeg python3
FORMS="$TOP/tests/photo/forms"
python3 -c 'import sys; sys.stdout.buffer.write(b"P6 320 240 255\n" + bytes([200, 120, 40]) * 320 * 240)' |
	cjpeg > "$SCRATCH/kerb.jpg"
printf 'not a photo\n' > "$SCRATCH/note.jpg"
python3 -c 'import sys; sys.stdout.buffer.write(b"P6 320 240 255\n" + bytes([20, 120, 240]) * 320 * 240)' |
	cjpeg > "$SCRATCH/saved.jpg"
"$FIELDCHECK" --db "$DB" --forms "$FORMS" record add --form hazard --inspector wang what=earlier \
	evidence=@"$SCRATCH/saved.jpg" > /dev/null
photos() { find "$DB.photos" -name '*.jpg' 2>/dev/null | grep -c .; }
draft_answer() { "$FIELDCHECK" --db "$DB" list --json --status draft | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(r[0]["answers"].get("evidence", "") if r else "")'; }

tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --gpsd none --inspector wang --lang en
check "home lists the form" tmux_wait "1 hazard"
check "the status bar counts the photo not yet sent" tmux_wait "queue 1 │ sync off · photos 1"
tmux_keys 1
check "the form opens on its first question" tmux_wait "What"
tmux_type "kerb"
tmux_keys Enter
check "the image question asks for a path that is imported" tmux_wait "it is imported and kept with the record"
tmux_type "$SCRATCH/note.jpg"
tmux_keys Enter
check "a file that is no photo is refused, saying why" tmux_wait "Photo not imported: not a JPEG image"
check "and nothing is stored" [ "$(photos)" -eq 1 ]
# shellcheck disable=SC2046
tmux_keys $(i=0; while [ $i -lt 80 ]; do printf 'BSpace '; i=$((i + 1)); done)
tmux_type "$SCRATCH/kerb.jpg"
tmux_keys Enter
check "a photo's path moves on to the next question" tmux_wait "Note"
answer_ok() { draft_answer | grep -Eq '^sha256:[0-9a-f]{64} 320x240 [0-9]+ -$'; }
check "the draft names the photo by SHA-256" wait_for 5 answer_ok
check "the photo is in the store" [ "$(photos)" -eq 2 ]
tmux_keys F8
tmux_keys F8
check "F8 twice discards the draft" tmux_wait "Draft discarded"
check "and frees its photo, not the saved record's" [ "$(photos)" -eq 1 ]
