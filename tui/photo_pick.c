/*
 * photo_pick — the photos in a folder (`photo_dir`, e.g. the camera's
 * DCIM), newest first, each with its time and size; Enter gives the one
 * under the cursor to the form, which imports it as a typed path.  JPEG
 * and PNG files only; the newest PICK_MAX of them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "tui/tui_internal.h"
#include "util/util.h"

#define PICK_MAX 500

struct pick_file {
	char *path;
	const char *name;        /* within path */
	time_t mtime;
	off_t size;
};

struct pick {
	struct pick_file *files;
	size_t n;
	struct tui_list list;
	tui_pick_fn *done;
	void *ctx;
};

static bool
is_photo_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return name[0] != '.' && dot != NULL && (strcasecmp(dot, ".jpg") == 0 ||
	    strcasecmp(dot, ".jpeg") == 0 || strcasecmp(dot, ".png") == 0);
}

static int
newest_first(const void *a, const void *b)
{
	const struct pick_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
free_files(struct pick *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->files[i].path);
	free(p->files);
}

static void
pick_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct pick *p = s->priv;
	struct tui_app *app = s->app;
	char head[128], line[512], when[32], size[32];
	int vis = rows - 1, y = top + 1;

	snprintf(head, sizeof head, "%s: %zu", tui_msg(app, NULL, TUI_MSG_PHOTOS_FOLDER), p->n);
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	if (vis < 1)
		return;
	tui_list_fit(&p->list, p->n, (size_t)vis);
	for (size_t i = p->list.top; i < p->n && y < top + 1 + vis; i++, y++) {
		const struct pick_file *f = &p->files[i];
		struct tm tm;

		localtime_r(&f->mtime, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		if (f->size >= 1024 * 1024)
			snprintf(size, sizeof size, "%.1f MiB", (double)f->size / (1024 * 1024));
		else
			snprintf(size, sizeof size, "%lld KiB", (long long)(f->size + 1023) / 1024);
		snprintf(line, sizeof line, "%s  %9s  %s", when, size, f->name);
		tui_put_pad(y, 0, line, cols, i == p->list.cur ? tui_attr(app, TUI_SELECTED) :
		    A_NORMAL);
	}
}

static bool
pick_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct pick *p = s->priv;
	tui_pick_fn *done = p->done;
	void *ctx = p->ctx;
	char *path;

	(void)key;
	if (a != TUI_ACT_ENTER || p->n == 0)
		return false;
	path = xstrdup(p->files[p->list.cur].path);
	tui_pop(s->app);   /* frees p */
	done(ctx, path);
	free(path);
	return true;
}

static void
pick_close(struct tui_screen *s)
{
	struct pick *p = s->priv;

	free_files(p);
	free(p);
}

static const enum tui_action pick_bar[] = { TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_QUIT,
	TUI_ACT_NONE };
static const struct tui_screen_ops pick_ops = {
	.name = "photo-pick", .draw = pick_draw, .key = pick_key, .close = pick_close,
	.bar = pick_bar,
};

int
tui_photo_pick_open(struct tui_app *app, const char *dir, tui_pick_fn *done, void *ctx)
{
	struct pick *p;
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	if (d == NULL) {
		tui_flash(app, true, "%s %s", tui_msg(app, NULL, TUI_MSG_CANNOT_READ_PHOTO_FOLDER), dir);
		return -1;
	}
	p = xcalloc(1, sizeof *p);
	p->done = done;
	p->ctx = ctx;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *path;

		if (!is_photo_name(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (p->n == cap) {
			cap = cap ? cap * 2 : 64;
			p->files = xreallocarray(p->files, cap, sizeof *p->files);
		}
		p->files[p->n].path = path;
		p->files[p->n].name = path + strlen(dir) + 1;
		p->files[p->n].mtime = st.st_mtime;
		p->files[p->n].size = st.st_size;
		p->n++;
	}
	closedir(d);
	if (p->n > 0)   /* an empty folder: no array to sort */
		qsort(p->files, p->n, sizeof *p->files, newest_first);
	while (p->n > PICK_MAX)
		free(p->files[--p->n].path);
	if (p->n == 0) {
		pick_close(&(struct tui_screen){ .priv = p });
		tui_flash(app, false, "%s %s", tui_msg(app, NULL, TUI_MSG_NO_PHOTO) , dir);
		return -1;
	}
	if (tui_push(app, &pick_ops, p) != 0) {
		pick_close(&(struct tui_screen){ .priv = p });
		return -1;
	}
	app->stack[app->depth - 1].list = &p->list;
	return 0;
}
