/*
 * Unit tests of store/ against real SQLite files in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	char *path;
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *cause = NULL;

	strcpy(fx->dir, "/tmp/fieldcheck-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->path = xasprintf("%s/sub/dir/test.db", fx->dir);
	assert_int_equal(store_open(fx->path, STORE_READ_WRITE, &fx->st, &cause), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd;

	store_close(fx->st);
	cmd = xasprintf("rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(cmd);
	free(fx->path);
	free(fx);
	return 0;
}

static struct store_record *
make_record(const char *form, const char *inspector, const char *day)
{
	struct store_record *rec = store_record_new();

	fc_strlcpy(rec->form_id, form, sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "3", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, "abcd", sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, inspector, sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh-1", sizeof rec->device);
	if (day != NULL)
		fc_strlcpy(rec->day, day, sizeof rec->day);
	store_record_set_answer(rec, "asset_id", "路灯-17");
	store_record_set_answer(rec, "note", "a \"quoted\", comma\nnewline");
	return rec;
}

/* A record as a bundle carries it to the depot: finalized, bundled. */
static struct store_record *
make_bundled(const char *inspector)
{
	struct store_record *rec = make_record("road", inspector, NULL);

	rec->status = STORE_BUNDLED;
	fc_strlcpy(rec->finalized_at, rec->created_at, sizeof rec->finalized_at);
	return rec;
}

static struct store_record *
make_final(struct store *st, const char *form, const char *inspector, const char *day)
{
	struct store_record *rec = make_record(form, inspector, day);
	char *cause = NULL;

	assert_int_equal(store_finalize(st, rec, &cause), 0);
	return rec;
}

static void
test_open_creates_current_schema(void **state)
{
	struct fixture *fx = *state;
	char *cause = NULL;

	assert_int_equal(store_schema_version(fx->st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_check_integrity(fx->st, &cause), 0);
}

static void
test_draft_then_final(void **state)
{
	struct fixture *fx = *state;
	struct store_record *rec = make_record("road", "alice", NULL), *got;
	char *cause = NULL;

	assert_int_equal(store_save_draft(fx->st, rec, &cause), 0);
	store_record_set_answer(rec, "severity", "severe");
	assert_int_equal(store_save_draft(fx->st, rec, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_int_equal(got->status, STORE_DRAFT);
	assert_string_equal(store_record_answer(got, "severity"), "severe");
	assert_string_equal(store_record_answer(got, "asset_id"), "路灯-17");
	store_record_free(got);

	assert_int_equal(store_finalize(fx->st, rec, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_int_equal(got->status, STORE_FINAL);
	assert_true(got->finalized_at[0] != '\0');
	store_record_free(got);

	/* Final is final: neither a draft save nor a second finalize may change it. */
	store_record_set_answer(rec, "severity", "minor");
	assert_int_equal(store_save_draft(fx->st, rec, &cause), -1);
	assert_non_null(strstr(cause, "already final"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_finalize(fx->st, rec, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(store_discard_draft(fx->st, rec->uuid, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_string_equal(store_record_answer(got, "severity"), "severe");
	store_record_free(got);
	store_record_free(rec);
}

static void
test_discard_draft(void **state)
{
	struct fixture *fx = *state;
	struct store_record *rec = make_record("park", "bob", NULL), *got = NULL;
	char *cause = NULL;

	assert_int_equal(store_save_draft(fx->st, rec, &cause), 0);
	assert_int_equal(store_discard_draft(fx->st, rec->uuid, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), -1);
	assert_non_null(strstr(cause, "no record"));
	free(cause);
	store_record_free(rec);
}

static void
test_refuses_incomplete_record(void **state)
{
	struct fixture *fx = *state;
	struct store_record *rec = make_record("road", "", NULL);
	char *cause = NULL;

	assert_int_equal(store_finalize(fx->st, rec, &cause), -1);
	assert_non_null(strstr(cause, "inspector"));
	free(cause);
	cause = NULL;
	fc_strlcpy(rec->inspector, "alice", sizeof rec->inspector);
	store_record_set_answer(rec, "bad", "\xff\xfe");
	assert_int_equal(store_finalize(fx->st, rec, &cause), -1);
	assert_non_null(strstr(cause, "UTF-8"));
	free(cause);
	store_record_free(rec);
}

/*
 * Most real forms set no version: a draft and a final record of one save,
 * and ${last-saved#x} finds this device's last saved record of the form.
 */
static void
test_form_without_version_and_last_saved(void **state)
{
	struct fixture *fx = *state;
	struct store_record *a = make_record("dhis2form", "alice", NULL), *b, *got = NULL;
	char *cause = NULL;

	a->form_version[0] = '\0';
	assert_int_equal(store_last_saved(fx->st, "dhis2form", "hh-1", &got, &cause), 0);
	assert_null(got);
	if (store_save_draft(fx->st, a, &cause) != 0)
		fail_msg("%s", cause);
	/* a draft is not a saved record */
	assert_int_equal(store_last_saved(fx->st, "dhis2form", "hh-1", &got, &cause), 0);
	assert_null(got);
	assert_int_equal(store_finalize(fx->st, a, &cause), 0);
	b = make_record("dhis2form", "alice", NULL);
	b->form_version[0] = '\0';
	store_record_set_answer(b, "asset_id", "路灯-18");
	assert_int_equal(store_finalize(fx->st, b, &cause), 0);
	assert_int_equal(store_last_saved(fx->st, "dhis2form", "hh-1", &got, &cause), 0);
	assert_non_null(got);
	assert_string_equal(got->uuid, b->uuid);
	assert_string_equal(got->form_version, "");
	assert_string_equal(store_record_answer(got, "asset_id"), "路灯-18");
	store_record_free(got);
	assert_int_equal(store_last_saved(fx->st, "dhis2form", "hh-2", &got, &cause), 0);
	assert_null(got);
	store_record_free(a);
	store_record_free(b);
}

struct collected {
	size_t count;
	char first[FC_UUID_LEN];
};

static int
collect(void *ctx, const struct store_record *rec)
{
	struct collected *c = ctx;

	if (c->count++ == 0)
		fc_strlcpy(c->first, rec->uuid, sizeof c->first);
	return 0;
}

static void
test_list_and_count_filters(void **state)
{
	struct fixture *fx = *state;
	struct store_filter f = STORE_FILTER_ALL;
	struct collected c = { 0 };
	int64_t n, counts[4];
	char *cause = NULL;
	struct store_record *first = make_final(fx->st, "road", "alice", "2026-11-01");

	store_record_free(make_final(fx->st, "road", "bob", "2026-11-01"));
	store_record_free(make_final(fx->st, "bridge", "alice", "2026-11-02"));
	{
		struct store_record *draft = make_record("park", "alice", "2026-11-01");
		assert_int_equal(store_save_draft(fx->st, draft, &cause), 0);
		store_record_free(draft);
	}
	assert_int_equal(store_list(fx->st, &f, collect, &c, &cause), 0);
	assert_int_equal(c.count, 4);
	assert_string_equal(c.first, first->uuid);

	f.day = "2026-11-01";
	assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
	assert_int_equal(n, 3);
	f.inspector = "alice";
	assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
	assert_int_equal(n, 2);
	f.any_status = false;
	f.status = STORE_FINAL;
	assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
	assert_int_equal(n, 1);
	f = STORE_FILTER_ALL;
	f.form_id = "road";
	assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
	assert_int_equal(n, 2);
	f = STORE_FILTER_ALL;
	f.limit = 2;
	memset(&c, 0, sizeof c);
	assert_int_equal(store_list(fx->st, &f, collect, &c, &cause), 0);
	assert_int_equal(c.count, 2);

	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_DRAFT], 1);
	assert_int_equal(counts[STORE_FINAL], 3);
	assert_int_equal(counts[STORE_SENT], 0);
	store_record_free(first);
}

static void
test_json_round_trip(void **state)
{
	struct store_record *rec = make_record("road", "alice", NULL), *back;
	char *a, *b, *cause = NULL;

	(void)state;
	rec->pos.source = STORE_POS_GPSD;
	rec->pos.lat = 31.2304;
	rec->pos.lon = 121.4737;
	rec->pos.accuracy_m = 3.5;
	rec->pos.fix_mode = 3;
	rec->pos.satellites = 9;
	fc_strlcpy(rec->pos.fix_time, "2026-11-24T08:00:00.000Z", sizeof rec->pos.fix_time);
	a = store_record_to_json(rec);
	assert_int_equal(store_record_from_json(a, strlen(a), &back, &cause), 0);
	b = store_record_to_json(back);
	assert_string_equal(a, b);
	assert_true(isnan(back->pos.hdop));
	assert_int_equal(back->pos.satellites, 9);
	free(a);
	free(b);
	store_record_free(back);
	store_record_free(rec);
}

/* The reference: the record as a jansson object, dumped compact. */
static char *
json_by_object(const struct store_record *r)
{
	const struct store_position *p = &r->pos;
	json_t *answers = json_object(), *pos, *obj;
	char *text;

#define NUM(v) (isfinite(v) ? json_real(v) : json_null())
#define INT(v) ((v) >= 0 ? json_integer(v) : json_null())
#define TXT(s) ((s)[0] != '\0' ? json_string(s) : json_null())
	for (size_t i = 0; i < r->answer_count; i++)
		json_object_set_new(answers, r->answers[i].name, json_string(r->answers[i].value));
	pos = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "source", store_pos_source_name(p->source), "lat", NUM(p->lat), "lon", NUM(p->lon),
	    "alt_m", NUM(p->alt_m), "accuracy_m", NUM(p->accuracy_m), "fix_mode", INT(p->fix_mode),
	    "satellites", INT(p->satellites), "hdop", NUM(p->hdop), "fix_time", TXT(p->fix_time),
	    "fix_age_s", NUM(p->fix_age_s), "reason", TXT(p->reason));
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o}",
	    "uuid", r->uuid, "form_id", r->form_id, "form_version", r->form_version,
	    "form_hash", r->form_hash, "inspector", r->inspector, "device", r->device,
	    "replaces", TXT(r->replaces), "status", store_status_name(r->status),
	    "created_at", r->created_at, "updated_at", r->updated_at,
	    "finalized_at", TXT(r->finalized_at), "day", r->day, "position", pos, "answers", answers);
#undef NUM
#undef INT
#undef TXT
	assert_non_null(obj);
	text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(obj);
	return text;
}

/*
 * The renderer writes what a jansson object dump writes, for awkward values
 * too (quotes, control characters, CJK, long text past the memo, NaN,
 * extreme numbers), on the first render and on the remembered ones.
 */
static void
test_json_render_matches_jansson(void **state)
{
	static const char *values[] = { "plain", "say \"hi\"\\ back", "tab\there\nnew\x01\x1f",
		"坑槽较深，已设置警示", "", "/slash/ </script>", "\xf0\x9f\x9a\xa7 sign down",
		"0123456789012345678901234567890123456789012345678901234567890123456789long" };
	static const double numbers[] = { 31.2304, -0.0, 1e-300, 123456789.123456789, 1e21, 4.5,
		NAN, INFINITY };
	struct store_json *j = store_json_new();
	struct store_record *rec = make_record("road", "alice", NULL);

	(void)state;
	for (int round = 0; round < 40; round++) {
		size_t len, nv = sizeof values / sizeof values[0], nn = sizeof numbers / sizeof numbers[0];
		const char *got;
		char *want, name[32];

		rec->pos.source = (enum store_pos_source)(round % 3);
		rec->pos.lat = numbers[round % nn];
		rec->pos.lon = numbers[(round + 3) % nn];
		rec->pos.alt_m = numbers[(round + 5) % nn];
		rec->pos.hdop = numbers[(round * 7) % nn];
		rec->pos.fix_mode = round % 5 - 1;
		rec->pos.satellites = round % 2 ? 2147483647 : -1;
		fc_strlcpy(rec->pos.reason, values[round % nv], sizeof rec->pos.reason);
		fc_strlcpy(rec->inspector, values[(round + 1) % nv][0] ? values[(round + 1) % nv] : "x",
		    sizeof rec->inspector);
		snprintf(name, sizeof name, "q%d \"%d\"", round % 4, round);
		store_record_set_answer(rec, name, values[(round + 2) % nv]);
		got = store_json_render(j, rec, &len);
		want = json_by_object(rec);
		assert_string_equal(got, want);
		assert_int_equal(len, strlen(want));
		free(want);
	}
	/* Invalid UTF-8 anywhere gives "{}", never broken JSON. */
	store_record_set_answer(rec, "bad", "\xc3\x28");
	{
		size_t len;

		assert_string_equal(store_json_render(j, rec, &len), "{}");
		assert_int_equal(len, 2);
	}
	store_json_free(j);
	store_record_free(rec);
}

static void
expect_json_error(const char *json, const char *needle)
{
	struct store_record *rec = NULL;
	char *cause = NULL;

	assert_int_equal(store_record_from_json(json, strlen(json), &rec, &cause), -1);
	assert_null(rec);
	assert_non_null(cause);
	if (strstr(cause, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", cause, needle);
	free(cause);
}

static void
test_json_rejects_bad_records(void **state)
{
	struct store_record *rec = make_record("road", "alice", NULL);
	char *good = store_record_to_json(rec), *bad;

	(void)state;
	expect_json_error("{", "invalid JSON");
	expect_json_error("[]", "not a JSON object");
	expect_json_error("{\"uuid\":\"x\"}", "form_id");
	bad = xstrdup(good);
	memcpy(strstr(bad, "\"uuid\":\"") + 8, "ZZ", 2);
	expect_json_error(bad, "uuid");
	free(bad);
	bad = xasprintf("%.*s\"lat\":91,%s", (int)(strstr(good, "\"lat\":") - good), good,
	    strstr(good, "\"lat\":null,") + 11);
	expect_json_error(bad, "lat");
	free(bad);
	bad = xasprintf("%.*s\"answers\":{\"a\":1}}", (int)(strstr(good, "\"answers\":") - good), good);
	expect_json_error(bad, "not a string");
	free(bad);
	bad = xasprintf("%.*s\"status\":\"lost\",%s", (int)(strstr(good, "\"status\":") - good), good,
	    strstr(good, "\"created_at\""));
	expect_json_error(bad, "status");
	free(bad);
	free(good);
	store_record_free(rec);
}

static void
test_reviews_and_settings(void **state)
{
	struct fixture *fx = *state;
	struct store_record *a = make_final(fx->st, "road", "alice", NULL);
	struct store_record *b = make_final(fx->st, "road", "bob", NULL);
	const char *both[] = { a->uuid, b->uuid };
	const char *missing[] = { a->uuid, "00000000-0000-4000-8000-000000000000" };
	struct store_review rv = { 0 }, *hist;
	char *cause = NULL, *value;
	size_t n;

	assert_int_equal(store_review_latest(fx->st, a->uuid, &rv, &cause), 0);
	assert_int_equal(rv.decision, STORE_UNREVIEWED);
	fc_strlcpy(rv.record_uuid, a->uuid, sizeof rv.record_uuid);
	rv.decision = STORE_FOLLOW_UP;
	fc_strlcpy(rv.comment, "护栏破损, send crew", sizeof rv.comment);
	fc_strlcpy(rv.reviewer, "chen", sizeof rv.reviewer);
	assert_int_equal(store_review_add(fx->st, &rv, &cause), 0);
	assert_int_equal(store_review_add_many(fx->st, both, 2, STORE_APPROVED, "", "chen", &cause), 0);
	assert_int_equal(store_review_latest(fx->st, a->uuid, &rv, &cause), 0);
	assert_int_equal(rv.decision, STORE_APPROVED);
	assert_int_equal(store_review_history(fx->st, a->uuid, &hist, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(hist[0].comment, "护栏破损, send crew");
	free(hist);

	/* All or nothing: one unknown record refuses the whole batch. */
	assert_int_equal(store_review_add_many(fx->st, missing, 2, STORE_REJECTED, "", "chen", &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(store_review_latest(fx->st, a->uuid, &rv, &cause), 0);
	assert_int_equal(rv.decision, STORE_APPROVED);

	assert_int_equal(store_setting_get(fx->st, "supervisor_pin", &value, &cause), 0);
	assert_null(value);
	assert_int_equal(store_setting_set(fx->st, "supervisor_pin", "h1", &cause), 0);
	assert_int_equal(store_setting_set(fx->st, "supervisor_pin", "h2", &cause), 0);
	assert_int_equal(store_setting_get(fx->st, "supervisor_pin", &value, &cause), 0);
	assert_string_equal(value, "h2");
	free(value);
	store_record_free(a);
	store_record_free(b);
}

struct uuid_list {
	char uuids[8][FC_UUID_LEN];
	size_t n;
};

static int
collect_uuids(void *ctx, const struct store_record *rec)
{
	struct uuid_list *l = ctx;

	fc_strlcpy(l->uuids[l->n++], rec->uuid, FC_UUID_LEN);
	return l->n == 8;
}

struct refused_seen {
	int n;
	struct store_outbox_entry last;
};

static int
remember_entry(void *arg, const struct store_outbox_entry *e)
{
	struct refused_seen *seen = arg;

	seen->n++;
	seen->last = *e;
	return 0;
}

static void
test_outbox_lifecycle(void **state)
{
	struct fixture *fx = *state;
	struct store_bundle b = { .bytes = (unsigned char *)"\x1f\x8b bundle", .size = 9,
	    .record_count = 2, .sha256 = "ff", .created_at = "2026-11-24T00:00:00.000Z" };
	struct store_bundle *next;
	struct uuid_list l = { .n = 0 };
	const char *uuids[2];
	struct store_outbox_counts oc;
	int64_t counts[4];
	char *cause = NULL;

	store_record_free(make_final(fx->st, "road", "alice", NULL));
	store_record_free(make_final(fx->st, "road", "alice", NULL));
	assert_int_equal(store_outbox_pending(fx->st, 10, collect_uuids, &l, &cause), 0);
	assert_int_equal(l.n, 2);
	uuids[0] = l.uuids[0];
	uuids[1] = l.uuids[1];
	fc_uuid_v4(b.uuid);

	/* A bundle naming a record that is not final is refused whole. */
	{
		const char *bad[] = { l.uuids[0], "00000000-0000-4000-8000-000000000000" };
		assert_int_equal(store_outbox_add(fx->st, &b, bad, 2, &cause), -1);
		free(cause);
		cause = NULL;
		assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
		assert_null(next);
	}
	assert_int_equal(store_outbox_add(fx->st, &b, uuids, 2, &cause), 0);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_BUNDLED], 2);
	assert_int_equal(store_outbox_counts(fx->st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 1);
	assert_int_equal(oc.records, 2);
	assert_int_equal(oc.refused_bundles, 0);
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_non_null(next);
	assert_int_equal(next->size, 9);
	assert_memory_equal(next->bytes, b.bytes, 9);
	assert_string_equal(next->uuid, b.uuid);
	store_bundle_free(next);

	/* Refused: set aside with its reason, records kept, then queued again. */
	assert_int_equal(store_outbox_retry(fx->st, b.uuid, &cause), -1);
	assert_non_null(strstr(cause, "no refused bundle"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_outbox_mark_refused(fx->st, b.uuid, 409, "record x conflicts", &cause), 0);
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_null(next);
	assert_int_equal(store_outbox_counts(fx->st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 1);
	assert_int_equal(oc.refused_bundles, 1);
	assert_int_equal(oc.refused_records, 2);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_BUNDLED], 2);
	{
		struct refused_seen seen = { 0 };

		assert_int_equal(store_outbox_list(fx->st, remember_entry, &seen, &cause), 0);
		assert_int_equal(seen.n, 1);
		assert_true(seen.last.refused);
		assert_int_equal(seen.last.refused_status, 409);
		assert_string_equal(seen.last.reason, "record x conflicts");
		assert_string_equal(seen.last.uuid, b.uuid);
	}
	assert_int_equal(store_outbox_retry(fx->st, b.uuid, &cause), 0);
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_non_null(next);
	assert_memory_equal(next->bytes, b.bytes, 9);
	store_bundle_free(next);

	assert_int_equal(store_outbox_mark_sent(fx->st, b.uuid, &cause), 0);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_SENT], 2);
	assert_int_equal(counts[STORE_BUNDLED], 0);
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_null(next);
	assert_int_equal(store_outbox_counts(fx->st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 0);
	assert_int_equal(store_outbox_mark_refused(fx->st, b.uuid, 400, "late", &cause), -1);
	free(cause);
}

/*
 * Re-freezing: a bundle's records move to its replacements and the bundle
 * leaves the outbox in one transaction; parts that leave a record behind,
 * or name one from another bundle, change nothing.
 */
static void
test_outbox_replace(void **state)
{
	struct fixture *fx = *state;
	struct store_bundle old = { .bytes = (unsigned char *)"\x1f\x8b old", .size = 6,
	    .sha256 = "ff", .created_at = "2026-11-24T00:00:00.000Z" };
	struct store_bundle p1 = old, p2 = old;
	struct store_bundle *next;
	struct uuid_list l = { .n = 0 }, in_p1 = { .n = 0 };
	const char *all[3], *first[2], *rest[1], *stranger[1] = { "00000000-0000-4000-8000-000000000000" };
	struct store_outbox_counts oc;
	int64_t counts[4];
	char *cause = NULL;

	for (int i = 0; i < 3; i++)
		store_record_free(make_final(fx->st, "road", "alice", NULL));
	assert_int_equal(store_outbox_pending(fx->st, 10, collect_uuids, &l, &cause), 0);
	assert_int_equal(l.n, 3);
	for (int i = 0; i < 3; i++)
		all[i] = l.uuids[i];
	first[0] = all[0];
	first[1] = all[1];
	rest[0] = all[2];
	fc_uuid_v4(old.uuid);
	fc_uuid_v4(p1.uuid);
	fc_uuid_v4(p2.uuid);
	assert_int_equal(store_outbox_add(fx->st, &old, all, 3, &cause), 0);

	/* The bundle's records, oldest first, from an offset. */
	assert_int_equal(store_outbox_bundle_records(fx->st, old.uuid, 1, collect_uuids, &in_p1,
	    &cause), 0);
	assert_int_equal(in_p1.n, 2);
	assert_string_equal(in_p1.uuids[0], all[1]);

	/* A record left behind: refused, nothing changed. */
	{
		struct store_refrozen parts[] = { { &p1, first, 2 } };

		assert_int_equal(store_outbox_replace(fx->st, old.uuid, parts, 1, &cause), -1);
		assert_non_null(strstr(cause, "left out"));
		free(cause);
		cause = NULL;
	}
	/* A record of no such bundle: refused, nothing changed. */
	{
		struct store_refrozen parts[] = { { &p1, first, 2 }, { &p2, stranger, 1 } };

		assert_int_equal(store_outbox_replace(fx->st, old.uuid, parts, 2, &cause), -1);
		free(cause);
		cause = NULL;
	}
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_string_equal(next->uuid, old.uuid);
	store_bundle_free(next);

	{
		struct store_refrozen parts[] = { { &p1, first, 2 }, { &p2, rest, 1 } };

		assert_int_equal(store_outbox_replace(fx->st, old.uuid, parts, 2, &cause), 0);
	}
	assert_int_equal(store_outbox_counts(fx->st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 2);
	assert_int_equal(oc.records, 3);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_BUNDLED], 3);
	assert_int_equal(store_outbox_next(fx->st, &next, &cause), 0);
	assert_string_equal(next->uuid, p1.uuid);
	assert_int_equal(next->record_count, 2);
	store_bundle_free(next);
	/* The old bundle is gone: replacing it again is refused. */
	{
		struct store_refrozen parts[] = { { &p1, first, 2 } };

		assert_int_equal(store_outbox_replace(fx->st, old.uuid, parts, 1, &cause), -1);
		free(cause);
		cause = NULL;
	}
	assert_int_equal(store_outbox_mark_sent(fx->st, p1.uuid, &cause), 0);
	assert_int_equal(store_outbox_mark_sent(fx->st, p2.uuid, &cause), 0);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_SENT], 3);
}

static void
test_ingest_dedupes_and_refuses_conflicts(void **state)
{
	struct fixture *fx = *state;
	struct store_record *a = make_bundled("alice");
	struct store_record *b = make_bundled("bob");
	struct store_record *recs[2] = { a, b };
	struct store_ingest_result res;
	char bundle1[FC_UUID_LEN], bundle2[FC_UUID_LEN], bundle3[FC_UUID_LEN];
	char *cause = NULL;
	bool already;
	int64_t n;

	fc_uuid_v4(bundle1);
	fc_uuid_v4(bundle2);
	fc_uuid_v4(bundle3);
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-1", "aa", recs, 1, &res, &already, &cause), 0);
	assert_false(already);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-1", "aa", recs, 1, &res, &already, &cause), 0);
	assert_true(already);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(store_ingest(fx->st, bundle2, "hh-1", "bb", recs, 2, &res, &already, &cause), 0);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(res.duplicates, 1);

	/* Same UUID, other content: a conflict, and nothing of that bundle is stored. */
	{
		struct store_record *c = make_record("road", "carol", NULL);
		struct store_record *changed = make_record("road", "alice", NULL);
		struct store_record *bad[2] = { c, changed };
		memcpy(changed->uuid, a->uuid, sizeof changed->uuid);
		changed->status = STORE_BUNDLED;
		fc_strlcpy(changed->finalized_at, changed->created_at, sizeof changed->finalized_at);
		store_record_set_answer(changed, "note", "rewritten");
		assert_int_equal(store_ingest(fx->st, bundle3, "hh-1", "cc", bad, 2, &res, &already, &cause), -1);
		assert_int_equal(res.refusal, STORE_INGEST_CONFLICT);
		assert_string_equal(res.conflict_uuid, a->uuid);
		free(cause);
		cause = NULL;
		store_record_free(c);
		store_record_free(changed);
	}
	{
		struct store_filter f = STORE_FILTER_ALL;
		assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
		assert_int_equal(n, 2);
	}
	store_record_free(a);
	store_record_free(b);
}

/* Ingest trusts only what the token proves: the device, its own corrections, one body per bundle UUID. */
static void
test_ingest_refuses_what_the_token_does_not_prove(void **state)
{
	struct fixture *fx = *state;
	struct store_record *a = make_bundled("alice");
	struct store_record *fix = make_bundled("alice");
	struct store_record *recs[1] = { a };
	struct store_record *fixes[1] = { fix };
	struct store_ingest_result res;
	struct store_delivery dl;
	char bundle1[FC_UUID_LEN], bundle2[FC_UUID_LEN];
	char *cause = NULL;
	bool already;

	fc_uuid_v4(bundle1);
	fc_uuid_v4(bundle2);
	/* hh-2's token cannot deliver hh-1's record. */
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-2", "aa", recs, 1, &res, &already, &cause), -1);
	assert_int_equal(res.refusal, STORE_INGEST_FORGED);
	assert_string_equal(res.refused_uuid, a->uuid);
	free(cause);
	cause = NULL;
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-1", "aa", recs, 1, &res, &already, &cause), 0);
	assert_int_equal(store_record_delivery(fx->st, a->uuid, &dl, &cause), 0);
	assert_string_equal(dl.device, "hh-1");
	assert_string_equal(dl.bundle, bundle1);
	/* The same bundle UUID with another body, or from another device: refused, not acknowledged. */
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-1", "ab", recs, 1, &res, &already, &cause), -1);
	assert_int_equal(res.refusal, STORE_INGEST_BUNDLE_REUSED);
	free(cause);
	cause = NULL;
	assert_int_equal(store_ingest(fx->st, bundle1, "hh-1", "aa", recs, 1, &res, &already, &cause), 0);
	assert_true(already);
	/* A correction from another device of hh-1's record, or of a record the depot lacks. */
	fc_strlcpy(fix->device, "hh-2", sizeof fix->device);
	fc_strlcpy(fix->replaces, a->uuid, sizeof fix->replaces);
	assert_int_equal(store_ingest(fx->st, bundle2, "hh-2", "bb", fixes, 1, &res, &already, &cause), -1);
	assert_int_equal(res.refusal, STORE_INGEST_FORGED);
	assert_non_null(strstr(cause, "another device"));
	free(cause);
	cause = NULL;
	fc_uuid_v4(fix->replaces);
	assert_int_equal(store_ingest(fx->st, bundle2, "hh-2", "bb", fixes, 1, &res, &already, &cause), -1);
	assert_int_equal(res.refusal, STORE_INGEST_FORGED);
	free(cause);
	cause = NULL;
	/* hh-1 correcting its own record is fine. */
	fc_strlcpy(fix->device, "hh-1", sizeof fix->device);
	fc_strlcpy(fix->replaces, a->uuid, sizeof fix->replaces);
	assert_int_equal(store_ingest(fx->st, bundle2, "hh-1", "bb", fixes, 1, &res, &already, &cause), 0);
	assert_int_equal(res.accepted, 1);
	store_record_free(a);
	store_record_free(fix);
}

static void
test_devices(void **state)
{
	struct fixture *fx = *state;
	struct store_device *list;
	char *cause = NULL;
	size_t n;

	assert_int_equal(store_device_add(fx->st, "hh-1", "aa", &cause), 0);
	assert_int_equal(store_device_add(fx->st, "hh-2", "bb", &cause), 0);
	assert_int_equal(store_device_add(fx->st, "hh-1", "cc", &cause), -1);
	assert_non_null(strstr(cause, "already exists"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_device_revoke(fx->st, "hh-2", &cause), 0);
	assert_int_equal(store_device_revoke(fx->st, "nope", &cause), -1);
	free(cause);
	assert_int_equal(store_device_list(fx->st, &list, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_false(list[0].revoked);
	assert_true(list[1].revoked);
	free(list);
	/* Found by the token's hash alone, revoked or not. */
	struct store_device dev;
	assert_int_equal(store_device_by_token(fx->st, "bb", &dev, &cause), 1);
	assert_string_equal(dev.name, "hh-2");
	assert_true(dev.revoked);
	assert_int_equal(store_device_by_token(fx->st, "aa", &dev, &cause), 1);
	assert_string_equal(dev.name, "hh-1");
	assert_false(dev.revoked);
	assert_int_equal(store_device_by_token(fx->st, "cc", &dev, &cause), 0);
	assert_int_equal(store_device_by_token(fx->st, "", &dev, &cause), 0);
}

/* ---- Files that are not what they claim ---- */

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Opens path, expects a refusal mentioning needle, and the file unchanged. */
static void
expect_refused_untouched(const char *path, const char *needle)
{
	size_t before_len, after_len;
	char *before = read_all(path, &before_len), *after, *cause = NULL;
	struct store *st = NULL;

	assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &cause), -1);
	assert_null(st);
	if (strstr(cause, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", cause, needle);
	free(cause);
	after = read_all(path, &after_len);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
}

static void
exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_refuses_foreign_files(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/other", fx->dir);
	char text[4096];

	memset(text, 'x', sizeof text);
	write_file(path, text, sizeof text);
	expect_refused_untouched(path, "not even SQLite");
	unlink(path);

	exec_sql(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
	expect_refused_untouched(path, "not a fieldcheck one");
	unlink(path);

	exec_sql(path, "PRAGMA application_id = 1178815281; PRAGMA user_version = 99;"
	    "CREATE TABLE future(x)");
	expect_refused_untouched(path, "newer fieldcheck");
	free(path);
}

static void
test_refuses_truncated_database(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/truncated.db", fx->dir), *cause = NULL;
	struct store *st;
	size_t len;
	char *bytes;

	assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &cause), 0);
	for (int i = 0; i < 50; i++)
		store_record_free(make_final(st, "road", "alice", NULL));
	store_close(st);  /* the last connection checkpoints the WAL into the file */
	bytes = read_all(path, &len);
	assert_true(len > 8192);
	write_file(path, bytes, len / 2);
	free(bytes);
	expect_refused_untouched(path, "truncated");
	free(path);
}

static void
test_read_only_mode(void **state)
{
	struct fixture *fx = *state;
	char *missing = xasprintf("%s/missing.db", fx->dir), *cause = NULL;
	struct store *ro = NULL;
	struct store_record *rec;

	assert_int_equal(store_open(missing, STORE_READ_ONLY, &ro, &cause), -1);
	assert_non_null(strstr(cause, "no such database"));
	free(cause);
	cause = NULL;
	assert_int_equal(access(missing, F_OK), -1);
	free(missing);

	assert_int_equal(store_open(fx->path, STORE_READ_ONLY, &ro, &cause), 0);
	rec = make_record("road", "alice", NULL);
	assert_int_equal(store_finalize(ro, rec, &cause), -1);
	free(cause);
	store_record_free(rec);
	store_close(ro);
}

static void
test_upgrades_version_1(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/v1.db", fx->dir), *cause = NULL, *sql;
	struct store_record *rec;
	struct store_review rv = { .decision = STORE_APPROVED, .reviewer = "chen",
	    .record_uuid = "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab" };
	struct store *st;
	size_t len;

	sql = read_all(TOP_DIR "/tests/data/schema-v1.sql", &len);
	exec_sql(path, sql);
	free(sql);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &cause), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_get(st, "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", &rec, &cause), 0);
	assert_string_equal(store_record_answer(rec, "note"), "路面沉陷");
	assert_int_equal(rec->pos.source, STORE_POS_GPSD);
	assert_int_equal(rec->pos.satellites, 9);
	store_record_free(rec);
	/* The tables version 2 added, and version 3's outbox columns, work on the upgraded file
	 * (version 4 only narrowed a trigger; test_schema_guards_final_records checks it). */
	assert_int_equal(store_review_add(st, &rv, &cause), 0);
	{
		struct store_outbox_counts oc;

		assert_int_equal(store_outbox_counts(st, &oc, &cause), 0);
		assert_int_equal(oc.refused_bundles, 0);
	}
	assert_int_equal(store_check_integrity(st, &cause), 0);
	store_close(st);
	free(path);
}

/* Sets a record's answers column behind the store's back, as a hand edit would. */
static void
overwrite_answers(struct fixture *fx, const char *uuid, const char *text)
{
	char *sql = sqlite3_mprintf("UPDATE records SET answers = %Q WHERE uuid = %Q", text, uuid);
	char *cause = NULL;

	store_close(fx->st);
	exec_sql(fx->path, sql);
	sqlite3_free(sql);
	assert_int_equal(store_open(fx->path, STORE_READ_WRITE, &fx->st, &cause), 0);
}

/*
 * A record whose answers column was damaged outside the store (a bad disk
 * block, a hand edit) is reported by its UUID, never read as empty or
 * half-read; the intact record beside it still reads whole.
 */
static void
test_reads_answers_exactly_or_refuses(void **state)
{
	static const char *const damaged[] = {
		"{\"a\":\"1\",",               /* cut short */
		"[\"a\",\"b\"]",               /* not an object */
		"\"just text\"",                /* a scalar */
		"{\"a\":1}",                   /* not a string */
		"{\"a\":{\"b\":\"c\"}}",         /* nested */
		"{\"\":\"empty name\"}",
		"{\"a\":\"raw\ttab\"}",          /* a control character unescaped */
		"{\"a\":\"b\"}}",
		"{\"a\":\"b\",}",
		"{\"a\":\"b\" \"c\":\"d\"}",
		"{\"a\":\"\\x\"}",             /* no such escape */
	};
	static const char *const foreign[] = {
		"{\"a\":\"中/\\\"\",\"b\\n\":\"\"}",   /* what the store writes */
		"{ \"a\" : \"中/\\\"\" , \"b\\n\" : \"\" }",
		"{\"a\":\"\\u4e2d\\/\\\"\",\"\\u0062\\u000a\":\"\"}",
	};
	struct fixture *fx = *state;
	struct store_record *rec = make_record("road", "alice", "2026-11-24"), *got;
	char *cause = NULL;

	/* A draft: the store's triggers keep a final record's answers from any edit. */
	store_record_set_answer(rec, "empty", "");
	store_record_set_answer(rec, "escapes", "tab\there \\ \"q\" \u00e9\U0001F6A7");
	store_record_set_answer(rec, "controls", "\x01\b\f\r\x1f/\x7f\u2028}{\":,");
	assert_int_equal(store_save_draft(fx->st, rec, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_int_equal(got->answer_count, 5);
	assert_string_equal(got->answers[0].name, "asset_id");
	assert_string_equal(got->answers[3].name, "escapes");
	assert_string_equal(store_record_answer(got, "controls"), "\x01\b\f\r\x1f/\x7f\u2028}{\":,");
	assert_string_equal(store_record_answer(got, "asset_id"), "路灯-17");
	assert_string_equal(store_record_answer(got, "note"), "a \"quoted\", comma\nnewline");
	assert_string_equal(store_record_answer(got, "empty"), "");
	assert_string_equal(store_record_answer(got, "escapes"), "tab\there \\ \"q\" \u00e9\U0001F6A7");
	store_record_free(got);

	/* Valid JSON the store does not write itself (spaces, other escapes)
	 * still reads exactly. */
	for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
		overwrite_answers(fx, rec->uuid, foreign[i]);
		assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
		assert_int_equal(got->answer_count, 2);
		assert_string_equal(got->answers[0].name, "a");
		assert_string_equal(got->answers[0].value, "中/\"");
		assert_string_equal(got->answers[1].name, "b\n");
		assert_string_equal(got->answers[1].value, "");
		store_record_free(got);
	}
	for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
		overwrite_answers(fx, rec->uuid, damaged[i]);
		assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), -1);
		assert_non_null(strstr(cause, rec->uuid));
		assert_non_null(strstr(cause, "damaged"));
		free(cause);
		cause = NULL;
	}
	store_record_free(rec);
}

/*
 * Whatever a record's answers hold (every control character, quotes,
 * backslashes, CJK and four-byte UTF-8, long and empty strings), the store
 * reads back exactly what it wrote.
 */
static void
test_answers_round_trip_any_text(void **state)
{
	static const char *const pieces[] = {
		"\x01", "\x1f", "\b", "\f", "\n", "\r", "\t", "\"", "\\", "/", "\\u", "{", "}", ":", ",",
		" ", "a", "9", "\x7f", "\u00e9", "路灯", "\u2028", "\U0001F6A7",
	};
	struct fixture *fx = *state;
	unsigned seed = 20261124;
	char *cause = NULL;

	for (int r = 0; r < 50; r++) {
		struct store_record *rec = make_record("road", "alice", "2026-11-24"), *got;

		for (int a = 0; a < 12; a++) {
			char name[32], value[512] = "";
			int len = (int)(rand_r(&seed) % 40);

			snprintf(name, sizeof name, "q%d\"%d", a, r);
			for (int i = 0; i < len; i++)
				fc_strlcpy(value + strlen(value),
				    pieces[rand_r(&seed) % (sizeof pieces / sizeof pieces[0])],
				    sizeof value - strlen(value));
			store_record_set_answer(rec, name, value);
		}
		assert_int_equal(store_save_draft(fx->st, rec, &cause), 0);
		assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
		assert_int_equal(got->answer_count, rec->answer_count);
		for (size_t a = 0; a < rec->answer_count; a++) {
			assert_string_equal(got->answers[a].name, rec->answers[a].name);
			assert_string_equal(got->answers[a].value, rec->answers[a].value);
		}
		store_record_free(got);
		store_record_free(rec);
	}
}

/* The schema itself guards a finalized record, against any SQL, not only the store's. */
static void
test_schema_guards_final_records(void **state)
{
	static const char *const refused[] = {
		"UPDATE records SET answers = '{}'",
		"UPDATE records SET lat = 1.0",
		"UPDATE records SET status = 'draft'",
		"UPDATE records SET status = 'final', answers = '{}'",
		"DELETE FROM records",
	};
	struct fixture *fx = *state;
	struct store_record *rec = make_final(fx->st, "road", "alice", "2026-11-24"), *got;
	char *cause = NULL;
	sqlite3 *db;

	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_not_equal(sqlite3_exec(db, refused[i], NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_changes(db), 0);
	}
	/* A status move is what the outbox does, and still allowed. */
	assert_int_equal(sqlite3_exec(db, "UPDATE records SET status = 'bundled'", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	assert_int_equal(store_open(fx->path, STORE_READ_WRITE, &fx->st, &cause), 0);
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_int_equal(got->status, STORE_BUNDLED);
	assert_string_equal(store_record_answer(got, "asset_id"), "路灯-17");
	store_record_free(got);
	store_record_free(rec);
}

/* The status column of a record's row, as written (not as read). */
static void
row_status(const char *path, const char *uuid, char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT status FROM records WHERE uuid = ?1", -1, &stmt,
	    NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	fc_strlcpy(out, (const char *)sqlite3_column_text(stmt, 0), size);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/*
 * Freezing a bundle does not rewrite its records' rows: they stay 'final'
 * on disk and read as bundled everywhere (get, list filters, counts);
 * marking the bundle sent rewrites each row once, to 'sent'.
 */
static void
test_bundled_by_membership(void **state)
{
	struct fixture *fx = *state;
	struct store_bundle b = { .bytes = (unsigned char *)"\x1f\x8b bundle", .size = 9,
	    .record_count = 1, .sha256 = "ff", .created_at = "2026-11-24T00:00:00.000Z" };
	struct store_record *rec = make_final(fx->st, "road", "alice", NULL), *got;
	struct store_record *other = make_final(fx->st, "road", "alice", NULL);
	struct store_filter f = STORE_FILTER_ALL;
	struct uuid_list l = { .n = 0 };
	const char *uuids[1] = { rec->uuid };
	int64_t counts[4], n;
	char raw[16], *cause = NULL;

	fc_uuid_v4(b.uuid);
	assert_int_equal(store_outbox_add(fx->st, &b, uuids, 1, &cause), 0);
	row_status(fx->path, rec->uuid, raw, sizeof raw);
	assert_string_equal(raw, "final");
	assert_int_equal(store_get(fx->st, rec->uuid, &got, &cause), 0);
	assert_int_equal(got->status, STORE_BUNDLED);
	store_record_free(got);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_FINAL], 1);
	assert_int_equal(counts[STORE_BUNDLED], 1);
	f.any_status = false;
	f.status = STORE_BUNDLED;
	assert_int_equal(store_count(fx->st, &f, &n, &cause), 0);
	assert_int_equal(n, 1);
	f.status = STORE_FINAL;
	assert_int_equal(store_list(fx->st, &f, collect_uuids, &l, &cause), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.uuids[0], other->uuid);
	/* The pending queue leaves the bundled record out. */
	l.n = 0;
	assert_int_equal(store_outbox_pending(fx->st, 10, collect_uuids, &l, &cause), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.uuids[0], other->uuid);

	assert_int_equal(store_outbox_mark_sent(fx->st, b.uuid, &cause), 0);
	row_status(fx->path, rec->uuid, raw, sizeof raw);
	assert_string_equal(raw, "sent");
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_FINAL], 1);
	assert_int_equal(counts[STORE_BUNDLED], 0);
	assert_int_equal(counts[STORE_SENT], 1);
	store_record_free(rec);
	store_record_free(other);
}

/* Freezing the next bundle and marking the last sent are one transaction: both or neither. */
static void
test_add_marking(void **state)
{
	struct fixture *fx = *state;
	struct store_bundle a = { .bytes = (unsigned char *)"\x1f\x8b a", .size = 4,
	    .record_count = 1, .sha256 = "aa", .created_at = "2026-11-24T00:00:00.000Z" };
	struct store_bundle b = a;
	struct store_record *r1 = make_final(fx->st, "road", "alice", NULL);
	struct store_record *r2 = make_final(fx->st, "road", "alice", NULL);
	const char *one[1] = { r1->uuid }, *two[1] = { r2->uuid };
	const char *bad[1] = { "00000000-0000-4000-8000-000000000000" };
	struct store_outbox_counts oc;
	int64_t counts[4];
	char *cause = NULL;

	fc_uuid_v4(a.uuid);
	fc_uuid_v4(b.uuid);
	assert_int_equal(store_outbox_add(fx->st, &a, one, 1, &cause), 0);
	/* A refused freeze leaves the receipted bundle unmarked too. */
	assert_int_equal(store_outbox_add_marking(fx->st, &b, bad, 1, a.uuid, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_SENT], 0);
	assert_int_equal(counts[STORE_BUNDLED], 1);
	assert_int_equal(store_outbox_add_marking(fx->st, &b, two, 1, a.uuid, &cause), 0);
	assert_int_equal(store_count_by_status(fx->st, counts, &cause), 0);
	assert_int_equal(counts[STORE_SENT], 1);
	assert_int_equal(counts[STORE_BUNDLED], 1);
	assert_int_equal(store_outbox_counts(fx->st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 1);
	store_record_free(r1);
	store_record_free(r2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_current_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_draft_then_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_draft, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_incomplete_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_form_without_version_and_last_saved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_and_count_filters, setup, teardown),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_render_matches_jansson),
		cmocka_unit_test(test_json_rejects_bad_records),
		cmocka_unit_test_setup_teardown(test_reviews_and_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundled_by_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_marking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_dedupes_and_refuses_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_refuses_what_the_token_does_not_prove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_foreign_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_truncated_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrades_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_answers_exactly_or_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answers_round_trip_any_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_guards_final_records, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
