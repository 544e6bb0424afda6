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
		    tui_tr(app, NULL, "Position:", "位置:"), p->lat, p->lon, acc,
		    p->fix_mode == 3 ? ", 3D" : p->fix_mode == 2 ? ", 2D" : "",
		    p->satellites > 0 ? p->satellites : 0);
		break;
	case STORE_POS_MANUAL:
		add(d, TUI_WARN, "%s %.6f, %.6f  %s", tui_tr(app, NULL, "Position:", "位置:"), p->lat,
		    p->lon, tui_tr(app, NULL, "TYPED BY HAND (manual)", "手工输入 (manual)"));
		add(d, TUI_WARN, "  %s %s", tui_tr(app, NULL, "Reason:", "原因:"),
		    p->reason[0] ? p->reason : "-");
		break;
	default:
		add(d, TUI_WARN, "%s", tui_tr(app, NULL, "Position: NONE (no position recorded)",
		    "位置: 无 (未记录位置)"));
		add(d, TUI_WARN, "  %s %s", tui_tr(app, NULL, "Reason:", "原因:"),
		    p->reason[0] ? p->reason : "-");
		break;
	}
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
		add(d, TUI_NORMAL, "%s %s  (%s %s)", tui_tr(app, NULL, "Delivered by device", "送达设备"), dl.device,
		    tui_tr(app, NULL, "inspector as that device says:", "检查员由该设备声明:"), rec->inspector);
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

/* The answers in form order; calculated fields are the form's own, not the inspector's. */
static void
answer_lines(struct tui_app *app, struct detail *d, const struct report_row *row)
{
	const struct store_record *rec = row->rec;
	const struct form *f = row->form;
	const char *lang = tui_lang(app);

	add(d, TUI_TITLE, "%s", tui_tr(app, NULL, "Answers:", "回答:"));
	if (f != NULL) {
		for (size_t q = 0; q < form_question_count(f); q++) {
			const char *v = store_record_answer(rec, form_question_name(f, q));
			enum form_qtype t = form_question_type(f, q);
			char *text;

			if (t == FORM_BEGIN_GROUP) {
				add(d, TUI_TITLE, "%s", form_question_label(f, q, lang));
				continue;
			}
			if (v == NULL || t == FORM_CALCULATE)
				continue;
			text = oneline(meaning_answer_text(f, q, v, lang));
			add(d, tui_severity_role(meaning_answer_severity(f, q, v)),
			    "  %s: %s", form_question_label(f, q, lang)[0] ?
			    form_question_label(f, q, lang) : form_question_name(f, q), text);
			free(text);
		}
	} else {
		add(d, TUI_WARN, "%s", tui_tr(app, NULL, "(form not installed: names shown)",
		    "(未安装表单: 显示名称)"));
		for (size_t a = 0; a < rec->answer_count; a++)
		{
			char *text = oneline(xstrdup(rec->answers[a].value));

			add(d, TUI_NORMAL, "  %s: %s", rec->answers[a].name, text);
			free(text);
		}
	}
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
	    tui_tr(c->app, NULL, "  (not yet received)", "  （尚未收到）"));
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
	add(d, TUI_TITLE, "%s %zu  %s", tui_tr(app, NULL, "Photos:", "照片:"), n,
	    tui_tr(app, NULL, "(p: view)", "（p：查看）"));
	dir = photo_store_dir_beside(store_path(app->st));
	if (photo_store_open(dir, &c.ps, &cause) != 0)
		free(cause);
	free(dir);
	report_record_photos(rec, photo_line, &c);
	photo_store_close(c.ps);
}

/*
 * Answers first (what the supervisor decides on), then the position, the
 * decisions, the revision chain and last the record's metadata.
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
	    tui_tr(app, NULL, "Severe", "严重"), row->hazards[REPORT_SEVERE],
	    tui_tr(app, NULL, "moderate", "中等"), row->hazards[REPORT_MODERATE],
	    tui_tr(app, NULL, "minor", "轻微"), row->hazards[REPORT_MINOR]);
	answer_lines(app, d, row);
	photo_lines(app, d, rec);
	position_lines(app, d, &rec->pos);

	if (store_review_history(app->st, rec->uuid, &hist, &nhist, &cause) == 0) {
		if (nhist == 0)
			add(d, TUI_NORMAL, "%s %s", tui_tr(app, NULL, "Review:", "审核:"),
			    tui_review_state_name(app, STORE_UNREVIEWED));
		for (size_t i = 0; i < nhist; i++) {
			local_time(hist[i].decided_at, when, sizeof when);
			add(d, tui_review_state_role(hist[i].decision), "%s %s  %s  %s%s%s",
			    tui_tr(app, NULL, "Review:", "审核:"),
			    tui_review_state_name(app, hist[i].decision), hist[i].reviewer, when,
			    hist[i].comment[0] ? "  " : "", hist[i].comment);
		}
		free(hist);
	} else {
		add(d, TUI_ERROR, "%s", cause);
		free(cause);
		cause = NULL;
	}
	if (rec->replaces[0] != '\0' &&
	    report_revision_chain(app->st, rec->uuid, &chain, &nchain, &cause) == 0) {
		add(d, TUI_TITLE, "%s", tui_tr(app, NULL, "Revision chain (newest first):", "修订链 (最新在前):"));
		for (size_t i = 0; i < nchain; i++)
			add(d, TUI_NORMAL, "  %s  %s  %s", chain[i]->uuid, chain[i]->created_at,
			    chain[i]->inspector);
		if (nchain > 0 && chain[nchain - 1]->replaces[0] != '\0')
			add(d, TUI_NORMAL, "  %s %s", tui_tr(app, NULL, "not here:", "不在本库:"),
			    chain[nchain - 1]->replaces);
		report_chain_free(chain, nchain);
	} else if (cause != NULL) {
		free(cause);
		cause = NULL;
	}
	if (row->replaced)
		add(d, TUI_WARN, "%s", tui_tr(app, NULL, "A later record of this day replaces this one.",
		    "本日有更新的记录取代了这条记录。"));

	add(d, TUI_NORMAL, "%s %s  %s %s  %s %s", tui_tr(app, NULL, "Form", "表单"), rec->form_id,
	    tui_tr(app, NULL, "version", "版本"), rec->form_version,
	    tui_tr(app, NULL, "device", "设备"), rec->device);
	add(d, TUI_NORMAL, "%s %s", tui_tr(app, NULL, "Record", "记录"), rec->uuid);
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
