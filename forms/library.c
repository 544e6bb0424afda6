/*
 * library — every form of a directory, all versions at once.
 *
 * A record names the exact definition it was answered against (id, version,
 * hash), and a draft stays on the version it was started with, so a new
 * version of a checklist is added beside the old ones rather than replacing
 * them: the old file may be kept (renamed) next to the new.  Forms are kept
 * sorted by id, then version (strverscmp: "2" < "10"), so "newest" is the
 * last of its id.
 */
#include "forms/forms_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

#ifndef FIELDCHECK_SHAREDIR
#define FIELDCHECK_SHAREDIR "/usr/local/share/fieldcheck"
#endif

#define MAX_FORM_FILES 4096

struct form_library {
	struct form **forms;
	size_t count;
};

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_forms(const void *a, const void *b)
{
	const struct form *x = *(struct form *const *)a, *y = *(struct form *const *)b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : strverscmp(x->version, y->version);
}

static void
report(form_diag_fn *diag, void *ctx, const char *file, const char *msg)
{
	if (diag != NULL)
		diag(ctx, file, 0, 0, msg);
}

struct form_library *
form_library_load(const char *dir, form_diag_fn *diag, void *ctx)
{
	struct form_library *lib = xcalloc(1, sizeof *lib);
	char **names = NULL;
	size_t nnames = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		char *m = xasprintf("cannot open the forms directory: %s", strerror(errno));

		report(diag, ctx, dir, m);
		free(m);
		return lib;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".csv") != 0 || de->d_name[0] == '.')
			continue;
		if (nnames == MAX_FORM_FILES) {
			report(diag, ctx, dir, "too many form files; the rest are ignored");
			break;
		}
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof *names, cmp_names);

	for (size_t i = 0; i < nnames; i++) {
		struct form *f = form_load(names[i], diag, ctx);

		free(names[i]);
		if (f != NULL)
			form_library_add(lib, f, diag, ctx);
	}
	free(names);
	return lib;
}

bool
form_library_add(struct form_library *lib, struct form *f, form_diag_fn *diag, void *ctx)
{
	const struct form *old = form_library_find(lib, f->id, f->version);

	if (old != NULL) {
		if (strcmp(old->hash, f->hash) != 0) {
			char *m = xasprintf("form '%s' version '%s' is also defined, "
			    "differently, by %s; this one is skipped (give it a new "
			    "version)", f->id, f->version, old->path);

			report(diag, ctx, f->path, m);
			free(m);
		}
		form_free(f);
		return false;
	}
	lib->forms = xreallocarray(lib->forms, lib->count + 1, sizeof *lib->forms);
	lib->forms[lib->count++] = f;
	qsort(lib->forms, lib->count, sizeof *lib->forms, cmp_forms);
	return true;
}

void
form_library_free(struct form_library *lib)
{
	if (lib == NULL)
		return;
	for (size_t i = 0; i < lib->count; i++)
		form_free(lib->forms[i]);
	free(lib->forms);
	free(lib);
}

size_t
form_library_count(const struct form_library *lib)
{
	return lib->count;
}

const struct form *
form_library_get(const struct form_library *lib, size_t i)
{
	return i < lib->count ? lib->forms[i] : NULL;
}

const struct form *
form_library_find(const struct form_library *lib, const char *id, const char *version)
{
	const struct form *found = NULL;

	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < lib->count; i++) {
		const struct form *f = lib->forms[i];

		if (strcmp(f->id, id) != 0)
			continue;
		if (version == NULL)
			found = f;  /* sorted: the last is the newest */
		else if (strcmp(f->version, version) == 0)
			return f;
	}
	return found;
}

const struct form *
form_library_find_hash(const struct form_library *lib, const char *hash)
{
	if (hash == NULL)
		return NULL;
	for (size_t i = 0; i < lib->count; i++)
		if (strcasecmp(lib->forms[i]->hash, hash) == 0)
			return lib->forms[i];
	return NULL;
}

/* DIR/REL when it is a directory (caller frees), else NULL. */
static char *
dir_if_present(const char *dir, const char *rel)
{
	struct stat sb;
	char *path = xasprintf("%s/%s", dir, rel);

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return path;
	free(path);
	return NULL;
}

/*
 * The checklists: DIR when given; else beside the program, found from
 * /proc/self/exe so that any working directory will do: the source tree's
 * forms/checklists for build/fieldcheck, PREFIX/share/fieldcheck/checklists
 * for PREFIX/bin/fieldcheck (wherever PREFIX was moved to); else the
 * compiled-in share directory; else ./forms/checklists.
 */
char *
form_default_dir(const char *dir)
{
	char exe[4096], *slash, *found;
	ssize_t n;

	if (dir != NULL && dir[0] != '\0')
		return xstrdup(dir);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if ((found = dir_if_present(exe, "../forms/checklists")) != NULL ||
			    (found = dir_if_present(exe, "../share/fieldcheck/checklists")) != NULL)
				return found;
		}
	}
	if ((found = dir_if_present(FIELDCHECK_SHAREDIR, "checklists")) != NULL)
		return found;
	if ((found = dir_if_present(".", "forms/checklists")) != NULL)
		return found;
	return xstrdup(FIELDCHECK_SHAREDIR "/checklists");
}
