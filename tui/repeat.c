/*
 * repeat — a repeat's entries, over the form screen (docs/tui.md).
 *
 * The form screen opens it where a repeat begins and after each entry's
 * last question: it asks "add another?" and lists the entries, each with
 * its first answers, to open again or delete (F8, asked twice).  Enter on
 * "+ add" adds an entry and answers it; Enter on an entry answers it
 * again; Esc goes on after the repeat.  A repeat whose repeat_count fixes
 * its entries lists them without adding or deleting.  The form screen
 * stays the owner of the session and the draft: this screen calls back
 * through tui_repeat_host and pops itself first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meaning/meaning.h"
#include "tui/tui_internal.h"
#include "util/util.h"

struct rep {
	const struct form *f;
	struct form_session *sess;
	size_t rq;
	struct tui_repeat_host host;
	struct tui_list list;      /* the entries, then "+ add" when entries may be added */
	bool confirm_delete;
	char *msg;                 /* owned */
};

static bool
can_edit(const struct rep *r)
{
	return !form_repeat_counted(r->f, r->rq);
}

static size_t
rows_of(const struct rep *r)
{
	return form_session_entry_count(r->sess, r->rq) + (can_edit(r) ? 1 : 0);
}

/* Entry e's first answers as "label: text · label: text", in the screen's language. */
static void
entry_summary(struct tui_app *app, struct rep *r, size_t e, char *buf, size_t size)
{
	size_t cur = form_session_entry(r->sess, r->rq), o = 0;
	const char *lang = tui_lang(app);

	buf[0] = '\0';
	form_session_select_entry(r->sess, r->rq, e);
	for (size_t q = r->rq + 1; q < form_question_end(r->f, r->rq) && o + 1 < size; q++) {
		enum form_qtype t = form_question_type(r->f, q);
		const char *v = form_session_get(r->sess, q), *label;
		char *text;
		int n;

		if (v[0] == '\0' || t == FORM_CALCULATE || t == FORM_NOTE)
			continue;
		label = form_question_label(r->f, q, lang);
		text = meaning_answer_text(r->f, q, v, lang);
		n = snprintf(buf + o, size - o, "%s%s: %s", o > 0 ? " · " : "",
		    label[0] != '\0' ? label : form_question_name(r->f, q), text);
		free(text);
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	form_session_select_entry(r->sess, r->rq, cur);
}

/* The first entry with no answer (0 when every entry has one). */
static size_t
first_unanswered(struct tui_app *app, struct rep *r)
{
	char line[8];

	for (size_t e = 0; e < form_session_entry_count(r->sess, r->rq); e++) {
		entry_summary(app, r, e, line, sizeof line);
		if (line[0] == '\0')
			return e;
	}
	return 0;
}

static void
repeat_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct rep *r = s->priv;
	struct tui_app *app = s->app;
	const char *label = form_question_label(r->f, r->rq, tui_lang(app));
	size_t n = form_session_entry_count(r->sess, r->rq);
	char head[256], line[512];
	int y = top + 2, bottom = top + rows - 1;

	snprintf(head, sizeof head, "%s · %zu %s", label[0] != '\0' ? label :
	    form_question_name(r->f, r->rq), n, tui_msg(app, r->f,
	    n == 1 ? TUI_MSG_ENTRY_ONE : TUI_MSG_ENTRIES_WORD));
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	tui_put_pad(top + 1, 0, can_edit(r) ? tui_msg(app, r->f, TUI_MSG_ADD_ANOTHER_ENTER_ADD) :
	    tui_msg(app, r->f, TUI_MSG_ENTER_OPEN_ENTRY_ESC),
	    cols, tui_attr(app, TUI_DIM));
	tui_list_fit(&r->list, rows_of(r), (size_t)(bottom - y > 0 ? bottom - y : 1));
	for (size_t i = r->list.top; i < rows_of(r) && y < bottom; i++, y++) {
		attr_t at = i == r->list.cur ? tui_attr(app, TUI_SELECTED) : A_NORMAL;

		if (i == n) {
			tui_put_pad(y, 0, tui_msg(app, r->f, TUI_MSG_ADD_ENTRY), cols,
			    at | A_BOLD);
			continue;
		}
		snprintf(line, sizeof line, "#%zu ", i + 1);
		tui_put_pad(y, 0, line, 5, at | A_BOLD);
		entry_summary(app, r, i, line, sizeof line);
		tui_put_pad(y, 5, line[0] != '\0' ? line : tui_msg(app, r->f, TUI_MSG_NO_ANSWERS_YET), cols - 5, at);
	}
	if (r->msg != NULL)
		tui_wrap(bottom, 0, r->msg, cols, 1, tui_attr(app, TUI_ERROR), true);
}

/* Pops this screen, then lets the form screen go on (the host outlives it). */
static void
hand_back(struct tui_screen *s, bool enter)
{
	struct rep *r = s->priv;
	struct tui_repeat_host host = r->host;
	size_t rq = r->rq;

	tui_pop(s->app);
	if (enter)
		host.enter(host.ctx, rq);
	else
		host.done(host.ctx, rq);
}

static bool
repeat_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct rep *r = s->priv;
	size_t n = form_session_entry_count(r->sess, r->rq);
	char *m = NULL;

	(void)key;
	if (a != TUI_ACT_DISCARD)
		r->confirm_delete = false;
	switch (a) {
	case TUI_ACT_ENTER:
		if (r->list.cur >= n) {
			if (form_session_add_entry(r->sess, r->rq, &m) != 0) {
				free(r->msg);
				r->msg = m;
				return true;
			}
			r->host.changed(r->host.ctx);
		} else
			form_session_select_entry(r->sess, r->rq, r->list.cur);
		hand_back(s, true);
		return true;
	case TUI_ACT_BACK:
		hand_back(s, false);
		return true;
	case TUI_ACT_DISCARD:
		if (r->list.cur >= n || !can_edit(r))
			return true;
		free(r->msg);
		r->msg = NULL;
		if (!r->confirm_delete) {
			char text[160];

			r->confirm_delete = true;
			tui_msgf(s->app, r->f, text, sizeof text, TUI_MSG_DELETE_ENTRY_AGAIN, r->list.cur + 1);
			r->msg = xstrdup(text);
			return true;
		}
		r->confirm_delete = false;
		if (form_session_delete_entry(r->sess, r->rq, r->list.cur, &m) != 0)
			r->msg = m;
		else
			r->host.changed(r->host.ctx);
		return true;
	case TUI_ACT_LANG:
		tui_next_lang(s->app, r->f);
		return true;
	default:
		return false;
	}
}

static void
repeat_close(struct tui_screen *s)
{
	struct rep *r = s->priv;

	if (r != NULL)
		free(r->msg);
	free(r);
	s->priv = NULL;
}

static const enum tui_action repeat_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_DISCARD, TUI_ACT_NONE,
};
static const struct tui_screen_ops repeat_ops = {
	.name = "repeat", .draw = repeat_draw, .key = repeat_key, .close = repeat_close,
	.bar = repeat_bar,
};

int
tui_repeat_open(struct tui_app *app, const struct form *f, struct form_session *sess, size_t rq,
    const struct tui_repeat_host *host)
{
	struct rep *r = xcalloc(1, sizeof *r);

	r->f = f;
	r->sess = sess;
	r->rq = rq;
	r->host = *host;
	/*
	 * The cursor starts on the likely next step: "+ add" after an entry; in a
	 * counted repeat, the first entry not answered yet.
	 */
	r->list.cur = can_edit(r) ? form_session_entry_count(sess, rq) : first_unanswered(app, r);
	if (tui_push(app, &repeat_ops, r) != 0) {
		free(r);
		return -1;
	}
	app->stack[app->depth - 1].list = &r->list;
	return 0;
}
