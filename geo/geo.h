/*
 * geo — polygons from GeoJSON (RFC 7946) and the question "which polygon is
 * this point in?", fast.  A layer is one FeatureCollection of Polygon and
 * MultiPolygon features (holes allowed) with their properties, and a
 * spatial index over their bounding boxes.  The city-management platform's
 * unit grid (platform/) and the patrol zones of the coverage work both load
 * their files here, so a file one accepts the other reads the same way.
 *
 * What a layer refuses, each with the feature's index (features[3], from 0)
 * and, for a ring, its place (polygon 0, ring 1): text that is not JSON
 * (with jansson's line and column), anything but a FeatureCollection, a
 * feature without geometry or with empty geometry, a geometry that is not
 * a Polygon or MultiPolygon, a ring with fewer than four positions, an open
 * ring (first position differs from the last), a self-intersecting ring, a
 * position out of range (and "latitude and longitude look swapped" when the
 * first number fits a latitude and the second does not: RFC 7946 positions
 * are [longitude, latitude]), and a feature without a required property,
 * or with one that is not a non-empty string; and a file whose features overlap
 * so much that the index would pass 64 Mi entries (thousands of features each
 * covering most of the extent).  Holes are not checked to lie
 * inside their outer ring: the even-odd rule below reads them as written.
 *
 * Points on edges: a point is inside a feature by the even-odd rule over
 * all its rings, with each edge half-open: an edge counts for the rows of
 * latitude from its lower end up to, not including, its upper end, and a
 * point exactly on a non-horizontal edge is on that edge's east side.  The
 * edge is always evaluated from its southern end, whichever polygon it
 * belongs to, so two cells that share an edge (the same numbers in the
 * file) compute the same intersection, bit for bit.  Hence, in a tiling of
 * cells, a point on a shared edge belongs to exactly one of them: on a
 * north-south edge the cell to the east, on an east-west edge the cell to
 * the north, and a shared corner to the north-east cell.  Points on the
 * outer edge of the whole tiling follow the same rule, so the west and
 * south edges belong to the tiling and the east and north edges do not.
 *
 * Coordinates are degrees, longitude first, WGS-84 (CGCS2000 is the same at
 * this precision).  A layer is immutable once loaded and may be shared by
 * threads.
 */
#ifndef FIELDCHECK_GEO_H
#define FIELDCHECK_GEO_H

#include <stdbool.h>
#include <stddef.h>

struct geo_layer;

/* Bounds on untrusted files. */
#define GEO_MAX_FILE      (256u * 1024 * 1024)
#define GEO_MAX_FEATURES  1000000u
#define GEO_MAX_RING      100000u     /* positions in one ring */

/*
 * Loads a FeatureCollection from path (name: what messages call it; NULL:
 * path).  Every feature must carry each of the nrequired properties in
 * required as a non-empty string.  Returns 0 and *out (caller frees with
 * geo_layer_free), or -1 with *cause (caller frees) naming the first
 * problem: "zones.geojson: features[3]: polygon 0, ring 1 is open ...".
 */
int geo_layer_load(const char *path, const char *const *required, size_t nrequired,
    struct geo_layer **out, char **cause);
/* As geo_layer_load, from len bytes of memory. */
int geo_layer_load_buffer(const char *name, const char *data, size_t len,
    const char *const *required, size_t nrequired, struct geo_layer **out, char **cause);
/*
 * As geo_layer_load, through a cache of parsed layers in cache_dir
 * (created when missing; NULL: no cache): a file whose bytes were loaded
 * before with the same required properties is read from its cache file
 * (named by their BLAKE2b hash) instead of being parsed, and a file parsed
 * here is written there.  The answer is the same either way; a cache file
 * that is damaged or cannot be written costs a parse, never an error.
 */
int geo_layer_load_cached(const char *path, const char *cache_dir, const char *const *required,
    size_t nrequired, struct geo_layer **out, char **cause);
/* Whether l came from the cache. */
bool geo_layer_cached(const struct geo_layer *l);
void geo_layer_free(struct geo_layer *l);

size_t geo_layer_count(const struct geo_layer *l);
/* Feature i's property name when it is a string, else NULL.  Owned by the layer. */
const char *geo_layer_string(const struct geo_layer *l, size_t i, const char *name);
/* 0 and *out when feature i's property name is a number, else -1. */
int geo_layer_number(const struct geo_layer *l, size_t i, const char *name, double *out);
/* Feature i's bounding box: west, south, east, north. */
void geo_layer_bbox(const struct geo_layer *l, size_t i, double bbox[4]);

/*
 * Feature i's rings, for drawing and writing it back: how many, and ring r's
 * polygon (0 for a Polygon, the part of a MultiPolygon), its place in that
 * polygon (0: the outer ring, then holes) and its n closed positions
 * (longitude and latitude arrays, owned by the layer).
 */
size_t geo_layer_ring_count(const struct geo_layer *l, size_t i);
void geo_layer_ring(const struct geo_layer *l, size_t i, size_t r, unsigned *poly, unsigned *index,
    const double **lon, const double **lat, size_t *n);

/* Whether feature i contains (lon, lat), by the rule above. */
bool geo_layer_contains(const struct geo_layer *l, size_t i, double lon, double lat);

/*
 * The lowest-numbered feature containing (lon, lat), through the index, or
 * -1 when none does.  In a tiling without overlaps that is the one cell.
 */
long geo_layer_locate(const struct geo_layer *l, double lon, double lat);
/* The same answer by testing every feature in turn: the benchmarks' anchor. */
long geo_layer_locate_scan(const struct geo_layer *l, double lon, double lat);
/*
 * Every feature containing (lon, lat), lowest first, into out[0..max);
 * returns how many there are (which may exceed max).
 */
size_t geo_layer_locate_all(const struct geo_layer *l, double lon, double lat, size_t *out,
    size_t max);

/*
 * 0 when no two features overlap (sharing edges and corners is fine), else
 * -1 with *cause naming the first pair found: "features[4] and features[9]
 * overlap".  Two features overlap when their edges cross, or a vertex or an
 * inner point of one lies strictly inside the other.
 */
int geo_layer_check_disjoint(const struct geo_layer *l, char **cause);

#endif
