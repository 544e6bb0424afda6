/*
 * tui internals: the application state, the screen stack, the key table and
 * the text helpers shared by the screens.  Not for use outside tui/.
 *
 * Screens are ops structs (tig's view_ops, htop's Panel): the app keeps a
 * stack of them, draws the top one after the status bar, and routes every
 * key to it.  A screen never blocks and never draws outside its draw op.
 */
#ifndef FIELDCHECK_TUI_INTERNAL_H
#define FIELDCHECK_TUI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

#include "forms/forms.h"
#include "gps/gpsclient.h"
#include "store/store.h"
#include "sync/sync.h"
#include "tui/messages.h"
#include "tui/tui.h"

/*
 * Keys arrive as one int: curses function keys as their KEY_* code, typed
 * characters (wide included) with TUI_CHAR set, so the two never collide.
 */
#define TUI_CHAR 0x1000000
#define TUI_CH(c) ((int)(c) | TUI_CHAR)
#define TUI_IS_CHAR(k) (((k) & TUI_CHAR) != 0)
#define TUI_CHAR_OF(k) ((wchar_t)((k) & ~TUI_CHAR))

/*
 * THE key table.  One line per action, grouped by the screens it acts on
 * (tig's REQ_GROUP): up to three keys, the F-key bar label and the help
 * text, each in English and Chinese, and the key names.  It produces the
 * action enum, the bindings tui_key_action() looks up, the F-key bar, the
 * help screen and the table in docs/tui.md (tests/tools/tui_keys prints it;
 * test_screen.sh checks that the document says the same).
 * Editing screens take printable characters before the table sees them, so
 * every action on the main path also has a non-printable key.
 */
#define TUI_KEY_GROUPS(G) \
	G(ALL,    "Everywhere",          "所有屏幕") \
	G(LIST,   "Lists and choices",   "列表和选项") \
	G(HOME,   "Home and my day",     "首页和我的今天") \
	G(FORM,   "Questions and save",  "问题和保存") \
	G(TEXT,   "Text answers",        "文本答案") \
	G(REVIEW, "Supervisor review",   "主管审核")

#define TUI_KEYS(X) \
	X(ALL,  HELP,    KEY_F(1), TUI_CH('?'), 0, "Help", "帮助", "F1 ?", \
	    "this help, made from the key table", "本帮助（由按键表生成）") \
	X(ALL,  LANG,    KEY_F(2), TUI_CH('L'), 0, "Lang", "语言", "F2 L", \
	    "switch labels 中文 / English", "切换标签 中文 / English") \
	X(ALL,  DUTY,    KEY_F(6), 0, 0, "Duty", "在岗", "F6", \
	    "on duty / off duty: the patrol track is recorded only on duty (in a form F6 is the camera)", \
	    "在岗/离岗：只在在岗时记录巡查轨迹（表单中 F6 为拍照）") \
	X(ALL,  MONO,    KEY_F(7), 0, 0, "Mono", "单色", "F7", \
	    "monochrome / colour", "单色 / 彩色") \
	X(ALL,  QUIT,    KEY_F(10), TUI_CH('q'), 0, "Quit", "退出", "F10 q", \
	    "leave: form -> home (draft kept), home -> exit", "离开：表单→首页（保留草稿），首页→退出") \
	X(ALL,  BACK,    TUI_CH(27), 0, 0, NULL, NULL, "Esc", \
	    "back: previous question or screen", "返回：上一题或上一屏") \
	X(ALL,  ENTER,   TUI_CH('\n'), TUI_CH('\r'), KEY_ENTER, NULL, NULL, "Enter", \
	    "choose / accept the answer and go on", "选择/确认答案并继续") \
	X(LIST, UP,      KEY_UP, 0, 0, NULL, NULL, "Up", "move up", "上移") \
	X(LIST, DOWN,    KEY_DOWN, 0, 0, NULL, NULL, "Down", "move down", "下移") \
	X(LIST, PGUP,    KEY_PPAGE, 0, 0, NULL, NULL, "PgUp", "page up", "上一页") \
	X(LIST, PGDN,    KEY_NPAGE, 0, 0, NULL, NULL, "PgDn", "page down", "下一页") \
	X(LIST, HOMEKEY, KEY_HOME, 0, 0, NULL, NULL, "Home", \
	    "first row; text: start of line", "第一行；文本：行首") \
	X(LIST, ENDKEY,  KEY_END, 0, 0, NULL, NULL, "End", \
	    "last row; text: end of line", "最后一行；文本：行尾") \
	X(LIST, PICK,    0, 0, 0, NULL, NULL, "1-9", \
	    "pick (or toggle) choice N; menus: item N", "选第 N 项（多选：切换）") \
	X(HOME, DAY,     KEY_F(3), TUI_CH('d'), 0, "MyDay", "今天", "F3 d", \
	    "my day: today's records", "我的今天：今天的记录") \
	X(HOME, EARLIER, TUI_CH('e'), 0, 0, NULL, NULL, "e", \
	    "tasks: read the record a verification follows", "任务：查看要核查的原记录") \
	X(FORM, SAVE,    KEY_F(4), 0, 0, "Save", "保存", "F4", \
	    "the save screen: every answer, the position, save", "保存屏：所有答案、位置、保存") \
	X(FORM, GPSFILL, KEY_F(5), 0, 0, "GPS", "定位", "F5", \
	    "position question: take the current fix", "位置题：填入当前定位") \
	X(FORM, CAPTURE, KEY_F(6), 0, 0, "Camera", "拍照", "F6", \
	    "photo question: take it with the camera command (photo_command)", \
	    "照片题：用拍照命令拍照（photo_command）") \
	X(FORM, DISCARD, KEY_F(8), 0, 0, "Discard", "删除", "F8", \
	    "discard this draft (asks first)", "删除此草稿（先确认）") \
	X(FORM, PICKPHOTO, KEY_F(9), 0, 0, "Folder", "相册", "F9", \
	    "photo question: pick one from the photo folder (photo_dir), newest first", \
	    "照片题：从照片文件夹（photo_dir）选取，最新的在前") \
	X(FORM, NONEFOUND, TUI_CH('0'), 0, 0, NULL, NULL, "0", \
	    "save screen: every hazard not answered is none found, then save", \
	    "保存屏：未回答的隐患记为未发现，然后保存") \
	X(FORM, TOGGLE,  TUI_CH(' '), 0, 0, NULL, NULL, "Space", \
	    "select_multiple: toggle the choice under the cursor", "多选题：切换光标处的选项") \
	X(TEXT, LEFT,    KEY_LEFT, 0, 0, NULL, NULL, "Left", "cursor left", "光标左移") \
	X(TEXT, RIGHT,   KEY_RIGHT, 0, 0, NULL, NULL, "Right", "cursor right", "光标右移") \
	X(TEXT, DELETE,  KEY_DC, 0, 0, NULL, NULL, "Del", \
	    "delete the character under the cursor", "删除光标处的字") \
	X(TEXT, ERASE,   KEY_BACKSPACE, TUI_CH(127), TUI_CH(8), NULL, NULL, "Bksp", \
	    "delete the character before the cursor (never leaves)", "删除光标前的字（不会离开）") \
	X(REVIEW, MARK,    TUI_CH(' '), 0, 0, NULL, NULL, "Space", \
	    "mark / unmark the record (decide on several at once)", "标记/取消标记（可一次审核多条）") \
	X(REVIEW, APPROVE, TUI_CH('a'), 0, 0, NULL, NULL, "a", \
	    "approve the marked records, or the current one", "批准已标记的记录或当前记录") \
	X(REVIEW, FOLLOW,  TUI_CH('f'), 0, 0, NULL, NULL, "f", \
	    "mark for follow-up, with a comment", "需跟进（填写备注）") \
	X(REVIEW, REJECT,  TUI_CH('r'), 0, 0, NULL, NULL, "r", "reject, with a comment", "拒绝（填写备注）") \
	X(REVIEW, SORT,    TUI_CH('s'), 0, 0, NULL, NULL, "s", \
	    "sort by time / inspector / form / severity / state", "排序：时间/巡查员/表单/严重程度/状态") \
	X(REVIEW, FINSP,   TUI_CH('i'), 0, 0, NULL, NULL, "i", "filter: next inspector", "筛选：下一位巡查员") \
	X(REVIEW, FFORM,   TUI_CH('o'), 0, 0, NULL, NULL, "o", \
	    "filter: next form (asset type)", "筛选：下一种表单（资产类型）") \
	X(REVIEW, FSEV,    TUI_CH('v'), 0, 0, NULL, NULL, "v", \
	    "filter: at least minor / moderate / severe", "筛选：至少 轻微/中等/严重") \
	X(REVIEW, FSTATE,  TUI_CH('t'), 0, 0, NULL, NULL, "t", "filter: next review state", "筛选：下一种审核状态") \
	X(REVIEW, CLEAR,   TUI_CH('c'), 0, 0, NULL, NULL, "c", "clear filters and search", "清除筛选和搜索") \
	X(REVIEW, SEARCH,  TUI_CH('/'), 0, 0, NULL, NULL, "/", \
	    "search inspector, form, asset and answers", "搜索巡查员、表单、资产和答案") \
	X(REVIEW, PREV,    TUI_CH('['), 0, 0, NULL, NULL, "[", "previous day", "前一天") \
	X(REVIEW, NEXT,    TUI_CH(']'), 0, 0, NULL, NULL, "]", "next day", "后一天") \
	X(REVIEW, MAP,     TUI_CH('m'), 0, 0, NULL, NULL, "m", "map of the day's positions", "当天位置地图") \
	X(REVIEW, ZONES,   TUI_CH('z'), 0, 0, NULL, NULL, "z", \
	    "patrol zones: visits done / required, overdue first", "巡查区域：完成/计划，未达优先") \
	X(REVIEW, PIN,     TUI_CH('P'), 0, 0, NULL, NULL, "P", "enter the supervisor PIN", "输入主管 PIN") \
	X(REVIEW, VERIFY,  TUI_CH('V'), 0, 0, NULL, NULL, "V", \
	    "send to verify: a task for an inspector (and device)", "派遣核查：给巡查员（及设备）一项任务") \
	X(REVIEW, PHOTO,   TUI_CH('p'), 0, 0, NULL, NULL, "p", \
	    "the record's photos, full screen (Up, Down: the others)", "记录的照片，全屏（上下键：其他照片）")

enum tui_key_group {
#define TUI_GROUP_ENUM(name, en, zh) TUI_GROUP_##name,
	TUI_KEY_GROUPS(TUI_GROUP_ENUM)
#undef TUI_GROUP_ENUM
	TUI_GROUP_COUNT
};

enum tui_action {
	TUI_ACT_NONE,
#define TUI_ACT_ENUM(group, name, k1, k2, k3, bar, barzh, keys, help, helpzh) TUI_ACT_##name,
	TUI_KEYS(TUI_ACT_ENUM)
#undef TUI_ACT_ENUM
	TUI_ACT_COUNT
};

/* The action bound to key outside the supervisor's review, or TUI_ACT_NONE. */
enum tui_action tui_key_action(int key);
/* The same on a screen of group g: g's own keys first (the review's), then the common ones. */
enum tui_action tui_key_action_in(int key, enum tui_key_group g);
/* The digit 1-9 a key carries, or 0. */
int tui_key_digit(int key);
/* Help rows: the group, key names and text of action a (1 .. TUI_ACT_COUNT-1). */
enum tui_key_group tui_key_group_of(enum tui_action a);
const char *tui_key_group_name(enum tui_key_group g, bool zh);
const char *tui_key_names(enum tui_action a);
const char *tui_key_help(enum tui_action a, bool zh);

/* The smallest terminal the screens are laid out for; below it only a notice is drawn. */
#define TUI_MIN_COLS 40
#define TUI_MIN_ROWS 15

/*
 * The key decoder (tui/input.c): characters from get_wch in, keys out.
 * Escape sequences are decoded here, not by terminfo (keypad mode is off),
 * and one this table does not map is dropped whole: see input.c.
 */
#define TUI_INPUT_SEQ_MAX 32      /* longer sequences are no key: swallowed */
#define TUI_INPUT_ESC_MS 50       /* a lone ESC is the Esc key after this */
#define TUI_INPUT_EVENTS_MAX 4
struct tui_input {
	wchar_t seq[TUI_INPUT_SEQ_MAX];
	size_t len;                   /* 0: not inside a sequence */
	bool meta;                    /* ESC ESC: an Alt-modified sequence may follow */
	bool overflow;
	int mouse_left;               /* X10 mouse: raw bytes still to come */
	int64_t since_ms;             /* when the last character of the sequence came */
};
/* A key (KEY_* or TUI_CH); for KEY_MOUSE, the 0-based row and column. */
struct tui_input_event {
	int key;
	int y, x;
};
void tui_input_init(struct tui_input *in);
/* Feeds one key from get_wch; returns the events (at most TUI_INPUT_EVENTS_MAX) it completes. */
size_t tui_input_feed(struct tui_input *in, int key, int64_t now_ms, struct tui_input_event *out);
/* Milliseconds until a pending sequence times out, -1 when none is pending. */
int tui_input_timeout(const struct tui_input *in, int64_t now_ms);
/* Ends a timed-out sequence: a lone ESC becomes the Esc key, anything else is dropped. */
size_t tui_input_expire(struct tui_input *in, int64_t now_ms, struct tui_input_event *out);

/* Colours/attributes by role; monochrome maps them to bold/reverse/underline. */
enum tui_role {
	TUI_NORMAL,
	TUI_BAR,        /* status bar */
	TUI_FKEY,       /* F-key label in the bottom bar */
	TUI_FNUM,       /* F-key number in the bottom bar */
	TUI_TITLE,      /* headings */
	TUI_SELECTED,   /* the cursor row */
	TUI_DIM,        /* hints */
	TUI_ERROR,      /* refusals */
	TUI_GOOD,       /* accepted, good fix */
	TUI_WARN,       /* stale fix, no fix */
	TUI_SEV_MINOR,
	TUI_SEV_MODERATE,
	TUI_SEV_SEVERE,
	TUI_ROLE_COUNT
};

struct tui_app;
struct tui_screen;

/*
 * A list the screen stack moves (htop's ScreenManager does it once for
 * every Panel): the screen owns it and says how many rows it has and shows
 * with tui_list_fit() in its draw; Up/Down/PgUp/PgDn/Home/End the screen
 * does not handle itself move it.  A pager (text without a cursor) scrolls.
 */
struct tui_list {
	size_t n;          /* rows */
	size_t cur;        /* the cursor row (a pager: the first row shown) */
	size_t top;        /* the first row shown */
	size_t vis;        /* rows shown, as the last draw found */
	bool pager;
};
/* Keeps cur and top inside n rows of which vis show (call it in every draw). */
void tui_list_fit(struct tui_list *l, size_t n, size_t vis);
/* Moves by a; false when a is not a movement. */
bool tui_list_move(struct tui_list *l, enum tui_action a);

struct tui_screen_ops {
	const char *name;
	/* Called once when pushed; -1 (with a flash message set) refuses. */
	int (*open)(struct tui_screen *s);
	/* Draws the body between the status bar and the F-key bar. */
	void (*draw)(struct tui_screen *s, int top, int rows, int cols);
	/*
	 * One action a (TUI_ACT_NONE for keys outside the table) from key (see
	 * TUI_CHAR; KEY_MOUSE comes with app->mouse_y/x set).  Returns false
	 * when the screen did not use it: the stack then does the default
	 * (moves s->list, help, language, back, quit).
	 */
	bool (*key)(struct tui_screen *s, enum tui_action a, int key);
	/* Frees priv.  Called when popped and at exit. */
	void (*close)(struct tui_screen *s);
	/* Optional: persist pending work now (a terminating signal arrived). */
	void (*save)(struct tui_screen *s);
	/* The actions shown in the bottom bar, ending with TUI_ACT_NONE. */
	const enum tui_action *bar;
	/* Optional: false when a bar action does nothing right now (F5 off a position question). */
	bool (*acts)(struct tui_screen *s, enum tui_action a);
	/* The screen's own key group, looked up before the common ones (the review's). */
	enum tui_key_group group;
	/* Optional: news arrived (a GPS fix); the top screen may act on it. */
	void (*update)(struct tui_screen *s);
};

struct tui_screen {
	const struct tui_screen_ops *ops;
	struct tui_app *app;
	void *priv;
	struct tui_list *list;        /* set by open when the screen has one; inside priv */
};

#define TUI_STACK_MAX 8
#define TUI_LANG_LEN 64
#define TUI_FLASH_LEN 256

/*
 * ---- The camera command (capture.c): `photo_command` run beside the
 * poll loop with a deadline; the photo is written to tui_capture_path. ----
 */
struct tui_capture;
enum tui_capture_state {
	TUI_CAPTURE_RUNNING,
	TUI_CAPTURE_DONE,        /* exited 0 and wrote something */
	TUI_CAPTURE_FAILED,      /* message: the exit status and its last line */
	TUI_CAPTURE_NOTHING,     /* exited 0 and wrote nothing */
	TUI_CAPTURE_TIMED_OUT,   /* killed; message: the seconds it had */
};
int tui_capture_start(const char *command, unsigned timeout_s, struct tui_capture **out,
    char **cause);
int tui_capture_fd(const struct tui_capture *c);
int tui_capture_timeout_ms(const struct tui_capture *c);
const char *tui_capture_path(const struct tui_capture *c);
enum tui_capture_state tui_capture_poll(struct tui_capture *c, char *message, size_t size);
/* Kills it if it still runs, and removes its file. */
void tui_capture_free(struct tui_capture *c);

struct tui_app {
	struct tui_options opt;
	struct store *st;
	struct form_library *lib;
	struct gpsclient *gc;
	char inspector[STORE_ID_LEN];
	char lang[TUI_LANG_LEN];      /* "" = each form's default */
	bool mono;
	bool has_colors;
	bool quit;
	bool dirty;
	unsigned data_version;        /* bumped when records change: screens reload */
	struct tui_screen stack[TUI_STACK_MAX];
	size_t depth;
	int64_t queue;                /* final + bundled: waiting for the depot */
	int64_t today;                /* my finalized records today */
	int64_t photos_pending;       /* photos saved records name, not yet at the depot */
	bool photos_stale;            /* photos_pending to count again after the next frame */
	struct tui_capture *capture;  /* the camera command under way (a form screen's), or NULL */
	enum tui_capture_state capture_state;  /* its end, until the form takes it */
	char capture_message[200];
	char last_sync[64];
	struct sync_proc *sync;       /* the worker process; NULL unless a depot `server` is configured */
	struct sync_status sync_status;
	bool have_sync_status;
	uint32_t feed_seq;            /* the worker's feed_seq last acted on */
	char flash[TUI_FLASH_LEN];
	bool flash_error;
	int64_t flash_until_ms;
	const struct tui_screen_ops *flash_ops;   /* the screen it was first shown on; NULL: not yet */
	size_t flash_depth;
	int mouse_y, mouse_x;
	struct tui_input input;        /* the key decoder's pending sequence */
	int cursor_y, cursor_x;       /* where a draw op wants the cursor; -1: hidden */
	int bar_x[12], bar_w[12];     /* bottom bar hit boxes, by F-key number */
	int rows, cols;
	bool on_duty;                 /* remembered in the store's settings (tui/duty.c) */
	struct track_recorder *track; /* the patrol track while on duty; NULL off duty */
	int64_t track_seen_ms;        /* the last fix handed to it (gps_fix.received_ms) */
	struct coverage_zones *zones; /* the configuration's `zones` (tui/due.c); NULL: none */
	struct coverage_calendar *calendar;
	struct coverage_day *due;     /* today's coverage from this handheld's own track and records */
	unsigned due_version;
	int64_t due_at_ms;
};

/*
 * The photo picker (photo_pick.c): the JPEG and PNG files of dir, newest
 * first; done(ctx, path) when one is chosen (after the picker is gone).
 */
typedef void tui_pick_fn(void *ctx, const char *path);
int tui_photo_pick_open(struct tui_app *app, const char *dir, tui_pick_fn *done, void *ctx);

/* Screen stack.  push returns -1 when the screen refused to open. */
int tui_push(struct tui_app *app, const struct tui_screen_ops *ops, void *priv);
void tui_pop(struct tui_app *app);
/* Pops down to the home screen (the bottom of the stack). */
void tui_pop_to_home(struct tui_app *app);

void tui_flash(struct tui_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Recounts today's records and the queue after the store changed. */
void tui_refresh_counts(struct tui_app *app);
/* The language to ask the forms for (NULL: the form's default). */
const char *tui_lang(const struct tui_app *app);
/* Switches to the next language of f (or of the first form). */
void tui_next_lang(struct tui_app *app, const struct form *f);
attr_t tui_attr(const struct tui_app *app, enum tui_role role);

/* ---- Text: measured in display columns, never bytes. ---- */

/*
 * Decodes one character of s (at most n bytes): its width in columns and the
 * number of bytes.  Malformed UTF-8 and non-printables become U+FFFD.
 */
size_t tui_text_next(const char *s, size_t n, wchar_t *wc, int *width);
int tui_text_width(const char *s);
/* Draws s at y,x in at most maxcols columns; returns the columns used. */
int tui_put(int y, int x, const char *s, int maxcols, attr_t attr);
/* As tui_put, then pads with spaces to exactly cols columns. */
void tui_put_pad(int y, int x, const char *s, int cols, attr_t attr);
/* Right-aligns s so that it ends at column x + cols. */
void tui_put_right(int y, int x, const char *s, int cols, attr_t attr);
/*
 * Word-wraps s into width columns from row y, at most maxlines lines (the
 * last one ends in "…" when cut).  Returns the lines drawn; with draw false
 * only counts them.
 */
int tui_wrap(int y, int x, const char *s, int width, int maxlines, attr_t attr, bool draw);
/* As tui_wrap, leaving out the first skip lines (a pager shows the rest); returns all lines. */
int tui_wrap_from(int y, int x, const char *s, int width, int skip, int maxlines, attr_t attr,
    bool draw);

/* ---- A one-line editor over wide characters. ---- */

#define TUI_EDIT_MAX 512
struct tui_edit {
	wchar_t buf[TUI_EDIT_MAX];
	size_t len, cur;
	size_t max;           /* characters accepted (<= TUI_EDIT_MAX - 1) */
	size_t scroll;        /* first character shown */
	bool replace;         /* a suggestion: the first character typed replaces it all */
};
void tui_edit_init(struct tui_edit *e, const char *utf8, size_t max);
/* Handles an editing key; true when the text or cursor changed. */
bool tui_edit_key(struct tui_edit *e, int key);
/* The text as UTF-8 into buf (bounded). */
void tui_edit_text(const struct tui_edit *e, char *buf, size_t size);
/* Draws the field in cols columns and puts the app's cursor at the caret. */
void tui_edit_draw(struct tui_edit *e, struct tui_app *app, int y, int x, int cols, attr_t attr);

/*
 * ---- On duty / off duty (tui/duty.c): the patrol track. ----
 * start reads the remembered state, poll feeds the latest fix and saves a
 * due batch, timeout_ms is when the batch is due, stop saves what is left.
 */
struct track_recorder;
void tui_duty_start(struct tui_app *app);
void tui_duty_toggle(struct tui_app *app);
void tui_duty_poll(struct tui_app *app);
int tui_duty_timeout_ms(const struct tui_app *app);
void tui_duty_stop(struct tui_app *app);

/*
 * ---- "Due here" (tui/due.c): zones short of today's plan, nearest first. ----
 * start loads the configured zones, rows says how many rows home should
 * leave for it (0: none), draw draws them from row y and returns the rows used.
 */
struct coverage_zones;
struct coverage_calendar;
struct coverage_day;
void tui_due_start(struct tui_app *app);
void tui_due_stop(struct tui_app *app);
int tui_due_rows(struct tui_app *app, int rows);
int tui_due_draw(struct tui_app *app, int y, int rows, int cols);

/* ---- Screens. ---- */

extern const struct tui_screen_ops tui_home_ops;      /* priv: NULL */
extern const struct tui_screen_ops tui_ask_ops;       /* the inspector prompt; priv: NULL */
extern const struct tui_screen_ops tui_help_ops;      /* priv: NULL */
extern const struct tui_screen_ops tui_day_ops;       /* priv: NULL */
extern const struct tui_screen_ops tui_tasks_ops;     /* priv: NULL */

/* Opens a form: new (draft_uuid NULL) or resuming a stored draft. */
int tui_form_open(struct tui_app *app, const struct form *f, const char *draft_uuid);
/* A new record for a task of the depot's: its asset filled in, the record naming the task (tui/form.c). */
int tui_form_open_task(struct tui_app *app, const struct form *f, const struct store_task *task);
/* Tasks on this handheld: not yet done, and all but cancelled ones (tui/tasks.c). */
int tui_tasks_count(struct tui_app *app, size_t *open, size_t *all);
/*
 * A repeat's entries over the form screen (tui/repeat.c): "add another?",
 * and the entries to open again or delete.  It pops itself, then calls the
 * form screen back: enter answers the current entry of repeat rq (a new
 * one after an add), done goes on after the repeat, changed keeps the
 * draft after an entry was added or deleted.
 */
struct tui_repeat_host {
	void *ctx;
	void (*enter)(void *ctx, size_t rq);
	void (*done)(void *ctx, size_t rq);
	void (*changed)(void *ctx);
};
int tui_repeat_open(struct tui_app *app, const struct form *f, struct form_session *sess,
    size_t rq, const struct tui_repeat_host *host);
/* Shows a stored record read-only.  Takes ownership of rec. */
int tui_record_open(struct tui_app *app, struct store_record *rec);

/*
 * The summary of a record's answers against its form: one line per answer,
 * "label: value" with choice labels, and the severity of hazard answers.
 * Draws from line `first` in rows rows; returns the total number of lines.
 */
int tui_summary_draw(struct tui_app *app, const struct form *f, const struct store_record *rec,
    int top, int rows, int cols, int first);
/* The colour role of a severity (meaning_answer_severity); TUI_NORMAL for no hazard. */
enum tui_role tui_severity_role(int severity);
/* The position line of a record or fix: "46.49829 7.56741 ±4 m 3D 9 sats". */
void tui_position_text(const struct tui_app *app, const struct form *f, const struct store_position *pos,
    char *buf, size_t size);
/*
 * The unit-grid cell of a position (docs/platform.md), in the screen's
 * language: "单元网格 310101001001001", or that the position is outside every
 * cell (returns true then, for a warning's colour).  "" without a grid
 * (`grid` in the configuration) or without a position.
 */
bool tui_cell_text(const struct tui_app *app, const struct form *f,
    const struct store_position *pos, char *buf, size_t size);
/* The answers an inspector gave (calculated fields do not count). */
size_t tui_answered_count(const struct form *f, const struct store_record *rec);

#endif
