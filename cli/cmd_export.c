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

#include "coverage/coverage.h"
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
	      "       fieldcheck export ... --format geojson [--tracks] [--zones FILE [--calendar FILE]]\n"
	      "       fieldcheck export ... --format cases|cases-csv [--codes FILE]\n"
	      "                         [--grid FILE [--grid-names FILE]] [--gcj02]\n"
	      "       fieldcheck export ... --media DIR [--format ...]\n", f);
}

/* --media: the day's photos into dir, from the photo store beside the database at db. */
static int
export_photos(struct depot_store *ds, const struct form_library *lib, const struct report_query *q,
    const char *db, const char *dir, char **cause)
{
	char *photos, *probe;
	struct photo_store *ps = NULL;
	struct export_sink *sink = NULL;
	size_t copied, missing;
	int rc = -1;

	if (depot_store_sqlite(ds) == NULL)
		return fc_fail(cause, "--media: photos are not kept on PostgreSQL depots yet "
		    "(docs/depot-postgresql.md)");
	photos = photo_store_dir_beside(db);
	probe = xasprintf("%s/x", dir);
	if (fc_mkdir_parents(probe, cause) != 0 || photo_store_open(photos, &ps, cause) != 0)
		goto out;
	sink = export_media_new(dir, ps);
	if (report_stream(ds, lib, q, sink, cause) != 0)
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

/* A repeat's name as a file name: a question name's characters, no leading dot. */
static bool
file_safe(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 64)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/*
 * Each repeat's table beside the main CSV, as ODK exports them: the
 * entries of "cracks" of day.csv in day-cracks.csv, each written whole and
 * then renamed into place.  0, or -1 with *cause.
 */
static int
export_repeats(const struct report_day *day, const char *output, char **cause)
{
	char **reps;
	size_t nrep, blen = strlen(output);
	int rc = 0;

	report_day_repeats(day, &reps, &nrep);
	if (blen > 4 && strcmp(output + blen - 4, ".csv") == 0)
		blen -= 4;
	for (size_t r = 0; r < nrep; r++) {
		char **cols, *path, *tmp;
		size_t ncols;
		struct export_sink *sink;
		FILE *out;

		if (rc != 0 || !file_safe(reps[r])) {
			if (rc == 0)
				fprintf(stderr, "fieldcheck: repeat answers under '%.64s' left out: not a "
				    "question name\n", reps[r]);
			free(reps[r]);
			continue;
		}
		report_day_repeat_columns(day, reps[r], &cols, &ncols);
		path = xasprintf("%.*s-%s.csv", (int)blen, output, reps[r]);
		tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
		if ((out = fopen(tmp, "w")) == NULL) {
			*cause = xasprintf("cannot create %s: %s", tmp, strerror(errno));
			rc = -1;
		} else {
			sink = export_csv_repeat_new(out, reps[r], (const char *const *)cols, ncols);
			rc = report_day_emit(day, sink, cause);
			sink->free(sink);
			if (fsync(fileno(out)) != 0 || fclose(out) != 0) {
				if (rc == 0)
					*cause = xasprintf("cannot write %s: %s", path, strerror(errno));
				rc = -1;
			}
			if (rc == 0 && rename(tmp, path) != 0) {
				*cause = xasprintf("cannot rename %s to %s: %s", tmp, path,
				    strerror(errno));
				rc = -1;
			}
			if (rc != 0)
				unlink(tmp);
			else
				fprintf(stderr, "fieldcheck: entries of '%s' written to %s\n", reps[r],
				    path);
		}
		for (size_t c = 0; c < ncols; c++)
			free(cols[c]);
		free(cols);
		free(path);
		free(tmp);
		free(reps[r]);
	}
	free(reps);
	return rc;
}

/* What the command line asked for. */
struct export_args {
	struct report_query q;
	const char *format, *output, *codes_path, *grid_path, *names_path;
	const char *zones_path, *cal_path, *media;
	bool gcj02, tracks;
};

/* Reads the options into *a: -1 when they are usable, else the exit status (help: 0). */
static int
export_args(struct cli_globals *g, int argc, char **argv, struct export_args *a)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_FORMAT, OPT_FORM, OPT_CODES, OPT_GRID,
		OPT_GRID_NAMES, OPT_GCJ02, OPT_TRACKS, OPT_ZONES, OPT_CAL, OPT_MEDIA };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "form", required_argument, NULL, OPT_FORM },
		{ "codes", required_argument, NULL, OPT_CODES },
		{ "grid", required_argument, NULL, OPT_GRID },
		{ "grid-names", required_argument, NULL, OPT_GRID_NAMES },
		{ "gcj02", no_argument, NULL, OPT_GCJ02 },
		{ "tracks", no_argument, NULL, OPT_TRACKS },
		{ "zones", required_argument, NULL, OPT_ZONES },
		{ "calendar", required_argument, NULL, OPT_CAL },
		{ "media", required_argument, NULL, OPT_MEDIA },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg);
			a->q.day = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "geojson") != 0 &&
			    strcmp(optarg, "cases") != 0 && strcmp(optarg, "cases-csv") != 0)
				return cli_error("--format: '%s' is not csv, geojson, cases or "
				    "cases-csv", optarg);
			a->format = optarg;
			break;
		case OPT_FORM:
			a->q.form_id = optarg;
			break;
		case OPT_CODES: a->codes_path = optarg; break;
		case OPT_GRID: a->grid_path = optarg; break;
		case OPT_GRID_NAMES: a->names_path = optarg; break;
		case OPT_GCJ02: a->gcj02 = true; break;
		case OPT_TRACKS: a->tracks = true; break;
		case OPT_ZONES: a->zones_path = optarg; break;
		case OPT_CAL: a->cal_path = optarg; break;
		case OPT_MEDIA: a->media = optarg; break;
		case 'o':
			a->output = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || a->q.day == NULL || (a->format == NULL && a->media == NULL)) {
		if (optind == argc)
			cli_error("%s", a->q.day == NULL ? "--day is required" : "--format is required");
		export_usage(stderr);
		return 2;
	}
	if ((a->tracks || a->zones_path != NULL) &&
	    (a->format == NULL || strcmp(a->format, "geojson") != 0))
		return cli_error("--tracks and --zones go with --format geojson"), 2;
	if (a->cal_path != NULL && a->zones_path == NULL)
		return cli_error("--calendar goes with --zones"), 2;
	return -1;
}

/* A complete file written at tmp, made durable and renamed to output; out is closed. */
static int
export_commit(FILE *out, const char *tmp, const char *output, char **cause)
{
	if (fsync(fileno(out)) != 0) {
		fclose(out);
		return fc_fail(cause, "cannot write %s: %s", output, strerror(errno));
	}
	if (fclose(out) != 0)
		return fc_fail(cause, "cannot write %s: %s", output, strerror(errno));
	if (rename(tmp, output) != 0)
		return fc_fail(cause, "cannot rename %s to %s: %s", tmp, output, strerror(errno));
	return 0;
}

/* What was left out, and what was written, said on stderr. */
static void
export_say(const struct export_sink *sink, bool cases, const char *day, const char *format)
{
	if (cases) {
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
	    cases ? "case" : "record", sink->written == 1 ? "" : "s", day, format);
}

int
cmd_export(struct cli_globals *g, int argc, char **argv)
{
	struct export_args a = { 0 };
	const char *format;
	struct platform_case_options cases = { 0 };
	struct platform_codes *codes = NULL;
	struct platform_grid *grid = NULL;
	struct depot_store *ds = NULL;
	struct store *st = NULL;    /* the SQLite depot's, for its tracks */
	struct coverage_zones *zones = NULL;
	struct coverage_calendar *cal = NULL;
	struct coverage_day *cov = NULL;
	struct form_library *lib = NULL;
	struct report_day *day = NULL;
	struct export_sink *sink = NULL;
	const char **columns = NULL;
	size_t ncolumns = 0;
	char *path = NULL, *tmp = NULL, *cause = NULL;
	FILE *out = stdout;
	int status;

	if ((status = export_args(g, argc, argv, &a)) != -1)
		return status;
	status = 1;
	format = a.format;
	cases.gcj02 = a.gcj02;
	path = cli_db_path(g);
	if (depot_store_open_reader(path, &ds, &cause) != 0)
		goto fail;
	if (a.tracks || a.zones_path != NULL) {
		if ((st = depot_store_sqlite(ds)) == NULL) {
			cause = xstrdup("--tracks and --zones: patrol tracks are not on PostgreSQL depots "
			    "yet (docs/depot-postgresql.md)");
			goto fail;
		}
		if (a.zones_path != NULL && (cli_coverage_load(a.zones_path, a.cal_path, &zones, &cal,
		    &cause) != 0 || coverage_compute(st, zones, cal, a.q.day, &cov, &cause) != 0))
			goto fail;
	}
	lib = cli_load_forms(g);
	if (a.media != NULL && export_photos(ds, lib, &a.q, path, a.media, &cause) != 0)
		goto fail;
	if (format == NULL) {
		status = 0;
		goto done;
	}
	if (strncmp(format, "cases", 5) == 0) {
		if ((codes = cli_load_codes(a.codes_path, &cause)) == NULL ||
		    cli_load_grid(a.grid_path, a.names_path, &grid, &cause) != 0)
			goto fail;
		cases.codes = codes;
		cases.grid = grid;
		cases.format = strcmp(format, "cases") == 0 ? PLATFORM_CASES_JSON :
		    PLATFORM_CASES_CSV;
	}
	/*
	 * CSV needs the day's columns before its first row, and cases each
	 * record's case (the tasks that follow it: report_day_load); GeoJSON
	 * streams.
	 */
	if ((strcmp(format, "csv") == 0 || codes != NULL) &&
	    report_day_load(ds, lib, &a.q, &day, &cause) != 0)
		goto fail;

	if (a.output != NULL && strcmp(a.output, "-") != 0) {
		tmp = xasprintf("%s.tmp.%ld", a.output, (long)getpid());
		if ((out = fopen(tmp, "w")) == NULL) {
			out = stdout;
			cause = xasprintf("cannot create %s: %s", tmp, strerror(errno));
			goto fail;
		}
	}
	if (strcmp(format, "csv") == 0) {
		report_day_columns(day, &columns, &ncolumns);
		sink = export_csv_new(out, columns, ncolumns);
	} else if (codes != NULL)
		sink = platform_cases_new(out, &cases);
	else if (a.tracks || zones != NULL)
		sink = export_geojson_coverage_new(out, st, a.q.day, a.tracks, zones, cov);
	else
		sink = export_geojson_new(out);
	if ((day != NULL ? report_day_emit(day, sink, &cause) :
	    report_stream(ds, lib, &a.q, sink, &cause)) != 0)
		goto fail;
	if (out != stdout) {
		FILE *done = out;

		out = stdout;
		if (export_commit(done, tmp, a.output, &cause) != 0)
			goto fail;
		free(tmp);
		tmp = NULL;
	}
	if (day != NULL && codes == NULL) {   /* a CSV: its repeats beside it */
		char **reps;
		size_t nrep;

		report_day_repeats(day, &reps, &nrep);
		if (nrep > 0 && out == stdout && (a.output == NULL || strcmp(a.output, "-") == 0))
			fprintf(stderr, "fieldcheck: the records hold repeat entries (%s%s): with "
			    "-o FILE each repeat is written beside it as FILE-REPEAT.csv\n", reps[0],
			    nrep > 1 ? ", ..." : "");
		for (size_t r = 0; r < nrep; r++)
			free(reps[r]);
		free(reps);
		if (nrep > 0 && a.output != NULL && strcmp(a.output, "-") != 0 &&
		    export_repeats(day, a.output, &cause) != 0)
			goto fail;
	}
	export_say(sink, codes != NULL, a.q.day, format);
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
	coverage_day_free(cov);
	coverage_zones_free(zones);
	coverage_calendar_free(cal);
	platform_codes_free(codes);
	platform_grid_free(grid);
	if (lib != NULL)
		form_library_free(lib);
	depot_store_close(ds);
	free(cause);
	free(tmp);
	free(path);
	return status;
}
