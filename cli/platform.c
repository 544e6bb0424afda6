/*
 * The platform's tables as the commands find them: the shipped code table
 * with the city's over it (--codes FILE, else the configuration's `codes`),
 * and the unit grid (--grid FILE, else `grid`) with its names table
 * (--grid-names FILE, else `grid_names`).  docs/platform.md.
 */
#include "cli/cli.h"

#include <stdlib.h>

#include "platform/platform.h"
#include "util/util.h"

static const char *
configured(const char *given, const char *key)
{
	struct fc_config *cfg;

	if (given != NULL)
		return given;
	cfg = cli_config();
	return cfg != NULL ? fc_config_get(cfg, key) : NULL;
}

struct platform_codes *
cli_load_codes(const char *city, char **cause)
{
	return platform_codes_load_city(configured(city, "codes"), cause);
}

int
cli_load_grid(const char *grid, const char *names, struct platform_grid **out, char **cause)
{
	*out = NULL;
	grid = configured(grid, "grid");
	names = configured(names, "grid_names");
	if (grid == NULL)
		return names == NULL ? 0 : fc_fail(cause, "a names table (%s) needs a grid file "
		    "(--grid FILE or `grid` in the configuration)", names);
	return platform_grid_load(grid, names, out, cause);
}

struct platform_grid *
cli_screen_grid(void)
{
	struct platform_grid *grid = NULL;
	char *cause = NULL;

	if (cli_load_grid(NULL, NULL, &grid, &cause) != 0) {
		cli_error("warning: %s; the screen shows no grid cells (the depot's export still "
		    "computes them) / 单元网格文件无法读取，屏幕不显示网格", cause);
		free(cause);
	}
	return grid;
}
