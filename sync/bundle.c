/*
 * sync — the bundle codec.
 *
 * A bundle is gzip (RFC 1952) of NDJSON: a header line, then one record per
 * line as store_record_to_json() renders it.  It is written as two gzip
 * members, the header line and then the records: the header names the
 * record count and the forms, which are known only once the records are in,
 * while the records are compressed as they arrive (one pass over the data,
 * and the compressed size is known while adding, so the cap holds).
 * RFC 1952 lets a gzip file hold several members; zcat, Python's gzip and
 * this decoder read them as one stream, so `zcat bundle | jq .` works.
 *
 * The decoder never trusts its input: every limit is checked before the
 * memory is spent, and the first error says where it is ("line 3: ...").
 */
#include "sync/sync.h"
#include "track/track.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Room kept for the header when checking the decompressed limit. */
#define BUNDLE_HEADER_RESERVE 16384
/* Record text up to this size is recompressed with the header as one member. */
#define BUNDLE_ONE_MEMBER_MAX (64 * 1024)

struct bundle_writer {
	char device[STORE_ID_LEN];
	size_t max_compressed;

	z_stream z;                 /* the records member, compressed as added */
	bool z_live;
	struct fc_buf zout;         /* its output so far */
	uLong in_at_last_out;       /* total_in when the output last grew */

	struct store_json *json;    /* renders each record, reusing its buffer */
	struct fc_buf text;         /* the record lines, kept for a shorter retry */
	size_t *line_end;           /* offset after each record's '\n' */
	char **uuids;
	size_t *form_of;            /* index into forms for each record */
	size_t count, cap;
	size_t tracks;              /* track lines in text (then count is 0) */

	struct bundle_form forms[BUNDLE_MAX_FORMS];
	size_t form_count;
	bool finished;
};

void
bundle_sha256_hex(const void *bytes, size_t len, char hex[STORE_HASH_LEN])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, bytes, len);
	sodium_bin2hex(hex, STORE_HASH_LEN, d, sizeof d);
}

void
bundle_sha256_b64(const void *bytes, size_t len, char b64[BUNDLE_SHA256_B64_LEN])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, bytes, len);
	sodium_bin2base64(b64, BUNDLE_SHA256_B64_LEN, d, sizeof d, sodium_base64_VARIANT_ORIGINAL);
}

int
bundle_sha256_hex_to_b64(const char *hex, char b64[BUNDLE_SHA256_B64_LEN])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	size_t n;

	if (strlen(hex) != 2 * sizeof d ||
	    sodium_hex2bin(d, sizeof d, hex, 2 * sizeof d, NULL, &n, NULL) != 0 || n != sizeof d)
		return -1;
	sodium_bin2base64(b64, BUNDLE_SHA256_B64_LEN, d, sizeof d, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

/* ---- Writer ---- */

static int
zout_drain(struct bundle_writer *w, int flush, char **cause)
{
	unsigned char chunk[16384];
	int rc;

	do {
		w->z.next_out = chunk;
		w->z.avail_out = sizeof chunk;
		rc = deflate(&w->z, flush);
		if (rc == Z_STREAM_ERROR)
			return fc_fail(cause, "bundle: deflate failed");
		if (sizeof chunk - w->z.avail_out > 0) {
			fc_buf_append(&w->zout, chunk, sizeof chunk - w->z.avail_out);
			w->in_at_last_out = w->z.total_in;
		}
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

static void
writer_reset_stream(struct bundle_writer *w)
{
	if (w->z_live)
		deflateEnd(&w->z);
	memset(&w->z, 0, sizeof w->z);
	/* 31: a gzip wrapper. */
	if (deflateInit2(&w->z, BUNDLE_DEFLATE_LEVEL, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();  /* only out of memory */
	w->z_live = true;
	w->zout.len = 0;
	w->in_at_last_out = 0;
}

struct bundle_writer *
bundle_writer_new(const char *device, size_t max_compressed)
{
	struct bundle_writer *w = xcalloc(1, sizeof *w);

	fc_strlcpy(w->device, device, sizeof w->device);
	w->max_compressed = max_compressed != 0 ? max_compressed : BUNDLE_DEFAULT_MAX_COMPRESSED;
	w->json = store_json_new();
	writer_reset_stream(w);
	return w;
}

size_t
bundle_ramp_cap(size_t max, unsigned index)
{
	size_t floor = 16u * 1024u, cap;

	if (max == 0)
		max = BUNDLE_DEFAULT_MAX_COMPRESSED;
	cap = max / 8 > floor ? max / 8 : floor;
	for (unsigned i = 0; i < index && cap < max; i++)
		cap += cap / 2;
	return cap < max ? cap : max;
}

size_t
bundle_drain_limit(size_t unfrozen, size_t cap, double bytes_per_record)
{
	if (bytes_per_record <= 0 || unfrozen <= 2 * BUNDLE_DRAIN_TAIL)
		return 0;
	/* More than this bundle will hold: other bundles follow it anyway. */
	if ((double)unfrozen * bytes_per_record > (double)cap)
		return 0;
	return unfrozen - BUNDLE_DRAIN_TAIL;
}

void
bundle_writer_free(struct bundle_writer *w)
{
	if (w == NULL)
		return;
	if (w->z_live)
		deflateEnd(&w->z);
	free(w->zout.data);
	store_json_free(w->json);
	free(w->text.data);
	free(w->line_end);
	for (size_t i = 0; i < w->count; i++)
		free(w->uuids[i]);
	free(w->uuids);
	free(w->form_of);
	free(w);
}

size_t
bundle_writer_count(const struct bundle_writer *w)
{
	return w->count;
}

/*
 * The compressed size the records member would have if finished now: what
 * deflate has emitted, plus the input it still holds at the ratio seen so
 * far (or stored, before any output).  An estimate; finish checks exactly.
 */
static size_t
writer_estimate(const struct bundle_writer *w, size_t extra_in)
{
	double held = (double)(w->z.total_in - w->in_at_last_out) + (double)extra_in;
	double ratio = w->in_at_last_out > 0 ? (double)w->zout.len / (double)w->in_at_last_out : 1.0;

	if (ratio > 1.0)
		ratio = 1.0;
	return w->zout.len + (size_t)(held * ratio) + 64;
}

/* An upper bound on the header member's compressed size (its text, stored, plus gzip framing). */
static size_t
header_reserve(const struct bundle_writer *w)
{
	return 300 + 180 * (w->form_count + 1);
}

int
bundle_writer_add(struct bundle_writer *w, const struct store_record *rec, char **cause)
{
	size_t len, at, form = BUNDLE_MAX_FORMS;
	const char *line;

	if (w->finished)
		return fc_fail(cause, "bundle: writer already finished");
	if (w->tracks > 0)
		return fc_fail(cause, "bundle: records and track lines never share a bundle");
	if (w->count >= BUNDLE_LIMIT_RECORDS)
		return 1;
	line = store_json_render(w->json, rec, &len);
	if (len + 1 > BUNDLE_LIMIT_LINE || len + 1 > BUNDLE_LIMIT_DECOMPRESSED / 2)
		return fc_fail(cause, "bundle: record %s is too large to send (%zu bytes)", rec->uuid, len);
	for (size_t i = 0; i < w->form_count; i++) {
		if (strcmp(w->forms[i].id, rec->form_id) == 0 &&
		    strcmp(w->forms[i].version, rec->form_version) == 0 &&
		    strcmp(w->forms[i].hash, rec->form_hash) == 0) {
			form = i;
			break;
		}
	}
	if (form == BUNDLE_MAX_FORMS && w->form_count == BUNDLE_MAX_FORMS)
		return w->count > 0 ? 1 : fc_fail(cause, "bundle: too many forms");
	if (w->count > 0 && (w->text.len + len + 1 > BUNDLE_LIMIT_DECOMPRESSED - BUNDLE_HEADER_RESERVE ||
	    writer_estimate(w, len + 1) + header_reserve(w) > w->max_compressed))
		return 1;
	if (form == BUNDLE_MAX_FORMS) {
		form = w->form_count++;
		fc_strlcpy(w->forms[form].id, rec->form_id, sizeof w->forms[form].id);
		fc_strlcpy(w->forms[form].version, rec->form_version, sizeof w->forms[form].version);
		fc_strlcpy(w->forms[form].hash, rec->form_hash, sizeof w->forms[form].hash);
	}
	/* The line and its '\n' go into the kept text, and deflate reads them there. */
	at = w->text.len;
	fc_buf_append(&w->text, line, len);
	fc_buf_append(&w->text, "\n", 1);
	w->z.next_in = (unsigned char *)w->text.data + at;
	w->z.avail_in = (uInt)(len + 1);
	if (zout_drain(w, Z_NO_FLUSH, cause) != 0) {
		w->text.len = at;
		return -1;
	}
	if (w->count == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->line_end = xreallocarray(w->line_end, w->cap, sizeof *w->line_end);
		w->uuids = xreallocarray(w->uuids, w->cap, sizeof *w->uuids);
		w->form_of = xreallocarray(w->form_of, w->cap, sizeof *w->form_of);
	}
	w->line_end[w->count] = w->text.len;
	w->uuids[w->count] = xstrdup(rec->uuid);
	w->form_of[w->count] = form;
	w->count++;
	return 0;
}

int
bundle_writer_add_track(struct bundle_writer *w, const char *line, size_t len, char **cause)
{
	if (w->finished || w->count > 0)
		return fc_fail(cause, "bundle: track lines go into a bundle of their own");
	if (!track_wire_is_track(line, len) || len + 1 > BUNDLE_LIMIT_LINE ||
	    w->text.len + len + 1 > BUNDLE_LIMIT_DECOMPRESSED - BUNDLE_HEADER_RESERVE ||
	    w->tracks >= BUNDLE_LIMIT_TRACKS)
		return fc_fail(cause, "bundle: a track line of %zu bytes does not fit", len);
	fc_buf_append(&w->text, line, len);
	fc_buf_append(&w->text, "\n", 1);
	w->tracks++;
	return 0;
}

/* The header line for the first n records (caller frees). */
static char *
header_line(const struct bundle_writer *w, const char *uuid, const char *created_at, size_t n)
{
	json_t *forms = json_array(), *hdr;
	bool used[BUNDLE_MAX_FORMS] = { false };
	char *text, *line;

	for (size_t i = 0; i < n; i++)
		used[w->form_of[i]] = true;
	for (size_t i = 0; i < w->form_count; i++) {
		if (used[i])
			json_array_append_new(forms, json_pack("{s:s, s:s, s:s}", "id", w->forms[i].id,
			    "version", w->forms[i].version, "hash", w->forms[i].hash));
	}
	hdr = json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:o}", "fieldcheck_bundle", "header",
	    "format", BUNDLE_FORMAT_VERSION, "uuid", uuid, "device", w->device,
	    "created_at", created_at, "record_count", (json_int_t)n, "forms", forms);
	if (w->tracks > 0)
		json_object_set_new(hdr, "tracks", json_integer((json_int_t)w->tracks));
	text = json_dumps(hdr, JSON_COMPACT);
	json_decref(hdr);
	if (text == NULL)
		abort();
	line = xasprintf("%s\n", text);
	free(text);
	return line;
}

/* One gzip member holding len bytes (appended to buf). */
static void
gzip_member(struct fc_buf *buf, const void *data, size_t len)
{
	z_stream z;
	unsigned char chunk[16384];
	int rc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, BUNDLE_DEFLATE_LEVEL, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		rc = deflate(&z, Z_FINISH);
		fc_buf_append(buf, chunk, sizeof chunk - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
}

int
bundle_writer_finish(struct bundle_writer *w, struct store_bundle *out, char **cause)
{
	struct fc_buf bytes = { 0 };
	size_t n = w->count;
	char *hdr;

	if (w->finished)
		return fc_fail(cause, "bundle: writer already finished");
	if (w->count == 0 && w->tracks == 0)
		return fc_fail(cause, "bundle: no records");
	memset(out, 0, sizeof *out);
	fc_uuid_v4(out->uuid);
	fc_now_iso_utc(out->created_at);
	if (w->tracks > 0) {
		/* A track bundle: the header and its lines, one member. */
		struct fc_buf all = { 0 };

		hdr = header_line(w, out->uuid, out->created_at, 0);
		fc_buf_append(&all, hdr, strlen(hdr));
		fc_buf_append(&all, w->text.data, w->text.len);
		free(hdr);
		gzip_member(&bytes, all.data, all.len);
		free(all.data);
		w->finished = true;
		out->bytes = (unsigned char *)bytes.data;
		out->size = bytes.len;
		bundle_sha256_hex(bytes.data, bytes.len, out->sha256);
		return 0;
	}
	if (zout_drain(w, Z_FINISH, cause) != 0)
		return -1;
	for (;;) {
		hdr = header_line(w, out->uuid, out->created_at, n);
		bytes.len = 0;
		gzip_member(&bytes, hdr, strlen(hdr));
		free(hdr);
		if (bytes.len + w->zout.len <= w->max_compressed)
			break;
		/* Over the cap (the estimate was short): keep a prefix that fits. */
		if (n == 1) {
			free(bytes.data);
			return fc_fail(cause, "bundle: record %s alone exceeds %zu bytes compressed",
			    w->uuids[0], w->max_compressed);
		}
		{
			double keep = (double)n * (double)w->max_compressed * 0.9 /
			    (double)(bytes.len + w->zout.len);
			size_t k = keep < 1 ? 1 : (size_t)keep;

			n = k < n ? k : n - 1;
		}
		writer_reset_stream(w);
		w->z.next_in = (unsigned char *)w->text.data;
		w->z.avail_in = (uInt)w->line_end[n - 1];
		if (zout_drain(w, Z_FINISH, cause) != 0) {
			free(bytes.data);
			return -1;
		}
	}
	if (w->line_end[n - 1] <= BUNDLE_ONE_MEMBER_MAX) {
		/* Small (a patrol's bundle of one): one member, so the records can refer
		 * back to the header's form hash and device; a few dozen bytes less. */
		struct fc_buf one = { 0 };

		hdr = header_line(w, out->uuid, out->created_at, n);
		{
			size_t hlen = strlen(hdr), tlen = w->line_end[n - 1];
			char *all = xmalloc(hlen + tlen);

			memcpy(all, hdr, hlen);
			memcpy(all + hlen, w->text.data, tlen);
			gzip_member(&one, all, hlen + tlen);
			free(all);
		}
		free(hdr);
		if (one.len < bytes.len + w->zout.len) {
			free(bytes.data);
			bytes = one;
			goto done;
		}
		free(one.data);
	}
	fc_buf_append(&bytes, w->zout.data, w->zout.len);
done:
	for (size_t i = n; i < w->count; i++)
		free(w->uuids[i]);
	w->count = n;
	w->finished = true;
	out->bytes = (unsigned char *)bytes.data;
	out->size = bytes.len;
	out->record_count = n;
	bundle_sha256_hex(bytes.data, bytes.len, out->sha256);
	return 0;
}

const char *const *
bundle_writer_uuids(const struct bundle_writer *w, size_t *n)
{
	*n = w->count;
	return (const char *const *)w->uuids;
}

/* ---- Decoder ---- */

static void
limits_fill(struct bundle_limits *l, const struct bundle_limits *given)
{
	if (given != NULL)
		*l = *given;
	else
		memset(l, 0, sizeof *l);
	if (l->max_compressed == 0)
		l->max_compressed = BUNDLE_LIMIT_COMPRESSED;
	if (l->max_decompressed == 0)
		l->max_decompressed = BUNDLE_LIMIT_DECOMPRESSED;
	if (l->max_line == 0)
		l->max_line = BUNDLE_LIMIT_LINE;
	if (l->max_records == 0)
		l->max_records = BUNDLE_LIMIT_RECORDS;
}

int
bundle_inflate(const void *bytes, size_t len, const struct bundle_limits *given, char **out,
    size_t *out_len, char **cause)
{
	struct bundle_limits lim;
	z_stream z;
	struct fc_buf text = { 0 };
	unsigned char chunk[65536];
	int rc;

	*out = NULL;
	*out_len = 0;
	limits_fill(&lim, given);
	if (len > lim.max_compressed)
		return fc_fail(cause, "bundle: %zu bytes compressed, over the limit of %zu", len,
		    lim.max_compressed);
	if (len < 18)
		return fc_fail(cause, "bundle: %zu bytes is too short for gzip", len);
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 31) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)bytes;
	z.avail_in = (uInt)len;
	for (;;) {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END) {
			fc_fail(cause, "bundle: not valid gzip at byte %lu: %s", (unsigned long)(len - z.avail_in),
			    rc == Z_BUF_ERROR ? "truncated" : z.msg != NULL ? z.msg : "corrupt");
			goto fail;
		}
		if (text.len + (sizeof chunk - z.avail_out) > lim.max_decompressed) {
			fc_fail(cause, "bundle: decompresses to more than %zu bytes", lim.max_decompressed);
			goto fail;
		}
		fc_buf_append(&text, chunk, sizeof chunk - z.avail_out);
		if (rc == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			/* Another gzip member follows (RFC 1952 2.2). */
			if (inflateReset(&z) != Z_OK)
				abort();
		} else if (z.avail_in == 0 && z.avail_out != 0) {
			fc_fail(cause, "bundle: gzip stream truncated at byte %zu", len);
			goto fail;
		}
	}
	inflateEnd(&z);
	if (text.data == NULL)
		fc_buf_append(&text, "", 0);  /* an empty stream is still a C string */
	*out = text.data;
	*out_len = text.len;
	return 0;
fail:
	inflateEnd(&z);
	free(text.data);
	return -1;
}

void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->record_count; i++)
		store_record_free(b->records[i]);
	free(b->records);
	for (size_t i = 0; i < b->track_count; i++)
		track_wire_free(&b->tracks[i]);
	free(b->tracks);
	free(b);
}

static int
header_string(json_t *obj, const char *key, bool may_be_empty, char *dst, size_t size,
    char **cause)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || (json_string_length(v) == 0 && !may_be_empty) ||
	    json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fc_fail(cause, "line 1: header field '%s' is missing, not a string or too long", key);
	fc_strlcpy(dst, json_string_value(v), size);
	return 0;
}

static int
header_parse(const char *line, size_t len, struct bundle_header *h, size_t max_records, char **cause)
{
	json_error_t err;
	json_t *obj, *v, *forms, *f;
	struct timespec ts;
	size_t i;

	memset(h, 0, sizeof *h);
	obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (obj == NULL)
		return fc_fail(cause, "line 1, column %d: header is not JSON: %s", err.column, err.text);
	if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "fieldcheck_bundle")) ||
	    strcmp(json_string_value(json_object_get(obj, "fieldcheck_bundle")), "header") != 0) {
		fc_fail(cause, "line 1: not a fieldcheck bundle header");
		goto fail;
	}
	v = json_object_get(obj, "format");
	if (!json_is_integer(v) || json_integer_value(v) != BUNDLE_FORMAT_VERSION) {
		fc_fail(cause, "line 1: unsupported bundle format (this depot reads format %d)",
		    BUNDLE_FORMAT_VERSION);
		goto fail;
	}
	h->format = BUNDLE_FORMAT_VERSION;
	if (header_string(obj, "uuid", false, h->uuid, sizeof h->uuid, cause) != 0 ||
	    header_string(obj, "device", false, h->device, sizeof h->device, cause) != 0 ||
	    header_string(obj, "created_at", false, h->created_at, sizeof h->created_at, cause) != 0)
		goto fail;
	if (!fc_valid_uuid(h->uuid)) {
		fc_fail(cause, "line 1: header 'uuid' is not a UUID");
		goto fail;
	}
	if (fc_parse_iso_utc(h->created_at, &ts) != 0) {
		fc_fail(cause, "line 1: header 'created_at' is not an ISO 8601 UTC time");
		goto fail;
	}
	v = json_object_get(obj, "tracks");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > BUNDLE_LIMIT_TRACKS)) {
		fc_fail(cause, "line 1: header 'tracks' must be 1 to %u", BUNDLE_LIMIT_TRACKS);
		goto fail;
	}
	h->track_count = v != NULL ? (size_t)json_integer_value(v) : 0;
	v = json_object_get(obj, "record_count");
	if (h->track_count > 0 && (!json_is_integer(v) || json_integer_value(v) != 0)) {
		fc_fail(cause, "line 1: a track bundle's header 'record_count' must be 0");
		goto fail;
	}
	if (h->track_count == 0 && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > (uint64_t)max_records)) {
		fc_fail(cause, "line 1: header 'record_count' must be 1 to %zu", max_records);
		goto fail;
	}
	h->record_count = (size_t)json_integer_value(v);
	forms = json_object_get(obj, "forms");
	if (!json_is_array(forms) || json_array_size(forms) > BUNDLE_MAX_FORMS) {
		fc_fail(cause, "line 1: header 'forms' must be an array of at most %d forms",
		    BUNDLE_MAX_FORMS);
		goto fail;
	}
	json_array_foreach(forms, i, f) {
		struct bundle_form *bf = &h->forms[i];

		if (!json_is_object(f) ||
		    header_string(f, "id", false, bf->id, sizeof bf->id, cause) != 0 ||
		    /* a form without a version setting has the empty version */
		    header_string(f, "version", true, bf->version, sizeof bf->version, cause) != 0 ||
		    header_string(f, "hash", false, bf->hash, sizeof bf->hash, cause) != 0) {
			if (cause != NULL && *cause == NULL)
				fc_fail(cause, "line 1: form %zu in the header is not an object", i + 1);
			goto fail;
		}
	}
	h->form_count = json_array_size(forms);
	json_decref(obj);
	return 0;
fail:
	json_decref(obj);
	return -1;
}

static bool
header_names_form(const struct bundle_header *h, const struct store_record *r)
{
	for (size_t i = 0; i < h->form_count; i++) {
		if (strcmp(h->forms[i].id, r->form_id) == 0 && strcmp(h->forms[i].version, r->form_version) == 0 &&
		    strcmp(h->forms[i].hash, r->form_hash) == 0)
			return true;
	}
	return false;
}

static int
uuid_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A record UUID twice in one bundle is malformed, whatever the content. */
static bool
has_duplicate(const struct bundle *b, char **cause)
{
	const char **ids = xreallocarray(NULL, b->record_count, sizeof *ids);
	bool dup = false;

	for (size_t i = 0; i < b->record_count; i++)
		ids[i] = b->records[i]->uuid;
	qsort(ids, b->record_count, sizeof *ids, uuid_cmp);
	for (size_t i = 1; i < b->record_count && !dup; i++) {
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			fc_fail(cause, "bundle: record %s appears twice", ids[i]);
			dup = true;
		}
	}
	free(ids);
	return dup;
}

int
bundle_decode(const void *bytes, size_t len, const struct bundle_limits *given, struct bundle **out,
    char **cause)
{
	struct bundle_limits lim;
	struct bundle *b = NULL;
	char *text = NULL, *p, *end, *nl;
	size_t text_len, lineno = 0;
	char *why = NULL;

	*out = NULL;
	limits_fill(&lim, given);
	if (bundle_inflate(bytes, len, &lim, &text, &text_len, cause) != 0)
		return -1;
	if (memchr(text, '\0', text_len) != NULL) {
		fc_fail(cause, "bundle: contains a NUL byte");
		goto fail;
	}
	b = xcalloc(1, sizeof *b);
	p = text;
	end = text + text_len;
	while (p < end) {
		size_t llen;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			fc_fail(cause, "line %zu: no newline at the end (truncated?)", lineno);
			goto fail;
		}
		llen = (size_t)(nl - p);
		if (llen + 1 > lim.max_line) {
			fc_fail(cause, "line %zu: %zu bytes, over the limit of %zu", lineno, llen, lim.max_line);
			goto fail;
		}
		if (!fc_utf8_valid(p, llen)) {
			fc_fail(cause, "line %zu: not valid UTF-8", lineno);
			goto fail;
		}
		if (lineno == 1) {
			if (header_parse(p, llen, &b->header, lim.max_records, cause) != 0)
				goto fail;
			b->records = xreallocarray(NULL, b->header.record_count, sizeof *b->records);
			b->tracks = xcalloc(b->header.track_count + 1, sizeof *b->tracks);
		} else if (b->header.track_count > 0) {
			struct track_wire *tw = &b->tracks[b->track_count];

			if (b->track_count == b->header.track_count) {
				fc_fail(cause, "line %zu: more track lines than the header's %zu", lineno,
				    b->header.track_count);
				goto fail;
			}
			if (track_wire_decode(p, llen, tw, &why) != 0) {
				fc_fail(cause, "line %zu: %s", lineno, why);
				goto fail;
			}
			b->track_count++;
			if (strcmp(tw->device, b->header.device) != 0) {
				fc_fail(cause, "line %zu: a track of device %s in a bundle of %s", lineno,
				    tw->device, b->header.device);
				goto fail;
			}
		} else {
			struct store_record *rec;

			if (b->record_count == b->header.record_count) {
				fc_fail(cause, "line %zu: more records than the header's %zu", lineno,
				    b->header.record_count);
				goto fail;
			}
			if (store_record_from_json(p, llen, &rec, &why) != 0) {
				fc_fail(cause, "line %zu: %s", lineno, why != NULL ? why : "invalid record");
				goto fail;
			}
			b->records[b->record_count++] = rec;
			if (rec->status == STORE_DRAFT) {
				fc_fail(cause, "line %zu: record %s is a draft", lineno, rec->uuid);
				goto fail;
			}
			if (!header_names_form(&b->header, rec)) {
				fc_fail(cause, "line %zu: record %s uses form %s %s not named in the header",
				    lineno, rec->uuid, rec->form_id, rec->form_version);
				goto fail;
			}
		}
		p = nl + 1;
	}
	if (lineno == 0) {
		fc_fail(cause, "bundle: empty");
		goto fail;
	}
	if (b->track_count != b->header.track_count) {
		fc_fail(cause, "bundle: header says %zu track lines, found %zu", b->header.track_count,
		    b->track_count);
		goto fail;
	}
	if (b->record_count != b->header.record_count) {
		fc_fail(cause, "bundle: header says %zu records, found %zu", b->header.record_count,
		    b->record_count);
		goto fail;
	}
	if (has_duplicate(b, cause))
		goto fail;
	free(text);
	*out = b;
	return 0;
fail:
	free(why);
	free(text);
	bundle_free(b);
	return -1;
}
