/*
 * code — the syntax of fieldcheck::code, the city-management platform's
 * class of a hazard (docs/forms.md, "Platform codes"), and the CSV rows the
 * platform's code tables are read from.  What the codes mean, and whether a
 * city's table has them, is platform/'s: the engine checks only the form of
 * a term, so that a typo is a load error at its cell.
 */
#include "forms/forms_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char *const kind_words[] = { "部件", "事件" };

const char *
form_code_kind_word(enum form_code_kind k)
{
	return (unsigned)k < sizeof kind_words / sizeof kind_words[0] ? kind_words[k] : "?";
}

int
form_code_kind_parse(const char *word, size_t len, enum form_code_kind *out)
{
	for (size_t k = 0; k < sizeof kind_words / sizeof kind_words[0]; k++)
		if (strlen(kind_words[k]) == len && memcmp(kind_words[k], word, len) == 0) {
			*out = (enum form_code_kind)k;
			return 0;
		}
	return -1;
}

int
form_code_parse(const char *term, size_t len, enum form_code_kind *kind, char code[5])
{
	const char *colon = memchr(term, ':', len);
	size_t klen;

	if (colon == NULL)
		return -1;
	klen = (size_t)(colon - term);
	if (form_code_kind_parse(term, klen, kind) != 0 || len - klen - 1 != 4)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return -1;
		code[i] = colon[1 + i];
	}
	code[4] = '\0';
	return 0;
}

int
form_csv_rows(const char *data, size_t len, form_csv_row_fn *fn, void *ctx, unsigned *line,
    unsigned *col, char **cause)
{
	struct form_csv *csv;
	int rc = 0;

	if (form_csv_parse(data, len, &csv, line, col, cause) != 0)
		return -1;
	for (size_t r = 0; r < csv->nrows && rc == 0; r++) {
		const struct form_csv_row *row = &csv->rows[r];
		const char *cells[FORM_MAX_ROW_CELLS];
		unsigned cols[FORM_MAX_ROW_CELLS];

		for (size_t i = 0; i < row->count; i++) {
			cells[i] = csv->cells[row->first + i].text;
			cols[i] = csv->cells[row->first + i].col;
		}
		rc = fn(ctx, row->line, row->count, cells, cols);
	}
	form_csv_free(csv);
	return rc;
}
