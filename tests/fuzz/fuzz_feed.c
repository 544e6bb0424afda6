/*
 * libFuzzer harness for the change feed's decoder (sync_feed_decode): the
 * input is a page as the depot would send it.  Whatever it is, the decoder
 * must neither crash nor leak, and a page it accepts holds only changes
 * within their bounds (checked here again), so applying it cannot write
 * past a field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_feed_page *p = NULL;
	char *cause = NULL;

	if (sync_feed_decode((const char *)data, size, &p, &cause) != 0) {
		if (cause == NULL)
			abort();   /* a refusal always says why */
		free(cause);
		return 0;
	}
	for (size_t i = 0; i < p->count; i++) {
		const struct store_change *c = p->changes[i];

		if (c->kind == STORE_CHANGE_TASK && (!fc_valid_uuid(c->task.uuid) ||
		    strlen(c->task.asset) >= sizeof c->task.asset))
			abort();
		if (c->kind == STORE_CHANGE_CHECKLIST && (c->checklist.csv == NULL ||
		    strlen(c->checklist.hash) != 64))
			abort();
		if (c->kind == STORE_CHANGE_DECISION && c->decision.decision == STORE_UNREVIEWED)
			abort();
	}
	sync_feed_page_free(p);
	return 0;
}
