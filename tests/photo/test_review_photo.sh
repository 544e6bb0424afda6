#!/bin/sh
# The supervisor's review shows a record's photos (tmux): the detail lists
# them, each said to be here or not yet received; p draws the first one
# with libchafa in the pane, Down the next, Enter goes back; a photo the
# database does not hold says so instead.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
tmux_suite "review photos in tmux" cjpeg python3
FORMS="$TOP/tests/photo/forms"
# jpeg N: a 640 x 480 photo, a bright left half and a dark right half (N tints it).
jpeg() {
	python3 -c '
import sys
w, h, n = 640, 480, int(sys.argv[1])
row = bytes([230, 200, 40 * n] * (w // 2) + [20, 30, 90] * (w // 2))
sys.stdout.buffer.write(b"P6 %d %d 255\n" % (w, h) + row * h)' "$1" | cjpeg > "$SCRATCH/p$1.jpg"
}
jpeg 1
jpeg 2
jpeg 3
add() { "$FIELDCHECK" --db "$DB" --forms "$FORMS" record add --form hazard --inspector wang "$@" > /dev/null; }
add what=first evidence=@"$SCRATCH/p1.jpg" evidence=@"$SCRATCH/p2.jpg"
add what=second evidence=@"$SCRATCH/p3.jpg"
# The second record's photo has not reached this database.
gone=$("$FIELDCHECK" --db "$DB" list --json | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print([x for x in r if x["answers"]["what"] == "second"][0]["answers"]["evidence"][7:71])')
rm "$DB.photos/$(echo "$gone" | cut -c1-2)/$gone.jpg"
DAY=$("$FIELDCHECK" --db "$DB" list | head -1 | cut -f3 | cut -c1-10)

tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --lang en review --day "$DAY"
check "the review opens" tmux_wait "2/2 records"
tmux_keys Enter
check "the detail lists the record's photos" tmux_wait "Photos: 2  (p: view)"
check "each by its export name" tmux_wait "_evidence_2.jpg"
tmux_keys p
check "p shows the first photo, full screen" tmux_wait "Photo 1/2"
# The pane below the title holds the picture: symbols on most of its rows.
drawn() { [ "$(tmux_screen | sed -n '2,22p' | grep -c '[^ ]')" -ge 15 ]; }
check "drawn with symbols over the pane" wait_for 5 drawn
# In this terminal's 8 colours the photo is drawn in symbols: the bright half
# ink, the dark half blank.
halves() { tmux_screen | sed -n 8p | python3 -c 'import sys; l = sys.stdin.read().rstrip("\n").ljust(80); sys.exit(0 if sum(c != " " for c in l[2:22]) >= 15 and sum(c != " " for c in l[40:60]) <= 5 else 1)'; }
check "the bright half and the dark half differ" halves
tmux_keys Down
check "Down: the second photo" tmux_wait "Photo 2/2"
tmux_keys Enter
check "Enter: back to the detail" tmux_wait "Photos: 2  (p: view)"
tmux_keys Escape
check "Esc: back to the day" tmux_wait "2/2 records"
tmux_keys Down Enter
check "the other record: its photo is not yet received" tmux_wait "(not yet received)"
tmux_keys p
check "p says so in the pane" tmux_wait "Not yet received"
