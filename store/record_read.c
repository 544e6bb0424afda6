/*
 * store — the JSON form of a record, read back.  There are three readers,
 * and each is there for a reason:
 *
 * - store_record_from_json reads a whole record from outside: a bundle's
 *   line at the depot, `fieldcheck bundle cat`.  It is jansson, with every
 *   bound checked, because that text comes from another machine.
 *
 * - The answers column of our own rows has two readers.  The direct one
 *   (answers_read_canonical) reads exactly what store_answers_text writes
 *   and nothing else: every listing decodes one column per record, and
 *   this path is four times faster than the general one.  Anything it does
 *   not recognise (a row edited by hand, an older writer) falls to SQLite's
 *   json_each, the general reader, which takes any JSON object of strings.
 *   So the fast path may refuse, but never misread.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

/* ---- A record from outside (bundle lines) ---- */

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
		store_record_append_answer(rec, xstrdup(name), xstrdup(json_string_value(value)));
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
	    json_field(obj, "form_version", false, rec->form_version, sizeof rec->form_version, cause) != 0 ||
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

/* ---- The answers column ---- */

/*
 * One string of the answers column in the shape store_answers_text writes it
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
 * Reads an answers column written by store_answers_text: {"name":"value",...}
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
		store_record_append_answer(rec, name, value);
	}
	return true;
refuse:
	store_record_clear_answers(rec);
	return false;
}

int
store_answers_from_text(const char *text, size_t len, struct store_record *rec, char **cause)
{
	json_error_t err;
	json_t *answers;
	int rc;

	if (answers_read_canonical(text, len, rec))
		return 0;
	if ((answers = json_loadb(text, len, 0, &err)) == NULL)
		return fc_fail(cause, "record %s: its answers are damaged: %s", rec->uuid, err.text);
	rc = answers_from_json(answers, rec, cause);
	json_decref(answers);
	if (rc != 0)
		store_record_clear_answers(rec);
	return rc;
}

/*
 * Reads the answers column (a JSON object of strings).  What store_answers_text
 * wrote takes the direct path above; any other text, such as a row edited
 * by hand, is read with SQLite's own json_each, the general reader, which
 * walks the text in document order without building a tree (a jansson
 * decode per record cost more than the query).  Its statement is prepared
 * once per connection.  (json_each ends a string at an escaped NUL, which
 * store_answers_text never writes: answers are C strings.)
 */
int
store_answers_from_column(struct store *st, sqlite3_stmt *row, int col, struct store_record *rec,
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
		store_record_append_answer(rec, xstrndup(name, name_bytes),
		    xstrndup(value_bytes > 0 ? value : "", value_bytes));
	}
	sqlite3_reset(each);
	sqlite3_clear_bindings(each);
	if (rc != SQLITE_DONE)
		return fc_fail(cause, "%s: record %s: its answers are damaged", st->path, rec->uuid);
	return 0;
}
