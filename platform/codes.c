/*
 * The code table: rows read with the forms' CSV reader (the same RFC 4180
 * rules and bounds as a checklist), kept sorted by kind and code so that a
 * lookup is a binary search.  A city's table is read over the shipped one.
 */
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meaning/meaning.h"
#include "util/util.h"

#ifndef FIELDCHECK_SHAREDIR   /* the Makefile's; the fuzzers' build leaves it out */
#define FIELDCHECK_SHAREDIR "/usr/local/share/fieldcheck"
#endif

struct platform_codes {
	struct platform_code *rows;
	size_t n;
	char **strings;        /* every name and source the rows point to */
	size_t nstrings;
};

enum { COL_KIND, COL_MAJOR, COL_MAJOR_NAME, COL_MINOR, COL_MINOR_NAME, COL_SOURCE, NCOLS };
static const char *const col_names[NCOLS] = {
	"kind", "major", "major_name", "minor", "minor_name", "source",
};

struct reader {
	const char *name;
	struct platform_codes *t;
	size_t first_new;      /* rows from first_new on came from this file */
	unsigned *row_line;    /* per row from this file: its line, for duplicates */
	int col[NCOLS];        /* cell index of each column, -1 when absent */
	bool have_header;
	struct fc_buf errors;
	unsigned nerrors;
};

static void
table_error(struct reader *r, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
table_error(struct reader *r, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char *msg, *full;

	if (++r->nerrors > 50)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("%s%s:%u:%u: error: %s", r->errors.len > 0 ? "\n" : "", r->name, line,
	    col, msg);
	fc_buf_append(&r->errors, full, strlen(full));
	free(msg);
	free(full);
}

static const char *
keep(struct platform_codes *t, const char *s)
{
	t->strings = xreallocarray(t->strings, t->nstrings + 1, sizeof *t->strings);
	return t->strings[t->nstrings++] = xstrdup(s);
}

static bool
two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == '\0' &&
	    !(s[0] == '0' && s[1] == '0');
}

static int
code_cmp(const struct platform_code *a, enum form_code_kind kind, const char *major,
    const char *minor)
{
	int c = (int)a->kind - (int)kind;

	if (c == 0)
		c = strcmp(a->major, major);
	return c != 0 ? c : strcmp(a->minor, minor);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct platform_code *y = b;

	return code_cmp(a, y->kind, y->major, y->minor);
}

static int
read_header(struct reader *r, size_t n, const char *const *cells, const unsigned *cols,
    unsigned line)
{
	for (int c = 0; c < NCOLS; c++)
		r->col[c] = -1;
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < NCOLS; c++)
			if (strcmp(cells[i], col_names[c]) == 0)
				r->col[c] = (int)i;
	for (int c = 0; c < COL_SOURCE; c++)
		if (r->col[c] < 0) {
			table_error(r, line, n > 0 ? cols[0] : 1, "the header needs a '%s' column "
			    "(kind,major,major_name,minor,minor_name,source)", col_names[c]);
			return 1;   /* nothing after a bad header can be read */
		}
	r->have_header = true;
	return 0;
}

static int
read_row(void *ctx, unsigned line, size_t n, const char *const *cells, const unsigned *cols)
{
	struct reader *r = ctx;
	const char *v[NCOLS];
	unsigned at[NCOLS];
	struct platform_code row = { 0 };
	struct platform_codes *t = r->t;
	bool blank = true;

	for (size_t i = 0; i < n; i++)
		blank &= cells[i][0] == '\0';
	if (blank)
		return 0;
	if (!r->have_header)
		return read_header(r, n, cells, cols, line);
	for (int c = 0; c < NCOLS; c++) {
		bool has = r->col[c] >= 0 && (size_t)r->col[c] < n;

		v[c] = has ? cells[r->col[c]] : "";
		at[c] = has ? cols[r->col[c]] : 0;
	}
	if (form_code_kind_parse(v[COL_KIND], strlen(v[COL_KIND]), &row.kind) != 0) {
		table_error(r, line, at[COL_KIND], "kind '%.40s' is not 部件 or 事件", v[COL_KIND]);
		return 0;
	}
	if (!two_digits(v[COL_MAJOR]) || !two_digits(v[COL_MINOR])) {
		int bad = two_digits(v[COL_MAJOR]) ? COL_MINOR : COL_MAJOR;

		table_error(r, line, at[bad], "%s '%.40s' is not two digits (01 to 99)",
		    col_names[bad], v[bad]);
		return 0;
	}
	if (v[COL_MAJOR_NAME][0] == '\0' || v[COL_MINOR_NAME][0] == '\0') {
		int bad = v[COL_MAJOR_NAME][0] == '\0' ? COL_MAJOR_NAME : COL_MINOR_NAME;

		table_error(r, line, at[bad] ? at[bad] : 1, "%s is empty", col_names[bad]);
		return 0;
	}
	memcpy(row.major, v[COL_MAJOR], 3);
	memcpy(row.minor, v[COL_MINOR], 3);
	for (size_t i = r->first_new; i < t->n; i++) {
		const struct platform_code *o = &t->rows[i];

		if (code_cmp(o, row.kind, row.major, row.minor) == 0) {
			table_error(r, line, at[COL_MINOR], "%s %s%s appears twice (first on line %u)",
			    form_code_kind_word(row.kind), row.major, row.minor,
			    r->row_line[i - r->first_new]);
			return 0;
		}
		if (o->kind == row.kind && strcmp(o->major, row.major) == 0 &&
		    strcmp(o->major_name, v[COL_MAJOR_NAME]) != 0) {
			table_error(r, line, at[COL_MAJOR_NAME], "%s major %s is named '%.40s' here "
			    "and '%s' on line %u", form_code_kind_word(row.kind), row.major,
			    v[COL_MAJOR_NAME], o->major_name, r->row_line[i - r->first_new]);
			return 0;
		}
	}
	row.major_name = keep(t, v[COL_MAJOR_NAME]);
	row.minor_name = keep(t, v[COL_MINOR_NAME]);
	row.source = keep(t, v[COL_SOURCE]);
	t->rows = xreallocarray(t->rows, t->n + 1, sizeof *t->rows);
	r->row_line = xreallocarray(r->row_line, t->n + 1 - r->first_new, sizeof *r->row_line);
	r->row_line[t->n - r->first_new] = line;
	t->rows[t->n++] = row;
	return 0;
}

/* A copy of base's rows, strings shared by copying them too. */
static struct platform_codes *
copy_table(const struct platform_codes *base)
{
	struct platform_codes *t = xcalloc(1, sizeof *t);

	for (size_t i = 0; base != NULL && i < base->n; i++) {
		struct platform_code row = base->rows[i];

		row.major_name = keep(t, row.major_name);
		row.minor_name = keep(t, row.minor_name);
		row.source = keep(t, row.source);
		t->rows = xreallocarray(t->rows, t->n + 1, sizeof *t->rows);
		t->rows[t->n++] = row;
	}
	return t;
}

/* The city's rows (from first_new on) replace base's rows of the same code. */
static void
merge(struct platform_codes *t, size_t first_new)
{
	size_t w = 0;

	for (size_t i = 0; i < t->n; i++) {
		bool overridden = false;

		for (size_t j = first_new; i < first_new && j < t->n && !overridden; j++)
			overridden = code_cmp(&t->rows[i], t->rows[j].kind, t->rows[j].major,
			    t->rows[j].minor) == 0;
		if (!overridden)
			t->rows[w++] = t->rows[i];
	}
	t->n = w;
	qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
}

int
platform_codes_load_buffer(const char *name, const char *data, size_t len,
    const struct platform_codes *base, struct platform_codes **out, char **cause)
{
	struct reader r = { .name = name };
	unsigned line = 0, col = 0;
	char *csv_cause = NULL;

	*out = NULL;
	r.t = copy_table(base);
	r.first_new = r.t->n;
	if (form_csv_rows(data, len, read_row, &r, &line, &col, &csv_cause) < 0) {
		table_error(&r, line, col, "%s", csv_cause);
		free(csv_cause);
	}
	if (r.nerrors == 0 && !r.have_header)
		table_error(&r, 1, 1, "no header (kind,major,major_name,minor,minor_name,source)");
	if (r.nerrors == 0 && r.t->n == r.first_new)
		table_error(&r, 1, 1, "no codes");
	free(r.row_line);
	if (r.nerrors > 0) {
		if (r.nerrors > 50) {
			char *more = xasprintf("\n%s: ... %u errors in all", name, r.nerrors);

			fc_buf_append(&r.errors, more, strlen(more));
			free(more);
		}
		*cause = r.errors.data;
		platform_codes_free(r.t);
		return -1;
	}
	merge(r.t, r.first_new);
	*out = r.t;
	return 0;
}

int
platform_codes_load(const char *path, const struct platform_codes *base,
    struct platform_codes **out, char **cause)
{
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	if (fc_read_file(path, PLATFORM_MAX_TABLE, &data, &len, cause) != 0)
		return -1;
	rc = platform_codes_load_buffer(path, data, len, base, out, cause);
	free(data);
	return rc;
}

void
platform_codes_free(struct platform_codes *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->rows);
	free(t);
}

size_t
platform_codes_count(const struct platform_codes *t)
{
	return t->n;
}

const struct platform_code *
platform_codes_get(const struct platform_codes *t, size_t i)
{
	return i < t->n ? &t->rows[i] : NULL;
}

const struct platform_code *
platform_codes_find(const struct platform_codes *t, enum form_code_kind kind, const char *code)
{
	char major[3], minor[3];
	size_t lo = 0, hi = t->n;

	if (strlen(code) != 4)
		return NULL;
	memcpy(major, code, 2);
	major[2] = '\0';
	memcpy(minor, code + 2, 2);
	minor[2] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = code_cmp(&t->rows[mid], kind, major, minor);

		if (c == 0)
			return &t->rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char *
platform_codes_default_path(const char *given)
{
	if (given != NULL)
		return xstrdup(given);
	if (access("platform/codes.csv", R_OK) == 0)
		return xstrdup("platform/codes.csv");
	return xstrdup(FIELDCHECK_SHAREDIR "/codes.csv");
}

struct platform_codes *
platform_codes_load_city(const char *city, char **cause)
{
	char *path = platform_codes_default_path(NULL);
	struct platform_codes *shipped = NULL, *merged = NULL;
	int rc = platform_codes_load(path, NULL, &shipped, cause);

	free(path);
	if (rc != 0 || city == NULL)
		return shipped;
	rc = platform_codes_load(city, shipped, &merged, cause);
	platform_codes_free(shipped);
	return rc == 0 ? merged : NULL;
}

/* One code term of a form checked against the table. */
static unsigned
check_term(const struct platform_codes *t, const struct form *f, const char *where,
    const char *term, size_t len, platform_form_diag_fn *error, void *ctx)
{
	enum form_code_kind kind;
	char code[5], *msg;

	if (form_code_parse(term, len, &kind, code) != 0 || platform_codes_find(t, kind, code))
		return 0;
	msg = xasprintf("%s: error: %s: fieldcheck::code %s:%s is not in the code table", form_path(f),
	    where, form_code_kind_word(kind), code);
	error(ctx, msg);
	free(msg);
	return 1;
}

unsigned
platform_codes_check_form(const struct platform_codes *t, const struct form *f,
    platform_form_diag_fn *warn, platform_form_diag_fn *error, void *ctx)
{
	unsigned errors = 0;

	for (size_t q = 0; q < form_question_count(f); q++) {
		const char *p = form_question_code(f, q);
		char *where = xasprintf("question '%s'", form_question_name(f, q));

		while (*p != '\0') {
			size_t len = strcspn(p, " ");

			errors += check_term(t, f, where, p, len, error, ctx);
			p += len;
			while (*p == ' ')
				p++;
		}
		free(where);
		for (size_t c = 0; c < form_choice_count(f, q); c++) {
			const char *cc = form_choice_code(f, q, c);

			where = xasprintf("choice '%s' of '%s'", form_choice_name(f, q, c),
			    form_question_name(f, q));
			errors += check_term(t, f, where, cc, strlen(cc), error, ctx);
			free(where);
		}
		if (meaning_is_severity(f, q) && !meaning_hazard_mapped(f, q)) {
			char *msg = xasprintf("%s: warning: hazard '%s' has no fieldcheck::code: its cases "
			    "reach the platform without a class", form_path(f),
			    meaning_hazard_name(f, q));

			warn(ctx, msg);
			free(msg);
		}
	}
	return errors;
}
