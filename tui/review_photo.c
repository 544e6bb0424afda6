/*
 * review_photo — a record's photos, full screen, for the supervisor: each
 * drawn with libchafa's symbols (photo/preview.c) sized to the pane below
 * the title, one at a time; Down and Up go through them.  A photo the
 * database does not hold yet says so instead.
 *
 * Colours: the 16 the terminal names, as colour pairs of their own (one
 * per foreground and background), when it has them and is not in
 * monochrome (F7); else the symbols alone, which still draw the shapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"
#include "tui/review.h"
#include "util/util.h"

/* Pairs 64..319: foreground * 16 + background, above tui.c's own. */
#define PHOTO_PAIR_BASE 64

struct shot {
	char name[REPORT_MEDIA_NAME_LEN];
	char sha256[PHOTO_HASH_LEN];
};

struct photos {
	struct shot *shots;
	size_t n, cur;
	struct photo_store *ps;
	struct photo_preview *pv;    /* of shots[cur] at pv_cols x pv_rows, colours pv_colors */
	unsigned pv_cols, pv_rows;
	enum photo_preview_colors pv_colors;
	size_t pv_index;
	char *error;                 /* why shots[cur] could not be drawn */
};

static void
add_shot(void *ctx, const char *question, const char *name, const char *sha256)
{
	struct photos *p = ctx;

	(void)question;
	p->shots = xreallocarray(p->shots, p->n + 1, sizeof *p->shots);
	fc_strlcpy(p->shots[p->n].name, name, sizeof p->shots[p->n].name);
	fc_strlcpy(p->shots[p->n].sha256, sha256, sizeof p->shots[p->n].sha256);
	p->n++;
}

/* The colours this terminal can show a photo in. */
static enum photo_preview_colors
colours(const struct tui_app *app)
{
	static bool paired;

	if (app->mono || !app->has_colors || COLORS < 16 || COLOR_PAIRS < PHOTO_PAIR_BASE + 256)
		return PHOTO_PREVIEW_MONO;
	if (!paired) {
		for (short fg = 0; fg < 16; fg++)
			for (short bg = 0; bg < 16; bg++)
				init_pair((short)(PHOTO_PAIR_BASE + fg * 16 + bg), fg, bg);
		paired = true;
	}
	return PHOTO_PREVIEW_16;
}

static void
drop_preview(struct photos *p)
{
	photo_preview_free(p->pv);
	p->pv = NULL;
	free(p->error);
	p->error = NULL;
}

/* Renders shots[cur] for cols x rows, unless it is so already. */
static void
prepare(struct tui_app *app, struct photos *p, unsigned cols, unsigned rows)
{
	enum photo_preview_colors c = colours(app);
	char *path;

	if ((p->pv != NULL || p->error != NULL) && p->pv_index == p->cur && p->pv_cols == cols &&
	    p->pv_rows == rows && p->pv_colors == c)
		return;
	drop_preview(p);
	p->pv_index = p->cur;
	p->pv_cols = cols;
	p->pv_rows = rows;
	p->pv_colors = c;
	if (p->ps == NULL || !photo_store_has(p->ps, p->shots[p->cur].sha256))
		return;     /* not yet received: draw says so */
	path = photo_store_path(p->ps, p->shots[p->cur].sha256);
	if (photo_preview_render(path, cols, rows, c, &p->pv, &p->error) != 0 && p->error == NULL)
		p->error = xstrdup("cannot draw this photo");
	free(path);
}

static void
photos_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct photos *p = s->priv;
	struct tui_app *app = s->app;
	const struct shot *sh = &p->shots[p->cur];
	char head[512];

	snprintf(head, sizeof head, "%s %zu/%zu  %s", tui_msg(app, NULL, TUI_MSG_PHOTO), p->cur + 1,
	    p->n, sh->name);
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	if (rows < 2 || cols < 1)
		return;
	prepare(app, p, (unsigned)cols, (unsigned)(rows - 1));
	if (p->pv == NULL) {
		tui_wrap(top + 2, 2, p->error != NULL ? p->error : tui_msg(app, NULL, TUI_MSG_NOT_YET_RECEIVED_DEPOT), cols - 2, rows - 2,
		    tui_attr(app, p->error != NULL ? TUI_ERROR : TUI_WARN), true);
		return;
	}
	for (unsigned y = 0; y < photo_preview_rows(p->pv); y++) {
		for (unsigned x = 0; x < photo_preview_cols(p->pv); x++) {
			char ch[5];
			int fg, bg;
			attr_t a = A_NORMAL;

			photo_preview_cell(p->pv, x, y, ch, &fg, &bg);
			if (p->pv_colors == PHOTO_PREVIEW_16 && fg >= 0 && bg >= 0)
				a = COLOR_PAIR(PHOTO_PAIR_BASE + fg * 16 + bg);
			attrset(a);
			mvaddstr(top + 1 + (int)y, (int)x, ch);
		}
	}
	attrset(A_NORMAL);
}

static bool
photos_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct photos *p = s->priv;

	(void)key;
	switch (a) {
	case TUI_ACT_ENTER:
		tui_pop(s->app);
		return true;
	case TUI_ACT_DOWN: case TUI_ACT_PGDN:
		if (p->cur + 1 < p->n)
			p->cur++;
		return true;
	case TUI_ACT_UP: case TUI_ACT_PGUP:
		if (p->cur > 0)
			p->cur--;
		return true;
	default:
		return false;
	}
}

static void
photos_close(struct tui_screen *s)
{
	struct photos *p = s->priv;

	drop_preview(p);
	photo_store_close(p->ps);
	free(p->shots);
	free(p);
}

static const enum tui_action photos_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_MONO,
	TUI_ACT_QUIT, TUI_ACT_NONE };
static const struct tui_screen_ops photos_ops = {
	.name = "review-photo", .draw = photos_draw, .key = photos_key, .close = photos_close,
	.bar = photos_bar,
};

int
tui_review_photos_open(struct tui_app *app, const struct store_record *rec)
{
	struct photos *p = xcalloc(1, sizeof *p);
	char *dir, *cause = NULL;

	report_record_photos(rec, add_shot, p);
	if (p->n == 0) {
		free(p);
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_RECORD_HAS_NO_PHOTO));
		return -1;
	}
	/* The photos beside the database being reviewed (the depot's, usually). */
	dir = photo_store_dir_beside(store_path(app->st));
	if (photo_store_open(dir, &p->ps, &cause) != 0) {
		free(cause);
		p->ps = NULL;   /* every photo then reads as not yet received */
	}
	free(dir);
	if (tui_push(app, &photos_ops, p) != 0) {
		photos_close(&(struct tui_screen){ .priv = p });
		return -1;
	}
	return 0;
}
