/*
 * Summaries of a record shared by the save screen and the record view: its
 * answers as lines (hazards marked by severity), its position as text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meaning/meaning.h"
#include "tui/tui_internal.h"
#include "util/util.h"

enum tui_role
tui_severity_role(int severity)
{
	static const enum tui_role roles[MEANING_SEVERITY_COUNT] = { TUI_SEV_MINOR,
	    TUI_SEV_MODERATE, TUI_SEV_SEVERE };

	return severity >= 0 && severity < MEANING_SEVERITY_COUNT ? roles[severity] : TUI_NORMAL;
}

void
tui_position_text(const struct tui_app *app, const struct form *f, const struct store_position *pos,
    char *buf, size_t size)
{
	char acc[32] = "", sats[32] = "", mode[16] = "", why[300];

	if (pos->source == STORE_POS_NONE) {
		tui_msgf(app, f, buf, size, TUI_MSG_POSITION_NONE_WHY, pos->reason);
		return;
	}
	if (!isnan(pos->accuracy_m))
		snprintf(acc, sizeof acc, " ±%.0f m", pos->accuracy_m);
	if (pos->satellites >= 0)
		tui_msgf(app, f, sats, sizeof sats, TUI_MSG_POSITION_SATELLITES, pos->satellites);
	if (pos->fix_mode >= 2)
		snprintf(mode, sizeof mode, " %dD", pos->fix_mode);
	if (pos->source == STORE_POS_MANUAL) {
		tui_msgf(app, f, why, sizeof why, TUI_MSG_POSITION_MANUAL_WHY, pos->reason);
		snprintf(buf, size, "%.6f %.6f%s %s", pos->lat, pos->lon, acc, why);
	} else
		snprintf(buf, size, "%.6f %.6f%s%s%s", pos->lat, pos->lon, acc, mode, sats);
}

size_t
tui_answered_count(const struct form *f, const struct store_record *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->answer_count; i++) {
		long q = f != NULL ? form_question_index(f, rec->answers[i].name) : -1;

		if (q < 0 || form_question_type(f, (size_t)q) != FORM_CALCULATE)
			n++;
	}
	return n;
}

#define SUMMARY_LINES_MAX 40   /* a long note wraps; past this it ends in "…" */

/*
 * Draws text wrapped in width columns as the summary's lines from `line`
 * (of which the window shows first .. first + rows - 1, from screen row
 * top), indented by indent.  Returns the lines it takes, shown or not.
 */
static int
summary_block(int top, int rows, int first, int line, int indent, const char *text, int width,
    int maxlines, attr_t attr)
{
	int n = tui_wrap(0, 0, text, width, maxlines, attr, false), skip, y;

	if (line + n <= first || line >= first + rows)
		return n;
	skip = line < first ? first - line : 0;
	y = top + line + skip - first;
	tui_wrap_from(y, indent, text, width, skip, top + rows - y, attr, true);
	return n;
}

int
tui_summary_draw(struct tui_app *app, const struct form *f, const struct store_record *rec,
    int top, int rows, int cols, int first)
{
	const char *lang = tui_lang(app);
	bool two = cols < 60;
	int line = 0;

	for (size_t i = 0; i < rec->answer_count; i++) {
		const char *name = rec->answers[i].name, *value = rec->answers[i].value;
		size_t entry = SIZE_MAX;
		long q = f != NULL ? form_question_locate(f, name, &entry) : -1;
		const char *label = q >= 0 ? form_question_label(f, (size_t)q, lang) : name;
		char numbered[300];
		enum form_qtype t = q >= 0 ? form_question_type(f, (size_t)q) : FORM_TEXT;
		int sev = q >= 0 ? meaning_answer_severity(f, (size_t)q, value) + 1 : 0;
		static const char *const tags[] = { "", "! ", "!! ", "!!! " };
		char val[1024], text[1536], *shown;
		attr_t at = tui_attr(app, tui_severity_role(sev - 1));

		if (t == FORM_CALCULATE)
			continue;
		if (label[0] == '\0')
			label = name;
		if (q < 0 && strcmp(name, STORE_TASK_ANSWER) == 0)
			label = tui_msg(app, f, TUI_MSG_TASK);
		else if (q < 0 && strcmp(name, STORE_VERIFIES_ANSWER) == 0)
			label = tui_msg(app, f, TUI_MSG_VERIFIES_RECORD);
		if (entry != SIZE_MAX) {  /* an answer of a repeat's entry: "Length #2" */
			snprintf(numbered, sizeof numbered, "%s #%zu", label, entry + 1);
			label = numbered;
		}
		shown = meaning_answer_text(q >= 0 ? f : NULL, (size_t)q, value, lang);
		fc_strlcpy(val, shown, sizeof val);
		free(shown);
		if (two) {
			snprintf(text, sizeof text, "%s%s", tags[sev], label);
			line += summary_block(top, rows, first, line, 0, text, cols, 1, sev ? at : A_NORMAL);
			line += summary_block(top, rows, first, line, 2, val, cols - 2, SUMMARY_LINES_MAX,
			    sev ? at : A_NORMAL);
		} else {
			snprintf(text, sizeof text, "%s%s: %s", tags[sev], label, val);
			line += summary_block(top, rows, first, line, 0, text, cols, SUMMARY_LINES_MAX,
			    sev ? at : A_NORMAL);
		}
	}
	return line;
}
