/*
 * The save screen: every answer of the form screen below it, the position
 * saving would take and its quality, and the ways to save (docs/tui.md,
 * "Position on save").  "Review" is the supervisor's (review.c); this is
 * the inspector's last look before saving.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meaning/meaning.h"
#include "tui/form.h"
#include "util/util.h"

enum save_mode {
	SV_MAIN,
	SV_WAIT,           /* waiting for a usable fix: saves when it comes */
	SV_MANUAL_POS,     /* typing the position (the coarse fix suggested) */
	SV_REASON,         /* why no GPS position: a digit picks a ready reason */
	SV_REASON_TEXT,    /* ... or the inspector types one */
};

/*
 * The ready reasons for saving without a GPS position: stored in English
 * (the record's data, whatever the screen's language), shown as a message.
 */
static const struct {
	const char *stored;
	enum tui_msg shown;
} pos_reasons[] = {
	{ "indoors", TUI_MSG_REASON_INDOORS },
	{ "under a bridge or cover", TUI_MSG_REASON_UNDER_BRIDGE },
	{ "GPS receiver fault", TUI_MSG_REASON_RECEIVER_FAULT },
};
#define POS_REASONS (sizeof pos_reasons / sizeof pos_reasons[0])

struct save {
	struct fs *fs;             /* the form screen below; not owned */
	struct tui_list list;      /* a pager over the answers */
	enum save_mode mode;
	struct tui_edit ed;
	struct store_position manual;   /* source MANUAL, or NONE while asking why there is none */
};

/* A record's position from a gpsd fix that was age_s old when taken. */
static void
position_from_fix(const struct gps_fix *fix, double age_s, struct store_position *pos)
{
	store_position_clear(pos);
	pos->source = STORE_POS_GPSD;
	pos->lat = fix->lat;
	pos->lon = fix->lon;
	pos->alt_m = fix->alt_msl;
	pos->accuracy_m = fix->accuracy_m;
	pos->fix_mode = fix->mode;
	pos->satellites = fix->satellites_used;
	pos->hdop = fix->hdop;
	fc_strlcpy(pos->fix_time, fix->time, sizeof pos->fix_time);
	pos->fix_age_s = age_s;
}

/* The position saving would take now, and whether it is good enough. */
static bool
usable_fix(struct tui_app *app, const struct form *f, struct store_position *pos, char *why,
    size_t size)
{
	double thr = form_accuracy_threshold(f), age;
	struct gps_fix fix;

	store_position_clear(pos);
	if (app->gc == NULL || gpsclient_state(app->gc) == GPS_OFF) {
		snprintf(why, size, "%s", tui_msg(app, f, TUI_MSG_GPS_OFF));
		return false;
	}
	if (!gpsclient_stamp(app->gc, gpsclient_stale_after_s(app->gc), &fix, &age)) {
		switch (gpsclient_state(app->gc)) {
		case GPS_NO_GPSD:
			tui_msgf(app, f, why, size, TUI_MSG_STATUS_NO_GPSD_WHY, gpsclient_error(app->gc));
			break;
		case GPS_STALE: snprintf(why, size, "%s", tui_msg(app, f, TUI_MSG_FIX_STALE)); break;
		default: snprintf(why, size, "%s", tui_msg(app, f, TUI_MSG_NO_FIX)); break;
		}
		return false;
	}
	position_from_fix(&fix, age, pos);
	if (!isnan(thr) && (isnan(pos->accuracy_m) || pos->accuracy_m > thr)) {
		if (isnan(pos->accuracy_m))
			tui_msgf(app, f, why, size, TUI_MSG_ACCURACY_UNKNOWN_NEEDS, thr);
		else
			tui_msgf(app, f, why, size, TUI_MSG_ACCURACY_NEEDS, pos->accuracy_m, thr);
		return false;
	}
	why[0] = '\0';
	return true;
}

static void
do_save(struct tui_screen *s, const struct store_position *pos)
{
	struct save *sv = s->priv;
	struct fs *fs = sv->fs;
	struct tui_app *app = s->app;
	char *cause = NULL, *m = NULL;
	size_t bad;

	if (form_session_check_all(fs->sess, &bad, &m) != 0) {
		tui_pop(app);
		tui_form_enter_question(fs, bad);
		tui_form_set_msg(fs, m, true);
		return;
	}
	tui_form_sync_record(fs);
	fs->rec->pos = *pos;
	if (store_finalize(app->st, fs->rec, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_msg(app, fs->f, TUI_MSG_NOT_SAVED), cause);
		free(cause);
		return;
	}
	fs->stored = false;  /* it is final now: nothing left to keep as a draft */
	tui_refresh_counts(app);
	tui_flash(app, false, "%s: %s", tui_msg(app, fs->f, TUI_MSG_SAVED),
	    form_title(fs->f, tui_lang(app)));
	tui_pop_to_home(app);
}

static int
save_open(struct tui_screen *s)
{
	struct save *sv = xcalloc(1, sizeof *sv);

	sv->fs = s->priv;
	sv->list.pager = true;
	s->priv = sv;
	s->list = &sv->list;
	return 0;
}

static void
save_close(struct tui_screen *s)
{
	free(s->priv);
	s->priv = NULL;
}

/*
 * "The rest: none found": every relevant hazard question not answered gets
 * its nothing-found choice, so the record tells checked-and-clear from not
 * checked.  Returns how many were answered.
 */
static size_t
rest_none_found(struct fs *fs)
{
	size_t n = 0;

	for (size_t q = 0; q < form_question_count(fs->f); q++) {
		const char *none = meaning_none_found(fs->f, q);
		char *m = NULL;

		if (none == NULL || !tui_form_visible(fs, q) || form_session_get(fs->sess, q)[0] != '\0')
			continue;
		if (form_session_set(fs->sess, form_question_name(fs->f, q), none, &m) == 0)
			n++;
		free(m);
	}
	if (n > 0)
		tui_form_save_draft(fs);
	return n;
}

/* Waiting makes sense only with a GPS to wait for. */
static bool
gps_on(struct tui_app *app)
{
	return app->gc != NULL && gpsclient_state(app->gc) != GPS_OFF;
}

/* The position editor, suggesting the last fix however coarse (typing replaces it). */
static void
start_manual(struct save *sv, struct tui_app *app)
{
	struct gps_fix fix;
	char text[96] = "";

	if (app->gc != NULL && gpsclient_last_fix(app->gc, &fix) && isfinite(fix.lat) &&
	    isfinite(fix.lon)) {
		if (isfinite(fix.accuracy_m))
			snprintf(text, sizeof text, "%.6f,%.6f,%.0f", fix.lat, fix.lon, fix.accuracy_m);
		else
			snprintf(text, sizeof text, "%.6f,%.6f", fix.lat, fix.lon);
	}
	sv->mode = SV_MANUAL_POS;
	tui_edit_init(&sv->ed, text, 60);
	sv->ed.replace = text[0] != '\0';
}

/* Saves with the reason: a ready one (1..POS_REASONS) or typed text. */
static void
save_with_reason(struct tui_screen *s, const char *reason)
{
	struct save *sv = s->priv;
	struct store_position pos = sv->manual;

	fc_strlcpy(pos.reason, reason, sizeof pos.reason);
	do_save(s, &pos);
}

static void
save_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct save *sv = s->priv;
	struct fs *fs = sv->fs;
	struct tui_app *app = s->app;
	struct store_position pos;
	char why[160], text[320], head[256];
	bool good = usable_fix(app, fs->f, &pos, why, sizeof why);
	int posrows = 4, body = rows - 1 - posrows - 1, total;

	snprintf(head, sizeof head, "%s: %s", tui_msg(app, fs->f, TUI_MSG_SAVE),
	    form_title(fs->f, tui_lang(app)));
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	if (body < 1)
		body = 1;
	total = tui_summary_draw(app, fs->f, fs->rec, top + 1, 0, cols, 0);
	tui_list_fit(&sv->list, (size_t)total, (size_t)body);
	tui_summary_draw(app, fs->f, fs->rec, top + 1, body, cols, (int)sv->list.top);
	{
		int y = top + 1 + body;

		if (good) {
			char cell[128];
			bool outside = tui_cell_text(app, fs->f, &pos, cell, sizeof cell);

			tui_position_text(app, fs->f, &pos, text, sizeof text);
			if (cell[0] != '\0')
				snprintf(text + strlen(text), sizeof text - strlen(text), "  %s", cell);
			tui_put_pad(y, 0, text, cols, tui_attr(app, outside ? TUI_WARN : TUI_GOOD));
		} else {
			snprintf(text, sizeof text, "%s: %s", tui_msg(app, fs->f, TUI_MSG_NO_USABLE_POSITION), why);
			tui_put_pad(y, 0, text, cols, tui_attr(app, TUI_WARN));
		}
		y++;
		switch (sv->mode) {
		case SV_MAIN:
			tui_wrap(y, 0, good ? tui_msg(app, fs->f, TUI_MSG_SAVE_KEYS_GOOD) : gps_on(app) ? tui_msg(app, fs->f, TUI_MSG_SAVE_KEYS_WAIT) : tui_msg(app, fs->f, TUI_MSG_SAVE_KEYS_NO_GPS), cols, 3, A_BOLD, true);
			break;
		case SV_WAIT:
			tui_wrap(y, 0, tui_msg(app, fs->f, TUI_MSG_WAITING_FIX_SAVES_ITSELF), cols, 3, A_BOLD, true);
			break;
		case SV_MANUAL_POS:
			tui_put(y++, 0, tui_msg(app, fs->f, TUI_MSG_POSITION_LAT_LON_ACC), cols, A_BOLD);
			tui_edit_draw(&sv->ed, app, y, 0, cols, tui_attr(app, TUI_SELECTED));
			break;
		case SV_REASON: {
			char menu[512];
			size_t o = 0;

			for (size_t i = 0; i < POS_REASONS && o < sizeof menu; i++)
				o += (size_t)snprintf(menu + o, sizeof menu - o, "%zu %s  ", i + 1,
				    tui_msg(app, fs->f, pos_reasons[i].shown));
			if (o < sizeof menu)
				snprintf(menu + o, sizeof menu - o, "%zu %s", POS_REASONS + 1,
				    tui_msg(app, fs->f, TUI_MSG_REASON_OTHER));
			tui_put(y++, 0, sv->manual.source == STORE_POS_NONE ?
			    tui_msg(app, fs->f, TUI_MSG_WHY_NO_POSITION) :
			    tui_msg(app, fs->f, TUI_MSG_WHY_TYPED_HAND), cols, A_BOLD);
			tui_wrap(y, 0, menu, cols, 2, A_BOLD, true);
			break;
		}
		case SV_REASON_TEXT:
			tui_put(y++, 0, tui_msg(app, fs->f, TUI_MSG_REASON_ENTER_SAVES),
			    cols, A_BOLD);
			tui_edit_draw(&sv->ed, app, y, 0, cols, tui_attr(app, TUI_SELECTED));
			break;
		}
	}
}

static bool
save_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct save *sv = s->priv;
	struct fs *fs = sv->fs;
	struct tui_app *app = s->app;
	struct store_position pos;
	char why[160], text[STORE_REASON_LEN * 4];

	if (sv->mode == SV_WAIT) {
		if (a == TUI_ACT_BACK || a == TUI_ACT_ERASE || a == TUI_ACT_QUIT) {
			sv->mode = SV_MAIN;
			return true;
		}
		return a != TUI_ACT_HELP && a != TUI_ACT_LANG;
	}
	if (sv->mode == SV_REASON) {
		size_t d = (size_t)tui_key_digit(key);

		if (a == TUI_ACT_BACK || a == TUI_ACT_ERASE) {
			sv->mode = SV_MAIN;
		} else if (d >= 1 && d <= POS_REASONS) {
			save_with_reason(s, pos_reasons[d - 1].stored);
		} else if (d == POS_REASONS + 1) {
			sv->mode = SV_REASON_TEXT;
			/* Characters, not bytes: a CJK character takes up to four. */
			tui_edit_init(&sv->ed, "", (STORE_REASON_LEN - 1) / 4);
		} else {
			return a != TUI_ACT_HELP && a != TUI_ACT_LANG;
		}
		return true;
	}
	if (sv->mode != SV_MAIN) {
		if (a == TUI_ACT_BACK) {
			sv->mode = SV_MAIN;
			return true;
		}
		if (a != TUI_ACT_ENTER) {
			tui_edit_key(&sv->ed, key);
			return true;
		}
		tui_edit_text(&sv->ed, text, sizeof text);
		if (sv->mode == SV_MANUAL_POS) {
			if (meaning_parse_position(text, &sv->manual) != 0) {
				tui_flash(app, true, "%s", tui_msg(app, fs->f, TUI_MSG_TYPE_LATITUDE_LONGITUDE_E));
				return true;
			}
			sv->mode = SV_REASON;
			return true;
		}
		if (text[0] == '\0') {
			tui_flash(app, true, "%s", tui_msg(app, fs->f, TUI_MSG_TYPE_REASON_ESC_PICK));
			return true;
		}
		save_with_reason(s, text);
		return true;
	}
	switch (a) {
	case TUI_ACT_ENTER:
	case TUI_ACT_SAVE:
		/* Stamped at the moment of saving, never from what the screen showed earlier. */
		if (usable_fix(app, fs->f, &pos, why, sizeof why))
			do_save(s, &pos);
		else
			tui_flash(app, true, "%s: %s", why, gps_on(app) ? tui_msg(app, fs->f, TUI_MSG_NO_POSITION_KEYS_WAIT) : tui_msg(app, fs->f, TUI_MSG_NO_POSITION_KEYS));
		break;
	case TUI_ACT_NONEFOUND: {
		size_t n = rest_none_found(fs);

		if (usable_fix(app, fs->f, &pos, why, sizeof why)) {
			do_save(s, &pos);
		} else {
			tui_flash(app, false, "%s %zu. %s", tui_msg(app, fs->f, TUI_MSG_NONE_FOUND), n,
			    gps_on(app) ? tui_msg(app, fs->f, TUI_MSG_NO_POSITION_KEYS_WAIT) : tui_msg(app, fs->f, TUI_MSG_NO_POSITION_KEYS));
		}
		break;
	}
	case TUI_ACT_PICK:
		switch (tui_key_digit(key)) {
		case 1:
			if (gps_on(app))
				sv->mode = SV_WAIT;
			break;
		case 2:
			start_manual(sv, app);
			break;
		case 3:
			store_position_clear(&sv->manual);
			sv->manual.source = STORE_POS_NONE;
			sv->mode = SV_REASON;
			break;
		default:
			break;
		}
		break;
	case TUI_ACT_LANG:
		tui_next_lang(app, fs->f);
		tui_form_apply_lang(fs);
		break;
	case TUI_ACT_QUIT:
		tui_pop(app);   /* back to the form, not home */
		break;
	default:
		return false;
	}
	return true;
}

static const enum tui_action save_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_SAVE, TUI_ACT_QUIT, TUI_ACT_NONE
};
/* Waiting: the first usable fix saves, stamped at that moment. */
static void
save_update(struct tui_screen *s)
{
	struct save *sv = s->priv;
	struct store_position pos;
	char why[160];

	if (sv->mode == SV_WAIT && usable_fix(s->app, sv->fs->f, &pos, why, sizeof why))
		do_save(s, &pos);
}

const struct tui_screen_ops tui_save_ops = {
	.name = "save", .open = save_open, .draw = save_draw, .key = save_key,
	.close = save_close, .bar = save_bar, .update = save_update,
};
