/*
 * supervisor — who may decide on records: the supervisor, known by a PIN.
 *
 * A supervisor's decisions (approve, reject, return; store_review_*) are
 * taken on the handheld's own screen (tui/review.c) and from the command
 * line; this module says whether the person taking them is the supervisor.
 * Only a salted slow hash of the PIN is stored (libsodium's
 * crypto_pwhash_str(), in the store's settings), every check, change and
 * reset is logged in the store, and wrong PINs make the next try wait.
 *
 * Errors: 0 on success, -1 on failure with a message in *cause (caller
 * frees) when cause is not NULL.
 */
#ifndef FIELDCHECK_SUPERVISOR_H
#define FIELDCHECK_SUPERVISOR_H

#include <stdbool.h>

#include "store/store.h"

/* Bounds on a PIN: 4 to 64 bytes, no control characters. */
#define SUPERVISOR_PIN_MIN 4
#define SUPERVISOR_PIN_MAX 64
/* The store setting that holds the crypto_pwhash_str() string. */
#define SUPERVISOR_PIN_SETTING "supervisor_pin"

/* Wrong PINs in a row that cost no wait; each one after them doubles it (30 s to an hour). */
#define SUPERVISOR_PIN_FREE_TRIES 3

/* 0 when pin is acceptable as a PIN, else -1 and *cause says why. */
int supervisor_pin_valid(const char *pin, char **cause);
/*
 * Hashes pin (Argon2id, interactive limits) and stores the hash.  When a
 * PIN is set, current must be it (checked like supervisor_pin_verify, so a
 * wrong one counts as a wrong PIN); NULL is refused then.
 */
int supervisor_pin_set(struct store *st, const char *current, const char *pin, char **cause);
/* Clears the PIN without the current one; the PIN log keeps who (e.g. the user name) and when. */
int supervisor_pin_reset(struct store *st, const char *who, char **cause);
/* *is_set: whether a PIN is set now. */
int supervisor_pin_is_set(struct store *st, bool *is_set, char **cause);
/*
 * *ok: whether pin matches the stored hash; the check is logged.  -1 when
 * none is set, on error, or while wrong PINs make tries wait (*cause says
 * how long).
 */
int supervisor_pin_verify(struct store *st, const char *pin, bool *ok, char **cause);
/* *wait_s: seconds until the next try may be checked (0: now). */
int supervisor_pin_locked(struct store *st, long *wait_s, char **cause);

#endif
