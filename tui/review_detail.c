/*
 * review_detail — one record as the supervisor reads it: every answer with
 * its label in the current language, the position with its accuracy and
 * source (a manual or missing position and its reason said plainly), the
 * form version, the revision chain and the history of decisions, and its
 * photos (p shows them: review_photo.c).
 *
 * The text is built once into lines when the screen opens (and again when
 * the language changes), then scrolled; long lines wrap by columns.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "photo/photo.h"
#include "tui/review.h"
#include "util/util.h"

struct line {
	char *text;
	enum tui_role role;
};

struct detail {
	struct report_day *day;   /* borrowed from the review screen below */
	size_t row;
	struct line *lines;
	size_t n;
	struct tui_list list;    /* a pager over lines */
};

static void
add(struct detail *d, enum tui_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add(struct detail *d, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	d->lines = xreallocarray(d->lines, d->n + 1, sizeof *d->lines);
	va_start(ap, fmt);
	d->lines[d->n].text = xvasprintf(fmt, ap);
	va_end(ap);
	d->lines[d->n++].role = role;
}

static void
free_lines(struct detail *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i].text);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

/* Line breaks inside an answer are shown as " / " so that one answer stays one entry. Takes s. */
static char *
oneline(char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p != '\0'; p++)
		n += *p == '\n' ? 3 : 1;
	out = o = xmalloc(n + 1);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\n') {
			memcpy(o, " / ", 3);
			o += 3;
		} else if (*p != '\r')
			*o++ = *p;
	}
	*o = '\0';
	free(s);
	return out;
}

static void
position_lines(struct tui_app *app, struct detail *d, const struct store_position *p)
{
	char acc[32] = "?";

	if (isfinite(p->accuracy_m))
		snprintf(acc, sizeof acc, "%.0f", p->accuracy_m);
	switch (p->source) {
	case STORE_POS_GPSD:
		add(d, TUI_NORMAL, "%s %.6f, %.6f  ±%s m  (gpsd%s, %d sats)",
		    tui_msg(app, NULL, TUI_MSG_POSITION), p->lat, p->lon, acc,
		    p->fix_mode == 3 ? ", 3D" : p->fix_mode == 2 ? ", 2D" : "",
		    p->satellites > 0 ? p->satellites : 0);
		break;
	case STORE_POS_MANUAL:
		add(d, TUI_WARN, "%s %.6f, %.6f  %s", tui_msg(app, NULL, TUI_MSG_POSITION), p->lat,
		    p->lon, tui_msg(app, NULL, TUI_MSG_TYPED_HAND_MANUAL));
		add(d, TUI_WARN, "  %s %s", tui_msg(app, NULL, TUI_MSG_REASON),
		    p->reason[0] ? p->reason : "-");
		break;
	default:
		add(d, TUI_WARN, "%s", tui_msg(app, NULL, TUI_MSG_POSITION_NONE_NO_POSITION));
		add(d, TUI_WARN, "  %s %s", tui_msg(app, NULL, TUI_MSG_REASON),
		    p->reason[0] ? p->reason : "-");
		break;
	}
}

static int
revision_chain(struct tui_app *app, const char *uuid, struct store_record ***chain, size_t *n,
    char **cause)
{
	struct depot_store *ds = depot_store_borrow(app->st);
	int rc = report_revision_chain(ds, uuid, chain, n, cause);

	depot_store_close(ds);
	return rc;
}

/*
 * Who vouches for the record: the depot notes the device whose token
 * delivered it; the inspector's name is only that device's claim.
 */
static void
delivery_line(struct tui_app *app, struct detail *d, const struct store_record *rec)
{
	struct store_delivery dl;
	char *cause = NULL;

	if (store_record_delivery(app->st, rec->uuid, &dl, &cause) != 0) {
		add(d, TUI_ERROR, "%s", cause);
		free(cause);
	} else if (dl.device[0] != '\0') {
		add(d, TUI_NORMAL, "%s %s  (%s %s)", tui_msg(app, NULL, TUI_MSG_DELIVERED_DEVICE), dl.device,
		    tui_msg(app, NULL, TUI_MSG_INSPECTOR_AS_DEVICE_SAYS), rec->inspector);
	}
}

/* "2026-11-24T02:05:00Z" as the local "2026-11-24 10:05"; unparsable text as it is. */
static void
local_time(const char *iso, char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	if (fc_parse_iso_utc(iso, &ts) != 0 || localtime_r(&ts.tv_sec, &tm) == NULL) {
		fc_strlcpy(buf, iso, size);
		return;
	}
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

/* Question q's line (in entry e of its repeat, SIZE_MAX outside), indented. */
static void
answer_line(struct tui_app *app, struct detail *d, const struct report_row *row, size_t q,
    size_t e, int indent)
{
	const struct form *f = row->form;
	const char *lang = tui_lang(app), *v;
	enum form_qtype t = form_question_type(f, q);
	char key[MEANING_KEY_MAX], *text;

	if (t == FORM_BEGIN_GROUP) {
		add(d, TUI_TITLE, "%*s%s", indent, "", form_question_label(f, q, lang));
		return;
	}
	if (e == SIZE_MAX)
		v = store_record_answer(row->rec, form_question_name(f, q));
	else
		v = form_entry_key(f, q, e, key, sizeof key) == 0 ?
		    store_record_answer(row->rec, key) : NULL;
	if (v == NULL || t == FORM_CALCULATE)
		return;
	text = oneline(meaning_answer_text(f, q, v, lang));
	add(d, tui_severity_role(meaning_answer_severity(f, q, v)), "%*s%s: %s", indent, "",
	    form_question_label(f, q, lang)[0] ? form_question_label(f, q, lang) :
	    form_question_name(f, q), text);
	free(text);
}

/* A repeat: its label and number of entries, then each entry's answers under its number. */
static void
repeat_lines(struct tui_app *app, struct detail *d, const struct report_row *row, size_t rq,
    int indent)
{
	const struct form *f = row->form;
	const char *label = form_question_label(f, rq, tui_lang(app));
	size_t n = meaning_entries(f, rq, row->rec);

	add(d, TUI_TITLE, "%*s%s (%zu %s)", indent, "", label[0] ? label : form_question_name(f, rq), n,
	    tui_msg(app, NULL, n == 1 ? TUI_MSG_ENTRY_ONE : TUI_MSG_ENTRIES_WORD));
	for (size_t e = 0; e < n; e++) {
		add(d, TUI_TITLE, "%*s#%zu", indent + 2, "", e + 1);
		for (size_t q = rq + 1; q < form_question_end(f, rq); q++)
			answer_line(app, d, row, q, e, indent + 4);
	}
}

/* The answers in form order; calculated fields are the form's own, not the inspector's. */
static void
answer_lines(struct tui_app *app, struct detail *d, const struct report_row *row)
{
	const struct store_record *rec = row->rec;
	const struct form *f = row->form;

	add(d, TUI_TITLE, "%s", tui_msg(app, NULL, TUI_MSG_ANSWERS_HEAD));
	if (f != NULL) {
		/* A group's answers are indented under its heading, so what follows the group is seen outside it. */
		int depth = 0;

		for (size_t q = 0; q < form_question_count(f); q++) {
			enum form_qtype t = form_question_type(f, q);
			int indent = 2 + 2 * (depth < 4 ? depth : 4);

			if (form_question_is_repeat(f, q)) {
				repeat_lines(app, d, row, q, indent);
				q = form_question_end(f, q);
				continue;
			}
			if (t == FORM_END_GROUP) {
				if (depth > 0)
					depth--;
				continue;
			}
			answer_line(app, d, row, q, SIZE_MAX, indent);
			if (t == FORM_BEGIN_GROUP)
				depth++;
		}
	} else {
		add(d, TUI_WARN, "%s", tui_msg(app, NULL, TUI_MSG_FORM_NOT_INSTALLED_NAMES));
		for (size_t a = 0; a < rec->answer_count; a++)
		{
			char *text = oneline(xstrdup(rec->answers[a].value));

			add(d, TUI_NORMAL, "  %s: %s", rec->answers[a].name, text);
			free(text);
		}
	}
}

struct case_ctx {
	struct tui_app *app;
	struct detail *d;
	const char *record;
	enum store_task_state last;
	size_t n;
};

static const char *
task_state_text(struct tui_app *app, enum store_task_state s)
{
	switch (s) {
	case STORE_TASK_OPEN: return tui_msg(app, NULL, TUI_MSG_OPEN_NO_DEVICE_YET_2);
	case STORE_TASK_ASSIGNED: return tui_msg(app, NULL, TUI_MSG_ASSIGNED);
	case STORE_TASK_DONE: return tui_msg(app, NULL, TUI_MSG_DONE_AWAITING_DECISION);
	case STORE_TASK_CLOSED: return tui_msg(app, NULL, TUI_MSG_CLOSED);
	case STORE_TASK_REOPENED: return tui_msg(app, NULL, TUI_MSG_REOPENED);
	case STORE_TASK_CANCELLED: return tui_msg(app, NULL, TUI_MSG_CANCELLED);
	case STORE_TASK_DONE_AFTER_CANCEL: return tui_msg(app, NULL, TUI_MSG_DONE_AFTER_CANCEL);
	}
	return "?";
}

/* One task of the case, who gave it, to whom, and what came of it. */
static int
case_task(void *arg, const struct store_task *t)
{
	struct case_ctx *c = arg;
	struct tui_app *app = c->app;
	char when[32], done[32];
	struct store_review rv;
	char *cause = NULL;

	local_time(t->created_at, when, sizeof when);
	if (strcmp(t->done_record, c->record) == 0 && strcmp(t->follows, c->record) != 0) {
		/* This record is the verification: the task it did, and the record it verified. */
		add(c->d, TUI_NORMAL, "  %s %s  %s %s", tui_msg(app, NULL, TUI_MSG_RECORD_DID_TASK),
		    t->uuid, tui_msg(app, NULL, TUI_MSG_VERIFYING), t->follows[0] ? t->follows : "-");
		c->last = t->state;
		c->n++;
		return 0;
	}
	add(c->d, TUI_NORMAL, "  %s  %s %s · %s → %s (%s) · %s", when,
	    t->kind[0] == 'v' ? tui_msg(app, NULL, TUI_MSG_VERIFY) : tui_msg(app, NULL, TUI_MSG_INSPECT),
	    t->asset, t->created_by, t->inspector, t->device[0] ? t->device : "-",
	    task_state_text(app, t->state));
	if (t->done_record[0] != '\0') {
		local_time(t->updated_at, done, sizeof done);
		add(c->d, TUI_NORMAL, "    %s %s", tui_msg(app, NULL, TUI_MSG_VERIFICATION_RECORD),
		    t->done_record);
		if (store_review_latest(app->st, t->done_record, &rv, &cause) == 0 &&
		    rv.decision != STORE_UNREVIEWED) {
			local_time(rv.decided_at, done, sizeof done);
			add(c->d, tui_review_state_role(rv.decision), "    %s %s  %s  %s%s%s",
			    tui_msg(app, NULL, TUI_MSG_REVIEW_HEAD), tui_review_state_name(app, rv.decision),
			    rv.reviewer, done, rv.comment[0] ? "  " : "", rv.comment);
		}
		free(cause);
		cause = NULL;
	}
	c->last = t->state;
	c->n++;
	return 0;
}

/* The hazard's case: record -> decisions (above) -> tasks -> verification records -> closed. */
static void
case_lines(struct tui_app *app, struct detail *d, const struct store_record *rec)
{
	struct case_ctx c = { app, d, rec->uuid, STORE_TASK_OPEN, 0 };
	size_t first = d->n;
	char *cause = NULL;

	add(d, TUI_TITLE, "%s", tui_msg(app, NULL, TUI_MSG_CASE));
	if (store_task_chain(app->st, rec->uuid, case_task, &c, &cause) != 0) {
		add(d, TUI_ERROR, "%s", cause);
		free(cause);
		return;
	}
	if (c.n == 0) {
		/* No task: no case line beyond the decisions. */
		free(d->lines[first].text);
		d->n = first;
		return;
	}
	free(d->lines[first].text);
	d->lines[first].text = xasprintf("%s %s", tui_msg(app, NULL, TUI_MSG_CASE),
	    task_state_text(app, c.last));
}

struct photo_ctx {
	struct tui_app *app;
	struct detail *d;
	struct photo_store *ps;
};

static void
photo_line(void *arg, const char *question, const char *name, const char *sha256)
{
	struct photo_ctx *c = arg;
	bool here = c->ps != NULL && photo_store_has(c->ps, sha256);

	(void)question;
	add(c->d, here ? TUI_NORMAL : TUI_WARN, "  %s%s", name, here ? "" :
	    tui_msg(c->app, NULL, TUI_MSG_NOT_YET_RECEIVED));
}

/* The record's photos, each said to be here or not yet received; p shows them. */
static void
photo_lines(struct tui_app *app, struct detail *d, const struct store_record *rec)
{
	struct photo_ctx c = { .app = app, .d = d };
	size_t n = report_record_photos(rec, NULL, NULL);
	char *dir, *cause = NULL;

	if (n == 0)
		return;
	add(d, TUI_TITLE, "%s %zu  %s", tui_msg(app, NULL, TUI_MSG_PHOTOS), n,
	    tui_msg(app, NULL, TUI_MSG_P_VIEW));
	dir = photo_store_dir_beside(store_path(app->st));
	if (photo_store_open(dir, &c.ps, &cause) != 0)
		free(cause);
	free(dir);
	report_record_photos(rec, photo_line, &c);
	photo_store_close(c.ps);
}

/*
 * Answers first (what the supervisor decides on), then the position, the
 * decisions, the case (tasks and their verification records), the
 * revision chain and last the record's metadata.
 */
static void
build(struct tui_app *app, struct detail *d)
{
	const struct report_row *row = report_day_row(d->day, d->row);
	const struct store_record *rec = row->rec;
	const struct form *f = row->form;
	const char *lang = tui_lang(app);
	struct store_record **chain = NULL;
	struct store_review *hist = NULL;
	size_t nchain = 0, nhist = 0;
	char *cause = NULL, when[32];

	free_lines(d);
	add(d, TUI_TITLE, "%s %s · %s · %s", row->time, rec->inspector,
	    f != NULL ? form_title(f, lang) : rec->form_id, row->asset);
	add(d, row->hazards[REPORT_SEVERE] ? TUI_SEV_SEVERE : TUI_NORMAL, "%s %u  %s %u  %s %u",
	    tui_msg(app, NULL, TUI_MSG_SEVERE_TITLE), row->hazards[REPORT_SEVERE],
	    tui_msg(app, NULL, TUI_MSG_MODERATE), row->hazards[REPORT_MODERATE],
	    tui_msg(app, NULL, TUI_MSG_MINOR), row->hazards[REPORT_MINOR]);
	answer_lines(app, d, row);
	photo_lines(app, d, rec);
	position_lines(app, d, &rec->pos);
	{
		char cell[128];
		bool outside = tui_cell_text(app, NULL, &rec->pos, cell, sizeof cell);

		if (cell[0] != '\0')
			add(d, outside ? TUI_WARN : TUI_NORMAL, "  %s", cell);
	}

	if (store_review_history(app->st, rec->uuid, &hist, &nhist, &cause) == 0) {
		if (nhist == 0)
			add(d, TUI_NORMAL, "%s %s", tui_msg(app, NULL, TUI_MSG_REVIEW_HEAD),
			    tui_review_state_name(app, STORE_UNREVIEWED));
		for (size_t i = 0; i < nhist; i++) {
			local_time(hist[i].decided_at, when, sizeof when);
			add(d, tui_review_state_role(hist[i].decision), "%s %s  %s  %s%s%s",
			    tui_msg(app, NULL, TUI_MSG_REVIEW_HEAD),
			    tui_review_state_name(app, hist[i].decision), hist[i].reviewer, when,
			    hist[i].comment[0] ? "  " : "", hist[i].comment);
		}
		free(hist);
	} else {
		add(d, TUI_ERROR, "%s", cause);
		free(cause);
		cause = NULL;
	}
	case_lines(app, d, rec);
	if (rec->replaces[0] != '\0' && revision_chain(app, rec->uuid, &chain, &nchain, &cause) == 0) {
		add(d, TUI_TITLE, "%s", tui_msg(app, NULL, TUI_MSG_REVISION_CHAIN_NEWEST_FIRST));
		for (size_t i = 0; i < nchain; i++)
			add(d, TUI_NORMAL, "  %s  %s  %s", chain[i]->uuid, chain[i]->created_at,
			    chain[i]->inspector);
		if (nchain > 0 && chain[nchain - 1]->replaces[0] != '\0')
			add(d, TUI_NORMAL, "  %s %s", tui_msg(app, NULL, TUI_MSG_NOT_HERE),
			    chain[nchain - 1]->replaces);
		report_chain_free(chain, nchain);
	} else if (cause != NULL) {
		free(cause);
		cause = NULL;
	}
	if (row->replaced)
		add(d, TUI_WARN, "%s", tui_msg(app, NULL, TUI_MSG_LATER_RECORD_DAY_REPLACES));

	add(d, TUI_NORMAL, "%s %s  %s %s  %s %s", tui_msg(app, NULL, TUI_MSG_FORM), rec->form_id,
	    tui_msg(app, NULL, TUI_MSG_VERSION), rec->form_version,
	    tui_msg(app, NULL, TUI_MSG_DEVICE), rec->device);
	add(d, TUI_NORMAL, "%s %s", tui_msg(app, NULL, TUI_MSG_RECORD), rec->uuid);
	delivery_line(app, d, rec);
}

static void
detail_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct detail *d = s->priv;
	int y = top;

	tui_list_fit(&d->list, d->n, (size_t)rows);
	for (size_t i = d->list.top; i < d->n && y < top + rows; i++)
		y += tui_wrap(y, 0, d->lines[i].text, cols, top + rows - y,
		    tui_attr(s->app, d->lines[i].role), true);
}

static bool
detail_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct detail *d = s->priv;

	(void)key;
	switch (a) {
	case TUI_ACT_ENTER:
		tui_pop(s->app);
		return true;
	case TUI_ACT_LANG:
		tui_next_lang(s->app, report_day_row(d->day, d->row)->form);
		build(s->app, d);
		return true;
	case TUI_ACT_PHOTO:
		tui_review_photos_open(s->app, report_day_row(d->day, d->row)->rec);
		return true;
	default:
		return false;
	}
}

static void
detail_close(struct tui_screen *s)
{
	struct detail *d = s->priv;

	free_lines(d);
	free(d);
}

static const enum tui_action detail_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT,
	TUI_ACT_NONE };
static const struct tui_screen_ops detail_ops = {
	.name = "review-detail", .draw = detail_draw, .key = detail_key, .close = detail_close,
	.bar = detail_bar, .group = TUI_GROUP_REVIEW,   /* for p, the photos */
};

int
tui_review_detail_open(struct tui_app *app, struct report_day *day, size_t row)
{
	struct detail *d = xcalloc(1, sizeof *d);

	d->day = day;
	d->row = row;
	d->list.pager = true;
	build(app, d);
	if (tui_push(app, &detail_ops, d) != 0) {
		free_lines(d);
		free(d);
		return -1;
	}
	app->stack[app->depth - 1].list = &d->list;
	return 0;
}
