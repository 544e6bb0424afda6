/*
 * fieldcheck-depot platform push: the depot's cases for the city's
 * platform (docs/platform.md, "The push").
 *
 *   fieldcheck-depot --db PATH platform push --url URL --day D [--day D...]
 *       [--forms DIR] [--codes FILE] [--grid FILE [--grid-names FILE]]
 *       [--queue DIR] [--once] [--timeout S] [--retry-base S] [--retry-max S]
 *       [--cacert FILE]
 *
 * The cases of each day (new, or changed since the platform acknowledged
 * them: a review decision changes a case's state) are put into the durable
 * push queue (default PATH.platform/), then fieldcheck-push, installed
 * beside this program, sends the queue.  The depot's server links no HTTP
 * client, so the sending is that program's (README, "The platform push").
 */
#include "depot/depot.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/forms.h"
#include "platform/platform.h"
#include "report/report.h"
#include "store/depot_store.h"
#include "util/util.h"

static const char usage[] =
    "usage: fieldcheck-depot --db PATH platform push --url URL --day YYYY-MM-DD [--day ...]\n"
    "           [--forms DIR] [--codes FILE] [--grid FILE [--grid-names FILE]] [--queue DIR]\n"
    "           [--once] [--timeout S] [--retry-base S] [--retry-max S] [--cacert FILE]\n";

static void
form_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	fprintf(stderr, "fieldcheck-depot: warning: %s:%u:%u: %s\n", file, line, col, message);
}

/* Queues the cases of the days; 0, or -1 with *cause. */
static int
queue_days(const char *db, const char *const *days, size_t ndays, const char *forms_dir,
    struct platform_case_options *opt, size_t *cases, size_t *queued, char **cause)
{
	struct depot_store *ds = NULL;
	char *dir = form_default_dir(forms_dir);
	struct form_library *lib = form_library_load(dir, form_diag, NULL);
	int rc = -1;

	free(dir);
	if (depot_store_open_reader(db, &ds, cause) != 0)
		goto out;
	for (size_t i = 0; i < ndays; i++) {
		struct report_query q = { .day = days[i] };
		struct export_sink *sink = platform_cases_new(NULL, opt);
		struct report_day *day = NULL;

		/* The day whole: a case's state follows the tasks that follow its record. */
		rc = report_day_load(ds, lib, &q, &day, cause);
		if (rc == 0)
			rc = report_day_emit(day, sink, cause);
		report_day_free(day);
		*cases += sink->written;
		*queued += platform_cases_queued(sink);
		sink->free(sink);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	depot_store_close(ds);
	form_library_free(lib);
	return rc;
}

int
depot_platform(const char *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "day", required_argument, NULL, 'D' },
		{ "forms", required_argument, NULL, 'f' },
		{ "codes", required_argument, NULL, 'c' },
		{ "grid", required_argument, NULL, 'g' },
		{ "grid-names", required_argument, NULL, 'n' },
		{ "queue", required_argument, NULL, 'q' },
		{ "once", no_argument, NULL, '1' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retry-base", required_argument, NULL, 'b' },
		{ "retry-max", required_argument, NULL, 'm' },
		{ "cacert", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *forms_dir = NULL, *codes_path = NULL, *grid_path = NULL;
	const char *names_path = NULL, *days[64], *pass[16];
	struct platform_case_options opt = { .format = PLATFORM_CASES_JSON };
	struct platform_codes *codes = NULL;
	struct platform_grid *grid = NULL;
	size_t ndays = 0, npass = 0, cases = 0, queued = 0;
	char *queue_dir = NULL, *cause = NULL, exe[4096], *push;
	ssize_t n;
	int o, status = 1;

	optind = 0;
	if (argc < 2 || strcmp(argv[1], "push") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	argc--;
	argv++;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'u': url = optarg; break;
		case 'D':
			if (!fc_valid_day(optarg) || ndays == sizeof days / sizeof days[0]) {
				fprintf(stderr, "fieldcheck-depot: --day %s: a date, at most 64 of them\n",
				    optarg);
				return 2;
			}
			days[ndays++] = optarg;
			break;
		case 'f': forms_dir = optarg; break;
		case 'c': codes_path = optarg; break;
		case 'g': grid_path = optarg; break;
		case 'n': names_path = optarg; break;
		case 'q': free(queue_dir); queue_dir = xstrdup(optarg); break;
		case '1': case 't': case 'b': case 'm': case 'C':
			if (npass + 2 > sizeof pass / sizeof pass[0]) {
				fputs(usage, stderr);
				free(queue_dir);
				return 2;
			}
			if (o == '1') {
				pass[npass++] = "--once";
				break;
			}
			pass[npass++] = o == 't' ? "--timeout" : o == 'b' ? "--retry-base" :
			    o == 'm' ? "--retry-max" : "--cacert";
			pass[npass++] = optarg;
			break;
		default:
			fputs(usage, stderr);
			free(queue_dir);
			return 2;
		}
	}
	if (optind != argc || url == NULL || ndays == 0 || db == NULL) {
		fputs(usage, stderr);
		free(queue_dir);
		return 2;
	}
	if (queue_dir == NULL)
		queue_dir = xasprintf("%s.platform", db);
	if ((codes = platform_codes_load_city(codes_path, &cause)) == NULL ||
	    (grid_path != NULL && platform_grid_load(grid_path, names_path, &grid, &cause) != 0) ||
	    platform_queue_open(queue_dir, &opt.queue, &cause) != 0)
		goto out;
	opt.codes = codes;
	opt.grid = grid;
	if (queue_days(db, days, ndays, forms_dir, &opt, &cases, &queued, &cause) != 0)
		goto out;
	fprintf(stderr, "fieldcheck-depot: %zu case%s, %zu new or changed, queued in %s\n", cases,
	    cases == 1 ? "" : "s", queued, queue_dir);
	/* fieldcheck-push lives beside this program. */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0) {
		cause = xstrdup("cannot find this program's directory to run fieldcheck-push");
		goto out;
	}
	exe[n] = '\0';
	push = xasprintf("%s/fieldcheck-push", dirname(exe));
	{
		const char *args[32] = { push, "--queue", queue_dir, "--url", url };
		size_t k = 5;

		for (size_t i = 0; i < npass; i++)
			args[k++] = pass[i];
		args[k] = NULL;
		fflush(NULL);
		execv(push, (char *const *)args);
	}
	cause = xasprintf("cannot run %s: %s", push, strerror(errno));
	free(push);
out:
	if (cause != NULL)
		fprintf(stderr, "fieldcheck-depot: %s\n", cause);
	free(cause);
	platform_queue_close(opt.queue);
	platform_codes_free(codes);
	platform_grid_free(grid);
	free(queue_dir);
	return status;
}
