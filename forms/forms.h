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
	FORM_PHOTO,         /* answer: a file path; an image's, its photos by SHA-256 (docs/photos.md) */
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
/* Whether q is an image (or photo) question: a FORM_PHOTO that is a picture, not audio, video or a file. */
bool form_question_is_image(const struct form *f, size_t q);
/* The appearance column as written ("" when none); the screen reads `quick`. */
const char *form_question_appearance(const struct form *f, size_t q);

/*
 * fieldcheck::role: what a question means to the record model beyond its
 * answer (meaning/meaning.h; docs/forms.md).  UNSET when the column is
 * absent or empty, so the model's fallbacks decide.
 */
enum form_role {
	FORM_ROLE_UNSET,
	FORM_ROLE_NONE,       /* nothing: not an asset, not a severity, whatever its choices */
	FORM_ROLE_ASSET,      /* its answer names the asset the record is about */
	FORM_ROLE_SEVERITY,   /* a select whose answer is one hazard's severity */
};
enum form_role form_question_role(const struct form *f, size_t q);
/* Nesting depth of groups around question q (0 at top level). */
unsigned form_question_depth(const struct form *f, size_t q);
/*
 * A question's key in a record: its name, or its group path ("g1/g2/name")
 * when questions in different groups share the name (pyxform allows it).
 */
const char *form_question_key(const struct form *f, size_t q);
/*
 * A value of the parameters column ("max-pixels" of an image, "start",
 * "end" and "step" of a range, "capture-accuracy" of a geopoint), or NULL.
 */
const char *form_question_parameter(const struct form *f, size_t q, const char *key);
/*
 * Index of a question by key, or -1.  A key inside a repeat's entry
 * ("cracks[2]/length") names the question ("length").
 */
long form_question_index(const struct form *f, const char *key);

/*
 * Repeats: a begin_repeat row is a FORM_BEGIN_GROUP whose questions are
 * answered once per entry (a crack of a bridge: its place, length,
 * severity).  In a record an entry's answer is keyed "REPEAT[N]/KEY", N
 * counting entries from 1 as XPath does and KEY the question's key within
 * the entry ("length", or "g/length" when a name is shared).  A repeat
 * inside a repeat is refused when the form loads.
 */
bool form_question_is_repeat(const struct form *f, size_t q);
/* The begin_repeat row around question q, or -1 (q outside every repeat). */
long form_question_repeat(const struct form *f, size_t q);
/* The end row of a group or repeat q (q itself for other questions). */
size_t form_question_end(const struct form *f, size_t q);
/* Does repeat rq's repeat_count fix its number of entries? */
bool form_repeat_counted(const struct form *f, size_t rq);
/*
 * The question a key names and, for "REPEAT[N]/KEY", the entry (N - 1) in
 * *entry, else SIZE_MAX.  -1 when the form has no such question.
 */
long form_question_locate(const struct form *f, const char *key, size_t *entry);
/*
 * Reads a key "REPEAT[N]/KEY" without a form (exports group a repeat's
 * answers by it): the repeat's length, the entry (N - 1) and KEY.  False
 * for any other key.
 */
bool form_key_split(const char *key, size_t *repeat_len, size_t *entry, const char **rest);
/* The record key of question q's answer in entry e (its plain key outside repeats). */
int form_entry_key(const struct form *f, size_t q, size_t e, char *buf, size_t size);

/* Choices of a select question. */
size_t form_choice_count(const struct form *f, size_t q);
const char *form_choice_name(const struct form *f, size_t q, size_t c);
/* The index of q's choice named name, or -1. */
long form_choice_index(const struct form *f, size_t q, const char *name);
const char *form_choice_label(const struct form *f, size_t q, size_t c, const char *lang);

/*
 * The severity scale of the choices' fieldcheck::severity column, mildest
 * first: level 0 "minor", 1 "moderate", 2 "severe".  The engine checks the
 * words; what they mean for a record is meaning/'s.
 */
#define FORM_SEVERITY_LEVELS 3
#define FORM_SEVERITY_NONE (-1)         /* "none", or an empty cell in a graded list */
#define FORM_SEVERITY_UNDECLARED (-2)   /* no choice of the list gives a severity */
/* The word of a level, or NULL. */
const char *form_severity_word(int level);
/* The level a word names, or FORM_SEVERITY_NONE. */
int form_severity_level(const char *word);
/* Choice c's fieldcheck::severity: a level, FORM_SEVERITY_NONE or FORM_SEVERITY_UNDECLARED. */
int form_choice_severity(const struct form *f, size_t q, size_t c);

/*
 * fieldcheck::code: the city-management platform's class of a hazard
 * (docs/forms.md, "Platform codes").  A term is KIND:MMNN, KIND being 部件
 * (a component) or 事件 (an event) and MMNN the major and minor class
 * ("部件:0101"); a survey cell may also name a select_one as ${name}, whose
 * answered choice's code is the hazard's.  The engine checks the syntax;
 * whether a city's table has the code is platform/'s to say.
 */
enum form_code_kind {
	FORM_CODE_COMPONENT,   /* 部件 */
	FORM_CODE_EVENT,       /* 事件 */
};
/* "部件" or "事件". */
const char *form_code_kind_word(enum form_code_kind k);
/* 0 and *out when the len bytes at word are a kind's word, else -1. */
int form_code_kind_parse(const char *word, size_t len, enum form_code_kind *out);
/* 0 when the len bytes at term are KIND:MMNN, with *kind and the four digits in code. */
int form_code_parse(const char *term, size_t len, enum form_code_kind *kind, char code[5]);
/* Question q's fieldcheck::code cell, trimmed: terms separated by spaces; "" if none. */
const char *form_question_code(const struct form *f, size_t q);
/* Choice c's fieldcheck::code (one term), or "". */
const char *form_choice_code(const struct form *f, size_t q, size_t c);

/*
 * The CSV reader the forms use (RFC 4180, UTF-8, bounded), for other tables
 * kept as CSV (platform/'s code tables): calls fn for each row with its
 * cells and each cell's column; a non-zero return stops the reading and is
 * returned.  A malformed file returns -1 with *line, *col and *cause
 * (caller frees).
 */
typedef int form_csv_row_fn(void *ctx, unsigned line, size_t ncells, const char *const *cells,
    const unsigned *cols);
int form_csv_rows(const char *data, size_t len, form_csv_row_fn *fn, void *ctx, unsigned *line,
    unsigned *col, char **cause);

/* ---- Sessions: answering a form. ---- */

/* Caller frees.  lang: NULL for the form's default. */
struct form_session *form_session_new(const struct form *f, const char *lang);
void form_session_free(struct form_session *s);
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
/*
 * What the metadata questions say: deviceid is the device's name, username
 * the inspector.  start, end (the last change) and today come from the clock.
 */
void form_session_set_identity(struct form_session *s, const char *device,
    const char *username);
/* A draft's metadata answer (start, start-geopoint...) as it was saved. */
void form_session_restore_meta(struct form_session *s, const char *key, const char *value);
/* A usable fix ("lat lon alt acc"): start-geopoint takes the first one offered. */
void form_session_offer_position(struct form_session *s, const char *geopoint);
/*
 * One answer of this device's last saved record of the same form, for
 * ${last-saved#x} (the caller reads the record from the store).
 */
void form_session_set_last_saved(struct form_session *s, const char *key, const char *value);
/*
 * Question q is being shown: the first time, an unanswered question with a
 * dynamic default (${x}*3, today(), ${last-saved#street}) takes its value.
 */
void form_session_show(struct form_session *s, size_t q);

/*
 * text with each ${name} replaced by the current answer, as ODK shows labels,
 * hints, notes and messages: a select shows its choice labels in the
 * session's language.  An unknown ${name} stays as written.  Caller frees.
 */
char *form_session_render(const struct form_session *s, const char *text);
/* Question q's label and hint in the session's language, rendered.  Caller frees. */
char *form_session_label(const struct form_session *s, size_t q);
char *form_session_hint(const struct form_session *s, size_t q);

/*
 * Is choice c of select q offered now?  A choice_filter (cascading selects:
 * ${state} = cf) leaves out choices whose columns do not match.  A choice
 * that is not offered is refused by form_session_set.
 */
bool form_session_choice_offered(const struct form_session *s, size_t q, size_t c);

/*
 * Entries of a repeat.  Questions inside repeat rq are read, answered and
 * checked in its current entry (form_session_get, _set, _relevant,
 * _check...).  A repeat with a repeat_count has as many entries as it says,
 * recomputed as answers change; the others have the entries added.
 * form_session_set with a key "REPEAT[N]/KEY" selects entry N, adding
 * entries up to N where they may be added.
 */
size_t form_session_entry_count(const struct form_session *s, size_t rq);
/* The current entry (0-based); meaningless when there is none. */
size_t form_session_entry(const struct form_session *s, size_t rq);
void form_session_select_entry(struct form_session *s, size_t rq, size_t e);
/* Adds an entry after the last and makes it current; -1 and *message when not allowed. */
int form_session_add_entry(struct form_session *s, size_t rq, char **message);
/* Deletes entry e (its answers with it); -1 and *message when not allowed. */
int form_session_delete_entry(struct form_session *s, size_t rq, size_t e, char **message);

/* The current answer, or "" when unanswered. */
const char *form_session_get(const struct form_session *s, size_t q);
bool form_session_relevant(const struct form_session *s, size_t q);
/* bind:readonly: the form sets this answer (a default, a trigger); typing is refused. */
bool form_session_readonly(const struct form_session *s, size_t q);
bool form_session_required(const struct form_session *s, size_t q);

/*
 * Checks question q as it stands (required and constraint).  0 when fine,
 * else -1 and *message (caller frees) in the session's language.
 */
int form_session_check(const struct form_session *s, size_t q, char **message);
/*
 * Checks every relevant question, in every entry; on the first failure
 * *bad_q and *message, which names the entry ("cracks[2]: ...").
 */
int form_session_check_all(const struct form_session *s, size_t *bad_q, char **message);

/*
 * The answers to keep: relevant, answered, non-note, non-group questions,
 * calculations included, in form order, a repeat's entry by entry.  Calls
 * fn(ctx, key, value) for each; inside a repeat the key is "REPEAT[N]/KEY".
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
/*
 * Adds f (taking it) beside the forms loaded, e.g. a checklist the depot's
 * feed installed in the store.  A form of the same id and version already
 * there wins (f is freed; reported when its hash differs); false then.
 */
bool form_library_add(struct form_library *lib, struct form *f, form_diag_fn *diag, void *ctx);
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
