/*
 * The unit grid: a geo/ layer of cells, checked for what a grid must be
 * (digit codes, each once, no two cells overlapping), and the names table
 * that turns a code's prefixes into its district, street and community.
 */
#include "platform/platform.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"
#include "util/util.h"

enum level { DISTRICT, STREET, COMMUNITY, NLEVELS };
static const char *const level_names[NLEVELS] = { "district", "street", "community" };

struct place {
	enum level level;
	char *code, *name;
};

struct platform_grid {
	struct geo_layer *cells;
	struct place *places;
	size_t nplaces;
};

struct coded {
	const char *code;
	size_t feature;
};

static int
by_code(const void *a, const void *b)
{
	const struct coded *x = a, *y = b;

	return strcmp(x->code, y->code);
}

/* Every code digits only, and none twice. */
static int
check_codes(const char *path, const struct geo_layer *l, char **cause)
{
	size_t n = geo_layer_count(l);
	struct coded *order = xmalloc(n * sizeof *order);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *code = geo_layer_string(l, i, "code");

		order[i] = (struct coded){ code, i };
		if (strspn(code, "0123456789") != strlen(code) || strlen(code) > 32)
			rc = fc_fail(cause, "%s: features[%zu]: cell code '%.40s' is not up to 32 "
			    "digits", path, i, code);
	}
	if (rc == 0) {
		/* qsort is not stable: the pair is named lowest feature first */
		qsort(order, n, sizeof *order, by_code);
		for (size_t i = 1; i < n && rc == 0; i++)
			if (by_code(&order[i - 1], &order[i]) == 0) {
				size_t a = order[i - 1].feature, b = order[i].feature;

				rc = fc_fail(cause, "%s: features[%zu] and features[%zu] have the "
				    "same cell code %s", path, a < b ? a : b, a < b ? b : a,
				    order[i].code);
			}
	}
	free(order);
	return rc;
}

struct names_reader {
	const char *path;
	struct platform_grid *g;
	bool header;
	int col[3];
	char *error;
};

static int
names_row(void *ctx, unsigned line, size_t n, const char *const *cells, const unsigned *cols)
{
	static const char *const heads[3] = { "level", "code", "name" };
	struct names_reader *r = ctx;
	const char *v[3];
	struct place p = { 0 };
	size_t k;

	if (n == 0 || (n == 1 && cells[0][0] == '\0'))
		return 0;
	if (!r->header) {
		for (int c = 0; c < 3; c++) {
			r->col[c] = -1;
			for (size_t i = 0; i < n; i++)
				if (strcmp(cells[i], heads[c]) == 0)
					r->col[c] = (int)i;
			if (r->col[c] < 0)
				return fc_fail(&r->error, "%s:%u:1: error: the header needs a '%s' "
				    "column (level,code,name)", r->path, line, heads[c]);
		}
		r->header = true;
		return 0;
	}
	for (int c = 0; c < 3; c++)
		v[c] = (size_t)r->col[c] < n ? cells[r->col[c]] : "";
	for (k = 0; k < NLEVELS && strcmp(v[0], level_names[k]) != 0; k++)
		;
	if (k == NLEVELS)
		return fc_fail(&r->error, "%s:%u:%u: error: level '%.40s' is not district, street "
		    "or community", r->path, line, cols[r->col[0]], v[0]);
	if (v[1][0] == '\0' || strspn(v[1], "0123456789") != strlen(v[1]) || v[2][0] == '\0')
		return fc_fail(&r->error, "%s:%u:%u: error: a place needs a code of digits and a "
		    "name", r->path, line, (size_t)r->col[1] < n ? cols[r->col[1]] : 1);
	p.level = (enum level)k;
	p.code = xstrdup(v[1]);
	p.name = xstrdup(v[2]);
	r->g->places = xreallocarray(r->g->places, r->g->nplaces + 1, sizeof *r->g->places);
	r->g->places[r->g->nplaces++] = p;
	return 0;
}

static int
load_names(struct platform_grid *g, const char *path, char **cause)
{
	struct names_reader r = { .path = path, .g = g };
	unsigned line = 0, col = 0;
	char *data, *csv_cause = NULL;
	size_t len;
	int rc;

	if (fc_read_file(path, PLATFORM_MAX_TABLE, &data, &len, cause) != 0)
		return -1;
	rc = form_csv_rows(data, len, names_row, &r, &line, &col, &csv_cause);
	free(data);
	if (rc < 0 && r.error == NULL)
		fc_fail(&r.error, "%s:%u:%u: error: %s", path, line, col, csv_cause);
	free(csv_cause);
	if (r.error != NULL) {
		*cause = r.error;
		return -1;
	}
	return 0;
}

int
platform_grid_load(const char *path, const char *names_path, struct platform_grid **out,
    char **cause)
{
	static const char *const required[] = { "code" };
	struct platform_grid *g = xcalloc(1, sizeof *g);
	char *why = NULL, *cache = fc_cache_dir();
	int rc;

	*out = NULL;
	rc = geo_layer_load_cached(path, cache, required, 1, &g->cells, cause);
	free(cache);
	if (rc != 0 ||
	    check_codes(path, g->cells, cause) != 0)
		goto fail;
	if (geo_layer_check_disjoint(g->cells, &why) != 0) {
		fc_fail(cause, "%s: %s: a point would be in two cells", path, why);
		free(why);
		goto fail;
	}
	if (names_path != NULL && load_names(g, names_path, cause) != 0)
		goto fail;
	*out = g;
	return 0;
fail:
	platform_grid_free(g);
	return -1;
}

void
platform_grid_free(struct platform_grid *g)
{
	if (g == NULL)
		return;
	geo_layer_free(g->cells);
	for (size_t i = 0; i < g->nplaces; i++) {
		free(g->places[i].code);
		free(g->places[i].name);
	}
	free(g->places);
	free(g);
}

const char *
platform_grid_cell(const struct platform_grid *g, double lon, double lat)
{
	long i = geo_layer_locate(g->cells, lon, lat);

	return i < 0 ? NULL : geo_layer_string(g->cells, (size_t)i, "code");
}

void
platform_grid_names(const struct platform_grid *g, const char *cell, const char **district,
    const char **street, const char **community)
{
	const char **out[NLEVELS] = { district, street, community };
	size_t best[NLEVELS] = { 0 };

	for (int k = 0; k < NLEVELS; k++)
		*out[k] = "";
	for (size_t i = 0; cell != NULL && i < g->nplaces; i++) {
		const struct place *p = &g->places[i];
		size_t n = strlen(p->code);

		if (n > best[p->level] && strncmp(cell, p->code, n) == 0) {
			best[p->level] = n;
			*out[p->level] = p->name;
		}
	}
}
