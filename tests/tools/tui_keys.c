/*
 * tui_keys — prints the screen's key table (tui/tui_internal.h, TUI_KEYS) as
 * the Markdown table docs/tui.md carries, so the document and the help
 * screen come from one table.  test_screen.sh compares the two;
 * `build/tools/tui_keys` regenerates the section.
 */
#include <stdio.h>

#include "tui/tui_internal.h"

int
main(void)
{
	for (int g = 0; g < TUI_GROUP_COUNT; g++) {
		printf("%s**%s · %s**\n\n| Keys | Action | 操作 |\n|---|---|---|\n", g ? "\n" : "",
		    tui_key_group_name((enum tui_key_group)g, false),
		    tui_key_group_name((enum tui_key_group)g, true));
		for (int a = 1; a < TUI_ACT_COUNT; a++)
			if (tui_key_group_of((enum tui_action)a) == (enum tui_key_group)g)
				printf("| %s | %s | %s |\n", tui_key_names((enum tui_action)a),
				    tui_key_help((enum tui_action)a, false),
				    tui_key_help((enum tui_action)a, true));
	}
	return 0;
}
