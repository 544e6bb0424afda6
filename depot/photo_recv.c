/*
 * depot/photo_recv.c — receiving photos, resumably, with tus 1.0 core's
 * semantics (docs/sync-protocol.md, "Photos"):
 *
 *   HEAD  /v1/photos/{sha256}   Upload-Offset: the bytes held, Upload-Length
 *   PATCH /v1/photos/{sha256}   Upload-Offset: where this body starts,
 *                               Content-Type: application/offset+octet-stream
 *
 * The resource needs no creation: its name is the photo's SHA-256, and its
 * length is what the record naming it says (a photo answer gives the
 * bytes).  So a photo no record of the token's device names is refused
 * before a byte is stored, and a photo the depot holds is never sent
 * again, whichever device sent it.  Bytes go to a partial file per device
 * and photo, written at their offset as they arrive and kept when the
 * connection drops.  No lock: a connection the depot has not yet seen
 * drop may still write while the device's next PATCH does, but both write
 * the same photo's bytes at the same offsets, and the whole is checked
 * against its hash before it counts;
 * when the last byte is in, the whole is checked (SHA-256, size, a JPEG's
 * pixels) and moved into the content-addressed store, or removed.
 *
 * No HTTP here: server.c turns a struct depot_photo_reply into a response.
 */
#include "depot/depot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photo/photo.h"
#include "store/depot_store.h"
#include "sync/sync.h"
#include "util/util.h"

struct depot_photo {
	char sha256[PHOTO_HASH_LEN];
	char *part;                  /* the partial file's path */
	int fd;                      /* open for writing at offset */
	int64_t length;              /* the photo's, from its record */
	int64_t offset;              /* bytes in the partial file */
	bool overflow;               /* the body went past length */
	int write_errno;
};

static void
set_reply(struct depot_photo_reply *r, unsigned status, const char *code, int64_t offset,
    int64_t length, char *message)
{
	r->status = status;
	r->code = code;
	r->offset = offset;
	r->length = length;
	free(r->message);
	r->message = message;
}

/* <dir>/.uploads/<sha256>.<first 16 hex digits of the device name's SHA-256>: one per device and photo. */
static char *
part_path(const char *dir, const char *device, const char *sha256)
{
	char dev[STORE_HASH_LEN];

	bundle_sha256_hex(device, strlen(device), dev);
	return xasprintf("%s/.uploads/%s.%.16s", dir, sha256, dev);
}

static int64_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
}

/*
 * The checks a HEAD and a PATCH share: 0 with *length (the photo's bytes
 * by its record), or -1 with the reply set.  *held is true when the store
 * has the photo already.
 */
static int
photo_check(struct depot_store *ds, struct photo_store *ps, const struct depot_photo_limits *lim,
    const char *device, const char *sha256, int64_t *length, bool *held,
    struct depot_photo_reply *r)
{
	char *cause = NULL;

	*held = false;
	if (!photo_valid_sha256(sha256)) {
		set_reply(r, 400, "bad-request", -1, -1, xstrdup("the path must be "
		    "/v1/photos/{SHA-256 in 64 lower-case hex digits}"));
		return -1;
	}
	if (ps == NULL) {
		(void)depot_store_photo_reference(ds, device, sha256, length, &cause);
		set_reply(r, 501, "no-photos", -1, -1, cause);
		return -1;
	}
	if (depot_store_photo_reference(ds, device, sha256, length, &cause) != 0) {
		set_reply(r, 503, "unavailable", -1, -1, cause);
		return -1;
	}
	if (*length < 0) {
		set_reply(r, 403, "unreferenced", -1, -1, xasprintf("no record of device %s names "
		    "photo %s: send the record's bundle first", device, sha256));
		return -1;
	}
	if (photo_store_has(ps, sha256)) {
		*held = true;
		return 0;
	}
	if ((uint64_t)*length > lim->max_bytes) {
		set_reply(r, 413, "photo-too-large", -1, *length, xasprintf("a photo of %lld bytes is "
		    "over this depot's limit of %zu bytes (the record is kept without it)",
		    (long long)*length, lim->max_bytes));
		return -1;
	}
	return 0;
}

void
depot_photo_head(struct depot_store *ds, struct photo_store *ps, const char *dir,
    const struct depot_photo_limits *lim, const char *device, const char *sha256,
    struct depot_photo_reply *r)
{
	int64_t length;
	bool held;
	char *part;

	if (photo_check(ds, ps, lim, device, sha256, &length, &held, r) != 0)
		return;
	if (held) {
		set_reply(r, 200, "held", length, length, NULL);
		return;
	}
	part = part_path(dir, device, sha256);
	set_reply(r, 200, "partial", file_size(part), length, NULL);
	free(part);
}

/* A decimal header of at most 18 digits: 0 and *v, else -1. */
static int
header_number(const char *s, int64_t *v)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
		return -1;
	*v = strtoll(s, NULL, 10);
	return 0;
}

struct depot_photo *
depot_photo_begin(struct depot_store *ds, struct photo_store *ps, const char *dir,
    const struct depot_photo_limits *lim, const char *device, const char *sha256,
    const struct depot_photo_headers *h, struct depot_photo_reply *r)
{
	struct depot_photo *p;
	int64_t length, offset, declared, body = -1;
	bool held;
	char *updir;

	if (photo_check(ds, ps, lim, device, sha256, &length, &held, r) != 0)
		return NULL;
	if (h->content_type == NULL || strcmp(h->content_type, "application/offset+octet-stream") != 0) {
		set_reply(r, 415, "bad-type", -1, -1,
		    xstrdup("Content-Type must be application/offset+octet-stream"));
		return NULL;
	}
	if (header_number(h->upload_offset, &offset) != 0) {
		set_reply(r, 400, "bad-request", -1, -1, xstrdup("missing or malformed Upload-Offset"));
		return NULL;
	}
	if (h->upload_length != NULL && (header_number(h->upload_length, &declared) != 0 ||
	    declared != length)) {
		set_reply(r, 400, "bad-length", -1, length, xasprintf("Upload-Length %s is not the "
		    "%lld bytes the record gives for this photo", h->upload_length, (long long)length));
		return NULL;
	}
	if (held) {
		/* Sent again (two devices, or a reply lost): held whole, nothing to add. */
		set_reply(r, 204, "held", length, length, NULL);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->fd = -1;
	memcpy(p->sha256, sha256, PHOTO_HASH_LEN);
	p->length = length;
	p->part = part_path(dir, device, sha256);
	p->offset = file_size(p->part);
	if (offset != p->offset) {
		/* tus: the client asks again with HEAD and goes on from there. */
		set_reply(r, 409, "offset-mismatch", p->offset, length, xasprintf("Upload-Offset %lld, "
		    "but the depot holds %lld bytes of this photo", (long long)offset,
		    (long long)p->offset));
		depot_photo_free(p);
		return NULL;
	}
	if (h->content_length != NULL && (header_number(h->content_length, &body) != 0 ||
	    offset + body > length)) {
		depot_photo_free(p);
		set_reply(r, 400, "bad-length", -1, length, xasprintf("a body of %s bytes at offset "
		    "%lld goes past the photo's %lld bytes", h->content_length, (long long)offset,
		    (long long)length));
		return NULL;
	}
	updir = xasprintf("%s/.uploads", dir);
	if (mkdir(updir, 0700) != 0 && errno != EEXIST) {
		set_reply(r, 503, "unavailable", -1, -1, xasprintf("cannot make %s: %s", updir,
		    strerror(errno)));
		goto fail;
	}
	p->fd = open(p->part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (p->fd < 0) {
		set_reply(r, 503, "unavailable", -1, -1, xasprintf("cannot open %s: %s", p->part,
		    strerror(errno)));
		goto fail;
	}
	free(updir);
	return p;
fail:
	free(updir);
	depot_photo_free(p);
	return NULL;
}

void
depot_photo_body(struct depot_photo *p, const void *data, size_t n)
{
	const unsigned char *b = data;

	if (p->overflow || p->write_errno != 0)
		return;
	if ((uint64_t)p->offset + n > (uint64_t)p->length) {
		p->overflow = true;
		return;
	}
	while (n > 0) {
		ssize_t w = pwrite(p->fd, b, n, (off_t)p->offset);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			p->write_errno = w < 0 ? errno : EIO;
			return;
		}
		b += w;
		n -= (size_t)w;
		p->offset += w;
	}
}

/* The whole photo is in the partial file: check it and store it, or drop it. */
static void
complete(struct depot_photo *p, struct photo_store *ps, const struct depot_photo_limits *lim,
    struct depot_photo_reply *r)
{
	char *bytes = NULL, sha[STORE_HASH_LEN], *cause = NULL;
	size_t len = 0;
	unsigned w, h;

	if (fc_read_file(p->part, (size_t)p->length, &bytes, &len, &cause) != 0 ||
	    len != (size_t)p->length) {
		set_reply(r, 503, "unavailable", -1, -1, cause != NULL ? cause :
		    xasprintf("%s changed while it was read", p->part));
		free(bytes);
		return;
	}
	bundle_sha256_hex(bytes, len, sha);
	if (strcmp(sha, p->sha256) != 0) {
		set_reply(r, 400, "bad-digest", 0, p->length, xasprintf("the photo's bytes have "
		    "SHA-256 %s, not %s: nothing was stored; send it again", sha, p->sha256));
		(void)unlink(p->part);
	} else if (photo_probe_jpeg(bytes, len, &w, &h) != 0) {
		set_reply(r, 415, "not-a-jpeg", -1, p->length,
		    xstrdup("the photo is not a JPEG with a frame header: nothing was stored"));
		(void)unlink(p->part);
	} else if ((uint64_t)w * h > lim->max_pixels) {
		set_reply(r, 413, "photo-too-large", -1, p->length, xasprintf("a photo of %u x %u "
		    "pixels is over this depot's limit of %llu pixels (the record is kept without it)",
		    w, h, (unsigned long long)lim->max_pixels));
		(void)unlink(p->part);
	} else if (photo_store_put(ps, bytes, len, NULL, &cause) != 0) {
		set_reply(r, 503, "unavailable", -1, -1, cause);
	} else {
		(void)unlink(p->part);
		set_reply(r, 204, "stored", p->length, p->length, NULL);
	}
	free(bytes);
}

void
depot_photo_end(struct depot_photo *p, struct photo_store *ps,
    const struct depot_photo_limits *lim, struct depot_photo_reply *r)
{
	if (p->overflow) {
		set_reply(r, 400, "bad-length", p->offset, p->length, xasprintf("the body goes past "
		    "the photo's %lld bytes: the bytes up to it are kept", (long long)p->length));
		return;
	}
	if (p->write_errno != 0 || fsync(p->fd) != 0) {
		int err = p->write_errno != 0 ? p->write_errno : errno;

		set_reply(r, 503, "unavailable", -1, -1, xasprintf("cannot write %s: %s", p->part,
		    strerror(err)));
		return;
	}
	if (p->offset == p->length)
		complete(p, ps, lim, r);
	else
		set_reply(r, 204, "partial", p->offset, p->length, NULL);
}

void
depot_photo_free(struct depot_photo *p)
{
	if (p == NULL)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->part);
	free(p);
}
