/*
 * forms — the XLSForm engine: reads checklists written as XLSForm saved as
 * CSV (the layout pyxform reads), and answers the questions a screen asks:
 * which questions are relevant now, is this answer acceptable, what do the
 * calculations give.
 *
 * A loaded form is immutable and may be shared.  A session holds one set of
 * answers to one form.  The engine knows nothing of curses or SQL: the TUI,
 * `fieldcheck record add` and the depot all drive it through this header.
 *
 * Errors carry file:line:column.  Strings returned by accessors are owned by
 * the form or session and live as long as it does.
 */
#ifndef FIELDCHECK_FORMS_H
#define FIELDCHECK_FORMS_H

#include <stdbool.h>
#include <stddef.h>

struct form;
struct form_session;
struct form_library;

enum form_qtype {
	FORM_TEXT,
	FORM_INTEGER,
	FORM_DECIMAL,
	FORM_SELECT_ONE,
	FORM_SELECT_MULTIPLE,
	FORM_NOTE,
	FORM_DATE,
	FORM_TIME,
	FORM_DATETIME,
	FORM_GEOPOINT,      /* answer: "lat lon alt acc", ODK's form */
	FORM_ACKNOWLEDGE,   /* answer: "OK" or empty */
	FORM_CALCULATE,     /* computed, never shown */
	FORM_PHOTO,         /* answer: a file path */
	FORM_BEGIN_GROUP,   /* shown as a section heading */
	FORM_END_GROUP,
};

/*
 * Receives every problem found while loading.  line and col are 1-based;
 * col is 0 when only the line is known.
 */
typedef void form_diag_fn(void *ctx, const char *file, unsigned line, unsigned col,
    const char *message);

/*
 * Loads one XLSForm CSV file.  Returns the form (caller frees with
 * form_free) or NULL after reporting every problem through diag (which may be
 * NULL).
 */
struct form *form_load(const char *path, form_diag_fn *diag, void *ctx);
/* As form_load, from memory; name is used in messages. */
struct form *form_load_buffer(const char *name, const char *data, size_t len,
    form_diag_fn *diag, void *ctx);
void form_free(struct form *f);

const char *form_id(const struct form *f);
const char *form_version(const struct form *f);
/* SHA-256 (hex) of the definition's bytes: names the exact form a record answered. */
const char *form_hash(const struct form *f);
/* Title in a language (NULL: default language). */
const char *form_title(const struct form *f, const char *lang);
const char *form_path(const struct form *f);

/*
 * Languages: the names found in label::NAME columns, e.g. "中文 (zh)" and
 * "English (en)".  A language is chosen by its full name or by the code in
 * its parentheses ("zh").  The default is settings' default_language, else
 * the first.
 */
size_t form_language_count(const struct form *f);
const char *form_language(const struct form *f, size_t i);
const char *form_default_language(const struct form *f);

/*
 * Accuracy threshold in metres for an automatic position (settings column
 * `accuracy_threshold`, like ODK's geopoint capture-accuracy); NAN if unset.
 */
double form_accuracy_threshold(const struct form *f);

/* Questions in file order, groups included as FORM_BEGIN_GROUP/END_GROUP rows. */
size_t form_question_count(const struct form *f);
enum form_qtype form_question_type(const struct form *f, size_t q);
const char *form_question_name(const struct form *f, size_t q);
/* Label and hint in lang (NULL: default), falling back to any language; "" if none. */
const char *form_question_label(const struct form *f, size_t q, const char *lang);
const char *form_question_hint(const struct form *f, size_t q, const char *lang);
const char *form_question_appearance(const struct form *f, size_t q);
/* Nesting depth of groups around question q (0 at top level). */
unsigned form_question_depth(const struct form *f, size_t q);
/* Index of a question by name, or -1. */
long form_question_index(const struct form *f, const char *name);

/* Choices of a select question. */
size_t form_choice_count(const struct form *f, size_t q);
const char *form_choice_name(const struct form *f, size_t q, size_t c);
const char *form_choice_label(const struct form *f, size_t q, size_t c, const char *lang);

/* ---- Sessions: answering a form. ---- */

/* Caller frees.  lang: NULL for the form's default. */
struct form_session *form_session_new(const struct form *f, const char *lang);
void form_session_free(struct form_session *s);
const struct form *form_session_form(const struct form_session *s);
void form_session_set_language(struct form_session *s, const char *lang);
const char *form_session_language(const struct form_session *s);

/*
 * Sets the answer to question name ("" or NULL clears it), then recomputes
 * calculations and relevance; an answer to a question that stops being
 * relevant is cleared, as in ODK.  Checks the value's type (integer,
 * decimal, date, choice names...) and the question's constraint.
 *
 * Returns 0 when accepted.  Returns -1 when refused, and the answer is not
 * changed: *message (caller frees) is the form's constraint_message in the
 * session's language, or a type error naming the question.
 */
int form_session_set(struct form_session *s, const char *name, const char *value,
    char **message);
/* The current answer, or "" when unanswered. */
const char *form_session_get(const struct form_session *s, size_t q);
bool form_session_relevant(const struct form_session *s, size_t q);
bool form_session_required(const struct form_session *s, size_t q);

/*
 * Checks question q as it stands (required and constraint).  0 when fine,
 * else -1 and *message (caller frees) in the session's language.
 */
int form_session_check(const struct form_session *s, size_t q, char **message);
/* Checks every relevant question; on the first failure *bad_q and *message. */
int form_session_check_all(const struct form_session *s, size_t *bad_q, char **message);

/*
 * The answers to keep: relevant, answered, non-note, non-group questions,
 * calculations included, in form order.  Calls fn(ctx, name, value) for each.
 */
typedef void form_answer_fn(void *ctx, const char *name, const char *value);
void form_session_answers(const struct form_session *s, form_answer_fn *fn, void *ctx);

/* ---- The library: every form in a directory, all versions. ---- */

/*
 * Loads every *.csv in dir.  A file that fails to load is reported through
 * diag and skipped; the others load.  Two files with the same form_id and
 * version but different content are an error.  Caller frees.
 */
struct form_library *form_library_load(const char *dir, form_diag_fn *diag, void *ctx);
void form_library_free(struct form_library *lib);
/* Forms in a stable order (by id, newest version last). */
size_t form_library_count(const struct form_library *lib);
const struct form *form_library_get(const struct form_library *lib, size_t i);
/* The newest version of id, or the exact version when version is not NULL. */
const struct form *form_library_find(const struct form_library *lib, const char *id,
    const char *version);
/* The form with this definition hash, or NULL. */
const struct form *form_library_find_hash(const struct form_library *lib, const char *hash);

/*
 * The forms directory: dir when given, else found from the program's own
 * path (the source tree's forms/checklists beside build/, or
 * PREFIX/share/fieldcheck/checklists beside PREFIX/bin), else the installed
 * share directory, else ./forms/checklists.  Caller frees.
 */
char *form_default_dir(const char *dir);

#endif
