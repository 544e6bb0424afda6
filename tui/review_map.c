/*
 * review_map — the day's positions drawn in the terminal with Unicode
 * braille: each cell holds 2 x 4 dots, so an 80 x 24 terminal gives a
 * 160 x 84 dot canvas.  Each inspector's route joins their records in time
 * order, in a colour of their own; hazards are marked on top by severity,
 * and the current record is highlighted.
 *
 * With tracks uploaded that day (docs/coverage.md), each inspector's track
 * is drawn in the same colour, one line per continuous stretch: a gap is
 * never joined.  Configured patrol zones are drawn as dim outlines, and
 * the extent covers records and tracks.
 *
 * Braille dots are about square (a cell is twice as high as wide), so one
 * scale for both axes, corrected by cos(latitude), keeps the map's shape.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/coverage.h"
#include "track/track.h"
#include "tui/review.h"
#include "util/util.h"

#define MAP_INSPECTORS 8

static const enum tui_role inspector_roles[MAP_INSPECTORS] = {
	TUI_GOOD, TUI_TITLE, TUI_FNUM, TUI_WARN, TUI_NORMAL, TUI_DIM, TUI_GOOD, TUI_TITLE,
};
/* Each inspector's records also carry a glyph of their own: in monochrome it is all that tells them apart. */
static const char *const inspector_glyphs[MAP_INSPECTORS] = {
	"○", "□", "△", "◇", "+", "×", "☆", "#",
};

/* The owner of a zone outline's dots: drawn dim. */
#define MAP_ZONE MAP_INSPECTORS

/*
 * The day's tracks, read once per day and data version (a depot's day is
 * hundreds of thousands of points; the map redraws on every fix and key).
 */
struct map_track {
	char inspector[STORE_ID_LEN];
	struct store_track_point *pts;
	size_t n;
};
static struct {
	char day[FC_DAY_LEN];
	unsigned version;
	bool loaded;
	struct map_track *t;
	size_t n;
} tracks;

static void
tracks_clear(void)
{
	for (size_t i = 0; i < tracks.n; i++)
		free(tracks.t[i].pts);
	free(tracks.t);
	tracks.t = NULL;
	tracks.n = 0;
	tracks.loaded = false;
}

static int
keep_track(void *ctx, const char *inspector, const struct store_track_point *pts, size_t n,
    const struct track_clean_counts *c)
{
	struct map_track *t;

	(void)ctx;
	(void)c;
	if (n == 0)
		return 0;
	tracks.t = xreallocarray(tracks.t, tracks.n + 1, sizeof *tracks.t);
	t = &tracks.t[tracks.n++];
	fc_strlcpy(t->inspector, inspector, sizeof t->inspector);
	t->pts = xreallocarray(NULL, n, sizeof *t->pts);
	memcpy(t->pts, pts, n * sizeof *pts);
	t->n = n;
	return 0;
}

static void
tracks_load(struct tui_app *app, const char *day)
{
	char *cause = NULL;

	if (tracks.loaded && strcmp(tracks.day, day) == 0 && tracks.version == app->data_version)
		return;
	tracks_clear();
	fc_strlcpy(tracks.day, day, sizeof tracks.day);
	tracks.version = app->data_version;
	tracks.loaded = true;
	if (track_read_day(app->st, day, NULL, keep_track, NULL, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_TRACKS), cause);
		free(cause);
	}
}

void
tui_review_map_free(void)
{
	tracks_clear();
}

struct canvas {
	int w, h;                /* in cells */
	uint8_t *bits;           /* braille dot mask per cell */
	int8_t *owner;           /* inspector index per cell, -1 none */
};

static void
dot(struct canvas *c, int x, int y, int who)
{
	static const uint8_t bit[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
	int cx = x / 2, cy = y / 4;

	if (x < 0 || y < 0 || cx >= c->w || cy >= c->h)
		return;
	c->bits[cy * c->w + cx] |= bit[x % 2][y % 4];
	c->owner[cy * c->w + cx] = (int8_t)who;
}

static void
line(struct canvas *c, int x0, int y0, int x1, int y1, int who)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;

	for (int steps = 0; steps < 4096; steps++) {
		int e2 = 2 * err;

		dot(c, x0, y0, who);
		if (x0 == x1 && y0 == y1)
			break;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

/* UTF-8 of a code point below U+10000. */
static void
utf8(unsigned cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = '\0';
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = '\0';
	} else {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		out[3] = '\0';
	}
}

static bool
placed(const struct store_record *rec)
{
	return rec->pos.source != STORE_POS_NONE && isfinite(rec->pos.lat) && isfinite(rec->pos.lon);
}

static struct report_day *sort_day;
static const size_t *sort_vis;

static int
by_time(const void *pa, const void *pb)
{
	const size_t *a = pa, *b = pb;

	return strcmp(report_day_row(sort_day, sort_vis[*a])->rec->created_at,
	    report_day_row(sort_day, sort_vis[*b])->rec->created_at);
}

/* Where the day's placed records lie, and how many have no position. */
struct bounds {
	double minlat, maxlat, minlon, maxlon;
	size_t placed, without;
};

static void
map_bounds(struct report_day *day, const size_t *vis, size_t nvis, struct bounds *b)
{
	*b = (struct bounds){ .minlat = 90, .maxlat = -90, .minlon = 180, .maxlon = -180 };
	for (size_t i = 0; i < nvis; i++) {
		const struct store_record *rec = report_day_row(day, vis[i])->rec;

		if (!placed(rec)) {
			b->without++;
			continue;
		}
		b->placed++;
		b->minlat = fmin(b->minlat, rec->pos.lat);
		b->maxlat = fmax(b->maxlat, rec->pos.lat);
		b->minlon = fmin(b->minlon, rec->pos.lon);
		b->maxlon = fmax(b->maxlon, rec->pos.lon);
	}
	for (size_t t = 0; t < tracks.n; t++)
		for (size_t i = 0; i < tracks.t[t].n; i++) {
			double lat = tracks.t[t].pts[i].lat / 1e6, lon = tracks.t[t].pts[i].lon / 1e6;

			b->minlat = fmin(b->minlat, lat);
			b->maxlat = fmax(b->maxlat, lat);
			b->minlon = fmin(b->minlon, lon);
			b->maxlon = fmax(b->maxlon, lon);
		}
}

/* Each visible record's dot (px -1: not placed) and inspector, and the inspectors' names. */
struct plot {
	int *px, *py, *who;
	const char *names[MAP_INSPECTORS];
	size_t nnames;
	double coslat, scale;    /* degrees to dots: x = (lon - minlon) * coslat * scale */
};

static void
map_place(struct plot *p, const struct canvas *c, const struct bounds *b, struct report_day *day,
    const size_t *vis, size_t nvis)
{
	double coslat = cos((b->minlat + b->maxlat) / 2 * M_PI / 180), scale;
	double dx, dy, sxs, sys;

	if (coslat < 0.05)
		coslat = 0.05;
	dx = (b->maxlon - b->minlon) * coslat;
	dy = b->maxlat - b->minlat;
	sxs = dx > 0 ? (c->w * 2 - 1) / dx : INFINITY;
	sys = dy > 0 ? (c->h * 4 - 1) / dy : INFINITY;
	scale = fmin(sxs, sys);
	if (!isfinite(scale))
		scale = 0;
	p->coslat = coslat;
	p->scale = scale;
	for (size_t i = 0; i < nvis; i++) {
		const struct store_record *rec = report_day_row(day, vis[i])->rec;
		size_t k;

		p->px[i] = -1;
		if (!placed(rec))
			continue;
		for (k = 0; k < p->nnames; k++)
			if (strcmp(p->names[k], rec->inspector) == 0)
				break;
		if (k == p->nnames && p->nnames < MAP_INSPECTORS)
			p->names[p->nnames++] = rec->inspector;
		p->who[i] = (int)(k < MAP_INSPECTORS ? k : MAP_INSPECTORS - 1);
		p->px[i] = (int)lround((rec->pos.lon - b->minlon) * coslat * scale);
		p->py[i] = (int)lround((b->maxlat - rec->pos.lat) * scale);
	}
}

/* A dot's canvas position for a longitude and latitude. */
static int
map_x(const struct plot *p, const struct bounds *b, double lon)
{
	return (int)lround((lon - b->minlon) * p->coslat * p->scale);
}

static int
map_y(const struct plot *p, const struct bounds *b, double lat)
{
	return (int)lround((b->maxlat - lat) * p->scale);
}

/*
 * Zone outlines, dim, then the tracks, a line only within a stretch;
 * drawn before the routes so that those show on top.  Returns the zones
 * drawn (those within the map's extent).
 */
static size_t
map_zones_tracks(struct tui_app *app, struct canvas *c, struct plot *p, const struct bounds *b)
{
	size_t drawn = 0;

	for (size_t zi = 0; app->zones != NULL && zi < coverage_zones_count(app->zones); zi++) {
		struct coverage_zone zone;

		coverage_zone_get(app->zones, zi, &zone);
		if (zone.bbox[2] < b->minlon || zone.bbox[0] > b->maxlon || zone.bbox[3] < b->minlat ||
		    zone.bbox[1] > b->maxlat)
			continue;
		drawn++;
		for (size_t r = 0; r < coverage_zone_ring_count(app->zones, zi); r++) {
			const double *lon, *lat;
			unsigned poly, index;
			size_t n;

			coverage_zone_ring(app->zones, zi, r, &poly, &index, &lon, &lat, &n);
			for (size_t k = 0; k + 1 < n; k++)
				line(c, map_x(p, b, lon[k]), map_y(p, b, lat[k]), map_x(p, b, lon[k + 1]),
				    map_y(p, b, lat[k + 1]), MAP_ZONE);
		}
	}
	for (size_t t = 0; t < tracks.n; t++) {
		const struct map_track *tr = &tracks.t[t];
		size_t k;
		int w;

		for (k = 0; k < p->nnames; k++)
			if (strcmp(p->names[k], tr->inspector) == 0)
				break;
		if (k == p->nnames && p->nnames < MAP_INSPECTORS)
			p->names[p->nnames++] = tr->inspector;
		w = (int)(k < MAP_INSPECTORS ? k : MAP_INSPECTORS - 1);
		for (size_t i = 0; i < tr->n; i++) {
			int x1 = map_x(p, b, tr->pts[i].lon / 1e6), y1 = map_y(p, b, tr->pts[i].lat / 1e6);

			if (track_breaks(i > 0 ? &tr->pts[i - 1] : NULL, &tr->pts[i], TRACK_GAP_S))
				dot(c, x1, y1, w);
			else
				line(c, map_x(p, b, tr->pts[i - 1].lon / 1e6),
				    map_y(p, b, tr->pts[i - 1].lat / 1e6), x1, y1, w);
		}
	}
	return drawn;
}

/* Routes join each inspector's records in time order, whatever the table's order. */
static void
map_routes(struct canvas *c, const struct plot *p, struct report_day *day, const size_t *vis,
    size_t nvis)
{
	int lastx[MAP_INSPECTORS], lasty[MAP_INSPECTORS];
	size_t *order = xcalloc(nvis + 1, sizeof *order), norder = 0;

	for (int i = 0; i < MAP_INSPECTORS; i++)
		lastx[i] = lasty[i] = -1;
	for (size_t i = 0; i < nvis; i++)
		if (p->px[i] >= 0)
			order[norder++] = i;
	sort_day = day;
	sort_vis = vis;
	qsort(order, norder, sizeof *order, by_time);
	for (size_t k = 0; k < norder; k++) {
		size_t i = order[k];
		int w = p->who[i];

		if (lastx[w] >= 0)
			line(c, lastx[w], lasty[w], p->px[i], p->py[i], w);
		else
			dot(c, p->px[i], p->py[i], w);
		lastx[w] = p->px[i];
		lasty[w] = p->py[i];
	}
	free(order);
}

/* The canvas's braille cells, each in its inspector's colour. */
static void
map_blit(struct tui_app *app, const struct canvas *c, int top)
{
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			uint8_t b = c->bits[y * c->w + x];
			char ch[4];

			if (b == 0)
				continue;
			utf8(0x2800u + b, ch);
			mvaddstr(top + 1 + y, x, ch);
			mvchgat(top + 1 + y, x, 1, tui_attr(app, c->owner[y * c->w + x] == MAP_ZONE ?
			    TUI_DIM : inspector_roles[c->owner[y * c->w + x]]), 0, NULL);
		}
}

/* Hazards over the routes, the most severe last so that it shows. */
static void
map_hazards(struct tui_app *app, const struct plot *p, struct report_day *day, const size_t *vis,
    size_t nvis, int top)
{
	static const unsigned marks[] = { 0x25AA, 0x25C6, 0x25CF };  /* ▪ ◆ ● */
	static const enum tui_role roles[] = { TUI_SEV_MINOR, TUI_SEV_MODERATE, TUI_SEV_SEVERE };

	for (int sev = REPORT_MINOR; sev <= REPORT_SEVERE; sev++)
		for (size_t i = 0; i < nvis; i++) {
			const struct report_row *row = report_day_row(day, vis[i]);
			bool worst = row->hazards[sev] > 0;
			char ch[4];

			for (int s2 = sev + 1; s2 < REPORT_SEVERITY_COUNT; s2++)
				worst = worst && row->hazards[s2] == 0;
			if (p->px[i] < 0 || !worst)
				continue;
			utf8(marks[sev], ch);
			tui_put(top + 1 + p->py[i] / 4, p->px[i] / 2, ch, 1,
			    tui_attr(app, roles[sev]) | A_BOLD);
		}
}

/* Legend: inspectors in their colours, then the marks. */
static void
map_legend(struct tui_app *app, const struct plot *p, size_t zones, int y, int cols)
{
	int x = 0;

	for (size_t i = 0; i < p->nnames && x < cols; i++) {
		x += tui_put(y, x, inspector_glyphs[i], cols - x, tui_attr(app, inspector_roles[i]));
		x += tui_put(y, x, p->names[i], cols - x, tui_attr(app, inspector_roles[i]) | A_BOLD);
		x += tui_put(y, x, " ", cols - x, A_NORMAL);
	}
	if (zones > 0 && x < cols)
		x += tui_put(y, x, tui_msg(app, NULL, TUI_MSG_ZONES_LEGEND), cols - x,
		    tui_attr(app, TUI_DIM));
	if (x < cols)
		tui_put(y, x, "● severe ◆ moderate ▪ minor ◎ current", cols - x, A_NORMAL);
}

void
tui_review_map_draw(struct tui_app *app, struct report_day *day, const size_t *vis, size_t nvis,
    size_t cur, int top, int rows, int cols)
{
	struct bounds b;
	struct canvas c;
	struct plot p = { 0 };
	char buf[256], ntracks[48] = "";
	size_t zones;

	c.w = cols;
	c.h = rows - 3;   /* title, canvas, legend, and the app's flash line */
	if (c.h < 3 || c.w < 10) {
		tui_put(top, 0, tui_msg(app, NULL, TUI_MSG_MAP_TOO_SMALL), cols, A_BOLD);
		return;
	}
	tracks_load(app, report_day_name(day));
	map_bounds(day, vis, nvis, &b);
	/* The tracks only when there are some: a day without any reads as before. */
	if (tracks.n > 0)
		snprintf(ntracks, sizeof ntracks, "  %zu %s", tracks.n,
		    tui_msg(app, NULL, TUI_MSG_TRACKS_WORD));
	snprintf(buf, sizeof buf, "%s %s  %zu %s  %zu %s%s  (m/Esc: table)",
	    tui_msg(app, NULL, TUI_MSG_MAP), report_day_name(day), b.placed,
	    tui_msg(app, NULL, TUI_MSG_PLACED), b.without,
	    tui_msg(app, NULL, TUI_MSG_WITHOUT_POSITION), ntracks);
	tui_put_pad(top, 0, buf, cols, tui_attr(app, TUI_TITLE));
	if (b.placed == 0 && tracks.n == 0) {
		tui_put(top + 2, 2, tui_msg(app, NULL, TUI_MSG_NO_POSITIONS_DRAW),
		    cols - 2, tui_attr(app, TUI_DIM));
		return;
	}
	c.bits = xcalloc((size_t)c.w * (size_t)c.h, 1);
	c.owner = xmalloc((size_t)c.w * (size_t)c.h);
	memset(c.owner, -1, (size_t)c.w * (size_t)c.h);
	p.px = xcalloc(nvis + 1, sizeof *p.px);
	p.py = xcalloc(nvis + 1, sizeof *p.py);
	p.who = xcalloc(nvis + 1, sizeof *p.who);
	map_place(&p, &c, &b, day, vis, nvis);
	zones = map_zones_tracks(app, &c, &p, &b);
	map_routes(&c, &p, day, vis, nvis);
	map_blit(app, &c, top);
	for (size_t i = 0; i < nvis; i++)
		if (p.px[i] >= 0)
			tui_put(top + 1 + p.py[i] / 4, p.px[i] / 2, inspector_glyphs[p.who[i]], 1,
			    tui_attr(app, inspector_roles[p.who[i]]));
	map_hazards(app, &p, day, vis, nvis, top);
	if (cur < nvis && p.px[cur] >= 0) {
		char ch[4];

		utf8(0x25CE, ch);   /* ◎ */
		tui_put(top + 1 + p.py[cur] / 4, p.px[cur] / 2, ch, 1, A_REVERSE | A_BOLD);
	}
	map_legend(app, &p, zones, top + rows - 2, cols);
	free(p.px);
	free(p.py);
	free(p.who);
	free(c.bits);
	free(c.owner);
}
