/*
 * session — one set of answers to one form, and what ODK would say of them.
 *
 * After every change the session re-evaluates relevance and calculations over
 * the whole form in file order, repeating only while a pass still changes an
 * answer (a question that stops being relevant loses its answer, which can
 * change another).  Expressions were compiled at load and evaluate without
 * allocating, so a pass over a 200-question form costs microseconds: cheaper
 * and far simpler to trust than tracking dependencies.
 *
 * Answers are checked for their type here too, so the TUI, `record add` and
 * the depot refuse the same things with the same words.
 */
#include "forms/forms_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

/*
 * A repeat's entry: arrays over the whole form, of which only the repeat's
 * rows are used, so that a question's index is its index everywhere.
 */
struct entry {
	char **ans;
	bool *rel;
	bool *shown;
};

struct rep {
	struct entry *e;
	size_t n, cur;
};

/* Where one question's answer lives: the top level's arrays, or an entry's. */
struct slot {
	char **ans;
	bool *rel;
	bool *shown;
};

struct form_session {
	const struct form *f;
	size_t lang;
	char **ans;
	bool *rel;
	bool *shown;      /* a dynamic default is applied the first time only */
	char **last;      /* ${last-saved#x}: answers of the last saved record */
	char *scratch;    /* FORM_MAX_ANSWER + 1: a calculation's text */
	char *arena;      /* FORM_MAX_ANSWER + 1: text that functions build */
	struct rep *reps; /* [nq]: the entries of each begin_repeat row */
	char **view;      /* [nq]: the answers an entry's expressions read */
};

/* Default messages, for forms that give none, in English or Chinese. */
enum msg { M_REQUIRED, M_CONSTRAINT, M_NOT_RELEVANT };

static bool
lang_is_zh(const struct form *f, size_t li)
{
	const char *n = li < f->nlang ? f->langs[li] : "";

	return strstr(n, "(zh") != NULL || strncmp(n, "中文", strlen("中文")) == 0 ||
	    strncasecmp(n, "zh", 2) == 0;
}

static const char *
default_msg(const struct form *f, size_t li, enum msg m)
{
	bool zh = lang_is_zh(f, li);

	switch (m) {
	case M_REQUIRED: return zh ? "此项必填" : "an answer is required";
	case M_CONSTRAINT: return zh ? "答案不符合要求" : "this answer is not allowed";
	default: return zh ? "此项当前不适用" : "this question does not apply now";
	}
}

/* A short, printable rendering of an untrusted value for messages. */
static void
shown(const char *s, char buf[72])
{
	size_t n = 0;

	for (; *s != '\0' && n < 60; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	while (*s != '\0' && ((unsigned char)*s & 0xc0) == 0x80 && n < 68)
		buf[n++] = *s++;
	if (*s != '\0' && n + 4 <= 71) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static bool
answerable(enum form_qtype t)
{
	return t != FORM_NOTE && t != FORM_CALCULATE && t != FORM_BEGIN_GROUP &&
	    t != FORM_END_GROUP;
}

/* [+-]digits[.digits] or [+-].digits, with at most 30 characters. */
static bool
plain_number(const char *s, bool integer, double *out)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.' && !integer) {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits = true;
		}
	}
	if (!digits || *p != '\0' || p - s > (integer ? 18 : 30))
		return false;
	*out = strtod(s, NULL);
	return isfinite(*out);
}

static bool
digits_at(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]; returns the length matched, or 0. */
static bool
valid_time(const char *s)
{
	size_t i = 5;

	if (!digits_at(s, 2) || s[2] != ':' || !digits_at(s + 3, 2) ||
	    (s[0] - '0') * 10 + (s[1] - '0') > 23 || (s[3] - '0') * 10 + (s[4] - '0') > 59)
		return false;
	if (s[i] == ':') {
		if (!digits_at(s + i + 1, 2) || (s[i + 1] - '0') * 10 + (s[i + 2] - '0') > 60)
			return false;
		i += 3;
		if (s[i] == '.') {
			size_t k = 0;

			i++;
			while (isdigit((unsigned char)s[i]) && k < 9) {
				i++;
				k++;
			}
			if (k == 0)
				return false;
		}
	}
	if (s[i] == 'Z')
		i++;
	else if (s[i] == '+' || s[i] == '-') {
		if (!digits_at(s + i + 1, 2) || s[i + 3] != ':' || !digits_at(s + i + 4, 2))
			return false;
		i += 6;
	}
	return s[i] == '\0';
}

/* YYYY-MM-DD, a day that exists (2026-02-30 does not). */
static bool
valid_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (n != 10 || !digits_at(s, 4) || s[4] != '-' || !digits_at(s + 5, 2) || s[7] != '-' ||
	    !digits_at(s + 8, 2))
		return false;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return d <= 29;
	return d <= mdays[m - 1];
}

/* One geopoint "LAT LON [ALT [ACCURACY]]" in s[0..n); its latitude and longitude. */
static bool
valid_point(const char *s, size_t n, double ll[2])
{
	double v[4];
	int k = 0;
	size_t i = 0;

	while (i < n) {
		char num[40];
		size_t m = 0;

		while (i < n && s[i] == ' ')
			i++;
		while (i + m < n && s[i + m] != ' ')
			m++;
		if (m == 0)
			break;
		if (m >= sizeof num || k == 4)
			return false;
		memcpy(num, s + i, m);
		num[m] = '\0';
		if (!plain_number(num, false, &v[k]))
			return false;
		k++;
		i += m;
	}
	if (k < 2 || v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180 || (k == 4 && v[3] < 0))
		return false;
	ll[0] = v[0];
	ll[1] = v[1];
	return true;
}

/* A geotrace (2 points or more) or a closed geoshape (4 or more, last = first). */
static bool
valid_line(const char *s, bool closed)
{
	double first[2], ll[2];
	size_t n = 0;

	for (const char *p = s;; p++) {
		size_t k = strcspn(p, ";");

		if (!valid_point(p, k, ll))
			return false;
		if (n++ == 0)
			memcpy(first, ll, sizeof first);
		p += k;
		if (*p == '\0')
			break;
	}
	if (closed)
		return n >= 4 && ll[0] == first[0] && ll[1] == first[1];
	return n >= 2;
}

static bool
has_choice(const struct form *f, const struct form_question *q, const char *name, size_t len)
{
	const struct form_list *l;

	if (q->list < 0)
		return false;
	l = &f->lists[q->list];
	for (size_t c = 0; c < l->count; c++)
		if (strlen(l->choices[c].name) == len && memcmp(l->choices[c].name, name, len) == 0)
			return true;
	return false;
}

int
form_check_type(const struct form *f, size_t qi, const char *value, char **norm,
    char **message)
{
	const struct form_question *q = &f->q[qi];
	size_t len = strlen(value);
	char b[72];
	double d;

	*norm = NULL;
	shown(value, b);
	if (len > FORM_MAX_ANSWER)
		return fc_fail(message, "'%s': answer too long (%zu bytes; at most %u)", q->name,
		    len, FORM_MAX_ANSWER);
	if (!fc_utf8_valid(value, len))
		return fc_fail(message, "'%s': answer is not valid UTF-8", q->name);
	switch (q->type) {
	case FORM_INTEGER:
		if (!plain_number(value, true, &d))
			return fc_fail(message, "'%s' needs a whole number, not '%s'", q->name, b);
		break;
	case FORM_DECIMAL:
		if (!plain_number(value, false, &d))
			return fc_fail(message, "'%s' needs a number, not '%s'", q->name, b);
		if (q->range) {
			double lo = fmin(q->range_start, q->range_end);
			double hi = fmax(q->range_start, q->range_end);
			double steps = (d - q->range_start) / q->range_step;

			if (d < lo || d > hi || fabs(steps - round(steps)) > 1e-9)
				return fc_fail(message, "'%s' needs a number from %g to %g in steps "
				    "of %g, not '%s'", q->name, q->range_start, q->range_end,
				    q->range_step, b);
		}
		break;
	case FORM_DATE:
		if (!valid_date(value, len))
			return fc_fail(message, "'%s' needs a date as YYYY-MM-DD, not '%s'", q->name, b);
		break;
	case FORM_TIME:
		if (!valid_time(value))
			return fc_fail(message, "'%s' needs a time as HH:MM[:SS], not '%s'", q->name, b);
		break;
	case FORM_DATETIME:
		if (len < 16 || !valid_date(value, 10) || value[10] != 'T' || !valid_time(value + 11))
			return fc_fail(message, "'%s' needs a date and time as "
			    "YYYY-MM-DDTHH:MM[:SS][zone], not '%s'", q->name, b);
		break;
	case FORM_SELECT_ONE:
		if (!has_choice(f, q, value, len))
			return fc_fail(message, "'%s': '%s' is not one of its choices", q->name, b);
		break;
	case FORM_SELECT_MULTIPLE: {
		char *out = xmalloc(len + 1);
		size_t n = 0;

		for (const char *p = value; *p != '\0';) {
			size_t k;

			while (*p == ' ')
				p++;
			if ((k = strcspn(p, " ")) == 0)
				break;
			if (!has_choice(f, q, p, k)) {
				char w[72], *t = xstrndup(p, k);

				shown(t, w);
				free(t);
				free(out);
				return fc_fail(message, "'%s': '%s' is not one of its choices", q->name, w);
			}
			for (const char *o = out; o < out + n;) {
				const char *sp = memchr(o, ' ', (size_t)(out + n - o));
				size_t m = sp != NULL ? (size_t)(sp - o) : (size_t)(out + n - o);

				if (m == k && memcmp(o, p, k) == 0) {
					free(out);
					return fc_fail(message, "'%s': '%.*s' is chosen twice", q->name,
					    (int)k, p);
				}
				o += m + 1;
			}
			if (n > 0)
				out[n++] = ' ';
			memcpy(out + n, p, k);
			n += k;
			p += k;
		}
		out[n] = '\0';
		*norm = out;
		return 0;
	}
	case FORM_GEOPOINT: {
		double ll[2];

		if (!valid_point(value, len, ll))
			return fc_fail(message, "'%s' needs a position as 'LAT LON [ALT [ACCURACY]]' "
			    "in degrees and metres, not '%s'", q->name, b);
		break;
	}
	case FORM_ACKNOWLEDGE:
		if (strcasecmp(value, "OK") != 0)
			return fc_fail(message, "'%s' takes only 'OK', not '%s'", q->name, b);
		*norm = xstrdup("OK");
		return 0;
	case FORM_PHOTO:
		if (len > 4096)
			return fc_fail(message, "'%s': photo path too long", q->name);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)value[i] < 0x20)
				return fc_fail(message, "'%s': control character in the photo path",
				    q->name);
		break;
	case FORM_TEXT:
		if (q->geo != GEO_NONE && !valid_line(value, q->geo == GEO_SHAPE))
			return fc_fail(message, "'%s' needs %s as 'LAT LON [ALT [ACCURACY]]' points "
			    "separated by ';', not '%s'", q->name, q->geo == GEO_SHAPE ?
			    "a closed shape (at least 4 points, the last one the first)" :
			    "a line (at least 2 points)", b);
		break;
	default:
		return fc_fail(message, "'%s' is a %s and takes no answer", q->name,
		    q->type == FORM_NOTE ? "note" : q->type == FORM_CALCULATE ? "calculation" :
		    "group");
	}
	*norm = xstrdup(value);
	return 0;
}

/*
 * Question q's slot: the top level's, or its repeat's current entry's.
 * False when q is in a repeat that has no entry.
 */
static bool
slot_of(const struct form_session *s, size_t q, struct slot *sl)
{
	long r = q < s->f->nq ? s->f->q[q].repeat : -1;
	const struct rep *rp;

	if (r < 0) {
		sl->ans = s->ans;
		sl->rel = s->rel;
		sl->shown = s->shown;
		return q < s->f->nq;
	}
	rp = &s->reps[r];
	if (rp->n == 0)
		return false;
	sl->ans = rp->e[rp->cur].ans;
	sl->rel = rp->e[rp->cur].rel;
	sl->shown = rp->e[rp->cur].shown;
	return true;
}

/* The answers entry e of repeat r reads: its own inside the repeat, the top level's outside. */
static void
fill_view(const struct form_session *s, size_t r, size_t e)
{
	size_t end = s->f->q[r].end;

	memcpy(s->view, s->ans, s->f->nq * sizeof *s->view);
	memcpy(s->view + r + 1, s->reps[r].e[e].ans + r + 1, (end - r) * sizeof *s->view);
}

/* An evaluation as question q sees it (SIZE_MAX: the top level's). */
static void
env_init(const struct form_session *s, struct form_expr_env *env, const char *dot, size_t q)
{
	long r = q < s->f->nq ? s->f->q[q].repeat : -1;

	memset(env, 0, sizeof *env);
	env->answers = (const char *const *)s->ans;
	env->last_saved = (const char *const *)s->last;
	env->arena = s->arena;
	env->arena_size = FORM_MAX_ANSWER + 1;
	env->form = s->f;
	env->lang = s->lang;
	env->nanswers = s->f->nq;
	env->dot = dot;
	env->self = SIZE_MAX;
	env->repeat = -1;
	env->session = s;
	if (r >= 0 && s->reps[r].n > 0) {
		fill_view(s, (size_t)r, s->reps[r].cur);
		env->answers = (const char *const *)s->view;
		env->repeat = r;
		env->position = s->reps[r].cur + 1;
	}
}

size_t
form_session_entries_of(const struct form_session *s, size_t rq)
{
	return rq < s->f->nq && s->f->q[rq].is_repeat ? s->reps[rq].n : 0;
}

const char *
form_session_entry_answer(const struct form_session *s, size_t q, size_t e)
{
	long r = q < s->f->nq ? s->f->q[q].repeat : -1;

	if (r < 0)
		return q < s->f->nq ? s->ans[q] : NULL;
	return e < s->reps[r].n ? s->reps[r].e[e].ans[q] : NULL;
}

/*
 * Question i's relevance and calculation, in the arrays of its slot (the
 * top level's, or one entry's whose view env reads).  True when an answer
 * changed.
 */
static bool
step(struct form_session *s, struct form_expr_env *env, size_t i, const struct slot *sl,
    bool parent_rel)
{
	const struct form_question *q = &s->f->q[i];
	bool r = parent_rel, changed = false;

	if (r && q->relevant != NULL) {
		env->dot = sl->ans[i];
		r = form_expr_eval_bool(q->relevant, env);
	}
	sl->rel[i] = r;
	if (!r) {
		if (sl->ans[i] != NULL) {
			free(sl->ans[i]);
			sl->ans[i] = NULL;
			changed = true;
		}
	} else if (q->type == FORM_CALCULATE && q->calculation != NULL && q->ntriggers == 0) {
		/* A calculation with a trigger runs only when its trigger changes. */
		env->dot = sl->ans[i];
		form_expr_eval_string(q->calculation, env, s->scratch, FORM_MAX_ANSWER + 1);
		if (s->scratch[0] == '\0') {
			if (sl->ans[i] != NULL) {
				free(sl->ans[i]);
				sl->ans[i] = NULL;
				changed = true;
			}
		} else if (sl->ans[i] == NULL || strcmp(sl->ans[i], s->scratch) != 0) {
			free(sl->ans[i]);
			sl->ans[i] = xstrdup(s->scratch);
			changed = true;
		}
	}
	if (sl->ans != s->ans)
		s->view[i] = sl->ans[i];
	return changed;
}

static void
entry_free(const struct form *f, struct entry *e)
{
	for (size_t i = 0; i < f->nq; i++)
		free(e->ans[i]);
	free(e->ans);
	free(e->rel);
	free(e->shown);
}

/* Appends an entry to repeat r, with the literal defaults of its questions. */
static void
entry_add(struct form_session *s, size_t r)
{
	const struct form *f = s->f;
	struct rep *rp = &s->reps[r];
	struct entry *e;

	rp->e = xreallocarray(rp->e, rp->n + 1, sizeof *rp->e);
	e = &rp->e[rp->n++];
	e->ans = xcalloc(f->nq, sizeof *e->ans);
	e->rel = xcalloc(f->nq, sizeof *e->rel);
	e->shown = xcalloc(f->nq, sizeof *e->shown);
	for (size_t i = r + 1; i < f->q[r].end; i++)
		if (f->q[i].default_value != NULL && f->q[i].default_expr == NULL &&
		    answerable(f->q[i].type)) {
			char *norm = NULL, *msg = NULL;

			if (form_check_type(f, i, f->q[i].default_value, &norm, &msg) == 0)
				e->ans[i] = norm;
			free(msg);
		}
}

/* Repeat r's number of entries as its repeat_count says (when it is relevant). */
static bool
count_entries(struct form_session *s, size_t r, struct form_expr_env *env)
{
	const struct form_question *q = &s->f->q[r];
	struct rep *rp = &s->reps[r];
	double d;
	size_t n;
	char *end;

	if (q->repeat_count == NULL || !s->rel[r])
		return false;
	env->dot = NULL;
	form_expr_eval_string(q->repeat_count, env, s->scratch, FORM_MAX_ANSWER + 1);
	d = strtod(s->scratch, &end);
	n = s->scratch[0] == '\0' || *end != '\0' || !(d >= 1) ? 0 :
	    d >= FORM_MAX_ENTRIES ? FORM_MAX_ENTRIES : (size_t)d;
	if (n == rp->n)
		return false;
	while (rp->n > n)
		entry_free(s->f, &rp->e[--rp->n]);
	while (rp->n < n)
		entry_add(s, r);
	if (rp->cur >= rp->n)
		rp->cur = rp->n > 0 ? rp->n - 1 : 0;
	return true;
}

/* Every entry of repeat r, as step does for the top level. */
static bool
step_entries(struct form_session *s, size_t r, const struct form_expr_env *top)
{
	const struct form *f = s->f;
	struct rep *rp = &s->reps[r];
	size_t end = f->q[r].end;
	bool changed = false;

	for (size_t e = 0; e < rp->n; e++) {
		struct form_expr_env env = *top;
		struct slot sl = { rp->e[e].ans, rp->e[e].rel, rp->e[e].shown };

		fill_view(s, r, e);
		env.answers = (const char *const *)s->view;
		env.repeat = (long)r;
		env.position = e + 1;
		for (size_t i = r + 1; i < end; i++) {
			long p = f->q[i].parent;

			changed |= step(s, &env, i, &sl, p == (long)r ? s->rel[r] : sl.rel[p]);
		}
		sl.rel[end] = s->rel[r];
	}
	return changed;
}

/* Relevance and calculations over the whole form, until nothing changes. */
static void
recompute(struct form_session *s)
{
	const struct form *f = s->f;
	struct form_expr_env env;
	struct slot top = { s->ans, s->rel, s->shown };

	env_init(s, &env, NULL, SIZE_MAX);
	for (int pass = 0; pass < 16; pass++) {
		bool changed = false;

		for (size_t i = 0; i < f->nq; i++) {
			const struct form_question *q = &f->q[i];

			if (q->repeat >= 0)
				continue;  /* met with its repeat's row */
			changed |= step(s, &env, i, &top, q->parent < 0 || s->rel[q->parent]);
			if (q->is_repeat) {
				changed |= count_entries(s, i, &env);
				changed |= step_entries(s, i, &env);
			}
		}
		if (!changed)
			break;
	}
}

/* Replaces answer i of a slot (NULL or "" clears it); true when it changed. */
static bool
put_in(const struct slot *sl, size_t i, const char *v)
{
	if (v == NULL || v[0] == '\0') {
		if (sl->ans[i] == NULL)
			return false;
		free(sl->ans[i]);
		sl->ans[i] = NULL;
		return true;
	}
	if (sl->ans[i] != NULL && strcmp(sl->ans[i], v) == 0)
		return false;
	free(sl->ans[i]);
	sl->ans[i] = xstrdup(v);
	return true;
}

/* Replaces top-level answer i. */
static bool
put_answer(struct form_session *s, size_t i, const char *v)
{
	struct slot top = { s->ans, s->rel, s->shown };

	return put_in(&top, i, v);
}

/* Local time as ODK writes a dateTime: 2026-11-29T22:14:05.000+08:00. */
static void
local_datetime(char *buf, size_t size, bool date_only)
{
	time_t t = time(NULL);
	struct tm tm;
	char zone[8];

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	if (date_only) {
		strftime(buf, size, "%Y-%m-%d", &tm);
		return;
	}
	strftime(zone, sizeof zone, "%z", &tm);  /* +0800 */
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S.000", &tm);
	if (strlen(zone) == 5)
		snprintf(buf + strlen(buf), size - strlen(buf), "%.3s:%s", zone, zone + 3);
}

/*
 * Metadata questions of one kind get value (NULL: the time now, as the kind
 * wants).  True when an answer changed.
 */
static bool
set_meta(struct form_session *s, enum form_meta kind, const char *value, bool only_if_empty)
{
	char now[48];
	bool changed = false;

	for (size_t i = 0; i < s->f->nq; i++) {
		if (s->f->q[i].meta != kind || s->f->q[i].repeat >= 0 ||
		    (only_if_empty && s->ans[i] != NULL))
			continue;
		if (value == NULL) {
			local_datetime(now, sizeof now, kind == META_TODAY);
			changed |= put_answer(s, i, now);
		} else
			changed |= put_answer(s, i, value);
	}
	return changed;
}

struct form_session *
form_session_new(const struct form *f, const char *lang)
{
	struct form_session *s = xcalloc(1, sizeof *s);

	s->f = f;
	s->lang = form_lang_index(f, lang);
	s->ans = xcalloc(f->nq + 1, sizeof *s->ans);
	s->rel = xcalloc(f->nq + 1, sizeof *s->rel);
	s->shown = xcalloc(f->nq + 1, sizeof *s->shown);
	s->last = xcalloc(f->nq + 1, sizeof *s->last);
	s->scratch = xmalloc(FORM_MAX_ANSWER + 1);
	s->arena = xmalloc(FORM_MAX_ANSWER + 1);
	s->reps = xcalloc(f->nq + 1, sizeof *s->reps);
	s->view = xcalloc(f->nq + 1, sizeof *s->view);
	set_meta(s, META_START, NULL, false);
	set_meta(s, META_END, NULL, false);
	set_meta(s, META_TODAY, NULL, false);
	/* Defaults were checked against their types when the form loaded. */
	for (size_t i = 0; i < f->nq; i++)
		if (f->q[i].default_value != NULL && f->q[i].default_expr == NULL &&
		    answerable(f->q[i].type) && f->q[i].repeat < 0) {
			char *norm = NULL, *msg = NULL;

			if (form_check_type(f, i, f->q[i].default_value, &norm, &msg) == 0)
				s->ans[i] = norm;
			free(msg);
		}
	recompute(s);
	return s;
}

void
form_session_free(struct form_session *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->f->nq; i++) {
		free(s->ans[i]);
		free(s->last[i]);
		for (size_t e = 0; e < s->reps[i].n; e++)
			entry_free(s->f, &s->reps[i].e[e]);
		free(s->reps[i].e);
	}
	free(s->reps);
	free(s->view);
	free(s->ans);
	free(s->last);
	free(s->shown);
	free(s->rel);
	free(s->scratch);
	free(s->arena);
	free(s);
}

void
form_session_set_language(struct form_session *s, const char *lang)
{
	s->lang = form_lang_index(s->f, lang);
}

const char *
form_session_language(const struct form_session *s)
{
	return s->lang < s->f->nlang ? s->f->langs[s->lang] : "";
}

/* The constraint's failure message for q in the session's language.  Caller frees. */
static char *
constraint_message(const struct form_session *s, const struct form_question *q)
{
	const char *m = form_text_in(s->f, q->constraint_msg, s->lang);

	if (m[0] != '\0')
		return form_session_render(s, m);
	return xasprintf("%s (%s)", default_msg(s->f, s->lang, M_CONSTRAINT),
	    q->constraint_src != NULL ? q->constraint_src : "");
}

/*
 * Does answer v meet q's constraint?  When it does not, *message (caller
 * frees) says why: the form's message, or that the evaluation gave up.
 */
static bool
constraint_holds(const struct form_session *s, const struct form_question *q, const char *v,
    char **message)
{
	struct form_expr_env env;

	if (q->constraint == NULL)
		return true;
	env_init(s, &env, v, (size_t)(q - s->f->q));
	/* As in ODK, ${this question} in its own constraint is the new answer. */
	env.self = (size_t)(q - s->f->q);
	if (form_expr_eval_bool(q->constraint, &env))
		return true;
	*message = env.error != NULL ? xasprintf("'%s': %s", q->name, env.error) :
	    constraint_message(s, q);
	return false;
}

bool
form_session_choice_offered(const struct form_session *s, size_t qi, size_t c)
{
	const struct form *f = s->f;
	const struct form_question *q;
	const struct form_choice *ch;
	const char *cols[FORM_MAX_ROW_CELLS + 2];
	struct form_expr_env env;

	if (qi >= f->nq || c >= form_choice_count(f, qi))
		return false;
	q = &f->q[qi];
	if (q->choice_filter == NULL)
		return true;
	ch = &f->lists[q->list].choices[c];
	cols[0] = ch->name;
	cols[1] = form_text_in(f, ch->label, f->default_lang);
	for (size_t k = 0; k < f->nfilter && k < FORM_MAX_ROW_CELLS; k++)
		cols[k + 2] = ch->filter != NULL ? ch->filter[k] : NULL;
	env_init(s, &env, form_session_get(s, qi), qi);
	env.choice_cols = cols;
	env.nchoice_cols = f->nfilter + 2;
	return form_expr_eval_bool(q->choice_filter, &env);
}

/*
 * Is each choice of a select's answer offered now?  With
 * allow_choice_duplicates a name may appear more than once: any offered
 * occurrence counts.  Returns NULL, or the first name not offered (into buf).
 */
static const char *
not_offered(const struct form_session *s, size_t qi, const char *answer, char buf[72])
{
	const struct form *f = s->f;

	if (f->q[qi].choice_filter == NULL)
		return NULL;
	for (const char *p = answer; *p != '\0';) {
		size_t k = f->q[qi].type == FORM_SELECT_ONE ? strlen(p) : strcspn(p, " "), c;
		bool ok = false;

		for (c = 0; c < form_choice_count(f, qi) && !ok; c++) {
			const char *n = form_choice_name(f, qi, c);

			ok = strlen(n) == k && memcmp(n, p, k) == 0 &&
			    form_session_choice_offered(s, qi, c);
		}
		if (!ok) {
			char *w = xstrndup(p, k);

			shown(w, buf);
			free(w);
			return buf;
		}
		p += k;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

/*
 * Question qi changed: every question whose trigger names it takes its
 * calculation's value now, or is cleared when it has none (ODK's setvalue).
 */
static void
fire_triggers(struct form_session *s, size_t qi)
{
	const struct form *f = s->f;
	struct form_expr_env env;
	bool changed = false;

	for (size_t i = 0; i < f->nq; i++) {
		const struct form_question *q = &f->q[i];
		bool fires = false;
		char *norm = NULL, *msg = NULL;
		struct slot sl;

		for (size_t k = 0; k < q->ntriggers; k++)
			fires |= (size_t)q->triggers[k] == qi;
		if (!fires || !slot_of(s, i, &sl) || !sl.rel[i])
			continue;
		s->scratch[0] = '\0';
		if (q->calculation != NULL) {
			env_init(s, &env, sl.ans[i], i);
			form_expr_eval_string(q->calculation, &env, s->scratch, FORM_MAX_ANSWER + 1);
		}
		if (q->type == FORM_CALCULATE || s->scratch[0] == '\0')
			changed |= put_in(&sl, i, s->scratch);
		else if (form_check_type(f, i, s->scratch, &norm, &msg) == 0)
			changed |= put_in(&sl, i, norm);
		free(norm);
		free(msg);
	}
	if (changed)
		recompute(s);
}

bool
form_session_readonly(const struct form_session *s, size_t qi)
{
	const struct form_question *q;
	struct form_expr_env env;

	if (qi >= s->f->nq)
		return false;
	q = &s->f->q[qi];
	if (q->readonly || q->readonly_expr == NULL)
		return q->readonly;
	env_init(s, &env, form_session_get(s, qi), qi);
	return form_expr_eval_bool(q->readonly_expr, &env);
}

/* 0 when every choice of answer is offered now, else -1 and *message. */
static int
offered_or_say(const struct form_session *s, size_t qi, const char *answer, char **message)
{
	char b[72];
	const char *bad = not_offered(s, qi, answer, b);

	if (bad == NULL)
		return 0;
	return fc_fail(message, "'%s': '%s' is not offered with the answers given "
	    "(choice_filter: %s)", s->f->q[qi].name, bad, s->f->q[qi].choice_filter_src);
}

/*
 * Makes entry e (SIZE_MAX: the current one) of question qi's repeat current,
 * adding entries up to it where the repeat lets answers add them.
 */
static int
reach_entry(struct form_session *s, size_t qi, size_t e, char **message)
{
	const struct form *f = s->f;
	long r = f->q[qi].repeat;
	struct rep *rp;

	if (r < 0)
		return e == SIZE_MAX ? 0 : fc_fail(message, "'%s' is not in a repeat", f->q[qi].name);
	rp = &s->reps[r];
	if (e == SIZE_MAX)
		e = rp->n > 0 ? rp->cur : 0;
	if (e >= rp->n) {
		if (f->q[r].repeat_count != NULL)
			return fc_fail(message, "'%s': repeat '%s' has %zu entr%s (repeat_count: %s)",
			    f->q[qi].name, f->q[r].name, rp->n, rp->n == 1 ? "y" : "ies",
			    f->q[r].repeat_count_src);
		if (!s->rel[r])
			return fc_fail(message, "'%s': %s (relevant: %s)", f->q[r].name,
			    default_msg(f, s->lang, M_NOT_RELEVANT),
			    f->q[r].relevant_src != NULL ? f->q[r].relevant_src : "its group");
		if (e >= FORM_MAX_ENTRIES)
			return fc_fail(message, "'%s': at most %d entries", f->q[r].name,
			    FORM_MAX_ENTRIES);
		while (rp->n <= e)
			entry_add(s, (size_t)r);
		recompute(s);
	}
	rp->cur = e;
	return 0;
}

int
form_session_set(struct form_session *s, const char *name, const char *value, char **message)
{
	const struct form *f = s->f;
	size_t entry;
	long qi = form_question_locate(f, name, &entry);
	const struct form_question *q;
	char *norm = NULL;
	struct slot sl;

	if (qi < 0) {
		char b[72];

		shown(name != NULL ? name : "", b);
		return fc_fail(message, "the form has no question '%s'", b);
	}
	q = &f->q[qi];
	if (!answerable(q->type))
		return form_check_type(f, (size_t)qi, "", &norm, message);
	if (reach_entry(s, (size_t)qi, entry, message) != 0)
		return -1;
	if (!slot_of(s, (size_t)qi, &sl))
		return fc_fail(message, "'%s' has no entry", q->name);
	if (form_session_readonly(s, (size_t)qi))
		return fc_fail(message, "'%s' is read-only: the form sets it", q->name);
	if (!sl.rel[qi])
		return fc_fail(message, "'%s': %s (relevant: %s)", q->name,
		    default_msg(f, s->lang, M_NOT_RELEVANT),
		    q->relevant_src != NULL ? q->relevant_src : "its group");
	if (value == NULL || value[0] == '\0') {
		free(sl.ans[qi]);
		sl.ans[qi] = NULL;
		set_meta(s, META_END, NULL, false);
		recompute(s);
		fire_triggers(s, (size_t)qi);
		return 0;
	}
	if (form_check_type(f, (size_t)qi, value, &norm, message) != 0)
		return -1;
	if (offered_or_say(s, (size_t)qi, norm, message) != 0) {
		free(norm);
		return -1;
	}
	if (!constraint_holds(s, q, norm, message)) {
		free(norm);
		return -1;
	}
	free(sl.ans[qi]);
	sl.ans[qi] = norm;
	set_meta(s, META_END, NULL, false);
	recompute(s);
	fire_triggers(s, (size_t)qi);
	return 0;
}

size_t
form_session_entry_count(const struct form_session *s, size_t rq)
{
	return form_session_entries_of(s, rq);
}

size_t
form_session_entry(const struct form_session *s, size_t rq)
{
	return rq < s->f->nq && s->f->q[rq].is_repeat ? s->reps[rq].cur : 0;
}

void
form_session_select_entry(struct form_session *s, size_t rq, size_t e)
{
	if (rq < s->f->nq && s->f->q[rq].is_repeat && e < s->reps[rq].n)
		s->reps[rq].cur = e;
}

/* 0 when the inspector may add and delete rq's entries, else -1 and *message. */
static int
entries_editable(const struct form_session *s, size_t rq, char **message)
{
	const struct form *f = s->f;

	if (rq >= f->nq || !f->q[rq].is_repeat)
		return fc_fail(message, "not a repeat");
	if (f->q[rq].repeat_count != NULL)
		return fc_fail(message, lang_is_zh(f, s->lang) ?
		    "'%s' 的条目数由 repeat_count 决定（%s）" :
		    "'%s': its repeat_count sets the number of entries (%s)", f->q[rq].name,
		    f->q[rq].repeat_count_src);
	return 0;
}

int
form_session_add_entry(struct form_session *s, size_t rq, char **message)
{
	if (entries_editable(s, rq, message) != 0)
		return -1;
	return reach_entry(s, rq + 1, s->reps[rq].n, message);
}

int
form_session_delete_entry(struct form_session *s, size_t rq, size_t e, char **message)
{
	struct rep *rp;

	if (entries_editable(s, rq, message) != 0)
		return -1;
	rp = &s->reps[rq];
	if (e >= rp->n)
		return fc_fail(message, "'%s' has no entry %zu", s->f->q[rq].name, e + 1);
	entry_free(s->f, &rp->e[e]);
	memmove(rp->e + e, rp->e + e + 1, (rp->n - e - 1) * sizeof *rp->e);
	rp->n--;
	if (rp->cur >= rp->n)
		rp->cur = rp->n > 0 ? rp->n - 1 : 0;
	set_meta(s, META_END, NULL, false);
	recompute(s);
	return 0;
}

void
form_session_restore_meta(struct form_session *s, const char *key, const char *value)
{
	long q = form_question_index(s->f, key);

	if (q < 0 || s->f->q[q].meta == META_NONE || s->f->q[q].meta == META_EMPTY)
		return;
	if (put_answer(s, (size_t)q, value))
		recompute(s);
}

void
form_session_set_identity(struct form_session *s, const char *device, const char *username)
{
	set_meta(s, META_DEVICEID, device, false);
	set_meta(s, META_USERNAME, username, false);
	recompute(s);
}

void
form_session_offer_position(struct form_session *s, const char *geopoint)
{
	/* offered on every redraw: recompute only when the first fix arrives */
	if (set_meta(s, META_START_GEOPOINT, geopoint, true))
		recompute(s);
}

void
form_session_set_last_saved(struct form_session *s, const char *key, const char *value)
{
	long q = form_question_index(s->f, key);

	if (q < 0 || value == NULL)
		return;
	free(s->last[q]);
	s->last[q] = xstrdup(value);
}

void
form_session_show(struct form_session *s, size_t qi)
{
	const struct form_question *q;
	struct form_expr_env env;
	char *norm = NULL, *msg = NULL;
	struct slot sl;

	/* a question that does not apply is not shown: its default waits */
	if (!slot_of(s, qi, &sl) || sl.shown[qi] || !sl.rel[qi])
		return;
	sl.shown[qi] = true;
	q = &s->f->q[qi];
	if (q->default_expr == NULL || sl.ans[qi] != NULL)
		return;
	env_init(s, &env, NULL, qi);
	form_expr_eval_string(q->default_expr, &env, s->scratch, FORM_MAX_ANSWER + 1);
	/* A default that does not fit the type is left out, as the inspector would type it. */
	if (s->scratch[0] != '\0' && form_check_type(s->f, qi, s->scratch, &norm, &msg) == 0) {
		sl.ans[qi] = norm;
		recompute(s);
	} else
		free(norm);
	free(msg);
}

const char *
form_session_get(const struct form_session *s, size_t q)
{
	struct slot sl;

	return slot_of(s, q, &sl) && sl.ans[q] != NULL ? sl.ans[q] : "";
}

bool
form_session_relevant(const struct form_session *s, size_t q)
{
	struct slot sl;

	return slot_of(s, q, &sl) && sl.rel[q];
}

bool
form_session_required(const struct form_session *s, size_t qi)
{
	const struct form_question *q;
	struct form_expr_env env;

	if (!form_session_relevant(s, qi))
		return false;
	q = &s->f->q[qi];
	if (q->required_always)
		return true;
	if (q->required == NULL)
		return false;
	env_init(s, &env, form_session_get(s, qi), qi);
	return form_expr_eval_bool(q->required, &env);
}

int
form_session_check(const struct form_session *s, size_t qi, char **message)
{
	const struct form_question *q;
	const char *v;
	char *norm = NULL;

	if (!form_session_relevant(s, qi))
		return 0;
	q = &s->f->q[qi];
	if (!answerable(q->type))
		return 0;
	v = form_session_get(s, qi);
	if (v[0] == '\0') {
		const char *m;

		if (!form_session_required(s, qi))
			return 0;
		m = form_text_in(s->f, q->required_msg, s->lang);
		*message = m[0] != '\0' ? form_session_render(s, m) :
		    xstrdup(default_msg(s->f, s->lang, M_REQUIRED));
		return -1;
	}
	if (form_check_type(s->f, qi, v, &norm, message) != 0)
		return -1;
	free(norm);
	/* an earlier answer may have changed what the filter offers */
	if (offered_or_say(s, qi, v, message) != 0)
		return -1;
	if (!constraint_holds(s, q, v, message))
		return -1;
	return 0;
}

int
form_session_check_all(const struct form_session *s, size_t *bad_q, char **message)
{
	const struct form *f = s->f;

	for (size_t i = 0; i < f->nq; i++) {
		struct rep *rp;
		size_t cur;

		if (f->q[i].repeat >= 0)
			continue;
		if (form_session_check(s, i, message) != 0) {
			*bad_q = i;
			return -1;
		}
		if (!f->q[i].is_repeat)
			continue;
		/* each entry in turn, the failing one left current for the screen */
		rp = &s->reps[i];
		cur = rp->cur;
		for (rp->cur = 0; rp->cur < rp->n; rp->cur++)
			for (size_t k = i + 1; k < f->q[i].end; k++) {
				char *m = NULL;

				if (form_session_check(s, k, &m) != 0) {
					*bad_q = k;
					*message = xasprintf("%s[%zu]: %s", f->q[i].key, rp->cur + 1, m);
					free(m);
					return -1;
				}
			}
		rp->cur = cur;
	}
	return 0;
}

static bool
storable(const struct form_question *q)
{
	return q->type != FORM_NOTE && q->type != FORM_BEGIN_GROUP && q->type != FORM_END_GROUP;
}

void
form_session_answers(const struct form_session *s, form_answer_fn *fn, void *ctx)
{
	const struct form *f = s->f;
	char key[FORM_MAX_KEY];

	for (size_t i = 0; i < f->nq; i++) {
		const struct rep *rp = &s->reps[i];

		if (f->q[i].repeat >= 0 || !s->rel[i])
			continue;
		if (s->ans[i] != NULL && storable(&f->q[i]))
			fn(ctx, form_question_key(f, i), s->ans[i]);
		for (size_t e = 0; f->q[i].is_repeat && e < rp->n; e++)
			for (size_t k = i + 1; k < f->q[i].end; k++) {
				const struct entry *en = &rp->e[e];

				if (!en->rel[k] || en->ans[k] == NULL || !storable(&f->q[k]) ||
				    form_entry_key(f, k, e, key, sizeof key) != 0)
					continue;
				fn(ctx, key, en->ans[k]);
			}
	}
}

/* Appends the text shown for question q's answer: choice labels for selects. */
static void
render_answer(const struct form_session *s, size_t q, struct fc_buf *out)
{
	const struct form *f = s->f;
	const char *v = form_session_get(s, q);
	enum form_qtype t = f->q[q].type;
	const char *lang = form_session_language(s);

	if (t != FORM_SELECT_ONE && t != FORM_SELECT_MULTIPLE) {
		fc_buf_append(out, v, strlen(v));
		return;
	}
	for (bool first = true; *v != '\0';) {
		size_t k, n = form_choice_count(f, q), c;

		while (*v == ' ')
			v++;
		if ((k = t == FORM_SELECT_ONE ? strlen(v) : strcspn(v, " ")) == 0)
			break;
		for (c = 0; c < n; c++) {
			const char *name = form_choice_name(f, q, c);

			if (strlen(name) == k && memcmp(name, v, k) == 0)
				break;
		}
		if (!first)
			fc_buf_append(out, ", ", 2);
		first = false;
		if (c < n) {
			const char *l = form_choice_label(f, q, c, lang);

			fc_buf_append(out, l, strlen(l));
		} else
			fc_buf_append(out, v, k);
		v += k;
	}
}

char *
form_session_render(const struct form_session *s, const char *text)
{
	struct fc_buf out = { 0 };
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		const char *open = strstr(p, "${"), *close;
		char name[FORM_MAX_NAME + 1];
		long q;

		if (open == NULL || (close = strchr(open + 2, '}')) == NULL ||
		    (size_t)(close - open - 2) > FORM_MAX_NAME) {
			size_t n = open == NULL ? strlen(p) : (size_t)(open - p) + 2;

			fc_buf_append(&out, p, n);
			p += n;
			continue;
		}
		fc_buf_append(&out, p, (size_t)(open - p));
		memcpy(name, open + 2, (size_t)(close - open - 2));
		name[close - open - 2] = '\0';
		if ((q = form_question_index(s->f, name)) < 0)
			fc_buf_append(&out, open, (size_t)(close - open) + 1);  /* as written */
		else
			render_answer(s, (size_t)q, &out);
		p = close + 1;
	}
	return out.data != NULL ? out.data : xstrdup("");
}

char *
form_session_label(const struct form_session *s, size_t q)
{
	return form_session_render(s, q < s->f->nq ?
	    form_text_in(s->f, s->f->q[q].label, s->lang) : "");
}

char *
form_session_hint(const struct form_session *s, size_t q)
{
	return form_session_render(s, q < s->f->nq ?
	    form_text_in(s->f, s->f->q[q].hint, s->lang) : "");
}
