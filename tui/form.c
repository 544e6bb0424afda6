/*
 * The form screen (one question at a time, see docs/tui.md for why), the
 * review-before-save screen, and the read-only record view.
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
#include <time.h>

#include "meaning/meaning.h"
#include "photo/photo.h"
#include "tui/tui_internal.h"
#include "util/util.h"

#define ANSWER_MAX 400      /* characters a text answer may have on screen */
#define VALUE_LEN (TUI_EDIT_MAX * 4)

struct fs {
	struct tui_app *app;
	const struct form *f;
	struct form_session *sess;
	struct store_record *rec;        /* owned: the draft being answered */
	char applied_lang[TUI_LANG_LEN];
	size_t q;
	struct tui_edit ed;
	size_t cursor, top;
	int choice_y;                    /* screen row of the first shown choice */
	char *msg;                       /* owned */
	bool msg_error;
	bool confirm_discard;
	bool stored;                     /* a draft row exists in the store */
	bool *counted;                   /* owned: the questions progress counts (see progress()) */
	long last_hazard;                /* the last hazard question, -1: none */
};

static bool
is_editor(enum form_qtype t)
{
	return t == FORM_TEXT || t == FORM_INTEGER || t == FORM_DECIMAL || t == FORM_DATE ||
	    t == FORM_TIME || t == FORM_DATETIME || t == FORM_GEOPOINT || t == FORM_PHOTO;
}

static bool
visible(const struct fs *fs, size_t q)
{
	enum form_qtype t = form_question_type(fs->f, q);

	return t != FORM_CALCULATE && t != FORM_BEGIN_GROUP && t != FORM_END_GROUP &&
	    form_session_relevant(fs->sess, q);
}

/* Takes ownership of msg. */
static void
set_msg(struct fs *fs, char *msg, bool error)
{
	free(fs->msg);
	fs->msg = msg;
	fs->msg_error = error;
}

static void
apply_lang(struct fs *fs)
{
	const char *l = tui_lang(fs->app);

	if (strcmp(fs->applied_lang, l != NULL ? l : "") != 0) {
		form_session_set_language(fs->sess, l);
		fc_strlcpy(fs->applied_lang, l != NULL ? l : "", sizeof fs->applied_lang);
	}
}

static long
choice_index(const struct form *f, size_t q, const char *name)
{
	for (size_t c = 0; c < form_choice_count(f, q); c++)
		if (strcmp(form_choice_name(f, q, c), name) == 0)
			return (long)c;
	return -1;
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

static void
enter_question(struct fs *fs, size_t q)
{
	const char *ans;
	long c;

	fs->q = q;
	form_session_show(fs->sess, q);  /* a dynamic default takes its value now */
	ans = form_session_get(fs->sess, q);
	tui_edit_init(&fs->ed, ans, ANSWER_MAX);
	fs->cursor = fs->top = 0;
	if (form_question_type(fs->f, q) == FORM_SELECT_ONE &&
	    (c = choice_index(fs->f, q, ans)) >= 0)
		fs->cursor = (size_t)c;
	set_msg(fs, NULL, false);
	fs->confirm_discard = false;
}

static void
answer_cb(void *ctx, const char *name, const char *value)
{
	store_record_set_answer(ctx, name, value);
}

/* The record's answers become exactly the session's keepable answers. */
static void
sync_record(struct fs *fs)
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
}

static void
save_draft(struct fs *fs)
{
	char *cause = NULL;

	sync_record(fs);
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
		tui_flash(fs->app, true, "%s: %s", tui_tr(fs->app, fs->f, "Draft not saved", "草稿未保存"), cause);
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
		set_msg(fs, m != NULL ? m : xstrdup("refused"), error_style);
		return -1;
	}
	set_msg(fs, NULL, false);
	return 0;
}

static long
next_visible(const struct fs *fs, size_t from)
{
	for (size_t q = from; q < form_question_count(fs->f); q++)
		if (visible(fs, q))
			return (long)q;
	return -1;
}

static long
prev_visible(const struct fs *fs, size_t before)
{
	for (size_t q = before; q > 0; q--)
		if (visible(fs, q - 1))
			return (long)(q - 1);
	return -1;
}

static const struct tui_screen_ops review_ops;
static const char *none_found_choice(const struct form *f, size_t q);

static void
leave(struct fs *fs)
{
	save_draft(fs);
	tui_pop(fs->app);
}

static void
go_review(struct fs *fs)
{
	size_t bad;
	char *m = NULL;

	if (form_session_check_all(fs->sess, &bad, &m) != 0) {
		enter_question(fs, bad);
		set_msg(fs, m, true);
		return;
	}
	save_draft(fs);
	tui_push(fs->app, &review_ops, fs);
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

		set_msg(fs, xasprintf("%s: %s", tui_tr(fs->app, fs->f, "Photo not imported",
		    "照片未导入"), why), true);
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
	long next;

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
		set_msg(fs, m, true);
		return;
	}
	save_draft(fs);
	next = next_visible(fs, fs->q + 1);
	if (next < 0)
		go_review(fs);
	else
		enter_question(fs, (size_t)next);
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

static void
pick(struct fs *fs, size_t c)
{
	enum form_qtype t = form_question_type(fs->f, fs->q);

	if (c >= form_choice_count(fs->f, fs->q))
		return;
	fs->cursor = c;
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
		tui_flash(fs->app, true, "%s", tui_tr(fs->app, fs->f, "no current GPS fix",
		    "当前没有 GPS 定位"));
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
		save_draft(fs);
		set_msg(fs, xstrdup(tui_tr(fs->app, fs->f, "Photo kept.", "照片已保存。")), false);
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
		set_msg(fs, xstrdup(tui_tr(app, fs->f, "Already taking a photo.", "正在拍照。")), false);
		return;
	}
	if (tui_capture_start(photo_command(app), timeout, &app->capture, &cause) != 0) {
		set_msg(fs, cause, true);
		return;
	}
	app->capture_state = TUI_CAPTURE_RUNNING;
	set_msg(fs, xstrdup(tui_tr(app, fs->f, "Taking a photo…", "正在拍照…")), false);
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
				save_draft(fs);
				set_msg(fs, xstrdup(tui_tr(app, fs->f, "Photo taken and kept.",
				    "已拍照并保存。")), false);
			}
		}
		break;
	case TUI_CAPTURE_FAILED:
		set_msg(fs, xasprintf(tui_tr(app, fs->f, "The camera command failed (exit %s)",
		    "拍照命令失败（退出码 %s）"), m), true);
		break;
	case TUI_CAPTURE_NOTHING:
		set_msg(fs, xstrdup(tui_tr(app, fs->f, "The camera command wrote no photo.",
		    "拍照命令没有写出照片。")), true);
		break;
	default:
		set_msg(fs, xasprintf(tui_tr(app, fs->f, "The camera command did not finish in %s s: "
		    "stopped.", "拍照命令 %s 秒内未完成，已停止。"), m), true);
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
	size_t nc = form_choice_count(fs->f, fs->q);
	long p;

	apply_lang(fs);
	if (a == TUI_ACT_DISCARD) {
		if (!fs->confirm_discard) {
			fs->confirm_discard = true;
			set_msg(fs, xstrdup(tui_tr(app, fs->f,
			    "Discard this draft? F8 again discards, any other key keeps it.",
			    "删除此草稿？再按 F8 删除，按其他键保留。")), true);
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
		tui_flash(app, false, "%s", tui_tr(app, fs->f, "Draft discarded", "草稿已删除"));
		fs->stored = false;
		tui_pop(app);
		return true;
	}
	if (fs->confirm_discard) {
		fs->confirm_discard = false;
		set_msg(fs, NULL, false);
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
		p = prev_visible(fs, fs->q);
		if (p < 0)
			leave(fs);
		else
			enter_question(fs, (size_t)p);
		break;
	case TUI_ACT_QUIT:
		leave(fs);
		break;
	case TUI_ACT_SAVE:
		go_review(fs);
		break;
	case TUI_ACT_LANG:
		tui_next_lang(app, fs->f);
		apply_lang(fs);
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
	case FORM_INTEGER: return tui_tr(fs->app, fs->f, "whole number", "整数");
	case FORM_DECIMAL: return tui_tr(fs->app, fs->f, "number", "数字");
	case FORM_DATE: return "YYYY-MM-DD";
	case FORM_TIME: return "HH:MM";
	case FORM_DATETIME: return "YYYY-MM-DDTHH:MM";
	case FORM_GEOPOINT: return tui_tr(fs->app, fs->f, "lat lon alt acc  (F5: use GPS)",
	    "纬度 经度 高度 精度（F5 用 GPS）");
	case FORM_PHOTO:
		return form_question_is_image(fs->f, fs->q) ?
		    tui_tr(fs->app, fs->f, "path of the photo file: it is imported and kept with the record",
		    "照片文件路径：导入后随记录保存") :
		    tui_tr(fs->app, fs->f, "path of the file", "文件路径");
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

	apply_lang(fs);
	/* Relevance may have hidden the current question (an earlier answer changed). */
	if (!visible(fs, fs->q)) {
		long n = next_visible(fs, fs->q);

		if (n < 0)
			n = prev_visible(fs, fs->q);
		if (n >= 0)
			enter_question(fs, (size_t)n);
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
		size_t nc = form_choice_count(fs->f, fs->q);
		int vis = bottom - y;
		const char *ans = form_session_get(fs->sess, fs->q);

		if (vis < 1)
			vis = 1;
		if (fs->top + (size_t)vis > nc)
			fs->top = nc > (size_t)vis ? nc - (size_t)vis : 0;
		if (fs->cursor < fs->top)
			fs->top = fs->cursor;
		if (fs->cursor >= fs->top + (size_t)vis)
			fs->top = fs->cursor - (size_t)vis + 1;
		for (size_t c = fs->top; c < nc && y < bottom; c++, y++) {
			bool on = t == FORM_SELECT_ONE ?
			    strcmp(ans, form_choice_name(fs->f, fs->q, c)) == 0 :
			    multi_has(ans, form_choice_name(fs->f, fs->q, c));
			char mark[16], num[4] = "  ";
			attr_t at = c == fs->cursor ? tui_attr(app, TUI_SELECTED) : A_NORMAL;
			int sev = meaning_choice_severity(fs->f, fs->q, c) + 1;

			if (c < 9)
				snprintf(num, sizeof num, "%zu", c + 1);
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
		tui_put(y++, 0, tui_tr(app, fs->f, "Enter: continue", "Enter 继续"), cols,
		    tui_attr(app, TUI_DIM));
	}
	if (fs->msg != NULL)
		tui_wrap(bottom, 0, fs->msg, cols, 1, tui_attr(app, fs->msg_error ? TUI_ERROR :
		    TUI_WARN), true);
	else if (fs->last_hazard >= 0 && (long)fs->q > fs->last_hazard)
		/* Past the hazards the rest is optional: finishing is one key away. */
		tui_put(bottom, 0, tui_tr(app, fs->f, "F4: save now",
		    "F4 现在保存"), cols, A_BOLD);
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
	save_draft(fs);
}

static const enum tui_action form_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_SAVE, TUI_ACT_GPSFILL, TUI_ACT_CAPTURE,
	TUI_ACT_DISCARD, TUI_ACT_PICKPHOTO, TUI_ACT_QUIT, TUI_ACT_NONE
};

static const struct tui_screen_ops form_ops = {
	.name = "form", .draw = form_draw, .key = form_key, .close = form_close,
	.save = form_save, .bar = form_bar, .acts = form_acts, .update = form_update,
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
	struct fs *fs = xcalloc(1, sizeof *fs);
	char *cause = NULL;
	long first;

	fs->app = app;
	fs->f = f;
	fs->counted = progress_questions(f);
	fs->last_hazard = -1;
	for (size_t q = 0; q < form_question_count(f); q++)
		if (none_found_choice(f, q) != NULL)
			fs->last_hazard = (long)q;
	fs->sess = form_session_new(f, tui_lang(app));
	fc_strlcpy(fs->applied_lang, app->lang, sizeof fs->applied_lang);
	if (draft_uuid != NULL) {
		if (store_get(app->st, draft_uuid, &fs->rec, &cause) != 0) {
			tui_flash(app, true, "%s: %s", tui_tr(app, f, "Draft", "草稿"), cause);
			free(cause);
			goto fail;
		}
		if (fs->rec->status != STORE_DRAFT) {
			tui_flash(app, true, "%s", tui_tr(app, f, "That record is no longer a draft.", "该记录已不是草稿。"));
			goto fail;
		}
		fs->stored = true;
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
	if (first < 0) {
		tui_flash(app, true, "%s", tui_tr(app, f, "This checklist has no question to answer.", "此检查表没有可回答的问题。"));
		goto fail;
	}
	enter_question(fs, (size_t)first);
	if (tui_push(app, &form_ops, fs) != 0)
		return -1;  /* push closed it */
	return 0;
fail:
	form_session_free(fs->sess);
	store_record_free(fs->rec);
	free(fs->counted);
	free(fs);
	return -1;
}

/* ---- Summaries shared by review and the record view. ---- */

enum tui_role
tui_severity_role(int severity)
{
	static const enum tui_role roles[MEANING_SEVERITY_COUNT] = { TUI_SEV_MINOR,
	    TUI_SEV_MODERATE, TUI_SEV_SEVERE };

	return severity >= 0 && severity < MEANING_SEVERITY_COUNT ? roles[severity] : TUI_NORMAL;
}

void
tui_position_text(const struct store_position *pos, char *buf, size_t size)
{
	char acc[32] = "", sats[32] = "", mode[16] = "";

	if (pos->source == STORE_POS_NONE) {
		snprintf(buf, size, "none (%s)", pos->reason);
		return;
	}
	if (!isnan(pos->accuracy_m))
		snprintf(acc, sizeof acc, " ±%.0f m", pos->accuracy_m);
	if (pos->satellites >= 0)
		snprintf(sats, sizeof sats, " %d sats", pos->satellites);
	if (pos->fix_mode >= 2)
		snprintf(mode, sizeof mode, " %dD", pos->fix_mode);
	if (pos->source == STORE_POS_MANUAL)
		snprintf(buf, size, "%.6f %.6f%s manual (%s)", pos->lat, pos->lon, acc, pos->reason);
	else
		snprintf(buf, size, "%.6f %.6f%s%s%s", pos->lat, pos->lon, acc, mode, sats);
}

size_t
tui_answered_count(const struct form *f, const struct store_record *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->answer_count; i++) {
		long q = f != NULL ? form_question_index(f, rec->answers[i].name) : -1;

		if (q < 0 || form_question_type(f, (size_t)q) != FORM_CALCULATE)
			n++;
	}
	return n;
}

#define SUMMARY_LINES_MAX 40   /* a long note wraps; past this it ends in "…" */

/*
 * Draws text wrapped in width columns as the summary's lines from `line`
 * (of which the window shows first .. first + rows - 1, from screen row
 * top), indented by indent.  Returns the lines it takes, shown or not.
 */
static int
summary_block(int top, int rows, int first, int line, int indent, const char *text, int width,
    int maxlines, attr_t attr)
{
	int n = tui_wrap(0, 0, text, width, maxlines, attr, false), skip, y;

	if (line + n <= first || line >= first + rows)
		return n;
	skip = line < first ? first - line : 0;
	y = top + line + skip - first;
	tui_wrap_from(y, indent, text, width, skip, top + rows - y, attr, true);
	return n;
}

int
tui_summary_draw(struct tui_app *app, const struct form *f, const struct store_record *rec,
    int top, int rows, int cols, int first)
{
	const char *lang = tui_lang(app);
	bool two = cols < 60;
	int line = 0;

	for (size_t i = 0; i < rec->answer_count; i++) {
		const char *name = rec->answers[i].name, *value = rec->answers[i].value;
		long q = f != NULL ? form_question_index(f, name) : -1;
		const char *label = q >= 0 ? form_question_label(f, (size_t)q, lang) : name;
		enum form_qtype t = q >= 0 ? form_question_type(f, (size_t)q) : FORM_TEXT;
		int sev = q >= 0 ? meaning_answer_severity(f, (size_t)q, value) + 1 : 0;
		static const char *const tags[] = { "", "! ", "!! ", "!!! " };
		char val[1024], text[1536], *shown;
		attr_t at = tui_attr(app, tui_severity_role(sev - 1));

		if (t == FORM_CALCULATE)
			continue;
		if (label[0] == '\0')
			label = name;
		shown = meaning_answer_text(q >= 0 ? f : NULL, (size_t)q, value, lang);
		fc_strlcpy(val, shown, sizeof val);
		free(shown);
		if (two) {
			snprintf(text, sizeof text, "%s%s", tags[sev], label);
			line += summary_block(top, rows, first, line, 0, text, cols, 1, sev ? at : A_NORMAL);
			line += summary_block(top, rows, first, line, 2, val, cols - 2, SUMMARY_LINES_MAX,
			    sev ? at : A_NORMAL);
		} else {
			snprintf(text, sizeof text, "%s%s: %s", tags[sev], label, val);
			line += summary_block(top, rows, first, line, 0, text, cols, SUMMARY_LINES_MAX,
			    sev ? at : A_NORMAL);
		}
	}
	return line;
}

/* ---- Review before save. ---- */

enum review_mode {
	RV_MAIN,
	RV_WAIT,           /* waiting for a usable fix: saves when it comes */
	RV_MANUAL_POS,     /* typing the position (the coarse fix suggested) */
	RV_REASON,         /* why no GPS position: a digit picks a ready reason */
	RV_REASON_TEXT,    /* ... or the inspector types one */
};

/* The ready reasons for saving without a GPS position, stored in English. */
static const char *const pos_reasons[][2] = {
	{ "indoors", "室内" },
	{ "under a bridge or cover", "桥下或遮挡" },
	{ "GPS receiver fault", "GPS 接收器故障" },
};
#define POS_REASONS (sizeof pos_reasons / sizeof pos_reasons[0])

struct review {
	struct fs *fs;             /* the form screen below; not owned */
	struct tui_list list;      /* a pager over the answers */
	enum review_mode mode;
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
		snprintf(why, size, "%s", tui_tr(app, f, "GPS is off", "GPS 已关闭"));
		return false;
	}
	if (!gpsclient_stamp(app->gc, gpsclient_stale_after_s(app->gc), &fix, &age)) {
		switch (gpsclient_state(app->gc)) {
		case GPS_NO_GPSD: snprintf(why, size, "no gpsd (%s)", gpsclient_error(app->gc)); break;
		case GPS_STALE: snprintf(why, size, "%s", tui_tr(app, f, "fix is stale", "定位已过时")); break;
		default: snprintf(why, size, "%s", tui_tr(app, f, "no fix", "无定位")); break;
		}
		return false;
	}
	position_from_fix(&fix, age, pos);
	if (!isnan(thr) && (isnan(pos->accuracy_m) || pos->accuracy_m > thr)) {
		if (isnan(pos->accuracy_m))
			snprintf(why, size, "accuracy unknown, form needs ±%.0f m", thr);
		else
			snprintf(why, size, "±%.0f m, form needs ±%.0f m", pos->accuracy_m, thr);
		return false;
	}
	why[0] = '\0';
	return true;
}

static void
do_save(struct tui_screen *s, const struct store_position *pos)
{
	struct review *rv = s->priv;
	struct fs *fs = rv->fs;
	struct tui_app *app = s->app;
	char *cause = NULL, *m = NULL;
	size_t bad;

	if (form_session_check_all(fs->sess, &bad, &m) != 0) {
		tui_pop(app);
		enter_question(fs, bad);
		set_msg(fs, m, true);
		return;
	}
	sync_record(fs);
	fs->rec->pos = *pos;
	if (store_finalize(app->st, fs->rec, &cause) != 0) {
		tui_flash(app, true, "%s: %s", tui_tr(app, fs->f, "Not saved", "未保存"), cause);
		free(cause);
		return;
	}
	fs->stored = false;  /* it is final now: nothing left to keep as a draft */
	tui_refresh_counts(app);
	tui_flash(app, false, "%s: %s", tui_tr(app, fs->f, "Saved", "已保存"),
	    form_title(fs->f, tui_lang(app)));
	tui_pop_to_home(app);
}

static int
review_open(struct tui_screen *s)
{
	struct review *rv = xcalloc(1, sizeof *rv);

	rv->fs = s->priv;
	rv->list.pager = true;
	s->priv = rv;
	s->list = &rv->list;
	return 0;
}

static void
review_close(struct tui_screen *s)
{
	free(s->priv);
	s->priv = NULL;
}

/*
 * A hazard question's "nothing found" choice: "none" in a hazard question
 * of its own, or "no" in a yes/no question that has a NAME_severity
 * follow-up; NULL when q is no hazard question.
 */
static const char *
none_found_choice(const struct form *f, size_t q)
{
	char sev[STORE_ID_LEN + 16];

	if (form_question_type(f, q) != FORM_SELECT_ONE)
		return NULL;
	if (choice_index(f, q, "none") >= 0)
		return "none";
	snprintf(sev, sizeof sev, "%s_severity", form_question_name(f, q));
	return choice_index(f, q, "no") >= 0 && form_question_index(f, sev) >= 0 ? "no" : NULL;
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
		const char *none = none_found_choice(fs->f, q);
		char *m = NULL;

		if (none == NULL || !visible(fs, q) || form_session_get(fs->sess, q)[0] != '\0')
			continue;
		if (form_session_set(fs->sess, form_question_name(fs->f, q), none, &m) == 0)
			n++;
		free(m);
	}
	if (n > 0)
		save_draft(fs);
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
start_manual(struct review *rv, struct tui_app *app)
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
	rv->mode = RV_MANUAL_POS;
	tui_edit_init(&rv->ed, text, 60);
	rv->ed.replace = text[0] != '\0';
}

/* Saves with the reason: a ready one (1..POS_REASONS) or typed text. */
static void
save_with_reason(struct tui_screen *s, const char *reason)
{
	struct review *rv = s->priv;
	struct store_position pos = rv->manual;

	fc_strlcpy(pos.reason, reason, sizeof pos.reason);
	do_save(s, &pos);
}

static void
review_draw(struct tui_screen *s, int top, int rows, int cols)
{
	struct review *rv = s->priv;
	struct fs *fs = rv->fs;
	struct tui_app *app = s->app;
	struct store_position pos;
	char why[160], text[320], head[256];
	bool good = usable_fix(app, fs->f, &pos, why, sizeof why);
	int posrows = 4, body = rows - 1 - posrows - 1, total;

	snprintf(head, sizeof head, "%s: %s", tui_tr(app, fs->f, "Save", "保存"),
	    form_title(fs->f, tui_lang(app)));
	tui_put_pad(top, 0, head, cols, tui_attr(app, TUI_TITLE));
	if (body < 1)
		body = 1;
	total = tui_summary_draw(app, fs->f, fs->rec, top + 1, 0, cols, 0);
	tui_list_fit(&rv->list, (size_t)total, (size_t)body);
	tui_summary_draw(app, fs->f, fs->rec, top + 1, body, cols, (int)rv->list.top);
	{
		int y = top + 1 + body;

		if (good) {
			tui_position_text(&pos, text, sizeof text);
			tui_put_pad(y, 0, text, cols, tui_attr(app, TUI_GOOD));
		} else {
			snprintf(text, sizeof text, "%s: %s", tui_tr(app, fs->f,
			    "No usable position", "没有可用的位置"), why);
			tui_put_pad(y, 0, text, cols, tui_attr(app, TUI_WARN));
		}
		y++;
		switch (rv->mode) {
		case RV_MAIN:
			tui_wrap(y, 0, good ? tui_tr(app, fs->f,
			    "Enter: save   0: the rest none found, save   2: type position   3: save without",
			    "Enter 保存  0 其余未发现并保存  2 手动输入位置  3 无位置保存") : gps_on(app) ? tui_tr(app, fs->f,
			    "1: wait for a fix   2: type position   3: save without position",
			    "1 等待定位  2 手动输入位置  3 无位置保存") : tui_tr(app, fs->f,
			    "2: type position   3: save without position",
			    "2 手动输入位置  3 无位置保存"), cols, 3, A_BOLD, true);
			break;
		case RV_WAIT:
			tui_wrap(y, 0, tui_tr(app, fs->f,
			    "Waiting for a fix: saves by itself when it comes (Esc: stop waiting)",
			    "正在等待定位：定位到达后自动保存（Esc 停止等待）"), cols, 3, A_BOLD, true);
			break;
		case RV_MANUAL_POS:
			tui_put(y++, 0, tui_tr(app, fs->f, "Position (lat,lon[,acc m]):",
			    "位置（纬度,经度[,精度]）："), cols, A_BOLD);
			tui_edit_draw(&rv->ed, app, y, 0, cols, tui_attr(app, TUI_SELECTED));
			break;
		case RV_REASON: {
			char menu[512];
			size_t o = 0;
			bool zh = tui_zh(app, fs->f);

			for (size_t i = 0; i < POS_REASONS && o < sizeof menu; i++)
				o += (size_t)snprintf(menu + o, sizeof menu - o, "%zu %s  ", i + 1,
				    pos_reasons[i][zh]);
			if (o < sizeof menu)
				snprintf(menu + o, sizeof menu - o, "%zu %s", POS_REASONS + 1,
				    zh ? "其他（输入）" : "other (type)");
			tui_put(y++, 0, rv->manual.source == STORE_POS_NONE ?
			    tui_tr(app, fs->f, "Why no position?", "为什么没有位置？") :
			    tui_tr(app, fs->f, "Why typed by hand?", "为什么手动输入？"), cols, A_BOLD);
			tui_wrap(y, 0, menu, cols, 2, A_BOLD, true);
			break;
		}
		case RV_REASON_TEXT:
			tui_put(y++, 0, tui_tr(app, fs->f, "Reason (Enter saves):", "原因（Enter 保存）："),
			    cols, A_BOLD);
			tui_edit_draw(&rv->ed, app, y, 0, cols, tui_attr(app, TUI_SELECTED));
			break;
		}
	}
}

static bool
review_key(struct tui_screen *s, enum tui_action a, int key)
{
	struct review *rv = s->priv;
	struct fs *fs = rv->fs;
	struct tui_app *app = s->app;
	struct store_position pos;
	char why[160], text[STORE_REASON_LEN * 4];

	if (rv->mode == RV_WAIT) {
		if (a == TUI_ACT_BACK || a == TUI_ACT_ERASE || a == TUI_ACT_QUIT) {
			rv->mode = RV_MAIN;
			return true;
		}
		return a != TUI_ACT_HELP && a != TUI_ACT_LANG;
	}
	if (rv->mode == RV_REASON) {
		size_t d = (size_t)tui_key_digit(key);

		if (a == TUI_ACT_BACK || a == TUI_ACT_ERASE) {
			rv->mode = RV_MAIN;
		} else if (d >= 1 && d <= POS_REASONS) {
			save_with_reason(s, pos_reasons[d - 1][0]);
		} else if (d == POS_REASONS + 1) {
			rv->mode = RV_REASON_TEXT;
			/* Characters, not bytes: a CJK character takes up to four. */
			tui_edit_init(&rv->ed, "", (STORE_REASON_LEN - 1) / 4);
		} else {
			return a != TUI_ACT_HELP && a != TUI_ACT_LANG;
		}
		return true;
	}
	if (rv->mode != RV_MAIN) {
		if (a == TUI_ACT_BACK) {
			rv->mode = RV_MAIN;
			return true;
		}
		if (a != TUI_ACT_ENTER) {
			tui_edit_key(&rv->ed, key);
			return true;
		}
		tui_edit_text(&rv->ed, text, sizeof text);
		if (rv->mode == RV_MANUAL_POS) {
			if (meaning_parse_position(text, &rv->manual) != 0) {
				tui_flash(app, true, "%s", tui_tr(app, fs->f,
				    "type latitude,longitude e.g. 31.2304,121.4737",
				    "请输入 纬度,经度，例如 31.2304,121.4737"));
				return true;
			}
			rv->mode = RV_REASON;
			return true;
		}
		if (text[0] == '\0') {
			tui_flash(app, true, "%s", tui_tr(app, fs->f, "Type a reason, or Esc to pick one",
			    "请输入原因，或按 Esc 选择"));
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
			tui_flash(app, true, "%s: %s", why, gps_on(app) ? tui_tr(app, fs->f,
			    "1 wait, 2 type, 3 save without", "1 等待 2 手动 3 无位置") : tui_tr(app, fs->f,
			    "2 type, 3 save without", "2 手动 3 无位置"));
		break;
	case TUI_ACT_NONEFOUND: {
		size_t n = rest_none_found(fs);

		if (usable_fix(app, fs->f, &pos, why, sizeof why)) {
			do_save(s, &pos);
		} else {
			tui_flash(app, false, "%s %zu. %s", tui_tr(app, fs->f, "None found:", "未发现："), n,
			    gps_on(app) ? tui_tr(app, fs->f, "1 wait, 2 type, 3 save without",
			    "1 等待 2 手动 3 无位置") : tui_tr(app, fs->f, "2 type, 3 save without",
			    "2 手动 3 无位置"));
		}
		break;
	}
	case TUI_ACT_PICK:
		switch (tui_key_digit(key)) {
		case 1:
			if (gps_on(app))
				rv->mode = RV_WAIT;
			break;
		case 2:
			start_manual(rv, app);
			break;
		case 3:
			store_position_clear(&rv->manual);
			rv->manual.source = STORE_POS_NONE;
			rv->mode = RV_REASON;
			break;
		default:
			break;
		}
		break;
	case TUI_ACT_LANG:
		tui_next_lang(app, fs->f);
		apply_lang(fs);
		break;
	case TUI_ACT_QUIT:
		tui_pop(app);   /* back to the form, not home */
		break;
	default:
		return false;
	}
	return true;
}

static const enum tui_action review_bar[] = {
	TUI_ACT_HELP, TUI_ACT_LANG, TUI_ACT_SAVE, TUI_ACT_QUIT, TUI_ACT_NONE
};
/* Waiting: the first usable fix saves, stamped at that moment. */
static void
review_update(struct tui_screen *s)
{
	struct review *rv = s->priv;
	struct store_position pos;
	char why[160];

	if (rv->mode == RV_WAIT && usable_fix(s->app, rv->fs->f, &pos, why, sizeof why))
		do_save(s, &pos);
}

static const struct tui_screen_ops review_ops = {
	.name = "review", .open = review_open, .draw = review_draw, .key = review_key,
	.close = review_close, .bar = review_bar, .update = review_update,
};

/* ---- A stored record, read-only. ---- */

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
	tui_position_text(&v->rec->pos, pos, sizeof pos);
	snprintf(text, sizeof text, "%s %s", store_pos_source_name(v->rec->pos.source), pos);
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
