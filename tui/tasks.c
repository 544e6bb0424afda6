/*
 * Tasks: what the depot's feed asked of this handheld (verify a repair,
 * inspect a place), due first, then nearest to the current fix, with the
 * distance and a direction arrow when there is a fix; overdue marked, done
 * ones last.  e shows the record a verification follows (the feed brought
 * it).  Enter opens the task's checklist with its asset filled in;
 * the saved record names the task (store.h's STORE_TASK_ANSWER), and the
 * store marks the task done as it is finalized.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui_internal.h"
#include "util/util.h"

#define TASKS_MAX 500

struct tasks {
	struct store_task *t;
	double *dist;                 /* metres from the fix; NAN: no fix or no place */
	double *bearing;              /* degrees from north */
	size_t n, cap;
	struct tui_list list;
	unsigned version;
};

static bool
finished(const struct store_task *t)
{
	return t->state != STORE_TASK_ASSIGNED && t->state != STORE_TASK_OPEN &&
	    t->state != STORE_TASK_REOPENED;
}

static int
take(void *ctx, const struct store_task *t)
{
	struct tasks *ts = ctx;

	if (t->state == STORE_TASK_CANCELLED || ts->n >= TASKS_MAX)
		return ts->n >= TASKS_MAX;
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 16;
		ts->t = xreallocarray(ts->t, ts->cap, sizeof *ts->t);
	}
	ts->t[ts->n++] = *t;
	return 0;
}

/* Great-circle distance (m) and initial bearing (degrees) from a to b. */
static void
distance_to(double lat1, double lon1, double lat2, double lon2, double *m, double *deg)
{
	const double r = 6371008.8, rad = M_PI / 180.0;
	double p1 = lat1 * rad, p2 = lat2 * rad, dl = (lon2 - lon1) * rad;
	double a = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	*m = 2 * r * asin(sqrt(a < 1 ? a : 1));
	*deg = fmod(atan2(sin(dl) * cos(p2), cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl)) / rad +
	    360.0, 360.0);
}

static struct tasks *sort_ctx;

/* Unfinished first; then by due time (none last); then nearest. */
static int
cmp_index(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct store_task *x = &sort_ctx->t[i], *y = &sort_ctx->t[j];
	double dx = sort_ctx->dist[i], dy = sort_ctx->dist[j];
	int c;

	if (finished(x) != finished(y))
		return finished(x) ? 1 : -1;
	if ((x->due[0] == '\0') != (y->due[0] == '\0'))
		return x->due[0] == '\0' ? 1 : -1;
	if ((c = strcmp(x->due, y->due)) != 0)
		return c;
	if (isnan(dx) != isnan(dy))
		return isnan(dx) ? 1 : -1;
	if (!isnan(dx) && dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x->created_at, y->created_at);
}

static void
load(struct tui_app *app, struct tasks *ts)
{
	struct gps_fix fix;
	bool have_fix = app->gc != NULL && gpsclient_last_fix(app->gc, &fix);
	char *cause = NULL;
	size_t *order;
	struct store_task *sorted;

	ts->n = 0;
	if (store_task_list(app->st, NULL, false, take, ts, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_TASKS), cause);
		free(cause);
	}
	free(ts->dist);
	free(ts->bearing);
	ts->dist = xcalloc(ts->n + 1, sizeof *ts->dist);
	ts->bearing = xcalloc(ts->n + 1, sizeof *ts->bearing);
	for (size_t i = 0; i < ts->n; i++) {
		ts->dist[i] = ts->bearing[i] = NAN;
		if (have_fix && !isnan(ts->t[i].lat))
			distance_to(fix.lat, fix.lon, ts->t[i].lat, ts->t[i].lon, &ts->dist[i], &ts->bearing[i]);
	}
	order = xcalloc(ts->n + 1, sizeof *order);
	for (size_t i = 0; i < ts->n; i++)
		order[i] = i;
	sort_ctx = ts;
	qsort(order, ts->n, sizeof *order, cmp_index);
	sort_ctx = NULL;
	sorted = xcalloc(ts->n + 1, sizeof *sorted);
	{
		double *d = xcalloc(ts->n + 1, sizeof *d), *b = xcalloc(ts->n + 1, sizeof *b);

		for (size_t i = 0; i < ts->n; i++) {
			sorted[i] = ts->t[order[i]];
			d[i] = ts->dist[order[i]];
			b[i] = ts->bearing[order[i]];
		}
		free(ts->dist);
		free(ts->bearing);
		ts->dist = d;
		ts->bearing = b;
	}
	free(ts->t);
	ts->t = sorted;
	ts->cap = ts->n + 1;
	free(order);
	ts->version = app->data_version;
}

int
tui_tasks_count(struct tui_app *app, size_t *open, size_t *all)
{
	struct tasks ts = { 0 };
	char *cause = NULL;

	*open = *all = 0;
	if (store_task_list(app->st, NULL, false, take, &ts, &cause) != 0) {
		free(cause);
		return -1;
	}
	for (size_t i = 0; i < ts.n; i++)
		if (!finished(&ts.t[i]))
			(*open)++;
	*all = ts.n;
	free(ts.t);
	return 0;
}

static int
tasks_open(struct tui_screen *s)
{
	struct tasks *ts = xcalloc(1, sizeof *ts);

	s->priv = ts;
	s->list = &ts->list;
	load(s->app, ts);
	return 0;
}

static void
tasks_close(struct tui_screen *s)
{
	struct tasks *ts = s->priv;

	if (ts != NULL) {
		free(ts->t);
		free(ts->dist);
		free(ts->bearing);
	}
	free(ts);
	s->priv = NULL;
}

static const char *
arrow(double deg)
{
	static const char *const arrows[] = { "↑", "↗", "→", "↘", "↓", "↙", "←", "↖" };

	return arrows[(int)floor(fmod(deg + 22.5, 360.0) / 45.0) % 8];
}

/* Local "MM-DD HH:MM" of a UTC time. */
static void
local_due(const char *iso, char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	if (fc_parse_iso_utc(iso, &ts) != 0 || localtime_r(&ts.tv_sec, &tm) == NULL) {
		fc_strlcpy(buf, "?", size);
		return;
	}
	strftime(buf, size, "%m-%d %H:%M", &tm);
}

static const char *
state_word(struct tui_app *app, const struct store_task *t)
{
	switch (t->state) {
	case STORE_TASK_DONE:
	case STORE_TASK_DONE_AFTER_CANCEL:
		return tui_msg(app, NULL, TUI_MSG_DONE);
	case STORE_TASK_CLOSED:
		return tui_msg(app, NULL, TUI_MSG_CLOSED_2);
	case STORE_TASK_REOPENED:
		return tui_msg(app, NULL, TUI_MSG_REOPENED);
	default:
		return "";
	}
}

static void
row_text(struct tui_app *app, const struct tasks *ts, size_t i, char *buf, size_t size, bool *overdue)
{
	const struct store_task *t = &ts->t[i];
	const struct form *f = form_library_find(app->lib, t->form_id, NULL);
	char due[32] = "", dist[48] = "";
	char now[FC_TIME_LEN];

	fc_now_iso_utc(now);
	*overdue = !finished(t) && t->due[0] != '\0' && strcmp(t->due, now) < 0;
	if (t->due[0] != '\0')
		local_due(t->due, due, sizeof due);
	if (!isnan(ts->dist[i])) {
		if (ts->dist[i] < 1000)
			snprintf(dist, sizeof dist, " · %.0f m %s", ts->dist[i], arrow(ts->bearing[i]));
		else
			snprintf(dist, sizeof dist, " · %.1f km %s", ts->dist[i] / 1000, arrow(ts->bearing[i]));
	}
	snprintf(buf, size, "%s%s%s%s · %s%s · %s%s%s", *overdue ? tui_msg(app, NULL, TUI_MSG_OVERDUE) : "",
	    t->kind[0] == 'v' ? tui_msg(app, NULL, TUI_MSG_VERIFY_2) : "", due, due[0] != '\0' ? "" : "—",
	    t->asset, dist, f != NULL ? form_title(f, tui_lang(app)) : t->form_id,
	    finished(t) ? " · " : "", state_word(app, t));
}

static void
tasks_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct tasks *ts = s->priv;
	char text[512];
	int vis = rows - 2, y = top + 1;

	if (ts->version != app->data_version)
		load(app, ts);
	tui_put_pad(top, 0, tui_msg(app, NULL, TUI_MSG_TASKS), cols, tui_attr(app, TUI_TITLE));
	if (vis < 1)
		return;
	if (ts->n == 0) {
		tui_put_pad(y, 2, tui_msg(app, NULL, TUI_MSG_NO_TASKS_FROM_DEPOT), cols - 2,
		    tui_attr(app, TUI_DIM));
		return;
	}
	tui_list_fit(&ts->list, ts->n, (size_t)vis);
	for (size_t i = ts->list.top; i < ts->n && y < top + 1 + vis; i++, y++) {
		bool overdue;
		attr_t a = i == ts->list.cur ? tui_attr(app, TUI_SELECTED) : A_NORMAL;

		row_text(app, ts, i, text, sizeof text, &overdue);
		if (overdue && i != ts->list.cur)
			a = tui_attr(app, TUI_WARN);
		else if (finished(&ts->t[i]) && i != ts->list.cur)
			a = tui_attr(app, TUI_DIM);
		tui_put_pad(y, 2, text, cols - 2, a);
	}
}

static bool
tasks_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct tui_app *app = s->app;
	struct tasks *ts = s->priv;
	const struct store_task *t;
	const struct form *f;

	(void)key;
	if ((a != TUI_ACT_ENTER && a != TUI_ACT_EARLIER) || ts->n == 0)
		return false;
	t = &ts->t[ts->list.cur];
	if (a == TUI_ACT_EARLIER) {
		struct store_record *rec = NULL;
		char *cause = NULL;

		/* The feed brought it with the task: readable before and after the visit. */
		if (t->follows[0] == '\0' || store_get(app->st, t->follows, &rec, &cause) != 0) {
			free(cause);
			tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_TASK_FOLLOWS_NO_RECORD));
			return true;
		}
		tui_record_open(app, rec);
		return true;
	}
	if (finished(t)) {
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_TASK_DONE));
		return true;
	}
	f = form_library_find(app->lib, t->form_id, t->form_version);
	if (f == NULL)
		f = form_library_find(app->lib, t->form_id, NULL);
	if (f == NULL) {
		tui_flash(app, true, "%s %s", tui_msg(app, NULL, TUI_MSG_TASK_S_CHECKLIST_NOT), t->form_id);
		return true;
	}
	tui_form_open_task(app, f, t);
	return true;
}

static const enum tui_action tasks_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };
const struct tui_screen_ops tui_tasks_ops = {
	.name = "tasks", .open = tasks_open, .draw = tasks_draw, .key = tasks_key,
	.close = tasks_close, .bar = tasks_bar,
};
