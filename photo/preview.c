/*
 * photo/preview.c — a stored photo as terminal text, by libchafa.
 *
 * The photo is decoded at the smallest scaled-IDCT size that still gives
 * chafa 8 x 8 pixels per cell (a 1600-pixel photo in 80 columns decodes at
 * half size), drawn on a chafa canvas, and copied out: chafa's print for the
 * lines, its cells for a screen that draws them itself.  Nothing of glib
 * or chafa outlives the call.
 */
#include <stdlib.h>
#include <string.h>

#include <chafa.h>

#include "photo/photo.h"
#include "photo/photo_internal.h"
#include "util/util.h"

/* Terminal cells are about twice as tall as wide. */
#define FONT_RATIO 0.5f

struct preview_cell {
	char ch[5];
	int fg, bg;
};

struct photo_preview {
	unsigned cols, rows;
	char **lines;
	struct preview_cell *cells;
};

static ChafaCanvasMode
canvas_mode(enum photo_preview_colors colors)
{
	switch (colors) {
	case PHOTO_PREVIEW_TRUECOLOR: return CHAFA_CANVAS_MODE_TRUECOLOR;
	case PHOTO_PREVIEW_256: return CHAFA_CANVAS_MODE_INDEXED_256;
	case PHOTO_PREVIEW_16: return CHAFA_CANVAS_MODE_INDEXED_16;
	default: return CHAFA_CANVAS_MODE_FGBG;
	}
}

/* Copies chafa's rows (separated by newlines) into pv->lines. */
static void
copy_lines(struct photo_preview *pv, const GString *text)
{
	const char *p = text->str, *end = text->str + text->len;

	pv->lines = xcalloc(pv->rows, sizeof *pv->lines);
	for (unsigned y = 0; y < pv->rows; y++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl != NULL ? nl : end;

		pv->lines[y] = xstrndup(p, (size_t)(stop - p));
		p = nl != NULL ? nl + 1 : end;
	}
}

static void
copy_cells(struct photo_preview *pv, ChafaCanvas *canvas, enum photo_preview_colors colors)
{
	pv->cells = xcalloc((size_t)pv->cols * pv->rows, sizeof *pv->cells);
	for (unsigned y = 0; y < pv->rows; y++)
		for (unsigned x = 0; x < pv->cols; x++) {
			struct preview_cell *c = &pv->cells[(size_t)y * pv->cols + x];
			gunichar ch = chafa_canvas_get_char_at(canvas, (gint)x, (gint)y);
			gint fg = -1, bg = -1;

			g_unichar_to_utf8(ch != 0 ? ch : ' ', c->ch);  /* at most 4 bytes of 5, zeroed */
			if (colors == PHOTO_PREVIEW_TRUECOLOR) {
				chafa_canvas_get_colors_at(canvas, (gint)x, (gint)y, &fg, &bg);
			} else if (colors != PHOTO_PREVIEW_MONO) {
				/* Palette indexes; chafa's own above 255 (its fg, bg, transparent) are the default. */
				chafa_canvas_get_raw_colors_at(canvas, (gint)x, (gint)y, &fg, &bg);
				fg = fg > 255 ? -1 : fg;
				bg = bg > 255 ? -1 : bg;
			}
			c->fg = fg;
			c->bg = bg;
		}
}

int
photo_preview_render(const char *path, unsigned cols, unsigned rows,
    enum photo_preview_colors colors, struct photo_preview **out, char **cause)
{
	unsigned char *data = NULL, *rgb = NULL;
	char *why = NULL;
	size_t len;
	unsigned w, h;
	gint cw = (gint)cols, ch = (gint)rows;
	ChafaSymbolMap *map;
	ChafaCanvasConfig *config;
	ChafaCanvas *canvas;
	GString *text;
	struct photo_preview *pv;

	*out = NULL;
	if (cols == 0 || rows == 0 || cols > PHOTO_PREVIEW_MAX_COLS || rows > PHOTO_PREVIEW_MAX_ROWS)
		return fc_fail(cause, "a preview of %u x %u cells asked; from 1 x 1 to %u x %u",
		    cols, rows, PHOTO_PREVIEW_MAX_COLS, PHOTO_PREVIEW_MAX_ROWS);
	if (photo_read_file(path, PHOTO_MAX_SOURCE_BYTES, &data, &len, cause) != 0)
		return -1;
	if (photo_decode_scaled(data, len, cols * 8, rows * 8, &rgb, &w, &h, &why) != 0) {
		fc_fail(cause, "%s: %s", path, why);
		free(why);
		free(data);
		return -1;
	}
	free(data);
	chafa_calc_canvas_geometry((gint)w, (gint)h, &cw, &ch, FONT_RATIO, FALSE, FALSE);
	if (cw < 1)
		cw = 1;
	if (ch < 1)
		ch = 1;

	map = chafa_symbol_map_new();
	chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_BORDER |
	    CHAFA_SYMBOL_TAG_SPACE);
	/* One column each, in every locale the screens speak. */
	chafa_symbol_map_remove_by_tags(map, CHAFA_SYMBOL_TAG_WIDE);
	config = chafa_canvas_config_new();
	chafa_canvas_config_set_canvas_mode(config, canvas_mode(colors));
	chafa_canvas_config_set_geometry(config, cw, ch);
	chafa_canvas_config_set_symbol_map(config, map);
	canvas = chafa_canvas_new(config);
	chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGB8, rgb, (gint)w, (gint)h, (gint)w * 3);
	free(rgb);

	pv = xcalloc(1, sizeof *pv);
	pv->cols = (unsigned)cw;
	pv->rows = (unsigned)ch;
	text = chafa_canvas_print(canvas, NULL);
	copy_lines(pv, text);
	g_string_free(text, TRUE);
	copy_cells(pv, canvas, colors);
	chafa_canvas_unref(canvas);
	chafa_canvas_config_unref(config);
	chafa_symbol_map_unref(map);
	*out = pv;
	return 0;
}

void
photo_preview_free(struct photo_preview *pv)
{
	if (pv == NULL)
		return;
	for (unsigned y = 0; y < pv->rows; y++)
		free(pv->lines[y]);
	free(pv->lines);
	free(pv->cells);
	free(pv);
}

unsigned
photo_preview_cols(const struct photo_preview *pv)
{
	return pv->cols;
}

unsigned
photo_preview_rows(const struct photo_preview *pv)
{
	return pv->rows;
}

const char *
photo_preview_line(const struct photo_preview *pv, unsigned y)
{
	return y < pv->rows ? pv->lines[y] : "";
}

void
photo_preview_cell(const struct photo_preview *pv, unsigned x, unsigned y,
    char ch[5], int *fg, int *bg)
{
	const struct preview_cell *c;

	if (x >= pv->cols || y >= pv->rows) {
		memcpy(ch, " ", 2);
		*fg = *bg = -1;
		return;
	}
	c = &pv->cells[(size_t)y * pv->cols + x];
	memcpy(ch, c->ch, 5);
	*fg = c->fg;
	*bg = c->bg;
}
