#!/bin/sh
# The handheld's screen (tmux): a path typed for an image question imports
# the photo into the store beside the database and the draft names it by
# SHA-256; a file that is no photo is refused in the inspector's language;
# discarding the draft (F8 twice) frees the photo no other record names;
# the status bar counts the photos saved records name that the depot lacks;
# F6 runs the configured camera command beside the screen's loop: a photo
# taken is kept, and a command that fails, writes nothing or hangs (killed
# at photo_timeout) is said so, the screen answering all the while.
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
python3 -c 'import sys; sys.stdout.buffer.write(b"P6 320 240 255\n" + bytes([90, 200, 90]) * 320 * 240)' |
	cjpeg > "$SCRATCH/camera.jpg"
# The camera: what it does is in $SCRATCH/mode; the output path is its last argument.
cat > "$SCRATCH/cam.sh" <<CAM
case \$(cat "$SCRATCH/mode") in
ok) cp "$SCRATCH/camera.jpg" "\$1" ;;
fail) echo "no camera on /dev/video0" >&2; exit 3 ;;
nothing) : > "\$1" ;;
hang) exec sleep 61 ;;
esac
CAM
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
# The camera's folder: an older and a newer photo, and a file that is none.
mkdir -p "$SCRATCH/DCIM"
python3 -c 'import sys; sys.stdout.buffer.write(b"P6 160 120 255\n" + bytes([250, 250, 250]) * 160 * 120)' |
	cjpeg > "$SCRATCH/DCIM/IMG_0002.JPG"
cp "$SCRATCH/kerb.jpg" "$SCRATCH/DCIM/IMG_0001.JPG"
printf 'x' > "$SCRATCH/DCIM/notes.txt"
touch -d '2026-11-24 08:15' "$SCRATCH/DCIM/IMG_0001.JPG"
touch -d '2026-11-24 09:30' "$SCRATCH/DCIM/IMG_0002.JPG"
printf 'photo_command = sh %s\nphoto_timeout = 2\nphoto_dir = %s\n' "$SCRATCH/cam.sh" "$SCRATCH/DCIM" \
	> "$XDG_CONFIG_HOME/fieldcheck/config"
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

# ---- The camera command (F6) ----
tmux_keys 1
check "the form opens again" tmux_wait "What"
tmux_type "bench"
tmux_keys Enter
check "F6 is offered on the image question" tmux_wait "F6Camera"
echo fail > "$SCRATCH/mode"
tmux_keys F6
check "a failing camera command is said so, with its last line" \
	tmux_wait "The camera command failed (exit 3: no camera on /dev/video0)"
echo nothing > "$SCRATCH/mode"
tmux_keys F6
check "a command that writes nothing is said so" tmux_wait "The camera command wrote no photo."
echo hang > "$SCRATCH/mode"
tmux_keys F6
check "while the camera runs the screen says so" tmux_wait "Taking a photo…"
tmux_keys F1
check "and still answers keys (help opens)" tmux_wait "Keys"
tmux_keys Escape
check "a hanging command is stopped at photo_timeout" tmux_wait "did not finish in 2 s: stopped."
echo ok > "$SCRATCH/mode"
tmux_keys F6
check "a photo taken is kept" tmux_wait "Photo taken and kept."
camera_ok() { draft_answer | grep -Eq '^sha256:[0-9a-f]{64} 320x240 [0-9]+ -$'; }
check "the draft names it by SHA-256" wait_for 5 camera_ok
check "no camera command is left running" sh -c "! pgrep -f '^sleep 61$' > /dev/null"

# ---- The folder picker (F9) ----
tmux_keys F9
check "F9 lists the folder's photos" tmux_wait "Photos in the folder: 2"
newest_first() { [ "$(tmux_row 'IMG_0002.JPG')" -lt "$(tmux_row 'IMG_0001.JPG')" ]; }
check "newest first" newest_first
check "each with its time and size" tmux_wait "2026-11-24 09:30"
tmux_keys Enter
check "Enter keeps the one chosen" tmux_wait "Photo kept."
picked_ok() { draft_answer | grep -Eq '^sha256:[0-9a-f]{64} 160x120 [0-9]+ -$'; }
check "the draft names it" wait_for 5 picked_ok
