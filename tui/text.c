/*
 * Text for the screen, measured in display columns: CJK characters take two
 * columns, combining marks none, and anything non-printable or malformed is
 * shown as U+FFFD so that input from forms and records can never move the
 * cursor or send escape sequences to the terminal.  Nothing here cuts by
 * bytes.
 *
 * Also the one-line editor used for text, numbers, positions and reasons.
 */
#include <limits.h>
#include <string.h>
#include <wctype.h>

#include "platform/platform.h"
#include "tui/tui_internal.h"
#include "util/util.h"

#define REPLACEMENT 0xFFFD

size_t
tui_text_next(const char *s, size_t n, wchar_t *wc, int *width)
{
	mbstate_t ps;
	size_t len;
	int w;

	memset(&ps, 0, sizeof ps);
	len = mbrtowc(wc, s, n, &ps);
	if (len == (size_t)-1 || len == (size_t)-2) {
		*wc = REPLACEMENT;
		len = 1;
	} else if (len == 0) {
		len = 1;  /* an embedded NUL: never reached through strlen, kept safe */
		*wc = REPLACEMENT;
	}
	w = wcwidth(*wc);
	if (w < 0 || (*wc < 0x20) || (*wc >= 0x7f && *wc < 0xa0)) {
		*wc = REPLACEMENT;
		w = 1;
	}
	*width = w;
	return len;
}

int
tui_text_width(const char *s)
{
	size_t n = strlen(s), i = 0;
	int total = 0, w;
	wchar_t wc;

	while (i < n) {
		i += tui_text_next(s + i, n - i, &wc, &w);
		total += w;
	}
	return total;
}

int
tui_put(int y, int x, const char *s, int maxcols, attr_t attr)
{
	wchar_t out[512];
	size_t n = strlen(s), i = 0, k = 0;
	int used = 0, w;
	wchar_t wc;

	if (maxcols <= 0)
		return 0;
	int widths[512];

	while (i < n && k < sizeof out / sizeof out[0] - 2) {
		size_t len = tui_text_next(s + i, n - i, &wc, &w);

		if (used + w > maxcols)
			break;
		widths[k] = w;
		out[k++] = wc;
		used += w;
		i += len;
	}
	/* Cut: the last column says so ("…"), unless only blanks were left out. */
	if (i < n && s[i + strspn(s + i, " ")] != '\0') {
		while (k > 0 && used + 1 > maxcols) {
			used -= widths[--k];
		}
		out[k++] = L'…';
		used++;
	}
	out[k] = L'\0';
	attrset(attr);
	mvaddnwstr(y, x, out, (int)k);
	attrset(A_NORMAL);
	return used;
}

void
tui_put_pad(int y, int x, const char *s, int cols, attr_t attr)
{
	int used = tui_put(y, x, s, cols, attr);

	attrset(attr);
	for (int i = used; i < cols; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}

void
tui_put_right(int y, int x, const char *s, int cols, attr_t attr)
{
	int w = tui_text_width(s);

	if (w > cols)
		w = cols;
	tui_put(y, x + cols - w, s, w, attr);
}

int
tui_wrap(int y, int x, const char *s, int width, int maxlines, attr_t attr, bool draw)
{
	return tui_wrap_from(y, x, s, width, 0, maxlines, attr, draw);
}

int
tui_wrap_from(int y, int x, const char *s, int width, int skip, int maxlines, attr_t attr,
    bool draw)
{
	size_t n = strlen(s), i = 0;
	int lines = 0;

	if (width <= 0 || maxlines <= 0)
		return 0;
	maxlines += skip;
	while (i < n && lines < maxlines) {
		/* One line: as many characters as fit, broken after the last space. */
		size_t j = i, space_end = 0, end, next;
		bool hard = false;
		int used = 0, w;
		wchar_t wc;

		while (j < n) {
			size_t len = tui_text_next(s + j, n - j, &wc, &w);

			if (s[j] == '\n') {
				hard = true;
				break;
			}
			if (used + w > width)
				break;
			used += w;
			j += len;
			if (wc == L' ')
				space_end = j;
		}
		if (j >= n || hard) {
			end = j;
			next = hard ? j + 1 : j;
		} else if (space_end > i) {
			end = next = space_end;
		} else {
			end = next = j > i ? j : i + tui_text_next(s + i, n - i, &wc, &w);
		}
		if (!hard)
			while (next < n && s[next] == ' ')
				next++;
		if (draw && lines >= skip) {
			char line[1024];
			size_t len = end - i;

			if (len >= sizeof line)
				len = sizeof line - 1;
			memcpy(line, s + i, len);
			line[len] = '\0';
			if (next < n && lines == maxlines - 1) {
				/* Cut: mark it so nothing is silently lost. */
				int lw = tui_put(y + lines - skip, x, line, width - 1, attr);
				tui_put(y + lines - skip, x + lw, "…", 1, attr);
			} else {
				tui_put(y + lines - skip, x, line, width, attr);
			}
		}
		lines++;
		i = next;
	}
	return lines;
}

/* ---- The line editor. ---- */

void
tui_edit_init(struct tui_edit *e, const char *utf8, size_t max)
{
	size_t n = utf8 != NULL ? strlen(utf8) : 0, i = 0;
	int w;

	memset(e, 0, sizeof *e);
	e->max = max > 0 && max < TUI_EDIT_MAX ? max : TUI_EDIT_MAX - 1;
	while (i < n && e->len < e->max) {
		i += tui_text_next(utf8 + i, n - i, &e->buf[e->len], &w);
		e->len++;
	}
	e->cur = e->len;
}

bool
tui_edit_key(struct tui_edit *e, int key)
{
	if (TUI_IS_CHAR(key)) {
		wchar_t wc = TUI_CHAR_OF(key);

		if (wc == 127 || wc == 8) {
			key = KEY_BACKSPACE;
		} else {
			if (wc < 0x20 || wcwidth(wc) < 0)
				return false;
			if (e->replace)
				e->len = e->cur = e->scroll = 0;
			e->replace = false;
			if (e->len >= e->max)
				return false;
			memmove(&e->buf[e->cur + 1], &e->buf[e->cur],
			    (e->len - e->cur) * sizeof e->buf[0]);
			e->buf[e->cur++] = wc;
			e->len++;
			return true;
		}
	}
	e->replace = false;
	switch (key) {
	case KEY_BACKSPACE:
		/* One character, however many columns or bytes it takes. */
		if (e->cur == 0)
			return false;
		memmove(&e->buf[e->cur - 1], &e->buf[e->cur], (e->len - e->cur) * sizeof e->buf[0]);
		e->cur--;
		e->len--;
		return true;
	case KEY_DC:
		if (e->cur >= e->len)
			return false;
		memmove(&e->buf[e->cur], &e->buf[e->cur + 1], (e->len - e->cur - 1) * sizeof e->buf[0]);
		e->len--;
		return true;
	case KEY_LEFT:
		if (e->cur == 0)
			return false;
		e->cur--;
		return true;
	case KEY_RIGHT:
		if (e->cur >= e->len)
			return false;
		e->cur++;
		return true;
	case KEY_HOME:
		e->cur = 0;
		return true;
	case KEY_END:
		e->cur = e->len;
		return true;
	default:
		return false;
	}
}

void
tui_edit_text(const struct tui_edit *e, char *buf, size_t size)
{
	size_t o = 0;
	mbstate_t ps;

	memset(&ps, 0, sizeof ps);
	for (size_t i = 0; i < e->len; i++) {
		char mb[MB_LEN_MAX];
		size_t len = wcrtomb(mb, e->buf[i], &ps);

		if (len == (size_t)-1)
			continue;
		if (o + len + 1 > size)
			break;
		memcpy(buf + o, mb, len);
		o += len;
	}
	if (size > 0)
		buf[o] = '\0';
}

void
tui_edit_draw(struct tui_edit *e, struct tui_app *app, int y, int x, int cols, attr_t attr)
{
	int used = 0, caret = 0;
	size_t i;

	if (cols < 2)
		return;
	/* Keep the caret visible: scroll by characters, measured in columns. */
	if (e->cur < e->scroll)
		e->scroll = e->cur;
	for (;;) {
		int w = 0;

		for (i = e->scroll; i < e->cur; i++)
			w += wcwidth(e->buf[i]) > 0 ? wcwidth(e->buf[i]) : 1;
		if (w <= cols - 1 || e->scroll >= e->cur)
			break;
		e->scroll++;
	}
	attrset(attr);
	move(y, x);
	for (i = e->scroll; i < e->len; i++) {
		int w = wcwidth(e->buf[i]);

		if (w < 0)
			w = 1;
		if (used + w > cols - 1)
			break;
		if (i == e->cur)
			caret = used;
		addnwstr(&e->buf[i], 1);
		used += w;
	}
	if (e->cur >= i)
		caret = used;
	for (; used < cols; used++)
		addch(' ');
	attrset(A_NORMAL);
	app->cursor_y = y;
	app->cursor_x = x + caret;
}

bool
tui_cell_text(const struct tui_app *app, const struct form *f, const struct store_position *pos,
    char *buf, size_t size)
{
	const char *cell;

	buf[0] = '\0';
	if (app->opt.grid == NULL || pos->source == STORE_POS_NONE)
		return false;
	cell = platform_grid_cell(app->opt.grid, pos->lon, pos->lat);
	if (cell == NULL) {
		snprintf(buf, size, "%s", tui_msg(app, f, TUI_MSG_OUTSIDE_EVERY_GRID_CELL));
		return true;
	}
	snprintf(buf, size, "%s %s", tui_msg(app, f, TUI_MSG_GRID_CELL), cell);
	return false;
}
