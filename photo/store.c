/*
 * photo/store.c — the content-addressed photo directory.
 *
 * <dir>/<first two hex digits>/<sha256>.jpg, 256 subdirectories at most, so
 * no directory grows past a few thousand entries in a year of patrols.  A
 * put writes a temporary file ".<sha256>.XXXXXX" beside the final name,
 * fsyncs it, renames it into place and fsyncs the directory: a reader (or
 * a record saved after the put returned) never sees a partial photo, and a
 * crash leaves at most a temporary file, which the next collection removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "photo/photo.h"
#include "util/util.h"

#define SHA_HEX 64

struct photo_store {
	char *dir;
	/* The top directory was fsynced by this handle: a process killed
	 * between a mkdir and its fsync may have left a subdirectory whose
	 * entry is not on disk yet, so each handle syncs it once. */
	bool top_synced;
};

bool
photo_valid_sha256(const char *s)
{
	for (int i = 0; i < SHA_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[SHA_HEX] == '\0';
}

int
photo_store_open(const char *dir, struct photo_store **out, char **cause)
{
	struct photo_store *ps;
	char *probe;
	struct stat st;
	size_t n = strlen(dir);

	*out = NULL;
	if (n == 0 || n > 3000)
		return fc_fail(cause, "photo store directory: %s", n == 0 ? "empty path" : "path too long");
	probe = xasprintf("%s/x", dir);
	if (fc_mkdir_parents(probe, cause) != 0) {
		free(probe);
		return -1;
	}
	free(probe);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fc_fail(cause, "photo store %s is not a directory", dir);
	ps = xcalloc(1, sizeof *ps);
	ps->dir = xstrndup(dir, n > 1 && dir[n - 1] == '/' ? n - 1 : n);
	*out = ps;
	return 0;
}

void
photo_store_close(struct photo_store *ps)
{
	if (ps == NULL)
		return;
	free(ps->dir);
	free(ps);
}

char *
photo_store_path(const struct photo_store *ps, const char *sha256)
{
	if (!photo_valid_sha256(sha256))
		return NULL;
	return xasprintf("%s/%.2s/%s.jpg", ps->dir, sha256, sha256);
}

bool
photo_store_has(const struct photo_store *ps, const char *sha256)
{
	char *path = photo_store_path(ps, sha256);
	struct stat st;
	bool has = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	return has;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
photo_store_remove(struct photo_store *ps, const char *sha256, char **cause)
{
	char *path = photo_store_path(ps, sha256), *sub;
	int rc = 0;

	if (path == NULL)
		return fc_fail(cause, "'%s' is not a photo's SHA-256", sha256);
	if (unlink(path) != 0 && errno != ENOENT)
		rc = fc_fail(cause, "cannot remove %s: %s", path, strerror(errno));
	else if ((sub = strrchr(path, '/')) != NULL) {
		*sub = '\0';
		(void)fsync_dir(path);
	}
	free(path);
	return rc;
}

/*
 * True when the file at path holds exactly these bytes, then synced: a put
 * killed after its rename may have left them only in the page cache.  Its
 * time is renewed, so that the collection's grace protects it as it does a
 * new file until the record referencing it is saved.
 */
static bool
same_bytes(const char *path, const unsigned char *bytes, size_t len)
{
	unsigned char buf[65536];
	size_t at = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool same = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
		goto done;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (size_t)r > len - at || memcmp(buf, bytes + at, (size_t)r) != 0)
			goto done;
		if (r == 0)
			break;
		at += (size_t)r;
	}
	same = at == len && futimens(fd, NULL) == 0 && fsync(fd) == 0;
done:
	close(fd);
	return same;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
put_failed(const char *dir, const char *what, int err, size_t len, char **cause)
{
	if (err == ENOSPC || err == EDQUOT)
		return fc_fail(cause, "no room for a photo of %zu bytes in %s: the device's storage is "
		    "full (nothing was stored)", len, dir);
	return fc_fail(cause, "cannot %s a photo in %s: %s", what, dir, strerror(err));
}

int
photo_store_put(struct photo_store *ps, const void *bytes, size_t len,
    char sha256[PHOTO_HASH_LEN], char **cause)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[PHOTO_HASH_LEN], *sub = NULL, *path = NULL, *tmp = NULL;
	const char *what = "write";
	int fd = -1, err = 0;
	bool made;

	crypto_hash_sha256(digest, bytes, len);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	if (sha256 != NULL)
		memcpy(sha256, hex, sizeof hex);
	sub = xasprintf("%s/%.2s", ps->dir, hex);
	path = xasprintf("%s/%s.jpg", sub, hex);
	made = mkdir(sub, 0700) == 0;
	if (!made && errno != EEXIST) {
		err = errno;
		what = "make the directory of";
		goto fail;
	}
	if (made || !ps->top_synced) {
		if (fsync_dir(ps->dir) != 0) {
			err = errno;
			what = "record the directory of";
			goto fail;
		}
		ps->top_synced = true;
	}
	if (same_bytes(path, bytes, len) && fsync_dir(sub) == 0)
		goto done;
	tmp = xasprintf("%s/.%s.XXXXXX", sub, hex);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		what = "create";
		free(tmp);
		tmp = NULL;
		goto fail;
	}
	if (write_all(fd, bytes, len) != 0 || fsync(fd) != 0) {
		err = errno;
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err = errno;
		what = "rename";
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	if (fsync_dir(sub) != 0) {
		/* The rename stands; only its durability is in doubt, and
		 * the record must not be saved on a doubt. */
		err = errno;
		what = "record";
		goto fail;
	}
done:
	free(sub);
	free(path);
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	put_failed(ps->dir, what, err, len, cause);
	free(tmp);
	free(sub);
	free(path);
	return -1;
}

/* ---- Garbage collection ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
is_hex2(const char *s)
{
	for (int i = 0; i < 2; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[2] == '\0';
}

/* "<sha>.jpg" under the directory its first two digits name. */
static bool
is_photo_name(const char *name, const char *sub, char sha[PHOTO_HASH_LEN])
{
	if (strlen(name) != SHA_HEX + 4 || strcmp(name + SHA_HEX, ".jpg") != 0 ||
	    memcmp(name, sub, 2) != 0)
		return false;
	memcpy(sha, name, SHA_HEX);
	sha[SHA_HEX] = '\0';
	return photo_valid_sha256(sha);
}

/* ".<sha>.XXXXXX": a put's temporary file. */
static bool
is_temp_name(const char *name, const char *sub)
{
	char sha[PHOTO_HASH_LEN];

	if (strlen(name) != 1 + SHA_HEX + 7 || name[0] != '.' || name[1 + SHA_HEX] != '.' ||
	    memcmp(name + 1, sub, 2) != 0)
		return false;
	memcpy(sha, name + 1, SHA_HEX);
	sha[SHA_HEX] = '\0';
	return photo_valid_sha256(sha);
}

static int
gc_dir(const char *dir, const char *sub, const char **set, size_t n, time_t cutoff,
    struct photo_gc_result *res, char **cause)
{
	char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	struct dirent *de;
	bool changed = false;
	int rc = 0;

	if (d == NULL) {
		fc_fail(cause, "cannot read %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char sha[PHOTO_HASH_LEN];
		const char *key = sha;
		bool photo = is_photo_name(de->d_name, sub, sha);
		struct stat st;

		if (!photo && !is_temp_name(de->d_name, sub))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (photo && n > 0 && bsearch(&key, set, n, sizeof *set, cmp_str) != NULL) {
			res->kept++;
			continue;
		}
		if (st.st_mtime > cutoff) {
			if (photo)
				res->kept++;
			continue;
		}
		if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
			rc = fc_fail(cause, "cannot remove %s/%s: %s", path, de->d_name, strerror(errno));
			break;
		}
		changed = true;
		if (photo) {
			res->removed++;
			res->bytes_freed += (uint64_t)st.st_size;
		}
	}
	if (changed && fsync(dirfd(d)) != 0 && rc == 0)
		rc = fc_fail(cause, "cannot sync %s: %s", path, strerror(errno));
	closedir(d);
	free(path);
	return rc;
}

int
photo_store_gc(struct photo_store *ps, const char *const *referenced, size_t n,
    unsigned grace_seconds, struct photo_gc_result *out, char **cause)
{
	const char **set = xcalloc(n > 0 ? n : 1, sizeof *set);
	time_t cutoff = time(NULL) - (time_t)grace_seconds;
	struct photo_gc_result res = { 0 };
	size_t m = 0;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (referenced[i] != NULL && photo_valid_sha256(referenced[i]))
			set[m++] = referenced[i];
	qsort(set, m, sizeof *set, cmp_str);
	d = opendir(ps->dir);
	if (d == NULL) {
		rc = fc_fail(cause, "cannot read the photo store %s: %s", ps->dir, strerror(errno));
		goto done;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (is_hex2(de->d_name))
			rc = gc_dir(ps->dir, de->d_name, set, m, cutoff, &res, cause);
	closedir(d);
done:
	free(set);
	if (out != NULL)
		*out = res;
	return rc;
}
