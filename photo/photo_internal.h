/*
 * photo_internal.h — what photo/'s files share and nothing else includes.
 */
#ifndef FIELDCHECK_PHOTO_INTERNAL_H
#define FIELDCHECK_PHOTO_INTERNAL_H

#include <stddef.h>

/* Reads at most max bytes of a regular file into *data (caller frees). */
int photo_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char **cause);

/*
 * Decodes a JPEG to RGB at the smallest scale of libjpeg-turbo's scaled
 * IDCT (n/8) that is at least min_w x min_h (or the full size), with the
 * import's checks and default limits.  *rgb (caller frees) holds *w x *h
 * pixels, rows packed.
 */
int photo_decode_scaled(const void *data, size_t len, unsigned min_w, unsigned min_h,
    unsigned char **rgb, unsigned *w, unsigned *h, char **cause);

#endif
