/*
 * review.h — the supervisor's review screens, private to tui/.
 *
 *   review.c         the day's table: summary header, filters, decisions
 *   review_detail.c  one record: answers, position, chain, decisions
 *   review_map.c     the day's positions as braille, routes per inspector
 *   review_photo.c   a record's photos, full screen (libchafa's symbols)
 */
#ifndef FIELDCHECK_TUI_REVIEW_H
#define FIELDCHECK_TUI_REVIEW_H

#include <stddef.h>

#include "report/report.h"
#include "tui/tui_internal.h"

/* Pushes the review of day (YYYY-MM-DD); -1 with a flash message when it cannot load. */
int tui_review_open(struct tui_app *app, const char *day);
/* Pushes the detail of row i of day (the day stays owned by the review screen). */
int tui_review_detail_open(struct tui_app *app, struct report_day *day, size_t i);
/*
 * Draws the map of the rows vis[0..nvis) of day in rows x cols from top;
 * cur (an index into vis) is highlighted.
 */
void tui_review_map_draw(struct tui_app *app, struct report_day *day, const size_t *vis,
    size_t nvis, size_t cur, int top, int rows, int cols);
/* Pushes the patrol coverage of day (review_zones.c); -1 with a flash message when it cannot. */
int tui_review_zones_open(struct tui_app *app, const char *day);
/* Frees the map's cache of the day's tracks (at exit). */
void tui_review_map_free(void);
/* Pushes rec's photos, the first one shown; -1 (with a flash) when it has none. */
int tui_review_photos_open(struct tui_app *app, const struct store_record *rec);
/* A review state's name in the current language. */
const char *tui_review_state_name(const struct tui_app *app, enum store_decision d);
/* The colour role of a review state. */
enum tui_role tui_review_state_role(enum store_decision d);

#endif
