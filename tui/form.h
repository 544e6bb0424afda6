/*
 * The form screen's state, shared by the form screen (form.c) and the save
 * screen (save.c) that it opens on the answers; private to those two.
 */
#ifndef FIELDCHECK_TUI_FORM_H
#define FIELDCHECK_TUI_FORM_H

#include "tui/tui_internal.h"

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
	/*
	 * The choices of question q on screen: those its choice_filter offers
	 * now, in list order.  cursor and top index this list, digits number
	 * it; shown[i] is the form's choice index.
	 */
	size_t *shown, nshown, shown_cap;  /* owned */
	size_t cursor, top;
	int choice_y;                    /* screen row of the first shown choice */
	char *msg;                       /* owned */
	bool msg_error;
	bool confirm_discard;
	bool stored;                     /* a draft row exists in the store */
	bool *counted;                   /* owned: the questions progress counts (see progress()) */
	long last_hazard;                /* the last hazard question, -1: none */
	char task[FC_UUID_LEN];          /* the depot's task this record does, or "" */
	char verifies[FC_UUID_LEN];      /* the record that task follows up, or "" */
};

/* Whether question q is shown now (relevant, not a calculation or a group mark). */
bool tui_form_visible(const struct fs *fs, size_t q);
/* The message under the question; takes ownership of msg. */
void tui_form_set_msg(struct fs *fs, char *msg, bool error);
/* Follows the screen's language into the session (labels, messages). */
void tui_form_apply_lang(struct fs *fs);
/* The record's answers become exactly the session's keepable answers. */
void tui_form_sync_record(struct fs *fs);
/* Writes the draft (or drops it when nothing is answered). */
void tui_form_save_draft(struct fs *fs);
/* Shows question q. */
void tui_form_enter_question(struct fs *fs, size_t q);

/* The save screen, pushed with the form screen's struct fs as its priv. */
extern const struct tui_screen_ops tui_save_ops;

#endif
