/*
 * photo — evidence photos on the handheld: checked, made small, kept by
 * their content.
 *
 *   photo_import*   decode a camera's JPEG with libjpeg-turbo (or a PNG, a
 *                   screenshot, with libpng) and refuse what is not one:
 *                   another format, truncated or corrupt data, a header
 *                   declaring more pixels than PHOTO_MAX_SOURCE_PIXELS
 *                   (checked before any pixel buffer exists, so a
 *                   decompression bomb costs its header).  Then downscale to
 *                   a long edge of at most max_long_edge (the question's
 *                   max-pixels; ODK's default 1600), apply the EXIF
 *                   orientation to the pixels, and re-encode.  Of the EXIF
 *                   only the capture time (DateTimeOriginal) is written
 *                   back: serial numbers, owner, GPS, maker notes and
 *                   thumbnails are dropped with everything else.
 *
 *   photo_store_*   a content-addressed directory: <dir>/<sha[0:2]>/<sha>.jpg,
 *                   written atomically (temporary file in the same
 *                   directory, fsync, rename, fsync of the directory), so a
 *                   crash leaves either the whole photo or none.  It does
 *                   not know which photos are in use: the record store
 *                   says so when it asks for a garbage collection.
 *
 *   photo_preview_* a stored photo drawn with libchafa's Unicode symbols in
 *                   a box of columns x rows: lines of text with colour
 *                   escapes, and the same as cells (character, colours) for
 *                   a curses screen to draw.  No curses here: tui/ draws.
 *
 * Only photo/import.c and photo/preview.c need libjpeg, libpng, libexif and
 * libchafa; the store needs none of them, so a program that only moves
 * stored photos links without them.
 *
 * Errors: 0 on success, -1 on failure with a message in *cause (caller
 * frees) when cause is not NULL.
 */
#ifndef FIELDCHECK_PHOTO_H
#define FIELDCHECK_PHOTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHOTO_HASH_LEN          65     /* SHA-256 in lowercase hex, NUL */
#define PHOTO_TIME_LEN          20     /* 2026-11-24T08:15:02, NUL */
#define PHOTO_DEFAULT_LONG_EDGE 1600u  /* ODK Collect's max-pixels default */
#define PHOTO_MAX_LONG_EDGE     8192u  /* the largest max-pixels a form may ask */
#define PHOTO_JPEG_QUALITY      85     /* what the re-encode uses (cjpeg -quality) */

/*
 * What an import accepts at most.  Pixels bound the work and the memory a
 * header may demand (12000 x 9000 is a 108-megapixel phone camera); the
 * decoder's own memory is capped as well, for a progressive JPEG, whose
 * coefficients are kept whole.  Scans bound the time a progressive file of
 * thousands of tiny scans could take.
 */
#define PHOTO_MAX_SOURCE_BYTES  (64u * 1024u * 1024u)
#define PHOTO_MAX_SOURCE_PIXELS 120000000u
#define PHOTO_MAX_SOURCE_SIDE   65535u   /* a JPEG's own limit, applied to PNGs */
#define PHOTO_MAX_DECODER_MEM   (256u * 1024u * 1024u)
#define PHOTO_MAX_SCANS         500u

/* A zero field means its PHOTO_MAX_* default; the fuzzer uses small ones. */
struct photo_limits {
	size_t max_source_bytes;
	uint64_t max_source_pixels;
	size_t max_decoder_mem;
	unsigned max_scans;
};

/* What an import made, as a record's answer names it. */
struct photo_info {
	char sha256[PHOTO_HASH_LEN];   /* of the re-encoded JPEG */
	unsigned width, height;        /* after orientation and downscale */
	size_t bytes;
	/*
	 * The camera's DateTimeOriginal as YYYY-MM-DDTHH:MM:SS: the camera's
	 * local time, with no zone (EXIF has none here); "" when the source
	 * had none or a malformed one.
	 */
	char captured_at[PHOTO_TIME_LEN];
	unsigned source_width, source_height;
	unsigned orientation;          /* the EXIF orientation applied, 1-8 */
};

/*
 * Imports the JPEG or PNG at src_path (at most PHOTO_MAX_SOURCE_BYTES).
 * max_long_edge 0 means PHOTO_DEFAULT_LONG_EDGE; more than
 * PHOTO_MAX_LONG_EDGE is an error.  On success *jpeg (caller frees) holds
 * the re-encoded JPEG of *jpeg_len bytes, described by *out.
 */
int photo_import(const char *src_path, unsigned max_long_edge, unsigned char **jpeg,
    size_t *jpeg_len, struct photo_info *out, char **cause);
/* The same from bytes in memory; lim NULL means the defaults. */
int photo_import_mem(const void *data, size_t len, unsigned max_long_edge,
    const struct photo_limits *lim, unsigned char **jpeg, size_t *jpeg_len,
    struct photo_info *out, char **cause);

/*
 * photo_import, then photo_store_put: the photo at src_path checked, made
 * small and on disk in ps (synced) when this returns 0, described by *out;
 * *added says it was not in the store before (so a caller that does not
 * save the record naming it may remove it again).
 */
struct photo_store;
int photo_store_import(struct photo_store *ps, const char *src_path, unsigned max_long_edge,
    struct photo_info *out, bool *added, char **cause);

/* True when s is a SHA-256 in the store's form: 64 lowercase hex digits. */
bool photo_valid_sha256(const char *s);

/* ---- A photo question's answer ---- */

/*
 * The photos a question's answer names, ";" between them, each
 *
 *     sha256:<64 hex> <WIDTH>x<HEIGHT> <BYTES> <CAPTURED>
 *
 * CAPTURED being the camera's time (YYYY-MM-DDTHH:MM:SS) or "-" when the
 * photo had none.  At most PHOTO_MAX_PER_ANSWER photos (ODK's "before,
 * after, a close-up" fits with room to spare).  docs/photos.md.
 */
#define PHOTO_MAX_PER_ANSWER 10

/* The answer naming photos[0..n-1].  Caller frees. */
char *photo_answer_format(const struct photo_info *photos, size_t n);
/* Whether value is in the answer's form at all (it starts "sha256:"); an older record's file path is not. */
bool photo_answer_is(const char *value);
/*
 * Parses an answer: 0 with *n photos, the first max of them in out (only
 * sha256, width, height, bytes and captured_at are set), or -1 when value
 * is not a well-formed answer of at most PHOTO_MAX_PER_ANSWER photos.
 */
int photo_answer_parse(const char *value, struct photo_info *out, size_t max, size_t *n);

/*
 * A JPEG's width and height from its frame header (SOFn), no pixel
 * decoded: 0, or -1 when data is not a JPEG with a frame header.
 */
int photo_probe_jpeg(const void *data, size_t len, unsigned *width, unsigned *height);

/* Where the photos of the database at db_path are kept: "<db_path>.photos".  Caller frees. */
char *photo_store_dir_beside(const char *db_path);

/* ---- The content-addressed store ---- */

struct photo_store;

/* Opens (creating it, mode 0700, and its parents) the store at dir.  Caller closes. */
int photo_store_open(const char *dir, struct photo_store **out, char **cause);
void photo_store_close(struct photo_store *ps);

/*
 * Stores len bytes under their SHA-256, written to sha256 (may be NULL).
 * Idempotent: a photo already present with the same bytes is left as it
 * is.  The file and its directory entry are on disk when this returns 0;
 * on failure (a full disk included) nothing of this call remains.
 */
int photo_store_put(struct photo_store *ps, const void *bytes, size_t len,
    char sha256[PHOTO_HASH_LEN], char **cause);
/* The path a photo has or would have in the store; NULL if sha256 is malformed.  Caller frees. */
char *photo_store_path(const struct photo_store *ps, const char *sha256);
bool photo_store_has(const struct photo_store *ps, const char *sha256);
/*
 * Removes one photo (a discarded draft's, that no record references any
 * more).  0 when it is gone, a photo never stored included.
 */
int photo_store_remove(struct photo_store *ps, const char *sha256, char **cause);

struct photo_gc_result {
	size_t kept, removed;
	uint64_t bytes_freed;
};
/*
 * Removes every stored photo whose hash is not among the n referenced
 * (malformed entries never match), and temporary files a crash left.
 * Files that are not the store's are never touched.  A photo or temporary
 * file younger than grace_seconds is kept: another process may have put it
 * and not yet saved the record that references it.  With grace_seconds 0
 * the caller must itself keep puts from racing the collection.
 */
int photo_store_gc(struct photo_store *ps, const char *const *referenced, size_t n,
    unsigned grace_seconds, struct photo_gc_result *out, char **cause);

/* ---- The terminal preview ---- */

#define PHOTO_PREVIEW_MAX_COLS 1000u
#define PHOTO_PREVIEW_MAX_ROWS 500u

/* The colours a terminal shows; the cells' colours are in the same terms. */
enum photo_preview_colors {
	PHOTO_PREVIEW_TRUECOLOR,  /* fg/bg are 0xRRGGBB */
	PHOTO_PREVIEW_256,        /* fg/bg are xterm palette indexes 0-255 */
	PHOTO_PREVIEW_16,         /* fg/bg are 0-15 */
	PHOTO_PREVIEW_MONO,       /* symbols only: fg/bg are -1 */
};

struct photo_preview;

/*
 * Draws the JPEG at path (a stored photo) in at most cols x rows terminal
 * cells, its aspect kept for cells twice as tall as wide.  Caller frees
 * with photo_preview_free.
 */
int photo_preview_render(const char *path, unsigned cols, unsigned rows,
    enum photo_preview_colors colors, struct photo_preview **out, char **cause);
void photo_preview_free(struct photo_preview *pv);
/* The size drawn: at most the cols x rows asked, usually less on one side. */
unsigned photo_preview_cols(const struct photo_preview *pv);
unsigned photo_preview_rows(const struct photo_preview *pv);
/*
 * Row y as UTF-8 with SGR colour sequences, ending with a reset, no newline.
 * Owned by pv.
 */
const char *photo_preview_line(const struct photo_preview *pv, unsigned y);
/*
 * The cell at x, y: its character as UTF-8 (one column wide) and its
 * colours, -1 meaning the terminal's default.
 */
void photo_preview_cell(const struct photo_preview *pv, unsigned x, unsigned y,
    char ch[5], int *fg, int *bg);

#endif
