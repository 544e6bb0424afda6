/*
 * The supervisor PIN.  Only libsodium's crypto_pwhash_str() output is kept
 * (Argon2id with a random salt, the limits inside the string), in the
 * store's settings, so a stolen handheld gives up no PIN.  The interactive
 * limits keep one check well under a second on a handheld.
 */
#include "report/report.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int
sodium_ready(char **cause)
{
	if (sodium_init() < 0)
		return fc_fail(cause, "libsodium could not be initialised");
	return 0;
}

int
report_pin_valid(const char *pin, char **cause)
{
	size_t len = strlen(pin);

	if (len < REPORT_PIN_MIN)
		return fc_fail(cause, "the PIN is too short: at least %d characters", REPORT_PIN_MIN);
	if (len > REPORT_PIN_MAX)
		return fc_fail(cause, "the PIN is too long: at most %d bytes", REPORT_PIN_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)pin[i] < 0x20 || pin[i] == 0x7f)
			return fc_fail(cause, "the PIN holds a control character (position %zu)", i + 1);
	if (!fc_utf8_valid(pin, len))
		return fc_fail(cause, "the PIN is not valid UTF-8");
	return 0;
}

int
report_pin_set(struct store *st, const char *pin, char **cause)
{
	char hash[crypto_pwhash_STRBYTES];

	if (report_pin_valid(pin, cause) != 0 || sodium_ready(cause) != 0)
		return -1;
	if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return fc_fail(cause, "not enough memory to hash the PIN");
	return store_setting_set(st, REPORT_PIN_SETTING, hash, cause);
}

int
report_pin_is_set(struct store *st, bool *is_set, char **cause)
{
	char *value = NULL;

	if (store_setting_get(st, REPORT_PIN_SETTING, &value, cause) != 0)
		return -1;
	*is_set = value != NULL && value[0] != '\0';
	free(value);
	return 0;
}

int
report_pin_verify(struct store *st, const char *pin, bool *ok, char **cause)
{
	char *hash = NULL;
	int rc = -1;

	*ok = false;
	if (sodium_ready(cause) != 0 || store_setting_get(st, REPORT_PIN_SETTING, &hash, cause) != 0)
		return -1;
	if (hash == NULL || hash[0] == '\0') {
		fc_fail(cause, "no supervisor PIN is set: run 'fieldcheck supervisor set-pin'");
		goto done;
	}
	if (strlen(hash) >= crypto_pwhash_STRBYTES) {
		fc_fail(cause, "the stored supervisor PIN hash is malformed: set the PIN again");
		goto done;
	}
	*ok = strlen(pin) <= REPORT_PIN_MAX && crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
	rc = 0;
done:
	free(hash);
	return rc;
}
