/*
 * store — records: the in-memory form, its JSON form, and the SQL that saves,
 * fetches, lists and counts them.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

/* Bounds on what a record may carry, so that input from a bundle stays small. */
#define RECORD_MAX_ANSWERS      1024
#define RECORD_MAX_ANSWER_BYTES 65536
#define RECORD_MAX_NAME_BYTES   128

static const char *const status_names[] = { "draft", "final", "bundled", "sent" };
static const char *const source_names[] = { "none", "gpsd", "manual" };

const char *
store_status_name(enum store_status status)
{
	return (unsigned)status < 4 ? status_names[status] : "?";
}

int
store_name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
store_status_parse(const char *name, enum store_status *out)
{
	int i = store_name_index(status_names, 4, name);

	if (i < 0)
		return -1;
	*out = (enum store_status)i;
	return 0;
}

const char *
store_pos_source_name(enum store_pos_source source)
{
	return (unsigned)source < 3 ? source_names[source] : "?";
}

int
store_pos_source_parse(const char *name, enum store_pos_source *out)
{
	int i = store_name_index(source_names, 3, name);

	if (i < 0)
		return -1;
	*out = (enum store_pos_source)i;
	return 0;
}

void
store_position_clear(struct store_position *pos)
{
	memset(pos, 0, sizeof *pos);
	pos->source = STORE_POS_NONE;
	pos->lat = pos->lon = pos->alt_m = pos->accuracy_m = pos->hdop = pos->fix_age_s = NAN;
	pos->fix_mode = -1;
	pos->satellites = -1;
}

struct store_record *
store_record_new(void)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);

	fc_uuid_v4(rec->uuid);
	rec->status = STORE_DRAFT;
	fc_now_iso_utc(rec->created_at);
	memcpy(rec->updated_at, rec->created_at, sizeof rec->updated_at);
	fc_local_day(rec->day, time(NULL));
	store_position_clear(&rec->pos);
	return rec;
}

static void
clear_answers(struct store_record *rec)
{
	for (size_t i = 0; i < rec->answer_count; i++) {
		free(rec->answers[i].name);
		free(rec->answers[i].value);
	}
	free(rec->answers);
	rec->answers = NULL;
	rec->answer_count = 0;
}

void
store_record_free(struct store_record *rec)
{
	if (rec == NULL)
		return;
	clear_answers(rec);
	free(rec);
}

void
store_record_set_answer(struct store_record *rec, const char *name, const char *value)
{
	for (size_t i = 0; i < rec->answer_count; i++) {
		if (strcmp(rec->answers[i].name, name) != 0)
			continue;
		free(rec->answers[i].value);
		if (value == NULL) {
			free(rec->answers[i].name);
			memmove(&rec->answers[i], &rec->answers[i + 1],
			    (rec->answer_count - i - 1) * sizeof rec->answers[0]);
			rec->answer_count--;
		} else
			rec->answers[i].value = xstrdup(value);
		return;
	}
	if (value == NULL)
		return;
	rec->answers = xreallocarray(rec->answers, rec->answer_count + 1, sizeof rec->answers[0]);
	rec->answers[rec->answer_count].name = xstrdup(name);
	rec->answers[rec->answer_count].value = xstrdup(value);
	rec->answer_count++;
}

const char *
store_record_answer(const struct store_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->answer_count; i++)
		if (strcmp(rec->answers[i].name, name) == 0)
			return rec->answers[i].value;
	return NULL;
}

/* ---- JSON ---- */

/*
 * The JSON form is rendered into one buffer that a renderer keeps from
 * record to record, so a bundle of thousands of records costs no object
 * tree and no allocation per record.  jansson still encodes every string
 * and number (json_dump_callback on a scratch value, the same encoder a
 * json_object dump uses); only the fixed keys, in their fixed order, and
 * the punctuation are written here.  The text is byte for byte what a
 * compact json_dumps of the same object gives (tests/unit/test_store.c
 * checks it against one).
 *
 * Most values repeat from record to record (form, inspector, device,
 * answer names and choices, a record's equal timestamps, the fix's
 * quality), so the renderer remembers recent encodings: an encoding is a
 * pure function of the value, and a hit costs a hash and a compare instead
 * of jansson's walk over the string.
 */
#define JSON_MEMO_SLOTS 512       /* direct-mapped: a collision just replaces */
#define JSON_MEMO_KEY   64        /* longer values are encoded every time */
#define JSON_MEMO_TEXT  96

struct json_memo {
	unsigned char key_len;        /* 0: empty slot */
	unsigned char text_len;
	char key[JSON_MEMO_KEY];      /* a type tag, then the value's bytes */
	char text[JSON_MEMO_TEXT];    /* its JSON encoding */
};

struct store_json {
	struct fc_buf out;              /* the text rendered so far */
	json_t *str, *real, *integer;   /* scratch values for the encoder */
	bool bad;                       /* a string was not valid UTF-8 */
	struct json_memo memo[JSON_MEMO_SLOTS];
};

struct store_json *
store_json_new(void)
{
	struct store_json *j = xcalloc(1, sizeof *j);

	j->str = json_string("");
	j->real = json_real(0);
	j->integer = json_integer(0);
	if (j->str == NULL || j->real == NULL || j->integer == NULL)
		abort();  /* only out of memory */
	return j;
}

void
store_json_free(struct store_json *j)
{
	if (j == NULL)
		return;
	json_decref(j->str);
	json_decref(j->real);
	json_decref(j->integer);
	free(j->out.data);
	free(j);
}

static int
json_put_cb(const char *data, size_t n, void *arg)
{
	struct store_json *j = arg;

	fc_buf_append(&j->out, data, n);
	return 0;
}

/*
 * Writes the remembered encoding of (tag, value) and returns true.  Else
 * returns false with *slot_out the slot to fill once encoded (NULL when
 * the value is too long to remember).
 */
static bool
json_memo_put(struct store_json *j, char tag, const void *value, size_t n, struct json_memo **slot_out)
{
	const unsigned char *p = value;
	uint32_t h = 2166136261u ^ (unsigned char)tag;
	struct json_memo *m;

	*slot_out = NULL;
	if (n + 1 > JSON_MEMO_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	m = &j->memo[h % JSON_MEMO_SLOTS];
	if (m->key_len == n + 1 && m->key[0] == tag && memcmp(m->key + 1, value, n) == 0) {
		json_put_cb(m->text, m->text_len, j);
		return true;
	}
	*slot_out = m;
	return false;
}

/* Remembers the encoding written since offset from (when it fits the slot). */
static void
json_memo_keep(struct store_json *j, struct json_memo *m, char tag, const void *value, size_t n,
    size_t from)
{
	if (m == NULL || j->out.len - from > JSON_MEMO_TEXT) {
		if (m != NULL)
			m->key_len = 0;
		return;
	}
	m->key[0] = tag;
	memcpy(m->key + 1, value, n);
	m->key_len = (unsigned char)(n + 1);
	memcpy(m->text, j->out.data + from, j->out.len - from);
	m->text_len = (unsigned char)(j->out.len - from);
}

/* Fixed text: keys and punctuation (a literal, so sizeof - 1 is its length). */
#define JSON_PUT(j, lit) json_put_cb((lit), sizeof(lit) - 1, (j))

static void
json_put_string(struct store_json *j, const char *s)
{
	size_t n = strlen(s), from = j->out.len;
	struct json_memo *m;

	if (json_memo_put(j, 's', s, n, &m))
		return;
	if (json_string_setn(j->str, s, n) != 0) {
		j->bad = true;
		return;
	}
	json_dump_callback(j->str, json_put_cb, j, JSON_ENCODE_ANY);
	json_memo_keep(j, m, 's', s, n, from);
}

static void
json_put_text_or_null(struct store_json *j, const char *s)
{
	if (s[0] == '\0')
		JSON_PUT(j, "null");
	else
		json_put_string(j, s);
}

static void
json_put_number_or_null(struct store_json *j, double v)
{
	size_t from = j->out.len;
	struct json_memo *m;

	if (!isfinite(v)) {
		JSON_PUT(j, "null");
		return;
	}
	if (json_memo_put(j, 'r', &v, sizeof v, &m))
		return;
	json_real_set(j->real, v);
	json_dump_callback(j->real, json_put_cb, j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
	json_memo_keep(j, m, 'r', &v, sizeof v, from);
}

static void
json_put_int_or_null(struct store_json *j, int v)
{
	if (v < 0) {
		JSON_PUT(j, "null");
		return;
	}
	json_integer_set(j->integer, v);
	json_dump_callback(j->integer, json_put_cb, j, JSON_ENCODE_ANY);
}

/* The answers object, in answer order (names are unique in a record). */
static void
json_put_answers(struct store_json *j, const struct store_record *rec)
{
	JSON_PUT(j, "{");
	for (size_t i = 0; i < rec->answer_count; i++) {
		if (i > 0)
			JSON_PUT(j, ",");
		json_put_string(j, rec->answers[i].name);
		JSON_PUT(j, ":");
		json_put_string(j, rec->answers[i].value);
	}
	JSON_PUT(j, "}");
}

const char *
store_json_render(struct store_json *j, const struct store_record *rec, size_t *len)
{
	const struct store_position *p = &rec->pos;

	j->out.len = 0;
	j->bad = false;
	JSON_PUT(j, "{\"uuid\":");
	json_put_string(j, rec->uuid);
	JSON_PUT(j, ",\"form_id\":");
	json_put_string(j, rec->form_id);
	JSON_PUT(j, ",\"form_version\":");
	json_put_string(j, rec->form_version);
	JSON_PUT(j, ",\"form_hash\":");
	json_put_string(j, rec->form_hash);
	JSON_PUT(j, ",\"inspector\":");
	json_put_string(j, rec->inspector);
	JSON_PUT(j, ",\"device\":");
	json_put_string(j, rec->device);
	JSON_PUT(j, ",\"replaces\":");
	json_put_text_or_null(j, rec->replaces);
	JSON_PUT(j, ",\"status\":");
	json_put_string(j, store_status_name(rec->status));
	JSON_PUT(j, ",\"created_at\":");
	json_put_string(j, rec->created_at);
	JSON_PUT(j, ",\"updated_at\":");
	json_put_string(j, rec->updated_at);
	JSON_PUT(j, ",\"finalized_at\":");
	json_put_text_or_null(j, rec->finalized_at);
	JSON_PUT(j, ",\"day\":");
	json_put_string(j, rec->day);
	JSON_PUT(j, ",\"position\":{\"source\":");
	json_put_string(j, store_pos_source_name(p->source));
	JSON_PUT(j, ",\"lat\":");
	json_put_number_or_null(j, p->lat);
	JSON_PUT(j, ",\"lon\":");
	json_put_number_or_null(j, p->lon);
	JSON_PUT(j, ",\"alt_m\":");
	json_put_number_or_null(j, p->alt_m);
	JSON_PUT(j, ",\"accuracy_m\":");
	json_put_number_or_null(j, p->accuracy_m);
	JSON_PUT(j, ",\"fix_mode\":");
	json_put_int_or_null(j, p->fix_mode);
	JSON_PUT(j, ",\"satellites\":");
	json_put_int_or_null(j, p->satellites);
	JSON_PUT(j, ",\"hdop\":");
	json_put_number_or_null(j, p->hdop);
	JSON_PUT(j, ",\"fix_time\":");
	json_put_text_or_null(j, p->fix_time);
	JSON_PUT(j, ",\"fix_age_s\":");
	json_put_number_or_null(j, p->fix_age_s);
	JSON_PUT(j, ",\"reason\":");
	json_put_text_or_null(j, p->reason);
	JSON_PUT(j, "},\"answers\":");
	json_put_answers(j, rec);
	JSON_PUT(j, "}");
	if (j->bad) {
		j->out.len = 0;
		JSON_PUT(j, "{}");  /* only reachable with invalid UTF-8 in a field */
	}
	*len = j->out.len;
	return j->out.data;
}

char *
store_record_to_json(const struct store_record *rec)
{
	struct store_json *j = store_json_new();
	size_t len;
	char *copy = xstrdup(store_json_render(j, rec, &len));

	store_json_free(j);
	return copy;
}

/* Copies a required or optional string member into a bounded field. */
static int
json_field(json_t *obj, const char *key, bool required, char *dst, size_t size, char **cause)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return fc_fail(cause, "record: missing '%s'", key);
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return fc_fail(cause, "record: '%s' is not a string", key);
	if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
		return fc_fail(cause, "record: '%s' is longer than %zu bytes", key, size - 1);
	if (required && json_string_length(v) == 0)
		return fc_fail(cause, "record: '%s' is empty", key);
	fc_strlcpy(dst, json_string_value(v), size);
	return 0;
}

static int
json_double(json_t *obj, const char *key, double lo, double hi, double *out, char **cause)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < lo || json_number_value(v) > hi)
		return fc_fail(cause, "record: position '%s' must be a number from %g to %g", key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

static int
json_small_int(json_t *obj, const char *key, int hi, int *out, char **cause)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		*out = -1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > hi)
		return fc_fail(cause, "record: position '%s' must be an integer from 0 to %d", key, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int
valid_time(const char *s, bool required, const char *key, char **cause)
{
	struct timespec ts;

	if (s[0] == '\0' && !required)
		return 0;
	if (fc_parse_iso_utc(s, &ts) != 0)
		return fc_fail(cause, "record: '%s' is not an ISO 8601 UTC time", key);
	return 0;
}

static int
position_from_json(json_t *pos, struct store_position *p, char **cause)
{
	char source[16];

	store_position_clear(p);
	if (!json_is_object(pos))
		return fc_fail(cause, "record: 'position' is not an object");
	if (json_field(pos, "source", true, source, sizeof source, cause) != 0)
		return -1;
	if (store_pos_source_parse(source, &p->source) != 0)
		return fc_fail(cause, "record: position source '%s' is not gpsd, manual or none", source);
	if (json_double(pos, "lat", -90, 90, &p->lat, cause) != 0 ||
	    json_double(pos, "lon", -180, 180, &p->lon, cause) != 0 ||
	    json_double(pos, "alt_m", -20000, 100000, &p->alt_m, cause) != 0 ||
	    json_double(pos, "accuracy_m", 0, 1e7, &p->accuracy_m, cause) != 0 ||
	    json_double(pos, "hdop", 0, 1000, &p->hdop, cause) != 0 ||
	    json_double(pos, "fix_age_s", 0, 1e9, &p->fix_age_s, cause) != 0 ||
	    json_small_int(pos, "fix_mode", 3, &p->fix_mode, cause) != 0 ||
	    json_small_int(pos, "satellites", 1000, &p->satellites, cause) != 0 ||
	    json_field(pos, "fix_time", false, p->fix_time, sizeof p->fix_time, cause) != 0 ||
	    json_field(pos, "reason", false, p->reason, sizeof p->reason, cause) != 0 ||
	    valid_time(p->fix_time, false, "fix_time", cause) != 0)
		return -1;
	if (p->source != STORE_POS_NONE && (isnan(p->lat) || isnan(p->lon)))
		return fc_fail(cause, "record: a %s position needs lat and lon", source);
	return 0;
}

/*
 * Appends an answer the caller knows is new, taking both strings.  The
 * array grows by doubling (its capacity is the next power of two of the
 * count), so a day of records decoded in bulk does not pay one realloc per
 * answer.
 */
static void
append_answer(struct store_record *rec, char *name, char *value)
{
	size_t n = rec->answer_count;

	if (n == 0 || (n & (n - 1)) == 0)
		rec->answers = xreallocarray(rec->answers, n == 0 ? 1 : n * 2, sizeof rec->answers[0]);
	rec->answers[n].name = name;
	rec->answers[n].value = value;
	rec->answer_count = n + 1;
}

static int
answers_from_json(json_t *answers, struct store_record *rec, char **cause)
{
	const char *name;
	json_t *value;

	if (!json_is_object(answers))
		return fc_fail(cause, "record: 'answers' is not an object");
	if (json_object_size(answers) > RECORD_MAX_ANSWERS)
		return fc_fail(cause, "record: more than %d answers", RECORD_MAX_ANSWERS);
	json_object_foreach(answers, name, value) {
		if (name[0] == '\0' || strlen(name) > RECORD_MAX_NAME_BYTES)
			return fc_fail(cause, "record: an answer name is empty or longer than %d bytes",
			    RECORD_MAX_NAME_BYTES);
		if (!json_is_string(value))
			return fc_fail(cause, "record: answer '%s' is not a string", name);
		if (json_string_length(value) > RECORD_MAX_ANSWER_BYTES ||
		    strlen(json_string_value(value)) != json_string_length(value))
			return fc_fail(cause, "record: answer '%s' is longer than %d bytes or holds NUL",
			    name, RECORD_MAX_ANSWER_BYTES);
		/* A JSON object's keys are unique: append without searching. */
		append_answer(rec, xstrdup(name), xstrdup(json_string_value(value)));
	}
	return 0;
}

int
store_record_from_json(const char *text, size_t len, struct store_record **out, char **cause)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);
	json_error_t err;
	char status[16];
	json_t *obj;

	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (obj == NULL) {
		fc_fail(cause, "record: invalid JSON at column %d: %s", err.column, err.text);
		goto fail;
	}
	if (!json_is_object(obj)) {
		fc_fail(cause, "record: not a JSON object");
		goto fail;
	}
	if (json_field(obj, "uuid", true, rec->uuid, sizeof rec->uuid, cause) != 0 ||
	    json_field(obj, "form_id", true, rec->form_id, sizeof rec->form_id, cause) != 0 ||
	    json_field(obj, "form_version", true, rec->form_version, sizeof rec->form_version, cause) != 0 ||
	    json_field(obj, "form_hash", true, rec->form_hash, sizeof rec->form_hash, cause) != 0 ||
	    json_field(obj, "inspector", true, rec->inspector, sizeof rec->inspector, cause) != 0 ||
	    json_field(obj, "device", true, rec->device, sizeof rec->device, cause) != 0 ||
	    json_field(obj, "replaces", false, rec->replaces, sizeof rec->replaces, cause) != 0 ||
	    json_field(obj, "status", true, status, sizeof status, cause) != 0 ||
	    json_field(obj, "created_at", true, rec->created_at, sizeof rec->created_at, cause) != 0 ||
	    json_field(obj, "updated_at", true, rec->updated_at, sizeof rec->updated_at, cause) != 0 ||
	    json_field(obj, "finalized_at", false, rec->finalized_at, sizeof rec->finalized_at, cause) != 0 ||
	    json_field(obj, "day", true, rec->day, sizeof rec->day, cause) != 0)
		goto fail;
	if (!fc_valid_uuid(rec->uuid)) {
		fc_fail(cause, "record: 'uuid' is not a lower-case UUID");
		goto fail;
	}
	if (rec->replaces[0] != '\0' && !fc_valid_uuid(rec->replaces)) {
		fc_fail(cause, "record %s: 'replaces' is not a UUID", rec->uuid);
		goto fail;
	}
	if (store_status_parse(status, &rec->status) != 0) {
		fc_fail(cause, "record %s: unknown status '%s'", rec->uuid, status);
		goto fail;
	}
	if (!fc_valid_day(rec->day)) {
		fc_fail(cause, "record %s: 'day' is not YYYY-MM-DD", rec->uuid);
		goto fail;
	}
	if (valid_time(rec->created_at, true, "created_at", cause) != 0 ||
	    valid_time(rec->updated_at, true, "updated_at", cause) != 0 ||
	    valid_time(rec->finalized_at, rec->status != STORE_DRAFT, "finalized_at", cause) != 0 ||
	    position_from_json(json_object_get(obj, "position"), &rec->pos, cause) != 0 ||
	    answers_from_json(json_object_get(obj, "answers"), rec, cause) != 0)
		goto fail;
	json_decref(obj);
	*out = rec;
	return 0;
fail:
	json_decref(obj);
	store_record_free(rec);
	return -1;
}

/* ---- SQL ---- */

#define RECORD_COLUMNS \
	"uuid, form_id, form_version, form_hash, inspector, device, replaces, status," \
	" created_at, updated_at, finalized_at, day, pos_source, lat, lon, alt_m, accuracy_m," \
	" fix_mode, satellites, hdop, fix_time, fix_age_s, pos_reason, answers"

static void
bind_double(sqlite3_stmt *stmt, int idx, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(stmt, idx, v);
	else
		sqlite3_bind_null(stmt, idx);
}

static void
bind_int(sqlite3_stmt *stmt, int idx, int v)
{
	if (v >= 0)
		sqlite3_bind_int(stmt, idx, v);
	else
		sqlite3_bind_null(stmt, idx);
}

/* Binds every column of RECORD_COLUMNS, in order, from 1; answers_json stays owned by the caller. */
static void
bind_record(sqlite3_stmt *stmt, const struct store_record *rec, const char *answers_json)
{
	const struct store_position *p = &rec->pos;

	sqlite3_bind_text(stmt, 1, rec->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rec->form_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, rec->form_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, rec->inspector, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, rec->device, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 7, rec->replaces);
	sqlite3_bind_text(stmt, 8, store_status_name(rec->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, rec->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, rec->updated_at, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 11, rec->finalized_at);
	sqlite3_bind_text(stmt, 12, rec->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 13, store_pos_source_name(p->source), -1, SQLITE_STATIC);
	bind_double(stmt, 14, p->lat);
	bind_double(stmt, 15, p->lon);
	bind_double(stmt, 16, p->alt_m);
	bind_double(stmt, 17, p->accuracy_m);
	bind_int(stmt, 18, p->fix_mode);
	bind_int(stmt, 19, p->satellites);
	bind_double(stmt, 20, p->hdop);
	store_bind_text_or_null(stmt, 21, p->fix_time);
	bind_double(stmt, 22, p->fix_age_s);
	store_bind_text_or_null(stmt, 23, p->reason);
	sqlite3_bind_text(stmt, 24, answers_json, -1, SQLITE_STATIC);
}

static double
column_double(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, col);
}

static int
column_int(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, col);
}

/*
 * One string of the answers column in the shape answers_text writes it
 * (jansson's encoding: raw UTF-8, with only the quote, the backslash and
 * control characters escaped), decoded into a new C string.
 * *cursor is just past the opening quote and moves past the closing one.
 * NULL, with nothing allocated, for anything else: the caller then leaves
 * the whole column to the general JSON reader.
 */
static char *
canonical_string(const char **cursor, const char *end, size_t max_bytes)
{
	const char *p = *cursor, *close = p;
	bool escaped = false;
	char *out, *o;

	while (close < end && *close != '"') {
		if (*close == '\\') {
			escaped = true;
			close += 2;
		} else if ((unsigned char)*close < 0x20)
			return NULL;
		else
			close++;
	}
	if (close >= end || (size_t)(close - p) > max_bytes * 6)
		return NULL;
	/* The encoded span bounds the decoded length. */
	out = o = xmalloc((size_t)(close - p) + 1);
	if (!escaped) {
		memcpy(out, p, (size_t)(close - p));
		o += close - p;
		p = close;
	}
	while (p < close) {
		unsigned char c = (unsigned char)*p++;
		unsigned char code[2];
		size_t code_len;

		if (c >= 0x20 && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		if (c < 0x20)
			goto refuse;
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			/* Only the control characters jansson spells this way,
			 * \u0001 to \u001F (not NUL, which no C string holds). */
			if (close - p < 4 || sodium_hex2bin(code, sizeof code, p, 4, NULL, &code_len,
			    NULL) != 0 || code_len != 2 || code[0] != 0 || code[1] == 0 || code[1] >= 0x20)
				goto refuse;
			*o++ = (char)code[1];
			p += 4;
			break;
		default:
			goto refuse;
		}
	}
	*o = '\0';
	if ((size_t)(o - out) > max_bytes)
		goto refuse;
	*cursor = close + 1;
	return out;
refuse:
	free(out);
	return NULL;
}

/*
 * Reads an answers column written by answers_text: {"name":"value",...}
 * with no whitespace.  Returns false, with rec's answers left empty, for
 * any other text.  Every listing decodes a column per record: json_each
 * took about 6 us for a 20-answer record, a third of a day's GeoJSON
 * export, and this path takes a quarter of that, mostly in malloc.
 */
static bool
answers_read_canonical(const char *text, size_t len, struct store_record *rec)
{
	const char *p = text, *end = text + len;

	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return false;
	p++;
	end--;
	while (p < end) {
		char *name, *value;

		if (rec->answer_count > 0 && *p++ != ',')
			goto refuse;
		if (p >= end || *p++ != '"')
			goto refuse;
		name = canonical_string(&p, end, RECORD_MAX_NAME_BYTES);
		if (name == NULL)
			goto refuse;
		if (name[0] == '\0' || p + 2 > end || p[0] != ':' || p[1] != '"' ||
		    rec->answer_count >= RECORD_MAX_ANSWERS) {
			free(name);
			goto refuse;
		}
		p += 2;
		value = canonical_string(&p, end, RECORD_MAX_ANSWER_BYTES);
		if (value == NULL) {
			free(name);
			goto refuse;
		}
		append_answer(rec, name, value);
	}
	return true;
refuse:
	clear_answers(rec);
	return false;
}

/*
 * Reads the answers column (a JSON object of strings).  What answers_text
 * wrote takes the direct path above; any other text, such as a row edited
 * by hand, is read with SQLite's own json_each, the general reader, which
 * walks the text in document order without building a tree (a jansson
 * decode per record cost more than the query).  Its statement is prepared
 * once per connection.  (json_each ends a string at an escaped NUL, which
 * answers_text never writes: answers are C strings.)
 */
static int
answers_from_column(struct store *st, sqlite3_stmt *row, int col, struct store_record *rec,
    char **cause)
{
	sqlite3_stmt *each = st->answers_stmt;
	int rc;

	if (sqlite3_column_type(row, col) != SQLITE_TEXT)
		return fc_fail(cause, "%s: record %s: its answers are missing", st->path, rec->uuid);
	/* A blob, not text: the text is already UTF-8, and this avoids a copy. */
	if (answers_read_canonical(sqlite3_column_blob(row, col),
	    (size_t)sqlite3_column_bytes(row, col), rec))
		return 0;
	if (each == NULL) {
		if (sqlite3_prepare_v3(st->db, "SELECT key, value, type = 'text' FROM json_each(?1)", -1,
		    SQLITE_PREPARE_PERSISTENT, &each, NULL) != SQLITE_OK)
			return store_db_fail(st, cause, "read answers");
		st->answers_stmt = each;
	}
	sqlite3_bind_value(each, 1, sqlite3_column_value(row, col));
	while ((rc = sqlite3_step(each)) == SQLITE_ROW) {
		/* Blobs, not text: json_each's strings carry no NUL, and asking
		 * for text would make SQLite reallocate each one to add it. */
		const char *name = sqlite3_column_blob(each, 0);
		const char *value = sqlite3_column_blob(each, 1);
		size_t name_bytes = (size_t)sqlite3_column_bytes(each, 0);
		size_t value_bytes = (size_t)sqlite3_column_bytes(each, 1);

		/* An array or a scalar has no text keys; only strings are answers. */
		if (sqlite3_column_type(each, 0) != SQLITE_TEXT || name_bytes == 0 ||
		    name_bytes > RECORD_MAX_NAME_BYTES || sqlite3_column_int(each, 2) != 1 ||
		    value_bytes > RECORD_MAX_ANSWER_BYTES || rec->answer_count >= RECORD_MAX_ANSWERS) {
			rc = SQLITE_MISMATCH;
			break;
		}
		append_answer(rec, xstrndup(name, name_bytes),
		    xstrndup(value_bytes > 0 ? value : "", value_bytes));
	}
	sqlite3_reset(each);
	sqlite3_clear_bindings(each);
	if (rc != SQLITE_DONE)
		return fc_fail(cause, "%s: record %s: its answers are damaged", st->path, rec->uuid);
	return 0;
}

/* Builds a record from a row of RECORD_COLUMNS.  Caller frees. */
static int
record_from_row(struct store *st, sqlite3_stmt *stmt, struct store_record **out, char **cause)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);
	struct store_position *p = &rec->pos;
	char text[16];

	store_column_copy(stmt, 0, rec->uuid, sizeof rec->uuid);
	store_column_copy(stmt, 1, rec->form_id, sizeof rec->form_id);
	store_column_copy(stmt, 2, rec->form_version, sizeof rec->form_version);
	store_column_copy(stmt, 3, rec->form_hash, sizeof rec->form_hash);
	store_column_copy(stmt, 4, rec->inspector, sizeof rec->inspector);
	store_column_copy(stmt, 5, rec->device, sizeof rec->device);
	store_column_copy(stmt, 6, rec->replaces, sizeof rec->replaces);
	store_column_copy(stmt, 7, text, sizeof text);
	store_status_parse(text, &rec->status);
	store_column_copy(stmt, 8, rec->created_at, sizeof rec->created_at);
	store_column_copy(stmt, 9, rec->updated_at, sizeof rec->updated_at);
	store_column_copy(stmt, 10, rec->finalized_at, sizeof rec->finalized_at);
	store_column_copy(stmt, 11, rec->day, sizeof rec->day);
	store_position_clear(p);
	store_column_copy(stmt, 12, text, sizeof text);
	store_pos_source_parse(text, &p->source);
	p->lat = column_double(stmt, 13);
	p->lon = column_double(stmt, 14);
	p->alt_m = column_double(stmt, 15);
	p->accuracy_m = column_double(stmt, 16);
	p->fix_mode = column_int(stmt, 17);
	p->satellites = column_int(stmt, 18);
	p->hdop = column_double(stmt, 19);
	store_column_copy(stmt, 20, p->fix_time, sizeof p->fix_time);
	p->fix_age_s = column_double(stmt, 21);
	store_column_copy(stmt, 22, p->reason, sizeof p->reason);
	if (answers_from_column(st, stmt, 23, rec, cause) != 0) {
		store_record_free(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

/*
 * The answers column: the same text as the record's "answers" member,
 * rendered by a renderer the connection keeps (a renderer is some 80 KiB
 * to clear, more than rendering a record costs, and the depot writes one
 * record after another).  Valid until the next call on st.
 */
static const char *
answers_text(struct store *st, const struct store_record *rec)
{
	struct store_json *j = st->answers_json;

	if (j == NULL)
		j = st->answers_json = store_json_new();
	j->out.len = 0;
	j->bad = false;
	json_put_answers(j, rec);
	return j->bad ? "{}" : j->out.data;
}

/* Checks the fields a record must have before it is written. */
static int
record_validate(const struct store_record *rec, char **cause)
{
	if (!fc_valid_uuid(rec->uuid))
		return fc_fail(cause, "record has no valid UUID");
	if (rec->form_id[0] == '\0' || rec->form_version[0] == '\0' || rec->form_hash[0] == '\0')
		return fc_fail(cause, "record %s names no form (id, version and hash)", rec->uuid);
	if (rec->inspector[0] == '\0' || rec->device[0] == '\0')
		return fc_fail(cause, "record %s names no inspector or device", rec->uuid);
	for (size_t i = 0; i < rec->answer_count; i++)
		if (!fc_utf8_valid(rec->answers[i].value, strlen(rec->answers[i].value)) ||
		    !fc_utf8_valid(rec->answers[i].name, strlen(rec->answers[i].name)))
			return fc_fail(cause, "record %s: answer '%s' is not valid UTF-8", rec->uuid,
			    rec->answers[i].name);
	return 0;
}

/*
 * Writes rec, replacing a draft with the same UUID.  Only a draft may be
 * replaced: the WHERE on the upsert leaves a finalized row alone, and
 * changes() tells us so.
 */
static int
write_record(struct store *st, const struct store_record *rec, char **cause)
{
	static const char sql[] =
	    "INSERT INTO records (" RECORD_COLUMNS ") VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24) "
	    "ON CONFLICT(uuid) DO UPDATE SET form_id=?2, form_version=?3, form_hash=?4, inspector=?5,"
	    " device=?6, replaces=?7, status=?8, updated_at=?10, finalized_at=?11, pos_source=?13,"
	    " lat=?14, lon=?15, alt_m=?16, accuracy_m=?17, fix_mode=?18, satellites=?19, hdop=?20,"
	    " fix_time=?21, fix_age_s=?22, pos_reason=?23, answers=?24 "
	    "WHERE status = 'draft'";
	sqlite3_stmt *stmt;
	int rc;

	if (record_validate(rec, cause) != 0)
		return -1;
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	bind_record(stmt, rec, answers_text(st, rec));
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "save");
	if (sqlite3_changes(st->db) != 1)
		return fc_fail(cause, "record %s is already final and cannot change", rec->uuid);
	return 0;
}

int
store_save_draft(struct store *st, struct store_record *rec, char **cause)
{
	rec->status = STORE_DRAFT;
	rec->finalized_at[0] = '\0';
	fc_now_iso_utc(rec->updated_at);
	/* One statement is one transaction in autocommit mode. */
	return write_record(st, rec, cause);
}

int
store_finalize(struct store *st, struct store_record *rec, char **cause)
{
	char now[FC_TIME_LEN];

	fc_now_iso_utc(now);
	rec->status = STORE_FINAL;
	memcpy(rec->updated_at, now, sizeof now);
	memcpy(rec->finalized_at, now, sizeof now);
	if (write_record(st, rec, cause) != 0) {
		rec->status = STORE_DRAFT;
		rec->finalized_at[0] = '\0';
		return -1;
	}
	return 0;
}

int
store_discard_draft(struct store *st, const char *uuid, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "DELETE FROM records WHERE uuid = ?1 AND status = 'draft'", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "discard draft");
	return 0;
}

int
store_get(struct store *st, const char *uuid, struct store_record **out, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_COLUMNS " FROM records WHERE uuid = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = record_from_row(st, stmt, out, cause);
	else if (rc == SQLITE_DONE)
		rc = fc_fail(cause, "no record %s", uuid);
	else
		rc = store_db_fail(st, cause, "fetch");
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Appends the WHERE clause for a filter.  The clause text is fixed; values
 * are bound by bind_filter in the same order.
 */
static void
filter_sql(char *sql, size_t size, const struct store_filter *f)
{
	const char *and = " WHERE ";

	if (f->day != NULL && f->day[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "day = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (f->inspector != NULL && f->inspector[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "inspector = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (f->form_id != NULL && f->form_id[0] != '\0') {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "form_id = ?", size - strlen(sql) - 1);
		and = " AND ";
	}
	if (!f->any_status) {
		strncat(sql, and, size - strlen(sql) - 1);
		strncat(sql, "status = ?", size - strlen(sql) - 1);
	}
}

static void
bind_filter(sqlite3_stmt *stmt, const struct store_filter *f)
{
	int idx = 1;

	if (f->day != NULL && f->day[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->day, -1, SQLITE_STATIC);
	if (f->inspector != NULL && f->inspector[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->inspector, -1, SQLITE_STATIC);
	if (f->form_id != NULL && f->form_id[0] != '\0')
		sqlite3_bind_text(stmt, idx++, f->form_id, -1, SQLITE_STATIC);
	if (!f->any_status)
		sqlite3_bind_text(stmt, idx++, store_status_name(f->status), -1, SQLITE_STATIC);
	if (f->limit > 0)
		sqlite3_bind_int64(stmt, idx, (sqlite3_int64)f->limit);
}

/* Steps a statement over RECORD_COLUMNS rows, handing each record to take. */
static int
each_record(struct store *st, sqlite3_stmt *stmt, store_record_take_fn *take, void *ctx,
    char **cause)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_record *rec;

		if (record_from_row(st, stmt, &rec, cause) != 0)
			return -1;
		if (take(ctx, rec))
			return 0;
	}
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "list");
	return 0;
}

/* store_list's contract on top of the handing-over walk: lend, then free. */
struct lend {
	store_record_fn *fn;
	void *ctx;
};

static int
lend_then_free(void *arg, struct store_record *rec)
{
	struct lend *l = arg;
	int stop = l->fn(l->ctx, rec);

	store_record_free(rec);
	return stop;
}

int
store_list_take(struct store *st, const struct store_filter *filter, store_record_take_fn *fn,
    void *ctx, char **cause)
{
	char sql[512] = "SELECT " RECORD_COLUMNS " FROM records";
	sqlite3_stmt *stmt;
	int rc;

	filter_sql(sql, sizeof sql, filter);
	strncat(sql, " ORDER BY created_at, id", sizeof sql - strlen(sql) - 1);
	if (filter->limit > 0)
		strncat(sql, " LIMIT ?", sizeof sql - strlen(sql) - 1);
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	bind_filter(stmt, filter);
	rc = each_record(st, stmt, fn, ctx, cause);
	sqlite3_finalize(stmt);
	return rc;
}

int
store_list(struct store *st, const struct store_filter *filter, store_record_fn *fn, void *ctx,
    char **cause)
{
	struct lend l = { fn, ctx };

	return store_list_take(st, filter, lend_then_free, &l, cause);
}

int
store_count(struct store *st, const struct store_filter *filter, int64_t *count, char **cause)
{
	char sql[256] = "SELECT count(*) FROM records";
	struct store_filter unlimited = *filter;
	sqlite3_stmt *stmt;
	int rc;

	unlimited.limit = 0;
	filter_sql(sql, sizeof sql, &unlimited);
	stmt = store_prepare(st, sql, cause);
	if (stmt == NULL)
		return -1;
	bind_filter(stmt, &unlimited);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else
		rc = store_db_fail(st, cause, "count");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_count_by_status(struct store *st, int64_t counts[4], char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT status, count(*) FROM records GROUP BY status", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	memset(counts, 0, 4 * sizeof counts[0]);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		enum store_status status;

		if (store_status_parse((const char *)sqlite3_column_text(stmt, 0), &status) == 0)
			counts[status] = sqlite3_column_int64(stmt, 1);
	}
	rc = rc == SQLITE_DONE ? 0 : store_db_fail(st, cause, "count");
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- Shared with the outbox and the depot's ingest ---- */

int
store_outbox_pending_query(struct store *st, size_t limit, store_record_fn *fn, void *ctx,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_COLUMNS " FROM records WHERE status = 'final' "
	    "ORDER BY created_at, id LIMIT ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, limit > 0 ? (sqlite3_int64)limit : -1);
	rc = each_record(st, stmt, lend_then_free, &(struct lend){ fn, ctx }, cause);
	sqlite3_finalize(stmt);
	return rc;
}

int
store_outbox_bundle_query(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT " RECORD_COLUMNS " FROM records WHERE uuid IN "
	    "(SELECT record_uuid FROM outbox_records WHERE bundle_uuid = ?1) "
	    "ORDER BY created_at, id LIMIT -1 OFFSET ?2", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, bundle_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)offset);
	rc = each_record(st, stmt, lend_then_free, &(struct lend){ fn, ctx }, cause);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * The depot's insert: a record is new, or its UUID is stored already and
 * the insert does nothing (the caller then compares contents).  Prepared
 * once per ingest, stepped once per record.
 */
sqlite3_stmt *
store_insert_received_prepare(struct store *st, char **cause)
{
	return store_prepare(st, "INSERT INTO records (" RECORD_COLUMNS ") VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24) "
	    "ON CONFLICT(uuid) DO NOTHING", cause);
}

int
store_insert_received(struct store *st, sqlite3_stmt *ins, const struct store_record *rec,
    bool *inserted, char **cause)
{
	struct store_record copy = *rec;
	int rc;

	*inserted = false;
	copy.status = STORE_SENT;
	if (record_validate(&copy, cause) != 0)
		return -1;
	sqlite3_reset(ins);
	bind_record(ins, &copy, answers_text(st, &copy));
	rc = sqlite3_step(ins);
	if (rc == SQLITE_DONE)
		*inserted = sqlite3_changes(st->db) == 1;
	else
		store_db_fail(st, cause, "ingest");
	/* Unbinds the answers text: the statement outlives this call, the
	 * renderer's buffer is rewritten by the next one. */
	sqlite3_clear_bindings(ins);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Compares rec with the stored record of the same UUID, status and updated_at aside. */
int
store_same_content(struct store *st, const struct store_record *rec, bool *same, char **cause)
{
	struct store_record *stored = NULL;
	struct store_record incoming = *rec;
	char *a, *b;

	*same = false;
	if (store_get(st, rec->uuid, &stored, cause) != 0)
		return -1;
	incoming.status = stored->status;
	memcpy(incoming.updated_at, stored->updated_at, sizeof incoming.updated_at);
	a = store_record_to_json(&incoming);
	b = store_record_to_json(stored);
	*same = strcmp(a, b) == 0;
	free(a);
	free(b);
	store_record_free(stored);
	return 0;
}
