/*
 * libFuzzer harness for the key decoder (tui/input.c): the input is what a
 * terminal sends, byte by byte, with 0xff standing for "time passes" (the
 * poll loop's timeout expiring).  Whatever arrives, the decoder must stay
 * within its bounds and never deliver a sequence as Esc followed by its
 * introducer ("[" or "O"): that was how Home typed "[1~" into an answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tui/tui_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_input in;
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	int64_t now = 1000;
	int last = 0;

	tui_input_init(&in);
	for (size_t i = 0; i < size; i++) {
		size_t n;

		if (data[i] == 0xff) {
			now += TUI_INPUT_ESC_MS + 1000;
			n = tui_input_expire(&in, now, ev);
		} else {
			n = tui_input_feed(&in, TUI_CH(data[i]), now++, ev);
		}
		if (n > TUI_INPUT_EVENTS_MAX || in.len > TUI_INPUT_SEQ_MAX)
			abort();
		for (size_t k = 0; k < n; k++) {
			if (last == TUI_CH(27) && (ev[k].key == TUI_CH('[') || ev[k].key == TUI_CH('O')) &&
			    k > 0)
				abort();
			last = ev[k].key;
		}
		if (n == 0)
			last = 0;
	}
	return 0;
}
