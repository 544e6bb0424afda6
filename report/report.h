/*
 * report — what a supervisor sees of a day: the day's records gathered
 * through the store, hazards counted by severity through the record model,
 * the latest review decision of each record, and the day written out as CSV,
 * GeoJSON or a plain-text report.  No curses and no SQL here: the review
 * screens (tui/review*.c) and the commands (cli/cmd_export.c, cmd_report.c,
 * cmd_review.c, cmd_supervisor.c) all drive this header.
 *
 * What a record means (its hazards and their severity, its asset, an
 * answer's text, the form it answered) is the record model's
 * (meaning/meaning.h); report counts and writes what the model says.  The
 * report_* names below for the model's rules are kept for report's callers
 * and hold no rule of their own.
 *
 * Errors: functions return 0 or -1 with a message in *cause (caller frees).
 */
#ifndef FIELDCHECK_REPORT_H
#define FIELDCHECK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "forms/forms.h"
#include "meaning/meaning.h"
#include "store/depot_store.h"
#include "store/store.h"

enum report_severity {
	REPORT_MINOR = MEANING_MINOR,
	REPORT_MODERATE = MEANING_MODERATE,
	REPORT_SEVERE = MEANING_SEVERE,
	REPORT_SEVERITY_COUNT = MEANING_SEVERITY_COUNT,
};
const char *report_severity_name(enum report_severity s);
int report_severity_parse(const char *name, enum report_severity *out);

/* ---- The record model in the report's names (meaning/meaning.h). ---- */

/* meaning_is_severity. */
bool report_is_severity_question(const struct form *f, size_t q);
/* meaning_hazards. */
typedef void report_hazard_fn(void *ctx, const char *name, const char *label,
    enum report_severity severity);
void report_hazards(const struct form *f, const struct store_record *rec, const char *lang,
    report_hazard_fn *fn, void *ctx);
/* meaning_count_hazards. */
void report_count_hazards(const struct form *f, const struct store_record *rec,
    unsigned counts[REPORT_SEVERITY_COUNT]);
/* meaning_asset. */
const char *report_asset(const struct form *f, const struct store_record *rec);
/* meaning_answer_text: caller frees. */
char *report_answer_text(const struct form *f, size_t q, const char *value, const char *lang);

/* ---- A day of records. ---- */

struct report_row {
	struct store_record *rec;        /* owned by the day */
	const struct form *form;         /* the exact form answered, NULL if not in the library */
	const char *asset;               /* never NULL; owned by rec */
	unsigned hazards[REPORT_SEVERITY_COUNT];
	struct store_review review;      /* the latest decision (STORE_UNREVIEWED when none) */
	bool replaced;                   /* a record of the same day replaces this one */
	char time[6];                    /* local HH:MM of created_at */
	/* The record's case (docs/review.md "Cases"): its latest task that follows it. */
	bool has_case;
	enum store_task_state case_state;
	char case_since[FC_TIME_LEN];    /* that task's creation */
	char case_closed_at[FC_TIME_LEN]; /* when the approval closed it; "" while open */
};

struct report_query {
	const char *day;        /* YYYY-MM-DD, required */
	const char *form_id;    /* NULL or "": every form */
	const char *inspector;  /* NULL or "": every inspector */
};

struct report_day;

/*
 * Loads every non-draft record of the day (oldest first), with hazard counts
 * and latest decisions, from a depot database on either engine
 * (store/depot_store.h; a SQLite store open already: depot_store_borrow).  lib may be NULL (no hazards, answers as stored).
 * Caller frees with report_day_free; lib must outlive the day.
 */
int report_day_load(struct depot_store *ds, const struct form_library *lib,
    const struct report_query *q, struct report_day **out, char **cause);
void report_day_free(struct report_day *day);
/* Hours from the record's report (created_at) to its case's close; -1 while open or without one. */
double report_case_hours(const struct report_row *row);
const char *report_day_name(const struct report_day *day);
size_t report_day_count(const struct report_day *day);
/* Row i in the day's current order.  Owned by the day. */
struct report_row *report_day_row(struct report_day *day, size_t i);
const struct report_row *report_day_row_const(const struct report_day *day, size_t i);
/* The row of uuid, or NULL. */
struct report_row *report_day_find(struct report_day *day, const char *uuid);
/* Re-reads the latest decision of every row (after decisions were stored). */
int report_day_refresh_reviews(struct report_day *day, struct depot_store *ds, char **cause);

/*
 * The question columns of the day's records: for each form met (by id, in
 * first-seen order) its answerable questions in form order (no notes, no
 * groups, none inside a repeat), then any stored answer name no known form
 * declares.  Names are unique.  The array is the caller's to free; the
 * names are the day's.
 */
void report_day_columns(const struct report_day *day, const char ***out, size_t *n);
/*
 * The repeats whose entries the day's records hold ("cracks" of
 * "cracks[2]/length"), in first-seen order, and for one of them the keys
 * within an entry ("length").  Caller frees the array and each name.
 */
void report_day_repeats(const struct report_day *day, char ***out, size_t *n);
void report_day_repeat_columns(const struct report_day *day, const char *repeat, char ***out,
    size_t *n);

enum report_sort {
	REPORT_SORT_TIME,
	REPORT_SORT_INSPECTOR,
	REPORT_SORT_FORM,
	REPORT_SORT_SEVERITY,   /* most severe first: severe, then moderate, then minor counts */
	REPORT_SORT_STATE,
	REPORT_SORT_COUNT,
};
const char *report_sort_name(enum report_sort s);
/* Stable sort of the rows; time breaks ties. */
void report_day_sort(struct report_day *day, enum report_sort key);

/* A row filter; NULL/"" fields and negative numbers match anything. */
struct report_match {
	const char *inspector;
	const char *form_id;
	int min_severity;       /* -1, or an enum report_severity: at least one hazard that severe */
	int decision;           /* -1, or an enum store_decision */
	const char *search;     /* case-insensitive substring of inspector, form, asset or any answer */
};
#define REPORT_MATCH_ALL ((struct report_match){ .min_severity = -1, .decision = -1 })
bool report_row_matches(const struct report_row *row, const struct report_match *m);

/* Totals for one group of rows (an inspector, a form, or the whole day). */
struct report_count {
	const char *key;                         /* owned by the day; NULL for the total */
	size_t records;
	unsigned hazards[REPORT_SEVERITY_COUNT];
	unsigned severe_open;                    /* severe hazards not approved or rejected */
	size_t decisions[4];                     /* indexed by enum store_decision */
};
enum report_group {
	REPORT_BY_INSPECTOR,
	REPORT_BY_FORM,
};
/*
 * Counts of the rows m matches (NULL: all), grouped, keys sorted; *out is
 * an array the caller frees.  total (may be NULL) receives the sum.
 */
void report_day_summary(const struct report_day *day, const struct report_match *m,
    enum report_group group, struct report_count **out, size_t *n, struct report_count *total);

/*
 * The revision chain of a record: the record itself, then the one it
 * replaces, and so on (at most 32, cycles cut).  *out is an array of
 * records the caller frees with report_chain_free.
 */
int report_revision_chain(struct depot_store *ds, const char *uuid, struct store_record ***out,
    size_t *n, char **cause);
void report_chain_free(struct store_record **chain, size_t n);

/* ---- Exports: a record source writes through a sink. ---- */

/*
 * The sink contract (after ncdu's dir_output): the source calls item() once
 * for each record, in order, then finish() exactly once, also when there
 * were no records; then the owner calls free().  item() must not keep row or
 * anything it points to.  After a -1 from item() the source stops and calls
 * no finish(); the output is then incomplete and the caller reports *cause.
 * finish() writes what closes the document and flushes; a write error is
 * reported there at the latest.  written counts items that were written,
 * skipped items the sink left out (GeoJSON: records without a position).
 *
 * Implementations embed struct export_sink as their first member.
 */
struct export_sink {
	int (*item)(struct export_sink *sink, const struct report_row *row, char **cause);
	int (*finish)(struct export_sink *sink, char **cause);
	void (*free)(struct export_sink *sink);
	size_t written;
	size_t skipped;
};

/* Feeds every row of the day (in its current order) to sink, then finish(). */
int report_day_emit(const struct report_day *day, struct export_sink *sink, char **cause);

/*
 * Streams the records q selects straight from the store into sink, oldest
 * first, then finish(): no copy of the day is kept, so an export of any
 * size runs in the memory of one record.  Rows carry hazards and the latest
 * decision; `replaced` is always false.  (CSV needs its columns before the
 * first row, so it goes through report_day_load and report_day_columns.)
 */
int report_stream(struct depot_store *ds, const struct form_library *lib, const struct report_query *q,
    struct export_sink *sink, char **cause);

/*
 * CSV (RFC 4180): CRLF line ends, UTF-8, a header row, fields quoted when
 * they hold a comma, quote, CR or LF.  Columns: the record's metadata (see
 * docs/review.md), then one per name in questions (a name clashing with a
 * metadata column is written "answer.NAME").  select_multiple answers are
 * stored, and so written, space-separated as ODK exports them.  The header
 * is written by the first item() or by finish().  The sink keeps pointers
 * to questions, which must outlive it.  out is not closed.
 */
struct export_sink *export_csv_new(FILE *out, const char *const *questions, size_t n);
/*
 * One repeat's table, as ODK exports it beside the main CSV: a row per
 * entry of each record, the entry's answers under columns (keys within an
 * entry), then PARENT_KEY (the record's id, the main table's `id`) and KEY
 * ("ID/REPEAT[N]").  A record without entries writes no row.  The sink
 * keeps pointers to repeat and columns.  out is not closed.
 */
struct export_sink *export_csv_repeat_new(FILE *out, const char *repeat,
    const char *const *columns, size_t n);
/* Appends s as a JSON string (RFC 8259): quotes, backslash and controls escaped, bad UTF-8 replaced. */
struct fc_buf;
void export_json_string(struct fc_buf *b, const char *s);
/* One CSV field as the sink writes it (quoted when RFC 4180 asks), after a comma unless first. */
void export_csv_field(FILE *out, const char *s, bool first);

/*
 * GeoJSON (RFC 7946): one FeatureCollection of Points, coordinates
 * [lon, lat] in WGS84; properties hold the metadata, the hazard counts and
 * an `answers` object, in which a repeat's entries are an array of objects
 * ("cracks": [{"length": "2.5"}, ...], entry N at index N - 1).  Records
 * without a position are skipped (counted in skipped).  out is not closed.
 */
struct export_sink *export_geojson_new(FILE *out);
/* Appends a short printf text (a number or two) to b. */
void export_buf_printf(struct fc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends one feature of ready JSON text to export_geojson_new's sink, before its finish. */
int export_geojson_feature(struct export_sink *sink, const char *json, size_t len, char **cause);
/*
 * A GeoJSON sink over export_geojson_new's that, before finishing, also
 * writes the day's patrol tracks (--tracks: one LineString per continuous
 * stretch, a lone point as a Point, "layer":"track") from st, and the zones
 * with their coverage as properties ("layer":"zone": names, kind, done,
 * required, overdue, last visit and who) when z and cov are not NULL.
 * Everything given must outlive the sink.
 */
struct store;
struct coverage_day;
struct coverage_zones;
struct export_sink *export_geojson_coverage_new(FILE *out, struct store *st, const char *day,
    bool tracks, const struct coverage_zones *z, const struct coverage_day *cov);

/*
 * ---- Photos (media.c) ----
 *
 * Photo i of the n a question's answer names is exported as
 * "<uuid>_<question>.jpg" (n = 1) or "<uuid>_<question>_<i+1>.jpg": the one
 * rule behind the CSV's and GeoJSON's photo fields and the files of
 * `export --media`.
 */
#define REPORT_MEDIA_NAME_LEN 256
void report_media_name(const char *uuid, const char *question, size_t i, size_t n, char *buf,
    size_t size);
/* Calls fn (may be NULL) for each photo rec's answers name, in order; returns how many. */
typedef void report_photo_fn(void *ctx, const char *question, const char *name,
    const char *sha256);
size_t report_record_photos(const struct store_record *rec, report_photo_fn *fn, void *ctx);
/*
 * A sink that copies each record's photos from ps to dir under their
 * export names (each through a temporary file renamed into place); a photo
 * not in ps is reported on stderr as not yet received and counted.
 */
struct photo_store;
struct export_sink *export_media_new(const char *dir, struct photo_store *ps);
void export_media_counts(const struct export_sink *sink, size_t *copied, size_t *missing);

/*
 * The plain-text daily report: totals, per inspector, per asset type, and
 * every severe hazard with its position and follow-up state.  Labels in lang
 * (NULL: each form's default).
 */
int report_write_text(const struct report_day *day, const char *lang, FILE *out, char **cause);

/* Local "HH:MM" of an ISO 8601 UTC time; "--:--" when it does not parse. */
void report_local_hhmm(const char *iso_utc, char out[6]);

/*
 * The coverage section (docs/coverage.md): the day, ordinary or the
 * calendar's holiday, then one line per zone, overdue first: state,
 * visits done/required, the zone's name (in lang: "zh" Chinese, else
 * English), its kind, the last visit's local time and who.  Then what
 * reading the tracks dropped.
 */
struct coverage_day;
struct coverage_zones;
int report_write_coverage(const struct coverage_day *d, const struct coverage_zones *z,
    const char *lang, FILE *out, char **cause);

#endif
