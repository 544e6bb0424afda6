/*
 * platform — the hand-off to a city's digital city-management platform
 * (数字城管平台): the national classes of problems as data, the city's unit
 * grid, and the cases written out for the platform (docs/platform.md).
 *
 *   codes   the code table: kind 部件 (component) or 事件 (event), a 2-digit
 *           major and a 2-digit minor class with their names (CJ/T 214, now
 *           the GB/T 30428 series).  fieldcheck ships one (platform/codes.csv)
 *           and a city's table overrides and extends it, because cities
 *           extend and renumber: codes are data, never constants.
 *   grid    the unit grid (单元网格): GeoJSON polygons (geo/) with the cell
 *           code as the string property "code", and a names table giving the
 *           district, street and community of a code's prefixes.
 *   cases   one case per hazard found, with a stable id, written as JSON
 *           lines or CSV through report/'s sink interface.
 *
 * Which answers are hazards and which code a hazard maps to is the record
 * model's (meaning/); this module looks the code up and writes.  Errors:
 * 0 or -1 with *cause (caller frees).
 */
#ifndef FIELDCHECK_PLATFORM_H
#define FIELDCHECK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "forms/forms.h"
#include "report/report.h"

/* ---- The code table ---- */

#define PLATFORM_MAX_TABLE (4u * 1024 * 1024)

struct platform_code {
	enum form_code_kind kind;
	char major[3], minor[3];   /* two digits each */
	const char *major_name, *minor_name, *source;   /* owned by the table */
};

struct platform_codes;

/*
 * Reads a code table, a CSV file with the header
 *   kind,major,major_name,minor,minor_name,source
 * (columns in any order; source may be empty).  With base not NULL the
 * table is a city's: its rows replace base's rows of the same code and add
 * the others, and the result is a new table (base is unchanged).  A row
 * with a bad kind or code, an empty name, a code given twice in the same
 * file, or a major class named two ways in the same file is refused as
 * FILE:LINE:COL: error: ... (every problem, one per line of *cause).
 * Caller frees with platform_codes_free.
 */
int platform_codes_load(const char *path, const struct platform_codes *base,
    struct platform_codes **out, char **cause);
int platform_codes_load_buffer(const char *name, const char *data, size_t len,
    const struct platform_codes *base, struct platform_codes **out, char **cause);
void platform_codes_free(struct platform_codes *codes);
size_t platform_codes_count(const struct platform_codes *codes);
/* Rows sorted by kind, major, minor.  Owned by the table. */
const struct platform_code *platform_codes_get(const struct platform_codes *codes, size_t i);
/* The row of kind and code ("0101"), or NULL. */
const struct platform_code *platform_codes_find(const struct platform_codes *codes,
    enum form_code_kind kind, const char *code);
/*
 * The shipped table: given when not NULL, else ./platform/codes.csv in the
 * source tree, else the installed share directory's codes.csv.  Caller frees.
 */
char *platform_codes_default_path(const char *given);

/*
 * The shipped table with a city's over it (city may be NULL: the shipped
 * one alone); NULL with *cause.  Caller frees.
 */
struct platform_codes *platform_codes_load_city(const char *city, char **cause);

/*
 * Checks a form's fieldcheck::code terms against codes: calls warn for each
 * hazard (severity question) with no code, and error for each code the
 * table lacks; returns the number of errors.
 */
typedef void platform_form_diag_fn(void *ctx, const char *message);
unsigned platform_codes_check_form(const struct platform_codes *codes, const struct form *f,
    platform_form_diag_fn *warn, platform_form_diag_fn *error, void *ctx);

/* ---- The unit grid ---- */

struct platform_grid;

/*
 * Loads a grid file (GeoJSON polygons, the cell code a non-empty string
 * property "code" of digits) and, when names_path is not NULL, a names
 * table (CSV: level,code,name with level district, street or community and
 * code a prefix of cell codes).  Cells must not overlap and codes must be
 * unique.  Caller frees with platform_grid_free.
 */
int platform_grid_load(const char *path, const char *names_path, struct platform_grid **out,
    char **cause);
void platform_grid_free(struct platform_grid *g);
/* The code of the cell containing (lon, lat) (geo.h's rule on edges), or NULL.  Owned by g. */
const char *platform_grid_cell(const struct platform_grid *g, double lon, double lat);
/* Names of a cell code's district, street and community ("" when unknown).  Owned by g. */
void platform_grid_names(const struct platform_grid *g, const char *cell, const char **district,
    const char **street, const char **community);

/* ---- Cases ---- */

/* WGS-84 to GCJ-02 (the offset Chinese web maps use); outside China unchanged. */
void platform_gcj02(double lon, double lat, double *glon, double *glat);

/*
 * The stable id of the case for hazard of record: a name-based UUID (as
 * version 5, with SHA-256 in place of SHA-1, hence version 8, RFC 9562)
 * over a fixed namespace, the record's UUID and the hazard's name.
 */
void platform_case_uuid(const char *record_uuid, const char *hazard, char out[37]);

enum platform_case_format {
	PLATFORM_CASES_JSON,   /* one JSON object per line */
	PLATFORM_CASES_CSV,    /* RFC 4180, a header row, the same fields */
};

struct platform_queue;

struct platform_case_options {
	enum platform_case_format format;
	struct platform_queue *queue;        /* not NULL: cases go into the push queue, not out */
	const struct platform_codes *codes;  /* required */
	const struct platform_grid *grid;    /* NULL: no cells */
	bool gcj02;                          /* add GCJ-02 coordinates */
};

/*
 * A sink (report.h) writing one case per hazard of each record it is given;
 * written counts cases, skipped records without a hazard.  A hazard with no
 * code, or a code the table lacks, is still written (its class fields
 * empty) and counted in *uncoded.  codes and grid must outlive the sink.
 */
struct export_sink *platform_cases_new(FILE *out, const struct platform_case_options *opt);
size_t platform_cases_uncoded(const struct export_sink *sink);
/* With a grid: records with a position outside every cell (their cases have no cellId). */
size_t platform_cases_outside(const struct export_sink *sink);
/* With a queue (out may then be NULL): how many cases were new or changed. */
size_t platform_cases_queued(const struct export_sink *sink);

/* ---- The push queue ---- */

/*
 * Cases waiting for the platform, kept durably in a directory so that a
 * platform outage loses nothing (docs/platform.md, "The push"):
 *
 *   DIR/queue/ID.json   a case to send (the JSON object, as POSTed)
 *   DIR/queue/ID.try    attempts so far, the next attempt's time, the last reason
 *   DIR/sent/ID         the SHA-256 of the content the platform acknowledged
 *   DIR/refused/ID.json and ID.why   a case the platform refused (4xx): kept, not retried
 *
 * Every file is written beside its name, synced and renamed into place.  A
 * case is queued again only when its content changed since the platform
 * acknowledged it; the idempotency key names case and content, so a retry
 * of the same content creates nothing twice.
 */
struct platform_queue;

struct platform_queued {
	char case_id[37];
	char key[37 + 1 + 64];   /* ID.SHA256: the Idempotency-Key header */
	char *body;              /* owned by the array (platform_queued_free) */
	size_t len;
	unsigned attempts;
	long long next_at;       /* seconds since the epoch; 0: now */
};

int platform_queue_open(const char *dir, struct platform_queue **out, char **cause);
void platform_queue_close(struct platform_queue *q);
/* Queues json as case_id's content: 1 queued, 0 already acknowledged or queued, -1 error. */
int platform_queue_put(struct platform_queue *q, const char *case_id, const char *json, size_t len,
    char **cause);
/* Every queued case, oldest attempt first; caller frees with platform_queued_free. */
int platform_queue_list(struct platform_queue *q, struct platform_queued **out, size_t *n,
    char **cause);
void platform_queued_free(struct platform_queued *items, size_t n);
/* The platform acknowledged it: recorded as sent, leaves the queue. */
int platform_queue_delivered(struct platform_queue *q, const struct platform_queued *item,
    char **cause);
/* One more failed attempt: tried again at next_at, reason kept. */
int platform_queue_retry(struct platform_queue *q, const struct platform_queued *item,
    long long next_at, const char *reason, char **cause);
/* The platform refused it for its content: moved to refused/ with the reason. */
int platform_queue_refused(struct platform_queue *q, const struct platform_queued *item,
    const char *reason, char **cause);

#endif
