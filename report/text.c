/*
 * The plain-text daily report (`fieldcheck report --day D`): written to be
 * printed or mailed from the depot, so it is plain UTF-8 lines under 80
 * columns, aligned by display width (CJK names take two columns).
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/util.h"

/* Display columns of a UTF-8 string; an unprintable or invalid character counts one. */
static size_t
text_width(const char *s)
{
	mbstate_t mb;
	size_t cols = 0, len = strlen(s);

	memset(&mb, 0, sizeof mb);
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &mb);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&mb, 0, sizeof mb);
			n = 1;
			w = 1;
		} else
			w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		cols += (size_t)w;
		s += n;
		len -= n;
	}
	return cols;
}

/* Prints s padded with spaces to cols display columns. */
static void
pad(FILE *out, const char *s, size_t cols)
{
	size_t w = text_width(s);

	fputs(s, out);
	while (w++ < cols)
		putc(' ', out);
}

/* One-line text: newlines and tabs in answers become spaces. */
static void
oneline(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		putc(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, out);
}

static void
group_table(FILE *out, const char *title, const char *heading, const struct report_count *c,
    size_t n)
{
	size_t width = text_width(heading);

	for (size_t i = 0; i < n; i++)
		if (text_width(c[i].key) > width)
			width = text_width(c[i].key);
	if (width > 24)
		width = 24;
	fprintf(out, "\n%s\n", title);
	fputs("  ", out);
	pad(out, heading, width);
	fputs("  records  severe  moderate  minor  severe open  follow-up\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", out);
		pad(out, c[i].key, width);
		fprintf(out, "  %7zu  %6u  %8u  %5u  %11u  %9zu\n", c[i].records,
		    c[i].hazards[REPORT_SEVERE], c[i].hazards[REPORT_MODERATE],
		    c[i].hazards[REPORT_MINOR], c[i].severe_open, c[i].decisions[STORE_FOLLOW_UP]);
	}
	if (n == 0)
		fputs("  (none)\n", out);
}

struct severe_ctx {
	FILE *out;
	const struct report_row *row;
	size_t count;
};

static void
print_severe(void *ctx, const char *name, const char *label, enum meaning_severity s)
{
	struct severe_ctx *sc = ctx;
	const struct store_record *rec = sc->row->rec;

	(void)name;
	if (s != MEANING_SEVERE)
		return;
	sc->count++;
	fprintf(sc->out, "  %s  %-8s %-10s ", sc->row->time, rec->inspector, rec->form_id);
	oneline(sc->out, sc->row->asset[0] != '\0' ? sc->row->asset : "(no asset)");
	fputs(": ", sc->out);
	oneline(sc->out, label);
	fputs("\n      ", sc->out);
	if (rec->pos.source != STORE_POS_NONE && isfinite(rec->pos.lat) && isfinite(rec->pos.lon)) {
		fprintf(sc->out, "%.6f, %.6f", rec->pos.lat, rec->pos.lon);
		if (isfinite(rec->pos.accuracy_m))
			fprintf(sc->out, " ±%.0f m", rec->pos.accuracy_m);
		fprintf(sc->out, " (%s)", store_pos_source_name(rec->pos.source));
	} else {
		fputs("no position", sc->out);
	}
	if (rec->pos.source != STORE_POS_GPSD && rec->pos.reason[0] != '\0') {
		fputs(": ", sc->out);
		oneline(sc->out, rec->pos.reason);
	}
	fprintf(sc->out, "\n      review: %s", store_decision_name(sc->row->review.decision));
	if (sc->row->review.comment[0] != '\0') {
		fputs(" \"", sc->out);
		oneline(sc->out, sc->row->review.comment);
		putc('"', sc->out);
	}
	if (sc->row->review.reviewer[0] != '\0')
		fprintf(sc->out, " (%s)", sc->row->review.reviewer);
	if (sc->row->has_case) {
		double h = report_case_hours(sc->row);

		fprintf(sc->out, "\n      case: %s", store_task_state_name(sc->row->case_state));
		if (h >= 0)
			fprintf(sc->out, ", %.1f h from report to close", h);
	}
	fprintf(sc->out, "\n      record %s", rec->uuid);
	{
		size_t photos = report_record_photos(rec, NULL, NULL);

		if (photos > 0)
			fprintf(sc->out, ", %zu photo%s", photos, photos == 1 ? "" : "s");
	}
	putc('\n', sc->out);
}

int
report_write_text(const struct report_day *day, const char *lang, FILE *out, char **cause)
{
	struct report_count *groups, total;
	size_t n, without_pos = 0, photos = 0, with_photos = 0;
	struct severe_ctx sc = { .out = out };

	for (size_t i = 0; i < report_day_count(day); i++) {
		const struct store_record *rec = report_day_row_const(day, i)->rec;
		size_t k = report_record_photos(rec, NULL, NULL);

		if (rec->pos.source == STORE_POS_NONE)
			without_pos++;
		photos += k;
		with_photos += k > 0;
	}
	report_day_summary(day, NULL, REPORT_BY_INSPECTOR, &groups, &n, &total);
	fprintf(out, "Field inspections of %s\n", report_day_name(day));
	fprintf(out, "\nRecords: %zu   approved %zu, follow-up %zu, rejected %zu, unreviewed %zu\n",
	    total.records, total.decisions[STORE_APPROVED], total.decisions[STORE_FOLLOW_UP],
	    total.decisions[STORE_REJECTED], total.decisions[STORE_UNREVIEWED]);
	fprintf(out, "Hazards: severe %u, moderate %u, minor %u   severe still open: %u\n",
	    total.hazards[REPORT_SEVERE], total.hazards[REPORT_MODERATE], total.hazards[REPORT_MINOR],
	    total.severe_open);
	if (without_pos > 0)
		fprintf(out, "Records without a position: %zu\n", without_pos);
	{
		size_t cases = 0, closed = 0;
		double hours = 0;

		for (size_t i = 0; i < report_day_count(day); i++) {
			const struct report_row *r = report_day_row_const(day, i);
			double h = report_case_hours(r);

			cases += r->has_case;
			if (h >= 0) {
				closed++;
				hours += h;
			}
		}
		if (cases > 0)
			fprintf(out, "Cases: %zu, closed %zu%s", cases, closed, closed > 0 ? "" : "\n");
		if (closed > 0)
			fprintf(out, ", %.1f h from report to close on average\n", hours / (double)closed);
	}
	if (photos > 0)
		fprintf(out, "Photos: %zu in %zu record%s\n", photos, with_photos,
		    with_photos == 1 ? "" : "s");
	group_table(out, "Per inspector", "inspector", groups, n);
	free(groups);
	report_day_summary(day, NULL, REPORT_BY_FORM, &groups, &n, NULL);
	group_table(out, "Per asset type", "asset type", groups, n);
	free(groups);

	fputs("\nSevere hazards\n", out);
	for (size_t i = 0; i < report_day_count(day); i++) {
		sc.row = report_day_row_const(day, i);
		if (sc.row->hazards[REPORT_SEVERE] > 0)
			meaning_hazards(sc.row->form, sc.row->rec, lang, print_severe, &sc);
	}
	if (sc.count == 0)
		fputs("  (none)\n", out);
	if (fflush(out) != 0 || ferror(out))
		return fc_fail(cause, "cannot write the report: output error");
	return 0;
}
