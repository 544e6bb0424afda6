/*
 * fieldcheck photo — the photos kept beside the records database.
 *
 *   fieldcheck photo cat SHA256      the stored JPEG, on standard output
 *   fieldcheck photo gc              remove the photos no record (draft
 *                                    included) names, older than an hour
 *
 * The photos live in "<database>.photos/" (docs/photos.md), named by
 * their SHA-256, which is what a record's photo answer gives.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "photo/photo.h"
#include "store/store.h"
#include "util/util.h"

/* Photos younger than this stay: another process may not have saved the record naming it yet. */
#define GC_GRACE_SECONDS 3600u

static int
photo_cat(struct photo_store *ps, const char *sha)
{
	char *path = photo_store_path(ps, sha);
	unsigned char buf[65536];
	ssize_t n;
	int fd, rc = 1;

	if (isatty(STDOUT_FILENO)) {
		free(path);
		return cli_error("photo cat: standard output is a terminal: redirect it to a file");
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_error("photo %s: %s", sha, errno == ENOENT ? "not in the photo store" :
		    strerror(errno));
		free(path);
		return 1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	if (n == 0 && fflush(stdout) == 0)
		rc = 0;
	else
		cli_error("photo cat %s: %s", sha, strerror(errno));
	close(fd);
	free(path);
	return rc;
}

static int
photo_gc(struct store *st, struct photo_store *ps)
{
	struct photo_gc_result res;
	char **refs = NULL, *cause = NULL;
	size_t n = 0;
	int rc = 1;

	if (store_photo_referenced(st, &refs, &n, &cause) == 0 &&
	    photo_store_gc(ps, (const char *const *)refs, n, GC_GRACE_SECONDS, &res, &cause) == 0) {
		printf("%zu photos kept, %zu removed (%llu bytes freed)\n", res.kept, res.removed,
		    (unsigned long long)res.bytes_freed);
		rc = 0;
	} else
		cli_error("photo gc: %s", cause);
	free(cause);
	store_photo_hashes_free(refs, n);
	return rc;
}

int
cmd_photo(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct photo_store *ps = NULL;
	char *db = NULL, *dir = NULL, *cause = NULL;
	const char *verb;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (!cli_common_option(g, opt, optarg))
			goto usage;
	argc -= optind;
	argv += optind;
	verb = argc > 0 ? argv[0] : "";
	if (!(strcmp(verb, "cat") == 0 && argc == 2) && !(strcmp(verb, "gc") == 0 && argc == 1))
		goto usage;
	if (argc == 2 && !photo_valid_sha256(argv[1]))
		return cli_error("photo cat %s: not a SHA-256 (64 lowercase hex digits)", argv[1]), 2;
	db = cli_db_path(g);
	dir = photo_store_dir_beside(db);
	if ((argc == 1 && store_open(db, STORE_READ_WRITE, &st, &cause) != 0) ||
	    photo_store_open(dir, &ps, &cause) != 0) {
		cli_error("%s", cause);
		goto out;
	}
	status = argc == 2 ? photo_cat(ps, argv[1]) : photo_gc(st, ps);
out:
	free(cause);
	photo_store_close(ps);
	store_close(st);
	free(dir);
	free(db);
	return status;
usage:
	fputs("usage: fieldcheck photo cat SHA256 > FILE | photo gc\n", stderr);
	return 2;
}
