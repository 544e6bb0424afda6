/*
 * "Due here" on home (docs/coverage.md): the patrol zones still short of
 * today's plan, nearest first, with the distance and direction from the
 * current fix.  The zones and calendar come from the configuration's `zones`
 * and `calendar` files; today's visits are counted from this handheld's own
 * track and records (coverage_compute), again when records change and at
 * most once a minute otherwise, never on every redraw.  The supervisor's
 * map (review_map.c) draws the same zones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "track/track.h"
#include "tui/review.h"
#include "tui/tui_internal.h"

#define DUE_REFRESH_MS 60000
#define DUE_MAX_SHOWN 32

void
tui_due_start(struct tui_app *app)
{
	const char *zones = fc_config_get(app->opt.config, "zones");
	const char *cal = fc_config_get(app->opt.config, "calendar");
	char *cause = NULL;

	if (zones == NULL || zones[0] == '\0')
		return;
	if (coverage_zones_load(zones, &app->zones, &cause) != 0 ||
	    (cal != NULL && cal[0] != '\0' && coverage_calendar_load(cal, &app->calendar, &cause) != 0)) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_ZONES), cause);
		free(cause);
		coverage_zones_free(app->zones);
		app->zones = NULL;
	}
}

void
tui_due_stop(struct tui_app *app)
{
	tui_review_map_free();
	coverage_day_free(app->due);
	coverage_zones_free(app->zones);
	coverage_calendar_free(app->calendar);
	app->due = NULL;
	app->zones = NULL;
	app->calendar = NULL;
}

static void
due_refresh(struct tui_app *app)
{
	char today[FC_DAY_LEN], *cause = NULL;
	struct coverage_day *d;
	int64_t now = fc_monotonic_ms();

	if (app->due != NULL && app->due_version == app->data_version &&
	    now - app->due_at_ms < DUE_REFRESH_MS)
		return;
	fc_local_day(today, time(NULL));
	if (coverage_compute(app->st, app->zones, app->calendar, today, &d, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_ZONES), cause);
		free(cause);
		d = NULL;
	}
	coverage_day_free(app->due);
	app->due = d;
	app->due_version = app->data_version;
	app->due_at_ms = now;
}

/*
 * Metres from (lat, lon) to zone i (0 inside), and the bearing to its
 * nearest point, on a local flat projection (a city's extent).
 */
static double
zone_distance(const struct coverage_zones *z, size_t i, double lat, double lon, double *bearing)
{
	double kx = 111195.0 * cos(lat * M_PI / 180), ky = 111195.0, best = INFINITY, bx = 0, by = 0;
	size_t nr = coverage_zone_ring_count(z, i);

	*bearing = 0;
	if (coverage_zone_contains(z, i, lon, lat))
		return 0;
	for (size_t r = 0; r < nr; r++) {
		const double *xs, *ys;
		unsigned poly, index;
		size_t n;

		coverage_zone_ring(z, i, r, &poly, &index, &xs, &ys, &n);
		for (size_t k = 0; k + 1 < n; k++) {
			double ax = (xs[k] - lon) * kx, ay = (ys[k] - lat) * ky;
			double cx = (xs[k + 1] - lon) * kx, cy = (ys[k + 1] - lat) * ky;
			double dx = cx - ax, dy = cy - ay, len2 = dx * dx + dy * dy;
			double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
			double px, py, d;

			t = t < 0 ? 0 : t > 1 ? 1 : t;
			px = ax + t * dx;
			py = ay + t * dy;
			d = sqrt(px * px + py * py);
			if (d < best) {
				best = d;
				bx = px;
				by = py;
			}
		}
	}
	*bearing = atan2(bx, by) * 180 / M_PI;
	if (*bearing < 0)
		*bearing += 360;
	return best;
}

static const char *
compass(const struct tui_app *app, double deg)
{
	static const enum tui_msg points[] = { TUI_MSG_COMPASS_N, TUI_MSG_COMPASS_NE,
	    TUI_MSG_COMPASS_E, TUI_MSG_COMPASS_SE, TUI_MSG_COMPASS_S, TUI_MSG_COMPASS_SW,
	    TUI_MSG_COMPASS_W, TUI_MSG_COMPASS_NW };
	int k = (int)floor((deg + 22.5) / 45.0) % 8;

	return tui_msg(app, NULL, points[k]);
}

struct due_item {
	size_t row;
	double dist, bearing;
};

static int
by_distance(const void *a, const void *b)
{
	const struct due_item *x = a, *y = b;

	return (x->dist > y->dist) - (x->dist < y->dist);
}

int
tui_due_draw(struct tui_app *app, int y, int rows, int cols)
{
	struct due_item items[DUE_MAX_SHOWN];
	struct gps_fix fix;
	bool have_fix, zh = tui_zh(app, NULL);
	size_t n = 0;
	char text[256];
	int used = 0;

	if (app->zones == NULL || rows < 2)
		return 0;
	due_refresh(app);
	if (app->due == NULL)
		return 0;
	have_fix = app->gc != NULL && gpsclient_state(app->gc) == GPS_FIX &&
	    gpsclient_last_fix(app->gc, &fix);
	for (size_t i = 0; i < app->due->nrows && n < DUE_MAX_SHOWN; i++) {
		const struct coverage_row *r = &app->due->rows[i];

		if (!r->overdue)
			continue;
		items[n].row = i;
		items[n].dist = have_fix ? zone_distance(app->zones, r->zone, fix.lat, fix.lon,
		    &items[n].bearing) : 0;
		n++;
	}
	if (n == 0)
		return 0;
	if (have_fix)
		qsort(items, n, sizeof *items, by_distance);
	snprintf(text, sizeof text, "%s (%zu)%s", tui_msg(app, NULL, TUI_MSG_DUE_HERE), n,
	    have_fix ? "" : tui_msg(app, NULL, TUI_MSG_NO_FIX_2));
	tui_put_pad(y + used++, 0, text, cols, tui_attr(app, TUI_TITLE));
	for (size_t k = 0; k < n && used < rows; k++) {
		const struct coverage_row *r = &app->due->rows[items[k].row];
		struct coverage_zone zone;
		char where[48] = "";

		coverage_zone_get(app->zones, r->zone, &zone);
		if (have_fix && items[k].dist == 0)
			snprintf(where, sizeof where, " · %s", tui_msg(app, NULL, TUI_MSG_HERE));
		else if (have_fix && items[k].dist < 1000)
			snprintf(where, sizeof where, " · %.0f m %s", items[k].dist,
			    compass(app, items[k].bearing));
		else if (have_fix)
			snprintf(where, sizeof where, " · %.1f km %s", items[k].dist / 1000,
			    compass(app, items[k].bearing));
		snprintf(text, sizeof text, "  %s %d/%d%s", zh ? zone.name_zh : zone.name_en, r->done,
		    r->required, where);
		tui_put_pad(y + used++, 0, text, cols, tui_attr(app, TUI_WARN) & ~A_COLOR);
	}
	return used;
}

int
tui_due_rows(struct tui_app *app, int rows)
{
	size_t n = 0;

	if (app->zones == NULL)
		return 0;
	due_refresh(app);
	for (size_t i = 0; app->due != NULL && i < app->due->nrows; i++)
		n += app->due->rows[i].overdue;
	if (n == 0)
		return 0;
	/* At most a third of home's rows: the checklists come first. */
	n += 1;
	return (int)n < rows / 3 ? (int)n : rows / 3;
}
