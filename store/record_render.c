/*
 * store — the JSON form of a record, written: what a bundle line, an
 * export's record and the answers column hold.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

/*
 * The answers column: the same text as the record's "answers" member,
 * rendered by a renderer the connection keeps (a renderer is some 80 KiB
 * to clear, more than rendering a record costs, and the depot writes one
 * record after another).  Valid until the next call on st.
 */
const char *
store_answers_text(struct store *st, const struct store_record *rec)
{
	if (st->answers_json == NULL)
		st->answers_json = store_json_new();
	return store_json_answers(st->answers_json, rec);
}

const char *
store_json_answers(struct store_json *j, const struct store_record *rec)
{
	j->out.len = 0;
	j->bad = false;
	json_put_answers(j, rec);
	return j->bad ? "{}" : j->out.data;
}
