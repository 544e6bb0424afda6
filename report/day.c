/*
 * A day of records as a supervisor reviews it: loaded once through the
 * store, each record paired with the exact form it answered, its hazards
 * counted and its latest decision read.  The rows are then sorted, filtered
 * and summed in memory: a day is thousands of records, not millions, and
 * the review screen redraws from here without going back to SQLite.
 */
#include "report/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "meaning/meaning.h"
#include "util/util.h"

/*
 * What counting a record's hazards needs of its form, found once per form
 * rather than once per record: which questions are severity questions, a
 * walk of every question's choices that cost a day's export more than the
 * counting itself.  (An unknown form has none: severity is NULL.)
 */
struct form_facts {
	const struct form *form;
	size_t *severity;               /* question indices, in form order */
	size_t nseverity;
};

struct form_facts_cache {
	struct form_facts *forms;
	size_t n;
};

/*
 * The day owns its rows, which never move once loaded: order[] is the
 * current display order and by_uuid[] a sorted index for lookups, both
 * pointers into rows[], so sorting moves pointers, not records.
 */
struct report_day {
	char day[FC_DAY_LEN];
	struct report_row *rows;
	size_t n, cap;
	struct report_row **order;
	struct report_row **by_uuid;
	const struct form_library *lib;
	struct form_facts_cache facts;
};

/*
 * The report's names for the record model's rules (meaning/meaning.h):
 * the rules themselves live there, once.
 */
_Static_assert(REPORT_MINOR == (int)MEANING_MINOR && REPORT_MODERATE == (int)MEANING_MODERATE &&
    REPORT_SEVERE == (int)MEANING_SEVERE && REPORT_SEVERITY_COUNT == (int)MEANING_SEVERITY_COUNT,
    "the report counts in the model's severities");

const char *
report_severity_name(enum report_severity s)
{
	return meaning_severity_name((enum meaning_severity)s);
}

int
report_severity_parse(const char *name, enum report_severity *out)
{
	enum meaning_severity s;

	if (meaning_severity_parse(name, &s) != 0)
		return -1;
	*out = (enum report_severity)s;
	return 0;
}

bool
report_is_severity_question(const struct form *f, size_t q)
{
	return meaning_is_severity(f, q);
}

struct hazard_relay {
	report_hazard_fn *fn;
	void *ctx;
};

static void
relay_hazard(void *ctx, const char *name, const char *label, enum meaning_severity s)
{
	struct hazard_relay *r = ctx;

	r->fn(r->ctx, name, label, (enum report_severity)s);
}

void
report_hazards(const struct form *f, const struct store_record *rec, const char *lang,
    report_hazard_fn *fn, void *ctx)
{
	struct hazard_relay r = { fn, ctx };

	meaning_hazards(f, rec, lang, relay_hazard, &r);
}

void
report_count_hazards(const struct form *f, const struct store_record *rec,
    unsigned counts[REPORT_SEVERITY_COUNT])
{
	meaning_count_hazards(f, rec, counts);
}

const char *
report_asset(const struct form *f, const struct store_record *rec)
{
	return meaning_asset(f, rec);
}

char *
report_answer_text(const struct form *f, size_t q, const char *value, const char *lang)
{
	return meaning_answer_text(f, q, value, lang);
}

void
report_local_hhmm(const char *iso_utc, char out[6])
{
	struct timespec ts;
	struct tm tm;

	if (iso_utc == NULL || fc_parse_iso_utc(iso_utc, &ts) != 0 ||
	    localtime_r(&ts.tv_sec, &tm) == NULL) {
		fc_strlcpy(out, "--:--", 6);
		return;
	}
	strftime(out, 6, "%H:%M", &tm);
}

static const struct form_facts *
form_facts(struct form_facts_cache *cache, const struct form *f)
{
	struct form_facts *facts;

	for (size_t i = 0; i < cache->n; i++)
		if (cache->forms[i].form == f)
			return &cache->forms[i];
	cache->forms = xreallocarray(cache->forms, cache->n + 1, sizeof *cache->forms);
	facts = &cache->forms[cache->n++];
	memset(facts, 0, sizeof *facts);
	facts->form = f;
	facts->nseverity = meaning_severity_questions(f, &facts->severity);
	return facts;
}

static void
form_facts_cache_clear(struct form_facts_cache *cache)
{
	for (size_t i = 0; i < cache->n; i++)
		free(cache->forms[i].severity);
	free(cache->forms);
	cache->forms = NULL;
	cache->n = 0;
}

/* Fills in what a row shows besides its record and review. */
static void
describe_row(struct form_facts_cache *cache, const struct form_library *lib,
    struct report_row *row)
{
	const struct store_record *rec = row->rec;
	const struct form_facts *facts;

	row->form = meaning_record_form(lib, rec);
	row->asset = meaning_asset(row->form, rec);
	facts = form_facts(cache, row->form);
	meaning_count_hazards_in(row->form, facts->severity, facts->nseverity, rec, row->hazards);
	report_local_hhmm(rec->created_at, row->time);
}

static int
add_row(void *ctx, struct store_record *rec)
{
	struct report_day *day = ctx;
	struct report_row *row;

	if (rec->status == STORE_DRAFT) {
		store_record_free(rec);
		return 0;
	}
	if (day->n == day->cap) {
		day->cap = day->cap ? day->cap * 2 : 64;
		day->rows = xreallocarray(day->rows, day->cap, sizeof *day->rows);
	}
	row = &day->rows[day->n++];
	memset(row, 0, sizeof *row);
	row->rec = rec;
	describe_row(&day->facts, day->lib, row);
	return 0;
}

static int
set_review(void *ctx, const struct store_review *rv)
{
	struct report_row *row = report_day_find(ctx, rv->record_uuid);

	if (row != NULL)
		row->review = *rv;
	return 0;
}

int
report_day_refresh_reviews(struct report_day *day, struct depot_store *ds, char **cause)
{
	for (size_t i = 0; i < day->n; i++) {
		struct store_review *rv = &day->rows[i].review;

		memset(rv, 0, sizeof *rv);
		fc_strlcpy(rv->record_uuid, day->rows[i].rec->uuid, sizeof rv->record_uuid);
		rv->decision = STORE_UNREVIEWED;
	}
	/* One statement for the whole day, not one per record. */
	return depot_store_review_latest_for_day(ds, day->day, set_review, day, cause);
}

/* A task that follows a record of the day is that record's case; the latest task counts. */
static int
set_case(void *ctx, const struct store_task *t)
{
	struct report_row *row = t->follows[0] != '\0' ? report_day_find(ctx, t->follows) : NULL;

	if (row == NULL || (row->has_case && strcmp(t->created_at, row->case_since) < 0))
		return 0;
	row->has_case = true;
	row->case_state = t->state;
	fc_strlcpy(row->case_since, t->created_at, sizeof row->case_since);
	if (t->state == STORE_TASK_CLOSED)
		fc_strlcpy(row->case_closed_at, t->updated_at, sizeof row->case_closed_at);
	else
		row->case_closed_at[0] = '\0';
	return 0;
}

static int
cmp_uuid(const void *pa, const void *pb)
{
	const struct report_row *const *a = pa, *const *b = pb;
	return strcmp((*a)->rec->uuid, (*b)->rec->uuid);
}

int
report_day_load(struct depot_store *ds, const struct form_library *lib, const struct report_query *q,
    struct report_day **out, char **cause)
{
	struct store_filter filter = STORE_FILTER_ALL;
	struct report_day *day;

	*out = NULL;
	if (q->day == NULL || !fc_valid_day(q->day))
		return fc_fail(cause, "'%s' is not a day (YYYY-MM-DD)", q->day != NULL ? q->day : "");
	day = xcalloc(1, sizeof *day);
	fc_strlcpy(day->day, q->day, sizeof day->day);
	day->lib = lib;
	filter.day = q->day;
	filter.form_id = q->form_id;
	filter.inspector = q->inspector;
	if (depot_store_list_take(ds, &filter, add_row, day, cause) != 0)
		goto fail;
	day->order = xcalloc(day->n + 1, sizeof *day->order);
	day->by_uuid = xcalloc(day->n + 1, sizeof *day->by_uuid);
	for (size_t i = 0; i < day->n; i++)
		day->order[i] = day->by_uuid[i] = &day->rows[i];
	qsort(day->by_uuid, day->n, sizeof *day->by_uuid, cmp_uuid);
	if (report_day_refresh_reviews(day, ds, cause) != 0)
		goto fail;
	for (size_t i = 0; i < day->n; i++) {
		const char *old = day->rows[i].rec->replaces;
		struct report_row *r;

		if (old[0] != '\0' && (r = report_day_find(day, old)) != NULL)
			r->replaced = true;
	}
	{
		/* A database from before tasks (read only, not upgraded), or one on PostgreSQL, has no cases: not an error. */
		char *why = NULL;

		if (depot_store_task_list(ds, NULL, false, set_case, day, &why) != 0)
			free(why);
	}
	*out = day;
	return 0;
fail:
	report_day_free(day);
	return -1;
}

void
report_day_free(struct report_day *day)
{
	if (day == NULL)
		return;
	for (size_t i = 0; i < day->n; i++)
		store_record_free(day->rows[i].rec);
	free(day->rows);
	free(day->order);
	free(day->by_uuid);
	form_facts_cache_clear(&day->facts);
	free(day);
}

const char *
report_day_name(const struct report_day *day)
{
	return day->day;
}

size_t
report_day_count(const struct report_day *day)
{
	return day->n;
}

struct report_row *
report_day_row(struct report_day *day, size_t i)
{
	return i < day->n ? day->order[i] : NULL;
}

const struct report_row *
report_day_row_const(const struct report_day *day, size_t i)
{
	return i < day->n ? day->order[i] : NULL;
}

struct report_row *
report_day_find(struct report_day *day, const char *uuid)
{
	struct report_row key_row;
	struct store_record key_rec;
	const struct report_row *key = &key_row;
	struct report_row **hit;

	if (day->by_uuid == NULL)
		return NULL;
	fc_strlcpy(key_rec.uuid, uuid, sizeof key_rec.uuid);
	key_row.rec = &key_rec;
	hit = bsearch(&key, day->by_uuid, day->n, sizeof *day->by_uuid, cmp_uuid);
	return hit != NULL ? *hit : NULL;
}

static bool
has_name(const char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool
answerable(enum form_qtype t)
{
	return t != FORM_NOTE && t != FORM_BEGIN_GROUP && t != FORM_END_GROUP;
}

void
report_day_columns(const struct report_day *day, const char ***out, size_t *n)
{
	const char **names = NULL;
	const struct form **seen = NULL;
	size_t count = 0, cap = 0, nseen = 0;

	for (size_t i = 0; i < day->n; i++) {
		const struct form *f = day->rows[i].form;
		bool known = false;

		if (f == NULL)
			continue;
		for (size_t s = 0; s < nseen && !known; s++)
			known = seen[s] == f;
		if (known)
			continue;
		seen = xreallocarray(seen, nseen + 1, sizeof *seen);
		seen[nseen++] = f;
		for (size_t q = 0; q < form_question_count(f); q++) {
			const char *name = form_question_name(f, q);

			if (!answerable(form_question_type(f, q)) || form_question_repeat(f, q) >= 0 ||
			    has_name(names, count, name))
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 32;
				names = xreallocarray(names, cap, sizeof *names);
			}
			names[count++] = name;
		}
	}
	/* Answers no loaded form declares (an unknown form, an old version) still get a column. */
	for (size_t i = 0; i < day->n; i++) {
		const struct store_record *rec = day->rows[i].rec;

		for (size_t a = 0; a < rec->answer_count; a++) {
			size_t rl, e;
			const char *rest;

			/* a repeat's answers go to its own table */
			if (has_name(names, count, rec->answers[a].name) ||
			    form_key_split(rec->answers[a].name, &rl, &e, &rest))
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 32;
				names = xreallocarray(names, cap, sizeof *names);
			}
			names[count++] = rec->answers[a].name;
		}
	}
	free(seen);
	*out = names;
	*n = count;
}

/* Appends the first len bytes of name to a set of names unless it holds them. */
static void
add_unique(char ***names, size_t *n, const char *name, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*names)[i]) == len && memcmp((*names)[i], name, len) == 0)
			return;
	*names = xreallocarray(*names, *n + 1, sizeof **names);
	(*names)[(*n)++] = xstrndup(name, len);
}

void
report_day_repeats(const struct report_day *day, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < day->n; i++) {
		const struct store_record *rec = day->rows[i].rec;

		for (size_t a = 0; a < rec->answer_count; a++) {
			size_t rl, e;
			const char *rest;

			if (form_key_split(rec->answers[a].name, &rl, &e, &rest))
				add_unique(out, n, rec->answers[a].name, rl);
		}
	}
}

void
report_day_repeat_columns(const struct report_day *day, const char *repeat, char ***out,
    size_t *n)
{
	size_t len = strlen(repeat);

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < day->n; i++) {
		const struct store_record *rec = day->rows[i].rec;

		for (size_t a = 0; a < rec->answer_count; a++) {
			size_t rl, e;
			const char *rest;

			if (form_key_split(rec->answers[a].name, &rl, &e, &rest) && rl == len &&
			    memcmp(rec->answers[a].name, repeat, len) == 0)
				add_unique(out, n, rest, strlen(rest));
		}
	}
}

const char *
report_sort_name(enum report_sort s)
{
	static const char *const names[REPORT_SORT_COUNT] = {
		"time", "inspector", "form", "severity", "state",
	};
	return (unsigned)s < REPORT_SORT_COUNT ? names[s] : "?";
}

static int
cmp_time(const struct report_row *a, const struct report_row *b)
{
	int c = strcmp(a->rec->created_at, b->rec->created_at);
	return c != 0 ? c : strcmp(a->rec->uuid, b->rec->uuid);
}

static int
cmp_severity(const struct report_row *a, const struct report_row *b)
{
	for (int s = REPORT_SEVERE; s >= 0; s--)
		if (a->hazards[s] != b->hazards[s])
			return a->hazards[s] > b->hazards[s] ? -1 : 1;
	return 0;
}

static enum report_sort sort_key;

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct report_row *a = *(const struct report_row *const *)pa;
	const struct report_row *b = *(const struct report_row *const *)pb;
	int c = 0;

	switch (sort_key) {
	case REPORT_SORT_INSPECTOR: c = strcmp(a->rec->inspector, b->rec->inspector); break;
	case REPORT_SORT_FORM: c = strcmp(a->rec->form_id, b->rec->form_id); break;
	case REPORT_SORT_SEVERITY: c = cmp_severity(a, b); break;
	case REPORT_SORT_STATE: c = (int)a->review.decision - (int)b->review.decision; break;
	case REPORT_SORT_TIME: case REPORT_SORT_COUNT: break;
	}
	return c != 0 ? c : cmp_time(a, b);
}

void
report_day_sort(struct report_day *day, enum report_sort key)
{
	/* Time (then UUID) breaks every tie, so qsort's instability cannot show. */
	sort_key = key;
	qsort(day->order, day->n, sizeof *day->order, cmp_rows);
}

/* Case-insensitive (ASCII) substring search; other bytes, CJK included, compare exactly. */
static bool
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return true;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/*
 * The question's label or the answer's choice labels, in any of the form's
 * languages, contain needle: "/严重" finds a severe answer stored as "severe".
 */
static bool
answer_labels_contain(const struct form *f, const struct store_answer *ans, const char *needle)
{
	long q = f != NULL ? form_question_index(f, ans->name) : -1;

	if (q < 0)
		return false;
	for (size_t l = 0; l < form_language_count(f); l++) {
		const char *lang = form_language(f, l);
		char *text;
		bool found;

		if (contains(form_question_label(f, (size_t)q, lang), needle))
			return true;
		text = report_answer_text(f, (size_t)q, ans->value, lang);
		found = contains(text, needle);
		free(text);
		if (found)
			return true;
	}
	return false;
}

bool
report_row_matches(const struct report_row *row, const struct report_match *m)
{
	const struct store_record *rec = row->rec;

	if (m == NULL)
		return true;
	if (m->inspector != NULL && m->inspector[0] != '\0' && strcmp(rec->inspector, m->inspector) != 0)
		return false;
	if (m->form_id != NULL && m->form_id[0] != '\0' && strcmp(rec->form_id, m->form_id) != 0)
		return false;
	if (m->decision >= 0 && (int)row->review.decision != m->decision)
		return false;
	if (m->min_severity >= 0 && m->min_severity < REPORT_SEVERITY_COUNT) {
		bool any = false;

		for (int s = m->min_severity; s < REPORT_SEVERITY_COUNT; s++)
			any = any || row->hazards[s] > 0;
		if (!any)
			return false;
	}
	if (m->search != NULL && m->search[0] != '\0') {
		if (contains(rec->inspector, m->search) || contains(rec->form_id, m->search) ||
		    contains(row->asset, m->search) || contains(rec->uuid, m->search))
			return true;
		for (size_t a = 0; a < rec->answer_count; a++)
			if (contains(rec->answers[a].value, m->search) ||
			    answer_labels_contain(row->form, &rec->answers[a], m->search))
				return true;
		return false;
	}
	return true;
}

static bool
is_open(const struct report_row *row)
{
	return row->review.decision != STORE_APPROVED && row->review.decision != STORE_REJECTED;
}

static void
add_counts(struct report_count *c, const struct report_row *row)
{
	c->records++;
	for (int s = 0; s < REPORT_SEVERITY_COUNT; s++)
		c->hazards[s] += row->hazards[s];
	if (is_open(row))
		c->severe_open += row->hazards[REPORT_SEVERE];
	if ((unsigned)row->review.decision < 4)
		c->decisions[row->review.decision]++;
}

static int
cmp_count_key(const void *pa, const void *pb)
{
	const struct report_count *a = pa, *b = pb;
	return strcmp(a->key, b->key);
}

void
report_day_summary(const struct report_day *day, const struct report_match *m,
    enum report_group group, struct report_count **out, size_t *n, struct report_count *total)
{
	struct report_count *list = NULL;
	size_t count = 0;

	if (total != NULL)
		memset(total, 0, sizeof *total);
	for (size_t i = 0; i < day->n; i++) {
		const struct report_row *row = &day->rows[i];
		const char *key = group == REPORT_BY_INSPECTOR ? row->rec->inspector : row->rec->form_id;
		size_t k;

		if (!report_row_matches(row, m))
			continue;
		for (k = 0; k < count; k++)
			if (strcmp(list[k].key, key) == 0)
				break;
		if (k == count) {
			list = xreallocarray(list, count + 1, sizeof *list);
			memset(&list[count], 0, sizeof list[count]);
			list[count++].key = key;
		}
		add_counts(&list[k], row);
		if (total != NULL)
			add_counts(total, row);
	}
	if (count > 1)
		qsort(list, count, sizeof *list, cmp_count_key);
	*out = list;
	*n = count;
}

int
report_revision_chain(struct depot_store *ds, const char *uuid, struct store_record ***out, size_t *n,
    char **cause)
{
	enum { CHAIN_MAX = 32 };
	struct store_record **chain = xcalloc(CHAIN_MAX, sizeof *chain);
	size_t count = 0;
	char next[FC_UUID_LEN], *why = NULL;

	fc_strlcpy(next, uuid, sizeof next);
	while (next[0] != '\0' && count < CHAIN_MAX) {
		bool loop = false;

		for (size_t i = 0; i < count && !loop; i++)
			loop = strcmp(chain[i]->uuid, next) == 0;
		if (loop)
			break;
		if (depot_store_get(ds, next, &chain[count], &why) != 0) {
			/* The first must exist; an older one may be on a device not yet synced. */
			if (count == 0) {
				if (cause != NULL)
					*cause = why;
				else
					free(why);
				goto fail;
			}
			free(why);
			why = NULL;
			break;
		}
		fc_strlcpy(next, chain[count]->replaces, sizeof next);
		count++;
	}
	*out = chain;
	*n = count;
	return 0;
fail:
	report_chain_free(chain, count);
	return -1;
}

void
report_chain_free(struct store_record **chain, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_record_free(chain[i]);
	free(chain);
}

/* ---- Streaming: the day straight from the store into a sink. ---- */

struct stream {
	const struct form_library *lib;
	struct store_review *reviews;   /* the day's latest decisions, sorted by record */
	size_t nreviews;
	struct export_sink *sink;
	struct form_facts_cache facts;
	char *cause;
	bool failed;
};

static int
collect_review(void *ctx, const struct store_review *rv)
{
	struct stream *sm = ctx;

	sm->reviews = xreallocarray(sm->reviews, sm->nreviews + 1, sizeof *sm->reviews);
	sm->reviews[sm->nreviews++] = *rv;
	return 0;
}

static int
cmp_review(const void *pa, const void *pb)
{
	const struct store_review *a = pa, *b = pb;
	return strcmp(a->record_uuid, b->record_uuid);
}

static int
stream_row(void *ctx, const struct store_record *rec)
{
	struct stream *sm = ctx;
	struct report_row row;
	const struct store_review *rv;
	struct store_review key;

	if (rec->status == STORE_DRAFT)
		return 0;
	memset(&row, 0, sizeof row);
	/* The sink may not keep or change the row (report.h), so lending rec is safe. */
	row.rec = (struct store_record *)(uintptr_t)rec;
	describe_row(&sm->facts, sm->lib, &row);
	fc_strlcpy(key.record_uuid, rec->uuid, sizeof key.record_uuid);
	rv = sm->nreviews ? bsearch(&key, sm->reviews, sm->nreviews, sizeof *sm->reviews,
	    cmp_review) : NULL;
	if (rv != NULL)
		row.review = *rv;
	else {
		fc_strlcpy(row.review.record_uuid, rec->uuid, sizeof row.review.record_uuid);
		row.review.decision = STORE_UNREVIEWED;
	}
	if (sm->sink->item(sm->sink, &row, &sm->cause) != 0) {
		sm->failed = true;
		return 1;
	}
	return 0;
}

int
report_stream(struct depot_store *ds, const struct form_library *lib, const struct report_query *q,
    struct export_sink *sink, char **cause)
{
	struct store_filter filter = STORE_FILTER_ALL;
	struct stream sm = { .lib = lib, .sink = sink };
	int rc = -1;

	if (q->day == NULL || !fc_valid_day(q->day))
		return fc_fail(cause, "'%s' is not a day (YYYY-MM-DD)", q->day != NULL ? q->day : "");
	if (depot_store_review_latest_for_day(ds, q->day, collect_review, &sm, cause) != 0)
		goto done;
	if (sm.nreviews > 1)
		qsort(sm.reviews, sm.nreviews, sizeof *sm.reviews, cmp_review);
	filter.day = q->day;
	filter.form_id = q->form_id;
	filter.inspector = q->inspector;
	if (depot_store_list(ds, &filter, stream_row, &sm, cause) != 0)
		goto done;
	if (sm.failed) {
		if (cause != NULL) {
			*cause = sm.cause;
			sm.cause = NULL;
		}
		goto done;
	}
	rc = sink->finish(sink, cause);
done:
	free(sm.cause);
	free(sm.reviews);
	form_facts_cache_clear(&sm.facts);
	return rc;
}

double
report_case_hours(const struct report_row *row)
{
	struct timespec a, b;

	if (!row->has_case || row->case_closed_at[0] == '\0' ||
	    fc_parse_iso_utc(row->rec->created_at, &a) != 0 || fc_parse_iso_utc(row->case_closed_at, &b) != 0)
		return -1;
	return (double)(b.tv_sec - a.tv_sec) / 3600.0 + (double)(b.tv_nsec - a.tv_nsec) / 3.6e12;
}
