/*
 * photo/probe.c — a JPEG's size from its frame header, without decoding:
 * what the depot checks a received photo against, linking no codec.
 */
#include "photo/photo.h"

int
photo_probe_jpeg(const void *data, size_t len, unsigned *width, unsigned *height)
{
	const unsigned char *p = data;
	size_t i = 2;

	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return -1;
	while (i + 4 <= len) {
		unsigned char m;
		size_t seg;

		if (p[i] != 0xFF)
			return -1;
		m = p[i + 1];
		if (m == 0xFF) {        /* fill byte */
			i++;
			continue;
		}
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			i += 2;         /* markers without a length */
			continue;
		}
		seg = (size_t)p[i + 2] << 8 | p[i + 3];
		if (seg < 2 || i + 2 + seg > len)
			return -1;
		/* SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC) */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (seg < 7)
				return -1;
			*height = (unsigned)p[i + 5] << 8 | p[i + 6];
			*width = (unsigned)p[i + 7] << 8 | p[i + 8];
			return *width > 0 && *height > 0 ? 0 : -1;
		}
		if (m == 0xDA || m == 0xD9)
			return -1;      /* scan data or the end before any frame */
		i += 2 + seg;
	}
	return -1;
}
