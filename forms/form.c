/*
 * form — turns an XLSForm CSV file into an immutable struct form.
 *
 * The layout is pyxform's: a row whose first cell is non-empty names a sheet
 * (survey, choices, settings; any case), the next row with content is that
 * sheet's header, and data rows leave the first cell empty.  Column names are
 * matched without regard to case or surrounding spaces; translations are
 * label::LANG (and pyxform's older label:LANG).
 *
 * Loading never stops at the first problem: every problem in the file goes
 * to the diag callback with its line and column, so `forms check` can list
 * them all, and any problem at all means no form.  Whatever is not supported
 * (a question type, a sheet, a column with content) is an error that names
 * it, never silently dropped, because a checklist that quietly lost a
 * question would lose inspections.
 *
 * Two passes over the survey: the first collects questions (so that ${name}
 * may refer forward), the second parses expressions against them.
 */
#include "forms/forms_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util/util.h"

/* Load-time translation slots (see texts_fix). */
#define TMP_SLOTS (2 * FORM_MAX_ROW_CELLS)

/* What a survey or choices column means. */
enum col_kind {
	C_IGNORE,        /* empty header cell, or a column we know to be harmless */
	C_UNSUPPORTED,   /* an error if any row gives it a value */
	C_TYPE, C_NAME, C_LABEL, C_HINT, C_REQUIRED, C_REQUIRED_MSG, C_RELEVANT,
	C_CONSTRAINT, C_CONSTRAINT_MSG, C_DEFAULT, C_APPEARANCE, C_CALCULATION,
	C_LIST_NAME, C_ROLE, C_SEVERITY, C_CHOICE_FILTER, C_PARAMETERS, C_TRIGGER, C_READONLY, C_CODE,
	C_REPEAT_COUNT,  /* a repeat's number of entries */
	C_FILTER,        /* another column of the choices sheet: a choice_filter may read it */
};

struct column {
	enum col_kind kind;
	size_t lang;     /* for translated columns: language index, or SIZE_MAX unnamed */
	const struct form_csv_cell *head;
};

struct loader {
	struct form *f;
	const char *name;
	form_diag_fn *diag;
	void *ctx;
	unsigned errors;
	struct form_csv *csv;
	struct form_csv *unexpanded;  /* the file as read, when loops were expanded into csv */
	/* survey rows kept for the second pass: row index per question */
	size_t *qrow;
	struct column *scol, *ccol;
	size_t nscol, nccol;
	/* cells of each question's expressions, for positions */
	size_t survey_row, choices_row, settings_row;  /* header row index + 1, 0 if none */
	bool choice_duplicates;  /* settings: allow_choice_duplicates */
	bool *digits;            /* per question: a phone number */
};

static void
diag(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
diag(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	ld->errors++;
	if (ld->diag == NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ld->diag(ld->ctx, ld->name, line, col, msg);
	free(msg);
}

/* A short, printable rendering of untrusted text for messages. */
static const char *
shown(const char *s, char buf[80])
{
	size_t i = 0, n = 0;

	while (s[i] != '\0' && n < 60) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			buf[n++] = '?';
		else
			buf[n++] = (char)c;
		i++;
	}
	/* Do not end inside a UTF-8 sequence. */
	while (n > 0 && s[i] != '\0' && ((unsigned char)s[i] & 0xc0) == 0x80 && n < 79) {
		buf[n++] = s[i++];
	}
	if (s[i] != '\0') {
		while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)buf[n - 1] >= 0xc0)
			n--;
		buf[n] = '\0';
		if (n + 4 < 80)
			strcat(buf, "...");
		return buf;
	}
	buf[n] = '\0';
	return buf;
}

static const struct form_csv_cell *
row_cell(const struct loader *ld, size_t row, size_t i)
{
	const struct form_csv_row *r = &ld->csv->rows[row];

	return i < r->count ? &ld->csv->cells[r->first + i] : NULL;
}

/* The cell's text without surrounding spaces, into a fresh string.  Caller frees. */
static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

static bool
row_empty(const struct loader *ld, size_t row)
{
	const struct form_csv_row *r = &ld->csv->rows[row];

	for (size_t i = 0; i < r->count; i++) {
		const char *s = ld->csv->cells[r->first + i].text;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\0')
			return false;
	}
	return true;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* ---- Languages ---- */

static size_t
lang_add(struct form *f, const char *name)
{
	for (size_t i = 0; i < f->nlang; i++)
		if (strcmp(f->langs[i], name) == 0)
			return i;
	f->langs = xreallocarray(f->langs, f->nlang + 1, sizeof *f->langs);
	f->langs[f->nlang] = xstrdup(name);
	return f->nlang++;
}

/* The code in a language name's parentheses: "English (en)" -> "en". */
static bool
lang_code_is(const char *name, const char *code)
{
	const char *open = strrchr(name, '('), *close;
	size_t n = strlen(code);

	if (open == NULL || (close = strchr(open, ')')) == NULL)
		return false;
	open++;
	while (*open == ' ')
		open++;
	return (size_t)(close - open) >= n && strncasecmp(open, code, n) == 0 &&
	    (size_t)(close - open) == n;
}

size_t
form_lang_index(const struct form *f, const char *lang)
{
	if (lang == NULL || lang[0] == '\0')
		return f->default_lang;
	for (size_t i = 0; i < f->nlang; i++)
		if (strcasecmp(f->langs[i], lang) == 0)
			return i;
	for (size_t i = 0; i < f->nlang; i++)
		if (lang_code_is(f->langs[i], lang))
			return i;
	return f->default_lang;
}

const char *
form_text_in(const struct form *f, char *const *texts, size_t li)
{
	if (texts == NULL)
		return "";
	if (li <= f->nlang && texts[li] != NULL && texts[li][0] != '\0')
		return texts[li];
	if (texts[f->default_lang] != NULL && texts[f->default_lang][0] != '\0')
		return texts[f->default_lang];
	if (texts[f->nlang] != NULL && texts[f->nlang][0] != '\0')
		return texts[f->nlang];
	for (size_t i = 0; i < f->nlang; i++)
		if (texts[i] != NULL && texts[i][0] != '\0')
			return texts[i];
	return "";
}

static void
texts_free(char **t, size_t n)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i <= n; i++)
		free(t[i]);
	free(t);
}

/* ---- Columns ---- */

static const struct {
	const char *name;
	enum col_kind kind;
} survey_columns[] = {
	{ "type", C_TYPE }, { "name", C_NAME }, { "label", C_LABEL }, { "caption", C_LABEL },
	{ "hint", C_HINT }, { "required", C_REQUIRED }, { "bind:required", C_REQUIRED },
	{ "required_message", C_REQUIRED_MSG }, { "bind:jr:requiredmsg", C_REQUIRED_MSG },
	{ "requiredmsg", C_REQUIRED_MSG }, { "readonly", C_READONLY },
	{ "bind:readonly", C_READONLY },
	{ "relevant", C_RELEVANT }, { "bind:relevant", C_RELEVANT },
	{ "constraint", C_CONSTRAINT }, { "bind:constraint", C_CONSTRAINT },
	{ "constraint_message", C_CONSTRAINT_MSG }, { "bind:jr:constraintmsg", C_CONSTRAINT_MSG },
	{ "default", C_DEFAULT }, { "appearance", C_APPEARANCE },
	{ "control:appearance", C_APPEARANCE }, { "calculation", C_CALCULATION },
	{ "bind:calculate", C_CALCULATION }, { "choice_filter", C_CHOICE_FILTER },
	{ "parameters", C_PARAMETERS }, { "trigger", C_TRIGGER },
	{ "repeat_count", C_REPEAT_COUNT }, { "jr:count", C_REPEAT_COUNT },
}, choices_columns[] = {
	{ "list_name", C_LIST_NAME }, { "list name", C_LIST_NAME }, { "name", C_NAME },
	{ "value", C_NAME }, { "label", C_LABEL }, { "text", C_LABEL }, { "caption", C_LABEL },
};

/*
 * fieldcheck's own columns, "fieldcheck::NAME": the "::" is not a language
 * here.  Other XLSForm tools ignore columns they do not know.
 */
static enum col_kind
fieldcheck_column(const char *name, bool survey)
{
	if (survey && strcasecmp(name, "role") == 0)
		return C_ROLE;
	if (!survey && strcasecmp(name, "severity") == 0)
		return C_SEVERITY;
	if (strcasecmp(name, "code") == 0)
		return C_CODE;
	return C_UNSUPPORTED;
}

/* Translatable columns, and the prefixes pyxform accepts before a language. */
static bool
translatable(enum col_kind k)
{
	return k == C_LABEL || k == C_HINT || k == C_CONSTRAINT_MSG || k == C_REQUIRED_MSG;
}

/*
 * Classifies one header cell.  "label::中文 (zh)" -> C_LABEL in that language;
 * "label:english" (the older spelling) likewise; "LABEL" -> C_LABEL unnamed.
 */
static struct column
classify(struct loader *ld, const struct form_csv_cell *cell, bool survey)
{
	struct column c = { .kind = C_IGNORE, .lang = SIZE_MAX, .head = cell };
	char *h = trimmed(cell->text), *lang = NULL, *sep;
	bool media;
	size_t n = survey ? sizeof survey_columns / sizeof survey_columns[0] :
	    sizeof choices_columns / sizeof choices_columns[0];

	if (h[0] == '\0')
		goto out;
	if (strncasecmp(h, "fieldcheck::", 12) == 0) {
		char *name = trimmed(h + 12);

		c.kind = fieldcheck_column(name, survey);
		free(name);
		goto out;
	}
	media = strncasecmp(h, "media:", 6) == 0;
	if ((sep = strstr(h, "::")) != NULL) {
		*sep = '\0';
		lang = trimmed(sep + 2);
	}
	{
		char *end = h + strlen(h);

		while (end > h && end[-1] == ' ')
			*--end = '\0';
	}
	lower(h);
	for (int pass = 0; pass < 2 && c.kind == C_IGNORE; pass++) {
		for (size_t i = 0; i < n; i++) {
			const char *name = survey ? survey_columns[i].name : choices_columns[i].name;
			enum col_kind kind = survey ? survey_columns[i].kind : choices_columns[i].kind;
			size_t len = strlen(name);

			if (pass == 0 && strcmp(h, name) == 0) {
				c.kind = kind;
				break;
			}
			/* pass 1: "label:english", a single colon before the language */
			if (pass == 1 && lang == NULL && translatable(kind) &&
			    strncmp(h, name, len) == 0 && h[len] == ':' && h[len + 1] != '\0') {
				c.kind = kind;
				lang = trimmed(cell->text);
				memmove(lang, lang + len + 1, strlen(lang + len + 1) + 1);
				break;
			}
		}
	}
	if (c.kind == C_IGNORE) {
		/*
		 * Media columns (media::image, audio::English...) name files that a
		 * phone would download; nothing is downloaded here, so they change no
		 * answer.  Neither do ODK's presentation columns.
		 */
		static const char *harmless[] = { "image", "big-image", "audio", "video",
		    "guidance_hint", "rows", "autoplay", "buttontext", "noapperrorstring" };
		size_t hl = strcspn(h, ":");

		c.kind = media ? C_IGNORE : C_UNSUPPORTED;
		for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
			if (strlen(harmless[i]) == hl && strncmp(h, harmless[i], hl) == 0)
				c.kind = C_IGNORE;
		free(lang);
		lang = NULL;
	}
	if (lang != NULL) {
		if (!translatable(c.kind)) {
			char b[80];

			diag(ld, cell->line, cell->col, "column '%s' cannot be translated",
			    shown(cell->text, b));
			c.kind = C_IGNORE;
		} else if (lang[0] == '\0')
			c.lang = SIZE_MAX;
		else
			c.lang = lang_add(ld->f, lang);
	}
out:
	free(h);
	free(lang);
	return c;
}

static struct column *
read_header(struct loader *ld, size_t row, bool survey, size_t *ncol)
{
	const struct form_csv_row *r = &ld->csv->rows[row];
	struct column *cols = xcalloc(r->count + 1, sizeof *cols);

	for (size_t i = 0; i < r->count; i++) {
		/* The first column holds sheet names (also on a header row: "survey,type,name") */
		if (i == 0) {
			cols[i] = (struct column){ .kind = C_IGNORE, .lang = SIZE_MAX,
			    .head = &ld->csv->cells[r->first] };
			continue;
		}
		cols[i] = classify(ld, &ld->csv->cells[r->first + i], survey);
		for (size_t j = 0; j < i; j++)
			if (cols[i].kind != C_IGNORE && cols[i].kind != C_UNSUPPORTED &&
			    cols[j].kind == cols[i].kind && cols[j].lang == cols[i].lang) {
				char b[80];

				diag(ld, cols[i].head->line, cols[i].head->col,
				    "column '%s' repeats the meaning of an earlier column",
				    shown(cols[i].head->text, b));
				cols[i].kind = C_IGNORE;
			}
	}
	*ncol = r->count;
	return cols;
}

/* The cell of a row under a column kind (and language); NULL when absent or empty. */
static const struct form_csv_cell *
cell_of(struct loader *ld, const struct column *cols, size_t ncol, size_t row,
    enum col_kind kind, size_t lang)
{
	for (size_t i = 0; i < ncol; i++) {
		const struct form_csv_cell *c;

		if (cols[i].kind != kind || cols[i].lang != lang)
			continue;
		c = row_cell(ld, row, i);
		return c != NULL && c->text[0] != '\0' ? c : NULL;
	}
	return NULL;
}

/* Translations of a column kind for one row: [nlang + 1], unnamed last. Caller frees. */
static char **
row_texts(struct loader *ld, const struct column *cols, size_t ncol, size_t row,
    enum col_kind kind)
{
	char **t = NULL;

	for (size_t i = 0; i < ncol; i++) {
		const struct form_csv_cell *c;
		size_t li;

		if (cols[i].kind != kind || (c = row_cell(ld, row, i)) == NULL ||
		    c->text[0] == '\0')
			continue;
		if (t == NULL)
			t = xcalloc(TMP_SLOTS + 1, sizeof *t);
		li = cols[i].lang == SIZE_MAX ? TMP_SLOTS : cols[i].lang;
		free(t[li]);
		t[li] = trimmed(c->text);
	}
	return t;
}

/*
 * While loading, translations live in arrays of TMP_SLOTS + 1 (the unnamed
 * language last): languages are known only after every header is read.  The
 * survey and choices headers together name at most TMP_SLOTS languages.
 */
/* Resizes a load-time translation array to [nlang + 1]. */
static char **
texts_fix(const struct form *f, char **t)
{
	char **out;

	if (t == NULL)
		return NULL;
	out = xcalloc(f->nlang + 1, sizeof *out);
	for (size_t i = 0; i < f->nlang; i++)
		out[i] = t[i];
	out[f->nlang] = t[TMP_SLOTS];
	for (size_t i = f->nlang; i < TMP_SLOTS; i++)
		free(t[i]);
	free(t);
	return out;
}

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FORM_MAX_NAME || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/*
 * Choice names are what pyxform accepts: any text (24/7, 30+, père,
 * red’s), at most FORM_MAX_CHOICE bytes, without control characters.  Only
 * a select_multiple cannot hold a name with a space (load_survey_questions).
 */
#define FORM_MAX_CHOICE 256

static bool
valid_choice_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FORM_MAX_CHOICE)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* List names: a name, and also ':' as OSM tag lists write them (building:material). */
static bool
valid_list_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FORM_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80 ||
		    strchr("_-.:", s[i]) != NULL))
			return false;
	return true;
}

/* An id or version from settings: printable, without surrounding spaces. */
static bool
valid_setting_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == '\\')
			return false;
	return true;
}

static bool
is_yes(const char *s)
{
	return strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "true()") == 0 || strcmp(s, "1") == 0;
}

static bool
is_no(const char *s)
{
	return s[0] == '\0' || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "false()") == 0 || strcmp(s, "0") == 0;
}

/* ---- Types ---- */

static const struct {
	const char *name;
	enum form_qtype type;
} simple_types[] = {
	{ "text", FORM_TEXT }, { "string", FORM_TEXT },
	{ "integer", FORM_INTEGER }, { "int", FORM_INTEGER },
	{ "decimal", FORM_DECIMAL }, { "note", FORM_NOTE },
	{ "date", FORM_DATE }, { "time", FORM_TIME }, { "datetime", FORM_DATETIME },
	{ "geopoint", FORM_GEOPOINT }, { "gps", FORM_GEOPOINT },
	{ "acknowledge", FORM_ACKNOWLEDGE }, { "trigger", FORM_ACKNOWLEDGE },
	{ "calculate", FORM_CALCULATE },
	{ "begin_group", FORM_BEGIN_GROUP }, { "begin group", FORM_BEGIN_GROUP },
	{ "end_group", FORM_END_GROUP }, { "end group", FORM_END_GROUP },
	{ "photo", FORM_PHOTO }, { "image", FORM_PHOTO },
	/* handheld scanners type a barcode like a keyboard */
	{ "barcode", FORM_TEXT },
	/* pyxform: a text of digits (its constraint is added in load_survey_details) */
	{ "phone number", FORM_TEXT },
	/* lines and shapes: ODK's "lat lon alt acc;lat lon..." as text, checked */
	{ "geotrace", FORM_TEXT }, { "geoshape", FORM_TEXT },
	/* a slider in ODK: a number within the parameters' start, end and step */
	{ "range", FORM_DECIMAL },
	/* attachments: a file path, like a photo */
	{ "audio", FORM_PHOTO }, { "video", FORM_PHOTO }, { "file", FORM_PHOTO },
};

/* Metadata types: computed by the session, never asked. */
static const struct {
	const char *name;
	enum form_meta meta;
} meta_types[] = {
	{ "start", META_START }, { "end", META_END }, { "today", META_TODAY },
	{ "deviceid", META_DEVICEID }, { "username", META_USERNAME },
	{ "start-geopoint", META_START_GEOPOINT }, { "phonenumber", META_EMPTY },
	{ "email", META_EMPTY }, { "simserial", META_EMPTY }, { "subscriberid", META_EMPTY },
	{ "imei", META_EMPTY }, { "uri:deviceid", META_DEVICEID },
	{ "hidden", META_EMPTY },  /* a value no one enters: empty unless calculated */
};

/* The name of an unsupported type as a reader would say it. */
static void
unsupported_name(const char *t, char *out, size_t size)
{
	static const char *phrases[] = { "begin repeat", "end repeat", "begin loop", "end loop",
	    "phone number", "select one external", "select multiple external" };
	size_t n;

	if (strstr(t, " or specify other") != NULL) {
		fc_strlcpy(out, "or specify other", size);
		return;
	}
	for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
		if (strncmp(t, phrases[i], strlen(phrases[i])) == 0) {
			fc_strlcpy(out, phrases[i], size);
			return;
		}
	n = strcspn(t, " ");
	if (n >= size)
		n = size - 1;
	memcpy(out, t, n);
	out[n] = '\0';
}

/*
 * Parses a type cell.  Returns 0 and the type (and, for selects, the list
 * name in *list, caller frees), or -1 after a diagnostic.
 */
static int
parse_type(struct loader *ld, const struct form_csv_cell *cell, enum form_qtype *type,
    char **list, enum form_meta *meta, bool *or_other, bool *from_file)
{
	char *t = trimmed(cell->text), *w, b[80];
	static const struct {
		const char *prefix;
		enum form_qtype type;
	} selects[] = {
		{ "select_one ", FORM_SELECT_ONE }, { "select one from ", FORM_SELECT_ONE },
		{ "select_one_external ", FORM_SELECT_ONE },
		{ "select_one_from_file ", FORM_SELECT_ONE },
		{ "select_multiple_from_file ", FORM_SELECT_MULTIPLE },
		{ "select_multiple ", FORM_SELECT_MULTIPLE },
		{ "select all that apply from ", FORM_SELECT_MULTIPLE },
	};

	*list = NULL;
	*meta = META_NONE;
	*or_other = false;
	*from_file = false;
	/* Collapse runs of spaces; keyword case does not matter, list names keep theirs. */
	for (char *s = t, *d = t;; s++) {
		if (*s == ' ' && d > t && d[-1] == ' ')
			continue;
		if ((*d++ = *s) == '\0')
			break;
	}
	for (size_t i = 0; i < sizeof selects / sizeof selects[0]; i++) {
		size_t n = strlen(selects[i].prefix);

		if (strncasecmp(t, selects[i].prefix, n) != 0)
			continue;
		w = t + n;
		{
			size_t wl = strlen(w);

			/* pyxform's two spellings of one thing */
			if (wl > 9 && strcasecmp(w + wl - 9, " or_other") == 0) {
				w[wl - 9] = '\0';
				*or_other = true;
			} else if (wl > 17 && strcasecmp(w + wl - 17, " or specify other") == 0) {
				w[wl - 17] = '\0';
				*or_other = true;
			}
		}
		if (strstr(w, " or specify other") != NULL || strchr(w, ' ') != NULL) {
			char u[64];

			lower(t);
			unsupported_name(t, u, sizeof u);
			diag(ld, cell->line, cell->col, "unsupported question type '%s'", u);
			free(t);
			return -1;
		}
		*type = selects[i].type;
		*list = xstrdup(w);
		*from_file = strstr(selects[i].prefix, "_from_file") != NULL;
		free(t);
		return 0;
	}
	lower(t);
	for (size_t i = 0; i < sizeof simple_types / sizeof simple_types[0]; i++)
		if (strcmp(t, simple_types[i].name) == 0) {
			*type = simple_types[i].type;
			if (strcmp(t, "range") == 0)
				*meta = META_RANGE;
			else if (strcmp(t, "phone number") == 0)
				*meta = META_DIGITS;
			else if (strcmp(t, "geotrace") == 0 || strcmp(t, "geoshape") == 0)
				*meta = t[3] == 't' ? META_TRACE : META_SHAPE;
			else if (strcmp(t, "image") == 0 || strcmp(t, "photo") == 0)
				*meta = META_IMAGE;
			free(t);
			return 0;
		}
	for (size_t i = 0; i < sizeof meta_types / sizeof meta_types[0]; i++)
		if (strcmp(t, meta_types[i].name) == 0) {
			*type = FORM_CALCULATE;
			*meta = meta_types[i].meta;
			free(t);
			return 0;
		}
	/* A repeat is a group whose questions are answered once per entry. */
	if (strcmp(t, "begin repeat") == 0 || strcmp(t, "begin_repeat") == 0) {
		*type = FORM_BEGIN_GROUP;
		*meta = META_REPEAT;
		free(t);
		return 0;
	}
	/*
	 * A loop is read as a group, so that the rest of the form is checked as
	 * pyxform would, and refused here.
	 */
	if (strcmp(t, "begin loop") == 0 || strncmp(t, "begin loop ", 11) == 0) {
		diag(ld, cell->line, cell->col, "unsupported question type 'begin loop' (a loop "
		    "over a list's choices; write a repeat: see docs/forms.md)");
		*type = FORM_BEGIN_GROUP;
		free(t);
		return 0;
	}
	if (strcmp(t, "end repeat") == 0 || strcmp(t, "end_repeat") == 0 ||
	    strcmp(t, "end loop") == 0) {
		*type = FORM_END_GROUP;
		free(t);
		return 0;
	}
	/* ODK's OpenMapKit widget: its answer is an .osm file, an attachment here */
	if (strcmp(t, "osm") == 0 || strncmp(t, "osm ", 4) == 0) {
		*type = FORM_PHOTO;
		free(t);
		return 0;
	}
	if (strcmp(t, "audit") == 0) {
		diag(ld, cell->line, cell->col, "unsupported question type 'audit' (fieldcheck "
		    "keeps no log of screen events; remove the row)");
		free(t);
		return -1;
	}
	if (strcmp(t, "select_one") == 0 || strcmp(t, "select_multiple") == 0)
		diag(ld, cell->line, cell->col, "'%s' needs a choice list name", t);
	else {
		char u[64];

		unsupported_name(t, u, sizeof u);
		diag(ld, cell->line, cell->col, "unsupported question type '%s'", shown(u, b));
	}
	free(t);
	return -1;
}

/* ---- Sheets ---- */

static long
list_index(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->nlists; i++)
		if (strcmp(f->lists[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const char *const severity_words[FORM_SEVERITY_LEVELS] = { "minor", "moderate", "severe" };

const char *
form_severity_word(int level)
{
	return level >= 0 && level < FORM_SEVERITY_LEVELS ? severity_words[level] : NULL;
}

int
form_severity_level(const char *word)
{
	for (int i = 0; i < FORM_SEVERITY_LEVELS; i++)
		if (strcmp(word, severity_words[i]) == 0)
			return i;
	return FORM_SEVERITY_NONE;
}

/* A choice's fieldcheck::severity cell; marks its list graded when the cell says anything. */
static int
choice_severity(struct loader *ld, const struct column *cols, size_t ncol, size_t row,
    struct form_list *l)
{
	const struct form_csv_cell *c = cell_of(ld, cols, ncol, row, C_SEVERITY, SIZE_MAX);
	char *word, b[80];
	int level = FORM_SEVERITY_NONE;

	if (c == NULL)
		return FORM_SEVERITY_NONE;
	word = trimmed(c->text);
	lower(word);
	l->graded = true;
	if (strcmp(word, "none") != 0 && (level = form_severity_level(word)) < 0)
		diag(ld, c->line, c->col, "fieldcheck::severity '%s' is not minor, moderate, "
		    "severe or none", shown(word, b));
	free(word);
	return level;
}

/* A choice row's values under the filter columns; NULL when it has none. */
static char **
row_filters(struct loader *ld, const struct column *cols, size_t ncol, size_t row)
{
	char **v = NULL;

	for (size_t i = 0; i < ncol; i++) {
		const struct form_csv_cell *c;

		if (cols[i].kind != C_FILTER || (c = row_cell(ld, row, i)) == NULL ||
		    c->text[0] == '\0')
			continue;
		if (v == NULL)
			v = xcalloc(ld->f->nfilter + 1, sizeof *v);
		v[cols[i].lang] = trimmed(c->text);
	}
	return v;
}

/* external: the external_choices sheet, whose rows repeat names as itemsets do. */
/*
 * A fieldcheck::code cell (forms.h): a choice's is one KIND:MMNN term; a
 * question's (q not NULL) is terms separated by spaces, each KIND:MMNN or
 * ${name} of a select_one whose choices give codes.  NULL when empty.
 */
static char *
cell_code(struct loader *ld, const struct column *cols, size_t ncol, size_t row,
    const struct form_question *q)
{
	const struct form_csv_cell *c = cell_of(ld, cols, ncol, row, C_CODE, SIZE_MAX);
	char *text, b[80];
	size_t terms = 0;

	if (c == NULL || (text = trimmed(c->text))[0] == '\0') {
		if (c != NULL)
			free(text);
		return NULL;
	}
	for (const char *p = text; *p != '\0';) {
		size_t len = strcspn(p, " "), nlen = len > 3 ? len - 3 : 0;
		enum form_code_kind kind;
		char code[5], name[FORM_MAX_NAME + 1];
		long ref;

		terms++;
		if (form_code_parse(p, len, &kind, code) == 0) {
			/* a code: which codes a city has is platform/'s to check */
		} else if (q != NULL && len > 3 && p[0] == '$' && p[1] == '{' && p[len - 1] == '}' &&
		    nlen <= FORM_MAX_NAME) {
			memcpy(name, p + 2, nlen);
			name[nlen] = '\0';
			ref = form_question_index(ld->f, name);
			if (ref < 0 || ld->f->q[ref].type != FORM_SELECT_ONE)
				diag(ld, c->line, c->col, "fieldcheck::code of '%s': '%s' is not a "
				    "select_one question", q->name, shown(name, b));
		} else {
			char *term = xstrndup(p, len);

			diag(ld, c->line, c->col, "fieldcheck::code%s%s%s: '%s' is not KIND:MMNN "
			    "(部件 or 事件, a colon, four digits)%s", q != NULL ? " of '" : "",
			    q != NULL ? q->name : "", q != NULL ? "'" : "", shown(term, b),
			    q != NULL ? " or ${name}" : "");
			free(term);
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	if (q == NULL && terms > 1)
		diag(ld, c->line, c->col, "fieldcheck::code of a choice is one code, not %zu", terms);
	return text;
}

static void
load_choices(struct loader *ld, size_t head, size_t end, bool external)
{
	struct form *f = ld->f;
	size_t ncol;
	struct column *cols = read_header(ld, head, false, &ncol);
	bool has_list = false, has_name = false;

	for (size_t i = 0; i < ncol; i++) {
		has_list |= cols[i].kind == C_LIST_NAME;
		has_name |= cols[i].kind == C_NAME;
		if (cols[i].kind == C_UNSUPPORTED && f->nfilter < FORM_MAX_ROW_CELLS) {
			cols[i].kind = C_FILTER;
			cols[i].lang = f->nfilter;
			f->filter_cols = xreallocarray(f->filter_cols, f->nfilter + 1,
			    sizeof *f->filter_cols);
			f->filter_cols[f->nfilter++] = trimmed(cols[i].head->text);
		}
	}
	if (!has_list || !has_name) {
		const struct form_csv_row *r = &ld->csv->rows[head];
		size_t row = head + 1;

		while (row < end && row_empty(ld, row))
			row++;
		if (row < end)  /* an empty choices sheet is fine, as in pyxform */
			diag(ld, r->line, 0, "choices header needs 'list_name' and 'name' columns");
		free(cols);
		return;
	}
	for (size_t row = head + 1; row < end; row++) {
		const struct form_csv_cell *lc, *nc;
		char *lname, *cname, b[80];
		struct form_list *l;
		long li;

		if (row_empty(ld, row))
			continue;
		lc = cell_of(ld, cols, ncol, row, C_LIST_NAME, SIZE_MAX);
		nc = cell_of(ld, cols, ncol, row, C_NAME, SIZE_MAX);
		if (lc == NULL && nc == NULL)
			continue;  /* a stray label (ona's good_eats): pyxform skips it too */
		if (lc == NULL || nc == NULL) {
			diag(ld, ld->csv->rows[row].line, 0, "choice without %s",
			    lc == NULL ? "a list name" : "a name");
			continue;
		}
		lname = trimmed(lc->text);
		cname = trimmed(nc->text);
		if (!valid_list_name(lname)) {
			diag(ld, lc->line, lc->col, "invalid list name '%s' (letters, digits, "
			    "'_', '-', '.', ':'; at most %d bytes)", shown(lname, b), FORM_MAX_NAME);
			goto next_row;
		}
		if (!valid_choice_name(cname)) {
			diag(ld, nc->line, nc->col, "invalid choice name '%s' (no control "
			    "characters; at most %d bytes)", shown(cname, b), FORM_MAX_CHOICE);
			goto next_row;
		}
		if ((li = list_index(f, lname)) < 0) {
			f->lists = xreallocarray(f->lists, f->nlists + 1, sizeof *f->lists);
			f->lists[f->nlists] = (struct form_list){ .name = lname };
			lname = NULL;
			li = (long)f->nlists++;
		}
		l = &f->lists[li];
		for (size_t c = 0; c < l->count && !ld->choice_duplicates && !external; c++)
			if (strcmp(l->choices[c].name, cname) == 0) {
				diag(ld, nc->line, nc->col, "choice '%s' appears twice in list '%s'",
				    shown(cname, b), l->name);
				goto next_row;
			}
		l->choices = xreallocarray(l->choices, l->count + 1, sizeof *l->choices);
		l->choices[l->count].name = cname;
		l->choices[l->count].line = nc->line;
		l->choices[l->count].col = nc->col;
		l->choices[l->count].filter = row_filters(ld, cols, ncol, row);
		l->choices[l->count].label = row_texts(ld, cols, ncol, row, C_LABEL);
		l->choices[l->count].severity = choice_severity(ld, cols, ncol, row, l);
		l->choices[l->count].code = cell_code(ld, cols, ncol, row, NULL);
		l->count++;
		cname = NULL;
next_row:
		free(lname);
		free(cname);
	}
	free(cols);
}

static void
load_settings(struct loader *ld, size_t head, size_t end, char **default_lang,
    const struct form_csv_cell **default_cell)
{
	struct form *f = ld->f;
	const struct form_csv_row *hr = &ld->csv->rows[head];
	size_t row;

	for (row = head + 1; row < end && row_empty(ld, row); row++)
		;
	if (row >= end)
		return;
	for (size_t i = 0; i < hr->count; i++) {
		const struct form_csv_cell *h = &ld->csv->cells[hr->first + i], *v;
		char *key, *val, b[80];

		if ((v = row_cell(ld, row, i)) == NULL)
			continue;
		key = trimmed(h->text);
		lower(key);
		val = trimmed(v->text);
		if (strcmp(key, "form_id") == 0 || strcmp(key, "id_string") == 0) {
			if (!valid_setting_text(val, FORM_MAX_NAME))
				diag(ld, v->line, v->col, "invalid form_id '%s' (at most %d bytes; no "
				    "control characters, '/' or '\\')", shown(val, b), FORM_MAX_NAME);
			else {
				free(f->id);
				f->id = val;
				val = NULL;
			}
		} else if (strcmp(key, "form_title") == 0 || strcmp(key, "title") == 0) {
			free(f->title);
			f->title = val;
			val = NULL;
		} else if (strcmp(key, "version") == 0) {
			/* pyxform takes any text; dates like "2023-05-10 09:49:47" are common */
			if (val[0] != '\0' && !valid_setting_text(val, 32))
				diag(ld, v->line, v->col, "invalid version '%s' (at most 32 bytes; no "
				    "control characters, '/' or '\\')", shown(val, b));
			else {
				free(f->version);
				f->version = val;
				val = NULL;
			}
		} else if (strcmp(key, "allow_choice_duplicates") == 0) {
			ld->choice_duplicates = is_yes(val);
		} else if (strcmp(key, "default_language") == 0) {
			free(*default_lang);
			*default_lang = val;
			*default_cell = v;
			val = NULL;
		} else if (strcmp(key, "accuracy_threshold") == 0 && val[0] != '\0') {
			char *e;
			double d = strtod(val, &e);

			if (*e != '\0' || !isfinite(d) || d <= 0 || d > 100000)
				diag(ld, v->line, v->col, "accuracy_threshold must be a number of "
				    "metres above 0, not '%s'", shown(val, b));
			else
				f->accuracy_threshold = d;
		}
		/*
		 * Other settings (style, instance_name, submission_url,
		 * add_none_option...) shape ODK's screens or servers, not the
		 * answers; they are accepted and have no effect here.
		 */
		free(key);
		free(val);
	}
}

struct resolve_ctx {
	struct loader *ld;
	size_t upto;    /* questions known so far */
};

/* The question named name: -1 when none, -2 when questions in two groups share it. */
static long
resolve(void *ctx, const char *name)
{
	const struct resolve_ctx *rc = ctx;
	long found = -1;

	for (size_t i = 0; i < rc->upto; i++)
		if (rc->ld->f->q[i].name != NULL && rc->ld->f->q[i].type != FORM_END_GROUP &&
		    strcmp(rc->ld->f->q[i].name, name) == 0) {
			if (found >= 0)
				return -2;
			found = (long)i;
		}
	return found;
}

/* The text question pyxform adds after a select ... or_other. */
static void
other_question(struct loader *ld, size_t i)
{
	struct form *f = ld->f;
	struct form_question *q = &f->q[i];
	struct resolve_ctx rc = { ld, f->nq };
	char *src = xasprintf("selected(${%s}, 'other')", f->q[i - 1].name), *cause = NULL;
	size_t off;

	q->label = xcalloc(TMP_SLOTS + 1, sizeof *q->label);
	q->label[TMP_SLOTS] = xstrdup("Specify other.");
	q->relevant_src = src;
	if ((q->relevant = form_expr_parse(f, src, resolve, NULL, NULL, &rc, &off, &cause)) == NULL) {
		diag(ld, q->line, 0, "'%s': %s", f->q[i - 1].name, cause);
		free(cause);
	}
}

/*
 * Reads and parses a CSV file in the form's directory.  NULL with *cause
 * (caller frees) when it cannot: a path, a missing file, one that is not a
 * regular file (a FIFO) or too large, a bad CSV.
 */
static struct form_csv *
read_beside(struct loader *ld, const char *file, char **cause)
{
	const char *slash = strrchr(ld->name, '/');
	char *path, *data, *why = NULL;
	size_t len;
	struct form_csv *csv = NULL;
	unsigned line, col;

	if (strchr(file, '/') != NULL || file[0] == '.' || file[0] == '\0') {
		*cause = xstrdup("only a file beside the form is read");
		return NULL;
	}
	path = slash != NULL ? xasprintf("%.*s/%s", (int)(slash - ld->name), ld->name, file) :
	    xstrdup(file);
	/* Not fopen(): a FIFO (or device) here would hang loading every form. */
	if (fc_read_file(path, FORM_MAX_FILE, &data, &len, &why) != 0) {
		size_t n = strlen(path);
		/* The caller names the file: only the reason after fc_read_file's "PATH: ". */
		const char *reason = strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0 ?
		    why + n + 2 : why;

		*cause = xasprintf("cannot be read beside the form (%s)", reason);
		free(why);
		free(path);
		return NULL;
	}
	free(path);
	if (form_csv_parse(data, len, &csv, &line, &col, cause) != 0)
		csv = NULL;
	free(data);
	return csv;
}

/* The index of a header column (row 0) named name, any case; SIZE_MAX when none. */
static size_t
csv_column(const struct form_csv *csv, const char *name)
{
	for (size_t i = 0; csv->nrows > 0 && i < csv->rows[0].count; i++) {
		char *h = trimmed(csv->cells[csv->rows[0].first + i].text);
		bool same = strcasecmp(h, name) == 0;

		free(h);
		if (same)
			return i;
	}
	return SIZE_MAX;
}

/* pulldata()'s table file.csv, read once per form (form_expr_table_fn). */
static long
table_column(void *ctx, const char *file, const char *column, const char *key_column,
    long *col, long *key_col)
{
	struct resolve_ctx *rc = ctx;
	struct form *f = rc->ld->f;
	size_t t, c, k;

	for (t = 0; t < f->ntables; t++)
		if (strcmp(f->tables[t].name, file) == 0)
			break;
	if (t == f->ntables) {
		char *name = xasprintf("%s.csv", file), *cause = NULL;
		struct form_csv *csv = read_beside(rc->ld, name, &cause);

		free(name);
		free(cause);
		if (csv == NULL)
			return -1;
		f->tables = xreallocarray(f->tables, f->ntables + 1, sizeof *f->tables);
		f->tables[f->ntables].name = xstrdup(file);
		f->tables[f->ntables++].csv = csv;
	}
	if ((c = csv_column(f->tables[t].csv, column)) == SIZE_MAX ||
	    (k = csv_column(f->tables[t].csv, key_column)) == SIZE_MAX)
		return -1;
	*col = (long)c;
	*key_col = (long)k;
	return (long)t;
}

/* choice_filter's bare names: name, label, then the choices sheet's other columns. */
static long
choice_column(void *ctx, const char *name, size_t len)
{
	const struct resolve_ctx *rc = ctx;

	if (len == 4 && memcmp(name, "name", 4) == 0)
		return 0;
	if (len == 5 && memcmp(name, "label", 5) == 0)
		return 1;
	for (size_t k = 0; k < rc->ld->f->nfilter; k++)
		if (strlen(rc->ld->f->filter_cols[k]) == len &&
		    memcmp(rc->ld->f->filter_cols[k], name, len) == 0)
			return (long)k + 2;
	return -1;
}

/*
 * Parses the expression in a cell; reports errors at the cell plus the
 * offset.  In a choice_filter (filter), bare names are choice columns.
 */
static struct form_expr *
cell_expr_in(struct loader *ld, const struct form_csv_cell *c, const char *what,
    const char *qname, bool filter)
{
	struct resolve_ctx rc = { ld, ld->f->nq };
	struct form_expr *e;
	size_t off = 0;
	char *cause = NULL;

	e = form_expr_parse(ld->f, c->text, resolve, filter ? choice_column : NULL, table_column,
	    &rc, &off, &cause);
	if (e == NULL) {
		diag(ld, c->line, c->col + (c->quoted ? 1 : 0) + (unsigned)off,
		    "%s of '%s': %s", what, qname, cause);
		free(cause);
	}
	return e;
}

static struct form_expr *
cell_expr(struct loader *ld, const struct form_csv_cell *c, const char *what, const char *qname)
{
	return cell_expr_in(ld, c, what, qname, false);
}

/*
 * select_one_from_file F.csv: the choices are the name and label columns of
 * F.csv beside the form (ODK's itemsets from a media file).  Returns the
 * list's index, or -1 after a diagnostic.  GeoJSON and XML files are not read.
 */
static long
file_list(struct loader *ld, const char *file, const struct form_csv_cell *at)
{
	struct form *f = ld->f;
	char *cause = NULL, b[80];
	size_t name_col, label_col;
	struct form_csv *csv;
	struct form_list *l;
	long li;

	if ((li = list_index(f, file)) >= 0)
		return li;
	if (strlen(file) < 5 || strcasecmp(file + strlen(file) - 4, ".csv") != 0) {
		diag(ld, at->line, at->col, "'%s': only a CSV file beside the form is read for "
		    "choices (GeoJSON and XML are not)", shown(file, b));
		return -1;
	}
	if ((csv = read_beside(ld, file, &cause)) == NULL) {
		diag(ld, at->line, at->col, "'%s': %s", shown(file, b), cause);
		free(cause);
		return -1;
	}
	name_col = csv_column(csv, "name");
	label_col = csv_column(csv, "label");
	if (name_col == SIZE_MAX) {
		diag(ld, at->line, at->col, "'%s' has no 'name' column", shown(file, b));
		form_csv_free(csv);
		return -1;
	}
	f->lists = xreallocarray(f->lists, f->nlists + 1, sizeof *f->lists);
	l = &f->lists[f->nlists];
	*l = (struct form_list){ .name = xstrdup(file) };
	for (size_t r = 1; r < csv->nrows; r++) {
		const struct form_csv_row *row = &csv->rows[r];
		char *name = name_col < row->count ? trimmed(csv->cells[row->first + name_col].text) :
		    xstrdup("");

		if (!valid_choice_name(name)) {
			free(name);
			continue;
		}
		l->choices = xreallocarray(l->choices, l->count + 1, sizeof *l->choices);
		l->choices[l->count] = (struct form_choice){ .name = name, .line = row->line };
		if (label_col < row->count) {
			l->choices[l->count].label = xcalloc(TMP_SLOTS + 1, sizeof (char *));
			l->choices[l->count].label[TMP_SLOTS] =
			    trimmed(csv->cells[row->first + label_col].text);
		}
		l->count++;
	}
	form_csv_free(csv);
	return (long)f->nlists++;
}

/*
 * A select_multiple answer is its choice names separated by spaces, as in
 * ODK, so a name with a space cannot be chosen: say so at the name.
 */
static void
check_multiple_names(struct loader *ld, const struct form_list *l)
{
	for (size_t c = 0; c < l->count; c++)
		if (strchr(l->choices[c].name, ' ') != NULL) {
			char b[80];

			diag(ld, l->choices[c].line, l->choices[c].col, "choice name '%s' of list "
			    "'%s' contains a space, which a select_multiple answer cannot hold "
			    "(its choices are separated by spaces)", shown(l->choices[c].name, b),
			    l->name);
		}
}

/* The list "L or_other": L's choices and pyxform's "other". Returns its index. */
static long
list_with_other(struct form *f, long li)
{
	char *name = xasprintf("%s or_other", f->lists[li].name);
	long oi = list_index(f, name);
	struct form_list *l, *src;

	if (oi >= 0) {
		free(name);
		return oi;
	}
	f->lists = xreallocarray(f->lists, f->nlists + 1, sizeof *f->lists);
	src = &f->lists[li];
	l = &f->lists[f->nlists];
	*l = (struct form_list){ .name = name };
	l->choices = xcalloc(src->count + 1, sizeof *l->choices);
	for (size_t c = 0; c < src->count; c++) {
		l->choices[c].name = xstrdup(src->choices[c].name);
		l->choices[c].line = src->choices[c].line;
		l->choices[c].col = src->choices[c].col;
		if (src->choices[c].filter != NULL) {
			l->choices[c].filter = xcalloc(f->nfilter + 1, sizeof *l->choices[c].filter);
			for (size_t k = 0; k < f->nfilter; k++)
				if (src->choices[c].filter[k] != NULL)
					l->choices[c].filter[k] = xstrdup(src->choices[c].filter[k]);
		}
		if (src->choices[c].label != NULL) {
			l->choices[c].label = xcalloc(TMP_SLOTS + 1, sizeof *l->choices[c].label);
			for (size_t k = 0; k <= TMP_SLOTS; k++)
				if (src->choices[c].label[k] != NULL)
					l->choices[c].label[k] = xstrdup(src->choices[c].label[k]);
		}
	}
	l->count = src->count;
	l->choices[l->count].name = xstrdup("other");
	l->choices[l->count].label = xcalloc(TMP_SLOTS + 1, sizeof *l->choices[l->count].label);
	l->choices[l->count].label[TMP_SLOTS] = xstrdup("Other");
	l->count++;
	return (long)f->nlists++;
}

/*
 * Each question's key in a record: its name, or its group path
 * (group/name) when another question in another group has the same name.
 */
static void
set_keys(struct form *f)
{
	for (size_t i = 0; i < f->nq; i++) {
		struct form_question *q = &f->q[i];
		bool shared = false;

		if (q->name == NULL)
			continue;
		for (size_t k = 0; k < f->nq && !shared; k++)
			shared = k != i && f->q[k].name != NULL && f->q[k].type != FORM_END_GROUP &&
			    strcmp(f->q[k].name, q->name) == 0;
		if (!shared || q->parent < 0) {
			q->key = xstrdup(q->name);
			continue;
		}
		{
			long chain[FORM_MAX_DEPTH + 1];
			size_t n = 0, len = strlen(q->name) + 1;
			char *k;

			for (long p = q->parent; p >= 0 && n < FORM_MAX_DEPTH; p = f->q[p].parent) {
				chain[n++] = p;
				len += strlen(f->q[p].name) + 1;
			}
			k = q->key = xmalloc(len);
			k[0] = '\0';
			while (n > 0) {
				strcat(k, f->q[chain[--n]].name);
				strcat(k, "/");
			}
			strcat(k, q->name);
		}
	}
	for (size_t i = 0; i < f->nq; i++) {
		struct form_question *q = &f->q[i];
		struct fc_buf b = { 0 };
		long chain[FORM_MAX_DEPTH + 1];
		size_t n = 0;

		if (q->name == NULL || q->repeat < 0)
			continue;
		if (strchr(q->key, '/') != NULL)
			for (long p = q->parent; p >= 0 && p != q->repeat && n < FORM_MAX_DEPTH;
			    p = f->q[p].parent)
				chain[n++] = p;
		while (n > 0) {
			const char *g = f->q[chain[--n]].name;

			fc_buf_append(&b, g, strlen(g));
			fc_buf_append(&b, "/", 1);
		}
		fc_buf_append(&b, q->name, strlen(q->name));
		q->rkey = b.data;
	}
}

/* ---- Loops: expanded as pyxform does, a group per choice of the list ---- */

/* One cell of the expanded survey: its text's offset in the arena, and where it was read. */
struct xcell {
	size_t off, len;
	unsigned line, col;
	bool quoted;
};

struct expansion {
	struct fc_buf arena;
	struct xcell *cells;
	size_t ncells;
	struct form_csv_row *rows;
	size_t nrows;
};

/* Appends a cell whose text is t, read at c's place. */
static void
x_cell(struct expansion *x, const struct form_csv_cell *c, const char *t)
{
	struct xcell *xc;

	x->cells = xreallocarray(x->cells, x->ncells + 1, sizeof *x->cells);
	xc = &x->cells[x->ncells++];
	xc->off = x->arena.len;
	xc->len = strlen(t);
	xc->line = c->line;
	xc->col = c->col;
	xc->quoted = c->quoted;
	fc_buf_append(&x->arena, t, xc->len + 1);
}

/* t with %(name)s and %(label)s replaced, as pyxform formats a loop's rows.  Caller frees. */
static char *
loop_subst(const char *t, const char *name, const char *label)
{
	struct fc_buf b = { 0 };

	while (*t != '\0') {
		if (strncmp(t, "%(name)s", 8) == 0) {
			fc_buf_append(&b, name, strlen(name));
			t += 8;
		} else if (strncmp(t, "%(label)s", 9) == 0) {
			fc_buf_append(&b, label, strlen(label));
			t += 9;
		} else
			fc_buf_append(&b, t++, 1);
	}
	fc_buf_append(&b, "", 1);
	return b.data;
}

/*
 * Appends row `row` of the file: each cell through loop_subst (name NULL:
 * as it is), the type cell (tcol) as type when given, the name cell as
 * name and the label cells as label when given, other cells empty then.
 */
static void
x_row(struct expansion *x, const struct loader *ld, size_t row, size_t tcol, const char *type,
    size_t ncol, const char *name, const char *label, const bool *is_label, bool own)
{
	const struct form_csv_row *r = &ld->csv->rows[row];
	struct form_csv_row *nr;

	x->rows = xreallocarray(x->rows, x->nrows + 1, sizeof *x->rows);
	nr = &x->rows[x->nrows++];
	nr->first = x->ncells;
	nr->count = r->count;
	nr->line = r->line;
	for (size_t i = 0; i < r->count; i++) {
		const struct form_csv_cell *c = &ld->csv->cells[r->first + i];
		char *t;

		if (i == tcol && type != NULL)
			t = xstrdup(type);
		else if (own && i == ncol)
			t = xstrdup(name);
		else if (own)
			t = xstrdup(i < FORM_MAX_ROW_CELLS && is_label[i] ? label : "");
		else if (name != NULL)
			t = loop_subst(c->text, name, label);
		else
			t = xstrdup(c->text);
		x_cell(x, c, t);
		free(t);
	}
}

/* The type cell's words, lower case with single spaces.  Caller frees. */
static char *
type_words(const struct loader *ld, size_t row, size_t tcol)
{
	const struct form_csv_cell *c = row_cell(ld, row, tcol);
	char *t = trimmed(c != NULL ? c->text : "");

	for (char *p = t, *d = t;; p++) {
		if (*p == ' ' && d > t && d[-1] == ' ')
			continue;
		if ((*d++ = (char)tolower((unsigned char)*p)) == '\0')
			break;
	}
	return t;
}

/*
 * `begin loop over LIST` ... `end loop`, as pyxform expands it: a group
 * named as the loop, holding a group per choice of LIST (named and
 * labelled as the choice) with the loop's rows, %(name)s and %(label)s in
 * any of their cells replaced by the choice's.  The survey's rows head..end
 * are rewritten into a new ld->csv whose cells keep their places in the
 * file, so that messages point at the loop's own rows.  A loop inside a
 * loop, or over an unknown list, is left for parse_type to refuse.
 */
static void
expand_loops(struct loader *ld, size_t head, size_t *end)
{
	const struct form_csv_row *hr = &ld->csv->rows[head];
	size_t tcol = SIZE_MAX, ncol = SIZE_MAX;
	bool is_label[FORM_MAX_ROW_CELLS] = { false }, any = false;
	struct expansion x = { 0 };
	struct form_csv *csv;

	for (size_t i = 0; i < hr->count && i < FORM_MAX_ROW_CELLS; i++) {
		char *h = trimmed(ld->csv->cells[hr->first + i].text);

		lower(h);
		if (strcmp(h, "type") == 0)
			tcol = i;
		else if (strcmp(h, "name") == 0)
			ncol = i;
		else
			is_label[i] = strncmp(h, "label", 5) == 0 || strncmp(h, "caption", 7) == 0;
		free(h);
	}
	if (tcol == SIZE_MAX || ncol == SIZE_MAX)
		return;
	for (size_t row = head + 1; row < *end && !any; row++) {
		char *t = type_words(ld, row, tcol);

		any = strncmp(t, "begin loop over ", 16) == 0;
		free(t);
	}
	if (!any)
		return;
	for (size_t row = 0; row < *end; row++) {
		char *t = row > head ? type_words(ld, row, tcol) : xstrdup("");
		size_t stop = row + 1, depth = 1;
		long li = -1;

		if (strncmp(t, "begin loop over ", 16) == 0) {
			li = list_index(ld->f, t + 16);
			for (; stop < *end; stop++) {
				char *u = type_words(ld, stop, tcol);

				depth += strncmp(u, "begin loop", 10) == 0;
				depth -= strcmp(u, "end loop") == 0;
				free(u);
				if (depth != 1)
					break;
			}
		}
		free(t);
		/* not a loop, or one that cannot be expanded (nested, unknown list, unclosed) */
		if (li < 0 || stop >= *end || depth != 0) {
			x_row(&x, ld, row, SIZE_MAX, NULL, ncol, NULL, NULL, is_label, false);
			continue;
		}
		x_row(&x, ld, row, tcol, "begin group", ncol, NULL, NULL, is_label, false);
		for (size_t c = 0; c < ld->f->lists[li].count; c++) {
			const struct form_choice *ch = &ld->f->lists[li].choices[c];
			const char *label = ch->label != NULL ? ch->label[TMP_SLOTS] : NULL;

			for (size_t k = 0; ch->label != NULL && k < TMP_SLOTS && label == NULL; k++)
				label = ch->label[k];
			if (label == NULL)
				label = ch->name;
			x_row(&x, ld, row, tcol, "begin group", ncol, ch->name, label, is_label, true);
			for (size_t r = row + 1; r < stop; r++)
				x_row(&x, ld, r, SIZE_MAX, NULL, ncol, ch->name, label, is_label, false);
			x_row(&x, ld, stop, tcol, "end group", ncol, NULL, NULL, is_label, false);
		}
		x_row(&x, ld, stop, tcol, "end group", ncol, NULL, NULL, is_label, false);
		row = stop;
	}
	csv = xcalloc(1, sizeof *csv);
	csv->arena = x.arena.data;
	csv->cells = xcalloc(x.ncells + 1, sizeof *csv->cells);
	for (size_t i = 0; i < x.ncells; i++) {
		csv->cells[i].text = csv->arena + x.cells[i].off;
		csv->cells[i].len = x.cells[i].len;
		csv->cells[i].line = x.cells[i].line;
		csv->cells[i].col = x.cells[i].col;
		csv->cells[i].quoted = x.cells[i].quoted;
	}
	csv->ncells = x.ncells;
	csv->rows = x.rows;
	csv->nrows = x.nrows;
	free(x.cells);
	ld->unexpanded = ld->csv;
	ld->csv = csv;
	*end = csv->nrows;
}

/*
 * Each row's repeat: the begin_repeat around it; a repeat's end row belongs
 * to it too, so that a pass over the form meets the repeat's rows together.
 */
static void
set_repeats(struct form *f)
{
	for (size_t i = 0; i < f->nq; i++) {
		struct form_question *q = &f->q[i];

		q->repeat = -1;
		for (long p = q->parent; p >= 0; p = f->q[p].parent)
			if (f->q[p].is_repeat) {
				q->repeat = p;
				break;
			}
	}
	for (size_t i = 0; i < f->nq; i++)
		if (f->q[i].is_repeat && f->q[i].end > i && f->q[i].end < f->nq)
			f->q[f->q[i].end].repeat = (long)i;
}

/* First pass over the survey: questions, types, names, groups, lists. */
static void
load_survey_questions(struct loader *ld, size_t head, size_t end)
{
	struct form *f = ld->f;
	size_t ncol;
	struct column *cols = read_header(ld, head, true, &ncol);
	long stack[FORM_MAX_DEPTH];
	size_t stack_row[FORM_MAX_DEPTH];
	unsigned depth = 0;
	bool has_type = false, has_name = false;

	ld->scol = cols;
	ld->nscol = ncol;
	for (size_t i = 0; i < ncol; i++) {
		has_type |= cols[i].kind == C_TYPE;
		has_name |= cols[i].kind == C_NAME;
	}
	if (!has_type || !has_name) {
		diag(ld, ld->csv->rows[head].line, 0, "survey header needs 'type' and 'name' "
		    "columns (found no '%s')", has_type ? "name" : "type");
		return;
	}
	/* Unsupported columns are errors only where a row gives them a value. */
	for (size_t i = 0; i < ncol; i++) {
		char b[80];

		if (cols[i].kind != C_UNSUPPORTED)
			continue;
		for (size_t row = head + 1; row < end; row++) {
			const struct form_csv_cell *c = row_cell(ld, row, i);
			char *t;
			bool empty;

			if (c == NULL)
				continue;
			t = trimmed(c->text);
			empty = t[0] == '\0';
			free(t);
			if (!empty) {
				char *h = trimmed(cols[i].head->text);

				diag(ld, cols[i].head->line, cols[i].head->col,
				    "unsupported column '%s' (used at line %u)", shown(h, b), c->line);
				free(h);
				break;
			}
		}
	}
	/* Room for an "other" text question after every select ... or_other. */
	f->q = xcalloc(2 * (end - head), sizeof *f->q);
	ld->qrow = xcalloc(2 * (end - head), sizeof *ld->qrow);
	for (size_t row = head + 1; row < end; row++) {
		const struct form_csv_cell *tc, *nc;
		struct form_question *q;
		enum form_qtype type;
		enum form_meta meta;
		bool or_other, from_file;
		char *list = NULL, *name, b[80];
		long parent = depth > 0 ? stack[depth - 1] : -1;

		if (row_empty(ld, row))
			continue;
		tc = cell_of(ld, cols, ncol, row, C_TYPE, SIZE_MAX);
		nc = cell_of(ld, cols, ncol, row, C_NAME, SIZE_MAX);
		if (tc == NULL) {
			diag(ld, ld->csv->rows[row].line, 0, "row has no type");
			continue;
		}
		if (parse_type(ld, tc, &type, &list, &meta, &or_other, &from_file) != 0)
			continue;
		name = nc != NULL ? trimmed(nc->text) : xstrdup("");
		if (type == FORM_END_GROUP) {
			if (depth == 0) {
				diag(ld, tc->line, tc->col, "end_group without a begin_group");
				free(name);
				continue;
			}
			depth--;
			parent = depth > 0 ? stack[depth - 1] : -1;
			f->q[stack[depth]].end = f->nq;
		} else if (name[0] == '\0') {
			diag(ld, tc->line, tc->col, "question has no name");
			free(name);
			free(list);
			continue;
		} else if (!valid_name(name)) {
			diag(ld, nc->line, nc->col, "invalid name '%s' (a letter or '_', then "
			    "letters, digits, '_', '-', '.'; at most %d bytes)", shown(name, b),
			    FORM_MAX_NAME);
			free(name);
			free(list);
			continue;
		} else {
			/* As in pyxform, a name is unique among its group's questions. */
			for (size_t k = 0; k < f->nq; k++)
				if (f->q[k].name != NULL && f->q[k].parent == parent &&
				    f->q[k].type != FORM_END_GROUP && strcmp(f->q[k].name, name) == 0) {
					diag(ld, nc->line, nc->col, "duplicate name '%s' (first at "
					    "line %u)", name, f->q[k].line);
					break;
				}
		}
		q = &f->q[f->nq];
		q->type = type;
		q->meta = meta == META_RANGE || meta == META_DIGITS || meta == META_TRACE ||
		    meta == META_SHAPE || meta == META_REPEAT || meta == META_IMAGE ? META_NONE : meta;
		q->is_repeat = meta == META_REPEAT;
		q->repeat = -2;  /* found once every group is known */
		q->image = meta == META_IMAGE;
		q->geo = meta == META_TRACE ? GEO_TRACE : meta == META_SHAPE ? GEO_SHAPE : GEO_NONE;
		q->range = meta == META_RANGE;
		ld->digits = xreallocarray(ld->digits, f->nq + 2, sizeof *ld->digits);
		ld->digits[f->nq] = meta == META_DIGITS;
		ld->digits[f->nq + 1] = false;
		q->name = name[0] != '\0' ? name : NULL;
		if (q->name == NULL)
			free(name);
		q->line = ld->csv->rows[row].line;
		q->list = -1;
		q->depth = depth;
		q->parent = parent;
		if (list != NULL && from_file)
			q->list = file_list(ld, list, tc);
		if (list != NULL && from_file && q->list < 0)
			free(list);
		else if (list != NULL) {
			if (!from_file && (q->list = list_index(f, list)) < 0)
				diag(ld, tc->line, tc->col, "unknown choice list '%s'",
				    shown(list, b));
			else if (f->lists[q->list].count == 0)
				diag(ld, tc->line, tc->col, "choice list '%s' is empty", list);
			else {
				if (type == FORM_SELECT_MULTIPLE)
					check_multiple_names(ld, &f->lists[q->list]);
				if (or_other)
					q->list = list_with_other(f, q->list);
			}
			free(list);
		}
		if (type == FORM_BEGIN_GROUP && q->is_repeat) {
			for (unsigned d = depth; d-- > 0;)
				if (f->q[stack[d]].is_repeat) {
					diag(ld, tc->line, tc->col, "a repeat inside a repeat ('%s' in "
					    "'%s') is not supported (see docs/forms.md)", q->name,
					    f->q[stack[d]].name);
					break;
				}
		}
		if (type == FORM_BEGIN_GROUP) {
			if (depth == FORM_MAX_DEPTH) {
				diag(ld, tc->line, tc->col, "groups nested deeper than %d",
				    FORM_MAX_DEPTH);
			} else {
				stack[depth] = (long)f->nq;
				stack_row[depth] = row;
				depth++;
			}
		}
		ld->qrow[f->nq] = row;
		f->nq++;
		if (or_other && q->name != NULL) {
			/* What pyxform generates: NAME_other, shown when 'other' is chosen. */
			struct form_question *o = &f->q[f->nq];

			o->type = FORM_TEXT;
			o->name = xasprintf("%s_other", q->name);
			o->line = q->line;
			o->list = -1;
			o->depth = depth;
			o->parent = parent;
			ld->qrow[f->nq] = SIZE_MAX;
			f->nq++;
		}
	}
	while (depth > 0) {
		const struct form_csv_row *r = &ld->csv->rows[stack_row[--depth]];

		diag(ld, r->line, 0, "group '%s' is never closed by end_group",
		    f->q[stack[depth]].name);
		f->q[stack[depth]].end = f->nq;
	}
	set_repeats(f);
	set_keys(f);
}

/*
 * A default is an expression, evaluated when the question is first shown,
 * when it refers to answers (${x}*3, ${last-saved#street}) or calls a
 * function (today()), as pyxform decides; else it is a literal answer.
 */
static bool
default_is_dynamic(const char *s)
{
	size_t n = 0;

	if (strstr(s, "${") != NULL)
		return true;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == ':' || s[n] == '_')
		n++;
	return n > 0 && isalpha((unsigned char)s[0]) && s[n] == '(';
}

/*
 * The parameters column: "start=0;end=500;step=50", "max-pixels=1024",
 * "capture-accuracy=10", separated by ';', ',' or spaces.  A parameter
 * that the question's type does not take is an error, as in pyxform.
 */
static void
load_parameters(struct loader *ld, struct form_question *q, const struct form_csv_cell *c)
{
	static const struct {
		const char *key;
		int kind;   /* 0 range, 1 photo, 2 geopoint */
	} known[] = {
		{ "start", 0 }, { "end", 0 }, { "step", 0 }, { "max-pixels", 1 },
		{ "capture-accuracy", 2 }, { "warning-accuracy", 2 },
	};
	int kind = q->range ? 0 : q->type == FORM_PHOTO ? 1 : q->type == FORM_GEOPOINT ? 2 : -1;
	size_t n = 0;
	char *text, *save = NULL, b[80];

	if (q->range) {
		q->range_start = 1;  /* ODK's defaults */
		q->range_end = 10;
		q->range_step = 1;
	}
	if (c == NULL)
		return;
	text = trimmed(c->text);
	for (char *tok = strtok_r(text, ";, \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ";, \t", &save)) {
		char *eq = strchr(tok, '='), *end;
		size_t k;

		if (eq == NULL) {
			diag(ld, c->line, c->col, "parameters of '%s': '%s' is not key=value",
			    q->name, shown(tok, b));
			continue;
		}
		*eq = '\0';
		for (k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strcasecmp(tok, known[k].key) == 0)
				break;
		if (k == sizeof known / sizeof known[0] || known[k].kind != kind) {
			diag(ld, c->line, c->col, "parameters of '%s': '%s' does not apply to this "
			    "type (range: start, end, step; image: max-pixels; geopoint: "
			    "capture-accuracy, warning-accuracy)", q->name, shown(tok, b));
			continue;
		}
		{
			double v = strtod(eq + 1, &end);

			if (eq[1] == '\0' || *end != '\0' || !isfinite(v)) {
				diag(ld, c->line, c->col, "parameters of '%s': %s needs a number, not "
				    "'%s'", q->name, known[k].key, shown(eq + 1, b));
				continue;
			}
			if (kind == 0)
				*(k == 0 ? &q->range_start : k == 1 ? &q->range_end : &q->range_step) = v;
		}
		q->params = xreallocarray(q->params, n + 3, sizeof *q->params);
		q->params[n++] = xstrdup(known[k].key);
		q->params[n++] = xstrdup(eq + 1);
		q->params[n] = NULL;
	}
	if (q->range && (q->range_step <= 0 || q->range_start == q->range_end))
		diag(ld, c->line, c->col, "parameters of '%s': a range needs start != end and a "
		    "step above 0", q->name);
	free(text);
}

/* The trigger column: ${a}, or several as "${a} ${b}". */
static void
load_triggers(struct loader *ld, struct form_question *q, const struct form_csv_cell *c)
{
	struct resolve_ctx rc = { ld, ld->f->nq };
	const char *p = c->text;
	char b[80];
	bool named = false;

	while ((p = strstr(p, "${")) != NULL) {
		const char *close = strchr(p, '}');
		char *name;
		long t;

		if (close == NULL)
			break;
		name = xstrndup(p + 2, (size_t)(close - p - 2));
		named = true;
		if ((t = resolve(&rc, name)) < 0)
			diag(ld, c->line, c->col, "trigger of '%s': %s question '${%s}'", q->name,
			    t == -2 ? "ambiguous" : "unknown", shown(name, b));
		else {
			q->triggers = xreallocarray(q->triggers, q->ntriggers + 1,
			    sizeof *q->triggers);
			q->triggers[q->ntriggers++] = t;
		}
		free(name);
		p = close + 1;
	}
	if (!named)
		diag(ld, c->line, c->col, "trigger of '%s': name the question as ${name}", q->name);
}

/* A fieldcheck::role cell: what the question means to the record model (meaning/). */
static enum form_role
parse_role(struct loader *ld, const struct form_csv_cell *c, const struct form_question *q)
{
	static const struct {
		const char *word;
		enum form_role role;
	} roles[] = {
		{ "none", FORM_ROLE_NONE }, { "asset", FORM_ROLE_ASSET },
		{ "severity", FORM_ROLE_SEVERITY },
	};
	char *word = trimmed(c->text), b[80];
	enum form_role role = FORM_ROLE_UNSET;
	const char *qn = q->name != NULL ? q->name : "end_group";

	lower(word);
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(word, roles[i].word) == 0)
			role = roles[i].role;
	if (role == FORM_ROLE_UNSET)
		diag(ld, c->line, c->col, "fieldcheck::role of '%s' is '%s', not asset, severity "
		    "or none", qn, shown(word, b));
	else if (role == FORM_ROLE_SEVERITY && q->type != FORM_SELECT_ONE &&
	    q->type != FORM_SELECT_MULTIPLE)
		diag(ld, c->line, c->col, "fieldcheck::role severity needs a select question, "
		    "and '%s' is not one", qn);
	else if (role == FORM_ROLE_ASSET && (q->type == FORM_NOTE ||
	    q->type == FORM_BEGIN_GROUP || q->type == FORM_END_GROUP))
		diag(ld, c->line, c->col, "fieldcheck::role asset needs a question with an "
		    "answer, and '%s' has none", qn);
	free(word);
	return role;
}

/* Second pass: texts and expressions, now that every name is known. */
static void
load_survey_details(struct loader *ld)
{
	struct form *f = ld->f;
	struct column *cols = ld->scol;
	size_t ncol = ld->nscol;
	const struct form_csv_cell **default_cell = xcalloc(f->nq + 1, sizeof *default_cell);

	for (size_t i = 0; i < f->nq; i++) {
		struct form_question *q = &f->q[i];
		size_t row = ld->qrow[i];
		const struct form_csv_cell *c;
		const char *qn = q->name != NULL ? q->name : "end_group";

		if (row == SIZE_MAX) {
			other_question(ld, i);
			continue;
		}
		q->label = row_texts(ld, cols, ncol, row, C_LABEL);
		q->hint = row_texts(ld, cols, ncol, row, C_HINT);
		q->constraint_msg = row_texts(ld, cols, ncol, row, C_CONSTRAINT_MSG);
		q->required_msg = row_texts(ld, cols, ncol, row, C_REQUIRED_MSG);
		if ((c = cell_of(ld, cols, ncol, row, C_ROLE, SIZE_MAX)) != NULL)
			q->role = parse_role(ld, c, q);
		q->code = cell_code(ld, cols, ncol, row, q);
		if ((c = cell_of(ld, cols, ncol, row, C_APPEARANCE, SIZE_MAX)) != NULL)
			q->appearance = trimmed(c->text);
		if ((c = cell_of(ld, cols, ncol, row, C_DEFAULT, SIZE_MAX)) != NULL) {
			q->default_value = trimmed(c->text);
			if (default_is_dynamic(q->default_value))
				q->default_expr = cell_expr(ld, c, "default", qn);
			else
				default_cell[i] = c;
		}
		if (q->is_repeat &&
		    (c = cell_of(ld, cols, ncol, row, C_REPEAT_COUNT, SIZE_MAX)) != NULL) {
			q->repeat_count_src = trimmed(c->text);
			q->repeat_count = cell_expr(ld, c, "repeat_count", qn);
		}
		load_parameters(ld, q, cell_of(ld, cols, ncol, row, C_PARAMETERS, SIZE_MAX));
		if ((c = cell_of(ld, cols, ncol, row, C_TRIGGER, SIZE_MAX)) != NULL)
			load_triggers(ld, q, c);
		if ((c = cell_of(ld, cols, ncol, row, C_CHOICE_FILTER, SIZE_MAX)) != NULL) {
			if (q->list < 0)
				;  /* nothing to filter: pyxform and ODK ignore it too */
			else {
				q->choice_filter_src = trimmed(c->text);
				q->choice_filter = cell_expr_in(ld, c, "choice_filter", qn, true);
			}
		}
		if ((c = cell_of(ld, cols, ncol, row, C_RELEVANT, SIZE_MAX)) != NULL) {
			q->relevant_src = trimmed(c->text);
			q->relevant = cell_expr(ld, c, "relevant", qn);
		}
		if ((c = cell_of(ld, cols, ncol, row, C_CONSTRAINT, SIZE_MAX)) != NULL) {
			q->constraint_src = trimmed(c->text);
			q->constraint = cell_expr(ld, c, "constraint", qn);
		}
		if (q->constraint == NULL && ld->digits != NULL && ld->digits[i]) {
			/* pyxform's phone number: digits only */
			struct resolve_ctx rc = { ld, f->nq };
			size_t off;
			char *cause = NULL;

			q->constraint_src = xstrdup("regex(., '^\\d*$')");
			q->constraint = form_expr_parse(f, q->constraint_src, resolve, NULL, NULL, &rc,
			    &off, &cause);
			free(cause);
		}
		if ((c = cell_of(ld, cols, ncol, row, C_READONLY, SIZE_MAX)) != NULL) {
			char *t = trimmed(c->text);

			if (is_yes(t))
				q->readonly = true;
			else if (!is_no(t))
				q->readonly_expr = cell_expr(ld, c, "readonly", qn);
			free(t);
		}
		if ((c = cell_of(ld, cols, ncol, row, C_CALCULATION, SIZE_MAX)) != NULL) {
			q->calculation_src = trimmed(c->text);
			q->calculation = cell_expr(ld, c, "calculation", qn);
		} else if (q->type == FORM_CALCULATE && q->meta == META_NONE)
			diag(ld, q->line, 0, "calculate '%s' has no calculation", qn);
		if ((c = cell_of(ld, cols, ncol, row, C_REQUIRED, SIZE_MAX)) != NULL) {
			char *t = trimmed(c->text);

			if (is_yes(t))
				q->required_always = true;
			else if (!is_no(t))
				q->required = cell_expr(ld, c, "required", qn);
			free(t);
		}
		if (q->type == FORM_END_GROUP && (q->relevant != NULL || q->constraint != NULL))
			diag(ld, q->line, 0, "end_group cannot have relevant or constraint");
	}
	/* Defaults need every choice list and type: check them last. */
	for (size_t i = 0; i < f->nq; i++) {
		char *norm = NULL, *msg = NULL;
		const struct form_csv_cell *c = default_cell[i];

		if (c == NULL)
			continue;
		if (f->q[i].type == FORM_NOTE || f->q[i].type == FORM_CALCULATE ||
		    f->q[i].type == FORM_BEGIN_GROUP || f->q[i].type == FORM_END_GROUP)
			diag(ld, c->line, c->col, "'%s' cannot have a default",
			    form_question_name(f, i));
		else if (form_check_type(f, i, f->q[i].default_value, &norm, &msg) != 0)
			diag(ld, c->line, c->col, "default: %s", msg);
		free(norm);
		free(msg);
	}
	free(default_cell);
}

static void
free_question(const struct form *f, struct form_question *q)
{
	free(q->name);
	free(q->key);
	free(q->rkey);
	free(q->repeat_count_src);
	form_expr_free(q->repeat_count);
	form_expr_free(q->default_expr);
	form_expr_free(q->choice_filter);
	form_expr_free(q->readonly_expr);
	free(q->choice_filter_src);
	for (size_t i = 0; q->params != NULL && q->params[i] != NULL; i++)
		free(q->params[i]);
	free(q->params);
	free(q->triggers);
	texts_free(q->label, f->nlang);
	texts_free(q->hint, f->nlang);
	texts_free(q->constraint_msg, f->nlang);
	texts_free(q->required_msg, f->nlang);
	free(q->appearance);
	free(q->default_value);
	free(q->relevant_src);
	free(q->constraint_src);
	free(q->calculation_src);
	free(q->code);
	form_expr_free(q->relevant);
	form_expr_free(q->constraint);
	form_expr_free(q->required);
	form_expr_free(q->calculation);
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nq; i++)
		free_question(f, &f->q[i]);
	free(f->q);
	for (size_t i = 0; i < f->nlists; i++) {
		for (size_t c = 0; c < f->lists[i].count; c++) {
			free(f->lists[i].choices[c].name);
			texts_free(f->lists[i].choices[c].label, f->nlang);
			for (size_t k = 0; f->lists[i].choices[c].filter != NULL && k < f->nfilter; k++)
				free(f->lists[i].choices[c].filter[k]);
			free(f->lists[i].choices[c].filter);
			free(f->lists[i].choices[c].code);
		}
		free(f->lists[i].choices);
		free(f->lists[i].name);
	}
	free(f->lists);
	for (size_t i = 0; i < f->ntables; i++) {
		free(f->tables[i].name);
		form_csv_free(f->tables[i].csv);
	}
	free(f->tables);
	for (size_t i = 0; i < f->nfilter; i++)
		free(f->filter_cols[i]);
	free(f->filter_cols);
	for (size_t i = 0; i < f->nlang; i++)
		free(f->langs[i]);
	free(f->langs);
	free(f->path);
	free(f->id);
	free(f->version);
	free(f->title);
	free(f);
}

/* "dir/road.csv" -> "road", when it is a valid form id; else "form". */
static char *
id_from_name(const char *name)
{
	const char *base = strrchr(name, '/');
	char *id;
	size_t n;

	base = base != NULL ? base + 1 : name;
	n = strcspn(base, ".");
	id = xstrndup(base, n);
	if (!valid_name(id)) {
		free(id);
		id = xstrdup("form");
	}
	return id;
}

/*
 * external_choices: pyxform's choices for select_one_external, read as
 * choices.  osm: the tags OpenMapKit offers for an osm question; its answer
 * is a file, so the sheet changes no answer here and is not read.
 */
static const char *const sheet_names[] = { "survey", "choices", "settings", "external_choices",
    "osm" };
#define NSHEETS 5

struct form *
form_load_buffer(const char *name, const char *data, size_t len, form_diag_fn *dfn, void *ctx)
{
	struct loader ld = { .name = name, .diag = dfn, .ctx = ctx };
	struct form *f = xcalloc(1, sizeof *f);
	size_t start[NSHEETS] = { 0 }, head[NSHEETS] = { 0 }, end[NSHEETS] = { 0 };
	bool seen[NSHEETS] = { false };
	char *default_lang = NULL, *cause = NULL;
	const struct form_csv_cell *default_cell = NULL;
	unsigned line, col;
	unsigned char digest[crypto_hash_sha256_BYTES];

	ld.f = f;
	f->path = xstrdup(name);
	f->accuracy_threshold = NAN;
	if (form_csv_parse(data, len, &ld.csv, &line, &col, &cause) != 0) {
		diag(&ld, line, col, "%s", cause);
		free(cause);
		goto fail;
	}
	crypto_hash_sha256(digest, (const unsigned char *)data, len);
	sodium_bin2hex(f->hash, sizeof f->hash, digest, sizeof digest);

	/* Split the rows into sheets. */
	for (size_t row = 0, cur = SIZE_MAX; row < ld.csv->nrows; row++) {
		const struct form_csv_cell *first = row_cell(&ld, row, 0);
		char *sheet, b[80];
		size_t k;

		if (first == NULL)
			continue;
		sheet = trimmed(first->text);
		if (sheet[0] == '\0') {
			free(sheet);
			if (cur == SIZE_MAX) {
				if (!row_empty(&ld, row)) {
					diag(&ld, ld.csv->rows[row].line, 1, "row before any sheet name "
					    "(the first cell of a row names its sheet: survey, choices, "
					    "settings)");
					cur = SIZE_MAX - 1;  /* say it once */
				}
			} else if (cur < NSHEETS && head[cur] == 0 && !row_empty(&ld, row))
				head[cur] = row + 1;
			if (cur < NSHEETS)
				end[cur] = row + 1;
			continue;
		}
		lower(sheet);
		for (k = 0; k < NSHEETS; k++)
			if (strcmp(sheet, sheet_names[k]) == 0)
				break;
		if (k == NSHEETS) {
			diag(&ld, first->line, first->col, "unsupported sheet '%s'",
			    shown(sheet, b));
			cur = SIZE_MAX - 1;
		} else if (seen[k]) {
			diag(&ld, first->line, first->col, "sheet '%s' appears twice", sheet);
			cur = SIZE_MAX - 1;
		} else {
			seen[k] = true;
			cur = k;
			start[k] = row;
			end[k] = row + 1;
			/* "survey,type,name,label": the header shares the sheet name's row */
			if (ld.csv->rows[row].count > 1) {
				const struct form_csv_row *r = &ld.csv->rows[row];
				bool more = false;

				for (size_t c = 1; c < r->count && !more; c++) {
					const char *t = ld.csv->cells[r->first + c].text;

					more = t[strspn(t, " \t")] != '\0';
				}
				if (more)
					head[k] = row + 1;
			}
		}
		free(sheet);
	}
	if (!seen[0])
		diag(&ld, 1, 0, "no survey sheet (the first cell of a row names its sheet)");
	for (size_t k = 0; k < NSHEETS; k++)
		if (seen[k] && head[k] == 0 && k != 2 && k != 4)
			diag(&ld, ld.csv->rows[start[k]].line, 0, "sheet '%s' has no header row",
			    sheet_names[k]);
	if (seen[2] && head[2] != 0)
		load_settings(&ld, head[2] - 1, end[2], &default_lang, &default_cell);
	if (seen[1] && head[1] != 0)
		load_choices(&ld, head[1] - 1, end[1], false);
	if (seen[3] && head[3] != 0)
		load_choices(&ld, head[3] - 1, end[3], true);
	if (seen[0] && head[0] != 0) {
		expand_loops(&ld, head[0] - 1, &end[0]);
		load_survey_questions(&ld, head[0] - 1, end[0]);
		f->default_lang = f->nlang;
		load_survey_details(&ld);
	}
	/* Resize every translation array now that the number of languages is final. */
	for (size_t i = 0; i < f->nq; i++) {
		f->q[i].label = texts_fix(f, f->q[i].label);
		f->q[i].hint = texts_fix(f, f->q[i].hint);
		f->q[i].constraint_msg = texts_fix(f, f->q[i].constraint_msg);
		f->q[i].required_msg = texts_fix(f, f->q[i].required_msg);
	}
	for (size_t i = 0; i < f->nlists; i++)
		for (size_t c = 0; c < f->lists[i].count; c++)
			f->lists[i].choices[c].label = texts_fix(f, f->lists[i].choices[c].label);

	f->default_lang = f->nlang > 0 ? 0 : f->nlang;
	if (default_lang != NULL && default_lang[0] != '\0') {
		size_t i;

		for (i = 0; i < f->nlang; i++)
			if (strcasecmp(f->langs[i], default_lang) == 0 ||
			    lang_code_is(f->langs[i], default_lang))
				break;
		/*
		 * pyxform names the unnamed columns' language so; a name that no
		 * column uses ("Arabic" beside label::العربية) leaves the first one.
		 */
		if (i < f->nlang)
			f->default_lang = i;
	}
	if (seen[0] && head[0] != 0 && f->nq == 0 && ld.errors == 0)
		diag(&ld, ld.csv->rows[head[0] - 1].line, 0, "survey has no questions");
	if (f->id == NULL)
		f->id = id_from_name(name);
	if (f->version == NULL)
		f->version = xstrdup("");
	if (f->title == NULL)
		f->title = xstrdup(f->id);
	if (ld.errors > 0)
		goto fail;
	free(default_lang);
	free(ld.qrow);
	free(ld.scol);
	free(ld.digits);
	form_csv_free(ld.csv);
	form_csv_free(ld.unexpanded);
	return f;

fail:
	free(default_lang);
	free(ld.qrow);
	free(ld.scol);
	free(ld.digits);
	form_csv_free(ld.csv);
	form_csv_free(ld.unexpanded);
	form_free(f);
	return NULL;
}

struct form *
form_load(const char *path, form_diag_fn *dfn, void *ctx)
{
	struct stat sb;
	struct form *f = NULL;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (dfn != NULL) {
			char *m = xasprintf("cannot open: %s", strerror(errno));

			dfn(ctx, path, 0, 0, m);
			free(m);
		}
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)FORM_MAX_FILE) {
		if (dfn != NULL) {
			char *m = !S_ISREG(sb.st_mode) ? xstrdup("not a regular file") :
			    xasprintf("file too large (%lld bytes; at most %u)",
			    (long long)sb.st_size, FORM_MAX_FILE);

			dfn(ctx, path, 0, 0, m);
			free(m);
		}
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (dfn != NULL) {
				char *m = xasprintf("read failed: %s", n < 0 ? strerror(errno) :
				    "file shrank while reading");

				dfn(ctx, path, 0, 0, m);
				free(m);
			}
			goto out;
		}
		got += (size_t)n;
	}
	f = form_load_buffer(path, buf, got, dfn, ctx);
out:
	free(buf);
	close(fd);
	return f;
}

/* ---- Accessors ---- */

const char *form_id(const struct form *f) { return f->id; }
const char *form_version(const struct form *f) { return f->version; }
const char *form_hash(const struct form *f) { return f->hash; }
const char *form_path(const struct form *f) { return f->path; }
double form_accuracy_threshold(const struct form *f) { return f->accuracy_threshold; }
size_t form_language_count(const struct form *f) { return f->nlang; }
size_t form_question_count(const struct form *f) { return f->nq; }

const char *
form_title(const struct form *f, const char *lang)
{
	(void)lang;  /* settings has one form_title */
	return f->title;
}

const char *
form_language(const struct form *f, size_t i)
{
	return i < f->nlang ? f->langs[i] : "";
}

const char *
form_default_language(const struct form *f)
{
	return f->default_lang < f->nlang ? f->langs[f->default_lang] : "";
}

enum form_qtype
form_question_type(const struct form *f, size_t q)
{
	return q < f->nq ? f->q[q].type : FORM_NOTE;
}

const char *
form_question_name(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].name != NULL ? f->q[q].name : "";
}

const char *
form_question_label(const struct form *f, size_t q, const char *lang)
{
	return q < f->nq ? form_text_in(f, f->q[q].label, form_lang_index(f, lang)) : "";
}

const char *
form_question_hint(const struct form *f, size_t q, const char *lang)
{
	return q < f->nq ? form_text_in(f, f->q[q].hint, form_lang_index(f, lang)) : "";
}

const char *
form_question_code(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].code != NULL ? f->q[q].code : "";
}

const char *
form_choice_code(const struct form *f, size_t q, size_t c)
{
	const struct form_choice *ch;

	if (q >= f->nq || f->q[q].list < 0 || c >= f->lists[f->q[q].list].count)
		return "";
	ch = &f->lists[f->q[q].list].choices[c];
	return ch->code != NULL ? ch->code : "";
}

enum form_role
form_question_role(const struct form *f, size_t q)
{
	return q < f->nq ? f->q[q].role : FORM_ROLE_UNSET;
}

bool
form_question_is_image(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].image;
}

const char *
form_question_appearance(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].appearance != NULL ? f->q[q].appearance : "";
}

unsigned
form_question_depth(const struct form *f, size_t q)
{
	return q < f->nq ? f->q[q].depth : 0;
}

bool
form_key_split(const char *key, size_t *repeat_len, size_t *entry, const char **rest)
{
	const char *open = strchr(key, '[');
	unsigned long n;
	char *end;

	if (open == NULL || open == key || !isdigit((unsigned char)open[1]))
		return false;
	errno = 0;
	n = strtoul(open + 1, &end, 10);
	if (errno != 0 || end[0] != ']' || end[1] != '/' || end[2] == '\0' || n == 0 ||
	    n > FORM_MAX_ENTRIES)
		return false;
	*repeat_len = (size_t)(open - key);
	*entry = n - 1;
	*rest = end + 2;
	return true;
}

long
form_question_locate(const struct form *f, const char *key, size_t *entry)
{
	size_t rlen, e;
	const char *rest;

	if (entry != NULL)
		*entry = SIZE_MAX;
	if (key == NULL)
		return -1;
	if (!form_key_split(key, &rlen, &e, &rest)) {
		for (size_t i = 0; i < f->nq; i++)
			if (f->q[i].key != NULL && strcmp(f->q[i].key, key) == 0)
				return (long)i;
		return -1;
	}
	/* rep[N]/x: x of entry N (1-based, as XPath counts) of repeat rep */
	for (size_t r = 0; r < f->nq; r++) {
		const struct form_question *rq = &f->q[r];

		if (!rq->is_repeat || rq->key == NULL || strlen(rq->key) != rlen ||
		    memcmp(rq->key, key, rlen) != 0)
			continue;
		for (size_t i = r + 1; i < rq->end && i < f->nq; i++)
			if (f->q[i].repeat == (long)r && f->q[i].rkey != NULL &&
			    strcmp(f->q[i].rkey, rest) == 0) {
				if (entry != NULL)
					*entry = e;
				return (long)i;
			}
	}
	return -1;
}

long
form_question_index(const struct form *f, const char *name)
{
	return form_question_locate(f, name, NULL);
}

bool
form_question_is_repeat(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].is_repeat;
}

long
form_question_repeat(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].type != FORM_END_GROUP ? f->q[q].repeat : -1;
}

size_t
form_question_end(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].type == FORM_BEGIN_GROUP ? f->q[q].end : q;
}

bool
form_repeat_counted(const struct form *f, size_t rq)
{
	return rq < f->nq && f->q[rq].repeat_count != NULL;
}

int
form_entry_key(const struct form *f, size_t q, size_t e, char *buf, size_t size)
{
	int n;

	if (q >= f->nq || f->q[q].repeat < 0 || f->q[q].rkey == NULL)
		n = snprintf(buf, size, "%s", form_question_key(f, q));
	else
		n = snprintf(buf, size, "%s[%zu]/%s", f->q[f->q[q].repeat].key, e + 1,
		    f->q[q].rkey);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

const char *
form_question_parameter(const struct form *f, size_t q, const char *key)
{
	for (size_t i = 0; q < f->nq && f->q[q].params != NULL && f->q[q].params[i] != NULL;
	    i += 2)
		if (strcmp(f->q[q].params[i], key) == 0)
			return f->q[q].params[i + 1];
	return NULL;
}

const char *
form_question_key(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].key != NULL ? f->q[q].key : form_question_name(f, q);
}

size_t
form_choice_count(const struct form *f, size_t q)
{
	return q < f->nq && f->q[q].list >= 0 ? f->lists[f->q[q].list].count : 0;
}

const char *
form_choice_name(const struct form *f, size_t q, size_t c)
{
	if (c >= form_choice_count(f, q))
		return "";
	return f->lists[f->q[q].list].choices[c].name;
}

long
form_choice_index(const struct form *f, size_t q, const char *name)
{
	for (size_t c = 0; c < form_choice_count(f, q); c++)
		if (strcmp(form_choice_name(f, q, c), name) == 0)
			return (long)c;
	return -1;
}

int
form_choice_severity(const struct form *f, size_t q, size_t c)
{
	if (c >= form_choice_count(f, q) || !f->lists[f->q[q].list].graded)
		return FORM_SEVERITY_UNDECLARED;
	return f->lists[f->q[q].list].choices[c].severity;
}

const char *
form_choice_label(const struct form *f, size_t q, size_t c, const char *lang)
{
	const struct form_choice *ch;
	const char *t;

	if (c >= form_choice_count(f, q))
		return "";
	ch = &f->lists[f->q[q].list].choices[c];
	t = form_text_in(f, ch->label, form_lang_index(f, lang));
	return t[0] != '\0' ? t : ch->name;
}
