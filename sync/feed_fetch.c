/*
 * sync — fetching the change feed after a sync's uploads (docs/sync-protocol.md,
 * "Change feed"): page after page, each decoded and applied by feed.c.  Kept
 * apart from feed.c, which the screen and `fieldcheck` link to read the
 * installed checklists, so that only fieldcheck-sync links the HTTP code.
 */
#include "sync/sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_MAX_PAGES   100        /* a sync's pages at most; the rest wait for the next */

enum sync_outcome
sync_feed_fetch(struct store *st, struct sync_transport *t, struct sync_feed_summary *sum, char **cause)
{
	struct fc_buf body = { 0 };
	char *cursor = NULL, *path = NULL, *why = NULL;
	char reported[STORE_HASH_LEN] = "";
	enum sync_outcome how = SYNC_DONE;
	bool restarted = false;

	memset(sum, 0, sizeof *sum);
	if (store_feed_cursor(st, &cursor, cause) != 0)
		return SYNC_LOCAL;
	for (;;) {
		struct sync_feed_page *p = NULL;
		bool report = sum->rejected_hash[0] != '\0' && strcmp(reported, sum->rejected_hash) != 0;
		long status;

		if (sum->pages >= FEED_MAX_PAGES)
			break;
		free(path);
		path = xasprintf("/v1/changes?since=%s%s%s", cursor != NULL ? cursor : "",
		    report ? "&rejected=" : "", report ? sum->rejected_hash : "");
		if (report)
			fc_strlcpy(reported, sum->rejected_hash, sizeof reported);
		how = t->get(t, path, report ? NULL : cursor, &body, SYNC_FEED_MAX_PAGE, &status, cause);
		if (how != SYNC_DONE)
			break;
		if (status == 304) {
			sum->unchanged = sum->pages == 0;
			break;
		}
		if (status == 404 || status == 501) {
			/* A depot from before the feed, or one without it (PostgreSQL): uploads only. */
			sum->no_feed = true;
			break;
		}
		if ((status == 409 || status == 403) && !restarted) {
			/* Beyond the depot's feed, or another device's: start over (applying is idempotent). */
			restarted = true;
			sum->restarted = true;
			free(cursor);
			cursor = NULL;
			continue;
		}
		if (status != 200) {
			char excerpt[160];

			snprintf(excerpt, sizeof excerpt, "%.*s", (int)(body.len < 150 ? body.len : 150),
			    body.data != NULL ? body.data : "");
			for (char *q = excerpt; *q != '\0'; q++)
				if ((unsigned char)*q < 0x20)
					*q = '?';
			fc_fail(cause, "change feed: the depot answered %ld: %s", status, excerpt);
			how = status == 401 || status == 403 || status == 400 ? SYNC_REFUSED : SYNC_TRANSIENT;
			break;
		}
		if (sync_feed_decode(body.data, body.len, &p, &why) != 0) {
			fc_fail(cause, "change feed: the depot's page is malformed (%s); nothing of it applied", why);
			free(why);
			how = SYNC_TRANSIENT;
			break;
		}
		sum->pages++;
		if (sync_feed_apply(st, p, sum, cause) != 0) {
			sync_feed_page_free(p);
			how = SYNC_LOCAL;
			break;
		}
		free(cursor);
		cursor = xstrdup(p->cursor);
		if (!p->more && !(sum->rejected_hash[0] != '\0' && strcmp(reported, sum->rejected_hash) != 0)) {
			sync_feed_page_free(p);
			break;
		}
		sync_feed_page_free(p);
	}
	free(body.data);
	free(path);
	free(cursor);
	return how;
}

void
sync_feed_poll(struct store *st, struct sync_transport *t, struct sync_status *s)
{
	struct sync_feed_summary sum;
	char *why = NULL;

	/* A failure waits for the next sync: uploads are what the status reports. */
	if (sync_feed_fetch(st, t, &sum, &why) == SYNC_DONE &&
	    sum.checklists + sum.tasks + sum.decisions > 0) {
		s->feed_seq++;
		s->feed_checklists = (uint32_t)sum.checklists;
		s->feed_tasks = (uint32_t)sum.tasks;
		s->feed_decisions = (uint32_t)sum.decisions;
	}
	free(why);
}
