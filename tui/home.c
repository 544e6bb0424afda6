/*
 * Home: the checklists by asset type, the depot's tasks (once it sent any),
 * today's count, "my day", the drafts
 * waiting to be resumed, and the supervisor's review of today (which asks
 * for the PIN before any decision).  Also the one-time inspector prompt.
 *
 * The lists are read from the store when the screen opens and again only
 * when app->data_version says records changed, never on every redraw, so a
 * GPS update costs no SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/review.h"
#include "meaning/meaning.h"
#include "tui/tui_internal.h"
#include "util/util.h"

enum item_kind { ITEM_FORM, ITEM_TASKS, ITEM_DAY, ITEM_DRAFT, ITEM_REVIEW };

struct home_item {
	enum item_kind kind;
	const struct form *form;      /* owned by the library */
	char uuid[FC_UUID_LEN];       /* drafts */
	char when[8];                 /* drafts: local HH:MM of the last save */
	char asset[64];               /* drafts: what it is about, so that two look different */
	size_t answers;               /* drafts: answered by the inspector, calculations not counted */
	size_t tasks;                 /* tasks: not yet done */
};

#define HOME_MAX_DRAFTS 50

struct home {
	struct home_item *items;
	size_t n, cap;
	struct tui_list list;
	unsigned version;
	bool offered;
};

/* The asset types the city knows, first and in this order; others follow by id. */
static const char *const preferred[] = { "road", "bridge", "park", "urban_furniture" };

static int
form_rank(const struct form *f)
{
	for (size_t i = 0; i < sizeof preferred / sizeof preferred[0]; i++)
		if (strcmp(form_id(f), preferred[i]) == 0)
			return (int)i;
	return (int)(sizeof preferred / sizeof preferred[0]);
}

static struct home_item *
add_item(struct home *h, enum item_kind kind)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->items = xreallocarray(h->items, h->cap, sizeof *h->items);
	}
	memset(&h->items[h->n], 0, sizeof h->items[0]);
	h->items[h->n].kind = kind;
	return &h->items[h->n++];
}

static void
local_hhmm(const char *iso, char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	if (fc_parse_iso_utc(iso, &ts) != 0 || localtime_r(&ts.tv_sec, &tm) == NULL) {
		fc_strlcpy(buf, "--:--", size);
		return;
	}
	strftime(buf, size, "%H:%M", &tm);
}

struct draft_ctx {
	struct tui_app *app;
	struct home *h;
	size_t count;
};

static int
draft_cb(void *ctx, const struct store_record *rec)
{
	struct draft_ctx *dc = ctx;
	struct home_item *it;

	if (dc->count++ >= HOME_MAX_DRAFTS)
		return 1;
	it = add_item(dc->h, ITEM_DRAFT);
	it->form = meaning_record_form(dc->app->lib, rec);
	fc_strlcpy(it->uuid, rec->uuid, sizeof it->uuid);
	local_hhmm(rec->updated_at, it->when, sizeof it->when);
	fc_strlcpy(it->asset, meaning_asset(it->form, rec), sizeof it->asset);
	it->answers = tui_answered_count(it->form, rec);
	return 0;
}

static void
load(struct tui_app *app, struct home *h)
{
	size_t nforms = form_library_count(app->lib), first_draft, last_draft;
	struct store_filter f = STORE_FILTER_ALL;
	struct draft_ctx dc = { app, h, 0 };
	char *cause = NULL;

	h->n = 0;
	for (int rank = 0; rank <= (int)(sizeof preferred / sizeof preferred[0]); rank++) {
		for (size_t i = 0; i < nforms; i++) {
			const struct form *fm = form_library_get(app->lib, i);

			/* Newest version only: the library sorts each id's versions last-newest. */
			if (i + 1 < nforms && strcmp(form_id(form_library_get(app->lib, i + 1)),
			    form_id(fm)) == 0)
				continue;
			if (form_rank(fm) == rank)
				add_item(h, ITEM_FORM)->form = fm;
		}
	}
	/* The depot's tasks, once it has sent any; then my day and the review before the
	 * drafts, so that they keep their digits and stay on screen. */
	{
		size_t open = 0, all = 0;

		if (tui_tasks_count(app, &open, &all) == 0 && all > 0)
			add_item(h, ITEM_TASKS)->tasks = open;
	}
	add_item(h, ITEM_DAY);
	add_item(h, ITEM_REVIEW);
	first_draft = h->n;
	f.any_status = false;
	f.status = STORE_DRAFT;
	f.inspector = app->inspector;
	if (store_list(app->st, &f, draft_cb, &dc, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_DRAFTS), cause);
		free(cause);
	}
	last_draft = h->n;
	if (h->list.cur >= h->n)
		h->list.cur = h->n - 1;
	if (!h->offered && last_draft > first_draft) {
		/* Offered on restart: the cursor waits on the newest draft. */
		h->list.cur = last_draft - 1;
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_DRAFT_WAITING_ENTER_RESUMES));
	}
	h->offered = true;
	h->version = app->data_version;
}

static int
home_open(struct tui_screen *s)
{
	struct home *h = xcalloc(1, sizeof *h);

	s->priv = h;
	s->list = &h->list;
	load(s->app, h);
	return 0;
}

static void
home_close(struct tui_screen *s)
{
	struct home *h = s->priv;

	if (h != NULL)
		free(h->items);
	free(h);
	s->priv = NULL;
}

static void
item_text(struct tui_app *app, const struct home_item *it, char *buf, size_t size)
{
	switch (it->kind) {
	case ITEM_FORM:
		snprintf(buf, size, "%s", form_title(it->form, tui_lang(app)));
		break;
	case ITEM_TASKS:
		snprintf(buf, size, "%s (%zu)", tui_msg(app, NULL, TUI_MSG_TASKS), it->tasks);
		break;
	case ITEM_DAY:
		snprintf(buf, size, "%s (%lld)", tui_msg(app, NULL, TUI_MSG_MY_DAY),
		    (long long)app->today);
		break;
	case ITEM_DRAFT:
		snprintf(buf, size, "%s %s%s%s · %zu %s · %s", tui_msg(app, NULL, TUI_MSG_RESUME),
		    it->asset, it->asset[0] != '\0' ? " " : "", it->when, it->answers,
		    tui_msg(app, NULL, it->answers == 1 ? TUI_MSG_ANSWER_ONE : TUI_MSG_ANSWERS_WORD),
		    it->form != NULL ? form_title(it->form, tui_lang(app)) : "?");
		break;
	case ITEM_REVIEW:
		snprintf(buf, size, "%s", tui_msg(app, NULL, TUI_MSG_REVIEW_TODAY_SUPERVISOR));
		break;
	}
}

/*
 * The item digit 1 picks.  Nine digits label nine rows: from the top of
 * the screen, shifted down so that the cursor's row always has one; so an
 * item past the ninth is picked with a digit once the cursor reaches it.
 */
static size_t
digit_base(const struct home *h)
{
	return h->list.cur >= h->list.top + 9 ? h->list.cur - 8 : h->list.top;
}

static void
home_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct home *h = s->priv;
	char today[64], text[256];
	int due = tui_due_rows(app, rows), vis = rows - 2 - due, y;
	size_t first_digit;

	if (h->version != app->data_version)
		load(app, h);
	if (due > 0)
		tui_due_draw(app, top + rows - due, due, cols);
	snprintf(today, sizeof today, "%s %lld", tui_msg(app, NULL, TUI_MSG_TODAY),
	    (long long)app->today);
	tui_put_pad(top, 0, tui_msg(app, NULL, TUI_MSG_CHECKLISTS), cols, tui_attr(app, TUI_TITLE));
	tui_put_right(top, 0, today, cols, tui_attr(app, TUI_TITLE));
	if (vis < 1)
		return;
	tui_list_fit(&h->list, h->n, (size_t)vis);
	first_digit = digit_base(h);
	y = top + 1;
	for (size_t i = h->list.top; i < h->n && y < top + 1 + vis; i++, y++) {
		attr_t a = i == h->list.cur ? tui_attr(app, TUI_SELECTED) : A_NORMAL;
		char num[8] = "  ";

		if (i >= first_digit && i - first_digit < 9)
			snprintf(num, sizeof num, "%zu ", i - first_digit + 1);
		item_text(app, &h->items[i], text, sizeof text);
		tui_put_pad(y, 0, num, 2, a | A_BOLD);
		tui_put_pad(y, 2, text, cols - 2, a | (h->items[i].kind == ITEM_DRAFT ?
		    tui_attr(app, TUI_WARN) & ~A_COLOR : 0));
	}
}

static void
activate(struct tui_app *app, struct home *h)
{
	struct home_item *it = &h->items[h->list.cur];

	switch (it->kind) {
	case ITEM_FORM:
		tui_form_open(app, it->form, NULL);
		break;
	case ITEM_TASKS:
		tui_push(app, &tui_tasks_ops, NULL);
		break;
	case ITEM_DAY:
		tui_push(app, &tui_day_ops, NULL);
		break;
	case ITEM_DRAFT:
		if (it->form == NULL) {
			tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_DRAFT_S_CHECKLIST_NO));
			break;
		}
		tui_form_open(app, it->form, it->uuid);
		break;
	case ITEM_REVIEW: {
		char today[FC_DAY_LEN];

		fc_local_day(today, time(NULL));
		tui_review_open(app, today);   /* on failure it has said why */
		break;
	}
	}
}

static bool
home_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct tui_app *app = s->app;
	struct home *h = s->priv;
	int d;

	if (h->version != app->data_version)
		load(app, h);
	switch (a) {
	case TUI_ACT_PICK:
		d = tui_key_digit(key);
		if (d >= 1 && digit_base(h) + (size_t)d <= h->n) {
			h->list.cur = digit_base(h) + (size_t)d - 1;
			activate(app, h);
		}
		return true;
	case TUI_ACT_ENTER:
		activate(app, h);
		return true;
	case TUI_ACT_DAY:
		tui_push(app, &tui_day_ops, NULL);
		return true;
	default:
		if (key == KEY_MOUSE) {
			int row = app->mouse_y - 2;

			if (row >= 0 && h->list.top + (size_t)row < h->n) {
				h->list.cur = h->list.top + (size_t)row;
				activate(app, h);
			}
			return true;
		}
		return false;
	}
}

/* Five keys fit 40 columns whole in both languages; F7 (mono) is in the help. */
static const enum tui_action home_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_DAY, TUI_ACT_DUTY, TUI_ACT_QUIT, TUI_ACT_NONE
};
const struct tui_screen_ops tui_home_ops = {
	.name = "home", .open = home_open, .draw = home_draw, .key = home_key,
	.close = home_close, .bar = home_bar,
};

/* ---- The inspector prompt: asked once, remembered in the config. ---- */

static int
ask_open(struct tui_screen *s)
{
	struct tui_edit *e = xcalloc(1, sizeof *e);

	tui_edit_init(e, "", STORE_ID_LEN - 1);
	s->priv = e;
	return 0;
}

static void
ask_close(struct tui_screen *s)
{
	free(s->priv);
	s->priv = NULL;
}

static void
ask_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	int y = top;

	(void)rows;
	tui_put_pad(y++, 0, tui_msg(app, NULL, TUI_MSG_INSPECTOR), cols, tui_attr(app, TUI_TITLE));
	y++;
	y += tui_wrap(y, 0, tui_msg(app, NULL, TUI_MSG_WHO_INSPECTING_TYPE_YOUR), cols, 4, A_BOLD, true);
	y++;
	tui_put(y, 0, "> ", 2, A_BOLD);
	tui_edit_draw(s->priv, app, y, 2, cols - 2, tui_attr(app, TUI_SELECTED));
}

static bool
ask_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct tui_app *app = s->app;
	struct tui_edit *e = s->priv;
	char id[STORE_ID_LEN * 4], *cause = NULL, *p;

	if (a == TUI_ACT_ENTER) {
		tui_edit_text(e, id, sizeof id);
		for (p = id + strlen(id); p > id && p[-1] == ' '; p--)
			*--p = '\0';
		for (p = id; *p == ' '; p++)
			;
		if (*p == '\0' || strlen(p) >= STORE_ID_LEN) {
			tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_TYPE_YOUR_INSPECTOR_ID));
			return true;
		}
		fc_strlcpy(app->inspector, p, sizeof app->inspector);
		if (app->opt.config != NULL &&
		    fc_config_set(app->opt.config, "inspector", app->inspector, &cause) != 0) {
			tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_NOT_REMEMBERED), cause);
			free(cause);
		}
		tui_refresh_counts(app);
		tui_pop(app);
		return true;
	}
	if (a == TUI_ACT_QUIT && !TUI_IS_CHAR(key)) {
		app->quit = true;
		return true;
	}
	if (key == TUI_CH(27)) {
		app->quit = true;
		return true;
	}
	tui_edit_key(e, key);
	return true;
}

static const enum tui_action ask_bar[] = { TUI_ACT_HELP, TUI_ACT_QUIT, TUI_ACT_NONE };
const struct tui_screen_ops tui_ask_ops = {
	.name = "inspector", .open = ask_open, .draw = ask_draw, .key = ask_key,
	.close = ask_close, .bar = ask_bar,
};
