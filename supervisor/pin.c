/*
 * supervisor — the PIN.  Only libsodium's crypto_pwhash_str() output is kept
 * (Argon2id with a random salt, the limits inside the string), in the
 * store's settings, so a stolen handheld gives up no PIN.  The interactive
 * limits keep one check well under a second on a handheld.
 *
 * Every check, change and reset is appended to the store's PIN log, in the
 * same database: wrong PINs since the last right one make the next try
 * wait (SUPERVISOR_PIN_FREE_TRIES free, then 30 s doubling to an hour), so
 * neither a script nor restarting the program guesses fast.  A PIN that is
 * set changes only with the current one; `supervisor reset-pin` clears it
 * without, and the log keeps that it did, when, and who ran it.
 */
#include "supervisor/supervisor.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

static int
sodium_ready(char **cause)
{
	if (sodium_init() < 0)
		return fc_fail(cause, "libsodium could not be initialised");
	return 0;
}

int
supervisor_pin_valid(const char *pin, char **cause)
{
	size_t len = strlen(pin);

	if (len < SUPERVISOR_PIN_MIN)
		return fc_fail(cause, "the PIN is too short: at least %d characters", SUPERVISOR_PIN_MIN);
	if (len > SUPERVISOR_PIN_MAX)
		return fc_fail(cause, "the PIN is too long: at most %d bytes", SUPERVISOR_PIN_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)pin[i] < 0x20 || pin[i] == 0x7f)
			return fc_fail(cause, "the PIN holds a control character (position %zu)", i + 1);
	if (!fc_utf8_valid(pin, len))
		return fc_fail(cause, "the PIN is not valid UTF-8");
	return 0;
}

/* Seconds a try must wait after failures wrong PINs in a row. */
static long
pin_wait_s(unsigned failures)
{
	unsigned over;

	if (failures < SUPERVISOR_PIN_FREE_TRIES)
		return 0;
	over = failures - SUPERVISOR_PIN_FREE_TRIES;
	return over >= 7 ? 3600 : 30L << over;
}

int
supervisor_pin_locked(struct store *st, long *wait_s, char **cause)
{
	char last[FC_TIME_LEN];
	struct timespec then;
	unsigned failures;
	long left;

	*wait_s = 0;
	if (store_pin_failures(st, &failures, last, cause) != 0)
		return -1;
	if (failures == 0 || fc_parse_iso_utc(last, &then) != 0)
		return 0;
	left = pin_wait_s(failures) - (long)(time(NULL) - then.tv_sec);
	/* A clock set back must not lock the supervisor out for longer than the rule says. */
	if (left > pin_wait_s(failures))
		left = pin_wait_s(failures);
	*wait_s = left > 0 ? left : 0;
	return 0;
}

static int
stored_hash(struct store *st, char **hash, char **cause)
{
	*hash = NULL;
	if (sodium_ready(cause) != 0 || store_setting_get(st, SUPERVISOR_PIN_SETTING, hash, cause) != 0)
		return -1;
	if (*hash == NULL || (*hash)[0] == '\0') {
		free(*hash);
		*hash = NULL;
		return fc_fail(cause, "no supervisor PIN is set: run 'fieldcheck supervisor set-pin'");
	}
	if (strlen(*hash) >= crypto_pwhash_STRBYTES) {
		free(*hash);
		*hash = NULL;
		return fc_fail(cause, "the stored supervisor PIN hash is malformed: reset it "
		    "('fieldcheck supervisor reset-pin') and set it again");
	}
	return 0;
}

int
supervisor_pin_verify(struct store *st, const char *pin, bool *ok, char **cause)
{
	char *hash = NULL;
	long wait_s;
	int rc = -1;

	*ok = false;
	if (stored_hash(st, &hash, cause) != 0 || supervisor_pin_locked(st, &wait_s, cause) != 0)
		goto done;
	if (wait_s > 0) {
		fc_fail(cause, "too many wrong PINs: try again in %ld s", wait_s);
		goto done;
	}
	*ok = strlen(pin) <= SUPERVISOR_PIN_MAX && crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
	rc = store_pin_event(st, *ok ? STORE_PIN_OK : STORE_PIN_FAILED, NULL, NULL, NULL, cause);
	if (rc != 0)
		*ok = false;
done:
	free(hash);
	return rc;
}

int
supervisor_pin_set(struct store *st, const char *current, const char *pin, char **cause)
{
	char hash[crypto_pwhash_STRBYTES];
	bool is_set, ok;

	if (supervisor_pin_valid(pin, cause) != 0 || sodium_ready(cause) != 0 ||
	    supervisor_pin_is_set(st, &is_set, cause) != 0)
		return -1;
	if (is_set) {
		if (current == NULL)
			return fc_fail(cause, "a supervisor PIN is set: changing it needs the current one");
		if (supervisor_pin_verify(st, current, &ok, cause) != 0)
			return -1;
		if (!ok)
			return fc_fail(cause, "wrong current supervisor PIN; nothing was changed (a forgotten "
			    "PIN: 'fieldcheck supervisor reset-pin')");
	}
	if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return fc_fail(cause, "not enough memory to hash the PIN");
	return store_pin_event(st, is_set ? STORE_PIN_CHANGED : STORE_PIN_SET, NULL, SUPERVISOR_PIN_SETTING,
	    hash, cause);
}

int
supervisor_pin_reset(struct store *st, const char *who, char **cause)
{
	return store_pin_event(st, STORE_PIN_RESET, who, SUPERVISOR_PIN_SETTING, "", cause);
}

int
supervisor_pin_is_set(struct store *st, bool *is_set, char **cause)
{
	char *value = NULL;

	if (store_setting_get(st, SUPERVISOR_PIN_SETTING, &value, cause) != 0)
		return -1;
	*is_set = value != NULL && value[0] != '\0';
	free(value);
	return 0;
}
