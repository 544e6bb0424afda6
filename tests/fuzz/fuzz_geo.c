/*
 * libFuzzer harness for the GeoJSON polygon loader (geo/) and, on the same
 * bytes, the platform's code table reader: whatever loads is queried (point
 * lookups through the index and by scan, which must agree; the overlap
 * check) and freed.  A grid file and a code table are both untrusted input
 * from a city.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "geo/geo.h"
#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const required[] = { "code" };
	struct geo_layer *l = NULL;
	struct platform_codes *t = NULL;
	char *cause = NULL;

	if (geo_layer_load_buffer("fuzz.geojson", (const char *)data, size, required, 1, &l,
	    &cause) == 0) {
		for (size_t i = 0; i < geo_layer_count(l) && i < 64; i++) {
			double b[4];

			geo_layer_bbox(l, i, b);
			for (int k = 0; k < 5; k++) {
				double x = b[0] + (b[2] - b[0]) * k / 4, y = b[1] + (b[3] - b[1]) * k / 4;

				if (geo_layer_locate(l, x, y) != geo_layer_locate_scan(l, x, y))
					abort();
			}
		}
		if (geo_layer_check_disjoint(l, &cause) != 0)
			free(cause);
		geo_layer_free(l);
	} else
		free(cause);
	cause = NULL;
	if (platform_codes_load_buffer("fuzz.csv", (const char *)data, size, NULL, &t, &cause) == 0)
		platform_codes_free(t);
	else
		free(cause);
	return 0;
}
