/*
 * expr — the subset of XPath that ODK forms use in relevant, constraint,
 * required and calculation.
 *
 * An expression is parsed once, when its form loads, into a tree whose
 * question references are already indices; evaluating it then allocates
 * nothing, which is what lets a session re-evaluate a whole form on every
 * keystroke.  Strings in values are borrowed (answers, literals, the
 * env's time buffers); numbers that must become text are formatted into a
 * caller's stack buffer.
 *
 * ODK's rules, as JavaRosa applies them:
 *   - an unanswered question is the empty string;
 *   - = and != compare as booleans when either side is a boolean, as numbers
 *     when both sides look like numbers, else as strings;
 *   - < <= > >= compare as numbers when both sides look like numbers, else as
 *     strings (so ISO dates and times order correctly), and are false when
 *     either side is empty;
 *   - arithmetic on something that is not a number gives NaN, which is false
 *     and prints as "".
 * regex() is Java's in ODK (\d, \w, \s, ranges over any Unicode letter,
 * bounds like {1,510}), so it is PCRE2 here, in UTF mode, matching anywhere
 * unless anchored, as Java's find() does.  A match limit and a depth limit
 * stop a pattern built to backtrack forever: the evaluation then reports
 * that it gave up instead of hanging the screen.
 */
#include "forms/forms_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/util.h"

enum node_kind {
	N_NUM, N_STR, N_REF, N_LAST_SAVED, N_COLUMN, N_DOT, N_NEG,
	N_OR, N_AND, N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
	N_CALL,
};

enum func {
	F_NOT, F_SELECTED, F_COUNT_SELECTED, F_IF, F_STRING_LENGTH, F_REGEX, F_TODAY, F_NOW,
	F_COALESCE, F_TRUE, F_FALSE, F_NUMBER, F_INT, F_BOOLEAN,
	F_ONCE, F_ROUND, F_SELECTED_AT, F_CHOICE_NAME, F_CONCAT, F_SUBSTR, F_STRING,
	F_BOOLEAN_FROM_STRING, F_FORMAT_DATE, F_DATE, F_DECIMAL_DATE_TIME, F_DISTANCE, F_AREA,
	F_CONTAINS, F_STARTS_WITH, F_ENDS_WITH, F_FLOOR, F_CEILING, F_ABS, F_POW, F_PULLDATA,
	F_POSITION, F_COUNT, F_SUM, F_INDEXED_REPEAT,
};

#define MAX_ARGS 32

static const struct {
	const char *name;
	enum func f;
	unsigned min, max;
} funcs[] = {
	{ "not", F_NOT, 1, 1 },
	{ "selected", F_SELECTED, 2, 2 },
	{ "count-selected", F_COUNT_SELECTED, 1, 1 },
	{ "if", F_IF, 3, 3 },
	{ "string-length", F_STRING_LENGTH, 1, 1 },
	{ "regex", F_REGEX, 2, 2 },
	{ "today", F_TODAY, 0, 0 },
	{ "now", F_NOW, 0, 0 },
	{ "coalesce", F_COALESCE, 2, 2 },
	{ "true", F_TRUE, 0, 0 },
	{ "false", F_FALSE, 0, 0 },
	{ "number", F_NUMBER, 1, 1 },
	{ "int", F_INT, 1, 1 },
	{ "boolean", F_BOOLEAN, 1, 1 },
	{ "once", F_ONCE, 1, 1 },
	{ "round", F_ROUND, 1, 2 },
	{ "selected-at", F_SELECTED_AT, 2, 2 },
	{ "jr:choice-name", F_CHOICE_NAME, 2, 2 },
	{ "concat", F_CONCAT, 1, MAX_ARGS },
	{ "substr", F_SUBSTR, 2, 3 },
	{ "string", F_STRING, 1, 1 },
	{ "boolean-from-string", F_BOOLEAN_FROM_STRING, 1, 1 },
	{ "format-date", F_FORMAT_DATE, 2, 2 },
	{ "format-date-time", F_FORMAT_DATE, 2, 2 },
	{ "date", F_DATE, 1, 1 },
	{ "date-time", F_DATE, 1, 1 },
	{ "decimal-date-time", F_DECIMAL_DATE_TIME, 1, 1 },
	{ "distance", F_DISTANCE, 1, MAX_ARGS },
	{ "area", F_AREA, 1, 1 },
	{ "contains", F_CONTAINS, 2, 2 },
	{ "starts-with", F_STARTS_WITH, 2, 2 },
	{ "ends-with", F_ENDS_WITH, 2, 2 },
	{ "floor", F_FLOOR, 1, 1 },
	{ "ceiling", F_CEILING, 1, 1 },
	{ "abs", F_ABS, 1, 1 },
	{ "pow", F_POW, 2, 2 },
	{ "pulldata", F_PULLDATA, 4, 4 },
	{ "position", F_POSITION, 0, 0 },  /* position(..): parsed apart */
	{ "count", F_COUNT, 1, 1 },
	{ "sum", F_SUM, 1, 1 },
	{ "indexed-repeat", F_INDEXED_REPEAT, 3, 3 },
};

struct form_expr {
	enum node_kind kind;
	enum func func;
	double num;
	char *str;
	long ref;
	struct form_expr **args;
	unsigned nargs;
	pcre2_code *re;        /* regex() with a literal pattern: compiled at load */
	long col, key_col;     /* pulldata(): columns of table ref */
};

void
form_expr_free(struct form_expr *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < e->nargs; i++)
		form_expr_free(e->args[i]);
	free(e->args);
	free(e->str);
	pcre2_code_free(e->re);
	free(e);
}

/* ---- Parsing ---- */

enum tok {
	T_END, T_NUM, T_STR, T_REF, T_DOT, T_NAME, T_LP, T_RP, T_COMMA,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PLUS, T_MINUS, T_STAR, T_BAD,
};

struct parser {
	const char *src;
	size_t pos;            /* byte offset of the next token */
	enum tok tok;
	size_t tok_pos;        /* byte offset of the current token */
	const char *tok_text;  /* T_NAME, T_REF, T_STR: start of the text */
	size_t tok_len;
	double tok_num;
	unsigned depth;
	form_expr_resolve_fn *resolve;
	form_expr_column_fn *column;
	form_expr_table_fn *table;
	void *ctx;
	const struct form *form;  /* which questions are repeats, and in one */
	size_t err_pos;
	char *cause;
};

static bool
name_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool
name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static int
perr(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->cause == NULL) {
		va_start(ap, fmt);
		p->cause = xvasprintf(fmt, ap);
		va_end(ap);
		p->err_pos = at;
	}
	return -1;
}

/* Names the character at byte offset at, a whole UTF-8 sequence when it is one. */
static void
bad_char(struct parser *p, size_t at)
{
	const unsigned char *c = (const unsigned char *)p->src + at;
	int n = c[0] < 0x80 ? 1 : c[0] < 0xe0 ? 2 : c[0] < 0xf0 ? 3 : 4;

	for (int i = 1; i < n; i++)
		if ((c[i] & 0xc0) != 0x80)
			n = 1;
	if (c[0] < 0x20 || (n == 1 && c[0] >= 0x80))
		perr(p, at, "unexpected character (byte 0x%02x)", c[0]);
	else
		perr(p, at, "unexpected character '%.*s'", n, (const char *)c);
}

static void
next(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->tok_pos = i;
	p->tok_text = s + i;
	p->tok_len = 0;
	switch (s[i]) {
	case '\0': p->tok = T_END; break;
	case '(': p->tok = T_LP; i++; break;
	case ')': p->tok = T_RP; i++; break;
	case ',': p->tok = T_COMMA; i++; break;
	case '=': p->tok = T_EQ; i++; break;
	case '+': p->tok = T_PLUS; i++; break;
	case '-': p->tok = T_MINUS; i++; break;
	case '*': p->tok = T_STAR; i++; break;
	case '!':
		if (s[i + 1] == '=') {
			p->tok = T_NE;
			i += 2;
		} else
			p->tok = T_BAD;
		break;
	case '<':
		p->tok = s[i + 1] == '=' ? T_LE : T_LT;
		i += s[i + 1] == '=' ? 2 : 1;
		break;
	case '>':
		p->tok = s[i + 1] == '=' ? T_GE : T_GT;
		i += s[i + 1] == '=' ? 2 : 1;
		break;
	case '\'':
	case '"': {
		char q = s[i];
		size_t j = i + 1;

		while (s[j] != '\0' && s[j] != q)
			j++;
		if (s[j] == '\0') {
			p->tok = T_BAD;
			perr(p, i, "string is never closed");
			break;
		}
		p->tok = T_STR;
		p->tok_text = s + i + 1;
		p->tok_len = j - i - 1;
		i = j + 1;
		break;
	}
	case '$':
		if (s[i + 1] == '{') {
			size_t j = i + 2;

			while (s[j] != '\0' && s[j] != '}')
				j++;
			if (s[j] == '\0') {
				p->tok = T_BAD;
				perr(p, i, "'${' is never closed by '}'");
				break;
			}
			p->tok = T_REF;
			p->tok_text = s + i + 2;
			p->tok_len = j - i - 2;
			i = j + 1;
		} else
			p->tok = T_BAD;
		break;
	default:
		if (isdigit((unsigned char)s[i]) || (s[i] == '.' && isdigit((unsigned char)s[i + 1]))) {
			char *end;

			p->tok = T_NUM;
			while (isdigit((unsigned char)s[i]))
				i++;
			if (s[i] == '.') {
				i++;
				while (isdigit((unsigned char)s[i]))
					i++;
			}
			p->tok_num = strtod(p->src + p->tok_pos, &end);
			p->tok_len = i - p->tok_pos;
		} else if (s[i] == '.') {
			p->tok = T_DOT;
			i++;
			if (s[i] == '.') {
				p->tok = T_BAD;
				perr(p, p->tok_pos, "'..' (parent paths) is not supported; use ${name}");
			}
		} else if (name_start((unsigned char)s[i])) {
			p->tok = T_NAME;
			/* a prefixed name: jr:choice-name */
			while (name_char((unsigned char)s[i]) ||
			    (s[i] == ':' && name_start((unsigned char)s[i + 1])))
				i++;
			p->tok_len = i - p->tok_pos;
		} else
			p->tok = T_BAD;
		break;
	}
	p->pos = i;
}

static bool
is_word(const struct parser *p, const char *w)
{
	return p->tok == T_NAME && p->tok_len == strlen(w) &&
	    memcmp(p->tok_text, w, p->tok_len) == 0;
}

static struct form_expr *
node(enum node_kind kind)
{
	struct form_expr *e = xcalloc(1, sizeof *e);

	e->kind = kind;
	e->ref = -1;
	return e;
}

static struct form_expr *
binary(enum node_kind kind, struct form_expr *l, struct form_expr *r)
{
	struct form_expr *e = node(kind);

	e->args = xreallocarray(NULL, 2, sizeof *e->args);
	e->args[0] = l;
	e->args[1] = r;
	e->nargs = 2;
	return e;
}

static struct form_expr *parse_or(struct parser *p);

static const char *
tok_desc(const struct parser *p)
{
	switch (p->tok) {
	case T_END: return "the end of the expression";
	case T_RP: return "')'";
	case T_COMMA: return "','";
	default: return "this";
	}
}

/* Characters (not bytes) before byte offset off: positions as an editor shows them. */
static size_t
char_offset(const char *s, size_t off)
{
	size_t n = 0;

	for (size_t i = 0; i < off && s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Bounds on one regex() match: steps of the matcher and depth of its
 * backtracking.  Everyday patterns over an answer of 64 KiB use far less;
 * "(a+)+$" against 30 a's and a b needs far more, and is stopped.
 */
#define REGEX_MATCH_LIMIT 1000000u
#define REGEX_DEPTH_LIMIT 10000u
#define REGEX_MAX_PATTERN 4096u

/* Compiles an ODK (Java) pattern.  NULL with a message in err (size bytes) when bad. */
static pcre2_code *
regex_compile(const char *pattern, size_t *err_off, char *err, size_t size)
{
	int code;
	PCRE2_SIZE off = 0;
	pcre2_code *re;

	if (strlen(pattern) > REGEX_MAX_PATTERN) {
		snprintf(err, size, "pattern longer than %u bytes", REGEX_MAX_PATTERN);
		*err_off = 0;
		return NULL;
	}
	/* answers are valid UTF-8, but a computed text need not be: then it simply does not match */
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, (PCRE2_UCHAR *)err, size);
		*err_off = off;
	}
	return re;
}

/* 1 on a match, 0 on none, -1 when the matcher gave up (a limit) or failed. */
static int
regex_find(const pcre2_code *re, const char *subject)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = -1;

	if (mc != NULL && md != NULL) {
		pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
		pcre2_set_depth_limit(mc, REGEX_DEPTH_LIMIT);
		rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, mc);
		rc = rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return rc;
}

static struct form_expr *
parse_call(struct parser *p, const char *name, size_t len, size_t at)
{
	struct form_expr *e;
	size_t k;

	for (k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
		if (strlen(funcs[k].name) == len && memcmp(funcs[k].name, name, len) == 0)
			break;
	if (k == sizeof funcs / sizeof funcs[0]) {
		static const struct {
			const char *name, *why;
		} known[] = {
			{ "instance", "lookups in a secondary instance are not supported; "
			    "pulldata() reads a CSV beside the form" },
		};

		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strlen(known[i].name) == len && memcmp(known[i].name, name, len) == 0) {
				perr(p, at, "unsupported function '%s()' (%s)", known[i].name,
				    known[i].why);
				return NULL;
			}
		perr(p, at, "unknown function '%.*s()'", (int)(len > 64 ? 64 : len), name);
		return NULL;
	}
	e = node(N_CALL);
	e->func = funcs[k].f;
	if (e->func == F_POSITION) {
		/* position(..): the 1-based index of the repeat entry being evaluated */
		size_t i = p->pos;

		while (p->src[i] == ' ')
			i++;
		if (strncmp(p->src + i, "..", 2) == 0) {
			i += 2;
			while (p->src[i] == ' ')
				i++;
		}
		if (p->src[i] != ')') {
			perr(p, at, "position() is written position(..): the entry's position in "
			    "its repeat");
			goto fail;
		}
		p->pos = i + 1;
		next(p);
		return e;
	}
	next(p);  /* past '(' */
	if (p->tok != T_RP) {
		for (;;) {
			struct form_expr *a;

			if (e->nargs >= MAX_ARGS) {
				perr(p, p->tok_pos, "too many arguments to %s()", funcs[k].name);
				goto fail;
			}
			if ((a = parse_or(p)) == NULL)
				goto fail;
			e->args = xreallocarray(e->args, e->nargs + 1, sizeof *e->args);
			e->args[e->nargs++] = a;
			if (p->tok == T_COMMA) {
				next(p);
				continue;
			}
			if (p->tok == T_RP)
				break;
			perr(p, p->tok_pos, "expected ',' or ')' in the arguments of %s()",
			    funcs[k].name);
			goto fail;
		}
	}
	next(p);  /* past ')' */
	if (e->nargs < funcs[k].min || e->nargs > funcs[k].max) {
		if (funcs[k].min == funcs[k].max)
			perr(p, at, "%s() takes %u argument%s, not %u", funcs[k].name, funcs[k].min,
			    funcs[k].min == 1 ? "" : "s", e->nargs);
		else
			perr(p, at, "%s() takes %u to %u arguments, not %u", funcs[k].name,
			    funcs[k].min, funcs[k].max, e->nargs);
		goto fail;
	}
	if (e->func == F_CHOICE_NAME) {
		/* jr:choice-name(value, '${q}'): the question is named in a string */
		const char *n = e->args[1]->kind == N_STR ? e->args[1]->str : "";
		size_t nlen = strlen(n);
		char qname[FORM_MAX_NAME + 1];

		if (nlen < 4 || nlen - 3 > FORM_MAX_NAME || strncmp(n, "${", 2) != 0 ||
		    n[nlen - 1] != '}') {
			perr(p, at, "jr:choice-name() names its select as a string: '${name}'");
			goto fail;
		}
		memcpy(qname, n + 2, nlen - 3);
		qname[nlen - 3] = '\0';
		if (p->resolve == NULL || (e->ref = p->resolve(p->ctx, qname)) < 0) {
			perr(p, at, "jr:choice-name(): %s question '${%s}'",
			    e->ref == -2 ? "ambiguous" : "unknown", qname);
			goto fail;
		}
	}
	if (e->func == F_COUNT || e->func == F_SUM || e->func == F_INDEXED_REPEAT) {
		/* a node-set: ${q} of a question in a repeat (count() also takes the repeat) */
		const struct form_expr *a = e->args[0];
		const struct form *f = p->form;
		bool ok = a->kind == N_REF && f != NULL;

		if (ok && e->func == F_COUNT)
			ok = f->q[a->ref].repeat >= 0 || f->q[a->ref].is_repeat;
		else if (ok)
			ok = f->q[a->ref].repeat >= 0 && f->q[a->ref].type != FORM_BEGIN_GROUP;
		if (!ok) {
			perr(p, at, "%s() takes ${name} of %s", funcs[k].name, e->func == F_COUNT ?
			    "a repeat or of a question in one" : "a question in a repeat");
			goto fail;
		}
		if (e->func == F_INDEXED_REPEAT && (e->args[1]->kind != N_REF ||
		    e->args[1]->ref != f->q[a->ref].repeat)) {
			perr(p, at, "indexed-repeat(${q}, ${repeat}, n): the second argument is "
			    "the repeat around ${%s}", f->q[a->ref].name);
			goto fail;
		}
	}
	if (e->func == F_PULLDATA) {
		/* the file and both columns are literal, so a missing one is a load error */
		for (unsigned i = 0; i < 3; i++)
			if (e->args[i]->kind != N_STR) {
				perr(p, at, "pulldata() names its file and columns as 'strings'");
				goto fail;
			}
		if (p->table == NULL || (e->ref = p->table(p->ctx, e->args[0]->str,
		    e->args[1]->str, e->args[2]->str, &e->col, &e->key_col)) < 0) {
			perr(p, at, "pulldata(): no column '%.64s' or '%.64s' in '%.64s.csv' beside "
			    "the form", e->args[1]->str, e->args[2]->str, e->args[0]->str);
			goto fail;
		}
	}
	if (e->func == F_REGEX && e->args[1]->kind == N_STR) {
		char buf[160];
		size_t off;

		if ((e->re = regex_compile(e->args[1]->str, &off, buf, sizeof buf)) == NULL) {
			perr(p, at, "bad regular expression at character %zu of the pattern: %s",
			    char_offset(e->args[1]->str, off) + 1, buf);
			goto fail;
		}
	}
	return e;
fail:
	form_expr_free(e);
	return NULL;
}

static struct form_expr *
parse_primary(struct parser *p)
{
	struct form_expr *e;
	size_t at = p->tok_pos;

	switch (p->tok) {
	case T_NUM:
		e = node(N_NUM);
		e->num = p->tok_num;
		next(p);
		return e;
	case T_STR:
		e = node(N_STR);
		e->str = xstrndup(p->tok_text, p->tok_len);
		next(p);
		return e;
	case T_DOT:
		next(p);
		return node(N_DOT);
	case T_REF: {
		char name[FORM_MAX_NAME + 1];
		long q = -1;
		bool last_saved = false;
		static const char prefix[] = "last-saved#";

		/* ${last-saved#x}: x's answer in this device's last saved record of the form */
		if (p->tok_len > sizeof prefix - 1 &&
		    memcmp(p->tok_text, prefix, sizeof prefix - 1) == 0) {
			last_saved = true;
			p->tok_text += sizeof prefix - 1;
			p->tok_len -= sizeof prefix - 1;
		}
		if (p->tok_len == 0 || p->tok_len > FORM_MAX_NAME) {
			perr(p, at, "'${%.*s}' is not a question name", (int)(p->tok_len > 64 ? 64 :
			    p->tok_len), p->tok_text);
			return NULL;
		}
		memcpy(name, p->tok_text, p->tok_len);
		name[p->tok_len] = '\0';
		if (p->resolve != NULL)
			q = p->resolve(p->ctx, name);
		if (q == -2) {
			perr(p, at, "'${%s}' is ambiguous: questions in different groups have "
			    "this name", name);
			return NULL;
		}
		if (q < 0) {
			perr(p, at, "unknown question '${%s}'", name);
			return NULL;
		}
		e = node(last_saved ? N_LAST_SAVED : N_REF);
		e->ref = q;
		next(p);
		return e;
	}
	case T_LP:
		if (++p->depth > FORM_MAX_EXPR_DEPTH) {
			perr(p, at, "expression nested too deeply");
			return NULL;
		}
		next(p);
		if ((e = parse_or(p)) == NULL)
			return NULL;
		p->depth--;
		if (p->tok != T_RP) {
			perr(p, p->tok_pos, "expected ')' to close the '(' at offset %zu", at);
			form_expr_free(e);
			return NULL;
		}
		next(p);
		return e;
	case T_NAME: {
		const char *name = p->tok_text;
		size_t len = p->tok_len;

		next(p);
		if (p->tok == T_LP) {
			if (++p->depth > FORM_MAX_EXPR_DEPTH) {
				perr(p, at, "expression nested too deeply");
				return NULL;
			}
			e = parse_call(p, name, len, at);
			p->depth--;
			return e;
		}
		if (p->column != NULL) {
			long k = p->column(p->ctx, name, len);

			if (k >= 0) {
				e = node(N_COLUMN);
				e->ref = k;
				return e;
			}
			perr(p, at, "'%.*s' is not a column of the choices sheet (a question is "
			    "written ${%.*s}, a string '%.*s')", (int)(len > 64 ? 64 : len), name,
			    (int)(len > 64 ? 64 : len), name, (int)(len > 64 ? 64 : len), name);
			return NULL;
		}
		perr(p, at, "unexpected name '%.*s' (a question is written ${%.*s})",
		    (int)(len > 64 ? 64 : len), name, (int)(len > 64 ? 64 : len), name);
		return NULL;
	}
	case T_BAD:
		bad_char(p, at);
		return NULL;
	default:
		perr(p, at, "expected a value, found %s", tok_desc(p));
		return NULL;
	}
}

static struct form_expr *
parse_unary(struct parser *p)
{
	struct form_expr *e;

	if (p->tok != T_MINUS)
		return parse_primary(p);
	if (++p->depth > FORM_MAX_EXPR_DEPTH) {
		perr(p, p->tok_pos, "expression nested too deeply");
		return NULL;
	}
	next(p);
	if ((e = parse_unary(p)) == NULL)
		return NULL;
	p->depth--;
	return binary(N_NEG, e, NULL);
}

/*
 * One precedence level: operand (op operand)*, left-associative.  Recursion
 * is bounded: depth counts parentheses, calls and unary minus, and each of
 * those costs a fixed number of frames.
 */
static enum node_kind
level_op(const struct parser *p, int level)
{
	switch (level) {
	case 0: return is_word(p, "or") ? N_OR : N_CALL;
	case 1: return is_word(p, "and") ? N_AND : N_CALL;
	case 2: return p->tok == T_EQ ? N_EQ : p->tok == T_NE ? N_NE : N_CALL;
	case 3: return p->tok == T_LT ? N_LT : p->tok == T_LE ? N_LE : p->tok == T_GT ? N_GT :
	    p->tok == T_GE ? N_GE : N_CALL;
	case 4: return p->tok == T_PLUS ? N_ADD : p->tok == T_MINUS ? N_SUB : N_CALL;
	default: return p->tok == T_STAR ? N_MUL : is_word(p, "div") ? N_DIV :
	    is_word(p, "mod") ? N_MOD : N_CALL;
	}
}

static struct form_expr *
parse_level(struct parser *p, int level)
{
	struct form_expr *l, *r;
	enum node_kind op;

	l = level == 5 ? parse_unary(p) : parse_level(p, level + 1);
	while (l != NULL && (op = level_op(p, level)) != N_CALL) {
		next(p);
		r = level == 5 ? parse_unary(p) : parse_level(p, level + 1);
		if (r == NULL) {
			form_expr_free(l);
			return NULL;
		}
		l = binary(op, l, r);
	}
	return l;
}

static struct form_expr *
parse_or(struct parser *p)
{
	return parse_level(p, 0);
}

struct form_expr *
form_expr_parse(const struct form *form, const char *src, form_expr_resolve_fn *resolve,
    form_expr_column_fn *column, form_expr_table_fn *table, void *ctx, size_t *offset,
    char **cause)
{
	struct parser p = { .src = src, .resolve = resolve, .column = column, .table = table,
	    .ctx = ctx, .form = form };
	struct form_expr *e;

	next(&p);
	if (p.tok == T_END) {
		*offset = 0;
		*cause = xstrdup("empty expression");
		return NULL;
	}
	e = parse_or(&p);
	if (e != NULL && p.tok != T_END) {
		if (p.tok == T_BAD)
			bad_char(&p, p.tok_pos);
		else
			perr(&p, p.tok_pos, "unexpected %s after a complete expression",
			    p.tok == T_RP ? "')'" : "text");
		form_expr_free(e);
		e = NULL;
	}
	if (e == NULL) {
		*offset = char_offset(src, p.err_pos);
		*cause = p.cause != NULL ? p.cause : xstrdup("syntax error");
		return NULL;
	}
	free(p.cause);
	return e;
}

/* ---- Evaluation ---- */

enum vtype { V_STR, V_NUM, V_BOOL };

struct value {
	enum vtype t;
	bool b;
	double n;
	const char *s;
};

#define NUMBUF 48

/* ---- Text, dates and places for the functions ---- */

/* Copies n bytes into the evaluation's arena; "" when there is no room. */
static const char *
arena_put(struct form_expr_env *env, const char *s, size_t n)
{
	char *d;

	if (env->arena == NULL || env->arena_size - env->arena_used < n + 1)
		return "";
	d = env->arena + env->arena_used;
	memcpy(d, s, n);
	d[n] = '\0';
	env->arena_used += n + 1;
	return d;
}

/* Byte offset of character index ci in s (UTF-8), or strlen(s) past the end. */
static size_t
char_to_byte(const char *s, double ci)
{
	size_t i = 0;

	for (double n = 0; s[i] != '\0' && n < ci; n++) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	return i;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * A date or dateTime as ODK writes them (YYYY-MM-DD[THH:MM[:SS[.fff]][zone]])
 * as days since 1970-01-01 in local time of its own zone, the fraction for
 * the time of day; NAN when s is neither.
 */
static double
date_days(const char *s, int f[6])
{
	int y, mo, d, h = 0, mi = 0;
	double sec = 0;
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31)
		return NAN;
	if (s[10] == 'T' || s[10] == ' ') {
		int k = 0;

		if (sscanf(s + 11, "%2d:%2d%n", &h, &mi, &k) != 2 || h > 23 || mi > 59)
			return NAN;
		if (s[11 + k] == ':')
			sec = strtod(s + 12 + k, NULL);
	} else if (s[10] != '\0')
		return NAN;
	if (f != NULL) {
		f[0] = y, f[1] = mo, f[2] = d, f[3] = h, f[4] = mi, f[5] = (int)sec;
	}
	return (double)days_from_civil(y, (unsigned)mo, (unsigned)d) +
	    (h * 3600.0 + mi * 60.0 + sec) / 86400.0;
}

/* Points of a geopoint, or of a trace or shape ("lat lon alt acc; lat lon..."). */
static size_t
geo_points(const char *s, double (*pt)[2], size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		char *end;
		double lat = strtod(s, &end), lon;

		if (end == s)
			break;
		lon = strtod(end, &end);
		if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90 || fabs(lon) > 180)
			return 0;
		pt[n][0] = lat * M_PI / 180;
		pt[n][1] = lon * M_PI / 180;
		n++;
		s = strchr(end, ';');
		if (s == NULL)
			break;
		s++;
	}
	return n;
}

/* JavaRosa's (Android SphericalUtil's) Earth radius, metres. */
#define EARTH_RADIUS 6371009.0
#define GEO_MAX_POINTS 512

static double
haversine(const double a[2], const double b[2])
{
	double dlat = b[0] - a[0], dlon = b[1] - a[1];
	double h = sin(dlat / 2) * sin(dlat / 2) + cos(a[0]) * cos(b[0]) *
	    sin(dlon / 2) * sin(dlon / 2);

	return 2 * EARTH_RADIUS * asin(fmin(1, sqrt(h)));
}

/* Area of a closed shape on the sphere (SphericalUtil.computeArea), square metres. */
static double
shape_area(double (*pt)[2], size_t n)
{
	double total = 0;

	if (n < 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const double *a = pt[i], *b = pt[(i + 1) % n];
		double t1 = tan((M_PI / 2 - a[0]) / 2), t2 = tan((M_PI / 2 - b[0]) / 2);
		double dl = b[1] - a[1], t = t1 * t2;

		total += 2 * atan2(t * sin(dl), 1 + t * cos(dl));
	}
	return fabs(total * EARTH_RADIUS * EARTH_RADIUS);
}

/* ODK's format-date: %Y %y %m %n %b %d %e %H %h %M %S %3 %a. */
static const char *
format_date(struct form_expr_env *env, const char *date, const char *fmt)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wday[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	char out[256];
	size_t n = 0;
	int f[6];
	double days = date_days(date, f);

	if (isnan(days))
		return "";
	for (const char *p = fmt; *p != '\0' && n + 16 < sizeof out; p++) {
		if (*p != '%' || p[1] == '\0') {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case 'Y': n += (size_t)snprintf(out + n, 16, "%04d", f[0]); break;
		case 'y': n += (size_t)snprintf(out + n, 16, "%02d", f[0] % 100); break;
		case 'm': n += (size_t)snprintf(out + n, 16, "%02d", f[1]); break;
		case 'n': n += (size_t)snprintf(out + n, 16, "%d", f[1]); break;
		case 'b': n += (size_t)snprintf(out + n, 16, "%s", mon[f[1] - 1]); break;
		case 'd': n += (size_t)snprintf(out + n, 16, "%02d", f[2]); break;
		case 'e': n += (size_t)snprintf(out + n, 16, "%d", f[2]); break;
		case 'H': n += (size_t)snprintf(out + n, 16, "%02d", f[3]); break;
		case 'h': n += (size_t)snprintf(out + n, 16, "%d", f[3]); break;
		case 'M': n += (size_t)snprintf(out + n, 16, "%02d", f[4]); break;
		case 'S': n += (size_t)snprintf(out + n, 16, "%02d", f[5]); break;
		case '3': n += (size_t)snprintf(out + n, 16, "000"); break;
		case 'a': {
			long dn = (long)floor(days) % 7;

			n += (size_t)snprintf(out + n, 16, "%s", wday[dn < 0 ? dn + 7 : dn]);
			break;
		}
		default: out[n++] = *p; break;
		}
	}
	return arena_put(env, out, n);
}

/* The label of choice name v of select q, in the evaluation's language. */
static const char *
choice_label(const struct form_expr_env *env, long q, const char *v)
{
	const struct form *f = env->form;
	const struct form_list *l;

	if (f == NULL || q < 0 || (size_t)q >= f->nq || f->q[q].list < 0)
		return "";
	l = &f->lists[f->q[q].list];
	for (size_t c = 0; c < l->count; c++)
		if (strcmp(l->choices[c].name, v) == 0) {
			const char *t = form_text_in(f, l->choices[c].label, env->lang);

			return t[0] != '\0' ? t : l->choices[c].name;
		}
	return "";
}

/* True when s is a plain decimal number: [+-]digits[.digits] or [+-].digits. */
static bool
numeric_text(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits = true;
		}
	}
	if (!digits || *p != '\0' || p - s > 64)
		return false;
	*out = strtod(s, NULL);
	return true;
}

static void
format_number(double n, char buf[NUMBUF])
{
	if (isnan(n))
		buf[0] = '\0';
	else if (isinf(n))
		snprintf(buf, NUMBUF, "%s", n > 0 ? "Infinity" : "-Infinity");
	else if (n == floor(n) && fabs(n) < 1e15)
		snprintf(buf, NUMBUF, "%.0f", n == 0 ? 0.0 : n);
	else
		snprintf(buf, NUMBUF, "%.15g", n);
}

static const char *
to_str(const struct value *v, char buf[NUMBUF])
{
	switch (v->t) {
	case V_STR: return v->s;
	case V_BOOL: return v->b ? "true" : "false";
	default: format_number(v->n, buf); return buf;
	}
}

static double
to_num(const struct value *v)
{
	double d;

	switch (v->t) {
	case V_NUM: return v->n;
	case V_BOOL: return v->b ? 1 : 0;
	default:
		/* ODK counts a date as days since 1970-01-01: today() - ${visit} */
		return numeric_text(v->s, &d) ? d : date_days(v->s, NULL);
	}
}

static bool
to_bool(const struct value *v)
{
	switch (v->t) {
	case V_BOOL: return v->b;
	case V_NUM: return v->n != 0 && !isnan(v->n);
	default: return v->s[0] != '\0';
	}
}

/* Both sides as numbers, when both are numbers or look like them. */
static bool
both_numeric(const struct value *a, const struct value *b, double *x, double *y)
{
	if (a->t == V_BOOL || b->t == V_BOOL)
		return false;
	if (a->t == V_NUM)
		*x = a->n;
	else if (!numeric_text(a->s, x))
		return false;
	if (b->t == V_NUM)
		*y = b->n;
	else if (!numeric_text(b->s, y))
		return false;
	return true;
}

static void
fill_time(struct form_expr_env *env)
{
	time_t t;
	struct tm tm;

	if (env->have_time)
		return;
	t = time(NULL);
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	strftime(env->today, sizeof env->today, "%Y-%m-%d", &tm);
	strftime(env->now, sizeof env->now, "%Y-%m-%dT%H:%M:%S%z", &tm);
	env->have_time = true;
}

/* Is word (len bytes) one of the space-separated items of list? */
static bool
list_has(const char *list, const char *word, size_t len)
{
	const char *p = list;

	if (len == 0)
		return false;
	while (*p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == len && memcmp(p, word, len) == 0)
			return true;
		p += n;
	}
	return false;
}


static struct value eval(const struct form_expr *e, struct form_expr_env *env);

static struct value
vnum(double n)
{
	return (struct value){ .t = V_NUM, .n = n };
}

static struct value
vbool(bool b)
{
	return (struct value){ .t = V_BOOL, .b = b };
}

static struct value
vstr(const char *s)
{
	return (struct value){ .t = V_STR, .s = s };
}

static struct value
eval_call(const struct form_expr *e, struct form_expr_env *env)
{
	char b1[NUMBUF], b2[NUMBUF];
	struct value a, c;

	switch (e->func) {
	case F_NOT:
		a = eval(e->args[0], env);
		return vbool(!to_bool(&a));
	case F_TRUE:
		return vbool(true);
	case F_FALSE:
		return vbool(false);
	case F_SELECTED: {
		const char *list, *word;

		a = eval(e->args[0], env);
		c = eval(e->args[1], env);
		list = to_str(&a, b1);
		word = to_str(&c, b2);
		while (*word == ' ')
			word++;
		return vbool(list_has(list, word, strcspn(word, " ")));
	}
	case F_COUNT_SELECTED: {
		const char *p;
		double n = 0;

		a = eval(e->args[0], env);
		p = to_str(&a, b1);
		while (*p != '\0') {
			size_t k;

			while (*p == ' ')
				p++;
			if ((k = strcspn(p, " ")) > 0)
				n++;
			p += k;
		}
		return vnum(n);
	}
	case F_IF:
		a = eval(e->args[0], env);
		return eval(e->args[to_bool(&a) ? 1 : 2], env);
	case F_COALESCE:
		a = eval(e->args[0], env);
		if (a.t != V_STR || a.s[0] != '\0')
			return a;
		return eval(e->args[1], env);
	case F_STRING_LENGTH: {
		const char *s;
		double n = 0;

		a = eval(e->args[0], env);
		for (s = to_str(&a, b1); *s != '\0'; s++)
			if (((unsigned char)*s & 0xc0) != 0x80)
				n++;
		return vnum(n);
	}
	case F_REGEX: {
		pcre2_code *re = e->re;
		int match;

		a = eval(e->args[0], env);
		if (re == NULL) {
			/* A pattern computed at run time: compile now; a bad one matches nothing. */
			char err[160];
			size_t off;

			c = eval(e->args[1], env);
			if ((re = regex_compile(to_str(&c, b2), &off, err, sizeof err)) == NULL) {
				env->error = "regex(): the pattern is not a valid regular expression";
				return vbool(false);
			}
		}
		match = regex_find(re, to_str(&a, b1));
		if (re != e->re)
			pcre2_code_free(re);
		if (match < 0)
			env->error = "regex() gave up: the pattern backtracks too much for this "
			    "answer (match limit reached)";
		return vbool(match > 0);
	}
	case F_TODAY:
		fill_time(env);
		return vstr(env->today);
	case F_NOW:
		fill_time(env);
		return vstr(env->now);
	case F_NUMBER:
		a = eval(e->args[0], env);
		return vnum(to_num(&a));
	case F_INT:
		a = eval(e->args[0], env);
		return vnum(trunc(to_num(&a)));
	case F_BOOLEAN:
		a = eval(e->args[0], env);
		return vbool(to_bool(&a));
	case F_ONCE:
		/* the question keeps the first value it got */
		if (env->dot != NULL && env->dot[0] != '\0')
			return vstr(env->dot);
		return eval(e->args[0], env);
	case F_ROUND: {
		double x, places = 0, scale;

		a = eval(e->args[0], env);
		x = to_num(&a);
		if (e->nargs == 1)
			return vnum(floor(x + 0.5));  /* XPath 1.0: round(-2.5) is -2 */
		c = eval(e->args[1], env);
		places = trunc(to_num(&c));
		if (isnan(places) || fabs(places) > 15)
			return vnum(NAN);
		scale = pow(10, places);
		/* JavaRosa's two-argument round is half away from zero */
		return vnum(round(x * scale) / scale);
	}
	case F_SELECTED_AT: {
		const char *p;
		double want;

		a = eval(e->args[0], env);
		c = eval(e->args[1], env);
		p = to_str(&a, b1);
		want = trunc(to_num(&c));
		for (double i = 0; *p != '\0' && !isnan(want); i++) {
			size_t k;

			while (*p == ' ')
				p++;
			if ((k = strcspn(p, " ")) == 0)
				break;
			if (i == want)
				return vstr(arena_put(env, p, k));
			p += k;
		}
		return vstr("");
	}
	case F_CHOICE_NAME:
		a = eval(e->args[0], env);
		return vstr(choice_label(env, e->ref, to_str(&a, b1)));
	case F_CONCAT: {
		size_t start = env->arena_used, n = 0;
		char *out;

		if (env->arena == NULL || start + 1 >= env->arena_size)
			return vstr("");
		out = env->arena + start;
		for (unsigned i = 0; i < e->nargs; i++) {
			const char *t;
			size_t k;

			a = eval(e->args[i], env);
			t = to_str(&a, b1);
			k = strlen(t);
			/* an argument built in the arena lies just past the text so far */
			if (start + n + k + 1 > env->arena_size)
				k = env->arena_size - start - n - 1;
			memmove(out + n, t, k);
			n += k;
			env->arena_used = start + n;
		}
		out[n] = '\0';
		env->arena_used = start + n + 1;
		return vstr(out);
	}
	case F_SUBSTR: {
		const char *t;
		double from, to = INFINITY;
		size_t i, j;

		a = eval(e->args[0], env);
		t = to_str(&a, b1);
		c = eval(e->args[1], env);
		from = fmax(0, trunc(to_num(&c)));
		if (e->nargs == 3) {
			struct value d = eval(e->args[2], env);

			to = trunc(to_num(&d));
		}
		if (isnan(from) || isnan(to) || to <= from)
			return vstr("");
		i = char_to_byte(t, from);
		j = isinf(to) ? strlen(t) : char_to_byte(t, to);
		return vstr(arena_put(env, t + i, j - i));
	}
	case F_STRING: {
		const char *t;

		a = eval(e->args[0], env);
		if (a.t == V_STR)
			return a;
		t = to_str(&a, b1);
		return vstr(arena_put(env, t, strlen(t)));
	}
	case F_BOOLEAN_FROM_STRING: {
		const char *t;

		a = eval(e->args[0], env);
		t = to_str(&a, b1);
		return vbool(strcmp(t, "true") == 0 || strcmp(t, "1") == 0);
	}
	case F_FORMAT_DATE: {
		const char *d;

		a = eval(e->args[0], env);
		c = eval(e->args[1], env);
		if (a.t == V_NUM) {
			/* a number of days: as date() makes it */
			int y, m, dd;
			char buf[16];

			if (isnan(a.n) || fabs(a.n) > 1e7)
				return vstr("");
			civil_from_days((long)floor(a.n), &y, &m, &dd);
			snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, dd);
			d = arena_put(env, buf, strlen(buf));
		} else
			d = to_str(&a, b1);
		return vstr(format_date(env, d, to_str(&c, b2)));
	}
	case F_DATE: {
		double days;
		int y, m, d;
		char buf[16];

		a = eval(e->args[0], env);
		/* a date or dateTime keeps its date; a number counts days from 1970-01-01 */
		if (a.t == V_STR && !numeric_text(a.s, &days) && !isnan(date_days(a.s, NULL)))
			return vstr(arena_put(env, a.s, 10));
		days = to_num(&a);
		if (isnan(days) || fabs(days) > 1e7)
			return vstr("");
		civil_from_days((long)floor(days), &y, &m, &d);
		snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
		return vstr(arena_put(env, buf, strlen(buf)));
	}
	case F_DECIMAL_DATE_TIME:
		a = eval(e->args[0], env);
		return vnum(a.t == V_STR ? date_days(a.s, NULL) : to_num(&a));
	case F_DISTANCE:
	case F_AREA: {
		double pt[GEO_MAX_POINTS][2], total = 0;
		size_t n = 0;

		for (unsigned i = 0; i < e->nargs && n < GEO_MAX_POINTS; i++) {
			a = eval(e->args[i], env);
			n += geo_points(to_str(&a, b1), pt + n, GEO_MAX_POINTS - n);
		}
		if (e->func == F_AREA)
			return vnum(shape_area(pt, n));
		for (size_t i = 1; i < n; i++)
			total += haversine(pt[i - 1], pt[i]);
		return vnum(n < 2 ? NAN : total);
	}
	case F_CONTAINS:
	case F_STARTS_WITH:
	case F_ENDS_WITH: {
		const char *h, *nd;
		size_t hl, nl;

		a = eval(e->args[0], env);
		c = eval(e->args[1], env);
		h = to_str(&a, b1);
		nd = to_str(&c, b2);
		hl = strlen(h);
		nl = strlen(nd);
		if (e->func == F_CONTAINS)
			return vbool(strstr(h, nd) != NULL);
		if (nl > hl)
			return vbool(false);
		return vbool(memcmp(e->func == F_STARTS_WITH ? h : h + hl - nl, nd, nl) == 0);
	}
	case F_FLOOR:
		a = eval(e->args[0], env);
		return vnum(floor(to_num(&a)));
	case F_CEILING:
		a = eval(e->args[0], env);
		return vnum(ceil(to_num(&a)));
	case F_ABS:
		a = eval(e->args[0], env);
		return vnum(fabs(to_num(&a)));
	case F_POW:
		a = eval(e->args[0], env);
		c = eval(e->args[1], env);
		return vnum(pow(to_num(&a), to_num(&c)));
	case F_POSITION:
		return vnum((double)env->position);
	case F_COUNT:
	case F_SUM: {
		/* over the entries of the repeat, as XPath's node-sets: an empty answer is NaN */
		const struct form_question *q = &env->form->q[e->args[0]->ref];
		size_t r = q->is_repeat ? (size_t)e->args[0]->ref : (size_t)q->repeat, n;
		double sum = 0;

		n = env->session != NULL ? form_session_entries_of(env->session, r) : 0;
		if (e->func == F_COUNT)
			return vnum((double)n);
		for (size_t k = 0; k < n; k++) {
			const char *v = form_session_entry_answer(env->session,
			    (size_t)e->args[0]->ref, k);
			struct value x = vstr(v != NULL ? v : "");

			sum += to_num(&x);
		}
		return vnum(sum);
	}
	case F_INDEXED_REPEAT: {
		double k;
		const char *v = NULL;

		a = eval(e->args[2], env);
		k = to_num(&a);
		if (env->session != NULL && k >= 1 && k <= FORM_MAX_ENTRIES && k == floor(k))
			v = form_session_entry_answer(env->session, (size_t)e->args[0]->ref,
			    (size_t)k - 1);
		return vstr(v != NULL ? v : "");
	}
	case F_PULLDATA: {
		const struct form_csv *t;
		const char *key;

		if (env->form == NULL || (size_t)e->ref >= env->form->ntables)
			return vstr("");
		t = env->form->tables[e->ref].csv;
		a = eval(e->args[3], env);
		key = to_str(&a, b1);
		for (size_t r = 1; r < t->nrows; r++) {
			const struct form_csv_row *row = &t->rows[r];

			if ((size_t)e->key_col < row->count && (size_t)e->col < row->count &&
			    strcmp(t->cells[row->first + e->key_col].text, key) == 0)
				return vstr(t->cells[row->first + e->col].text);
		}
		return vstr("");
	}
	}
	return vstr("");
}

static struct value
eval(const struct form_expr *e, struct form_expr_env *env)
{
	struct value a, b;
	double x, y;
	char b1[NUMBUF], b2[NUMBUF];

	switch (e->kind) {
	case N_NUM:
		return vnum(e->num);
	case N_STR:
		return vstr(e->str);
	case N_REF:
		if ((size_t)e->ref == env->self)
			return vstr(env->dot != NULL ? env->dot : "");
		if (env->session != NULL && env->form->q[e->ref].repeat >= 0 &&
		    env->form->q[e->ref].repeat != env->repeat) {
			/* from outside its repeat, ${x} is the first entry's, as in ODK */
			const char *v = form_session_entry_answer(env->session, (size_t)e->ref, 0);

			return vstr(v != NULL ? v : "");
		}
		if ((size_t)e->ref < env->nanswers && env->answers[e->ref] != NULL)
			return vstr(env->answers[e->ref]);
		return vstr("");
	case N_LAST_SAVED:
		if (env->last_saved != NULL && (size_t)e->ref < env->nanswers &&
		    env->last_saved[e->ref] != NULL)
			return vstr(env->last_saved[e->ref]);
		return vstr("");
	case N_COLUMN:
		if ((size_t)e->ref < env->nchoice_cols && env->choice_cols[e->ref] != NULL)
			return vstr(env->choice_cols[e->ref]);
		return vstr("");
	case N_DOT:
		return vstr(env->dot != NULL ? env->dot : "");
	case N_NEG:
		a = eval(e->args[0], env);
		return vnum(-to_num(&a));
	case N_OR:
		a = eval(e->args[0], env);
		if (to_bool(&a))
			return vbool(true);
		b = eval(e->args[1], env);
		return vbool(to_bool(&b));
	case N_AND:
		a = eval(e->args[0], env);
		if (!to_bool(&a))
			return vbool(false);
		b = eval(e->args[1], env);
		return vbool(to_bool(&b));
	case N_EQ:
	case N_NE: {
		bool eq;

		a = eval(e->args[0], env);
		b = eval(e->args[1], env);
		if (a.t == V_BOOL || b.t == V_BOOL)
			eq = to_bool(&a) == to_bool(&b);
		else if (both_numeric(&a, &b, &x, &y))
			eq = x == y;
		else
			eq = strcmp(to_str(&a, b1), to_str(&b, b2)) == 0;
		return vbool(e->kind == N_EQ ? eq : !eq);
	}
	case N_LT:
	case N_LE:
	case N_GT:
	case N_GE: {
		int cmp;
		const char *s, *t;

		a = eval(e->args[0], env);
		b = eval(e->args[1], env);
		if (both_numeric(&a, &b, &x, &y)) {
			if (isnan(x) || isnan(y))
				return vbool(false);
			cmp = x < y ? -1 : x > y ? 1 : 0;
		} else {
			s = to_str(&a, b1);
			t = to_str(&b, b2);
			if (s[0] == '\0' || t[0] == '\0')
				return vbool(false);
			cmp = strcmp(s, t);
		}
		switch (e->kind) {
		case N_LT: return vbool(cmp < 0);
		case N_LE: return vbool(cmp <= 0);
		case N_GT: return vbool(cmp > 0);
		default: return vbool(cmp >= 0);
		}
	}
	case N_ADD:
	case N_SUB:
	case N_MUL:
	case N_DIV:
	case N_MOD:
		a = eval(e->args[0], env);
		b = eval(e->args[1], env);
		x = to_num(&a);
		y = to_num(&b);
		switch (e->kind) {
		case N_ADD: return vnum(x + y);
		case N_SUB: return vnum(x - y);
		case N_MUL: return vnum(x * y);
		case N_DIV: return vnum(x / y);
		default: return vnum(fmod(x, y));
		}
	case N_CALL:
		return eval_call(e, env);
	}
	return vstr("");
}

bool
form_expr_eval_bool(const struct form_expr *e, struct form_expr_env *env)
{
	struct value v;

	env->arena_used = 0;
	v = eval(e, env);

	return to_bool(&v);
}

void
form_expr_eval_string(const struct form_expr *e, struct form_expr_env *env, char *buf,
    size_t size)
{
	char nb[NUMBUF];
	struct value v;

	env->arena_used = 0;
	v = eval(e, env);
	fc_strlcpy(buf, to_str(&v, nb), size);
}
