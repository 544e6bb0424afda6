/*
 * meaning — what a record means, in one place: which answers are hazards
 * and how severe, which answer names the asset, an answer's text in a
 * language, the form a record was answered against, and the text of a
 * position (a geopoint answer, a position typed by hand).  Every screen,
 * export and report asks here, so a third-party checklist reads the same on
 * the inspector's "My day", the supervisor's review, the CSV and the daily
 * report.  No curses, no SQL: it reads forms (forms/) and records (store/).
 *
 * The rules, each with the column a form uses to declare it and the
 * fallback that keeps forms without that column meaningful
 * (docs/forms.md, "What a record means"):
 *
 * - A question is a hazard's severity when its `fieldcheck::role` is
 *   `severity`.  Without a role, a select whose choices are a severity
 *   scale is one: a choice list that gives `fieldcheck::severity`, or whose
 *   choice names are exactly minor, moderate and severe.  Role `none` or
 *   `asset` says it is not.
 * - An answer to a severity question is a hazard of the severity its
 *   choice's `fieldcheck::severity` names, else of the severity its choice
 *   name is (minor, moderate, severe); any other choice ("none") is no
 *   hazard.  A hazard is named after the question NAME when the severity
 *   question is NAME_severity (the built-in checklists' version 1: a yes/no question),
 *   else after the severity question itself; its label likewise.
 * - The asset is the first answered question whose role is `asset`.  A form
 *   that declares none: the `asset_id` answer, else the answer to the first
 *   text question.
 */
#ifndef FIELDCHECK_MEANING_H
#define FIELDCHECK_MEANING_H

#include <stdbool.h>
#include <stddef.h>

#include "forms/forms.h"
#include "store/store.h"

enum meaning_severity {
	MEANING_MINOR,
	MEANING_MODERATE,
	MEANING_SEVERE,
	MEANING_SEVERITY_COUNT,
};
/* Not a hazard: what the severity functions return for any other answer. */
#define MEANING_NO_HAZARD (-1)
#define MEANING_KEY_MAX 2200   /* an answer's key, "REPEAT[N]/g/name" at the deepest */

/* "minor", "moderate", "severe"; "?" out of range. */
const char *meaning_severity_name(enum meaning_severity s);
/* 0 and *out when name is a severity's name, else -1. */
int meaning_severity_parse(const char *name, enum meaning_severity *out);

/*
 * The exact form rec was answered against: by definition hash, else by id
 * and version, else the newest version of its id; NULL when the library
 * (which may be NULL) has none of them.  Owned by the library.
 */
const struct form *meaning_record_form(const struct form_library *lib,
    const struct store_record *rec);

/* Whether question q of f is a hazard's severity. */
bool meaning_is_severity(const struct form *f, size_t q);
/* The severity choice c of question q stands for, or MEANING_NO_HAZARD. */
int meaning_choice_severity(const struct form *f, size_t q, size_t c);
/* The severity value (an answer to q) names, or MEANING_NO_HAZARD.  f may be NULL. */
int meaning_answer_severity(const struct form *f, size_t q, const char *value);

/*
 * The severity questions of f in form order, for a caller that counts many
 * records of one form: *out (caller frees; NULL when none) and its length.
 */
size_t meaning_severity_questions(const struct form *f, size_t **out);

/*
 * The answer to q that says "checked, no hazard", or NULL when q is no
 * hazard's question: "none" in a severity question whose choice "none" is
 * no hazard (the built-in checklists since version 2), "no" in the yes/no
 * question NAME of a severity question NAME_severity (version 1).  The save
 * screen's "the rest: none found" stores it, so that a record tells
 * checked-and-clear from not checked.  Static.
 */
const char *meaning_none_found(const struct form *f, size_t q);

/*
 * How many entries of repeat q (or of the repeat around question q) rec
 * holds: the highest N of its keys "REPEAT[N]/..."; 0 outside repeats.
 */
size_t meaning_entries(const struct form *f, size_t q, const struct store_record *rec);

/*
 * Calls fn once for each hazard recorded in rec, in form order.  name and
 * label (in lang; NULL: the form's default) live until fn returns.  A
 * severity question inside a repeat gives one hazard per entry, named by
 * the entry's key ("cracks[2]/severity") and labelled "LABEL (2)".  f may be
 * NULL (no hazards).
 */
typedef void meaning_hazard_fn(void *ctx, const char *name, const char *label,
    enum meaning_severity severity);
void meaning_hazards(const struct form *f, const struct store_record *rec, const char *lang,
    meaning_hazard_fn *fn, void *ctx);

/*
 * The platform code of a hazard (docs/forms.md, "Platform codes"): for the
 * severity question q, the hazard's name (NAME for NAME_severity, else q's).
 * Owned by the form.
 */
const char *meaning_hazard_name(const struct form *f, size_t q);
/*
 * Whether the hazard of severity question q can have a code: a
 * fieldcheck::code on the hazard's question or on q, or on any of q's choices.
 */
bool meaning_hazard_mapped(const struct form *f, size_t q);
/*
 * The code of the hazard named hazard in rec: the first term of the
 * fieldcheck::code of the hazard's question, then of its severity question,
 * that gives one (a code, or ${name} whose answered choice has a code), else
 * the code of the answered severity choice.  0 with *kind and code, or -1
 * when it has none.
 */
int meaning_hazard_code(const struct form *f, const struct store_record *rec, const char *hazard,
    enum form_code_kind *kind, char code[5]);

/* Counts rec's hazards by severity into counts (zeroed first). */
void meaning_count_hazards(const struct form *f, const struct store_record *rec,
    unsigned counts[MEANING_SEVERITY_COUNT]);
/* As meaning_count_hazards, over f's severity questions qs found beforehand. */
void meaning_count_hazards_in(const struct form *f, const size_t *qs, size_t nq,
    const struct store_record *rec, unsigned counts[MEANING_SEVERITY_COUNT]);

/* The asset rec is about, or "".  Owned by rec (or static).  f may be NULL. */
const char *meaning_asset(const struct form *f, const struct store_record *rec);

/*
 * An answer as a reader wants it: for a select, each choice's label in lang
 * (a choice without a label, or a name the form does not know, as itself),
 * joined by ", " in the answer's order; a photo answer as its photos' size,
 * bytes, capture time and the start of each hash ("photo 1600×1200,
 * 231 KiB, taken 2026-11-24 08:15:02 (82ab34cd)"; an older record's file
 * path as stored); other answers as stored.  f may be NULL.  Caller frees.
 */
char *meaning_answer_text(const struct form *f, size_t q, const char *value, const char *lang);

/*
 * A geopoint answer, ODK's "LAT LON [ALT [ACCURACY]]": degrees to 8
 * decimals (about a millimetre), metres to 1.  NAN means unknown: an
 * unknown accuracy is left out; an unknown altitude is left out too, unless
 * an accuracy follows it, where the format has no way to skip it and it is
 * written 0.  Truncated to size.
 */
void meaning_geopoint_text(double lat, double lon, double alt_m, double accuracy_m, char *buf,
    size_t size);

/*
 * A position typed by hand: "LAT,LON[,ACCURACY_M]", the numbers separated
 * by a comma, spaces or both ("31.2304, 121.4737", "31.2304 121.4737 5"),
 * latitude -90..90, longitude -180..180, accuracy a finite number >= 0.
 * On success *pos is a manual position with an empty reason (the caller
 * gives one); on -1 *pos is unchanged.  The TUI's save screen and
 * `record add --at` both read this grammar.
 */
int meaning_parse_position(const char *text, struct store_position *pos);

#endif
