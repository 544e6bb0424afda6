/*
 * sync — the handheld's side of the change feed (docs/sync-protocol.md,
 * "Change feed"): after its uploads, a sync asks the depot for what is new
 * for this device, decodes each page whole (any field out of bounds refuses
 * the page: nothing of it is applied and the cursor stays), checks each
 * checklist with the form engine, and applies the page with its cursor in
 * one store transaction.  A checklist that does not load here is kept out
 * of the store and named to the depot on the next request, which logs it.
 */
#include "sync/sync_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"

#define FEED_MAX_CSV     (4u * 1024u * 1024u)

void
sync_feed_page_free(struct sync_feed_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->count; i++) {
		free(p->changes[i]->checklist.csv);
		store_record_free(p->changes[i]->follows_record);
		free(p->changes[i]);
	}
	free(p->changes);
	free(p);
}

/* Copies member name of o, a string of fewer than size bytes (UTF-8 by jansson), into dst. */
static int
take_string(json_t *o, const char *name, bool required, char *dst, size_t size, size_t i, char **cause)
{
	json_t *v = json_object_get(o, name);

	dst[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		if (required)
			return fc_fail(cause, "change %zu: '%s' is missing", i + 1, name);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fc_fail(cause, "change %zu: '%s' must be a string of at most %zu bytes", i + 1, name,
		    size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
take_uuid(json_t *o, const char *name, bool required, char dst[FC_UUID_LEN], size_t i, char **cause)
{
	if (take_string(o, name, required, dst, FC_UUID_LEN, i, cause) != 0)
		return -1;
	if (dst[0] != '\0' && !fc_valid_uuid(dst))
		return fc_fail(cause, "change %zu: '%s' is not a UUID", i + 1, name);
	return 0;
}

static int
decode_checklist(json_t *o, struct store_checklist *c, size_t i, char **cause)
{
	json_t *csv = json_object_get(o, "csv"), *retired = json_object_get(o, "retired");

	if (take_string(o, "id", true, c->form_id, sizeof c->form_id, i, cause) != 0 ||
	    take_string(o, "version", true, c->version, sizeof c->version, i, cause) != 0 ||
	    take_string(o, "hash", true, c->hash, sizeof c->hash, i, cause) != 0)
		return -1;
	if (strlen(c->hash) != 64 || strspn(c->hash, "0123456789abcdef") != 64)
		return fc_fail(cause, "change %zu: 'hash' is not a SHA-256 in hex", i + 1);
	if (!json_is_boolean(retired))
		return fc_fail(cause, "change %zu: 'retired' must be true or false", i + 1);
	if (!json_is_string(csv) || json_string_length(csv) > FEED_MAX_CSV)
		return fc_fail(cause, "change %zu: 'csv' must be a string of at most %u bytes", i + 1,
		    FEED_MAX_CSV);
	c->csv_len = json_string_length(csv);
	c->csv = xmalloc(c->csv_len + 1);
	memcpy(c->csv, json_string_value(csv), c->csv_len + 1);
	if (json_is_true(retired))
		fc_now_iso_utc(c->retired_at);
	fc_now_iso_utc(c->added_at);
	return 0;
}

/* The record a task follows, as store_record_from_json reads a bundle's line; it must be that record. */
static int
decode_followed(json_t *o, const struct store_task *t, struct store_record **out, size_t i, char **cause)
{
	json_t *v = json_object_get(o, "follows_record");
	char *text, *why = NULL;
	int rc;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_object(v) || t->follows[0] == '\0')
		return fc_fail(cause, "change %zu: 'follows_record' must be the followed record", i + 1);
	text = json_dumps(v, JSON_COMPACT);
	if (text == NULL)
		return fc_fail(cause, "change %zu: 'follows_record' cannot be read", i + 1);
	rc = store_record_from_json(text, strlen(text), out, &why);
	free(text);
	if (rc != 0) {
		fc_fail(cause, "change %zu: 'follows_record': %s", i + 1, why);
		free(why);
		return -1;
	}
	if (strcmp((*out)->uuid, t->follows) != 0 || (*out)->status == STORE_DRAFT) {
		store_record_free(*out);
		*out = NULL;
		return fc_fail(cause, "change %zu: 'follows_record' is not the record the task follows", i + 1);
	}
	return 0;
}

static int
decode_task(json_t *o, struct store_task *t, size_t i, char **cause)
{
	char state[32];
	json_t *lat = json_object_get(o, "lat"), *lon = json_object_get(o, "lon");

	if (take_uuid(o, "uuid", true, t->uuid, i, cause) != 0 ||
	    take_string(o, "kind", true, t->kind, sizeof t->kind, i, cause) != 0 ||
	    take_string(o, "form", true, t->form_id, sizeof t->form_id, i, cause) != 0 ||
	    take_string(o, "version", true, t->form_version, sizeof t->form_version, i, cause) != 0 ||
	    take_string(o, "asset", true, t->asset, sizeof t->asset, i, cause) != 0 ||
	    take_uuid(o, "follows", false, t->follows, i, cause) != 0 ||
	    take_string(o, "inspector", true, t->inspector, sizeof t->inspector, i, cause) != 0 ||
	    take_string(o, "device", false, t->device, sizeof t->device, i, cause) != 0 ||
	    take_string(o, "due", false, t->due, sizeof t->due, i, cause) != 0 ||
	    take_string(o, "note", false, t->note, sizeof t->note, i, cause) != 0 ||
	    take_string(o, "state", true, state, sizeof state, i, cause) != 0 ||
	    take_string(o, "created_at", true, t->created_at, sizeof t->created_at, i, cause) != 0 ||
	    take_string(o, "created_by", true, t->created_by, sizeof t->created_by, i, cause) != 0 ||
	    take_string(o, "updated_at", true, t->updated_at, sizeof t->updated_at, i, cause) != 0 ||
	    take_uuid(o, "done_record", false, t->done_record, i, cause) != 0)
		return -1;
	if (strcmp(t->kind, "verify") != 0 && strcmp(t->kind, "inspect") != 0)
		return fc_fail(cause, "change %zu: task 'kind' must be verify or inspect", i + 1);
	if (store_task_state_parse(state, &t->state) != 0)
		return fc_fail(cause, "change %zu: task 'state' %s is not a task's state", i + 1, state);
	t->lat = t->lon = NAN;
	if (lat != NULL || lon != NULL) {
		if (!json_is_number(lat) || !json_is_number(lon) || fabs(json_number_value(lat)) > 90 ||
		    fabs(json_number_value(lon)) > 180)
			return fc_fail(cause, "change %zu: task 'lat' and 'lon' must be degrees", i + 1);
		t->lat = json_number_value(lat);
		t->lon = json_number_value(lon);
	}
	return 0;
}

static int
decode_decision(json_t *o, struct store_review *rv, size_t i, char **cause)
{
	char decision[32];

	if (take_uuid(o, "record", true, rv->record_uuid, i, cause) != 0 ||
	    take_string(o, "decision", true, decision, sizeof decision, i, cause) != 0 ||
	    take_string(o, "comment", false, rv->comment, sizeof rv->comment, i, cause) != 0 ||
	    take_string(o, "reviewer", true, rv->reviewer, sizeof rv->reviewer, i, cause) != 0 ||
	    take_string(o, "decided_at", true, rv->decided_at, sizeof rv->decided_at, i, cause) != 0)
		return -1;
	if (store_decision_parse(decision, &rv->decision) != 0 || rv->decision == STORE_UNREVIEWED)
		return fc_fail(cause, "change %zu: 'decision' must be approved, follow-up or rejected", i + 1);
	return 0;
}

int
sync_feed_decode(const char *json, size_t len, struct sync_feed_page **out, char **cause)
{
	struct sync_feed_page *p = xcalloc(1, sizeof *p);
	json_error_t err;
	json_t *root, *changes, *more;
	size_t n;

	*out = NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		free(p);
		return fc_fail(cause, "not JSON at line %d, column %d: %s", err.line, err.column, err.text);
	}
	changes = json_object_get(root, "changes");
	more = json_object_get(root, "more");
	if (!json_is_object(root) || !json_is_array(changes) || !json_is_boolean(more) ||
	    json_array_size(changes) > SYNC_FEED_MAX_CHANGES) {
		fc_fail(cause, "a page must be {\"cursor\", \"more\", \"changes\": [at most %u]}",
		    SYNC_FEED_MAX_CHANGES);
		goto fail;
	}
	if (take_string(root, "cursor", true, p->cursor, sizeof p->cursor, 0, cause) != 0)
		goto fail;
	p->more = json_is_true(more);
	n = json_array_size(changes);
	p->changes = xcalloc(n > 0 ? n : 1, sizeof *p->changes);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(changes, i), *seq = json_object_get(c, "seq"), *body;
		struct store_change *sc = xcalloc(1, sizeof *sc);
		char type[16];
		int rc;

		p->changes[p->count++] = sc;
		if (!json_is_object(c) || !json_is_integer(seq) ||
		    take_string(c, "type", true, type, sizeof type, i, cause) != 0) {
			if (cause != NULL && *cause == NULL)
				fc_fail(cause, "change %zu: not {\"seq\", \"type\", ...}", i + 1);
			goto fail;
		}
		sc->seq = json_integer_value(seq);
		body = json_object_get(c, type);
		if (!json_is_object(body)) {
			fc_fail(cause, "change %zu: no '%s' object", i + 1, type);
			goto fail;
		}
		if (strcmp(type, "checklist") == 0) {
			sc->kind = STORE_CHANGE_CHECKLIST;
			rc = decode_checklist(body, &sc->checklist, i, cause);
		} else if (strcmp(type, "task") == 0) {
			sc->kind = STORE_CHANGE_TASK;
			rc = decode_task(body, &sc->task, i, cause);
			if (rc == 0)
				rc = decode_followed(body, &sc->task, &sc->follows_record, i, cause);
		} else if (strcmp(type, "decision") == 0) {
			sc->kind = STORE_CHANGE_DECISION;
			rc = decode_decision(body, &sc->decision, i, cause);
		} else {
			rc = fc_fail(cause, "change %zu: unknown type '%s'", i + 1, type);
		}
		if (rc != 0)
			goto fail;
	}
	json_decref(root);
	*out = p;
	return 0;
fail:
	json_decref(root);
	sync_feed_page_free(p);
	return -1;
}

/* Whether a checklist from the feed loads here as what it claims to be. */
static bool
checklist_loads(const struct store_checklist *c, char *why, size_t size)
{
	char name[STORE_ID_LEN + STORE_VERSION_LEN + 16];
	struct form *f;
	bool good;

	snprintf(name, sizeof name, "depot:%s@%s", c->form_id, c->version);
	f = form_load_buffer(name, c->csv, c->csv_len, NULL, NULL);
	if (f == NULL) {
		snprintf(why, size, "checklist %s version %s does not load on this handheld", c->form_id,
		    c->version);
		return false;
	}
	good = strcmp(form_id(f), c->form_id) == 0 && strcmp(form_version(f), c->version) == 0 &&
	    strcasecmp(form_hash(f), c->hash) == 0;
	form_free(f);
	if (!good)
		snprintf(why, size, "checklist %s version %s is not what its id, version and hash say",
		    c->form_id, c->version);
	return good;
}

int
sync_feed_apply(struct store *st, struct sync_feed_page *p, struct sync_feed_summary *sum, char **cause)
{
	const struct store_change **keep = xcalloc(p->count > 0 ? p->count : 1, sizeof *keep);
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < p->count; i++) {
		const struct store_change *c = p->changes[i];

		if (c->kind == STORE_CHANGE_CHECKLIST &&
		    !checklist_loads(&c->checklist, sum->rejected_why, sizeof sum->rejected_why)) {
			sum->rejected++;
			fc_strlcpy(sum->rejected_hash, c->checklist.hash, sizeof sum->rejected_hash);
			continue;
		}
		keep[n++] = c;
	}
	rc = store_feed_apply(st, keep, n, p->cursor, cause);
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			if (keep[i]->kind == STORE_CHANGE_CHECKLIST)
				sum->checklists++;
			else if (keep[i]->kind == STORE_CHANGE_TASK)
				sum->tasks++;
			else
				sum->decisions++;
		}
	free(keep);
	return rc;
}

void
sync_feed_describe(const struct sync_feed_summary *sum, char *buf, size_t size)
{
	if (sum->no_feed) {
		snprintf(buf, size, "the depot has no change feed: records sent, nothing received");
		return;
	}
	if (sum->checklists + sum->tasks + sum->decisions + sum->rejected == 0) {
		snprintf(buf, size, "the depot has nothing new for this device");
		return;
	}
	snprintf(buf, size, "from the depot: %zu checklist%s, %zu task%s, %zu decision%s%s%s%s",
	    sum->checklists, sum->checklists == 1 ? "" : "s", sum->tasks, sum->tasks == 1 ? "" : "s",
	    sum->decisions, sum->decisions == 1 ? "" : "s", sum->rejected > 0 ? "; kept out: " : "",
	    sum->rejected > 0 ? sum->rejected_why : "", sum->restarted ? " (the feed started over)" : "");
}

struct add_ctx {
	struct form_library *lib;
	form_diag_fn *diag;
	void *ctx;
};

static int
add_one(void *arg, const struct store_checklist *c)
{
	struct add_ctx *a = arg;
	char name[STORE_ID_LEN + STORE_VERSION_LEN + 16];
	struct form *f;

	snprintf(name, sizeof name, "depot:%s@%s", c->form_id, c->version);
	f = form_load_buffer(name, c->csv, c->csv_len, a->diag, a->ctx);
	if (f != NULL)
		form_library_add(a->lib, f, a->diag, a->ctx);
	return 0;
}

int
sync_feed_checklists(struct store *st, struct form_library *lib, form_diag_fn *diag, void *ctx,
    char **cause)
{
	struct add_ctx a = { lib, diag, ctx };

	return store_checklist_list(st, true, add_one, &a, cause);
}
