/*
 * The form screen: one question at a time (see docs/tui.md for why); F4
 * and the end of the form open the save screen (save.c) on its answers.
 *
 * Every answer goes into the form session as it is typed or picked, so the
 * engine's relevance and constraint feedback are live; Enter checks the
 * question (required, constraint) and, when it passes, writes the draft to
 * the store before moving on.  A killed app loses at most the question in
 * progress.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meaning/meaning.h"
#include "photo/photo.h"
#include "tui/form.h"
#include "util/util.h"

static int form_open(struct tui_app *app, const struct form *f, const char *draft_uuid,
    const struct store_task *task);

static bool
is_editor(enum form_qtype t)
{
	return t == FORM_TEXT || t == FORM_INTEGER || t == FORM_DECIMAL || t == FORM_DATE ||
	    t == FORM_TIME || t == FORM_DATETIME || t == FORM_GEOPOINT || t == FORM_PHOTO;
}

bool
tui_form_visible(const struct fs *fs, size_t q)
{
	enum form_qtype t = form_question_type(fs->f, q);

	return t != FORM_CALCULATE && t != FORM_BEGIN_GROUP && t != FORM_END_GROUP &&
	    form_session_relevant(fs->sess, q);
}

/* Takes ownership of msg. */
void
tui_form_set_msg(struct fs *fs, char *msg, bool error)
{
	free(fs->msg);
	fs->msg = msg;
	fs->msg_error = error;
}

void
tui_form_apply_lang(struct fs *fs)
{
	const char *l = tui_lang(fs->app);

	if (strcmp(fs->applied_lang, l != NULL ? l : "") != 0) {
		form_session_set_language(fs->sess, l);
		fc_strlcpy(fs->applied_lang, l != NULL ? l : "", sizeof fs->applied_lang);
	}
}

static bool
multi_has(const char *value, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = value; *p != '\0';) {
		size_t len = strcspn(p, " ");

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

/* Refreshes fs->shown from the session: earlier answers decide what a choice_filter offers. */
static void
refresh_shown(struct fs *fs)
{
	size_t nc = form_choice_count(fs->f, fs->q);

	if (fs->shown_cap < nc) {
		fs->shown = xreallocarray(fs->shown, nc, sizeof *fs->shown);
		fs->shown_cap = nc;
	}
	fs->nshown = 0;
	for (size_t c = 0; c < nc; c++)
		if (form_session_choice_offered(fs->sess, fs->q, c))
			fs->shown[fs->nshown++] = c;
	if (fs->cursor >= fs->nshown)
		fs->cursor = fs->nshown > 0 ? fs->nshown - 1 : 0;
}

void
tui_form_enter_question(struct fs *fs, size_t q)
{
	const char *ans;
	long c;

	fs->q = q;
	form_session_show(fs->sess, q);  /* a dynamic default takes its value now */
	ans = form_session_get(fs->sess, q);
	tui_edit_init(&fs->ed, ans, ANSWER_MAX);
	fs->cursor = fs->top = 0;
	refresh_shown(fs);
	if (form_question_type(fs->f, q) == FORM_SELECT_ONE &&
	    (c = form_choice_index(fs->f, q, ans)) >= 0)
		for (size_t i = 0; i < fs->nshown; i++)
			if (fs->shown[i] == (size_t)c)
				fs->cursor = i;
	tui_form_set_msg(fs, NULL, false);
	fs->confirm_discard = false;
}

static void
answer_cb(void *ctx, const char *name, const char *value)
{
	store_record_set_answer(ctx, name, value);
}

/* The record's answers become exactly the session's keepable answers. */
void
tui_form_sync_record(struct fs *fs)
{
	struct store_record *rec = fs->rec;

	for (size_t i = 0; i < rec->answer_count; i++) {
		free(rec->answers[i].name);
		free(rec->answers[i].value);
	}
	free(rec->answers);
	rec->answers = NULL;
	rec->answer_count = 0;
	form_session_answers(fs->sess, answer_cb, rec);
	/* Beside the answers: the task it does, which the store marks done as it is finalized. */
	if (fs->task[0] != '\0')
		store_record_set_answer(rec, STORE_TASK_ANSWER, fs->task);
	if (fs->verifies[0] != '\0')
		store_record_set_answer(rec, STORE_VERIFIES_ANSWER, fs->verifies);
}

void
tui_form_save_draft(struct fs *fs)
{
	char *cause = NULL;

	tui_form_sync_record(fs);
	if (tui_answered_count(fs->f, fs->rec) == 0) {
		/* Nothing the inspector answered (calculations do not count): no draft to keep. */
		if (fs->stored && store_discard_draft_photos(fs->app->st, fs->rec->uuid, &cause) != 0) {
			tui_flash(fs->app, true, "%s", cause);
			free(cause);
			return;
		}
		if (fs->stored)
			fs->app->data_version++;
		fs->stored = false;
		return;
	}
	if (store_save_draft(fs->app->st, fs->rec, &cause) != 0) {
		tui_flash(fs->app, true, "%s: %s", tui_msg(fs->app, fs->f, TUI_MSG_DRAFT_NOT_SAVED), cause);
		free(cause);
		return;
	}
	fs->stored = true;
	fs->app->data_version++;
}

/* Sets the current question's answer; a refusal becomes the message. */
static int
set_answer(struct fs *fs, const char *value, bool error_style)
{
	char *m = NULL;

	if (form_session_set(fs->sess, form_question_name(fs->f, fs->q), value, &m) != 0) {
		tui_form_set_msg(fs, m != NULL ? m : xstrdup(tui_msg(fs->app, fs->f, TUI_MSG_ANSWER_REFUSED)), error_style);
		return -1;
	}
	tui_form_set_msg(fs, NULL, false);
	return 0;
}

static long
next_visible(const struct fs *fs, size_t from)
{
	for (size_t q = from; q < form_question_count(fs->f); q++)
		if (tui_form_visible(fs, q))
			return (long)q;
	return -1;
}

static long
prev_visible(const struct fs *fs, size_t before)
{
	for (size_t q = before; q > 0; q--)
		if (tui_form_visible(fs, q - 1))
			return (long)(q - 1);
	return -1;
}

static void go_save(struct fs *fs);

/* ---- Repeats: tui/repeat.c lists the entries; these are its way back. ---- */

/* The next question to show from `from` on, or a relevant repeat's row (its entries' screen). */
static long
next_stop(const struct fs *fs, size_t from)
{
	for (size_t q = from; q < form_question_count(fs->f); q++)
		if ((form_question_is_repeat(fs->f, q) && form_session_relevant(fs->sess, q)) ||
		    tui_form_visible(fs, q))
			return (long)q;
	return -1;
}

static void open_repeat(struct fs *fs, size_t rq);

/*
 * Goes on from question `from`: to the next question, the save screen, or a
 * repeat's entries, which also open when the next question leaves repeat
 * `inside` (the end of an entry: add another?).
 */
static void
go_on(struct fs *fs, size_t from, long inside)
{
	long next = next_stop(fs, from);

	if (inside >= 0 && (next < 0 || (size_t)next >= form_question_end(fs->f, (size_t)inside)))
		open_repeat(fs, (size_t)inside);
	else if (next < 0)
		go_save(fs);
	else if (form_question_is_repeat(fs->f, (size_t)next))
		open_repeat(fs, (size_t)next);
	else
		tui_form_enter_question(fs, (size_t)next);
}

static void
repeat_enter(void *ctx, size_t rq)
{
	struct fs *fs = ctx;
	long q = next_visible(fs, rq + 1);

	if (q >= 0 && (size_t)q < form_question_end(fs->f, rq))
		tui_form_enter_question(fs, (size_t)q);
	else  /* nothing to ask in this entry now */
		go_on(fs, form_question_end(fs->f, rq) + 1, -1);
}

static void
repeat_done(void *ctx, size_t rq)
{
	struct fs *fs = ctx;

	go_on(fs, form_question_end(fs->f, rq) + 1, -1);
}

static void
repeat_changed(void *ctx)
{
	tui_form_save_draft(ctx);
}

/*
 * Back from the current question: true when it opened a repeat's entries,
 * the one this entry belongs to (back from its first question) or one
 * just before the question.
 */
static bool
back_to_repeat(struct fs *fs)
{
	long r = form_question_repeat(fs->f, fs->q), p = prev_visible(fs, fs->q);

	if (r >= 0 && p < r) {
		open_repeat(fs, (size_t)r);
		return true;
	}
	for (size_t i = fs->q; i > 0; i--) {
		size_t k = i - 1;
		long in = form_question_repeat(fs->f, k);

		if (in >= 0 && in != r)
			continue;  /* another repeat's entry: its list stands for it */
		if (form_question_is_repeat(fs->f, k) && (long)k != r &&
		    form_session_relevant(fs->sess, k)) {
			open_repeat(fs, k);
			return true;
		}
		if (tui_form_visible(fs, k))
			return false;
	}
	return false;
}

static void
open_repeat(struct fs *fs, size_t rq)
{
	const struct tui_repeat_host host = { fs, repeat_enter, repeat_done, repeat_changed };

	tui_form_save_draft(fs);
	tui_repeat_open(fs->app, fs->f, fs->sess, rq, &host);
}

static void
leave(struct fs *fs)
{
	tui_form_save_draft(fs);
	tui_pop(fs->app);
}

static void
go_save(struct fs *fs)
{
	size_t bad;
	char *m = NULL;

	if (form_session_check_all(fs->sess, &bad, &m) != 0) {
		tui_form_enter_question(fs, bad);
		tui_form_set_msg(fs, m, true);
		return;
	}
	tui_form_save_draft(fs);
	tui_push(fs->app, &tui_save_ops, fs);
}

/*
 * A path typed for an image question: the photo imported into the store
 * beside the database (checked, downscaled to the question's max-pixels,
 * synced), value becoming its answer.  -1 with the message shown when it
 * cannot be.  The import runs here, in the key's handling: some 0.2 s for
 * a 12-megapixel photo on this machine.
 */
static int
import_typed_photo(struct fs *fs, char *value, size_t size)
{
	const char *mp = form_question_parameter(fs->f, fs->q, "max-pixels");
	char *dir = photo_store_dir_beside(store_path(fs->app->st)), *cause = NULL, *answer;
	struct photo_store *ps = NULL;
	struct photo_info info;
	bool fresh;
	int rc = -1;

	if (photo_store_open(dir, &ps, &cause) == 0 &&
	    photo_store_import(ps, value, mp != NULL ? (unsigned)strtoul(mp, NULL, 10) : 0, &info,
	    &fresh, &cause) == 0) {
		answer = photo_answer_format(&info, 1);
		fc_strlcpy(value, answer, size);
		free(answer);
		rc = 0;
	} else {
		/* The inspector sees the path typed: the reason alone fits the line. */
		size_t n = strlen(value);
		const char *why = cause == NULL ? "" : strncmp(cause, value, n) == 0 &&
		    strncmp(cause + n, ": ", 2) == 0 ? cause + n + 2 : cause;

		tui_form_set_msg(fs, xasprintf("%s: %s", tui_msg(fs->app, fs->f, TUI_MSG_PHOTO_NOT_IMPORTED), why), true);
	}
	free(cause);
	photo_store_close(ps);
	free(dir);
	return rc;
}

static void
accept(struct fs *fs)
{
	enum form_qtype t = form_question_type(fs->f, fs->q);
	char value[VALUE_LEN], *m = NULL;

	if (is_editor(t)) {
		tui_edit_text(&fs->ed, value, sizeof value);
		if (t == FORM_PHOTO && form_question_is_image(fs->f, fs->q) && value[0] != '\0' &&
		    !photo_answer_is(value)) {
			if (import_typed_photo(fs, value, sizeof value) != 0)
				return;
			tui_edit_init(&fs->ed, value, ANSWER_MAX);
		}
		if (set_answer(fs, value, true) != 0)
			return;
	}
	if (t != FORM_NOTE && form_session_check(fs->sess, fs->q, &m) != 0) {
		tui_form_set_msg(fs, m, true);
		return;
	}
	tui_form_save_draft(fs);
	go_on(fs, fs->q + 1, form_question_repeat(fs->f, fs->q));
}

static void
toggle_multi(struct fs *fs, size_t c)
{
	const char *cur = form_session_get(fs->sess, fs->q);
	char value[VALUE_LEN] = "";
	size_t o = 0;

	/* Rebuilt in choice order, so the same picks always give the same answer. */
	for (size_t i = 0; i < form_choice_count(fs->f, fs->q); i++) {
		const char *name = form_choice_name(fs->f, fs->q, i);
		bool on = multi_has(cur, name);

		if (i == c)
			on = !on;
		if (on) {
			int w = snprintf(value + o, sizeof value - o, "%s%s", o ? " " : "", name);

			if (w < 0 || (size_t)w >= sizeof value - o)
				break;
			o += (size_t)w;
		}
	}
	set_answer(fs, value, true);
}

/* Picks the i-th shown choice. */
static void
pick(struct fs *fs, size_t i)
{
	enum form_qtype t = form_question_type(fs->f, fs->q);
	size_t c;

	if (i >= fs->nshown)
		return;
	fs->cursor = i;
	c = fs->shown[i];
	if (t == FORM_SELECT_ONE)
		set_answer(fs, form_choice_name(fs->f, fs->q, c), true);
	else
		toggle_multi(fs, c);
}

/* start-geopoint: the first usable fix after the form opened (the session keeps the first). */
static void
offer_start_position(struct fs *fs)
{
	struct gps_fix fix;
	double need = form_accuracy_threshold(fs->f);
	char value[128];

	if (fs->app->gc == NULL || gpsclient_state(fs->app->gc) != GPS_FIX ||
	    !gpsclient_last_fix(fs->app->gc, &fix) || (!isnan(need) && !(fix.accuracy_m <= need)))
		return;
	snprintf(value, sizeof value, "%.7f %.7f %.1f %.1f", fix.lat, fix.lon,
	    isnan(fix.alt_msl) ? 0.0 : fix.alt_msl, isnan(fix.accuracy_m) ? 0.0 : fix.accuracy_m);
	form_session_offer_position(fs->sess, value);
}

static void
fill_from_gps(struct fs *fs)
{
	struct gps_fix fix;
	char value[128];

	if (fs->app->gc == NULL || gpsclient_state(fs->app->gc) != GPS_FIX ||
	    !gpsclient_last_fix(fs->app->gc, &fix)) {
		tui_flash(fs->app, true, "%s", tui_msg(fs->app, fs->f, TUI_MSG_NO_CURRENT_GPS_FIX));
		return;
	}
	meaning_geopoint_text(fix.lat, fix.lon, fix.alt_msl, fix.accuracy_m, value, sizeof value);
	tui_edit_init(&fs->ed, value, ANSWER_MAX);
	set_answer(fs, value, false);
}

/* The configuration's camera command, or NULL. */
static const char *
photo_command(const struct tui_app *app)
{
	const char *c = fc_config_get(app->opt.config, "photo_command");

	return c != NULL && c[0] != '\0' ? c : NULL;
}

/* F5 acts on a position question only; F6 on an image question, with a camera command set. */
static bool
form_acts(struct tui_screen *s, enum tui_action a)
{
	struct fs *fs = s->priv;

	const char *dir = fc_config_get(s->app->opt.config, "photo_dir");

	if (a == TUI_ACT_CAPTURE)
		return form_question_is_image(fs->f, fs->q) && photo_command(s->app) != NULL;
	if (a == TUI_ACT_PICKPHOTO)
		return form_question_is_image(fs->f, fs->q) && dir != NULL && dir[0] != '\0';
	return a != TUI_ACT_GPSFILL || form_question_type(fs->f, fs->q) == FORM_GEOPOINT;
}

/* A photo chosen in the picker: imported as a typed path would be. */
static void
picked(void *ctx, const char *path)
{
	struct fs *fs = ctx;
	char value[VALUE_LEN];

	fc_strlcpy(value, path, sizeof value);
	if (import_typed_photo(fs, value, sizeof value) != 0)
		return;
	tui_edit_init(&fs->ed, value, ANSWER_MAX);
	if (set_answer(fs, value, true) == 0) {
		tui_form_save_draft(fs);
		tui_form_set_msg(fs, xstrdup(tui_msg(fs->app, fs->f, TUI_MSG_PHOTO_KEPT)), false);
	}
}

/* F6: runs the camera command beside the loop (capture.c); form_update takes its end. */
static void
start_capture(struct fs *fs)
{
	struct tui_app *app = fs->app;
	const char *t = fc_config_get(app->opt.config, "photo_timeout");
	unsigned timeout = t != NULL && atoi(t) > 0 && atoi(t) <= 600 ? (unsigned)atoi(t) : 30;
	char *cause = NULL;

	if (app->capture != NULL) {
		tui_form_set_msg(fs, xstrdup(tui_msg(app, fs->f, TUI_MSG_ALREADY_TAKING_PHOTO)), false);
		return;
	}
	if (tui_capture_start(photo_command(app), timeout, &app->capture, &cause) != 0) {
		tui_form_set_msg(fs, cause, true);
		return;
	}
	app->capture_state = TUI_CAPTURE_RUNNING;
	tui_form_set_msg(fs, xstrdup(tui_msg(app, fs->f, TUI_MSG_TAKING_PHOTO)), false);
}

/* The camera command ended: its photo imported as this question's answer, or why not. */
static void
form_update(struct tui_screen *s)
{
	struct fs *fs = s->priv;
	struct tui_app *app = s->app;
	char value[VALUE_LEN];
	const char *m = app->capture_message;

	if (app->capture == NULL || app->capture_state == TUI_CAPTURE_RUNNING)
		return;
	switch (app->capture_state) {
	case TUI_CAPTURE_DONE:
		fc_strlcpy(value, tui_capture_path(app->capture), sizeof value);
		if (form_question_type(fs->f, fs->q) == FORM_PHOTO &&
		    import_typed_photo(fs, value, sizeof value) == 0) {
			tui_edit_init(&fs->ed, value, ANSWER_MAX);
			if (set_answer(fs, value, true) == 0) {
				tui_form_save_draft(fs);
				tui_form_set_msg(fs, xstrdup(tui_msg(app, fs->f, TUI_MSG_PHOTO_TAKEN_KEPT)), false);
			}
		}
		break;
	case TUI_CAPTURE_FAILED:
		tui_form_set_msg(fs, xasprintf(tui_msg(app, fs->f, TUI_MSG_CAMERA_COMMAND_FAILED_EXIT), m), true);
		break;
	case TUI_CAPTURE_NOTHING:
		tui_form_set_msg(fs, xstrdup(tui_msg(app, fs->f, TUI_MSG_CAMERA_COMMAND_WROTE_NO)), true);
		break;
	default:
		tui_form_set_msg(fs, xasprintf(tui_msg(app, fs->f, TUI_MSG_CAMERA_COMMAND_DID_NOT), m), true);
		break;
	}
	tui_capture_free(app->capture);
	app->capture = NULL;
}

static bool
form_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct fs *fs = s->priv;
	struct tui_app *app = s->app;
	enum form_qtype t = form_question_type(fs->f, fs->q);
	size_t nc;
	long p;

	tui_form_apply_lang(fs);
	refresh_shown(fs);
	nc = fs->nshown;
	if (a == TUI_ACT_DISCARD) {
		if (!fs->confirm_discard) {
			fs->confirm_discard = true;
			tui_form_set_msg(fs, xstrdup(tui_msg(app, fs->f, TUI_MSG_DISCARD_DRAFT_F8_AGAIN)), true);
			return true;
		}
		if (fs->stored) {
			char *cause = NULL;

			if (store_discard_draft_photos(app->st, fs->rec->uuid, &cause) != 0) {
				tui_flash(app, true, "%s", cause);
				free(cause);
				return true;
			}
			app->data_version++;
		}
		tui_flash(app, false, "%s", tui_msg(app, fs->f, TUI_MSG_DRAFT_DISCARDED));
		fs->stored = false;
		tui_pop(app);
		return true;
	}
	if (fs->confirm_discard) {
		fs->confirm_discard = false;
		tui_form_set_msg(fs, NULL, false);
	}
	/* Editors take printable characters and editing keys first. */
	if (is_editor(t) && a != TUI_ACT_ENTER && a != TUI_ACT_BACK) {
		char value[VALUE_LEN];

		if (tui_edit_key(&fs->ed, key)) {
			tui_edit_text(&fs->ed, value, sizeof value);
			/* Feedback as you type: the engine's verdict on the text so far. */
			set_answer(fs, value, false);
			return true;
		}
		if (TUI_IS_CHAR(key) && TUI_CHAR_OF(key) >= 0x20)
			return true;
	}
	/* Backspace edits text; at the start of the line it does nothing rather than leave. */
	if (is_editor(t) && a == TUI_ACT_ERASE)
		return true;
	switch (a) {
	case TUI_ACT_ENTER:
		accept(fs);
		break;
	case TUI_ACT_BACK:
	case TUI_ACT_ERASE:
		if (back_to_repeat(fs))
			break;
		p = prev_visible(fs, fs->q);
		if (p < 0)
			leave(fs);
		else
			tui_form_enter_question(fs, (size_t)p);
		break;
	case TUI_ACT_QUIT:
		leave(fs);
		break;
	case TUI_ACT_SAVE:
		go_save(fs);
		break;
	case TUI_ACT_LANG:
		tui_next_lang(app, fs->f);
		tui_form_apply_lang(fs);
		break;
	case TUI_ACT_HELP:
		tui_push(app, &tui_help_ops, NULL);
		break;
	case TUI_ACT_GPSFILL:
		if (t == FORM_GEOPOINT)
			fill_from_gps(fs);
		break;
	case TUI_ACT_CAPTURE:
		if (form_acts(s, a))
			start_capture(fs);
		break;
	case TUI_ACT_PICKPHOTO:
		if (form_acts(s, a))
			tui_photo_pick_open(app, fc_config_get(app->opt.config, "photo_dir"), picked, fs);
		break;
	case TUI_ACT_UP:
		if (nc > 0 && fs->cursor > 0) {
			fs->cursor--;
			if (t == FORM_SELECT_ONE)
				pick(fs, fs->cursor);
		}
		break;
	case TUI_ACT_DOWN:
		if (nc > 0 && fs->cursor + 1 < nc) {
			fs->cursor++;
			if (t == FORM_SELECT_ONE)
				pick(fs, fs->cursor);
		}
		break;
	case TUI_ACT_PICK:
		if (t == FORM_ACKNOWLEDGE && tui_key_digit(key) == 1)
			set_answer(fs, form_session_get(fs->sess, fs->q)[0] ? "" : "OK", true);
		else if (nc > 0 && (size_t)tui_key_digit(key) <= nc) {
			pick(fs, (size_t)tui_key_digit(key) - 1);
			/* ODK's quick appearance: a digit answers and moves on. */
			if (t == FORM_SELECT_ONE && strstr(form_question_appearance(fs->f, fs->q), "quick") != NULL)
				accept(fs);
		}
		break;
	case TUI_ACT_TOGGLE:
		if (t == FORM_ACKNOWLEDGE)
			set_answer(fs, form_session_get(fs->sess, fs->q)[0] ? "" : "OK", true);
		else if (nc > 0)
			pick(fs, fs->cursor);
		break;
	default:
		if (key == KEY_MOUSE && nc > 0 && app->mouse_y >= fs->choice_y) {
			size_t c = fs->top + (size_t)(app->mouse_y - fs->choice_y);

			if (c < nc)
				pick(fs, c);
			return true;
		}
		return false;
	}
	return true;
}

/* The innermost group around q, for the section heading; NULL at top level. */
static const char *
group_label(const struct fs *fs, size_t q, const char *lang)
{
	unsigned depth = 0;

	for (size_t i = q; i > 0; i--) {
		enum form_qtype t = form_question_type(fs->f, i - 1);

		if (t == FORM_END_GROUP) {
			depth++;
		} else if (t == FORM_BEGIN_GROUP) {
			if (depth == 0) {
				const char *l = form_question_label(fs->f, i - 1, lang);

				return l[0] != '\0' ? l : form_question_name(fs->f, i - 1);
			}
			depth--;
		}
	}
	return NULL;
}

static const char *
type_hint(const struct fs *fs, enum form_qtype t)
{
	switch (t) {
	case FORM_INTEGER: return tui_msg(fs->app, fs->f, TUI_MSG_WHOLE_NUMBER);
	case FORM_DECIMAL: return tui_msg(fs->app, fs->f, TUI_MSG_NUMBER);
	case FORM_DATE: return "YYYY-MM-DD";
	case FORM_TIME: return "HH:MM";
	case FORM_DATETIME: return "YYYY-MM-DDTHH:MM";
	case FORM_GEOPOINT: return tui_msg(fs->app, fs->f, TUI_MSG_LAT_LON_ALT_ACC);
	case FORM_PHOTO:
		return tui_msg(fs->app, fs->f, form_question_is_image(fs->f, fs->q) ?
		    TUI_MSG_PATH_PHOTO_FILE : TUI_MSG_PATH_OF_FILE);
	default: return "";
	}
}

static void
form_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct fs *fs = s->priv;
	struct tui_app *app = s->app;
	const char *lang = tui_lang(app), *group;
	enum form_qtype t;
	char head[256], prog[32], label[1024], *text;
	size_t total = 0, pos = 0;
	int y = top, bottom = top + rows - 1, maxlabel = rows >= 20 ? 6 : 3;

	offer_start_position(fs);

	tui_form_apply_lang(fs);
	/* Relevance may have hidden the current question (an earlier answer changed). */
	if (!tui_form_visible(fs, fs->q)) {
		long n = next_visible(fs, fs->q);

		if (n < 0)
			n = prev_visible(fs, fs->q);
		if (n >= 0)
			tui_form_enter_question(fs, (size_t)n);
	}
	t = form_question_type(fs->f, fs->q);
	for (size_t q = 0; q < form_question_count(fs->f); q++)
		if (fs->counted[q]) {
			total++;
			if (q <= fs->q)
				pos = total;
		}
	group = group_label(fs, fs->q, lang);
	snprintf(head, sizeof head, "%s", group != NULL ? group : form_title(fs->f, lang));
	if (form_question_repeat(fs->f, fs->q) >= 0)  /* which entry: "Cracks #2" */
		snprintf(head + strlen(head), sizeof head - strlen(head), " #%zu",
		    form_session_entry(fs->sess, (size_t)form_question_repeat(fs->f, fs->q)) + 1);
	snprintf(prog, sizeof prog, " %zu/%zu", pos, total);
	tui_put_pad(y, 0, head, cols, tui_attr(app, TUI_TITLE));
	tui_put_right(y, 0, prog, cols, tui_attr(app, TUI_TITLE));
	y++;
	text = form_session_label(fs->sess, fs->q);  /* ${name} shows the answer */
	snprintf(label, sizeof label, "%s%s", form_session_required(fs->sess, fs->q) ? "* " : "",
	    text);
	if (text[0] == '\0')
		snprintf(label, sizeof label, "%s", form_question_name(fs->f, fs->q));
	free(text);
	y += tui_wrap(y, 0, label, cols, maxlabel, A_BOLD, true);
	text = form_session_hint(fs->sess, fs->q);
	if (text[0] != '\0')
		y += tui_wrap(y, 0, text, cols, rows >= 20 ? 3 : 2, tui_attr(app, TUI_DIM), true);
	free(text);
	if (rows >= 18)
		y++;
	fs->choice_y = y;
	if (is_editor(t)) {
		tui_put(y, 0, "> ", 2, A_BOLD);
		tui_edit_draw(&fs->ed, app, y, 2, cols - 2, tui_attr(app, TUI_SELECTED));
		y++;
		if (y < bottom)
			tui_put(y++, 2, type_hint(fs, t), cols - 2, tui_attr(app, TUI_DIM));
	} else if (t == FORM_SELECT_ONE || t == FORM_SELECT_MULTIPLE) {
		size_t nc;
		int vis = bottom - y;
		const char *ans = form_session_get(fs->sess, fs->q);

		refresh_shown(fs);
		nc = fs->nshown;
		if (vis < 1)
			vis = 1;
		if (fs->top + (size_t)vis > nc)
			fs->top = nc > (size_t)vis ? nc - (size_t)vis : 0;
		if (fs->cursor < fs->top)
			fs->top = fs->cursor;
		if (fs->cursor >= fs->top + (size_t)vis)
			fs->top = fs->cursor - (size_t)vis + 1;
		for (size_t i = fs->top; i < nc && y < bottom; i++, y++) {
			size_t c = fs->shown[i];
			bool on = t == FORM_SELECT_ONE ?
			    strcmp(ans, form_choice_name(fs->f, fs->q, c)) == 0 :
			    multi_has(ans, form_choice_name(fs->f, fs->q, c));
			char mark[16], num[4] = "  ";
			attr_t at = i == fs->cursor ? tui_attr(app, TUI_SELECTED) : A_NORMAL;
			int sev = meaning_choice_severity(fs->f, fs->q, c) + 1;

			if (i < 9)
				snprintf(num, sizeof num, "%zu", i + 1);
			snprintf(mark, sizeof mark, "%-2s%s ", num, t == FORM_SELECT_ONE ?
			    (on ? "(•)" : "( )") : (on ? "[x]" : "[ ]"));
			tui_put_pad(y, 0, mark, 6, at | A_BOLD);
			tui_put_pad(y, 6, form_choice_label(fs->f, fs->q, c, lang), cols - 6,
			    at != A_NORMAL ? at : sev == 3 ? tui_attr(app, TUI_SEV_SEVERE) :
			    sev == 2 ? tui_attr(app, TUI_SEV_MODERATE) : A_NORMAL);
		}
	} else if (t == FORM_ACKNOWLEDGE) {
		bool on = form_session_get(fs->sess, fs->q)[0] != '\0';

		tui_put_pad(y++, 0, on ? "1 [x] OK" : "1 [ ] OK", cols, tui_attr(app, TUI_SELECTED));
	} else if (t == FORM_NOTE) {
		tui_put(y++, 0, tui_msg(app, fs->f, TUI_MSG_ENTER_CONTINUE), cols,
		    tui_attr(app, TUI_DIM));
	}
	if (fs->msg != NULL)
		tui_wrap(bottom, 0, fs->msg, cols, 1, tui_attr(app, fs->msg_error ? TUI_ERROR :
		    TUI_WARN), true);
	else if (fs->last_hazard >= 0 && (long)fs->q > fs->last_hazard)
		/* Past the hazards the rest is optional: finishing is one key away. */
		tui_put(bottom, 0, tui_msg(app, fs->f, TUI_MSG_F4_SAVE_NOW), cols, A_BOLD);
}

static void
form_close(struct tui_screen *s)
{
	struct fs *fs = s->priv;

	if (fs == NULL)
		return;
	/* The camera command is this form's: it goes with it. */
	tui_capture_free(s->app->capture);
	s->app->capture = NULL;
	form_session_free(fs->sess);
	store_record_free(fs->rec);
	free(fs->msg);
	free(fs->counted);
	free(fs->shown);
	free(fs);
	s->priv = NULL;
}

/* A terminating signal: keep even the answer being typed, if the form accepts it. */
static void
form_save(struct tui_screen *s)
{
	struct fs *fs = s->priv;

	if (is_editor(form_question_type(fs->f, fs->q))) {
		char value[VALUE_LEN];

		tui_edit_text(&fs->ed, value, sizeof value);
		set_answer(fs, value, false);
	}
	tui_form_save_draft(fs);
}

static const enum tui_action form_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_SAVE, TUI_ACT_GPSFILL, TUI_ACT_CAPTURE,
	TUI_ACT_DISCARD, TUI_ACT_PICKPHOTO, TUI_ACT_QUIT, TUI_ACT_NONE
};

static const struct tui_screen_ops form_ops = {
	.name = "form", .draw = form_draw, .key = form_key, .close = form_close,
	.save = form_save, .bar = form_bar, .acts = form_acts, .update = form_update,
	.group = TUI_GROUP_FORM,   /* F6 is the camera here, on duty elsewhere */
};

/*
 * The questions the progress N/TOTAL counts: those shown to an empty form.
 * Follow-ups that answers bring in count as the question before them, so
 * the total stays put while the inspector answers.  Caller frees.
 */
static bool *
progress_questions(const struct form *f)
{
	size_t n = form_question_count(f);
	bool *counted = xcalloc(n + 1, sizeof *counted);
	struct form_session *empty = form_session_new(f, NULL);

	for (size_t q = 0; q < n; q++) {
		enum form_qtype t = form_question_type(f, q);

		counted[q] = t != FORM_CALCULATE && t != FORM_BEGIN_GROUP && t != FORM_END_GROUP &&
		    form_session_relevant(empty, q);
	}
	form_session_free(empty);
	return counted;
}

int
tui_form_open(struct tui_app *app, const struct form *f, const char *draft_uuid)
{
	return form_open(app, f, draft_uuid, NULL);
}

int
tui_form_open_task(struct tui_app *app, const struct form *f, const struct store_task *task)
{
	return form_open(app, f, NULL, task);
}

/* A draft resumed (draft_uuid), a task's record (task), or a new one. */
static int
form_open(struct tui_app *app, const struct form *f, const char *draft_uuid, const struct store_task *task)
{
	struct fs *fs = xcalloc(1, sizeof *fs);
	char *cause = NULL;
	long first, stop;

	fs->app = app;
	fs->f = f;
	fs->counted = progress_questions(f);
	fs->last_hazard = -1;
	for (size_t q = 0; q < form_question_count(f); q++)
		if (meaning_none_found(f, q) != NULL)
			fs->last_hazard = (long)q;
	fs->sess = form_session_new(f, tui_lang(app));
	fc_strlcpy(fs->applied_lang, app->lang, sizeof fs->applied_lang);
	if (draft_uuid != NULL) {
		if (store_get(app->st, draft_uuid, &fs->rec, &cause) != 0) {
			tui_flash(app, true, "%s: %s", tui_msg(app, f, TUI_MSG_DRAFT), cause);
			free(cause);
			goto fail;
		}
		if (fs->rec->status != STORE_DRAFT) {
			tui_flash(app, true, "%s", tui_msg(app, f, TUI_MSG_RECORD_NO_LONGER_DRAFT));
			goto fail;
		}
		fs->stored = true;
		if (store_record_answer(fs->rec, STORE_TASK_ANSWER) != NULL)
			fc_strlcpy(fs->task, store_record_answer(fs->rec, STORE_TASK_ANSWER), sizeof fs->task);
		if (store_record_answer(fs->rec, STORE_VERIFIES_ANSWER) != NULL)
			fc_strlcpy(fs->verifies, store_record_answer(fs->rec, STORE_VERIFIES_ANSWER),
			    sizeof fs->verifies);
		/* Replayed in form order, so relevance unfolds as it did when typed. */
		for (size_t i = 0; i < fs->rec->answer_count; i++) {
			long q = form_question_index(f, fs->rec->answers[i].name);
			char *m = NULL;

			if (q >= 0 && form_question_type(f, (size_t)q) == FORM_CALCULATE) {
				/* computed again, except metadata: a draft keeps its start */
				form_session_restore_meta(fs->sess, fs->rec->answers[i].name,
				    fs->rec->answers[i].value);
				continue;
			}
			if (q < 0)
				continue;
			if (form_session_set(fs->sess, fs->rec->answers[i].name,
			    fs->rec->answers[i].value, &m) != 0)
				free(m);
		}
	} else {
		fs->rec = store_record_new();
		fc_strlcpy(fs->rec->form_id, form_id(f), sizeof fs->rec->form_id);
		fc_strlcpy(fs->rec->form_version, form_version(f), sizeof fs->rec->form_version);
		fc_strlcpy(fs->rec->form_hash, form_hash(f), sizeof fs->rec->form_hash);
		fc_strlcpy(fs->rec->inspector, app->inspector, sizeof fs->rec->inspector);
		fc_strlcpy(fs->rec->device, app->opt.device != NULL ? app->opt.device : "unknown",
		    sizeof fs->rec->device);
	}
	form_session_set_identity(fs->sess, fs->rec->device, fs->rec->inspector);
	if (task != NULL) {
		/* The task's asset answers the checklist's asset question. */
		fc_strlcpy(fs->task, task->uuid, sizeof fs->task);
		fc_strlcpy(fs->verifies, task->follows, sizeof fs->verifies);
		for (size_t q = 0; q < form_question_count(f); q++) {
			char *m = NULL;

			if (form_question_role(f, q) == FORM_ROLE_ASSET &&
			    form_session_set(fs->sess, form_question_name(f, q), task->asset, &m) != 0)
				free(m);
		}
	}
	{
		/* ${last-saved#x}: this device's last saved record of the form */
		struct store_record *last = NULL;

		if (store_last_saved(app->st, form_id(f), fs->rec->device, &last, &cause) != 0) {
			/* an unreadable last record only leaves ${last-saved#x} empty */
			free(cause);
			cause = NULL;
		}
		for (size_t i = 0; last != NULL && i < last->answer_count; i++)
			form_session_set_last_saved(fs->sess, last->answers[i].name,
			    last->answers[i].value);
		store_record_free(last);
	}
	/* Start at the first relevant question still unanswered. */
	/* Where the inspector left off: after the last answered question (the first, new). */
	first = next_visible(fs, 0);
	for (long q = first; q >= 0; q = next_visible(fs, (size_t)q + 1))
		if (form_question_type(f, (size_t)q) != FORM_NOTE &&
		    form_session_get(fs->sess, (size_t)q)[0] != '\0') {
			long after = next_visible(fs, (size_t)q + 1);

			first = after >= 0 ? after : q;
		}
	/* A new record whose form opens with a repeat starts at its entries. */
	stop = draft_uuid == NULL ? next_stop(fs, 0) : -1;
	if (stop >= 0 && form_question_is_repeat(f, (size_t)stop) && (first < 0 || stop < first))
		first = stop;
	if (first < 0) {
		tui_flash(app, true, "%s", tui_msg(app, f, TUI_MSG_CHECKLIST_HAS_NO_QUESTION));
		goto fail;
	}
	tui_form_enter_question(fs, (size_t)first);
	if (tui_push(app, &form_ops, fs) != 0)
		return -1;  /* push closed it */
	if (form_question_is_repeat(f, (size_t)first))
		open_repeat(fs, (size_t)first);
	return 0;
fail:
	form_session_free(fs->sess);
	store_record_free(fs->rec);
	free(fs->counted);
	free(fs);
	return -1;
}
