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

#include <regex.h>
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
 * Parses src.  Returns the tree (caller frees with form_expr_free) or NULL
 * with *offset (the character offset inside src) and *cause (caller frees).
 */
struct form_expr *form_expr_parse(const char *src, form_expr_resolve_fn *resolve, void *ctx,
    size_t *offset, char **cause);
void form_expr_free(struct form_expr *e);

/* The answers an expression reads: answers[q] (NULL means ""), and `.`. */
struct form_expr_env {
	const char *const *answers;
	size_t nanswers;
	const char *dot;
	char today[16];     /* filled on first use of today()/now() */
	char now[40];
	bool have_time;
};

bool form_expr_eval_bool(const struct form_expr *e, struct form_expr_env *env);
/* The value as text, written into buf (NUL-terminated, truncated at size). */
void form_expr_eval_string(const struct form_expr *e, struct form_expr_env *env, char *buf,
    size_t size);

/* ---- form.c ---- */

struct form_question {
	enum form_qtype type;
	char *name;
	char **label;        /* [nlang + 1]: index nlang is the unnamed language */
	char **hint;
	char **constraint_msg;
	char **required_msg;
	char *default_value;
	char *relevant_src, *constraint_src, *calculation_src;
	struct form_expr *relevant, *constraint, *required, *calculation;
	bool required_always;
	enum form_role role;
	char *code;          /* fieldcheck::code, trimmed; NULL when none */
	long list;           /* choice list index, or -1 */
	long parent;         /* enclosing begin_group, or -1 */
	unsigned depth;
	unsigned line;
};

struct form_choice {
	char *name;
	char **label;        /* [nlang + 1] */
	int severity;        /* fieldcheck::severity level, or FORM_SEVERITY_NONE */
	char *code;          /* fieldcheck::code, trimmed; NULL when none */
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
};

/* The language index for a full name or code; the default when lang is NULL or unknown. */
size_t form_lang_index(const struct form *f, const char *lang);
/* A translated text in language li, falling back to the default, unnamed, then any. */
const char *form_text_in(const struct form *f, char *const *texts, size_t li);

/* ---- session.c ---- */

/*
 * Checks value against question qi's type.  Returns 0 and *norm (caller
 * frees: the value as stored, e.g. select_multiple with single spaces), or
 * -1 and *message (caller frees) naming the question.
 */
int form_check_type(const struct form *f, size_t qi, const char *value, char **norm,
    char **message);

#endif
