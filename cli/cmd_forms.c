/*
 * fieldcheck forms check FILE... | forms list
 *
 * `check` is for whoever writes a checklist: it lists every problem of every
 * file as FILE:LINE:COL: error: ..., the form an editor jumps to, and exits
 * 1 if there was any; a good file gets one summary line.  `list` shows the
 * forms the TUI and `record add` would offer, every version included.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"
#include "platform/platform.h"
#include "util/util.h"

static void
print_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	unsigned *count = ctx;

	(*count)++;
	if (line == 0)
		fprintf(stderr, "%s: error: %s\n", file, message);
	else if (col == 0)
		fprintf(stderr, "%s:%u: error: %s\n", file, line, message);
	else
		fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, col, message);
}

static void
print_languages(const struct form *f)
{
	size_t n = form_language_count(f);

	if (n == 0)
		fputs("(unnamed)", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i > 0 ? ", " : "", form_language(f, i));
}

/* Questions an inspector answers: not groups, notes or calculations. */
static size_t
answerable_count(const struct form *f)
{
	size_t n = 0;

	for (size_t i = 0; i < form_question_count(f); i++) {
		enum form_qtype t = form_question_type(f, i);

		n += t != FORM_BEGIN_GROUP && t != FORM_END_GROUP && t != FORM_NOTE &&
		    t != FORM_CALCULATE;
	}
	return n;
}

static void
print_line(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "%s\n", message);
}

/* argv[0] is "check"; options may come before or among the files. */
static int
forms_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "codes", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct platform_codes *codes;
	const char *city = NULL;
	char *cause = NULL;
	int status = 0;
	int opt;

	optind = 0;	/* glibc: start over on this argument vector */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 'c') {
			fputs("usage: fieldcheck forms check [--codes FILE] FILE...\n", stderr);
			return 2;
		}
		city = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fputs("usage: fieldcheck forms check [--codes FILE] FILE...\n", stderr);
		return 2;
	}
	/*
	 * The platform codes a checklist names must be in the table
	 * (docs/platform.md).  Without the shipped table and no city table
	 * asked for, the forms are still checked, and the codes are not.
	 */
	if ((codes = cli_load_codes(city, &cause)) == NULL) {
		if (city != NULL) {
			cli_error("%s", cause);
			free(cause);
			return 1;
		}
		fprintf(stderr, "fieldcheck: warning: no platform code table (%s): codes not "
		    "checked\n", cause);
		free(cause);
	}
	for (int i = 0; i < argc; i++) {
		unsigned problems = 0;
		struct form *f = form_load(argv[i], print_diag, &problems);

		if (f == NULL) {
			if (problems == 0)
				fprintf(stderr, "%s: error: the form did not load\n", argv[i]);
			status = 1;
			continue;
		}
		if (codes != NULL &&
		    platform_codes_check_form(codes, f, print_line, print_line, NULL) > 0) {
			status = 1;
			form_free(f);
			continue;
		}
		printf("%s: ok: %s version %s, %zu questions, languages: ", argv[i], form_id(f),
		    form_version(f)[0] != '\0' ? form_version(f) : "(none)", answerable_count(f));
		print_languages(f);
		putchar('\n');
		form_free(f);
	}
	platform_codes_free(codes);
	return status;
}

static int
forms_list(const struct cli_globals *g)
{
	char *dir = form_default_dir(g->forms_dir);
	unsigned problems = 0;
	struct form_library *lib = form_library_load(dir, print_diag, &problems);
	size_t n;

	cli_add_installed_forms(g, lib, print_diag, &problems);
	n = form_library_count(lib);

	for (size_t i = 0; i < n; i++) {
		const struct form *f = form_library_get(lib, i);

		printf("%s\t%s\t%s\t%zu\t%.12s\t%s\n", form_id(f), form_version(f),
		    form_title(f, g->lang), answerable_count(f), form_hash(f), form_path(f));
	}
	if (n == 0)
		cli_error("no forms in %s", dir);
	form_library_free(lib);
	free(dir);
	return n == 0 || problems > 0 ? 1 : 0;
}

int
cmd_forms(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			puts("usage: fieldcheck forms check [--codes FILE] FILE...\n"
			     "       fieldcheck [--forms DIR] forms list   (id, version, title, "
			     "questions, hash, file)");
			return 0;
		}
		if (!cli_common_option(g, opt, optarg))
			return 2;
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "check") == 0)
		return forms_check(argc, argv);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return forms_list(g);
	fputs("usage: fieldcheck forms check [--codes FILE] FILE... | fieldcheck forms list\n",
	    stderr);
	return 2;
}
