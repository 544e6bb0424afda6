/*
 * The application: terminal setup and teardown, the screen stack, the status
 * bar and the F-key bar, and the one event loop.
 *
 * The loop (redis's aeProcessEvents with a before-sleep redraw, not cgps's
 * alternation of gps_waiting and wgetch): poll() waits on the keyboard, the
 * gpsd socket, the sync worker's pipe and the signal self-pipe, for at most the time to the next due
 * timer.  On wakeup it drains every key until ERR, lets the GPS client read
 * what arrived, handles signals, and then redraws once if anything changed.
 *
 * Signals never touch the store or curses from the handler: SIGTERM, SIGHUP
 * and SIGINT write their number into a pipe the loop reads, and the loop asks
 * every screen to save (the form saves its draft) before leaving.  Fatal
 * signals restore the terminal and re-raise.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/tui_internal.h"
#include "tui/review.h"
#include "util/util.h"

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t curses_active;

/* ---- The key table. ---- */

struct tui_binding {
	enum tui_key_group group;
	int keys[3];
	const char *bar[2];       /* English, Chinese */
	const char *names;
	const char *help[2];
};

static const struct tui_binding bindings[TUI_ACT_COUNT] = {
	[TUI_ACT_NONE] = { TUI_GROUP_ALL, { 0, 0, 0 }, { NULL, NULL }, "", { "", "" } },
#define TUI_BIND(g, name, k1, k2, k3, b, bzh, keys, h, hzh) \
	[TUI_ACT_##name] = { TUI_GROUP_##g, { k1, k2, k3 }, { b, bzh }, keys, { h, hzh } },
	TUI_KEYS(TUI_BIND)
#undef TUI_BIND
};

static const char *const group_names[TUI_GROUP_COUNT][2] = {
#define TUI_GROUP_NAME(name, en, zh) { en, zh },
	TUI_KEY_GROUPS(TUI_GROUP_NAME)
#undef TUI_GROUP_NAME
};

/* The first action bound to key: of group g only, or (g ALL) of every group but the review's. */
static enum tui_action
lookup_key(int key, enum tui_key_group g)
{
	for (int a = 1; a < TUI_ACT_COUNT; a++) {
		if (g != TUI_GROUP_ALL ? bindings[a].group != g : bindings[a].group == TUI_GROUP_REVIEW)
			continue;
		for (int k = 0; k < 3; k++)
			if (bindings[a].keys[k] != 0 && bindings[a].keys[k] == key)
				return (enum tui_action)a;
	}
	if (g == TUI_GROUP_ALL && tui_key_digit(key) != 0)
		return TUI_ACT_PICK;
	return TUI_ACT_NONE;
}

enum tui_action
tui_key_action(int key)
{
	return lookup_key(key, TUI_GROUP_ALL);
}

enum tui_action
tui_key_action_in(int key, enum tui_key_group g)
{
	enum tui_action a = g == TUI_GROUP_ALL ? TUI_ACT_NONE : lookup_key(key, g);

	return a != TUI_ACT_NONE ? a : lookup_key(key, TUI_GROUP_ALL);
}

/* ---- Lists: moved here once for every screen. ---- */

void
tui_list_fit(struct tui_list *l, size_t n, size_t vis)
{
	l->n = n;
	l->vis = vis > 0 ? vis : 1;
	if (l->pager) {
		size_t last = n > l->vis ? n - l->vis : 0;

		if (l->cur > last)
			l->cur = last;
		l->top = l->cur;
		return;
	}
	if (l->cur >= n)
		l->cur = n > 0 ? n - 1 : 0;
	/* A grown screen shows the first rows again rather than keep an old scroll. */
	if (l->top + l->vis > n)
		l->top = n > l->vis ? n - l->vis : 0;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + l->vis)
		l->top = l->cur - l->vis + 1;
}

bool
tui_list_move(struct tui_list *l, enum tui_action a)
{
	size_t last = l->pager ? (l->n > l->vis ? l->n - l->vis : 0) : (l->n > 0 ? l->n - 1 : 0);
	size_t page = l->vis > 1 ? l->vis - 1 : 1;

	switch (a) {
	case TUI_ACT_UP: l->cur = l->cur > 0 ? l->cur - 1 : 0; break;
	case TUI_ACT_DOWN: l->cur = l->cur < last ? l->cur + 1 : last; break;
	case TUI_ACT_PGUP: l->cur = l->cur > page ? l->cur - page : 0; break;
	case TUI_ACT_PGDN: l->cur = l->cur + page < last ? l->cur + page : last; break;
	case TUI_ACT_HOMEKEY: l->cur = 0; break;
	case TUI_ACT_ENDKEY: l->cur = last; break;
	default: return false;
	}
	if (l->pager)
		l->top = l->cur;
	return true;
}

int
tui_key_digit(int key)
{
	if (TUI_IS_CHAR(key) && TUI_CHAR_OF(key) >= L'1' && TUI_CHAR_OF(key) <= L'9')
		return (int)(TUI_CHAR_OF(key) - L'0');
	return 0;
}

enum tui_key_group
tui_key_group_of(enum tui_action a)
{
	return a > 0 && a < TUI_ACT_COUNT ? bindings[a].group : TUI_GROUP_ALL;
}

const char *
tui_key_group_name(enum tui_key_group g, bool zh)
{
	return g < TUI_GROUP_COUNT ? group_names[g][zh] : "";
}

const char *
tui_key_names(enum tui_action a)
{
	return a > 0 && a < TUI_ACT_COUNT ? bindings[a].names : "";
}

const char *
tui_key_help(enum tui_action a, bool zh)
{
	return a > 0 && a < TUI_ACT_COUNT ? bindings[a].help[zh] : "";
}

static int
fkey_number(enum tui_action a)
{
	for (int k = 0; k < 3; k++) {
		int key = bindings[a].keys[k];

		if (key >= KEY_F(1) && key <= KEY_F(12))
			return key - KEY_F(0);
	}
	return 0;
}

/* ---- Attributes. ---- */

enum { PAIR_BAR = 1, PAIR_FKEY, PAIR_SEL, PAIR_ERR, PAIR_GOOD, PAIR_WARN,
       PAIR_MINOR, PAIR_MODERATE, PAIR_SEVERE, PAIR_TITLE };

attr_t
tui_attr(const struct tui_app *app, enum tui_role role)
{
	if (app->mono || !app->has_colors) {
		switch (role) {
		/*
		 * Reverse is the bars, the cursor and refusals only; severity is
		 * bold + underline (severe), bold, underline, and spelled out too.
		 * Nothing is dim: it fades in sunlight.
		 */
		case TUI_BAR: case TUI_FKEY: case TUI_SELECTED:
			return A_REVERSE;
		case TUI_ERROR:
			return A_REVERSE | A_BOLD;
		case TUI_SEV_SEVERE:
			return A_BOLD | A_UNDERLINE;
		case TUI_TITLE: case TUI_FNUM: case TUI_GOOD: case TUI_SEV_MODERATE:
			return A_BOLD;
		case TUI_WARN: case TUI_SEV_MINOR:
			return A_UNDERLINE;
		default:
			return A_NORMAL;
		}
	}
	switch (role) {
	case TUI_BAR: return COLOR_PAIR(PAIR_BAR) | A_BOLD;
	case TUI_FKEY: return COLOR_PAIR(PAIR_FKEY);
	case TUI_FNUM: return A_BOLD;
	case TUI_TITLE: return COLOR_PAIR(PAIR_TITLE) | A_BOLD;
	case TUI_SELECTED: return COLOR_PAIR(PAIR_SEL) | A_BOLD;
	case TUI_DIM: return A_NORMAL;
	case TUI_ERROR: return COLOR_PAIR(PAIR_ERR) | A_BOLD;
	case TUI_GOOD: return COLOR_PAIR(PAIR_GOOD) | A_BOLD;
	case TUI_WARN: return COLOR_PAIR(PAIR_WARN) | A_BOLD;
	case TUI_SEV_MINOR: return COLOR_PAIR(PAIR_MINOR);
	case TUI_SEV_MODERATE: return COLOR_PAIR(PAIR_MODERATE) | A_BOLD;
	case TUI_SEV_SEVERE: return COLOR_PAIR(PAIR_SEVERE) | A_BOLD;
	default: return A_NORMAL;
	}
}

static void
init_colours(struct tui_app *app)
{
	const char *nc = getenv("NO_COLOR");

	/* https://no-color.org: present and not empty means no colour. */
	app->has_colors = has_colors() && !(nc != NULL && nc[0] != '\0');
	if (!app->has_colors)
		return;
	start_color();
	/* High contrast for sunlight: black on bright backgrounds, white on red. */
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_FKEY, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_SEL, COLOR_BLACK, COLOR_YELLOW);
	init_pair(PAIR_ERR, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_GOOD, COLOR_GREEN, COLOR_BLACK);
	init_pair(PAIR_WARN, COLOR_YELLOW, COLOR_BLACK);
	init_pair(PAIR_MINOR, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_MODERATE, COLOR_BLACK, COLOR_YELLOW);
	init_pair(PAIR_SEVERE, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
}

/* ---- Language. ---- */

/* "中文 (zh)" -> "zh"; a name without parentheses is its own code. */
static void
lang_code(const char *name, char *buf, size_t size)
{
	const char *open = strrchr(name, '('), *close = strrchr(name, ')');

	if (open != NULL && close != NULL && close > open + 1 && (size_t)(close - open) <= size) {
		memcpy(buf, open + 1, (size_t)(close - open - 1));
		buf[close - open - 1] = '\0';
	} else {
		fc_strlcpy(buf, name, size);
	}
}

const char *
tui_lang(const struct tui_app *app)
{
	return app->lang[0] != '\0' ? app->lang : NULL;
}

void
tui_next_lang(struct tui_app *app, const struct form *f)
{
	size_t n, cur = 0;
	char code[TUI_LANG_LEN];

	if (f == NULL && form_library_count(app->lib) > 0)
		f = form_library_get(app->lib, 0);
	if (f == NULL || (n = form_language_count(f)) == 0)
		return;
	if (app->lang[0] == '\0')
		fc_strlcpy(app->lang, form_default_language(f) != NULL ? form_default_language(f) : "",
		    sizeof app->lang);
	for (size_t i = 0; i < n; i++) {
		lang_code(form_language(f, i), code, sizeof code);
		if (strcmp(code, app->lang) == 0 || strcmp(form_language(f, i), app->lang) == 0)
			cur = i;
	}
	lang_code(form_language(f, (cur + 1) % n), app->lang, sizeof app->lang);
}

/* ---- Stack, flash, counts. ---- */

int
tui_push(struct tui_app *app, const struct tui_screen_ops *ops, void *priv)
{
	struct tui_screen *s;

	if (app->depth >= TUI_STACK_MAX) {
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_TOO_MANY_SCREENS_OPEN));
		return -1;
	}
	s = &app->stack[app->depth];
	s->ops = ops;
	s->app = app;
	s->priv = priv;
	s->list = NULL;
	app->depth++;
	if (ops->open != NULL && ops->open(s) != 0) {
		app->depth--;
		if (ops->close != NULL)
			ops->close(s);
		return -1;
	}
	app->dirty = true;
	return 0;
}

void
tui_pop(struct tui_app *app)
{
	struct tui_screen *s;

	if (app->depth <= 1) {
		app->quit = true;
		return;
	}
	s = &app->stack[--app->depth];
	if (s->ops->close != NULL)
		s->ops->close(s);
	app->dirty = true;
}

void
tui_pop_to_home(struct tui_app *app)
{
	while (app->depth > 1)
		tui_pop(app);
}

void
tui_flash(struct tui_app *app, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->flash, sizeof app->flash, fmt, ap);
	va_end(ap);
	app->flash_error = error;
	app->flash_ops = NULL;
	app->flash_until_ms = fc_monotonic_ms() + (error ? 8000 : 4000);
	app->dirty = true;
}

void
tui_refresh_counts(struct tui_app *app)
{
	int64_t counts[4] = { 0, 0, 0, 0 }, all = 0, drafts = 0;
	char day[FC_DAY_LEN];
	struct store_filter f = STORE_FILTER_ALL;

	if (store_count_by_status(app->st, counts, NULL) == 0)
		app->queue = counts[STORE_FINAL] + counts[STORE_BUNDLED];
	/*
	 * Photos go after the records, with `fieldcheck sync`: counted apart
	 * (docs/photos.md), once the frame is on the screen, since counting
	 * reads every record's answers.
	 */
	app->photos_stale = true;
	fc_local_day(day, time(NULL));
	f.day = day;
	f.inspector = app->inspector;
	if (store_count(app->st, &f, &all, NULL) == 0) {
		f.any_status = false;
		f.status = STORE_DRAFT;
		if (store_count(app->st, &f, &drafts, NULL) == 0)
			app->today = all - drafts;
	}
	/* Counted now; the worker's next report (it sees sending too) refreshes it. */
	if (app->sync != NULL)
		sync_proc_nudge(app->sync);
	if (app->last_sync[0] == '\0')
		fc_strlcpy(app->last_sync, app->sync != NULL ? "…" : "off", sizeof app->last_sync);
	app->data_version++;
	app->dirty = true;
}

/* ---- The status bar and the F-key bar. ---- */

static void
gps_text(struct tui_app *app, char *buf, size_t size, bool narrow, enum tui_role *role)
{
	struct gps_fix fix;
	double age;

	*role = TUI_BAR;
	switch (app->gc != NULL ? gpsclient_state(app->gc) : GPS_OFF) {
	case GPS_OFF:
		snprintf(buf, size, "%s", tui_msg(app, NULL, TUI_MSG_STATUS_GPS_OFF));
		return;
	case GPS_NO_GPSD: {
		/* The client's reason in both widths; draw_status cuts it with "…" to fit. */
		const char *why = gpsclient_error(app->gc);

		if (why != NULL && strncmp(why, "no gpsd: ", 9) == 0)
			why += 9;
		if (why == NULL || why[0] == '\0')
			why = "?";
		tui_msgf(app, NULL, buf, size, narrow ? TUI_MSG_STATUS_NO_GPSD_NARROW : TUI_MSG_STATUS_NO_GPSD,
		    why);
		*role = TUI_ERROR;
		return;
	}
	case GPS_NO_FIX:
		snprintf(buf, size, "%s%s", narrow ? "" : "GPS: ", tui_msg(app, NULL, TUI_MSG_STATUS_NO_FIX));
		*role = TUI_ERROR;
		return;
	case GPS_STALE:
		age = gpsclient_fix_age_s(app->gc);
		snprintf(buf, size, "%s%s %.0f%s", narrow ? "" : "GPS: ", tui_msg(app, NULL, TUI_MSG_STATUS_STALE),
		    isnan(age) ? 0.0 : age, narrow ? "s" : " s");
		*role = TUI_ERROR;
		return;
	case GPS_FIX:
		break;
	}
	if (!gpsclient_last_fix(app->gc, &fix)) {
		snprintf(buf, size, "GPS: ?");
		return;
	}
	age = gpsclient_fix_age_s(app->gc);
	{
		char acc[24], sats[24];

		if (isnan(fix.accuracy_m))
			snprintf(acc, sizeof acc, "±? m");
		else
			snprintf(acc, sizeof acc, narrow ? "±%.0fm" : "±%.0f m", fix.accuracy_m);
		if (fix.satellites_used < 0)
			snprintf(sats, sizeof sats, "? %s", tui_msg(app, NULL, TUI_MSG_STATUS_SATELLITES));
		else
			snprintf(sats, sizeof sats, "%d %s", fix.satellites_used,
			    tui_msg(app, NULL, TUI_MSG_STATUS_SATELLITES));
		snprintf(buf, size, narrow ? "%dD %s %s %.0fs" : "GPS %dD %s %s %.0f s",
		    fix.mode, acc, sats, isnan(age) ? 0.0 : age);
	}
}

static void
draw_status(struct tui_app *app)
{
	char gps[96], right[96];
	enum tui_role role;
	bool narrow = app->cols < 60;
	int x, w;

	attrset(tui_attr(app, TUI_BAR));
	mvhline(0, 0, ' ', app->cols);
	attrset(A_NORMAL);
	gps_text(app, gps, sizeof gps, narrow, &role);
	if (app->have_sync_status && !narrow) {
		/* The worker sends its state, never its words: "queued 3 · sending 1/3 · offline,
		 * retry in 40 s · last sync 14:02 ✓" in the screen's language. */
		const struct sync_words words = {
			tui_msg(app, NULL, TUI_MSG_QUEUED_N),
			tui_msg(app, NULL, TUI_MSG_QUEUE_UNREADABLE_S),
			tui_msg(app, NULL, TUI_MSG_SENDING_N_N),
			tui_msg(app, NULL, TUI_MSG_OFFLINE_RETRY_N_S),
			tui_msg(app, NULL, TUI_MSG_OFFLINE),
			tui_msg(app, NULL, TUI_MSG_REFUSED_N),
			tui_msg(app, NULL, TUI_MSG_REFUSED),
			tui_msg(app, NULL, TUI_MSG_LAST_SYNC_S_S),
		};

		sync_status_describe_in(&app->sync_status, &words, right, sizeof right);
	} else if (narrow) {
		snprintf(right, sizeof right, "Q%lld %s", (long long)app->queue,
		    !app->have_sync_status ? "" : app->sync_status.sending ? "↑" :
		    app->sync_status.offline ? "✗" : app->sync_status.last_result == SYNC_OK ? "✓" : "");
	} else {
		bool off = strcmp(app->last_sync, "off") == 0;

		snprintf(right, sizeof right, "%s %lld │ %s %s", tui_msg(app, NULL, TUI_MSG_QUEUE),
		    (long long)app->queue, tui_msg(app, NULL, TUI_MSG_SYNC),
		    off ? tui_msg(app, NULL, TUI_MSG_OFF_WORD) : app->last_sync);
	}
	if (app->photos_pending > 0 && !narrow) {
		size_t len = strlen(right);

		snprintf(right + len, sizeof right - len, tui_msg(app, NULL, TUI_MSG_PHOTOS_N), (long long)app->photos_pending);
	}
	/* Inspector first, then the GPS (plainly marked when bad), queue and sync last. */
	x = tui_put(0, 0, app->inspector[0] != '\0' ? app->inspector : "?",
	    narrow ? 10 : 20, tui_attr(app, TUI_BAR));
	x += tui_put(0, x, " ", 1, tui_attr(app, TUI_BAR));
	if (app->on_duty)
		x += tui_put(0, x, narrow ? "● " : tui_msg(app, NULL, TUI_MSG_DUTY), 12,
		    tui_attr(app, TUI_GOOD));
	w = tui_text_width(right);
	x += tui_put(0, x, gps, app->cols - x - w - 1, tui_attr(app, role));
	if (x + 1 + w <= app->cols)
		tui_put_right(0, 0, right, app->cols, tui_attr(app, TUI_BAR));
}

/*
 * The F keys that act on this screen now, each with its label in the
 * current language; labels are cut to fit when the whole bar does not.
 */
static void
draw_fkeys(struct tui_app *app, struct tui_screen *s)
{
	const enum tui_action *bar = s->ops->bar;
	int y = app->rows - 1, x = 0, want = 0, cut = 0;
	bool zh = tui_zh(app, NULL);
	enum tui_action shown[16];
	size_t n = 0;

	memset(app->bar_w, 0, sizeof app->bar_w);
	for (size_t i = 0; bar != NULL && bar[i] != TUI_ACT_NONE && n < 16; i++) {
		int fk = fkey_number(bar[i]);

		if (fk == 0 || bindings[bar[i]].bar[zh] == NULL ||
		    (s->ops->acts != NULL && !s->ops->acts(s, bar[i])))
			continue;
		shown[n++] = bar[i];
		want += (fk >= 10 ? 3 : 2) + tui_text_width(bindings[bar[i]].bar[zh]) + 1;
	}
	/* Too wide: every label gets the same share of what is left. */
	if (want > app->cols && n > 0) {
		int nums = 0;

		for (size_t i = 0; i < n; i++)
			nums += fkey_number(shown[i]) >= 10 ? 3 : 2;
		cut = (app->cols - nums) / (int)n - 1;
		if (cut < 2)
			cut = 2;
	}
	move(y, 0);
	clrtoeol();
	for (size_t i = 0; i < n; i++) {
		int fk = fkey_number(shown[i]);
		char num[8];
		const char *label = bindings[shown[i]].bar[zh];
		int start = x, lw = tui_text_width(label);

		if (cut > 0 && lw > cut)
			lw = cut;
		snprintf(num, sizeof num, "F%d", fk);
		if (x + (int)strlen(num) + lw > app->cols)
			break;
		x += tui_put(y, x, num, app->cols - x, tui_attr(app, TUI_FNUM));
		lw = tui_put(y, x, label, lw, tui_attr(app, TUI_FKEY));
		x += lw;
		if (x < app->cols)
			x += tui_put(y, x, " ", 1, tui_attr(app, TUI_FKEY));
		if (fk < 12) {
			app->bar_x[fk] = start;
			app->bar_w[fk] = x - start;
		}
	}
	attrset(tui_attr(app, TUI_FKEY));
	for (; x < app->cols; x++)
		mvaddch(y, x, ' ');
	attrset(A_NORMAL);
}

static void
draw(struct tui_app *app)
{
	struct tui_screen *s = &app->stack[app->depth - 1];

	getmaxyx(stdscr, app->rows, app->cols);
	erase();
	app->cursor_y = app->cursor_x = -1;
	/* Below the size the screens are laid out for they would draw squashed: say so instead. */
	if (app->rows < TUI_MIN_ROWS || app->cols < TUI_MIN_COLS) {
		char notice[96];

		tui_msgf(app, NULL, notice, sizeof notice, TUI_MSG_TERMINAL_TOO_SMALL, TUI_MIN_COLS,
		    TUI_MIN_ROWS);
		tui_wrap(0, 0, notice, app->cols, app->rows, A_BOLD, true);
		curs_set(0);
		refresh();
		return;
	}
	draw_status(app);
	s->ops->draw(s, 1, app->rows - 2, app->cols);
	/* A message belongs to the screen it was first shown on: it goes when that screen does. */
	if (app->flash[0] != '\0' && app->flash_ops == NULL) {
		app->flash_ops = s->ops;
		app->flash_depth = app->depth;
	} else if (app->flash[0] != '\0' && (app->flash_ops != s->ops || app->flash_depth != app->depth)) {
		app->flash[0] = '\0';
	}
	if (app->flash[0] != '\0' && fc_monotonic_ms() < app->flash_until_ms) {
		tui_put_pad(app->rows - 2, 0, app->flash, app->cols,
		    tui_attr(app, app->flash_error ? TUI_ERROR : TUI_GOOD));
	} else {
		app->flash[0] = '\0';
	}
	draw_fkeys(app, s);
	if (app->cursor_y >= 0) {
		move(app->cursor_y, app->cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* ---- The help screen, made from the key table. ---- */

/*
 * The rows of help: each group's heading, then its actions, in table order.
 * Row r is a heading when its action is TUI_ACT_NONE.  Returns the count.
 */
static size_t
help_rows(enum tui_key_group *group, enum tui_action *action, size_t max)
{
	size_t n = 0;

	for (int g = 0; g < TUI_GROUP_COUNT; g++) {
		if (n < max) {
			group[n] = (enum tui_key_group)g;
			action[n++] = TUI_ACT_NONE;
		}
		for (int a = 1; a < TUI_ACT_COUNT && n < max; a++)
			if (bindings[a].group == (enum tui_key_group)g) {
				group[n] = (enum tui_key_group)g;
				action[n++] = (enum tui_action)a;
			}
	}
	return n;
}

#define HELP_ROWS_MAX (TUI_ACT_COUNT + TUI_GROUP_COUNT)

struct help {
	struct tui_list list;   /* a pager over the rows */
};

static int
help_open(struct tui_screen *s)
{
	struct help *h = xcalloc(1, sizeof *h);

	h->list.pager = true;
	s->priv = h;
	s->list = &h->list;
	return 0;
}

static void
help_close(struct tui_screen *s)
{
	free(s->priv);
	s->priv = NULL;
}

static void
help_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct help *h = s->priv;
	enum tui_key_group group[HELP_ROWS_MAX];
	enum tui_action action[HELP_ROWS_MAX];
	size_t n = help_rows(group, action, HELP_ROWS_MAX), fit = 0;
	bool zh = tui_zh(app, NULL);
	int namew = cols < 60 ? 6 : 10, y = top + 1, bottom = top + rows - 1, used = 0;
	char head[96];

	/* The most rows that fit from the end: scrolling stops where the last one shows. */
	for (size_t i = n; i > 0; i--) {
		int hgt = action[i - 1] == TUI_ACT_NONE ? 1 : tui_wrap(0, 0,
		    bindings[action[i - 1]].help[zh], cols - namew - 1, 3, A_NORMAL, false);

		if (used + hgt > bottom - y)
			break;
		used += hgt;
		fit++;
	}
	tui_list_fit(&h->list, n, fit);
	snprintf(head, sizeof head, "%s %s", tui_msg(app, NULL, TUI_MSG_KEYS_ESC_BACK),
	    h->list.top > 0 && h->list.top + fit < n ? "↑↓" : h->list.top > 0 ? "↑" :
	    h->list.top + fit < n ? "↓" : "");
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	for (size_t i = h->list.top; i < n && y < bottom; i++) {
		if (action[i] == TUI_ACT_NONE) {
			tui_put_pad(y++, 0, tui_key_group_name(group[i], zh), cols, A_BOLD | A_UNDERLINE);
			continue;
		}
		tui_put(y, 0, bindings[action[i]].names, namew, tui_attr(app, TUI_FNUM));
		y += tui_wrap(y, namew + 1, bindings[action[i]].help[zh], cols - namew - 1,
		    bottom - y < 3 ? bottom - y : 3, A_NORMAL, true);
	}
}

static bool
help_key(struct tui_screen *s, enum tui_action a, int key)
{
	(void)key;
	if (a == TUI_ACT_HELP || a == TUI_ACT_ENTER) {
		tui_pop(s->app);
		return true;
	}
	return false;
}

static const enum tui_action help_bar[] = { TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };
const struct tui_screen_ops tui_help_ops = {
	.name = "help", .open = help_open, .draw = help_draw, .key = help_key, .close = help_close,
	.bar = help_bar,
};

/* ---- Keys and mouse. ---- */

/* What an action does on a screen that did not use it. */
static void
default_action(struct tui_app *app, struct tui_screen *s, enum tui_action a)
{
	if (s->list != NULL && tui_list_move(s->list, a))
		return;
	switch (a) {
	case TUI_ACT_HELP:
		if (s->ops != &tui_help_ops)
			tui_push(app, &tui_help_ops, NULL);
		break;
	case TUI_ACT_LANG:
		tui_next_lang(app, NULL);
		break;
	case TUI_ACT_BACK:
	case TUI_ACT_ERASE:
		if (app->depth > 1)
			tui_pop(app);
		break;
	case TUI_ACT_QUIT:
		tui_pop(app);   /* on home: leave */
		break;
	default:
		break;
	}
}

static void
handle_key(struct tui_app *app, const struct tui_input_event *ev)
{
	struct tui_screen *s = &app->stack[app->depth - 1];
	int key = ev->key;
	enum tui_action a;

	if (key == KEY_RESIZE) {
		/* Nothing to keep: every screen redraws from its state. */
		app->dirty = true;
		return;
	}
	if (key == KEY_MOUSE) {
		app->mouse_y = ev->y;
		app->mouse_x = ev->x;
		if (ev->y == app->rows - 1) {
			/* A tap on the F-key bar is that F key. */
			for (int fk = 1; fk < 12; fk++)
				if (app->bar_w[fk] > 0 && ev->x >= app->bar_x[fk] &&
				    ev->x < app->bar_x[fk] + app->bar_w[fk]) {
					key = KEY_F(fk);
					break;
				}
			if (key == KEY_MOUSE)
				return;
		}
	}
	app->dirty = true;
	/* F1 and F7 work everywhere; '?' is text in editors, so screens handle it. */
	if (key == KEY_F(1)) {
		if (s->ops != &tui_help_ops)
			tui_push(app, &tui_help_ops, NULL);
		return;
	}
	a = tui_key_action_in(key, s->ops->group);
	if (a == TUI_ACT_MONO) {
		app->mono = !app->mono;
		return;
	}
	if (a == TUI_ACT_DUTY) {
		tui_duty_toggle(app);
		return;
	}
	if (!s->ops->key(s, a, key))
		default_action(app, s, a);
}

static void
handle_events(struct tui_app *app, const struct tui_input_event *ev, size_t n)
{
	for (size_t i = 0; i < n && !app->quit; i++)
		handle_key(app, &ev[i]);
}

/* Every key waiting, through the decoder; then a sequence whose time is up. */
static void
drain_keys(struct tui_app *app)
{
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	wint_t wc;
	int r;

	while (!app->quit && (r = get_wch(&wc)) != ERR) {
		int key = r == KEY_CODE_YES ? (int)wc : TUI_CH(wc);

		handle_events(app, ev, tui_input_feed(&app->input, key, fc_monotonic_ms(), ev));
	}
	if (!app->quit)
		handle_events(app, ev, tui_input_expire(&app->input, fc_monotonic_ms(), ev));
}

/* ---- Signals. ---- */

static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (write(signal_pipe[1], &b, 1) < 0) {
		/* The pipe is full: a signal is already waiting to be handled. */
	}
	errno = saved;
}

static void
on_fatal(int sig)
{
	if (curses_active)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
restore_terminal(void)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
}

static int
install_signals(char **cause)
{
	struct sigaction sa;
	static const int terminate[] = { SIGTERM, SIGHUP, SIGINT };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	if (signal_pipe[0] < 0) {
		if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
			return fc_fail(cause, "signal pipe: %s", strerror(errno));
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (size_t i = 0; i < sizeof terminate / sizeof terminate[0]; i++)
		sigaction(terminate[i], &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
save_all(struct tui_app *app)
{
	for (size_t i = app->depth; i > 0; i--)
		if (app->stack[i - 1].ops->save != NULL)
			app->stack[i - 1].ops->save(&app->stack[i - 1]);
}

/* ---- Start, loop, stop. ---- */

static void
forms_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	char *buf = ctx;

	/* Keep the first problem to show on the home screen; the rest are in `forms check`. */
	if (buf[0] == '\0')
		snprintf(buf, TUI_FLASH_LEN, "%s:%u:%u: %s", file, line, col, message);
}

static int
next_timeout(struct tui_app *app)
{
	int t = -1, g;
	int64_t now = fc_monotonic_ms();

	/* While gpsd is away this is the next retry, never "no timer". */
	if (app->gc != NULL && (g = gpsclient_timeout_ms(app->gc)) >= 0)
		t = g;
	if ((g = tui_input_timeout(&app->input, now)) >= 0 && (t < 0 || g < t))
		t = g;
	if ((g = tui_duty_timeout_ms(app)) >= 0 && (t < 0 || g < t))
		t = g;
	/* A camera command that ended is done with: no more wake-ups for it. */
	if (app->capture != NULL && app->capture_state == TUI_CAPTURE_RUNNING &&
	    (g = tui_capture_timeout_ms(app->capture)) >= 0 && (t < 0 || g < t))
		t = g;
	if (app->flash[0] != '\0') {
		int64_t left = app->flash_until_ms - now;
		int f = left < 0 ? 0 : left > 60000 ? 60000 : (int)left;

		if (t < 0 || f < t)
			t = f;
	}
	/* The fix age on the status bar counts in whole seconds. */
	if (app->gc != NULL && (gpsclient_state(app->gc) == GPS_FIX ||
	    gpsclient_state(app->gc) == GPS_STALE) && (t < 0 || t > 1000))
		t = 1000;
	return t;
}

/*
 * The background sync applied what the depot's feed brought: new checklists
 * join the library (those held stay: screens keep pointers to them), the
 * screens reload their lists (tasks, decisions), and the status line says so.
 */
static void
feed_arrived(struct tui_app *app)
{
	const struct sync_status *s = &app->sync_status;

	app->feed_seq = s->feed_seq;
	if (s->feed_checklists > 0)
		sync_feed_checklists(app->st, app->lib, NULL, NULL, NULL);
	app->data_version++;
	if (s->feed_checklists > 0)
		tui_flash(app, false, "%s %u", tui_msg(app, NULL, TUI_MSG_CHECKLISTS_UPDATED_FROM_DEPOT), (unsigned)s->feed_checklists);
	else if (s->feed_tasks > 0)
		tui_flash(app, false, "%s %u", tui_msg(app, NULL, TUI_MSG_TASKS_FROM_DEPOT),
		    (unsigned)s->feed_tasks);
	else
		tui_flash(app, false, "%s %u", tui_msg(app, NULL, TUI_MSG_DECISIONS_MY_RECORDS),
		    (unsigned)s->feed_decisions);
}

/*
 * Sync only when a depot is configured, in a child process that reads the
 * rest of the configuration itself; a worker that fails to start is news
 * (in diag), not fatal.
 */
static void
start_sync(struct tui_app *app, char diag[TUI_FLASH_LEN])
{
	const char *server = fc_config_get(app->opt.config, "server");
	char *why = NULL;

	if (server != NULL && server[0] != '\0' &&
	    sync_proc_start(app->opt.db_path, app->opt.device, &app->sync, &why) != 0) {
		snprintf(diag, TUI_FLASH_LEN, "%s", why);
		free(why);
		app->sync = NULL;
	}
}

static void
start_curses(struct tui_app *app)
{
	atexit(restore_terminal);
	initscr();
	curses_active = 1;
	cbreak();
	noecho();
	nonl();
	/* Keys are decoded by tui/input.c, never by the terminal description. */
	keypad(stdscr, FALSE);
	nodelay(stdscr, TRUE);
	tui_input_init(&app->input);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	mouseinterval(0);
	init_colours(app);
	getmaxyx(stdscr, app->rows, app->cols);
}

/* What the sync worker said, and whether it is still there. */
static void
sync_news(struct tui_app *app)
{
	if (sync_proc_read(app->sync, &app->sync_status) == 1) {
		if (app->sync_status.feed_seq != app->feed_seq)
			feed_arrived(app);
		app->have_sync_status = true;
		if (app->sync_status.queued != SYNC_QUEUE_UNKNOWN)
			app->queue = app->sync_status.queued;
		app->dirty = true;
	}
	if (sync_proc_fd(app->sync) < 0) {
		/* The worker ended by itself (it could not start): say why, sync off. */
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_SYNC_STOPPED),
		    app->sync_status.message[0] != '\0' ? app->sync_status.message :
		    tui_msg(app, NULL, TUI_MSG_WORKER_EXITED));
		sync_proc_stop(app->sync);
		app->sync = NULL;
		app->have_sync_status = false;
		fc_strlcpy(app->last_sync, "off", sizeof app->last_sync);
	}
}

/*
 * The camera command's end (tui/capture.c) is news for the form that
 * started it, which may lie under help or a picker by then: the topmost
 * form on the stack is told, not whatever screen is on top.
 */
static void
capture_news(struct tui_app *app)
{
	if (app->capture == NULL || app->capture_state != TUI_CAPTURE_RUNNING)
		return;
	app->capture_state = tui_capture_poll(app->capture, app->capture_message,
	    sizeof app->capture_message);
	if (app->capture_state == TUI_CAPTURE_RUNNING)
		return;
	app->dirty = true;
	for (size_t i = app->depth; i > 0; i--) {
		struct tui_screen *s = &app->stack[i - 1];

		if (strcmp(s->ops->name, "form") == 0 && s->ops->update != NULL) {
			s->ops->update(s);
			break;
		}
	}
}

/* The one poll() loop: keys, gpsd, the sync worker, signals and timers, until quit. */
static void
run_loop(struct tui_app *app)
{
	int64_t last_tick = 0;

	while (!app->quit) {
		struct pollfd pfd[5];
		nfds_t n = 0;
		int gfd, r;

		if (app->dirty) {
			app->dirty = false;
			draw(app);
			if (app->opt.bench_startup)
				break;
		}
		if (app->photos_stale) {
			int64_t refused, before = app->photos_pending;

			app->photos_stale = false;
			if (store_photo_counts(app->st, &app->photos_pending, &refused, NULL) != 0)
				app->photos_pending = 0;
			app->dirty = app->photos_pending != before;
			continue;
		}
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = signal_pipe[0], .events = POLLIN };
		gfd = app->gc != NULL ? gpsclient_fd(app->gc) : -1;
		if (gfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = gfd, .events = POLLIN };
		if (app->sync != NULL && sync_proc_fd(app->sync) >= 0)
			pfd[n++] = (struct pollfd){ .fd = sync_proc_fd(app->sync), .events = POLLIN };
		if (app->capture != NULL && tui_capture_fd(app->capture) >= 0)
			pfd[n++] = (struct pollfd){ .fd = tui_capture_fd(app->capture), .events = POLLIN };
		r = poll(pfd, n, next_timeout(app));
		if (r < 0 && errno != EINTR)
			break;
		/* EINTR may be SIGWINCH: get_wch then returns KEY_RESIZE. */
		drain_keys(app);
		if (app->gc != NULL && gpsclient_process(app->gc)) {
			struct tui_screen *top = &app->stack[app->depth - 1];

			app->dirty = true;
			if (top->ops->update != NULL)
				top->ops->update(top);
		}
		tui_duty_poll(app);
		capture_news(app);
		if (app->sync != NULL)
			sync_news(app);
		if (r >= 0 && (pfd[1].revents & POLLIN)) {
			unsigned char sig;

			while (read(signal_pipe[0], &sig, 1) == 1)
				if (sig == SIGTERM || sig == SIGHUP || sig == SIGINT)
					app->quit = true;
			if (app->quit) {
				save_all(app);
				tui_duty_stop(app);
			}
		}
		if (app->flash[0] != '\0' && fc_monotonic_ms() >= app->flash_until_ms)
			app->dirty = true;
		if (fc_monotonic_ms() - last_tick >= 1000) {
			last_tick = fc_monotonic_ms();
			if (app->gc != NULL && (gpsclient_state(app->gc) == GPS_FIX ||
			    gpsclient_state(app->gc) == GPS_STALE))
				app->dirty = true;
		}
	}
}

int
tui_run(const struct tui_options *opt, char **cause)
{
	struct tui_app *app = xcalloc(1, sizeof *app);
	char diag[TUI_FLASH_LEN] = "";
	char *dir = NULL;
	int rc = -1;

	app->opt = *opt;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fc_fail(cause, "the inspector's screen needs a terminal (see 'fieldcheck --help')");
		goto fail;
	}
	if (store_open(opt->db_path, STORE_READ_WRITE, &app->st, cause) != 0)
		goto fail;
	/* The handheld's screen: a small page cache (the depot's review keeps the default). */
	if (opt->review_day == NULL && store_small_cache(app->st, cause) != 0)
		goto fail;
	dir = form_default_dir(opt->forms_dir);
	app->lib = form_library_load(dir, forms_diag, diag);
	/* Beside them, what the depot's feed installed (a draft's older version included). */
	if (app->lib != NULL)
		sync_feed_checklists(app->st, app->lib, forms_diag, diag, NULL);
	if (app->lib == NULL || form_library_count(app->lib) == 0) {
		fc_fail(cause, "no checklists could be loaded from %s%s%s", dir,
		    diag[0] != '\0' ? ": " : "", diag);
		goto fail;
	}
	if (gpsclient_open(opt->gpsd, &app->gc, cause) != 0)
		goto fail;
	start_sync(app, diag);
	if (opt->inspector != NULL)
		fc_strlcpy(app->inspector, opt->inspector, sizeof app->inspector);
	if (opt->lang != NULL)
		fc_strlcpy(app->lang, opt->lang, sizeof app->lang);
	if (install_signals(cause) != 0)
		goto fail;
	tui_duty_start(app);
	tui_due_start(app);

	start_curses(app);

	/* The review (at a depot: a million records) has no queue to show; counting it costs 0.1 s. */
	if (opt->review_day == NULL)
		tui_refresh_counts(app);
	if (diag[0] != '\0')
		tui_flash(app, true, "%s", diag);
	tui_push(app, &tui_home_ops, NULL);
	if (opt->review_day != NULL) {
		/* Review mode: the supervisor's screens (tui/review.c) on top of home. */
		if (tui_review_open(app, opt->review_day) != 0) {
			fc_fail(cause, "%s", app->flash);
			goto fail;
		}
	} else if (app->inspector[0] == '\0')
		tui_push(app, &tui_ask_ops, NULL);
	app->dirty = true;

	run_loop(app);
	rc = 0;
fail:
	tui_duty_stop(app);
	tui_due_stop(app);
	while (app->depth > 0) {
		struct tui_screen *s = &app->stack[--app->depth];

		if (s->ops->close != NULL)
			s->ops->close(s);
	}
	restore_terminal();
	tui_capture_free(app->capture);
	if (app->sync != NULL)
		sync_proc_stop(app->sync);
	if (app->gc != NULL)
		gpsclient_close(app->gc);
	if (app->lib != NULL)
		form_library_free(app->lib);
	if (app->st != NULL)
		store_close(app->st);
	free(dir);
	free(app);
	return rc;
}
