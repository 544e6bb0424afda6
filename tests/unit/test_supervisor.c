/*
 * Unit tests of supervisor/: the PIN kept only as a salted slow hash, its
 * change only with the current one, and the wait wrong PINs cost, on a real
 * store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "supervisor/supervisor.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *cause = NULL, *path;

	strcpy(fx->dir, "/tmp/fieldcheck-supervisor-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	path = xasprintf("%s/test.db", fx->dir);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &fx->st, &cause), 0);
	free(path);
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
	free(fx);
	return 0;
}

static void
test_pin(void **state)
{
	struct fixture *fx = *state;
	char *cause = NULL, *stored = NULL;
	bool ok, set;

	assert_int_equal(supervisor_pin_is_set(fx->st, &set, &cause), 0);
	assert_false(set);
	assert_int_equal(supervisor_pin_verify(fx->st, "1234", &ok, &cause), -1);
	assert_non_null(strstr(cause, "set-pin"));
	free(cause);
	cause = NULL;
	assert_int_equal(supervisor_pin_set(fx->st, NULL, "12", &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(supervisor_pin_set(fx->st, NULL, "4711-abc", &cause), 0);
	assert_int_equal(store_setting_get(fx->st, SUPERVISOR_PIN_SETTING, &stored, &cause), 0);
	assert_true(strncmp(stored, "$argon2id$", 10) == 0);
	assert_null(strstr(stored, "4711"));
	free(stored);
	assert_int_equal(supervisor_pin_verify(fx->st, "4711-abc", &ok, &cause), 0);
	assert_true(ok);
	assert_int_equal(supervisor_pin_verify(fx->st, "4711-abd", &ok, &cause), 0);
	assert_false(ok);
}

/* A set PIN changes only with the current one; wrong PINs make tries wait, kept in the database. */
static void
test_pin_change_and_lockout(void **state)
{
	struct fixture *fx = *state;
	char *cause = NULL;
	long wait_s;
	bool ok, set;

	assert_int_equal(supervisor_pin_set(fx->st, NULL, "4711-abc", &cause), 0);
	assert_int_equal(supervisor_pin_set(fx->st, NULL, "0000-new", &cause), -1);
	assert_non_null(strstr(cause, "current"));
	free(cause);
	cause = NULL;
	assert_int_equal(supervisor_pin_set(fx->st, "4711-abd", "0000-new", &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(supervisor_pin_set(fx->st, "4711-abc", "0000-new", &cause), 0);
	assert_int_equal(supervisor_pin_verify(fx->st, "0000-new", &ok, &cause), 0);
	assert_true(ok);
	for (int i = 0; i < SUPERVISOR_PIN_FREE_TRIES; i++) {
		assert_int_equal(supervisor_pin_locked(fx->st, &wait_s, &cause), 0);
		assert_int_equal(wait_s, 0);
		assert_int_equal(supervisor_pin_verify(fx->st, "9999-bad", &ok, &cause), 0);
		assert_false(ok);
	}
	assert_int_equal(supervisor_pin_locked(fx->st, &wait_s, &cause), 0);
	assert_true(wait_s > 25 && wait_s <= 30);
	/* Even the right PIN is not checked while tries wait. */
	assert_int_equal(supervisor_pin_verify(fx->st, "0000-new", &ok, &cause), -1);
	assert_false(ok);
	assert_non_null(strstr(cause, "try again in"));
	free(cause);
	cause = NULL;
	/* A reset clears the PIN and the count, and is on record. */
	assert_int_equal(supervisor_pin_reset(fx->st, "uid 0 (root)", &cause), 0);
	assert_int_equal(supervisor_pin_is_set(fx->st, &set, &cause), 0);
	assert_false(set);
	assert_int_equal(supervisor_pin_locked(fx->st, &wait_s, &cause), 0);
	assert_int_equal(wait_s, 0);
	assert_int_equal(supervisor_pin_set(fx->st, NULL, "1357-new", &cause), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_change_and_lockout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
