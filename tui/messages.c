/*
 * The message table's two columns and the choice between them: see
 * messages.h.
 */
#include "tui/tui_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const english[TUI_MSG_COUNT] = {
#define TUI_MSG_EN(id, en, zh) [TUI_MSG_##id] = en,
	TUI_MESSAGES(TUI_MSG_EN)
#undef TUI_MSG_EN
};

static const char *const chinese[TUI_MSG_COUNT] = {
#define TUI_MSG_ZH(id, en, zh) [TUI_MSG_##id] = zh,
	TUI_MESSAGES(TUI_MSG_ZH)
#undef TUI_MSG_ZH
};

bool
tui_zh(const struct tui_app *app, const struct form *f)
{
	const char *l = app->lang;

	if (l[0] == '\0') {
		if (f == NULL && app->lib != NULL && form_library_count(app->lib) > 0)
			f = form_library_get(app->lib, 0);
		l = f != NULL && form_default_language(f) != NULL ? form_default_language(f) : "";
	}
	return strstr(l, "zh") != NULL || strstr(l, "中文") != NULL;
}

const char *
tui_msg(const struct tui_app *app, const struct form *f, enum tui_msg id)
{
	if ((unsigned)id >= TUI_MSG_COUNT)
		return "?";
	return tui_zh(app, f) ? chinese[id] : english[id];
}

void
tui_msgf(const struct tui_app *app, const struct form *f, char *buf, size_t size,
    enum tui_msg id, ...)
{
	va_list ap;

	va_start(ap, id);
	/* The format is the table's; the lint checks both columns take the same conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, size, tui_msg(app, f, id), ap);
#pragma GCC diagnostic pop
	va_end(ap);
}
