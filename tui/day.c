/*
 * My day: the inspector's records of today, newest last, one line each
 * (time, checklist, asset, hazards, sent or queued, and the supervisor's
 * decision with its comment once the depot's feed brought one).  Enter opens one
 * read-only.  The list is read once when the screen opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meaning/meaning.h"
#include "report/report.h"
#include "tui/review.h"
#include "tui/tui_internal.h"
#include "util/util.h"

#define DAY_MAX 2000   /* bounded: a day of patrols is dozens, not thousands */

struct day_row {
	char uuid[FC_UUID_LEN];
	char when[8];
	const struct form *form;
	char form_id[STORE_ID_LEN];
	char asset[96];
	int hazards, worst;
	enum store_status status;
	enum store_decision decision;   /* the latest, STORE_UNREVIEWED: none yet */
	char comment[160];
};

struct day {
	struct day_row *rows;
	size_t n, cap;
	struct tui_list list;
};

static int
row_cb(void *ctx, const struct store_record *rec)
{
	struct tui_app *app = ((void **)ctx)[0];
	struct day *d = ((void **)ctx)[1];
	struct day_row *r;
	unsigned counts[MEANING_SEVERITY_COUNT];
	struct store_review rv;
	char *cause = NULL;

	if (rec->status == STORE_DRAFT)
		return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->rows = xreallocarray(d->rows, d->cap, sizeof *d->rows);
	}
	r = &d->rows[d->n++];
	memset(r, 0, sizeof *r);
	fc_strlcpy(r->uuid, rec->uuid, sizeof r->uuid);
	fc_strlcpy(r->form_id, rec->form_id, sizeof r->form_id);
	r->form = meaning_record_form(app->lib, rec);
	r->status = rec->status;
	report_local_hhmm(rec->created_at, r->when);
	fc_strlcpy(r->asset, meaning_asset(r->form, rec), sizeof r->asset);
	if (store_review_latest(app->st, rec->uuid, &rv, &cause) == 0) {
		r->decision = rv.decision;
		fc_strlcpy(r->comment, rv.comment, sizeof r->comment);
	}
	free(cause);
	meaning_count_hazards(r->form, rec, counts);
	for (int sev = 0; sev < MEANING_SEVERITY_COUNT; sev++) {
		r->hazards += (int)counts[sev];
		if (counts[sev] > 0)
			r->worst = sev + 1;
	}
	return d->n >= DAY_MAX;
}

static int
day_open(struct tui_screen *s)
{
	struct tui_app *app = s->app;
	struct day *d = xcalloc(1, sizeof *d);
	struct store_filter f = STORE_FILTER_ALL;
	char today[FC_DAY_LEN], *cause = NULL;
	void *ctx[2] = { app, d };

	fc_local_day(today, time(NULL));
	f.day = today;
	f.inspector = app->inspector;
	s->priv = d;
	s->list = &d->list;
	if (store_list(app->st, &f, row_cb, ctx, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_MY_DAY), cause);
		free(cause);
	}
	if (d->n > 0)
		d->list.cur = d->n - 1;
	return 0;
}

static void
day_close(struct tui_screen *s)
{
	struct day *d = s->priv;

	if (d != NULL)
		free(d->rows);
	free(d);
	s->priv = NULL;
}

static void
day_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct day *d = s->priv;
	char head[128], text[512], haz[32];
	int vis = rows - 2, y = top + 1;

	snprintf(head, sizeof head, "%s: %zu", tui_msg(app, NULL, TUI_MSG_MY_DAY), d->n);
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	if (d->n == 0) {
		tui_put(y, 0, tui_msg(app, NULL, TUI_MSG_NO_RECORDS_YET_TODAY), cols,
		    A_NORMAL);
		return;
	}
	if (vis < 1)
		return;
	tui_list_fit(&d->list, d->n, (size_t)vis);
	for (size_t i = d->list.top; i < d->n && y < top + 1 + vis; i++, y++) {
		struct day_row *r = &d->rows[i];
		static const enum tui_msg worst[4] = {
			TUI_MSG_COUNT, TUI_MSG_MINOR, TUI_MSG_MODERATE, TUI_MSG_DAY_SEVERE,
		};
		attr_t a = i == d->list.cur ? tui_attr(app, TUI_SELECTED) : A_NORMAL;
		const char *sent = r->status == STORE_SENT ? tui_msg(app, NULL, TUI_MSG_SENT) :
		    tui_msg(app, NULL, TUI_MSG_QUEUED);

		if (r->hazards > 0)
			snprintf(haz, sizeof haz, "%d %s %s", r->hazards,
			    tui_msg(app, r->form, TUI_MSG_HAZARDS_SHORT), tui_msg(app, r->form, worst[r->worst]));
		else
			snprintf(haz, sizeof haz, "-");
		if (cols >= 60)
			snprintf(text, sizeof text, "%s %-6s %s · %s · %s", r->when, sent,
			    r->form != NULL ? form_title(r->form, tui_lang(app)) : r->form_id,
			    r->asset[0] ? r->asset : "-", haz);
		else
			snprintf(text, sizeof text, "%s %s %s %s", r->when,
			    r->status == STORE_SENT ? "✓" : "…", r->asset[0] ? r->asset : r->form_id, haz);
		if (r->decision != STORE_UNREVIEWED) {
			size_t n = strlen(text);

			snprintf(text + n, sizeof text - n, " · %s%s%s", tui_review_state_name(app, r->decision),
			    r->comment[0] != '\0' ? ": " : "", r->comment);
		}
		tui_put_pad(y, 0, text, cols, a != A_NORMAL ? a : r->worst == 3 ?
		    tui_attr(app, TUI_SEV_SEVERE) : r->decision == STORE_FOLLOW_UP ||
		    r->decision == STORE_REJECTED ? tui_attr(app, TUI_WARN) : A_NORMAL);
	}
}

static bool
day_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct tui_app *app = s->app;
	struct day *d = s->priv;
	struct store_record *rec;
	char *cause = NULL;

	switch (a) {
	case TUI_ACT_ENTER:
		if (d->n == 0)
			return true;
		if (store_get(app->st, d->rows[d->list.cur].uuid, &rec, &cause) != 0) {
			tui_flash(app, true, "%s", cause);
			free(cause);
			return true;
		}
		tui_record_open(app, rec);
		return true;
	case TUI_ACT_DAY:
		tui_pop(app);
		return true;
	default:
		if (key == KEY_MOUSE && app->mouse_y >= 2 && d->list.top + (size_t)(app->mouse_y - 2) < d->n) {
			d->list.cur = d->list.top + (size_t)(app->mouse_y - 2);
			return true;
		}
		return false;
	}
}

static const enum tui_action day_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };
const struct tui_screen_ops tui_day_ops = {
	.name = "day", .open = day_open, .draw = day_draw, .key = day_key, .close = day_close,
	.bar = day_bar,
};
