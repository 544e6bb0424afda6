/*
 * depot — the change feed's pages (GET /v1/changes, docs/sync-protocol.md
 * "Change feed"): what a device must learn since its cursor, as one JSON
 * page.  server.c authenticates the request and sends what this builds.
 *
 * A cursor is "SEQ.DEVICE": the last change the device applied, and whose
 * it is, so a cursor copied from another device is refused instead of
 * silently skipping changes, and one beyond the feed's end (a depot
 * restored from an older backup) is refused rather than waited past.
 */
#include "depot/depot.h"

#include <jansson.h>
#include <math.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/depot_store.h"
#include "util/util.h"

/* A page stops growing past this many bytes of JSON (a checklist is sent whole). */
#define FEED_PAGE_BYTES (512u * 1024u)

int
depot_feed_cursor_parse(const char *text, int64_t *seq, char device[STORE_ID_LEN])
{
	char *end;
	unsigned long long v;

	*seq = 0;
	device[0] = '\0';
	if (text == NULL || text[0] == '\0')
		return 0;
	if (text[0] < '0' || text[0] > '9')
		return -1;
	v = strtoull(text, &end, 10);
	if (*end != '.' || end[1] == '\0' || v > INT64_MAX || strlen(end + 1) >= STORE_ID_LEN)
		return -1;
	*seq = (int64_t)v;
	fc_strlcpy(device, end + 1, STORE_ID_LEN);
	return 0;
}

struct page {
	json_t *changes;
	size_t bytes;
	int64_t last;
	bool full;
};

static json_t *
task_json(const struct store_task *t)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "uuid", t->uuid, "kind", t->kind, "form", t->form_id, "version", t->form_version,
	    "asset", t->asset, "inspector", t->inspector, "device", t->device, "note", t->note,
	    "state", store_task_state_name(t->state), "created_at", t->created_at,
	    "created_by", t->created_by, "updated_at", t->updated_at);

	if (o == NULL)
		return NULL;
	if (!isnan(t->lat) && !isnan(t->lon)) {
		json_object_set_new(o, "lat", json_real(t->lat));
		json_object_set_new(o, "lon", json_real(t->lon));
	}
	if (t->follows[0] != '\0')
		json_object_set_new(o, "follows", json_string(t->follows));
	if (t->due[0] != '\0')
		json_object_set_new(o, "due", json_string(t->due));
	if (t->done_record[0] != '\0')
		json_object_set_new(o, "done_record", json_string(t->done_record));
	return o;
}

static int
add_change(void *ctx, const struct store_change *c)
{
	struct page *p = ctx;
	json_t *o = NULL;
	char *text;

	if (p->full)
		return 1;
	switch (c->kind) {
	case STORE_CHANGE_CHECKLIST:
		o = json_pack("{s:I, s:s, s:{s:s, s:s, s:s, s:b, s:s%}}", "seq", (json_int_t)c->seq,
		    "type", "checklist", "checklist", "id", c->checklist.form_id, "version",
		    c->checklist.version, "hash", c->checklist.hash, "retired",
		    c->checklist.retired_at[0] != '\0', "csv", c->checklist.csv, c->checklist.csv_len);
		break;
	case STORE_CHANGE_TASK: {
		json_t *t = task_json(&c->task);

		if (t != NULL && c->follows_record != NULL) {
			char *rtext = store_record_to_json(c->follows_record);
			json_t *rec = rtext != NULL ? json_loads(rtext, 0, NULL) : NULL;

			free(rtext);
			if (rec != NULL)
				json_object_set_new(t, "follows_record", rec);
		}
		o = json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)c->seq, "type", "task", "task", t);
		break;
	}
	case STORE_CHANGE_DECISION:
		o = json_pack("{s:I, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "seq", (json_int_t)c->seq,
		    "type", "decision", "decision", "record", c->decision.record_uuid, "decision",
		    store_decision_name(c->decision.decision), "comment", c->decision.comment,
		    "reviewer", c->decision.reviewer, "decided_at", c->decision.decided_at);
		break;
	}
	if (o == NULL) {
		p->last = c->seq;   /* not representable (a checklist that is not UTF-8): passed over */
		return 0;
	}
	text = json_dumps(o, JSON_COMPACT);
	if (text != NULL) {
		size_t n = strlen(text);

		free(text);
		if (p->bytes > 0 && p->bytes + n > FEED_PAGE_BYTES) {
			json_decref(o);
			p->full = true;
			return 1;
		}
		p->bytes += n;
	}
	json_array_append_new(p->changes, o);
	p->last = c->seq;
	return 0;
}

int
depot_feed_page(struct depot_store *ds, const char *device, const char *since, size_t limit,
    struct depot_feed_reply *out, char **cause)
{
	char cursor_device[STORE_ID_LEN], cursor[32 + STORE_ID_LEN];
	struct page p = { 0 };
	int64_t seq, latest = 0;
	json_t *body;

	memset(out, 0, sizeof *out);
	if (limit == 0 || limit > DEPOT_FEED_MAX_LIMIT)
		limit = DEPOT_FEED_LIMIT;
	if (depot_feed_cursor_parse(since, &seq, cursor_device) != 0) {
		out->status = 400;
		out->result = "bad-cursor";
		return fc_fail(cause, "since: expected a cursor SEQ.DEVICE as a page of this feed gave");
	}
	if (cursor_device[0] != '\0' && strcmp(cursor_device, device) != 0) {
		out->status = 403;
		out->result = "cursor-device";
		return fc_fail(cause, "the cursor is device %s's, but the token is %s's", cursor_device,
		    device);
	}
	p.changes = json_array();
	p.last = seq;
	if (depot_store_changes(ds, device, seq, limit, add_change, &p, &latest, cause) != 0) {
		json_decref(p.changes);
		out->status = 503;
		out->result = "unavailable";
		return -1;
	}
	if (seq > latest) {
		json_decref(p.changes);
		out->status = 409;
		out->result = "cursor-future";
		return fc_fail(cause, "the cursor %lld is beyond this depot's feed (%lld): restored from "
		    "an older backup?", (long long)seq, (long long)latest);
	}
	snprintf(cursor, sizeof cursor, "%lld.%s", (long long)p.last, device);
	out->count = json_array_size(p.changes);
	out->more = p.full || out->count == limit;
	body = json_pack("{s:s, s:b, s:o}", "cursor", cursor, "more", out->more, "changes", p.changes);
	out->body = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (out->body == NULL) {
		out->status = 503;
		out->result = "unavailable";
		return fc_fail(cause, "cannot render the page");
	}
	fc_strlcpy(out->cursor, cursor, sizeof out->cursor);
	out->status = 200;
	out->result = "changes";
	return 0;
}

int
depot_feed_gzip(const char *in, size_t n, unsigned char **out, size_t *out_len)
{
	z_stream z = { 0 };
	uLong bound;
	int rc;

	*out = NULL;
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)n) + 32;
	*out = xmalloc(bound);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
