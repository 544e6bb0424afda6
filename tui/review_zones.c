/*
 * review_zones — the supervisor's patrol coverage of the review's day
 * (docs/coverage.md): each configured zone with visits done / required by
 * the day's plan (ordinary, or the calendar's holiday), the last visit's
 * time and who, overdue first; the same rows as `fieldcheck coverage`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "tui/review.h"

struct zones_view {
	struct coverage_day *cov;
	struct tui_list list;
};

static int
zones_open(struct tui_screen *s)
{
	s->list = &((struct zones_view *)s->priv)->list;
	return 0;
}

static void
zones_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct zones_view *zv = s->priv;
	const struct coverage_day *d = zv->cov;
	size_t overdue = 0;
	char text[256];
	int vis = rows - 2;

	for (size_t i = 0; i < d->nrows; i++)
		overdue += d->rows[i].overdue;
	snprintf(text, sizeof text, "%s %s (%s) · %zu/%zu %s", tui_msg(app, NULL, TUI_MSG_ZONES), d->day,
	    d->holiday != NULL ? d->holiday : tui_msg(app, NULL, TUI_MSG_ORDINARY_DAY), overdue, d->nrows,
	    tui_msg(app, NULL, TUI_MSG_SHORT_PLAN));
	tui_put_pad(top, 0, text, cols, tui_attr(app, TUI_TITLE));
	if (vis < 1)
		return;
	tui_list_fit(&zv->list, d->nrows, (size_t)vis);
	for (size_t i = zv->list.top; i < d->nrows && (int)(i - zv->list.top) < vis; i++) {
		const struct coverage_row *r = &d->rows[i];
		struct coverage_zone zone;
		char hhmm[8] = "-";
		struct timespec ts;
		struct tm tm;
		attr_t a = i == zv->list.cur ? tui_attr(app, TUI_SELECTED) :
		    tui_attr(app, r->overdue ? TUI_ERROR : TUI_GOOD);

		coverage_zone_get(app->zones, r->zone, &zone);
		if (r->last_at[0] != '\0' && fc_parse_iso_utc(r->last_at, &ts) == 0 &&
		    localtime_r(&ts.tv_sec, &tm) != NULL)
			strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
		snprintf(text, sizeof text, "%s %d/%d  %s  %s %s", r->overdue ?
		    tui_msg(app, NULL, TUI_MSG_OVERDUE_2) : tui_msg(app, NULL, TUI_MSG_OK), r->done, r->required,
		    tui_zh(app, NULL) ? zone.name_zh : zone.name_en, hhmm, r->last_by[0] != '\0' ? r->last_by : "");
		tui_put_pad(top + 1 + (int)(i - zv->list.top), 0, text, cols, a);
	}
}

static bool
zones_key(struct tui_screen *s, enum tui_action a, int key)
{
	(void)s;
	(void)a;
	(void)key;
	return false;
}

static void
zones_close(struct tui_screen *s)
{
	struct zones_view *zv = s->priv;

	if (zv != NULL)
		coverage_day_free(zv->cov);
	free(zv);
	s->priv = NULL;
}

static const enum tui_action zones_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };
static const struct tui_screen_ops zones_ops = {
	.name = "zones", .open = zones_open, .draw = zones_draw, .key = zones_key,
	.close = zones_close, .bar = zones_bar, .group = TUI_GROUP_REVIEW,
};

int
tui_review_zones_open(struct tui_app *app, const char *day)
{
	struct zones_view *zv;
	struct coverage_day *d;
	char *cause = NULL;

	if (app->zones == NULL) {
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_NO_PATROL_ZONES_SET));
		return -1;
	}
	if (coverage_compute(app->st, app->zones, app->calendar, day, &d, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_ZONES), cause);
		free(cause);
		return -1;
	}
	zv = xcalloc(1, sizeof *zv);
	zv->cov = d;
	/* open never refuses: a refused push (too many screens) has not taken zv. */
	if (tui_push(app, &zones_ops, zv) != 0) {
		coverage_day_free(d);
		free(zv);
		return -1;
	}
	return 0;
}
