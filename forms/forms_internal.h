/*
 * forms_internal — what the files of forms/ share and nobody else sees:
 *
 *   csv.c      RFC 4180 reader that keeps each cell's line and column
 *   expr.c     the XPath subset: parsed once to a tree at load, evaluated often
 *   form.c     sheets, columns, aliases, types, groups, translations, hash
 *   session.c  answers, relevance, constraints, calculations
 *   library.c  every form of a directory, all versions
 *
 * The public interface is forms/forms.h; tests and the fuzzers use only it.
 */
#ifndef FIELDCHECK_FORMS_INTERNAL_H
#define FIELDCHECK_FORMS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "forms/forms.h"

/* Bounds on untrusted form files. */
#define FORM_MAX_FILE      (4u * 1024 * 1024)  /* a whole CSV file */
#define FORM_MAX_CELL      (64u * 1024)        /* one cell */
#define FORM_MAX_ROW_CELLS 256                 /* cells in one row */
#define FORM_MAX_NAME      64                  /* question / choice / list names */
#define FORM_MAX_DEPTH     32                  /* nested groups */
#define FORM_MAX_EXPR_DEPTH 64                 /* nesting inside one expression */
#define FORM_MAX_ANSWER    (64u * 1024)        /* one answer's bytes */
#define FORM_MAX_ENTRIES   1000                /* entries of one repeat */
#define FORM_MAX_KEY       (FORM_MAX_DEPTH * (FORM_MAX_NAME + 1) + 16)  /* "rep[12]/g/x" */

/* ---- csv.c ---- */

struct form_csv_cell {
	const char *text;   /* NUL-terminated, unquoted; owned by the form_csv */
	size_t len;
	unsigned line, col; /* 1-based position of the cell's first character */
	bool quoted;
};

struct form_csv_row {
	size_t first, count;  /* cells[first .. first+count) */
	unsigned line;
};

struct form_csv {
	char *arena;
	struct form_csv_cell *cells;
	size_t ncells;
	struct form_csv_row *rows;
	size_t nrows;
};

/*
 * Parses data (UTF-8, optional BOM).  Returns 0 and *out (caller frees with
 * form_csv_free), or -1 with the position in *line and *col and *cause
 * (caller frees) naming the
 * first problem: a file or cell over its bound, an unterminated quote,
 * text after a closing quote, invalid UTF-8, a NUL byte.
 */
int form_csv_parse(const char *data, size_t len, struct form_csv **out, unsigned *line,
    unsigned *col, char **cause);
void form_csv_free(struct form_csv *csv);

/* ---- expr.c ---- */

struct form_expr;

/* Resolves ${name} to a question index, or -1 when there is no such question. */
typedef long form_expr_resolve_fn(void *ctx, const char *name);

/*
 * In a choice_filter, a bare name is a column of the choices sheet: its
 * index in form_expr_env.choice_cols, or -1 when the sheet has no such column.
 */
typedef long form_expr_column_fn(void *ctx, const char *name, size_t len);

/*
 * pulldata('file', 'column', 'key column', key): the table file.csv beside
 * the form.  Returns its index in form.tables and the two columns' indices,
 * or -1 when the file or a column cannot be read.
 */
typedef long form_expr_table_fn(void *ctx, const char *file, const char *column,
    const char *key_column, long *col, long *key_col);

/*
 * Parses src, an expression of form (whose questions, repeats included, are
 * known).  column is NULL except for a choice_filter.  Returns the tree
 * (caller frees with form_expr_free) or NULL with *offset (the character
 * offset inside src) and *cause (caller frees).
 */
struct form_expr *form_expr_parse(const struct form *form, const char *src,
    form_expr_resolve_fn *resolve, form_expr_column_fn *column, form_expr_table_fn *table,
    void *ctx, size_t *offset, char **cause);
void form_expr_free(struct form_expr *e);

/* The answers an expression reads: answers[q] (NULL means ""), and `.`. */
struct form_expr_env {
	const char *const *answers;
	const char *const *last_saved;  /* ${last-saved#x}: NULL, or [nanswers] */
	const char *const *choice_cols; /* a choice_filter's choice: name, label, filters */
	size_t nchoice_cols;
	size_t nanswers;
	const char *dot;
	size_t self;        /* ${q} of this question reads dot (its constraint), or SIZE_MAX */
	char today[16];     /* filled on first use of today()/now() */
	char now[40];
	bool have_time;
	const char *error;  /* set when an evaluation could not finish (a regex() gave up) */
	/* Text that functions build (concat, substr...): reset by each evaluation. */
	char *arena;
	size_t arena_size, arena_used;
	const struct form *form;  /* jr:choice-name: the choices' labels ... */
	size_t lang;              /* ... in this language */
	/*
	 * Repeats: answers holds one entry's answers for the questions of
	 * repeat (-1: none), whose 1-based index is position.  Other entries,
	 * for count(), sum(), indexed-repeat() and a ${x} read from outside its
	 * repeat (the first entry, as in ODK), come from session (NULL: none).
	 */
	long repeat;
	size_t position;
	const struct form_session *session;
};

bool form_expr_eval_bool(const struct form_expr *e, struct form_expr_env *env);
/* The value as text, written into buf (NUL-terminated, truncated at size). */
void form_expr_eval_string(const struct form_expr *e, struct form_expr_env *env, char *buf,
    size_t size);

/* ---- form.c ---- */

/* Metadata questions: filled by the session, never asked (type FORM_CALCULATE). */
enum form_meta {
	META_NONE, META_START, META_END, META_TODAY, META_DEVICEID, META_USERNAME,
	META_START_GEOPOINT,
	META_EMPTY,      /* phonenumber, email, simserial, subscriberid, imei: none here */
	META_RANGE,      /* only while loading: the type was range */
	META_DIGITS,     /* only while loading: the type was phone number */
	META_TRACE, META_SHAPE,  /* only while loading: geotrace, geoshape */
	META_REPEAT,     /* only while loading: the group was begin_repeat */
	META_IMAGE,      /* only while loading: image or photo, not audio, video, file */
};

struct form_question {
	enum form_qtype type;
	enum form_meta meta;
	char *name;
	char *key;           /* the name, or group/path/name when the name is not unique */
	char **label;        /* [nlang + 1]: index nlang is the unnamed language */
	char **hint;
	char **constraint_msg;
	char **required_msg;
	char *appearance;    /* the appearance column, trimmed; NULL when empty */
	char *default_value;
	struct form_expr *default_expr;  /* a dynamic default, evaluated when first shown */
	char *relevant_src, *constraint_src, *calculation_src;
	struct form_expr *relevant, *constraint, *required, *calculation;
	struct form_expr *choice_filter;  /* bare names are columns of the choices sheet */
	char *choice_filter_src;
	char **params;       /* parameters column: key, value, key, value..., NULL */
	bool range;          /* type range: a number from range_start to range_end by step */
	bool image;          /* type image or photo: an attachment that is a picture */
	bool readonly;       /* bind:readonly: shown, never typed (a default or trigger sets it) */
	struct form_expr *readonly_expr;  /* ... or read-only while this is true */
	enum { GEO_NONE, GEO_TRACE, GEO_SHAPE } geo;  /* a text answer that is a line or shape */
	double range_start, range_end, range_step;
	long *triggers;      /* trigger column: questions whose change recalculates this one */
	size_t ntriggers;
	bool required_always;
	enum form_role role;
	char *code;          /* fieldcheck::code, trimmed; NULL when none */
	long list;           /* choice list index, or -1 */
	long parent;         /* enclosing begin_group, or -1 */
	bool is_repeat;      /* a begin_repeat row (type FORM_BEGIN_GROUP) */
	long repeat;         /* the begin_repeat around this row (its end_repeat too), or -1 */
	size_t end;          /* a group's or repeat's end row */
	struct form_expr *repeat_count;  /* a repeat's fixed or computed number of entries */
	char *repeat_count_src;
	char *rkey;          /* inside a repeat: the key within one entry ("x", "g/x") */
	unsigned depth;
	unsigned line;
};

struct form_choice {
	char *name;
	char **label;        /* [nlang + 1] */
	int severity;        /* fieldcheck::severity level, or FORM_SEVERITY_NONE */
	char *code;          /* fieldcheck::code, trimmed; NULL when none */
	char **filter;       /* [form.nfilter]: the choices sheet's other columns, or NULL */
	unsigned line, col;  /* of the name */
};

struct form_table {
	char *name;          /* as pulldata() names it, without .csv */
	struct form_csv *csv;  /* row 0 is the header */
};

struct form_list {
	char *name;
	struct form_choice *choices;
	size_t count;
	bool graded;         /* some choice gives a fieldcheck::severity */
};

struct form {
	char *path;
	char *id, *version, *title;
	char hash[65];
	char **langs;
	size_t nlang;
	size_t default_lang;   /* index, or nlang for the unnamed language */
	double accuracy_threshold;
	struct form_question *q;
	size_t nq;
	struct form_list *lists;
	size_t nlists;
	char **filter_cols;    /* names of the choices sheet's other columns (choice_filter) */
	size_t nfilter;
	struct form_table *tables;  /* pulldata()'s CSV files beside the form */
	size_t ntables;
};

/* The language index for a full name or code; the default when lang is NULL or unknown. */
size_t form_lang_index(const struct form *f, const char *lang);
/* A translated text in language li, falling back to the default, unnamed, then any. */
const char *form_text_in(const struct form *f, char *const *texts, size_t li);

/* ---- session.c ---- */

/* Entries of repeat rq, and question q's answer in entry e (NULL when none). */
size_t form_session_entries_of(const struct form_session *s, size_t rq);
const char *form_session_entry_answer(const struct form_session *s, size_t q, size_t e);

/*
 * Checks value against question qi's type.  Returns 0 and *norm (caller
 * frees: the value as stored, e.g. select_multiple with single spaces), or
 * -1 and *message (caller frees) naming the question.
 */
int form_check_type(const struct form *f, size_t qi, const char *value, char **norm,
    char **message);

#endif
