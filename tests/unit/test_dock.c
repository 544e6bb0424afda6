/*
 * Unit tests of store/dock.c against real SQLite files: the catalogue, the
 * tasks and their states (the schema's triggers), the feed a device sees,
 * and the handheld's apply, which a repeated page leaves unchanged.
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
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	struct store *depot, *hh;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *path, *cause = NULL;

	strcpy(fx->dir, "/tmp/fieldcheck-dock-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	path = xasprintf("%s/depot.db", fx->dir);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &fx->depot, &cause), 0);
	free(path);
	path = xasprintf("%s/hh.db", fx->dir);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &fx->hh, &cause), 0);
	free(path);
	assert_int_equal(store_device_add(fx->depot, "hh1", "00", &cause), 0);
	assert_int_equal(store_device_add(fx->depot, "hh2", "01", &cause), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);

	store_close(fx->depot);
	store_close(fx->hh);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(cmd);
	free(fx);
	return 0;
}

static void
add_checklist(struct store *st, const char *id, const char *version, char hashc, bool *already)
{
	struct store_checklist c = { 0 };
	char *cause = NULL;

	fc_strlcpy(c.form_id, id, sizeof c.form_id);
	fc_strlcpy(c.version, version, sizeof c.version);
	memset(c.hash, hashc, 64);
	c.csv = (char *)"survey\n";
	c.csv_len = 7;
	assert_int_equal(store_checklist_add(st, &c, already, &cause), 0);
}

static void
new_task(struct store_task *t, const char *device, const char *follows)
{
	memset(t, 0, sizeof *t);
	t->lat = t->lon = NAN;
	fc_strlcpy(t->form_id, "road", sizeof t->form_id);
	fc_strlcpy(t->asset, "K12", sizeof t->asset);
	fc_strlcpy(t->inspector, "bob", sizeof t->inspector);
	fc_strlcpy(t->device, device, sizeof t->device);
	fc_strlcpy(t->created_by, "zhang", sizeof t->created_by);
	if (follows != NULL)
		fc_strlcpy(t->follows, follows, sizeof t->follows);
}

/* The feed of device, as copies (checklists without their csv). */
struct feed {
	struct store_change c[16];
	size_t n;
};

static int
keep(void *ctx, const struct store_change *c)
{
	struct feed *f = ctx;

	if (f->n == 16)
		return 1;
	f->c[f->n] = *c;
	f->c[f->n].checklist.csv = c->checklist.csv != NULL ? xstrdup(c->checklist.csv) : NULL;
	f->c[f->n].follows_record = NULL;   /* the feed frees it after the call */
	f->n++;
	return 0;
}

static void
feed_free(struct feed *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->c[i].checklist.csv);
	f->n = 0;
}

static void
test_catalogue(void **state)
{
	struct fixture *fx = *state;
	struct store_checklist c = { 0 }, found;
	char *cause = NULL;
	bool already;

	add_checklist(fx->depot, "road", "1", 'a', &already);
	assert_false(already);
	add_checklist(fx->depot, "road", "1", 'a', &already);
	assert_true(already);
	fc_strlcpy(c.form_id, "road", sizeof c.form_id);
	fc_strlcpy(c.version, "1", sizeof c.version);
	memset(c.hash, 'b', 64);
	c.csv = (char *)"x";
	c.csv_len = 1;
	assert_int_equal(store_checklist_add(fx->depot, &c, &already, &cause), -1);
	assert_non_null(strstr(cause, "another content"));
	free(cause);
	cause = NULL;
	add_checklist(fx->depot, "road", "2", 'c', &already);
	assert_int_equal(store_checklist_find(fx->depot, "road", NULL, &found, &cause), 0);
	assert_string_equal(found.version, "2");
	assert_int_equal(store_checklist_retire(fx->depot, "road", "2", &cause), 0);
	assert_int_equal(store_checklist_find(fx->depot, "road", NULL, &found, &cause), 0);
	assert_string_equal(found.version, "1");
	assert_int_equal(store_checklist_retire(fx->depot, "nothing", NULL, &cause), -1);
	free(cause);
}

static void
test_tasks_and_feed(void **state)
{
	struct fixture *fx = *state;
	struct store_task t1, t2;
	struct feed f = { 0 };
	char *cause = NULL;
	int64_t latest;
	bool already;

	new_task(&t1, "hh1", NULL);
	assert_int_equal(store_task_add(fx->depot, &t1, &cause), -1);   /* no checklist yet */
	assert_non_null(strstr(cause, "no checklist 'road'"));
	free(cause);
	cause = NULL;
	add_checklist(fx->depot, "road", "1", 'a', &already);
	assert_int_equal(store_task_add(fx->depot, &t1, &cause), 0);
	assert_int_equal(t1.state, STORE_TASK_ASSIGNED);
	assert_string_equal(t1.kind, "inspect");
	assert_string_equal(t1.form_version, "1");
	new_task(&t2, "hh2", NULL);
	assert_int_equal(store_task_add(fx->depot, &t2, &cause), 0);
	assert_int_equal(store_device_revoke(fx->depot, "hh2", &cause), 0);
	new_task(&t2, "hh2", NULL);
	assert_int_equal(store_task_add(fx->depot, &t2, &cause), -1);
	assert_non_null(strstr(cause, "revoked"));
	free(cause);
	cause = NULL;
	new_task(&t2, "hh1", "6f1c7a52-8d5e-4c1b-9a7e-2f1d3c4b5a69");
	assert_int_equal(store_task_add(fx->depot, &t2, &cause), -1);   /* follows nothing held */
	free(cause);
	cause = NULL;

	/* hh1 sees the checklist and its own task, once even after a cancel. */
	assert_int_equal(store_task_cancel(fx->depot, t1.uuid, &cause), 0);
	assert_int_equal(store_changes(fx->depot, "hh1", 0, 0, keep, &f, &latest, &cause), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.c[0].kind, STORE_CHANGE_CHECKLIST);
	assert_string_equal(f.c[0].checklist.csv, "survey\n");
	assert_int_equal(f.c[1].kind, STORE_CHANGE_TASK);
	assert_int_equal(f.c[1].task.state, STORE_TASK_CANCELLED);
	assert_true(latest >= f.c[1].seq);
	feed_free(&f);
	assert_int_equal(store_changes(fx->depot, "hh1", 0, 1, keep, &f, &latest, &cause), 0);
	assert_int_equal(f.n, 1);   /* limit */
	feed_free(&f);
	assert_int_equal(store_task_cancel(fx->depot, t1.uuid, &cause), -1);
	free(cause);
}

/* Applying the same page twice, and a record that does its task on the handheld. */
static void
test_apply_and_done(void **state)
{
	struct fixture *fx = *state;
	struct store_task t, got;
	struct feed f = { 0 };
	const struct store_change *page[16];
	struct store_record *rec;
	char *cause = NULL, *cursor = NULL;
	int64_t latest;
	bool already;

	add_checklist(fx->depot, "road", "1", 'a', &already);
	new_task(&t, "hh1", NULL);
	assert_int_equal(store_task_add(fx->depot, &t, &cause), 0);
	assert_int_equal(store_changes(fx->depot, "hh1", 0, 0, keep, &f, &latest, &cause), 0);
	for (size_t i = 0; i < f.n; i++)
		page[i] = &f.c[i];
	assert_int_equal(store_feed_apply(fx->hh, page, f.n, "2.hh1", &cause), 0);
	assert_int_equal(store_feed_apply(fx->hh, page, f.n, "2.hh1", &cause), 0);
	assert_int_equal(store_feed_cursor(fx->hh, &cursor, &cause), 0);
	assert_string_equal(cursor, "2.hh1");
	free(cursor);
	assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
	assert_int_equal(got.state, STORE_TASK_ASSIGNED);

	/* The record naming the task does it as it is finalized. */
	rec = store_record_new();
	fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
	fc_strlcpy(rec->form_hash, "aaaa", sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "bob", sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh1", sizeof rec->device);
	store_record_set_answer(rec, "asset_id", "K12");
	store_record_set_answer(rec, STORE_TASK_ANSWER, t.uuid);
	assert_int_equal(store_save_draft(fx->hh, rec, &cause), 0);
	assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
	assert_int_equal(got.state, STORE_TASK_ASSIGNED);   /* a draft does nothing yet */
	assert_int_equal(store_finalize(fx->hh, rec, &cause), 0);
	assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
	assert_int_equal(got.state, STORE_TASK_DONE);
	assert_string_equal(got.done_record, rec->uuid);

	/* A decision on that record closes the task (or reopens it). */
	{
		struct store_review rv = { 0 };

		fc_strlcpy(rv.record_uuid, rec->uuid, sizeof rv.record_uuid);
		rv.decision = STORE_REJECTED;
		fc_strlcpy(rv.reviewer, "zhang", sizeof rv.reviewer);
		fc_now_iso_utc(rv.decided_at);
		assert_int_equal(store_review_add(fx->hh, &rv, &cause), 0);
		assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
		assert_int_equal(got.state, STORE_TASK_REOPENED);
		rv.decision = STORE_APPROVED;
		assert_int_equal(store_review_add(fx->hh, &rv, &cause), 0);
		assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
		assert_int_equal(got.state, STORE_TASK_CLOSED);
	}
	/* A cancel arriving after it was done: done after cancel, the record kept. */
	feed_free(&f);
	assert_int_equal(store_task_cancel(fx->depot, t.uuid, &cause), 0);
	assert_int_equal(store_changes(fx->depot, "hh1", 0, 0, keep, &f, &latest, &cause), 0);
	for (size_t i = 0; i < f.n; i++)
		page[i] = &f.c[i];
	assert_int_equal(store_feed_apply(fx->hh, page, f.n, "4.hh1", &cause), 0);
	assert_int_equal(store_task_get(fx->hh, t.uuid, &got, &cause), 0);
	assert_int_equal(got.state, STORE_TASK_DONE_AFTER_CANCEL);
	assert_string_equal(got.done_record, rec->uuid);
	feed_free(&f);

	store_record_free(rec);
}

/* At the depot: a record arriving for a task cancelled meanwhile makes it "done after cancel". */
static void
test_depot_done_after_cancel(void **state)
{
	struct fixture *fx = *state;
	struct store_task t, got;
	struct store_record *rec = store_record_new();
	struct store_ingest_result res;
	char *cause = NULL;
	bool already;

	add_checklist(fx->depot, "road", "1", 'a', &already);
	new_task(&t, "hh1", NULL);
	assert_int_equal(store_task_add(fx->depot, &t, &cause), 0);
	assert_int_equal(store_task_cancel(fx->depot, t.uuid, &cause), 0);
	fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
	fc_strlcpy(rec->form_hash, "aaaa", sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "bob", sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh1", sizeof rec->device);
	rec->status = STORE_BUNDLED;
	fc_strlcpy(rec->finalized_at, rec->created_at, sizeof rec->finalized_at);
	store_record_set_answer(rec, STORE_TASK_ANSWER, t.uuid);
	assert_int_equal(store_ingest(fx->depot, "0b1c7a52-8d5e-4c1b-9a7e-2f1d3c4b5a69", "hh1",
	    "0000000000000000000000000000000000000000000000000000000000000000", &rec, 1, &res, &already,
	    &cause), 0);
	assert_int_equal(store_task_get(fx->depot, t.uuid, &got, &cause), 0);
	assert_int_equal(got.state, STORE_TASK_DONE_AFTER_CANCEL);
	assert_string_equal(got.done_record, rec->uuid);
	store_record_free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catalogue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_and_feed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_and_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depot_done_after_cancel, setup, teardown),
	};

	return cmocka_run_group_tests_name("dock", tests, NULL, NULL);
}
