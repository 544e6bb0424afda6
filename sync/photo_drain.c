/*
 * sync — the photo drain: after the records, each photo a sent record
 * names goes to the depot, resumably, through a struct
 * sync_photo_transport (photo_http.c, or a test's fake).
 *
 * Records go first: they are small and the hazard report matters most, and
 * the depot takes a photo only from a device whose record names it.  A
 * photo counts as delivered when the depot says it holds all of it; a
 * record counts as sent when its bundle and each photo it names are
 * (docs/photos.md, "On the wire").
 */
#include "sync/sync_internal.h"

#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"

/* Refusals about the photo itself: set it aside, go on with the others. */
static bool
photo_refusal(long status)
{
	return status == 400 || status == 403 || status == 413 || status == 415 || status == 501;
}

/* One photo: 0 delivered or set aside, else how the drain stops. */
static enum sync_outcome
upload_one(struct store *st, struct sync_photo_transport *t, struct photo_store *ps,
    const char *sha, char **cause)
{
	char *path = photo_store_path(ps, sha), *bytes = NULL, *why = NULL, have[STORE_HASH_LEN];
	size_t len = 0;
	int64_t offset = 0;
	struct sync_upload_info u = { 0 };
	enum sync_outcome how;
	bool retried = false;

	if (fc_read_file(path, PHOTO_MAX_SOURCE_BYTES, &bytes, &len, &why) != 0 || len == 0) {
		/* Gone from this device (or never here): the depot can never have it from us. */
		how = store_photo_uploaded(st, sha, -1, why != NULL ? why : "empty file", cause) == 0 ?
		    SYNC_DONE : SYNC_LOCAL;
		goto out;
	}
	bundle_sha256_hex(bytes, len, have);
	if (strcmp(have, sha) != 0) {
		how = store_photo_uploaded(st, sha, -1, "damaged on this device (its bytes no longer "
		    "match its SHA-256)", cause) == 0 ? SYNC_DONE : SYNC_LOCAL;
		goto out;
	}
	how = t->offset(t, sha, (int64_t)len, &offset, &u, &why);
	while (how == SYNC_DONE && offset < (int64_t)len) {
		if (t->stopped(t)) {
			how = SYNC_ABORTED;
			break;
		}
		how = t->send(t, sha, (const unsigned char *)bytes, (int64_t)len, &offset, &u, &why);
		if (how == SYNC_REFUSED && u.status == 400 && !retried && offset == 0) {
			/* The depot's hash differed: bytes damaged on the way.  Once more from 0. */
			retried = true;
			free(why);
			why = NULL;
			how = SYNC_DONE;
		}
	}
	if (how == SYNC_DONE)
		how = store_photo_uploaded(st, sha, 0, NULL, cause) == 0 ? SYNC_DONE : SYNC_LOCAL;
	else if (how == SYNC_REFUSED && (u.status == 404 || u.status == 405))
		how = SYNC_NO_PHOTOS;
	else if (how == SYNC_REFUSED && photo_refusal(u.status))
		how = store_photo_uploaded(st, sha, u.status, why, cause) == 0 ? SYNC_DONE : SYNC_LOCAL;
	else
		fc_fail(cause, "photo %.12s: %s", sha, why != NULL ? why : "stopped");
out:
	free(why);
	free(bytes);
	free(path);
	return how;
}

enum sync_outcome
sync_photo_drain(struct store *st, struct sync_photo_transport *t, const char *db_path,
    char **cause)
{
	struct photo_store *ps = NULL;
	char **hashes = NULL, *dir = NULL;
	size_t n = 0;
	enum sync_outcome how = SYNC_DONE;

	if (store_photos_to_upload(st, &hashes, &n, cause) != 0)
		return SYNC_LOCAL;
	if (n == 0)
		goto out;
	dir = photo_store_dir_beside(db_path);
	if (photo_store_open(dir, &ps, cause) != 0) {
		how = SYNC_LOCAL;
		goto out;
	}
	for (size_t i = 0; i < n && how == SYNC_DONE; i++) {
		if (t->stopped(t)) {
			fc_fail(cause, "stopped");
			how = SYNC_ABORTED;
			break;
		}
		how = upload_one(st, t, ps, hashes[i], cause);
	}
	/* A depot older than photos: the records went, the photos wait for a newer one. */
	if (how == SYNC_NO_PHOTOS)
		how = SYNC_DONE;
out:
	photo_store_close(ps);
	free(dir);
	store_photo_hashes_free(hashes, n);
	return how;
}
