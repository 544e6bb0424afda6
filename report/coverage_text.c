/*
 * report — the coverage section of the text report (report.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "report/report.h"

/* "14:02" in the local zone from an ISO UTC time, "-" when none. */
static void
local_hhmm(const char *iso, char out[8])
{
	struct timespec ts;
	struct tm tm;

	if (iso[0] == '\0' || fc_parse_iso_utc(iso, &ts) != 0) {
		strcpy(out, "-");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(out, 8, "%H:%M", &tm);
}

int
report_write_coverage(const struct coverage_day *d, const struct coverage_zones *z,
    const char *lang, FILE *out, char **cause)
{
	bool zh = lang != NULL && strcmp(lang, "zh") == 0;
	size_t overdue = 0;

	for (size_t i = 0; i < d->nrows; i++)
		overdue += d->rows[i].overdue;
	fprintf(out, zh ? "巡查覆盖 %s（%s）\n" : "Patrol coverage %s (%s)\n", d->day,
	    d->holiday != NULL ? d->holiday : zh ? "平日" : "ordinary day");
	fprintf(out, zh ? "区域 %zu，未达计划 %zu；轨迹 %zu 名巡查员 %zu 个点\n" :
	    "%zu zones, %zu short of plan; tracks of %zu inspectors, %zu points\n", d->nrows, overdue,
	    d->inspectors, d->points);
	fprintf(out, "%-8s %7s  %-24s %-12s %-5s %s\n", zh ? "状态" : "state", zh ? "完成/计划" : "done",
	    zh ? "区域" : "zone", zh ? "类型" : "kind", zh ? "最近" : "last", zh ? "巡查员" : "by");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct coverage_row *r = &d->rows[i];
		struct coverage_zone zone;
		char hhmm[8], ratio[24];

		coverage_zone_get(z, r->zone, &zone);
		local_hhmm(r->last_at, hhmm);
		snprintf(ratio, sizeof ratio, "%d/%d", r->done, r->required);
		fprintf(out, "%-8s %7s  %-24s %-12s %-5s %s\n",
		    r->overdue ? (zh ? "未达" : "OVERDUE") : (zh ? "已达" : "ok"), ratio,
		    zh ? zone.name_zh : zone.name_en, zone.kind, hhmm, r->last_by[0] != '\0' ? r->last_by : "-");
	}
	if (d->glitches + d->reordered + d->repeats > 0)
		fprintf(out, zh ? "轨迹读取：丢弃跳点 %zu，乱序 %zu，重复 %zu\n" :
		    "reading the tracks: %zu glitches dropped, %zu points out of order, %zu repeats\n",
		    d->glitches, d->reordered, d->repeats);
	if (ferror(out))
		return fc_fail(cause, "writing the coverage: %s", "output error");
	return 0;
}
