/*
 * review — the supervisor's review of a day (`fieldcheck review`): the day's
 * checklist as a table with a summary header, filters, sort and search,
 * record detail, decisions on one or several records, and a map of the day
 * (tui/review_map.c).
 *
 * All the numbers come from report/ (report_day_*): this file only draws
 * and routes keys.  Decisions go to the store's review table through
 * store_review_add_many; a record is never rewritten.
 *
 * Locking: until the supervisor PIN is entered, the screen is read only,
 * and an inspector with an identity sees only their own records.  A
 * decision key asks for the PIN first, then carries on with the decision.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/supervisor.h"
#include "tui/review.h"
#include "util/util.h"

enum review_mode {
	MODE_TABLE,
	MODE_SEARCH,    /* typing the search text */
	MODE_COMMENT,   /* typing the comment of a decision */
	MODE_PIN,       /* typing the supervisor PIN */
	MODE_NAME,      /* typing the reviewer's name (asked once, remembered) */
	MODE_VERIFY,    /* typing who verifies the current record: INSPECTOR [DEVICE] */
};

struct review {
	struct report_day *day;
	char dayname[FC_DAY_LEN];
	size_t *vis;                /* indices of the rows the filter shows */
	size_t nvis;
	struct tui_list list;        /* over vis[] */
	bool *marked;               /* by row index */
	enum report_sort sort;
	struct report_match match;
	char f_inspector[STORE_ID_LEN], f_form[STORE_ID_LEN], search[256];
	bool unlocked;
	char own[STORE_ID_LEN];     /* locked: only this inspector's records ("" = all) */
	enum review_mode mode;
	struct tui_edit edit;
	enum store_decision pending;  /* the decision waiting for its comment, the PIN or the name */
	bool verify_pending;          /* a "send to verify" waiting for the PIN or the name */
	char tasks[256];              /* open tasks per inspector, or "" when none */
	char reviewer[STORE_ID_LEN];  /* who decides: --reviewer, the configuration, or asked */
	bool map;
};

static const enum tui_action review_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };

/* Rebuilds the visible rows; the cursor stays on keep when it is still shown. */
static void
refilter_keeping(struct review *rv, const struct report_row *keep)
{
	size_t n = report_day_count(rv->day);

	rv->match.inspector = rv->own[0] != '\0' && !rv->unlocked ? rv->own : rv->f_inspector;
	rv->match.form_id = rv->f_form;
	rv->match.search = rv->search;
	rv->vis = xreallocarray(rv->vis, n ? n : 1, sizeof *rv->vis);
	rv->nvis = 0;
	rv->list.cur = 0;
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = report_day_row(rv->day, i);

		if (!report_row_matches(row, &rv->match))
			continue;
		if (row == keep)
			rv->list.cur = rv->nvis;
		rv->vis[rv->nvis++] = i;
	}
}

static const struct report_row *
current_row(struct review *rv)
{
	return rv->list.cur < rv->nvis ? report_day_row(rv->day, rv->vis[rv->list.cur]) : NULL;
}

static void
refilter(struct review *rv)
{
	refilter_keeping(rv, current_row(rv));
}

static int
cmp_row_address(const void *pa, const void *pb)
{
	uintptr_t a = (uintptr_t)*(const struct report_row *const *)pa;
	uintptr_t b = (uintptr_t)*(const struct report_row *const *)pb;

	return (a > b) - (a < b);
}

/*
 * Sorts the day by rv->sort.  Marks and the cursor follow their records,
 * not their old positions: a supervisor who marked five records and then
 * sorted by severity still has those five marked.
 */
static void
resort(struct review *rv)
{
	size_t n = report_day_count(rv->day), nmarked = 0;
	const struct report_row **marked = xcalloc(n + 1, sizeof *marked);
	const struct report_row *keep = current_row(rv);

	for (size_t i = 0; i < n; i++)
		if (rv->marked[i])
			marked[nmarked++] = report_day_row(rv->day, i);
	report_day_sort(rv->day, rv->sort);
	qsort(marked, nmarked, sizeof *marked, cmp_row_address);
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = report_day_row(rv->day, i);

		rv->marked[i] = nmarked > 0 &&
		    bsearch(&row, marked, nmarked, sizeof *marked, cmp_row_address) != NULL;
	}
	free(marked);
	refilter_keeping(rv, keep);
}

/* Open tasks per inspector, and how many of them are overdue (the review's tasks line). */
struct task_tally {
	char inspector[16][STORE_ID_LEN];
	unsigned open[16], overdue[16];
	size_t n;
	char now[FC_TIME_LEN];
};

static int
tally_task(void *arg, const struct store_task *t)
{
	struct task_tally *tt = arg;
	size_t i;

	for (i = 0; i < tt->n && strcmp(tt->inspector[i], t->inspector) != 0; i++)
		;
	if (i == tt->n) {
		if (tt->n == 16)
			return 0;
		fc_strlcpy(tt->inspector[tt->n++], t->inspector, STORE_ID_LEN);
	}
	tt->open[i]++;
	if (t->due[0] != '\0' && strcmp(t->due, tt->now) < 0)
		tt->overdue[i]++;
	return 0;
}

static void
count_tasks(struct tui_app *app, struct review *rv)
{
	struct task_tally tt = { .n = 0 };
	char *cause = NULL;
	size_t len;

	rv->tasks[0] = '\0';
	fc_now_iso_utc(tt.now);
	if (store_task_list(app->st, NULL, true, tally_task, &tt, &cause) != 0) {
		free(cause);
		return;
	}
	if (tt.n == 0)
		return;
	len = (size_t)snprintf(rv->tasks, sizeof rv->tasks, "%s", tui_msg(app, NULL, TUI_MSG_TASKS_OPEN));
	for (size_t i = 0; i < tt.n && len < sizeof rv->tasks; i++) {
		len += (size_t)snprintf(rv->tasks + len, sizeof rv->tasks - len, "%s %s %u", i > 0 ? " ·" : "",
		    tt.inspector[i], tt.open[i]);
		if (tt.overdue[i] > 0 && len < sizeof rv->tasks)
			len += (size_t)snprintf(rv->tasks + len, sizeof rv->tasks - len, tui_msg(app, NULL, TUI_MSG_N_OVERDUE), tt.overdue[i]);
	}
}

static int
load_day(struct tui_app *app, struct review *rv, const char *dayname)
{
	struct report_query q = { .day = dayname };
	struct report_day *day;
	char *cause = NULL;
	struct depot_store *ds = depot_store_borrow(app->st);
	int rc = report_day_load(ds, app->lib, &q, &day, &cause);

	depot_store_close(ds);
	if (rc != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
		return -1;
	}
	report_day_free(rv->day);
	rv->day = day;
	fc_strlcpy(rv->dayname, dayname, sizeof rv->dayname);
	report_day_sort(day, rv->sort);
	free(rv->marked);
	rv->marked = xcalloc(report_day_count(day) + 1, sizeof *rv->marked);
	rv->list.cur = rv->list.top = rv->nvis = 0;   /* the old indices mean nothing in the new day */
	refilter(rv);
	count_tasks(app, rv);
	return 0;
}

/* The day before or after: noon UTC steps cleanly across month ends and DST. */
static void
step_day(const char *day, int delta, char out[FC_DAY_LEN])
{
	struct tm tm = { 0 };
	time_t t;

	sscanf(day, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm) + (time_t)delta * 86400;
	gmtime_r(&t, &tm);
	strftime(out, FC_DAY_LEN, "%Y-%m-%d", &tm);
}

/* ---- Drawing. ---- */

static void
position_short(const struct tui_app *app, const struct store_record *rec, char *buf, size_t size)
{
	switch (rec->pos.source) {
	case STORE_POS_GPSD:
		if (isfinite(rec->pos.accuracy_m))
			snprintf(buf, size, "gps±%.0fm", rec->pos.accuracy_m);
		else
			snprintf(buf, size, "gps");
		break;
	case STORE_POS_MANUAL: snprintf(buf, size, "%s", tui_msg(app, NULL, TUI_MSG_MANUAL_WORD)); break;
	default: snprintf(buf, size, "%s", tui_msg(app, NULL, TUI_MSG_NO_POSITION_SHORT)); break;
	}
}

const char *
tui_review_state_name(const struct tui_app *app, enum store_decision d)
{
	switch (d) {
	case STORE_APPROVED: return tui_msg(app, NULL, TUI_MSG_APPROVED);
	case STORE_FOLLOW_UP: return tui_msg(app, NULL, TUI_MSG_FOLLOW_UP);
	case STORE_REJECTED: return tui_msg(app, NULL, TUI_MSG_REJECTED);
	default: return tui_msg(app, NULL, TUI_MSG_UNREVIEWED);
	}
}

/* One column for the state, so that it shows at 40 columns too. */
static const char *
state_symbol(enum store_decision d)
{
	switch (d) {
	case STORE_APPROVED: return "✓";
	case STORE_FOLLOW_UP: return "↻";
	case STORE_REJECTED: return "✗";
	default: return "·";
	}
}

enum tui_role
tui_review_state_role(enum store_decision d)
{
	switch (d) {
	case STORE_APPROVED: return TUI_GOOD;
	case STORE_FOLLOW_UP: return TUI_WARN;
	case STORE_REJECTED: return TUI_ERROR;
	default: return TUI_DIM;
	}
}

/* "alice 5 · bob 4 · chen 3" in at most cols columns. */
static void
group_line(struct tui_app *app, struct review *rv, enum report_group g, int y, int x, int cols,
    const char *title)
{
	struct report_count *c;
	size_t n;
	char buf[512];
	size_t len;

	report_day_summary(rv->day, &rv->match, g, &c, &n, NULL);
	len = (size_t)snprintf(buf, sizeof buf, "%s", title);
	for (size_t i = 0; i < n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %zu", i ? " · " : " ",
		    c[i].key, c[i].records);
	free(c);
	tui_put_pad(y, x, buf, cols, tui_attr(app, TUI_NORMAL));
}

static void
draw_header(struct tui_app *app, struct review *rv, int y, int cols)
{
	struct report_count *c, total;
	size_t n;
	char buf[512];

	report_day_summary(rv->day, &rv->match, REPORT_BY_INSPECTOR, &c, &n, &total);
	free(c);
	if (cols < 60)
		/* The lock first: at 40 columns it must not be the part that is cut. */
		snprintf(buf, sizeof buf, "%s %s %s %zu/%zu %s %u",
		    rv->unlocked ? tui_msg(app, NULL, TUI_MSG_SUPERVISOR_SHORT) : tui_msg(app, NULL, TUI_MSG_READ_ONLY_SHORT),
		    tui_msg(app, NULL, TUI_MSG_REVIEW), rv->dayname + 5, total.records,
		    report_day_count(rv->day), tui_msg(app, NULL, TUI_MSG_SEVERE_WORD), total.severe_open);
	else
		snprintf(buf, sizeof buf, "%s %s  %zu/%zu %s  %s %u  %s",
		    tui_msg(app, NULL, TUI_MSG_REVIEW), rv->dayname, total.records,
		    report_day_count(rv->day), tui_msg(app, NULL, TUI_MSG_RECORDS_WORD),
		    tui_msg(app, NULL, TUI_MSG_SEVERE_OPEN), total.severe_open,
		    rv->unlocked ? tui_msg(app, NULL, TUI_MSG_SUPERVISOR) :
		    tui_msg(app, NULL, TUI_MSG_READ_ONLY_P_PIN));
	tui_put_pad(y, 0, buf, cols, tui_attr(app, TUI_TITLE));
	group_line(app, rv, REPORT_BY_INSPECTOR, y + 1, 0, cols,
	    tui_msg(app, NULL, TUI_MSG_INSPECTORS));
	group_line(app, rv, REPORT_BY_FORM, y + 2, 0, cols,
	    tui_msg(app, NULL, TUI_MSG_ASSET_TYPES));
	static const enum tui_msg sort_msg[REPORT_SORT_COUNT] = { TUI_MSG_SORT_TIME,
	    TUI_MSG_SORT_INSPECTOR, TUI_MSG_SORT_FORM, TUI_MSG_SORT_SEVERITY, TUI_MSG_SORT_STATE };
	static const enum tui_msg sev_msg[REPORT_SEVERITY_COUNT] = { TUI_MSG_MINOR,
	    TUI_MSG_MODERATE, TUI_MSG_SEVERE_WORD };

	tui_msgf(app, NULL, buf, sizeof buf, TUI_MSG_FILTER_LINE, tui_msg(app, NULL, sort_msg[rv->sort]),
	    rv->match.inspector != NULL && rv->match.inspector[0] ? rv->match.inspector : "*",
	    rv->f_form[0] ? rv->f_form : "*",
	    rv->match.min_severity < 0 ? "*" : tui_msg(app, NULL, sev_msg[rv->match.min_severity]),
	    rv->match.decision >= 0 ? tui_review_state_name(app, (enum store_decision)rv->match.decision) : "*",
	    rv->search[0] ? "  /" : "", rv->search);
	tui_put_pad(y + 3, 0, buf, cols, tui_attr(app, TUI_DIM));
}

/*
 * Below 60 columns: mark, state symbol, time, the worst hazard as ! !! !!!,
 * the position as G (gpsd), M (manual) or - (none), asset, inspector.
 */
static void
draw_row_narrow(struct tui_app *app, struct review *rv, const struct report_row *row, size_t ri,
    bool cur, int y, int cols)
{
	attr_t base = cur ? tui_attr(app, TUI_SELECTED) : tui_attr(app, TUI_NORMAL);
	int sev = row->hazards[REPORT_SEVERE] ? 3 : row->hazards[REPORT_MODERATE] ? 2 :
	    row->hazards[REPORT_MINOR] ? 1 : 0;
	static const char *const marks[] = { "-", "!", "!!", "!!!" };
	static const enum tui_role roles[] = { TUI_NORMAL, TUI_SEV_MINOR, TUI_SEV_MODERATE,
	    TUI_SEV_SEVERE };
	const char *pos = row->rec->pos.source == STORE_POS_GPSD ? "G" :
	    row->rec->pos.source == STORE_POS_MANUAL ? "M" : "-";
	int assetw = cols - 16 - 9;

	tui_put_pad(y, 0, "", cols, base);
	tui_put(y, 0, rv->marked[ri] ? "*" : " ", 1, base | A_BOLD);
	tui_put(y, 1, state_symbol(row->review.decision), 1,
	    cur ? base : tui_attr(app, tui_review_state_role(row->review.decision)) | A_BOLD);
	tui_put(y, 3, row->time, 5, base);
	tui_put_pad(y, 9, marks[sev], 4, cur ? base : tui_attr(app, roles[sev]));
	tui_put(y, 13, pos, 1, cur || row->rec->pos.source == STORE_POS_GPSD ? base :
	    tui_attr(app, TUI_WARN));
	tui_put(y, 15, row->asset, assetw > 4 ? assetw : 4, base);
	if (assetw > 4)
		tui_put(y, cols - 8, row->rec->inspector, 8, base);
}

static void
draw_row(struct tui_app *app, struct review *rv, size_t vi, int y, int cols)
{
	size_t ri = rv->vis[vi];
	const struct report_row *row = report_day_row(rv->day, ri);
	bool cur = vi == rv->list.cur;
	attr_t base = cur ? tui_attr(app, TUI_SELECTED) : tui_attr(app, TUI_NORMAL);
	char buf[64];
	int x = 0, assetw = cols - (2 + 6 + 9 + 9 + 12 + 10 + 10);

	if (cols < 60) {
		draw_row_narrow(app, rv, row, ri, cur, y, cols);
		return;
	}
	if (assetw < 6)
		assetw = 6;
	tui_put_pad(y, x, rv->marked[ri] ? "*" : " ", 2, base | A_BOLD);
	x += 2;
	tui_put_pad(y, x, row->time, 6, base);
	x += 6;
	/* Pad one column wider than the text may use, so columns never touch. */
	tui_put_pad(y, x, "", 9, base);
	tui_put(y, x, row->rec->inspector, 8, base);
	x += 9;
	tui_put_pad(y, x, "", 9, base);
	tui_put(y, x, row->rec->form_id, 8, base);
	x += 9;
	tui_put_pad(y, x, "", assetw, base);
	tui_put(y, x, row->asset, assetw - 1, base);
	x += assetw;
	snprintf(buf, sizeof buf, "S%u M%u m%u", row->hazards[REPORT_SEVERE],
	    row->hazards[REPORT_MODERATE], row->hazards[REPORT_MINOR]);
	tui_put_pad(y, x, buf, 12, cur ? base :
	    tui_attr(app, row->hazards[REPORT_SEVERE] ? TUI_SEV_SEVERE :
	    row->hazards[REPORT_MODERATE] ? TUI_SEV_MODERATE :
	    row->hazards[REPORT_MINOR] ? TUI_SEV_MINOR : TUI_NORMAL));
	x += 12;
	position_short(app, row->rec, buf, sizeof buf);
	tui_put_pad(y, x, buf, 10, cur ? base :
	    tui_attr(app, row->rec->pos.source == STORE_POS_GPSD ? TUI_NORMAL : TUI_WARN));
	x += 10;
	tui_put_pad(y, x, tui_review_state_name(app, row->review.decision), cols - x,
	    cur ? base : tui_attr(app, tui_review_state_role(row->review.decision)));
}

static void
review_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct tui_app *app = s->app;
	struct review *rv = s->priv;
	int y, body;

	if (rv->map) {
		tui_list_fit(&rv->list, rv->nvis, 1);
		tui_review_map_draw(app, rv->day, rv->vis, rv->nvis, rv->list.cur, top, rows, cols);
		return;
	}
	draw_header(app, rv, top, cols);
	y = top + 4;
	if (rv->tasks[0] != '\0')
		tui_put_pad(y++, 0, rv->tasks, cols, tui_attr(app, TUI_DIM));
	tui_put_pad(y++, 0, cols < 60 ?
	    tui_msg(app, NULL, TUI_MSG_TIME_HZ_P_ASSET) :
	    tui_msg(app, NULL, TUI_MSG_TIME_INSPECTOR_FORM_ASSET), cols,
	    tui_attr(app, TUI_BAR));
	/* The last body row is the app's flash line: the prompt goes above it. */
	body = top + rows - y - 2;
	if (body < 1)
		body = 1;
	tui_list_fit(&rv->list, rv->nvis, (size_t)body);
	for (size_t vi = rv->list.top; vi < rv->nvis && y < top + rows - 2; vi++)
		draw_row(app, rv, vi, y++, cols);
	if (rv->nvis == 0)
		tui_put(y, 2, report_day_count(rv->day) == 0 ?
		    tui_msg(app, NULL, TUI_MSG_NO_RECORDS_DAY_STEP) :
		    tui_msg(app, NULL, TUI_MSG_NO_RECORD_MATCHES_FILTER),
		    cols - 2, tui_attr(app, TUI_DIM));
	y = top + rows - 2;
	if (rv->mode == MODE_SEARCH) {
		tui_put(y, 0, "/", 1, A_BOLD);
		tui_edit_draw(&rv->edit, app, y, 1, cols - 1, A_NORMAL);
	} else if (rv->mode == MODE_COMMENT) {
		int w = tui_put(y, 0, rv->pending == STORE_REJECTED ?
		    tui_msg(app, NULL, TUI_MSG_REJECT_COMMENT) :
		    tui_msg(app, NULL, TUI_MSG_FOLLOW_UP_COMMENT), cols / 2, A_BOLD);
		tui_edit_draw(&rv->edit, app, y, w, cols - w, A_NORMAL);
	} else if (rv->mode == MODE_VERIFY) {
		int w = tui_put(y, 0, tui_msg(app, NULL, TUI_MSG_VERIFY_INSPECTOR_DEVICE), cols / 2, A_BOLD);

		tui_edit_draw(&rv->edit, app, y, w, cols - w, A_NORMAL);
	} else if (rv->mode == MODE_NAME) {
		int w = tui_put(y, 0, tui_msg(app, NULL, TUI_MSG_YOUR_NAME), cols / 2, A_BOLD);

		tui_edit_draw(&rv->edit, app, y, w, cols - w, A_NORMAL);
	} else if (rv->mode == MODE_PIN) {
		char stars[TUI_EDIT_MAX];
		int w = tui_put(y, 0, tui_msg(app, NULL, TUI_MSG_SUPERVISOR_PIN), cols / 2, A_BOLD);
		size_t n = rv->edit.len < sizeof stars - 1 ? rv->edit.len : sizeof stars - 1;

		memset(stars, '*', n);
		stars[n] = '\0';
		tui_put_pad(y, w, stars, cols - w, A_NORMAL);
		app->cursor_y = y;
		app->cursor_x = w + (int)n < cols ? w + (int)n : cols - 1;
	} else {
		size_t nmarked = 0;
		char buf[128];

		for (size_t i = 0; i < report_day_count(rv->day); i++)
			nmarked += rv->marked[i];
		tui_msgf(app, NULL, buf, sizeof buf, TUI_MSG_REVIEW_FOOTER,
		    rv->nvis ? rv->list.cur + 1 : 0, rv->nvis, nmarked);
		tui_put_pad(y, 0, buf, cols, tui_attr(app, TUI_DIM));
	}
}

/* ---- Decisions. ---- */

/* Who decides: --reviewer, else the configuration's `reviewer`, else asked once; "" until known. */
static const char *
reviewer_name(struct tui_app *app, struct review *rv)
{
	const char *cfg;

	if (app->opt.reviewer != NULL && app->opt.reviewer[0] != '\0')
		return app->opt.reviewer;
	if (rv->reviewer[0] == '\0' && (cfg = fc_config_get(app->opt.config, "reviewer")) != NULL)
		fc_strlcpy(rv->reviewer, cfg, sizeof rv->reviewer);
	return rv->reviewer;
}

static void
decide(struct tui_app *app, struct review *rv, enum store_decision d, const char *comment)
{
	size_t n = report_day_count(rv->day), count = 0;
	const char **uuids = xcalloc(n + 1, sizeof *uuids);
	char *cause = NULL;

	for (size_t i = 0; i < n; i++)
		if (rv->marked[i])
			uuids[count++] = report_day_row(rv->day, i)->rec->uuid;
	if (count == 0 && rv->list.cur < rv->nvis)
		uuids[count++] = report_day_row(rv->day, rv->vis[rv->list.cur])->rec->uuid;
	if (count == 0) {
		free(uuids);
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_NO_RECORD_DECIDE));
		return;
	}
	if (store_review_add_many(app->st, uuids, count, d, comment, reviewer_name(app, rv), &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
		free(uuids);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct report_row *row = report_day_find(rv->day, uuids[i]);

		if (row != NULL && store_review_latest(app->st, row->rec->uuid, &row->review, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
	}
	memset(rv->marked, 0, n * sizeof *rv->marked);
	tui_flash(app, false, "%s: %zu %s%s", tui_review_state_name(app, d), count,
	    tui_msg(app, NULL, count == 1 ? TUI_MSG_RECORD_ONE : TUI_MSG_RECORDS_WORD),
	    d != STORE_FOLLOW_UP ? "" : tui_msg(app, NULL, TUI_MSG_V_SEND_VERIFY));
	free(uuids);
	refilter(rv);
}

/*
 * Whether the supervisor may act now; if not, asks for the PIN (locked) or
 * the reviewer's name (unknown), and the pending act resumes after it.
 */
static bool
may_act(struct tui_app *app, struct review *rv)
{
	if (!rv->unlocked) {
		rv->mode = MODE_PIN;
		tui_edit_init(&rv->edit, "", SUPERVISOR_PIN_MAX);
		return false;
	}
	if (reviewer_name(app, rv)[0] == '\0') {
		rv->mode = MODE_NAME;
		tui_edit_init(&rv->edit, "", STORE_ID_LEN / 4);
		return false;
	}
	return true;
}

/* Starts a decision: asks for the PIN when locked, for a comment when needed. */
static void
begin_decision(struct tui_app *app, struct review *rv, enum store_decision d)
{
	rv->pending = d;
	if (!may_act(app, rv))
		return;
	if (d == STORE_APPROVED) {
		decide(app, rv, d, "");
		rv->pending = STORE_UNREVIEWED;
		return;
	}
	rv->mode = MODE_COMMENT;
	tui_edit_init(&rv->edit, "", 500);
}

/* "Send to verify": asks for the PIN when locked, the name when unknown, then who verifies. */
static void
begin_verify(struct tui_app *app, struct review *rv)
{
	rv->verify_pending = true;
	if (!may_act(app, rv))
		return;
	rv->verify_pending = false;
	if (rv->list.cur >= rv->nvis) {
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_NO_RECORD_VERIFY));
		return;
	}
	rv->mode = MODE_VERIFY;
	tui_edit_init(&rv->edit, "", 2 * STORE_ID_LEN);
}

/* A verification task for the current record (store_task_add: fed to the device at its next sync). */
static void
send_verify(struct tui_app *app, struct review *rv, const char *text)
{
	const struct report_row *row = report_day_row(rv->day, rv->vis[rv->list.cur]);
	const struct store_record *rec = row->rec;
	struct store_task t;
	char *cause = NULL;
	int n;

	memset(&t, 0, sizeof t);
	t.lat = t.lon = NAN;
	n = sscanf(text, "%64s %64s", t.inspector, t.device);
	if (n < 1) {
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_TYPE_INSPECTOR_WHO_VERIFIES));
		return;
	}
	fc_strlcpy(t.form_id, rec->form_id, sizeof t.form_id);
	fc_strlcpy(t.asset, row->asset[0] != '\0' ? row->asset : rec->uuid, sizeof t.asset);
	fc_strlcpy(t.follows, rec->uuid, sizeof t.follows);
	fc_strlcpy(t.created_by, reviewer_name(app, rv), sizeof t.created_by);
	if (rec->pos.source != STORE_POS_NONE) {
		t.lat = rec->pos.lat;
		t.lon = rec->pos.lon;
	}
	if (store_task_add(app->st, &t, &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
		return;
	}
	count_tasks(app, rv);
	tui_flash(app, false, "%s %s%s%s%s", tui_msg(app, NULL, TUI_MSG_SENT_VERIFY), t.inspector,
	    t.device[0] ? " (" : "", t.device, t.device[0] ? ")" : tui_msg(app, NULL, TUI_MSG_OPEN_NO_DEVICE_YET));
}

static void
check_pin(struct tui_app *app, struct review *rv)
{
	char pin[SUPERVISOR_PIN_MAX * 4 + 1], *cause = NULL;
	bool ok = false;

	tui_edit_text(&rv->edit, pin, sizeof pin);
	tui_edit_init(&rv->edit, "", SUPERVISOR_PIN_MAX);
	rv->mode = MODE_TABLE;
	if (supervisor_pin_verify(app->st, pin, &ok, &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
	} else if (!ok) {
		/* The decision waits: type the PIN again, or Esc drops it. */
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_WRONG_PIN_TYPE_AGAIN));
		rv->mode = MODE_PIN;
	} else {
		rv->unlocked = true;
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_SUPERVISOR_MODE));
		refilter(rv);
		if (rv->verify_pending)
			begin_verify(app, rv);
		else if (rv->pending != STORE_UNREVIEWED)
			begin_decision(app, rv, rv->pending);
	}
	memset(pin, 0, sizeof pin);
}

static void
remember_reviewer(struct tui_app *app, struct review *rv)
{
	char name[STORE_ID_LEN * 4], *cause = NULL;

	tui_edit_text(&rv->edit, name, sizeof name);
	if (name[0] == '\0' || strlen(name) >= sizeof rv->reviewer) {
		tui_flash(app, true, "%s", tui_msg(app, NULL, TUI_MSG_TYPE_YOUR_NAME_DECISIONS));
		return;
	}
	fc_strlcpy(rv->reviewer, name, sizeof rv->reviewer);
	rv->mode = MODE_TABLE;
	if (app->opt.config != NULL && fc_config_set(app->opt.config, "reviewer", name, &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
	}
	if (rv->verify_pending)
		begin_verify(app, rv);
	else
		begin_decision(app, rv, rv->pending);
}

/* ---- Filters: each key steps to the next value present in the day. ---- */

static void
next_value(struct review *rv, char *cur, size_t size, bool inspector)
{
	const char *best = NULL;

	/* The smallest value greater than the current one; after the last, "any". */
	for (size_t i = 0; i < report_day_count(rv->day); i++) {
		const struct store_record *rec = report_day_row(rv->day, i)->rec;
		const char *v = inspector ? rec->inspector : rec->form_id;

		if ((cur[0] == '\0' || strcmp(v, cur) > 0) && (best == NULL || strcmp(v, best) < 0))
			best = v;
	}
	fc_strlcpy(cur, best != NULL ? best : "", size);
}

static void open_detail(struct tui_app *app, struct review *rv);

static bool
review_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct tui_app *app = s->app;
	struct review *rv = s->priv;

	if (rv->mode == MODE_SEARCH || rv->mode == MODE_COMMENT || rv->mode == MODE_PIN ||
	    rv->mode == MODE_NAME || rv->mode == MODE_VERIFY) {
		if (a == TUI_ACT_BACK) {
			rv->mode = MODE_TABLE;
			rv->pending = STORE_UNREVIEWED;
			rv->verify_pending = false;
			return true;
		}
		if (a == TUI_ACT_ENTER) {
			char text[TUI_EDIT_MAX * 4];

			if (rv->mode == MODE_PIN) {
				check_pin(app, rv);
				return true;
			}
			if (rv->mode == MODE_NAME) {
				remember_reviewer(app, rv);
				return true;
			}
			tui_edit_text(&rv->edit, text, sizeof text);
			if (rv->mode == MODE_SEARCH) {
				fc_strlcpy(rv->search, text, sizeof rv->search);
				rv->mode = MODE_TABLE;
				refilter(rv);
			} else if (rv->mode == MODE_VERIFY) {
				rv->mode = MODE_TABLE;
				send_verify(app, rv, text);
			} else {
				rv->mode = MODE_TABLE;
				decide(app, rv, rv->pending, text);
				rv->pending = STORE_UNREVIEWED;
			}
			return true;
		}
		tui_edit_key(&rv->edit, key);
		return true;
	}
	if (rv->map && (a == TUI_ACT_BACK || a == TUI_ACT_ERASE || a == TUI_ACT_MAP)) {
		rv->map = false;
		return true;
	}
	switch (a) {
	case TUI_ACT_QUIT:
	case TUI_ACT_BACK:
	case TUI_ACT_ERASE:
		/* `fieldcheck review` is only this screen; from home, it goes back there. */
		if (app->opt.review_day != NULL) {
			if (a == TUI_ACT_QUIT)
				app->quit = true;
		} else
			tui_pop(app);
		return true;
	case TUI_ACT_ENTER: open_detail(app, rv); return true;
	default: break;
	}
	switch (a) {
	case TUI_ACT_MARK:
		if (rv->list.cur < rv->nvis) {
			rv->marked[rv->vis[rv->list.cur]] = !rv->marked[rv->vis[rv->list.cur]];
			if (rv->list.cur + 1 < rv->nvis)
				rv->list.cur++;
		}
		break;
	case TUI_ACT_APPROVE: begin_decision(app, rv, STORE_APPROVED); break;
	case TUI_ACT_FOLLOW: begin_decision(app, rv, STORE_FOLLOW_UP); break;
	case TUI_ACT_REJECT: begin_decision(app, rv, STORE_REJECTED); break;
	case TUI_ACT_VERIFY: begin_verify(app, rv); break;
	case TUI_ACT_SORT:
		rv->sort = (enum report_sort)((rv->sort + 1) % REPORT_SORT_COUNT);
		resort(rv);
		break;
	case TUI_ACT_FINSP:
		next_value(rv, rv->f_inspector, sizeof rv->f_inspector, true);
		refilter(rv);
		break;
	case TUI_ACT_FFORM:
		next_value(rv, rv->f_form, sizeof rv->f_form, false);
		refilter(rv);
		break;
	case TUI_ACT_FSEV:
		rv->match.min_severity = rv->match.min_severity + 1 >= REPORT_SEVERITY_COUNT ? -1 :
		    rv->match.min_severity + 1;
		refilter(rv);
		break;
	case TUI_ACT_FSTATE:
		rv->match.decision = rv->match.decision + 1 > STORE_REJECTED ? -1 : rv->match.decision + 1;
		refilter(rv);
		break;
	case TUI_ACT_CLEAR:
		rv->f_inspector[0] = rv->f_form[0] = rv->search[0] = '\0';
		rv->match.min_severity = rv->match.decision = -1;
		refilter(rv);
		break;
	case TUI_ACT_SEARCH:
		rv->mode = MODE_SEARCH;
		tui_edit_init(&rv->edit, rv->search, 200);
		break;
	case TUI_ACT_PREV:
	case TUI_ACT_NEXT: {
		char other[FC_DAY_LEN];

		step_day(rv->dayname, a == TUI_ACT_PREV ? -1 : 1, other);
		load_day(app, rv, other);
		break;
	}
	case TUI_ACT_MAP: rv->map = true; break;
	case TUI_ACT_ZONES: tui_review_zones_open(app, rv->dayname); break;
	case TUI_ACT_PIN:
		rv->pending = STORE_UNREVIEWED;
		rv->mode = MODE_PIN;
		tui_edit_init(&rv->edit, "", SUPERVISOR_PIN_MAX);
		break;
	default: return false;
	}
	return true;
}

static void
open_detail(struct tui_app *app, struct review *rv)
{
	if (rv->list.cur < rv->nvis)
		tui_review_detail_open(app, rv->day, rv->vis[rv->list.cur]);
}

static void
review_close(struct tui_screen *s)
{
	struct review *rv = s->priv;

	report_day_free(rv->day);
	free(rv->vis);
	free(rv->marked);
	free(rv);
}

static const struct tui_screen_ops review_ops = {
	.name = "review", .draw = review_draw, .key = review_key, .close = review_close,
	.bar = review_bar, .group = TUI_GROUP_REVIEW,
};

int
tui_review_open(struct tui_app *app, const char *day)
{
	struct review *rv = xcalloc(1, sizeof *rv);

	rv->match = REPORT_MATCH_ALL;
	rv->pending = STORE_UNREVIEWED;
	fc_strlcpy(rv->own, app->inspector, sizeof rv->own);
	if (load_day(app, rv, day) != 0) {
		review_close(&(struct tui_screen){ .priv = rv });
		return -1;
	}
	if (tui_push(app, &review_ops, rv) != 0)
		return -1;
	app->stack[app->depth - 1].list = &rv->list;
	return 0;
}
