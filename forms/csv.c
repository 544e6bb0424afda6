/*
 * csv — an RFC 4180 reader for XLSForm files saved as CSV.
 *
 * Cells are copied, unquoted, into one arena so that the whole file costs two
 * allocations plus the cell and row arrays.  Every cell keeps the line and
 * column where it starts, because every later error (a bad type, an
 * expression's syntax) is reported at file:line:column.  Columns count
 * characters, not bytes, so a position in a Chinese label is where an editor
 * shows it.
 *
 * Input is untrusted: the file and each cell are bounded, UTF-8 is checked
 * before anything else looks at the bytes, and a NUL byte is refused (it
 * would silently cut a C string).  Quotes follow RFC 4180 with one leniency
 * that spreadsheets rely on: a quote inside an unquoted cell is literal.
 */
#include "forms/forms_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is
 * malformed (overlong, surrogate, above U+10FFFF, truncated).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Checks the encoding of the whole file and refuses NUL bytes; on error sets
 * the position of the offending byte.
 */
static int
check_text(const unsigned char *s, size_t n, unsigned *line, unsigned *col, char **cause)
{
	unsigned l = 1, c = 1;
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == '\0') {
			*line = l;
			*col = c;
			return fc_fail(cause, "NUL byte in the file");
		}
		if ((k = utf8_seq(s + i, n - i)) == 0) {
			*line = l;
			*col = c;
			return fc_fail(cause, "invalid UTF-8 (byte 0x%02x)", s[i]);
		}
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else
			c++;
		i += k;
	}
	return 0;
}

void
form_csv_free(struct form_csv *csv)
{
	if (csv == NULL)
		return;
	free(csv->arena);
	free(csv->cells);
	free(csv->rows);
	free(csv);
}

struct reader {
	const char *s;
	size_t n, i;
	unsigned line, col;
	struct form_csv *csv;
	size_t out;             /* next free byte of the arena */
	size_t cell_cap, row_cap;
};

/* Advances one character (a whole UTF-8 sequence), keeping line and column. */
static void
advance(struct reader *r)
{
	unsigned char c = (unsigned char)r->s[r->i];

	if (c == '\n') {
		r->line++;
		r->col = 1;
		r->i++;
		return;
	}
	r->col++;
	r->i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (r->i > r->n)
		r->i = r->n;
}

static void
push_byte(struct reader *r, char c)
{
	r->csv->arena[r->out++] = c;
}

int
form_csv_parse(const char *data, size_t len, struct form_csv **out, unsigned *line,
    unsigned *col, char **cause)
{
	struct reader r = { .s = data, .n = len, .line = 1, .col = 1 };
	struct form_csv *csv = NULL;
	size_t row_start_cell = 0;
	unsigned row_line = 1, cell_line = 1, cell_col = 1;
	bool at_row_start = true;

	*out = NULL;
	*line = 1;
	*col = 0;
	if (len > FORM_MAX_FILE)
		return fc_fail(cause, "file too large (%zu bytes; at most %u)", len, FORM_MAX_FILE);
	if (check_text((const unsigned char *)data, len, line, col, cause) != 0)
		return -1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.i = 3;

	csv = xcalloc(1, sizeof *csv);
	r.csv = csv;
	/* Each cell's text is at most its raw bytes, plus one NUL per cell. */
	csv->arena = xmalloc(2 * len + 2);

	if (r.i >= r.n)
		goto done;
	for (;;) {
		struct form_csv_cell cell = { .line = r.line, .col = r.col };
		size_t start = r.out;

		cell_line = r.line;
		cell_col = r.col;
		if (at_row_start) {
			row_start_cell = csv->ncells;
			row_line = r.line;
			at_row_start = false;
		}
		if (r.i < r.n && r.s[r.i] == '"') {
			cell.quoted = true;
			advance(&r);
			for (;;) {
				if (r.i >= r.n) {
					*line = cell.line;
					*col = cell.col;
					fc_fail(cause, "quoted cell is never closed");
					goto fail;
				}
				if (r.s[r.i] == '"') {
					if (r.i + 1 < r.n && r.s[r.i + 1] == '"') {
						push_byte(&r, '"');
						r.i += 2;
						r.col += 2;
						continue;
					}
					advance(&r);
					break;
				}
				while (r.i < r.n && r.s[r.i] != '"') {
					size_t from = r.i;

					advance(&r);
					while (from < r.i)
						push_byte(&r, r.s[from++]);
				}
				if (r.out - start > FORM_MAX_CELL)
					goto too_long;
			}
			if (r.i < r.n && r.s[r.i] != ',' && r.s[r.i] != '\n' && r.s[r.i] != '\r') {
				*line = r.line;
				*col = r.col;
				fc_fail(cause, "unexpected text after a quoted cell (a quote inside a "
				    "quoted cell is written \"\")");
				goto fail;
			}
		} else {
			while (r.i < r.n && r.s[r.i] != ',' && r.s[r.i] != '\n' && r.s[r.i] != '\r') {
				push_byte(&r, r.s[r.i]);
				r.i++;
				if ((r.s[r.i - 1] & 0xc0) != 0x80)
					r.col++;
			}
			if (r.out - start > FORM_MAX_CELL)
				goto too_long;
		}
		if (r.out - start > FORM_MAX_CELL)
			goto too_long;
		push_byte(&r, '\0');
		cell.len = r.out - start - 1;
		cell.text = NULL;  /* the arena does not move; texts are set at the end */
		if (csv->ncells - row_start_cell >= FORM_MAX_ROW_CELLS) {
			*line = cell.line;
			*col = cell.col;
			fc_fail(cause, "too many cells in one row (at most %d)", FORM_MAX_ROW_CELLS);
			goto fail;
		}
		if (csv->ncells == r.cell_cap) {
			r.cell_cap = r.cell_cap ? 2 * r.cell_cap : 256;
			csv->cells = xreallocarray(csv->cells, r.cell_cap, sizeof *csv->cells);
		}
		cell.text = (const char *)(uintptr_t)start;  /* an offset until done */
		csv->cells[csv->ncells++] = cell;

		if (r.i < r.n && r.s[r.i] == ',') {
			advance(&r);
			continue;
		}
		/* End of a row: CRLF, LF, a lone CR, or the end of the file. */
		if (csv->nrows == r.row_cap) {
			r.row_cap = r.row_cap ? 2 * r.row_cap : 64;
			csv->rows = xreallocarray(csv->rows, r.row_cap, sizeof *csv->rows);
		}
		csv->rows[csv->nrows++] = (struct form_csv_row){ row_start_cell,
		    csv->ncells - row_start_cell, row_line };
		at_row_start = true;
		if (r.i < r.n && r.s[r.i] == '\r') {
			r.i++;
			if (r.i < r.n && r.s[r.i] == '\n')
				r.i++;
			r.line++;
			r.col = 1;
		} else if (r.i < r.n)
			advance(&r);
		if (r.i >= r.n)
			break;
	}
done:
	for (size_t k = 0; k < csv->ncells; k++)
		csv->cells[k].text = csv->arena + (uintptr_t)csv->cells[k].text;
	*out = csv;
	return 0;

too_long:
	*line = cell_line;
	*col = cell_col;
	fc_fail(cause, "cell too long (more than %u bytes)", FORM_MAX_CELL);
	goto fail;
fail:
	form_csv_free(csv);
	return -1;
}
