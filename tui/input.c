/*
 * input — terminal key sequences decoded here, not by the terminal
 * description.
 *
 * ncurses' keypad mode knows only the sequences the terminfo entry lists;
 * anything else (Home as ESC [ 1 ~ under TERM=xterm-256color, F10 as
 * ESC [ 2 1 ~ under vt100) came through as Esc ("back") followed by text
 * typed into the answer.  So keypad mode is off and this decoder reads the
 * characters itself, as tmux's tty-keys.c does: after ESC it collects a CSI
 * (ESC [) or SS3 (ESC O) sequence by its grammar (parameters 0x30-0x3f,
 * intermediates 0x20-0x2f, one final byte 0x40-0x7e), bounded in length,
 * and looks the whole sequence up.  A sequence it does not map is dropped
 * whole, however long; one that never finishes is dropped when its time is
 * up.  A lone ESC is "back" once TUI_INPUT_ESC_MS pass with nothing after
 * it.  The caller's poll() loop waits for tui_input_timeout(), so nothing
 * here ever blocks.
 *
 * Mapped: the cursor keys, Home/End/PgUp/PgDn/Delete and F1-F12 as xterm,
 * rxvt, screen/tmux, the Linux console and vt100/vt220 send them, with or
 * without xterm's modifier parameter (ESC [ 1 ; 5 A) or rxvt's modifier
 * finals ($ ^ @); the numeric keypad in application mode; X10 and SGR
 * (1006) mouse reports.  Modified movement keys move; a modified F key is
 * not the F key (Shift-F10 must not leave), so it is dropped.
 */
#include <string.h>

#include "tui/tui_internal.h"

/* A partial sequence (ESC [ 1 ...) gets this long to finish. */
#define TUI_INPUT_SEQ_MS 500

static bool
is_final(wchar_t c)
{
	/* rxvt ends its modified keys in $ (Shift), which ECMA-48 calls an intermediate. */
	return (c >= 0x40 && c <= 0x7e) || c == L'$';
}

static void
emit(struct tui_input_event *out, size_t *n, int key, int y, int x)
{
	if (*n < TUI_INPUT_EVENTS_MAX)
		out[(*n)++] = (struct tui_input_event){ .key = key, .y = y, .x = x };
}

/* The numbers of a parameter string "1;5": at most max of them, -1 when absent. */
static size_t
parse_params(const wchar_t *p, size_t len, int *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < max; i++)
		v[i] = -1;
	for (size_t i = 0; i < len && n < max; i++) {
		if (p[i] == L';') {
			n++;
			continue;
		}
		if (p[i] < L'0' || p[i] > L'9')
			return 0;   /* private markers and sub-parameters: not a key of ours */
		if (v[n] < 0)
			v[n] = 0;
		if (v[n] < 10000)
			v[n] = v[n] * 10 + (int)(p[i] - L'0');
	}
	return n + 1;
}

/* Movement keys keep their meaning under a modifier; other keys do not. */
static int
modified(int key, bool mods)
{
	if (!mods)
		return key;
	switch (key) {
	case KEY_UP: case KEY_DOWN: case KEY_LEFT: case KEY_RIGHT:
	case KEY_HOME: case KEY_END: case KEY_PPAGE: case KEY_NPAGE:
		return key;
	default:
		return 0;
	}
}

/* ESC [ n ~ (and rxvt's ESC [ n $ / ^ / @): the vt220 editing and function keys. */
static int
tilde_key(int n)
{
	switch (n) {
	case 1: case 7: return KEY_HOME;      /* vt220/screen/linux; rxvt */
	case 4: case 8: return KEY_END;
	case 3: return KEY_DC;
	case 5: return KEY_PPAGE;
	case 6: return KEY_NPAGE;
	case 11: case 12: case 13: case 14: case 15:
		return KEY_F(n - 10);         /* rxvt, putty: F1-F5 */
	case 17: case 18: case 19: case 20: case 21:
		return KEY_F(n - 11);         /* F6-F10 */
	case 23: case 24:
		return KEY_F(n - 12);         /* F11, F12 */
	default:
		return 0;
	}
}

/* The final letter of ESC [ ... X or ESC O ... X. */
static int
letter_key(wchar_t c, bool ss3)
{
	switch (c) {
	case L'A': return KEY_UP;
	case L'B': return KEY_DOWN;
	case L'C': return KEY_RIGHT;
	case L'D': return KEY_LEFT;
	case L'H': return KEY_HOME;
	case L'F': return KEY_END;
	case L'P': return KEY_F(1);
	case L'Q': return KEY_F(2);
	case L'R': return KEY_F(3);
	case L'S': return KEY_F(4);
	default: break;
	}
	if (!ss3)
		return 0;
	/* The numeric keypad in application mode (vt100 DECKPAM). */
	if (c >= L'p' && c <= L'y')
		return TUI_CH(L'0' + (c - L'p'));
	switch (c) {
	case L'M': return TUI_CH('\r');
	case L'a': return KEY_UP;     /* rxvt: Ctrl + cursor keys */
	case L'b': return KEY_DOWN;
	case L'c': return KEY_RIGHT;
	case L'd': return KEY_LEFT;
	default: return 0;
	}
}

/* Looks up the whole sequence in in->seq (ESC included); 0 when it is not a key of ours. */
static int
lookup(const struct tui_input *in, int *my, int *mx)
{
	const wchar_t *s = in->seq;
	size_t len = in->len;
	wchar_t fin = s[len - 1];
	int v[4];
	size_t np;
	bool ss3 = s[1] == L'O';

	if (len == 4 && s[1] == L'[' && s[2] == L'[') {
		/* Linux console F1-F5: ESC [ [ A .. E. */
		return s[3] >= L'A' && s[3] <= L'E' ? KEY_F(1 + (int)(s[3] - L'A')) : 0;
	}
	if (!ss3 && len == 6 && s[2] == L'M') {
		/* X10 mouse: ESC [ M b x y, each 32 + value; button 1 pressed is b = 0. */
		if ((s[3] - 32) != 0 || s[4] < 33 || s[5] < 33)
			return 0;
		*mx = (int)(s[4] - 33);
		*my = (int)(s[5] - 33);
		return KEY_MOUSE;
	}
	if (!ss3 && len > 3 && s[2] == L'<') {
		/* SGR mouse: ESC [ < b ; x ; y M (press; m is the release). */
		np = parse_params(s + 3, len - 4, v, 3);
		if (np != 3 || fin != L'M' || v[0] != 0 || v[1] < 1 || v[2] < 1)
			return 0;
		*mx = v[1] - 1;
		*my = v[2] - 1;
		return KEY_MOUSE;
	}
	np = parse_params(s + 2, len - 3, v, 4);
	if (len > 3 && np == 0)
		return 0;
	/* No more than "key;modifier". */
	if (np > 2)
		return 0;
	if (fin == L'~' || fin == L'$' || fin == L'^' || fin == L'@') {
		if (ss3 || v[0] < 0)
			return 0;
		return modified(tilde_key(v[0]), fin != L'~' || (v[1] >= 0 && v[1] != 1));
	}
	if (!ss3 && fin >= L'a' && fin <= L'd' && len == 3)
		return letter_key((wchar_t)(fin - L'a' + L'A'), false);   /* rxvt: Shift + cursor keys */
	/* ESC [ A, ESC [ 1 ; 5 A, ESC O A, ESC O 5 A (old xterm), ESC [ 1 ; 2 P. */
	if (v[0] > 1 && np == 1 && !ss3)
		return 0;
	return modified(letter_key(fin, ss3), (np == 2 && v[1] > 1) || (ss3 && v[0] > 1));
}

void
tui_input_init(struct tui_input *in)
{
	memset(in, 0, sizeof *in);
}

/* Ends the sequence in in->seq: its key, if it is one of ours. */
static void
finish(struct tui_input *in, struct tui_input_event *out, size_t *n)
{
	int y = -1, x = -1, key = in->overflow ? 0 : lookup(in, &y, &x);

	if (key != 0)
		emit(out, n, key, y, x);
	in->len = 0;
	in->overflow = false;
	in->mouse_left = 0;
}

static void
start(struct tui_input *in, wchar_t intro, int64_t now_ms)
{
	in->seq[0] = 27;
	in->len = 1;
	in->overflow = false;
	in->mouse_left = 0;
	in->since_ms = now_ms;
	if (intro != 0)
		in->seq[in->len++] = intro;
}

size_t
tui_input_feed(struct tui_input *in, int key, int64_t now_ms, struct tui_input_event *out)
{
	size_t n = 0;
	wchar_t c;

	if (!TUI_IS_CHAR(key)) {
		/* KEY_RESIZE and the like: not part of any sequence. */
		emit(out, &n, key, -1, -1);
		return n;
	}
	c = TUI_CHAR_OF(key);
	if (in->len == 0) {
		if (c == 27)
			start(in, 0, now_ms);
		else if (c == 0x9b || c == 0x8f)
			start(in, c == 0x9b ? L'[' : L'O', now_ms);   /* 8-bit CSI, SS3 */
		else
			emit(out, &n, key, -1, -1);
		return n;
	}
	in->since_ms = now_ms;
	if (in->mouse_left > 0) {
		/* X10 mouse bytes are raw values, not sequence syntax. */
		in->seq[in->len++] = c;
		if (--in->mouse_left == 0)
			finish(in, out, &n);
		return n;
	}
	if (in->len == 1) {
		if (c == L'[' || c == L'O') {
			in->seq[in->len++] = c;
			return n;
		}
		if (c == 27 && !in->meta) {
			/* ESC ESC [ A: rxvt's Alt + key; wait to see. */
			in->meta = true;
			return n;
		}
		/* ESC then an ordinary key: the Esc key, pressed just before it. */
		emit(out, &n, TUI_CH(27), -1, -1);
		if (in->meta)
			emit(out, &n, TUI_CH(27), -1, -1);
		in->len = 0;
		in->meta = false;
		if (c == 27)
			start(in, 0, now_ms);
		else
			emit(out, &n, key, -1, -1);
		return n;
	}
	if (c == 27 || c < 0x20 || c == 0x7f) {
		/* A control inside a sequence ends it unfinished: dropped, then the control. */
		in->len = 0;
		in->meta = false;
		return n + tui_input_feed(in, key, now_ms, out + n);
	}
	if (in->len < TUI_INPUT_SEQ_MAX)
		in->seq[in->len++] = c;
	else
		in->overflow = true;   /* too long for any key: swallowed to its end */
	if (in->len == 3 && in->seq[1] == L'[' && c == L'[')
		return n;              /* Linux console F-keys: ESC [ [ A */
	if (in->len == 3 && in->seq[1] == L'[' && c == L'M') {
		in->mouse_left = 3;
		return n;
	}
	if (in->len == 4 && in->seq[2] == L'[' && in->seq[1] == L'[') {
		finish(in, out, &n);
		in->meta = false;
		return n;
	}
	if (is_final(c)) {
		if (in->meta) {
			/* Alt + a key: not one of ours. */
			in->len = 0;
			in->overflow = false;
		} else {
			finish(in, out, &n);
		}
		in->meta = false;
	}
	return n;
}

int
tui_input_timeout(const struct tui_input *in, int64_t now_ms)
{
	int64_t left;

	if (in->len == 0)
		return -1;
	left = in->since_ms + (in->len == 1 ? TUI_INPUT_ESC_MS : TUI_INPUT_SEQ_MS) - now_ms;
	return left < 0 ? 0 : (int)left;
}

size_t
tui_input_expire(struct tui_input *in, int64_t now_ms, struct tui_input_event *out)
{
	size_t n = 0;

	if (in->len == 0 || tui_input_timeout(in, now_ms) > 0)
		return 0;
	if (in->len == 1) {
		/* Nothing came after ESC: the Esc key (twice for ESC ESC). */
		emit(out, &n, TUI_CH(27), -1, -1);
		if (in->meta)
			emit(out, &n, TUI_CH(27), -1, -1);
	}
	/* An unfinished sequence is dropped whole. */
	in->len = 0;
	in->meta = false;
	in->overflow = false;
	in->mouse_left = 0;
	return n;
}
