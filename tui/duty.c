/*
 * The on duty / off duty key and the patrol track (docs/coverage.md).
 *
 * On duty, every new fix from gpsd goes to the track recorder (track/),
 * which keeps the thinned points and hands over a batch when it is due;
 * the batch is saved durably here.  Off duty nothing is recorded at all:
 * the recorder does not exist.  The state is a setting in the database, so
 * a restart (or a pulled battery) resumes on duty, with the track marked as
 * broken while the app was closed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"
#include "tui/tui_internal.h"

#define DUTY_SETTING "on_duty"

static void
duty_begin(struct tui_app *app, enum store_track_gap why)
{
	app->on_duty = true;
	app->track_seen_ms = -1;
	app->track = track_recorder_new(NULL, why);
}

void
tui_duty_start(struct tui_app *app)
{
	char *v = NULL, *cause = NULL;

	if (app->opt.review_day != NULL)
		return;
	if (store_setting_get(app->st, DUTY_SETTING, &v, &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
		return;
	}
	if (v != NULL && strcmp(v, "1") == 0)
		duty_begin(app, STORE_GAP_CLOSED);
	free(v);
}

/* Saves the recorder's batch; a failure is shown and the batch kept for the next try. */
static void
duty_save(struct tui_app *app)
{
	const struct store_track_point *pts;
	size_t n;
	char *cause = NULL;

	if (app->track == NULL)
		return;
	pts = track_recorder_batch(app->track, &n);
	if (n == 0)
		return;
	if (store_track_append(app->st, app->opt.device != NULL ? app->opt.device : "unknown",
	    app->inspector[0] != '\0' ? app->inspector : "?", pts, n, NULL, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, NULL, TUI_MSG_TRACK_NOT_SAVED), cause);
		free(cause);
		return;
	}
	track_recorder_saved(app->track);
}

void
tui_duty_stop(struct tui_app *app)
{
	duty_save(app);
	track_recorder_free(app->track);
	app->track = NULL;
}

void
tui_duty_toggle(struct tui_app *app)
{
	char *cause = NULL;
	bool on = !app->on_duty;

	if (app->opt.review_day != NULL)
		return;
	if (store_setting_set(app->st, DUTY_SETTING, on ? "1" : "0", &cause) != 0) {
		tui_flash(app, true, "%s", cause);
		free(cause);
		return;
	}
	if (on) {
		duty_begin(app, STORE_GAP_DUTY);
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_DUTY_PATROL_TRACK_RECORDED));
	} else {
		tui_duty_stop(app);
		app->on_duty = false;
		tui_flash(app, false, "%s", tui_msg(app, NULL, TUI_MSG_OFF_DUTY_NO_TRACK));
	}
}

/*
 * The fix's own time (the receiver's UTC), or -1 when the report has none:
 * a point is the receiver's, never stamped with the system clock, which may
 * be minutes off the receiver's (a track of both would run backwards).
 */
static int64_t
fix_seconds(const struct gps_fix *fix)
{
	struct timespec ts;

	if (fix->time[0] != '\0' && fc_parse_iso_utc(fix->time, &ts) == 0)
		return (int64_t)ts.tv_sec;
	return -1;
}

void
tui_duty_poll(struct tui_app *app)
{
	struct gps_fix fix;
	int64_t now = fc_monotonic_ms();

	if (app->track == NULL)
		return;
	if (app->gc != NULL && gpsclient_state(app->gc) == GPS_FIX && gpsclient_last_fix(app->gc, &fix)) {
		if (fix.received_ms != app->track_seen_ms && fix_seconds(&fix) >= 0) {
			app->track_seen_ms = fix.received_ms;
			track_recorder_fix(app->track, fix_seconds(&fix), fix.lat, fix.lon, fix.accuracy_m, now);
		}
	} else
		track_recorder_lost(app->track);
	if (track_recorder_due_ms(app->track, now) == 0)
		duty_save(app);
}

int
tui_duty_timeout_ms(const struct tui_app *app)
{
	return app->track != NULL ? track_recorder_due_ms(app->track, fc_monotonic_ms()) : -1;
}
