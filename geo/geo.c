/*
 * The polygon layer: GeoJSON read through jansson, rings kept as flat
 * arrays of doubles, and a uniform grid of buckets over the layer's extent
 * as the spatial index.  A bucket lists, in feature order, every feature
 * whose bounding box meets it, so a lookup reads one bucket and tests the
 * few polygons there; with about one bucket per feature a tiling of unit
 * cells costs a handful of point-in-polygon tests per point whatever the
 * city's size.  The rules are in geo.h.
 */
#include "geo/geo.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

struct geo_ring {
	size_t first, count;   /* positions pts[first .. first+count), closed: last == first */
	unsigned poly, index;  /* polygon of the feature, ring of the polygon (for messages) */
};

/* A string or number property (the only kinds geo.h gives out); key and str index text. */
struct geo_prop {
	size_t key, str;       /* str: SIZE_MAX for a number */
	double num;
};

struct geo_feature {
	size_t ring_first, ring_count;
	size_t prop_first, prop_count;
	double bbox[4];        /* west, south, east, north */
};

struct geo_layer {
	double *x, *y;         /* longitude, latitude of every position */
	size_t npts, cap_pts;
	struct geo_ring *rings;
	size_t nrings, cap_rings;
	struct geo_feature *feat;
	size_t nfeat;
	struct geo_prop *props;
	size_t nprops, cap_props;
	char *text;            /* NUL-terminated property keys and strings */
	size_t ntext, cap_text;
	bool cached;           /* read from the cache, not parsed */
	/* The index: nx * ny buckets over extent; bucket b lists items[start[b] .. start[b+1]). */
	double extent[4], cw, ch;
	size_t nx, ny;
	size_t *start, *items;
};

size_t
geo_layer_ring_count(const struct geo_layer *l, size_t i)
{
	return l->feat[i].ring_count;
}

void
geo_layer_ring(const struct geo_layer *l, size_t i, size_t r, unsigned *poly, unsigned *index,
    const double **lon, const double **lat, size_t *n)
{
	const struct geo_ring *g = &l->rings[l->feat[i].ring_first + r];

	*poly = g->poly;
	*index = g->index;
	*lon = l->x + g->first;
	*lat = l->y + g->first;
	*n = g->count;
}

/* ---- Geometry ---- */

/* Sign of the turn a -> b -> c: > 0 left, < 0 right, 0 collinear. */
static double
orient(double ax, double ay, double bx, double by, double cx, double cy)
{
	return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

static bool
within(double a, double b, double v)
{
	return v >= fmin(a, b) && v <= fmax(a, b);
}

/* Whether c, collinear with a-b, lies on the segment a-b. */
static bool
on_segment(double ax, double ay, double bx, double by, double cx, double cy)
{
	return within(ax, bx, cx) && within(ay, by, cy);
}

static int
sign(double v)
{
	return (v > 0) - (v < 0);
}

/* Whether segments p1-p2 and p3-p4 meet; with proper, only when they cross at one inner point. */
static bool
segments_meet(const double *p1, const double *p2, const double *p3, const double *p4, bool proper)
{
	int d1 = sign(orient(p3[0], p3[1], p4[0], p4[1], p1[0], p1[1]));
	int d2 = sign(orient(p3[0], p3[1], p4[0], p4[1], p2[0], p2[1]));
	int d3 = sign(orient(p1[0], p1[1], p2[0], p2[1], p3[0], p3[1]));
	int d4 = sign(orient(p1[0], p1[1], p2[0], p2[1], p4[0], p4[1]));

	if (d1 * d2 < 0 && d3 * d4 < 0)
		return true;
	if (proper)
		return false;
	return (d1 == 0 && on_segment(p3[0], p3[1], p4[0], p4[1], p1[0], p1[1])) ||
	    (d2 == 0 && on_segment(p3[0], p3[1], p4[0], p4[1], p2[0], p2[1])) ||
	    (d3 == 0 && on_segment(p1[0], p1[1], p2[0], p2[1], p3[0], p3[1])) ||
	    (d4 == 0 && on_segment(p1[0], p1[1], p2[0], p2[1], p4[0], p4[1]));
}

/*
 * The even-odd crossing of one ring by the ray from (x, y) to the east, each
 * edge taken from its southern end (geo.h, "Points on edges").
 */
static bool
ring_crossings_odd(const struct geo_layer *l, const struct geo_ring *r, double x, double y)
{
	const double *px = l->x + r->first, *py = l->y + r->first;
	bool odd = false;

	for (size_t i = 1; i < r->count; i++) {
		double ax = px[i - 1], ay = py[i - 1], bx = px[i], by = py[i];

		if (ay > by) {
			double t = ax;

			ax = bx, bx = t;
			t = ay, ay = by, by = t;
		}
		if (ay <= y && y < by && x < ax + (y - ay) * (bx - ax) / (by - ay))
			odd = !odd;
	}
	return odd;
}

static bool
in_bbox(const double b[4], double x, double y)
{
	return x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
}

bool
geo_layer_contains(const struct geo_layer *l, size_t i, double lon, double lat)
{
	const struct geo_feature *f;
	bool inside = false;

	if (i >= l->nfeat)
		return false;
	f = &l->feat[i];
	if (!in_bbox(f->bbox, lon, lat))
		return false;
	for (size_t r = 0; r < f->ring_count; r++)
		if (ring_crossings_odd(l, &l->rings[f->ring_first + r], lon, lat))
			inside = !inside;
	return inside;
}

/* Whether (x, y) lies on an edge of feature i. */
static bool
on_boundary(const struct geo_layer *l, size_t i, double x, double y)
{
	const struct geo_feature *f = &l->feat[i];

	for (size_t r = 0; r < f->ring_count; r++) {
		const struct geo_ring *g = &l->rings[f->ring_first + r];

		for (size_t k = g->first + 1; k < g->first + g->count; k++)
			if (orient(l->x[k - 1], l->y[k - 1], l->x[k], l->y[k], x, y) == 0 &&
			    on_segment(l->x[k - 1], l->y[k - 1], l->x[k], l->y[k], x, y))
				return true;
	}
	return false;
}

static bool
strictly_inside(const struct geo_layer *l, size_t i, double x, double y)
{
	return geo_layer_contains(l, i, x, y) && !on_boundary(l, i, x, y);
}

/* ---- Loading ---- */

static int
feature_fail(char **cause, const char *name, size_t fi, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int
feature_fail(char **cause, const char *name, size_t fi, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	fc_fail(cause, "%s: features[%zu]: %s", name, fi, what);
	free(what);
	return -1;
}

static void
push_point(struct geo_layer *l, double x, double y)
{
	if (l->npts == l->cap_pts) {
		l->cap_pts = l->cap_pts ? l->cap_pts * 2 : 1024;
		l->x = xreallocarray(l->x, l->cap_pts, sizeof *l->x);
		l->y = xreallocarray(l->y, l->cap_pts, sizeof *l->y);
	}
	l->x[l->npts] = x;
	l->y[l->npts] = y;
	l->npts++;
}

/* Edge k of a ring runs from its position k to k+1; compares edges by west end. */
static int
by_west(const void *a, const void *b, void *ring_x)
{
	const double *x = ring_x;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double wi = fmin(x[i], x[i + 1]), wj = fmin(x[j], x[j + 1]);

	return (wi > wj) - (wi < wj);
}

/*
 * Whether two edges of ring g that are not neighbours meet: a sweep from
 * west to east, so a ring of n edges costs about n log n, not n².
 */
static bool
ring_self_intersects(const struct geo_layer *l, const struct geo_ring *g)
{
	size_t n = g->count - 1, *order = xmalloc(n * sizeof *order);
	bool hit = false;

	for (size_t k = 0; k < n; k++)
		order[k] = k;
	qsort_r(order, n, sizeof *order, by_west, l->x + g->first);
	for (size_t a = 0; a < n && !hit; a++) {
		size_t i = order[a];
		double p1[2] = { l->x[g->first + i], l->y[g->first + i] };
		double p2[2] = { l->x[g->first + i + 1], l->y[g->first + i + 1] };
		double east = fmax(p1[0], p2[0]);

		for (size_t b = a + 1; b < n && !hit; b++) {
			size_t j = order[b];
			double p3[2] = { l->x[g->first + j], l->y[g->first + j] };
			double p4[2] = { l->x[g->first + j + 1], l->y[g->first + j + 1] };
			size_t d = i > j ? i - j : j - i;

			if (fmin(p3[0], p4[0]) > east)
				break;
			if (d == 1 || d == n - 1)
				continue;   /* neighbours share their common vertex */
			hit = segments_meet(p1, p2, p3, p4, false);
		}
	}
	free(order);
	return hit;
}

/* One ring: an array of at least four positions, closed, in range, simple. */
static int
load_ring(struct geo_layer *l, json_t *ring, const char *name, size_t fi, unsigned poly,
    unsigned index, char **cause)
{
	size_t n = json_is_array(ring) ? json_array_size(ring) : 0;
	struct geo_ring g = { .first = l->npts, .count = n, .poly = poly, .index = index };

	if (!json_is_array(ring))
		return feature_fail(cause, name, fi, "polygon %u, ring %u is not an array of "
		    "positions", poly, index);
	if (n < 4)
		return feature_fail(cause, name, fi, "polygon %u, ring %u has %zu position%s; a "
		    "ring needs at least 4 (the last repeating the first)", poly, index, n,
		    n == 1 ? "" : "s");
	if (n > GEO_MAX_RING)
		return feature_fail(cause, name, fi, "polygon %u, ring %u has %zu positions, more "
		    "than %u", poly, index, n, GEO_MAX_RING);
	for (size_t k = 0; k < n; k++) {
		json_t *p = json_array_get(ring, k);
		double lon, lat;

		if (!json_is_array(p) || json_array_size(p) < 2 ||
		    !json_is_number(json_array_get(p, 0)) || !json_is_number(json_array_get(p, 1)))
			return feature_fail(cause, name, fi, "polygon %u, ring %u, position %zu is "
			    "not [longitude, latitude]", poly, index, k);
		lon = json_number_value(json_array_get(p, 0));
		lat = json_number_value(json_array_get(p, 1));
		if (fabs(lat) > 90 && fabs(lon) <= 90 && fabs(lat) <= 180)
			return feature_fail(cause, name, fi, "polygon %u, ring %u, position %zu "
			    "[%g, %g]: latitude and longitude look swapped (GeoJSON positions are "
			    "[longitude, latitude])", poly, index, k, lon, lat);
		if (fabs(lon) > 180 || fabs(lat) > 90)
			return feature_fail(cause, name, fi, "polygon %u, ring %u, position %zu "
			    "[%g, %g] is out of range (longitude -180..180, latitude -90..90)", poly,
			    index, k, lon, lat);
		push_point(l, lon, lat);
	}
	if (l->x[g.first] != l->x[g.first + n - 1] || l->y[g.first] != l->y[g.first + n - 1])
		return feature_fail(cause, name, fi, "polygon %u, ring %u is open: its last "
		    "position [%g, %g] is not its first [%g, %g]", poly, index,
		    l->x[g.first + n - 1], l->y[g.first + n - 1], l->x[g.first], l->y[g.first]);
	if (ring_self_intersects(l, &g))
		return feature_fail(cause, name, fi, "polygon %u, ring %u intersects itself", poly,
		    index);
	if (l->nrings == l->cap_rings) {
		l->cap_rings = l->cap_rings ? l->cap_rings * 2 : 256;
		l->rings = xreallocarray(l->rings, l->cap_rings, sizeof *l->rings);
	}
	l->rings[l->nrings++] = g;
	return 0;
}

/* The rings of one Polygon's coordinates. */
static int
load_polygon(struct geo_layer *l, json_t *coords, const char *name, size_t fi, unsigned poly,
    char **cause)
{
	if (!json_is_array(coords) || json_array_size(coords) == 0)
		return feature_fail(cause, name, fi, "polygon %u is empty: a polygon is an array "
		    "of rings, the outer one first", poly);
	for (size_t r = 0; r < json_array_size(coords); r++)
		if (load_ring(l, json_array_get(coords, r), name, fi, poly, (unsigned)r, cause) != 0)
			return -1;
	return 0;
}

static size_t
keep_text(struct geo_layer *l, const char *t)
{
	size_t n = strlen(t) + 1, at = l->ntext;

	if (l->ntext + n > l->cap_text) {
		l->cap_text = (l->ntext + n) * 2;
		l->text = xreallocarray(l->text, l->cap_text, 1);
	}
	memcpy(l->text + at, t, n);
	l->ntext += n;
	return at;
}

/* The feature's string and number properties, kept flat (props: an object or NULL). */
static void
keep_props(struct geo_layer *l, struct geo_feature *f, json_t *props)
{
	const char *key;
	json_t *v;

	f->prop_first = l->nprops;
	json_object_foreach(props, key, v) {
		struct geo_prop p = { .str = SIZE_MAX };

		if (!json_is_string(v) && !json_is_number(v))
			continue;
		if (l->nprops == l->cap_props) {
			l->cap_props = l->cap_props ? l->cap_props * 2 : 256;
			l->props = xreallocarray(l->props, l->cap_props, sizeof *l->props);
		}
		p.key = keep_text(l, key);
		if (json_is_string(v))
			p.str = keep_text(l, json_string_value(v));
		else
			p.num = json_number_value(v);
		l->props[l->nprops++] = p;
	}
	f->prop_count = l->nprops - f->prop_first;
}

static int
load_feature(struct geo_layer *l, json_t *feat, const char *name, size_t fi,
    const char *const *required, size_t nrequired, char **cause)
{
	struct geo_feature *f = &l->feat[fi];
	json_t *geom, *props, *coords;
	const char *type;

	f->ring_first = l->nrings;
	if (!json_is_object(feat) || !json_is_string(json_object_get(feat, "type")) ||
	    strcmp(json_string_value(json_object_get(feat, "type")), "Feature") != 0)
		return feature_fail(cause, name, fi, "not a Feature object");
	props = json_object_get(feat, "properties");
	if (props != NULL && !json_is_object(props) && !json_is_null(props))
		return feature_fail(cause, name, fi, "properties is not an object");
	for (size_t k = 0; k < nrequired; k++) {
		json_t *v = json_is_object(props) ? json_object_get(props, required[k]) : NULL;

		if (v == NULL)
			return feature_fail(cause, name, fi, "property '%s' is missing", required[k]);
		if (!json_is_string(v) || json_string_length(v) == 0)
			return feature_fail(cause, name, fi, "property '%s' must be a non-empty "
			    "string", required[k]);
	}
	keep_props(l, f, props);
	geom = json_object_get(feat, "geometry");
	if (geom == NULL || json_is_null(geom))
		return feature_fail(cause, name, fi, "empty geometry (null)");
	if (!json_is_object(geom) || !json_is_string(json_object_get(geom, "type")))
		return feature_fail(cause, name, fi, "geometry is not a GeoJSON geometry object");
	type = json_string_value(json_object_get(geom, "type"));
	coords = json_object_get(geom, "coordinates");
	if (strcmp(type, "Polygon") == 0) {
		if (load_polygon(l, coords, name, fi, 0, cause) != 0)
			return -1;
	} else if (strcmp(type, "MultiPolygon") == 0) {
		if (!json_is_array(coords) || json_array_size(coords) == 0)
			return feature_fail(cause, name, fi, "empty geometry (a MultiPolygon without "
			    "polygons)");
		for (size_t p = 0; p < json_array_size(coords); p++)
			if (load_polygon(l, json_array_get(coords, p), name, fi, (unsigned)p,
			    cause) != 0)
				return -1;
	} else
		return feature_fail(cause, name, fi, "geometry is a %.40s, not a Polygon or "
		    "MultiPolygon", type);
	f->ring_count = l->nrings - f->ring_first;
	f->bbox[0] = f->bbox[1] = INFINITY;
	f->bbox[2] = f->bbox[3] = -INFINITY;
	for (size_t r = 0; r < f->ring_count; r++) {
		const struct geo_ring *g = &l->rings[f->ring_first + r];

		for (size_t k = g->first; k < g->first + g->count; k++) {
			f->bbox[0] = fmin(f->bbox[0], l->x[k]);
			f->bbox[1] = fmin(f->bbox[1], l->y[k]);
			f->bbox[2] = fmax(f->bbox[2], l->x[k]);
			f->bbox[3] = fmax(f->bbox[3], l->y[k]);
		}
	}
	return 0;
}

static size_t
bucket_col(const struct geo_layer *l, double x)
{
	double c = floor((x - l->extent[0]) / l->cw);

	return c <= 0 ? 0 : c >= (double)l->nx ? l->nx - 1 : (size_t)c;
}

static size_t
bucket_row(const struct geo_layer *l, double y)
{
	double r = floor((y - l->extent[1]) / l->ch);

	return r <= 0 ? 0 : r >= (double)l->ny ? l->ny - 1 : (size_t)r;
}

/*
 * The uniform grid: about one bucket per feature, shaped like the extent.
 * A file of many features each covering most of the extent would list
 * them in most buckets: past GEO_MAX_INDEX entries it is refused.
 */
#define GEO_MAX_INDEX (64u * 1024 * 1024)
static int
build_index(struct geo_layer *l, const char *name, char **cause)
{
	double w, h;
	size_t nb, *fill = NULL, entries = 0;

	l->extent[0] = l->extent[1] = INFINITY;
	l->extent[2] = l->extent[3] = -INFINITY;
	for (size_t i = 0; i < l->nfeat; i++) {
		l->extent[0] = fmin(l->extent[0], l->feat[i].bbox[0]);
		l->extent[1] = fmin(l->extent[1], l->feat[i].bbox[1]);
		l->extent[2] = fmax(l->extent[2], l->feat[i].bbox[2]);
		l->extent[3] = fmax(l->extent[3], l->feat[i].bbox[3]);
	}
	w = fmax(l->extent[2] - l->extent[0], 1e-9);
	h = fmax(l->extent[3] - l->extent[1], 1e-9);
	l->nx = (size_t)fmax(1, fmin(4096, ceil(sqrt((double)l->nfeat * w / h))));
	l->ny = (size_t)fmax(1, fmin(4096, ceil((double)l->nfeat / (double)l->nx)));
	l->cw = w / (double)l->nx;
	l->ch = h / (double)l->ny;
	nb = l->nx * l->ny;
	l->start = xcalloc(nb + 1, sizeof *l->start);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->nfeat; i++) {
			const double *b = l->feat[i].bbox;
			size_t c0 = bucket_col(l, b[0]), c1 = bucket_col(l, b[2]);
			size_t r0 = bucket_row(l, b[1]), r1 = bucket_row(l, b[3]);

			entries += (c1 - c0 + 1) * (r1 - r0 + 1);
			if (pass == 0 && entries > GEO_MAX_INDEX)
				return fc_fail(cause, "%s: the features overlap too much to index (more "
				    "than %u entries)", name, GEO_MAX_INDEX);
			for (size_t r = r0; r <= r1; r++)
				for (size_t c = c0; c <= c1; c++) {
					if (pass == 0)
						l->start[r * l->nx + c + 1]++;
					else
						l->items[fill[r * l->nx + c]++] = i;
				}
		}
		if (pass == 0) {
			for (size_t b = 0; b < nb; b++)
				l->start[b + 1] += l->start[b];
			l->items = xmalloc((l->start[nb] + 1) * sizeof *l->items);
			fill = xmalloc(nb * sizeof *fill);
			memcpy(fill, l->start, nb * sizeof *fill);
		}
	}
	free(fill);
	return 0;
}

int
geo_layer_load_buffer(const char *name, const char *data, size_t len,
    const char *const *required, size_t nrequired, struct geo_layer **out, char **cause)
{
	json_error_t err;
	json_t *root, *features, *type;
	struct geo_layer *l = NULL;

	*out = NULL;
	if (len > GEO_MAX_FILE)
		return fc_fail(cause, "%s: %zu bytes, more than %u", name, len, GEO_MAX_FILE);
	if ((root = json_loadb(data, len, 0, &err)) == NULL)
		return fc_fail(cause, "%s:%d:%d: not JSON: %s", name, err.line, err.column, err.text);
	type = json_object_get(root, "type");
	features = json_object_get(root, "features");
	if (!json_is_string(type) || strcmp(json_string_value(type), "FeatureCollection") != 0 ||
	    !json_is_array(features)) {
		fc_fail(cause, "%s: not a GeoJSON FeatureCollection (an object with \"type\": "
		    "\"FeatureCollection\" and a \"features\" array)", name);
		goto fail;
	}
	if (json_array_size(features) == 0) {
		fc_fail(cause, "%s: the FeatureCollection has no features", name);
		goto fail;
	}
	if (json_array_size(features) > GEO_MAX_FEATURES) {
		fc_fail(cause, "%s: %zu features, more than %u", name, json_array_size(features),
		    GEO_MAX_FEATURES);
		goto fail;
	}
	l = xcalloc(1, sizeof *l);
	l->feat = xcalloc(json_array_size(features), sizeof *l->feat);
	for (size_t i = 0; i < json_array_size(features); i++) {
		l->nfeat = i + 1;   /* so that geo_layer_free releases this one's properties */
		if (load_feature(l, json_array_get(features, i), name, i, required, nrequired,
		    cause) != 0)
			goto fail;
	}
	if (build_index(l, name, cause) != 0)
		goto fail;
	json_decref(root);
	*out = l;
	return 0;
fail:
	json_decref(root);
	geo_layer_free(l);
	return -1;
}

int
geo_layer_load(const char *path, const char *const *required, size_t nrequired,
    struct geo_layer **out, char **cause)
{
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	if (fc_read_file(path, GEO_MAX_FILE, &data, &len, cause) != 0)
		return -1;
	rc = geo_layer_load_buffer(path, data, len, required, nrequired, out, cause);
	free(data);
	return rc;
}

void
geo_layer_free(struct geo_layer *l)
{
	if (l == NULL)
		return;
	free(l->feat);
	free(l->props);
	free(l->text);
	free(l->x);
	free(l->y);
	free(l->rings);
	free(l->start);
	free(l->items);
	free(l);
}

/* ---- Queries ---- */

size_t
geo_layer_count(const struct geo_layer *l)
{
	return l->nfeat;
}

static const struct geo_prop *
find_prop(const struct geo_layer *l, size_t i, const char *name)
{
	if (i >= l->nfeat)
		return NULL;
	for (size_t k = l->feat[i].prop_first; k < l->feat[i].prop_first + l->feat[i].prop_count; k++)
		if (strcmp(l->text + l->props[k].key, name) == 0)
			return &l->props[k];
	return NULL;
}

const char *
geo_layer_string(const struct geo_layer *l, size_t i, const char *name)
{
	const struct geo_prop *p = find_prop(l, i, name);

	return p != NULL && p->str != SIZE_MAX ? l->text + p->str : NULL;
}

int
geo_layer_number(const struct geo_layer *l, size_t i, const char *name, double *out)
{
	const struct geo_prop *p = find_prop(l, i, name);

	if (p == NULL || p->str != SIZE_MAX)
		return -1;
	*out = p->num;
	return 0;
}

void
geo_layer_bbox(const struct geo_layer *l, size_t i, double bbox[4])
{
	memcpy(bbox, l->feat[i].bbox, 4 * sizeof bbox[0]);
}

size_t
geo_layer_locate_all(const struct geo_layer *l, double lon, double lat, size_t *out, size_t max)
{
	size_t b, n = 0;

	if (!in_bbox(l->extent, lon, lat))
		return 0;
	b = bucket_row(l, lat) * l->nx + bucket_col(l, lon);
	for (size_t k = l->start[b]; k < l->start[b + 1]; k++)
		if (geo_layer_contains(l, l->items[k], lon, lat)) {
			if (n < max)
				out[n] = l->items[k];
			n++;
		}
	return n;
}

long
geo_layer_locate(const struct geo_layer *l, double lon, double lat)
{
	size_t first;

	return geo_layer_locate_all(l, lon, lat, &first, 1) > 0 ? (long)first : -1;
}

long
geo_layer_locate_scan(const struct geo_layer *l, double lon, double lat)
{
	for (size_t i = 0; i < l->nfeat; i++)
		if (geo_layer_contains(l, i, lon, lat))
			return (long)i;
	return -1;
}

/* Whether feature a has an edge crossing b's, or a vertex or edge midpoint strictly inside b. */
static bool
reaches_into(const struct geo_layer *l, size_t a, size_t b)
{
	const struct geo_feature *fa = &l->feat[a], *fb = &l->feat[b];

	for (size_t r = 0; r < fa->ring_count; r++) {
		const struct geo_ring *g = &l->rings[fa->ring_first + r];

		for (size_t k = g->first; k + 1 < g->first + g->count; k++) {
			double p1[2] = { l->x[k], l->y[k] }, p2[2] = { l->x[k + 1], l->y[k + 1] };

			if (strictly_inside(l, b, p1[0], p1[1]) ||
			    strictly_inside(l, b, (p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2))
				return true;
			for (size_t s = 0; s < fb->ring_count; s++) {
				const struct geo_ring *h = &l->rings[fb->ring_first + s];

				for (size_t m = h->first; m + 1 < h->first + h->count; m++) {
					double p3[2] = { l->x[m], l->y[m] };
					double p4[2] = { l->x[m + 1], l->y[m + 1] };

					if (segments_meet(p1, p2, p3, p4, true))
						return true;
				}
			}
		}
	}
	return false;
}

/* Whether the centre of a's box is strictly inside both: catches two copies of one cell. */
static bool
share_centre(const struct geo_layer *l, size_t a, size_t b)
{
	const double *bb = l->feat[a].bbox;
	double x = (bb[0] + bb[2]) / 2, y = (bb[1] + bb[3]) / 2;

	return strictly_inside(l, a, x, y) && strictly_inside(l, b, x, y);
}

int
geo_layer_check_disjoint(const struct geo_layer *l, char **cause)
{
	for (size_t bk = 0; bk < l->nx * l->ny; bk++)
		for (size_t i = l->start[bk]; i < l->start[bk + 1]; i++)
			for (size_t j = i + 1; j < l->start[bk + 1]; j++) {
				size_t a = l->items[i], b = l->items[j];
				const double *ba = l->feat[a].bbox, *bb = l->feat[b].bbox;

				if (ba[0] >= bb[2] || bb[0] >= ba[2] || ba[1] >= bb[3] ||
				    bb[1] >= ba[3])
					continue;
				if (reaches_into(l, a, b) || reaches_into(l, b, a) ||
				    share_centre(l, a, b) || share_centre(l, b, a))
					return fc_fail(cause, "features[%zu] and features[%zu] overlap",
					    a, b);
			}
	return 0;
}

/* ---- The cache ---- */

/*
 * Parsing a city's grid (20,000 cells, 4 MB of GeoJSON) through jansson
 * costs several times the export of a day's cases that uses it, and the
 * file rarely changes.  So a layer, once parsed and checked, is written to
 * a cache file named by a BLAKE2b hash of the file's bytes and the required
 * properties, and read back from there while the file is the same.  The
 * cache file is a header, the layer's arrays as they are in memory, and a
 * BLAKE2b of all that; a cache file that does not check out in every size,
 * offset and byte is ignored and the GeoJSON parsed again.
 */
#define CACHE_MAGIC "FCGEO\001\000\000"

struct cache_header {
	char magic[8];
	uint32_t endian, sizes;
	uint64_t npts, nrings, nfeat, nprops, ntext;
};

static uint32_t
cache_sizes(void)
{
	return (uint32_t)(sizeof(size_t) | sizeof(struct geo_ring) << 8 |
	    sizeof(struct geo_feature) << 16 | sizeof(struct geo_prop) << 24);
}

/* The cache file's name for len bytes of data loaded with required.  Caller frees. */
static char *
cache_name(const char *dir, const char *data, size_t len, const char *const *required,
    size_t nrequired)
{
	crypto_generichash_state st;
	unsigned char h[32];
	char hex[65];

	crypto_generichash_init(&st, (const unsigned char *)CACHE_MAGIC, 8, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)data, len);
	for (size_t k = 0; k < nrequired; k++)
		crypto_generichash_update(&st, (const unsigned char *)required[k],
		    strlen(required[k]) + 1);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return xasprintf("%s/%s.geo", dir, hex);
}

struct cache_part {
	void *data;
	size_t size;
};

static void
cache_parts(const struct geo_layer *l, struct cache_part part[6])
{
	part[0] = (struct cache_part){ l->x, l->npts * sizeof *l->x };
	part[1] = (struct cache_part){ l->y, l->npts * sizeof *l->y };
	part[2] = (struct cache_part){ l->rings, l->nrings * sizeof *l->rings };
	part[3] = (struct cache_part){ l->feat, l->nfeat * sizeof *l->feat };
	part[4] = (struct cache_part){ l->props, l->nprops * sizeof *l->props };
	part[5] = (struct cache_part){ l->text, l->ntext };
}

/* Best effort: a cache that cannot be written only costs the next load its parse. */
static void
cache_save(const struct geo_layer *l, const char *file)
{
	struct cache_header h = { .endian = 0x01020304, .sizes = cache_sizes(),
	    .npts = l->npts, .nrings = l->nrings, .nfeat = l->nfeat, .nprops = l->nprops,
	    .ntext = l->ntext };
	struct cache_part part[6];
	crypto_generichash_state st;
	unsigned char sum[32];
	char *tmp = xasprintf("%s.XXXXXX", file), *cause = NULL;
	FILE *f;
	int fd;
	bool ok;

	memcpy(h.magic, CACHE_MAGIC, 8);
	cache_parts(l, part);
	if (fc_mkdir_parents(file, &cause) != 0 || (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		free(cause);
		free(tmp);
		return;
	}
	f = fdopen(fd, "wb");
	crypto_generichash_init(&st, NULL, 0, sizeof sum);
	crypto_generichash_update(&st, (const unsigned char *)&h, sizeof h);
	ok = f != NULL && fwrite(&h, sizeof h, 1, f) == 1;
	for (int i = 0; i < 6 && ok; i++) {
		crypto_generichash_update(&st, part[i].data, part[i].size);
		ok = part[i].size == 0 || fwrite(part[i].data, part[i].size, 1, f) == 1;
	}
	crypto_generichash_final(&st, sum, sizeof sum);
	ok = ok && fwrite(sum, sizeof sum, 1, f) == 1;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	else
		close(fd);
	if (!ok || rename(tmp, file) != 0)
		unlink(tmp);
	free(tmp);
}

/* The layer in cache file data, checked whole; NULL when it does not check out. */
static struct geo_layer *
cache_read(const char *data, size_t len)
{
	struct cache_header h;
	struct cache_part part[6];
	struct geo_layer *l;
	unsigned char sum[32];
	size_t at = sizeof h, need = sizeof h + 32;

	if (len < need)
		return NULL;
	memcpy(&h, data, sizeof h);
	if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.endian != 0x01020304 ||
	    h.sizes != cache_sizes() || h.nfeat == 0 || h.nfeat > GEO_MAX_FEATURES ||
	    h.npts > len || h.nrings > len || h.nprops > len || h.ntext > len)
		return NULL;
	need += h.npts * 2 * sizeof(double) + h.nrings * sizeof(struct geo_ring) +
	    h.nfeat * sizeof(struct geo_feature) + h.nprops * sizeof(struct geo_prop) + h.ntext;
	crypto_generichash(sum, sizeof sum, (const unsigned char *)data, len - 32, NULL, 0);
	if (need != len || sodium_memcmp(sum, data + len - 32, 32) != 0)
		return NULL;
	l = xcalloc(1, sizeof *l);
	l->npts = l->cap_pts = h.npts;
	l->nrings = l->cap_rings = h.nrings;
	l->nfeat = h.nfeat;
	l->nprops = l->cap_props = h.nprops;
	l->ntext = l->cap_text = h.ntext;
	l->x = xmalloc(h.npts * sizeof *l->x + 1);
	l->y = xmalloc(h.npts * sizeof *l->y + 1);
	l->rings = xmalloc(h.nrings * sizeof *l->rings + 1);
	l->feat = xmalloc(h.nfeat * sizeof *l->feat);
	l->props = xmalloc(h.nprops * sizeof *l->props + 1);
	l->text = xmalloc(h.ntext + 1);
	cache_parts(l, part);
	for (int i = 0; i < 6; i++) {
		memcpy(part[i].data, data + at, part[i].size);
		at += part[i].size;
	}
	/* What the queries index, in bounds (a hash only says the bytes are the ones written). */
	for (size_t r = 0; r < l->nrings; r++)
		if (l->rings[r].count < 4 || l->rings[r].first > l->npts ||
		    l->rings[r].count > l->npts - l->rings[r].first)
			goto bad;
	for (size_t i = 0; i < l->nfeat; i++) {
		const struct geo_feature *f = &l->feat[i];

		if (f->ring_first > l->nrings || f->ring_count > l->nrings - f->ring_first ||
		    f->prop_first > l->nprops || f->prop_count > l->nprops - f->prop_first)
			goto bad;
	}
	for (size_t k = 0; k < l->nprops; k++)
		if (l->props[k].key >= l->ntext ||
		    (l->props[k].str != SIZE_MAX && l->props[k].str >= l->ntext))
			goto bad;
	if (l->ntext > 0 && l->text[l->ntext - 1] != '\0')
		goto bad;
	l->cached = true;
	return l;
bad:
	geo_layer_free(l);
	return NULL;
}

int
geo_layer_load_cached(const char *path, const char *cache_dir, const char *const *required,
    size_t nrequired, struct geo_layer **out, char **cause)
{
	char *data, *file, *cached = NULL, *ignored = NULL;
	size_t len, clen;
	int rc = 0;

	*out = NULL;
	if (cache_dir == NULL || sodium_init() < 0)
		return geo_layer_load(path, required, nrequired, out, cause);
	if (fc_read_file(path, GEO_MAX_FILE, &data, &len, cause) != 0)
		return -1;
	file = cache_name(cache_dir, data, len, required, nrequired);
	if (fc_read_file(file, 4 * (size_t)GEO_MAX_FILE, &cached, &clen, &ignored) == 0)
		*out = cache_read(cached, clen);
	free(ignored);
	free(cached);
	ignored = NULL;
	if (*out != NULL && build_index(*out, path, &ignored) != 0) {
		free(ignored);
		geo_layer_free(*out);
		*out = NULL;
	}
	if (*out == NULL && (rc = geo_layer_load_buffer(path, data, len, required, nrequired, out,
	    cause)) == 0)
		cache_save(*out, file);
	free(file);
	free(data);
	return rc;
}

bool
geo_layer_cached(const struct geo_layer *l)
{
	return l->cached;
}
