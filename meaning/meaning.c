/*
 * The record model: see meaning.h for the rules.  The severity scale's
 * words are the form engine's (form_severity_word), so a word a checklist
 * may write and a word this model understands cannot drift apart.
 */
#include "meaning/meaning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"
#include "util/util.h"

_Static_assert(MEANING_SEVERITY_COUNT == FORM_SEVERITY_LEVELS,
    "the model's severities are the form engine's levels");

const char *
meaning_severity_name(enum meaning_severity s)
{
	const char *w = form_severity_word((int)s);

	return w != NULL ? w : "?";
}

int
meaning_severity_parse(const char *name, enum meaning_severity *out)
{
	int level = form_severity_level(name);

	if (level < 0)
		return -1;
	*out = (enum meaning_severity)level;
	return 0;
}

const struct form *
meaning_record_form(const struct form_library *lib, const struct store_record *rec)
{
	const struct form *f;

	if (lib == NULL)
		return NULL;
	if (rec->form_hash[0] != '\0' && (f = form_library_find_hash(lib, rec->form_hash)) != NULL)
		return f;
	if ((f = form_library_find(lib, rec->form_id, rec->form_version)) != NULL)
		return f;
	return form_library_find(lib, rec->form_id, NULL);
}

/* A select whose choices are a severity scale: graded, or named minor, moderate, severe. */
static bool
severity_scale(const struct form *f, size_t q)
{
	bool seen[MEANING_SEVERITY_COUNT] = { false };
	size_t n = form_choice_count(f, q);

	if (n > 0 && form_choice_severity(f, q, 0) != FORM_SEVERITY_UNDECLARED)
		return true;
	if (n != MEANING_SEVERITY_COUNT)
		return false;
	for (size_t c = 0; c < n; c++) {
		int level = form_severity_level(form_choice_name(f, q, c));

		if (level < 0 || seen[level])
			return false;
		seen[level] = true;
	}
	return true;
}

bool
meaning_is_severity(const struct form *f, size_t q)
{
	enum form_qtype t;

	if (f == NULL || q >= form_question_count(f))
		return false;
	switch (form_question_role(f, q)) {
	case FORM_ROLE_SEVERITY: return true;
	case FORM_ROLE_NONE: case FORM_ROLE_ASSET: return false;
	case FORM_ROLE_UNSET: break;
	}
	t = form_question_type(f, q);
	return (t == FORM_SELECT_ONE || t == FORM_SELECT_MULTIPLE) && severity_scale(f, q);
}

/* Choice c's severity, q being known to be a severity question. */
static int
choice_level(const struct form *f, size_t q, size_t c)
{
	int level = form_choice_severity(f, q, c);

	return level != FORM_SEVERITY_UNDECLARED ? level :
	    form_severity_level(form_choice_name(f, q, c));
}

int
meaning_choice_severity(const struct form *f, size_t q, size_t c)
{
	if (!meaning_is_severity(f, q) || c >= form_choice_count(f, q))
		return MEANING_NO_HAZARD;
	return choice_level(f, q, c);
}

/* The severity of value, q being known to be a severity question. */
static int
answer_level(const struct form *f, size_t q, const char *value)
{
	long c = value != NULL ? form_choice_index(f, q, value) : -1;

	return c >= 0 ? choice_level(f, q, (size_t)c) : MEANING_NO_HAZARD;
}

int
meaning_answer_severity(const struct form *f, size_t q, const char *value)
{
	return meaning_is_severity(f, q) ? answer_level(f, q, value) : MEANING_NO_HAZARD;
}

size_t
meaning_severity_questions(const struct form *f, size_t **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t q = 0; f != NULL && q < form_question_count(f); q++)
		if (meaning_is_severity(f, q)) {
			*out = xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = q;
		}
	return n;
}

/* The question a hazard is named after: NAME for NAME_severity when NAME exists, else q. */
static size_t
hazard_question(const struct form *f, size_t q)
{
	static const char suffix[] = "_severity";
	const char *qname = form_question_name(f, q);
	size_t len = strlen(qname), slen = sizeof suffix - 1;
	char name[80];   /* a question name is at most 64 bytes */
	long found;

	if (len <= slen || len - slen >= sizeof name || strcmp(qname + len - slen, suffix) != 0)
		return q;
	memcpy(name, qname, len - slen);
	name[len - slen] = '\0';
	found = form_question_index(f, name);
	return found >= 0 ? (size_t)found : q;
}

const char *
meaning_none_found(const struct form *f, size_t q)
{
	char sev[80];   /* a question name is at most 64 bytes */
	long c, s;

	if (f == NULL || q >= form_question_count(f) || form_question_type(f, q) != FORM_SELECT_ONE)
		return NULL;
	if (meaning_is_severity(f, q))
		return (c = form_choice_index(f, q, "none")) >= 0 &&
		    choice_level(f, q, (size_t)c) == MEANING_NO_HAZARD ? "none" : NULL;
	snprintf(sev, sizeof sev, "%s_severity", form_question_name(f, q));
	s = form_question_index(f, sev);
	return s >= 0 && meaning_is_severity(f, (size_t)s) && hazard_question(f, (size_t)s) == q &&
	    form_choice_index(f, q, "no") >= 0 ? "no" : NULL;
}

size_t
meaning_entries(const struct form *f, size_t q, const struct store_record *rec)
{
	long r = form_question_is_repeat(f, q) ? (long)q : form_question_repeat(f, q);
	const char *rk;
	size_t n = 0, len;

	if (r < 0)
		return 0;
	rk = form_question_key(f, (size_t)r);
	len = strlen(rk);
	for (size_t i = 0; i < rec->answer_count; i++) {
		const char *k = rec->answers[i].name;
		size_t e;

		if (strncmp(k, rk, len) == 0 && k[len] == '[' &&
		    form_question_locate(f, k, &e) >= 0 && e != SIZE_MAX && e + 1 > n)
			n = e + 1;
	}
	return n;
}

/* Entries of q's repeat in rec; 1 outside repeats (the answer is read once). */
static size_t
entries_in(const struct form *f, size_t q, const struct store_record *rec)
{
	return form_question_repeat(f, q) < 0 ? 1 : meaning_entries(f, q, rec);
}

/*
 * Question q's answer in rec: in entry e of its repeat when it is in one
 * (its key "REPEAT[e+1]/KEY" into key), else under its name.
 */
static const char *
answer_at(const struct form *f, size_t q, size_t e, const struct store_record *rec,
    char key[MEANING_KEY_MAX])
{
	if (form_question_repeat(f, q) < 0) {
		snprintf(key, MEANING_KEY_MAX, "%s", form_question_name(f, q));
		return store_record_answer(rec, form_question_name(f, q));
	}
	if (form_entry_key(f, q, e, key, MEANING_KEY_MAX) != 0)
		return NULL;
	return store_record_answer(rec, key);
}

void
meaning_hazards(const struct form *f, const struct store_record *rec, const char *lang,
    meaning_hazard_fn *fn, void *ctx)
{
	for (size_t q = 0; f != NULL && q < form_question_count(f); q++) {
		size_t named, n;
		const char *label;

		if (!meaning_is_severity(f, q))
			continue;
		named = hazard_question(f, q);
		label = form_question_label(f, named, lang);
		if (label[0] == '\0')
			label = form_question_label(f, q, lang);
		n = entries_in(f, q, rec);
		/* in a repeat, each entry's answer is a hazard of its own: "cracks[2]/severity" */
		for (size_t e = 0; e < n; e++) {
			char key[MEANING_KEY_MAX], name[MEANING_KEY_MAX], shown[512];
			int level = answer_level(f, q, answer_at(f, q, e, rec, key));

			if (level == MEANING_NO_HAZARD)
				continue;
			if (form_question_repeat(f, q) < 0) {
				fn(ctx, form_question_name(f, named), label,
				    (enum meaning_severity)level);
				continue;
			}
			if (form_entry_key(f, named, e, name, sizeof name) != 0)
				continue;
			snprintf(shown, sizeof shown, "%s (%zu)", label, e + 1);
			fn(ctx, name, shown, (enum meaning_severity)level);
		}
	}
}

const char *
meaning_hazard_name(const struct form *f, size_t q)
{
	return form_question_name(f, hazard_question(f, q));
}

bool
meaning_hazard_mapped(const struct form *f, size_t q)
{
	if (form_question_code(f, q)[0] != '\0' ||
	    form_question_code(f, hazard_question(f, q))[0] != '\0')
		return true;
	for (size_t c = 0; c < form_choice_count(f, q); c++)
		if (form_choice_code(f, q, c)[0] != '\0')
			return true;
	return false;
}

/* The code of value's choice of question q, or "". */
static const char *
answered_choice_code(const struct form *f, size_t q, const char *value)
{
	long c = value != NULL ? form_choice_index(f, q, value) : -1;

	return c >= 0 ? form_choice_code(f, q, (size_t)c) : "";
}

/* The first term of question q's code cell that gives a code in rec. */
static int
cell_code(const struct form *f, size_t q, const struct store_record *rec,
    enum form_code_kind *kind, char code[5])
{
	for (const char *p = form_question_code(f, q); *p != '\0';) {
		size_t len = strcspn(p, " ");

		if (form_code_parse(p, len, kind, code) == 0)
			return 0;
		if (len > 3 && p[0] == '$') {
			char name[80];   /* a question name is at most 64 bytes */
			long ref;
			const char *c;

			snprintf(name, sizeof name, "%.*s", (int)(len - 3), p + 2);
			ref = form_question_index(f, name);
			c = ref < 0 ? "" : answered_choice_code(f, (size_t)ref,
			    store_record_answer(rec, name));
			if (form_code_parse(c, strlen(c), kind, code) == 0)
				return 0;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return -1;
}

int
meaning_hazard_code(const struct form *f, const struct store_record *rec, const char *hazard,
    enum form_code_kind *kind, char code[5])
{
	size_t e;
	long hq = f != NULL ? form_question_locate(f, hazard, &e) : -1;

	for (size_t q = 0; f != NULL && q < form_question_count(f); q++) {
		size_t named;
		const char *c;
		char key[MEANING_KEY_MAX];

		if (!meaning_is_severity(f, q))
			continue;
		named = hazard_question(f, q);
		/* a hazard of a repeat's entry is named by its key: "cracks[2]/severity" */
		if (e != SIZE_MAX ? (long)named != hq :
		    strcmp(form_question_name(f, named), hazard) != 0)
			continue;
		if (cell_code(f, named, rec, kind, code) == 0 || cell_code(f, q, rec, kind, code) == 0)
			return 0;
		c = answered_choice_code(f, q, answer_at(f, q, e, rec, key));
		return form_code_parse(c, strlen(c), kind, code);
	}
	return -1;
}

void
meaning_count_hazards_in(const struct form *f, const size_t *qs, size_t nq,
    const struct store_record *rec, unsigned counts[MEANING_SEVERITY_COUNT])
{
	memset(counts, 0, MEANING_SEVERITY_COUNT * sizeof counts[0]);
	for (size_t i = 0; f != NULL && i < nq; i++)
		for (size_t e = 0, n = entries_in(f, qs[i], rec); e < n; e++) {
			char key[MEANING_KEY_MAX];
			int level = answer_level(f, qs[i], answer_at(f, qs[i], e, rec, key));

			if (level != MEANING_NO_HAZARD)
				counts[level]++;
		}
}

void
meaning_count_hazards(const struct form *f, const struct store_record *rec,
    unsigned counts[MEANING_SEVERITY_COUNT])
{
	size_t *qs, nq = meaning_severity_questions(f, &qs);

	meaning_count_hazards_in(f, qs, nq, rec, counts);
	free(qs);
}

const char *
meaning_asset(const struct form *f, const struct store_record *rec)
{
	const char *v;
	bool declared = false;

	for (size_t q = 0; f != NULL && q < form_question_count(f); q++)
		if (form_question_role(f, q) == FORM_ROLE_ASSET) {
			declared = true;
			v = store_record_answer(rec, form_question_name(f, q));
			if (v != NULL && v[0] != '\0')
				return v;
		}
	if (declared)
		return "";
	v = store_record_answer(rec, "asset_id");
	if (v != NULL && v[0] != '\0')
		return v;
	for (size_t q = 0; f != NULL && q < form_question_count(f); q++)
		if (form_question_type(f, q) == FORM_TEXT &&
		    form_question_role(f, q) != FORM_ROLE_NONE) {
			v = store_record_answer(rec, form_question_name(f, q));
			return v != NULL ? v : "";
		}
	return "";
}

/* The label of the choice of q named name[0..len), or NULL when q has no such choice. */
static const char *
choice_label(const struct form *f, size_t q, const char *name, size_t len, const char *lang)
{
	for (size_t c = 0; c < form_choice_count(f, q); c++) {
		const char *cn = form_choice_name(f, q, c);

		if (strlen(cn) == len && memcmp(cn, name, len) == 0)
			return form_choice_label(f, q, c, lang);
	}
	return NULL;
}

/* Whether lang (a code or a form's language name, "中文 (zh)") is Chinese. */
static bool
lang_is_zh(const char *lang)
{
	return lang != NULL && (strncmp(lang, "zh", 2) == 0 || strstr(lang, "(zh") != NULL);
}

/* A photo answer as words: size, bytes, when taken, and the start of its hash.  NULL if value is not one. */
static char *
photo_text(const char *value, const char *lang)
{
	struct photo_info ph[PHOTO_MAX_PER_ANSWER];
	struct fc_buf out = { 0 };
	bool zh = lang_is_zh(lang);
	size_t n;

	if (photo_answer_parse(value, ph, PHOTO_MAX_PER_ANSWER, &n) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char one[200], taken[64] = "";
		double kib = (double)ph[i].bytes / 1024.0;
		int len;

		if (ph[i].captured_at[0] != '\0')
			snprintf(taken, sizeof taken, zh ? "，拍摄于 %.10s %s" : ", taken %.10s %s",
			    ph[i].captured_at, ph[i].captured_at + 11);
		len = snprintf(one, sizeof one, zh ? "%s照片 %u×%u，%.0f KiB%s（%.8s）" :
		    "%sphoto %u×%u, %.0f KiB%s (%.8s)", i == 0 ? "" : zh ? "；" : "; ",
		    ph[i].width, ph[i].height, kib < 1 ? 1 : kib, taken, ph[i].sha256);
		fc_buf_append(&out, one, (size_t)len);
	}
	return out.data;
}

char *
meaning_answer_text(const struct form *f, size_t q, const char *value, const char *lang)
{
	enum form_qtype t;
	struct fc_buf out = { 0 };

	if (f == NULL || value == NULL)
		return xstrdup(value != NULL ? value : "");
	t = form_question_type(f, q);
	if (t == FORM_PHOTO) {
		char *text = photo_text(value, lang);

		return text != NULL ? text : xstrdup(value);
	}
	if (t != FORM_SELECT_ONE && t != FORM_SELECT_MULTIPLE)
		return xstrdup(value);
	for (const char *p = value; *p != '\0';) {
		size_t wlen = strcspn(p, " ");

		if (wlen > 0) {
			const char *label = choice_label(f, q, p, wlen, lang);

			if (out.len > 0)
				fc_buf_append(&out, ", ", 2);
			if (label != NULL)
				fc_buf_append(&out, label, strlen(label));
			else
				fc_buf_append(&out, p, wlen);
		}
		p += wlen;
		while (*p == ' ')
			p++;
	}
	return out.data != NULL ? out.data : xstrdup("");
}

void
meaning_geopoint_text(double lat, double lon, double alt_m, double accuracy_m, char *buf,
    size_t size)
{
	if (isnan(accuracy_m) && isnan(alt_m))
		snprintf(buf, size, "%.8f %.8f", lat, lon);
	else if (isnan(accuracy_m))
		snprintf(buf, size, "%.8f %.8f %.1f", lat, lon, alt_m);
	else if (isnan(alt_m))
		snprintf(buf, size, "%.8f %.8f 0 %.1f", lat, lon, accuracy_m);
	else
		snprintf(buf, size, "%.8f %.8f %.1f %.1f", lat, lon, alt_m, accuracy_m);
}

int
meaning_parse_position(const char *text, struct store_position *pos)
{
	double v[3] = { NAN, NAN, NAN };
	const char *p = text;
	char *end;
	int n = 0;

	while (n < 3) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		v[n] = strtod(p, &end);
		if (end == p || !isfinite(v[n]))
			return -1;
		n++;
		p = end;
	}
	while (*p == ' ' || *p == ',')
		p++;
	if (n < 2 || *p != '\0' || v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180 ||
	    (n == 3 && v[2] < 0))
		return -1;
	store_position_clear(pos);
	pos->source = STORE_POS_MANUAL;
	pos->lat = v[0];
	pos->lon = v[1];
	pos->accuracy_m = v[2];
	return 0;
}
