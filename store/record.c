/*
 * store — a record as a value: its fields, its position, its answers.
 *
 * The rest of a record's life is in the files beside this one, one job
 * each: record_render.c writes its JSON form (bundles, exports, the answers
 * column), record_read.c reads JSON back (a bundle's record lines, the
 * answers column), record_row.c is its SQL row (save, get, list, count)
 * and record_ingest.c the depot's insert of received records.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = { "draft", "final", "bundled", "sent" };
static const char *const source_names[] = { "none", "gpsd", "manual" };

const char *
store_status_name(enum store_status status)
{
	return (unsigned)status < 4 ? status_names[status] : "?";
}

int
store_name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
store_status_parse(const char *name, enum store_status *out)
{
	int i = store_name_index(status_names, 4, name);

	if (i < 0)
		return -1;
	*out = (enum store_status)i;
	return 0;
}

const char *
store_pos_source_name(enum store_pos_source source)
{
	return (unsigned)source < 3 ? source_names[source] : "?";
}

int
store_pos_source_parse(const char *name, enum store_pos_source *out)
{
	int i = store_name_index(source_names, 3, name);

	if (i < 0)
		return -1;
	*out = (enum store_pos_source)i;
	return 0;
}

void
store_position_clear(struct store_position *pos)
{
	memset(pos, 0, sizeof *pos);
	pos->source = STORE_POS_NONE;
	pos->lat = pos->lon = pos->alt_m = pos->accuracy_m = pos->hdop = pos->fix_age_s = NAN;
	pos->fix_mode = -1;
	pos->satellites = -1;
}

struct store_record *
store_record_new(void)
{
	struct store_record *rec = xcalloc(1, sizeof *rec);

	fc_uuid_v4(rec->uuid);
	rec->status = STORE_DRAFT;
	fc_now_iso_utc(rec->created_at);
	memcpy(rec->updated_at, rec->created_at, sizeof rec->updated_at);
	fc_local_day(rec->day, time(NULL));
	store_position_clear(&rec->pos);
	return rec;
}

void
store_record_clear_answers(struct store_record *rec)
{
	for (size_t i = 0; i < rec->answer_count; i++) {
		free(rec->answers[i].name);
		free(rec->answers[i].value);
	}
	free(rec->answers);
	rec->answers = NULL;
	rec->answer_count = 0;
}

void
store_record_free(struct store_record *rec)
{
	if (rec == NULL)
		return;
	store_record_clear_answers(rec);
	free(rec);
}

void
store_record_set_answer(struct store_record *rec, const char *name, const char *value)
{
	for (size_t i = 0; i < rec->answer_count; i++) {
		if (strcmp(rec->answers[i].name, name) != 0)
			continue;
		free(rec->answers[i].value);
		if (value == NULL) {
			free(rec->answers[i].name);
			memmove(&rec->answers[i], &rec->answers[i + 1],
			    (rec->answer_count - i - 1) * sizeof rec->answers[0]);
			rec->answer_count--;
		} else
			rec->answers[i].value = xstrdup(value);
		return;
	}
	if (value == NULL)
		return;
	rec->answers = xreallocarray(rec->answers, rec->answer_count + 1, sizeof rec->answers[0]);
	rec->answers[rec->answer_count].name = xstrdup(name);
	rec->answers[rec->answer_count].value = xstrdup(value);
	rec->answer_count++;
}

const char *
store_record_answer(const struct store_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->answer_count; i++)
		if (strcmp(rec->answers[i].name, name) == 0)
			return rec->answers[i].value;
	return NULL;
}

/*
 * The array grows by doubling (its capacity is the next power of two of the
 * count), so a day of records decoded in bulk does not pay one realloc per
 * answer.
 */
void
store_record_append_answer(struct store_record *rec, char *name, char *value)
{
	size_t n = rec->answer_count;

	if (n == 0 || (n & (n - 1)) == 0)
		rec->answers = xreallocarray(rec->answers, n == 0 ? 1 : n * 2, sizeof rec->answers[0]);
	rec->answers[n].name = name;
	rec->answers[n].value = value;
	rec->answer_count = n + 1;
}
