/*
 * fieldcheck export --day YYYY-MM-DD --format csv|geojson [--form ID] [-o FILE]
 * fieldcheck export --day YYYY-MM-DD --format cases|cases-csv [--codes FILE]
 *                   [--grid FILE [--grid-names FILE]] [--gcj02] [--form ID] [-o FILE]
 * fieldcheck export --day YYYY-MM-DD --media DIR [--format ...]
 *
 * --media writes the day's photos into DIR as <record uuid>_<question>[_n].jpg,
 * the names the CSV's and GeoJSON's photo fields give (report/media.c); a
 * photo the database does not hold (a depot that has the record and not yet
 * its photo) is named on stderr as not yet received.
 *
 * Writes one day of records (drafts left out) for a GIS or a spreadsheet,
 * from a handheld's database or the depot's.  The database is opened read
 * only: an export never changes it.  With -o the file is written beside its
 * final name and renamed into place only when complete, so a failed export
 * never leaves half a file where a complete one is expected.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forms/forms.h"
#include "photo/photo.h"
#include "platform/platform.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static void
export_usage(FILE *f)
{
	fputs("usage: fieldcheck export [--db PATH] [--forms DIR] --day YYYY-MM-DD\n"
	      "                         --format csv|geojson [--form ID] [-o FILE]\n"
	      "       fieldcheck export ... --format cases|cases-csv [--codes FILE]\n"
	      "                         [--grid FILE [--grid-names FILE]] [--gcj02]\n"
	      "       fieldcheck export ... --media DIR [--format ...]\n", f);
}

/* --media: the day's photos into dir, from the photo store beside the database at db. */
static int
export_photos(struct store *st, const struct form_library *lib, const struct report_query *q,
    const char *db, const char *dir, char **cause)
{
	char *photos = photo_store_dir_beside(db), *probe = xasprintf("%s/x", dir);
	struct photo_store *ps = NULL;
	struct export_sink *sink = NULL;
	size_t copied, missing;
	int rc = -1;

	if (fc_mkdir_parents(probe, cause) != 0 || photo_store_open(photos, &ps, cause) != 0)
		goto out;
	sink = export_media_new(dir, ps);
	if (report_stream(st, lib, q, sink, cause) != 0)
		goto out;
	export_media_counts(sink, &copied, &missing);
	fprintf(stderr, "fieldcheck: %zu photo%s of %s written to %s", copied, copied == 1 ? "" : "s",
	    q->day, dir);
	if (missing > 0)
		fprintf(stderr, ", %zu not yet received", missing);
	fputc('\n', stderr);
	rc = 0;
out:
	if (sink != NULL)
		sink->free(sink);
	photo_store_close(ps);
	free(probe);
	free(photos);
	return rc;
}

int
cmd_export(struct cli_globals *g, int argc, char **argv)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_FORMAT, OPT_FORM, OPT_CODES, OPT_GRID,
		OPT_GRID_NAMES, OPT_GCJ02, OPT_MEDIA };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "form", required_argument, NULL, OPT_FORM },
		{ "codes", required_argument, NULL, OPT_CODES },
		{ "grid", required_argument, NULL, OPT_GRID },
		{ "grid-names", required_argument, NULL, OPT_GRID_NAMES },
		{ "gcj02", no_argument, NULL, OPT_GCJ02 },
		{ "media", required_argument, NULL, OPT_MEDIA },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_query q = { 0 };
	const char *format = NULL, *output = NULL, *codes_path = NULL, *grid_path = NULL;
	const char *names_path = NULL, *media = NULL;
	struct platform_case_options cases = { 0 };
	struct platform_codes *codes = NULL;
	struct platform_grid *grid = NULL;
	struct store *st = NULL;
	struct form_library *lib = NULL;
	struct report_day *day = NULL;
	struct export_sink *sink = NULL;
	const char **columns = NULL;
	size_t ncolumns = 0;
	char *path = NULL, *tmp = NULL, *cause = NULL;
	FILE *out = stdout;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg);
			q.day = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "geojson") != 0 &&
			    strcmp(optarg, "cases") != 0 && strcmp(optarg, "cases-csv") != 0)
				return cli_error("--format: '%s' is not csv, geojson, cases or "
				    "cases-csv", optarg);
			format = optarg;
			break;
		case OPT_FORM:
			q.form_id = optarg;
			break;
		case OPT_CODES: codes_path = optarg; break;
		case OPT_GRID: grid_path = optarg; break;
		case OPT_GRID_NAMES: names_path = optarg; break;
		case OPT_GCJ02: cases.gcj02 = true; break;
		case OPT_MEDIA: media = optarg; break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || q.day == NULL || (format == NULL && media == NULL)) {
		if (optind == argc)
			cli_error("%s", q.day == NULL ? "--day is required" : "--format is required");
		export_usage(stderr);
		return 2;
	}

	path = cli_db_path(g);
	if (store_open(path, STORE_READ_ONLY, &st, &cause) != 0)
		goto fail;
	lib = cli_load_forms(g);
	if (media != NULL && export_photos(st, lib, &q, path, media, &cause) != 0)
		goto fail;
	if (format == NULL) {
		status = 0;
		goto done;
	}
	if (strncmp(format, "cases", 5) == 0) {
		if ((codes = cli_load_codes(codes_path, &cause)) == NULL ||
		    cli_load_grid(grid_path, names_path, &grid, &cause) != 0)
			goto fail;
		cases.codes = codes;
		cases.grid = grid;
		cases.format = strcmp(format, "cases") == 0 ? PLATFORM_CASES_JSON :
		    PLATFORM_CASES_CSV;
	}
	/* CSV needs the day's columns before its first row; GeoJSON streams. */
	if (strcmp(format, "csv") == 0 && report_day_load(st, lib, &q, &day, &cause) != 0)
		goto fail;

	if (output != NULL && strcmp(output, "-") != 0) {
		tmp = xasprintf("%s.tmp.%ld", output, (long)getpid());
		if ((out = fopen(tmp, "w")) == NULL) {
			cause = xasprintf("cannot create %s: %s", tmp, strerror(errno));
			goto fail;
		}
	}
	if (strcmp(format, "csv") == 0) {
		report_day_columns(day, &columns, &ncolumns);
		sink = export_csv_new(out, columns, ncolumns);
	} else if (codes != NULL)
		sink = platform_cases_new(out, &cases);
	else
		sink = export_geojson_new(out);
	if ((day != NULL ? report_day_emit(day, sink, &cause) :
	    report_stream(st, lib, &q, sink, &cause)) != 0)
		goto fail;
	if (out != stdout) {
		if (fsync(fileno(out)) != 0 || fclose(out) != 0) {
			out = stdout;
			cause = xasprintf("cannot write %s: %s", output, strerror(errno));
			goto fail;
		}
		out = stdout;
		if (rename(tmp, output) != 0) {
			cause = xasprintf("cannot rename %s to %s: %s", tmp, output, strerror(errno));
			goto fail;
		}
		free(tmp);
		tmp = NULL;
	}
	if (codes != NULL) {
		if (platform_cases_outside(sink) > 0)
			fprintf(stderr, "fieldcheck: %zu record%s outside every cell of the grid\n",
			    platform_cases_outside(sink), platform_cases_outside(sink) == 1 ? "" : "s");
		if (platform_cases_uncoded(sink) > 0)
			fprintf(stderr, "fieldcheck: %zu case%s without a platform class (see forms "
			    "check)\n", platform_cases_uncoded(sink),
			    platform_cases_uncoded(sink) == 1 ? "" : "s");
	} else if (sink->skipped > 0)
		fprintf(stderr, "fieldcheck: %zu record%s without a position left out\n", sink->skipped,
		    sink->skipped == 1 ? "" : "s");
	fprintf(stderr, "fieldcheck: %zu %s%s of %s exported as %s\n", sink->written,
	    codes != NULL ? "case" : "record", sink->written == 1 ? "" : "s", q.day, format);
	status = 0;
	goto done;
fail:
	cli_error("%s", cause != NULL ? cause : "export failed");
done:
	if (out != stdout)
		fclose(out);
	if (tmp != NULL)
		unlink(tmp);
	if (sink != NULL)
		sink->free(sink);
	free(columns);
	report_day_free(day);
	platform_codes_free(codes);
	platform_grid_free(grid);
	if (lib != NULL)
		form_library_free(lib);
	store_close(st);
	free(cause);
	free(tmp);
	free(path);
	return status;
}
