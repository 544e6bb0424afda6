/*
 * sync — the status bar's words for a worker's status.  Apart from the
 * worker and the client so that the screen, which shows a status but never
 * syncs itself, links none of libcurl.
 */
#include "sync/sync.h"

#include <stdio.h>
#include <string.h>

const struct sync_words sync_words_en = {
	.queued = "queued %lld",
	.unreadable = "queue unreadable: %s",
	.sending = " · sending %lld/%lld",
	.offline_retry = " · offline, retry in %lld s",
	.offline = " · offline",
	.refused_n = " · refused %lld",
	.refused = " · refused",
	.last_sync = " · last sync %s %s",
};

void
sync_status_describe(const struct sync_status *s, char *buf, size_t size)
{
	sync_status_describe_in(s, &sync_words_en, buf, size);
}

void
sync_status_describe_in(const struct sync_status *s, const struct sync_words *w, char *buf,
    size_t size)
{
	size_t len;

	if (size == 0)
		return;
	if (s->queued == SYNC_QUEUE_UNKNOWN)
		snprintf(buf, size, w->unreadable, s->message[0] != '\0' ? s->message : "?");
	else
		snprintf(buf, size, w->queued, (long long)s->queued);
	len = strlen(buf);
	if (s->sending && len < size)
		len += (size_t)snprintf(buf + len, size - len, w->sending,
		    (long long)s->sending_done, (long long)s->sending_total);
	if (s->offline && len < size) {
		int64_t left = s->retry_at_ms > 0 ? s->retry_at_ms - fc_monotonic_ms() : 0;

		if (left > 0)
			len += (size_t)snprintf(buf + len, size - len, w->offline_retry,
			    (long long)((left + 999) / 1000));
		else
			len += (size_t)snprintf(buf + len, size - len, "%s", w->offline);
	}
	if (s->refused > 0 && len < size)
		len += (size_t)snprintf(buf + len, size - len, w->refused_n, (long long)s->refused);
	else if (!s->offline && s->last_result == SYNC_FAILED && s->queued != SYNC_QUEUE_UNKNOWN &&
	    len < size)
		len += (size_t)snprintf(buf + len, size - len, "%s", w->refused);
	if (s->last_sync != 0 && len < size) {
		struct tm tm;
		char hhmm[8] = "";

		if (localtime_r(&s->last_sync, &tm) != NULL)
			strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
		snprintf(buf + len, size - len, w->last_sync, hhmm,
		    s->last_result == SYNC_OK ? "✓" : "✗");
	}
	/* snprintf may have cut a multi-byte character; drop a partial one. */
	len = strlen(buf);
	if (len > 0) {
		size_t i = len;

		while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
			i--;
		if (i > 0 && (unsigned char)buf[i - 1] >= 0xC0) {
			size_t need = (unsigned char)buf[i - 1] >= 0xF0 ? 4 :
			    (unsigned char)buf[i - 1] >= 0xE0 ? 3 : 2;

			if (len - (i - 1) < need)
				buf[i - 1] = '\0';
		}
	}
}
