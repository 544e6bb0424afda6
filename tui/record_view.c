/*
 * A stored record, read-only: its answers (tui_summary_draw), status and
 * position.
 */
#include <stdio.h>
#include <stdlib.h>

#include "meaning/meaning.h"
#include "tui/tui_internal.h"
#include "util/util.h"

struct view {
	struct store_record *rec;  /* owned */
	const struct form *f;
	struct tui_list list;      /* a pager over the answers */
};

static void
view_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct view *v = s->priv;
	struct tui_app *app = s->app;
	char head[256], text[320], pos[300];

	snprintf(head, sizeof head, "%s · %s", v->f != NULL ? form_title(v->f, tui_lang(app)) :
	    v->rec->form_id, store_status_name(v->rec->status));
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	tui_list_fit(&v->list, (size_t)tui_summary_draw(app, v->f, v->rec, top + 1, 0, cols, 0),
	    (size_t)(rows - 3));
	tui_summary_draw(app, v->f, v->rec, top + 1, rows - 3, cols, (int)v->list.top);
	tui_position_text(app, v->f, &v->rec->pos, pos, sizeof pos);
	/* A manual position and none already say what they are. */
	if (v->rec->pos.source == STORE_POS_GPSD)
		snprintf(text, sizeof text, "%s %s", tui_msg(app, v->f, TUI_MSG_POSITION_FROM_GPS), pos);
	else
		snprintf(text, sizeof text, "%s", pos);
	tui_put_pad(top + rows - 2, 0, text, cols, A_BOLD);
}

static bool
view_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct view *v = s->priv;

	(void)key;
	switch (a) {
	case TUI_ACT_LANG: tui_next_lang(s->app, v->f); return true;
	case TUI_ACT_ENTER: tui_pop(s->app); return true;
	default: return false;
	}
}

static void
view_close(struct tui_screen *s)
{
	struct view *v = s->priv;

	if (v != NULL)
		store_record_free(v->rec);
	free(v);
	s->priv = NULL;
}

static const enum tui_action view_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT, TUI_ACT_NONE };
static const struct tui_screen_ops view_ops = {
	.name = "record", .draw = view_draw, .key = view_key, .close = view_close, .bar = view_bar,
};

int
tui_record_open(struct tui_app *app, struct store_record *rec)
{
	struct view *v = xcalloc(1, sizeof *v);

	v->rec = rec;
	v->f = meaning_record_form(app->lib, rec);
	v->list.pager = true;
	if (tui_push(app, &view_ops, v) != 0)
		return -1;
	app->stack[app->depth - 1].list = &v->list;
	return 0;
}
