/*
 * Unit tests of photo/: importing JPEGs made here with libjpeg (and EXIF
 * blocks made with libexif), the refusals, and the content-addressed store
 * on a real directory (and a real full tmpfs when the test may mount one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <libexif/exif-data.h>
#include <sodium.h>
#include <zlib.h>

#include "forms/forms.h"
#include "meaning/meaning.h"
#include "photo/photo.h"
#include "store/store.h"
#include "util/util.h"

/* ---- Making source photos ---- */

typedef void paint_fn(unsigned x, unsigned y, unsigned w, unsigned h, unsigned char rgb[3]);

/* How the source is encoded, and what a camera would write into its EXIF (NULL/0 leaves a tag out). */
enum source_color { SOURCE_RGB, SOURCE_GRAY, SOURCE_CMYK };
struct camera {
	enum source_color color;
	bool progressive;
	unsigned orientation;
	const char *taken;      /* "YYYY:MM:DD HH:MM:SS" */
	const char *serial;
	const char *owner;
	const char *make;
};

static void
exif_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text)
{
	ExifEntry *e = exif_entry_new();
	size_t n = strlen(text) + 1;

	e->tag = tag;
	e->format = EXIF_FORMAT_ASCII;
	e->components = n;
	e->size = (unsigned)n;
	e->data = malloc(n);  /* libexif's default allocator frees it */
	assert_non_null(e->data);
	memcpy(e->data, text, n);
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
}

static void
camera_exif(const struct camera *cam, unsigned char **out, unsigned *len)
{
	ExifData *ed = exif_data_new();

	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	/* Big-endian, as many cameras write it; the import writes little-endian. */
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_MOTOROLA);
	if (cam->orientation != 0) {
		ExifEntry *e = exif_entry_new();
		exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
		exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
		exif_set_short(e->data, EXIF_BYTE_ORDER_MOTOROLA, (ExifShort)cam->orientation);
		exif_entry_unref(e);
	}
	if (cam->make != NULL)
		exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, cam->make);
	if (cam->taken != NULL)
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, cam->taken);
	if (cam->serial != NULL)
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_BODY_SERIAL_NUMBER, cam->serial);
	if (cam->owner != NULL)
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_CAMERA_OWNER_NAME, cam->owner);
	exif_data_save_data(ed, out, len);
	exif_data_unref(ed);
}

/* A JPEG of w x h painted by paint, with cam's EXIF when cam is not NULL.  Caller frees. */
static unsigned char *
make_jpeg(unsigned w, unsigned h, paint_fn *paint, const struct camera *cam, size_t *len)
{
	static const struct camera plain = { .color = SOURCE_RGB };
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL, *row = malloc((size_t)w * 4), rgb[3];
	unsigned long n = 0;
	int comps;

	assert_non_null(row);
	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &n);
	c.image_width = w;
	c.image_height = h;
	comps = (cam != NULL ? cam : &plain)->color == SOURCE_GRAY ? 1 :
	    (cam != NULL ? cam : &plain)->color == SOURCE_CMYK ? 4 : 3;
	c.input_components = comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 4 ? JCS_CMYK : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 92, TRUE);
	if (cam != NULL && cam->progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	if (cam != NULL && (cam->orientation != 0 || cam->taken != NULL || cam->serial != NULL ||
	    cam->owner != NULL || cam->make != NULL)) {
		unsigned char *exif;
		unsigned exif_len;

		camera_exif(cam, &exif, &exif_len);
		jpeg_write_marker(&c, JPEG_APP0 + 1, exif, exif_len);
		free(exif);
	}
	while (c.next_scanline < h) {
		for (unsigned x = 0; x < w; x++) {
			paint(x, c.next_scanline, w, h, rgb);
			for (int k = 0; k < comps; k++)  /* gray: red; CMYK: the complements, no black */
				row[comps * x + (unsigned)k] = comps == 4 ? (k < 3 ? 255 - rgb[k] : 0) : rgb[k];
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = n;
	return out;
}

/* Decodes our own output (trusted here: libjpeg's default handler exits on error). */
static unsigned char *
decode(const unsigned char *jpeg, size_t len, unsigned *w, unsigned *h)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr jerr;
	unsigned char *px;

	d.err = jpeg_std_error(&jerr);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, jpeg, len);
	jpeg_read_header(&d, TRUE);
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	*w = d.output_width;
	*h = d.output_height;
	px = malloc((size_t)*w * *h * 3);
	assert_non_null(px);
	while (d.output_scanline < d.output_height) {
		JSAMPROW r = px + (size_t)d.output_scanline * *w * 3;
		jpeg_read_scanlines(&d, &r, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return px;
}

static void
gradient(unsigned x, unsigned y, unsigned w, unsigned h, unsigned char rgb[3])
{
	rgb[0] = (unsigned char)(x * 255u / (w - 1));
	rgb[1] = (unsigned char)(y * 255u / (h - 1));
	rgb[2] = 100;
}

/* Grey, with a red block at the stored top left and a green one at the stored top right. */
static void
corners(unsigned x, unsigned y, unsigned w, unsigned h, unsigned char rgb[3])
{
	bool top = y < h / 4;

	rgb[0] = rgb[1] = rgb[2] = 128;
	if (top && x < w / 4) {
		rgb[0] = 220;
		rgb[1] = rgb[2] = 30;
	} else if (top && x >= w - w / 4) {
		rgb[1] = 200;
		rgb[0] = rgb[2] = 30;
	}
}

static void
noise(unsigned x, unsigned y, unsigned w, unsigned h, unsigned char rgb[3])
{
	uint32_t v = (x * 2654435761u) ^ (y * 40503u) ^ (w + h);

	v ^= v >> 13;
	v *= 0x5bd1e995u;
	rgb[0] = (unsigned char)v;
	rgb[1] = (unsigned char)(v >> 8);
	rgb[2] = (unsigned char)(x + y);
}

static void
assert_rgb_near(const unsigned char *px, unsigned w, unsigned x, unsigned y,
    int r, int g, int b, int tol)
{
	const unsigned char *p = px + ((size_t)y * w + x) * 3;

	if (abs(p[0] - r) > tol || abs(p[1] - g) > tol || abs(p[2] - b) > tol)
		fail_msg("pixel (%u,%u) is (%d,%d,%d), expected (%d,%d,%d) within %d",
		    x, y, p[0], p[1], p[2], r, g, b, tol);
}

static void
assert_refused(const void *data, size_t len, const char *needle)
{
	unsigned char *out = (unsigned char *)"unset";
	size_t out_len = 1;
	struct photo_info info;
	char *cause = NULL;

	assert_int_equal(photo_import_mem(data, len, 0, NULL, &out, &out_len, &info, &cause), -1);
	assert_non_null(cause);
	if (needle != NULL && strstr(cause, needle) == NULL)
		fail_msg("cause \"%s\" does not say \"%s\"", cause, needle);
	assert_null(out);
	assert_int_equal(out_len, 0);
	free(cause);
}

/* ---- Import ---- */

static void
test_import_downscales(void **state)
{
	struct camera cam = { .taken = "2026:11:24 08:15:02" };
	size_t len, out_len;
	unsigned char *src = make_jpeg(3000, 2000, gradient, &cam, &len), *out, *px;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[PHOTO_HASH_LEN];
	struct photo_info info;
	char *cause = NULL;
	unsigned w, h;

	(void)state;
	assert_int_equal(photo_import_mem(src, len, 0, NULL, &out, &out_len, &info, &cause), 0);
	assert_int_equal(info.width, 1600);
	assert_int_equal(info.height, 1067);
	assert_int_equal(info.source_width, 3000);
	assert_int_equal(info.source_height, 2000);
	assert_int_equal(info.bytes, out_len);
	assert_true(out_len < len);
	crypto_hash_sha256(digest, out, out_len);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	assert_string_equal(info.sha256, hex);
	assert_true(photo_valid_sha256(info.sha256));
	px = decode(out, out_len, &w, &h);
	assert_int_equal(w, 1600);
	assert_int_equal(h, 1067);
	/* The gradient survives the scaled IDCT and the resampler in place. */
	assert_rgb_near(px, w, 0, 0, 0, 0, 100, 8);
	assert_rgb_near(px, w, 800, 533, 128, 127, 100, 6);
	assert_rgb_near(px, w, 1599, 1066, 255, 255, 100, 8);
	assert_rgb_near(px, w, 400, 800, 64, 191, 100, 6);
	free(px);
	free(out);
	free(src);

	/* A photo already small is re-encoded at its size, not enlarged. */
	src = make_jpeg(800, 600, gradient, NULL, &len);
	assert_int_equal(photo_import_mem(src, len, 1600, NULL, &out, &out_len, &info, &cause), 0);
	assert_int_equal(info.width, 800);
	assert_int_equal(info.height, 600);
	assert_string_equal(info.captured_at, "");
	free(out);
	/* A question's own max-pixels, and a limit on what one may ask. */
	assert_int_equal(photo_import_mem(src, len, 640, NULL, &out, &out_len, &info, &cause), 0);
	assert_int_equal(info.width, 640);
	assert_int_equal(info.height, 480);
	free(out);
	assert_int_equal(photo_import_mem(src, len, 100000, NULL, &out, &out_len, &info, &cause), -1);
	assert_non_null(strstr(cause, "8192"));
	free(cause);
	free(src);
}

/* Where the stored top-left (red) and top-right (green) blocks show, per orientation. */
enum corner { TL, TR, BL, BR };

static void
test_import_applies_every_orientation(void **state)
{
	static const enum corner red_at[9] = { 0, TL, TR, BR, BL, TL, TR, BR, BL };
	static const enum corner green_at[9] = { 0, TR, TL, BL, BR, BL, BR, TR, TL };

	(void)state;
	for (unsigned run = 0; run < 16; run++) {
		unsigned o = run % 8 + 1, edge = run < 8 ? 150 : 160;
		struct camera cam = { .orientation = o };
		size_t len, out_len;
		unsigned char *src = make_jpeg(320, 240, corners, &cam, &len), *out, *px;
		struct photo_info info;
		char *cause = NULL;
		unsigned w, h, cx[4], cy[4];

		/* 150 px: the scaled IDCT gives 160 x 120 and the resampler the
		 * rest; 160 px: the scaled IDCT alone. */
		if (photo_import_mem(src, len, edge, NULL, &out, &out_len, &info, &cause) != 0)
			fail_msg("orientation %u: %s", o, cause);
		assert_int_equal(info.orientation, o);
		px = decode(out, out_len, &w, &h);
		assert_int_equal(w, o >= 5 ? edge * 3 / 4 + (edge == 150) : edge);
		assert_int_equal(h, o >= 5 ? edge : edge * 3 / 4 + (edge == 150));
		assert_int_equal(info.width, w);
		cx[TL] = cx[BL] = 6;
		cx[TR] = cx[BR] = w - 7;
		cy[TL] = cy[TR] = 6;
		cy[BL] = cy[BR] = h - 7;
		for (int c = TL; c <= BR; c++) {
			if (c == (int)red_at[o])
				assert_rgb_near(px, w, cx[c], cy[c], 220, 30, 30, 24);
			else if (c == (int)green_at[o])
				assert_rgb_near(px, w, cx[c], cy[c], 30, 200, 30, 24);
			else
				assert_rgb_near(px, w, cx[c], cy[c], 128, 128, 128, 12);
		}
		free(px);
		free(out);
		free(src);
	}
}

static bool
has_bytes(const unsigned char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void
test_import_keeps_capture_time_only(void **state)
{
	struct camera cam = {
		.orientation = 6, .taken = "2026:11:24 08:15:02", .serial = "SN-4412-77731",
		.owner = "Wang Fang", .make = "RuggedCam",
	};
	size_t len, out_len;
	unsigned char *src = make_jpeg(640, 480, gradient, &cam, &len), *out;
	struct photo_info info;
	char *cause = NULL;
	ExifData *ed;
	ExifEntry *e;

	(void)state;
	assert_true(has_bytes(src, len, "SN-4412-77731"));
	assert_int_equal(photo_import_mem(src, len, 0, NULL, &out, &out_len, &info, &cause), 0);
	assert_string_equal(info.captured_at, "2026-11-24T08:15:02");
	ed = exif_data_new_from_data(out, (unsigned)out_len);
	assert_non_null(ed);
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
	assert_non_null(e);
	assert_string_equal((const char *)e->data, "2026:11:24 08:15:02");
	assert_null(exif_data_get_entry(ed, EXIF_TAG_BODY_SERIAL_NUMBER));
	assert_null(exif_data_get_entry(ed, EXIF_TAG_CAMERA_OWNER_NAME));
	assert_null(exif_data_get_entry(ed, EXIF_TAG_MAKE));
	/* Applied to the pixels, so no viewer may rotate the photo again. */
	assert_null(exif_data_get_entry(ed, EXIF_TAG_ORIENTATION));
	exif_data_unref(ed);
	assert_false(has_bytes(out, out_len, "SN-4412-77731"));
	assert_false(has_bytes(out, out_len, "Wang Fang"));
	assert_false(has_bytes(out, out_len, "RuggedCam"));
	free(out);
	free(src);

	/* An unset time (zeros) is no time, and the output has no EXIF at all. */
	cam = (struct camera){ .taken = "0000:00:00 00:00:00", .serial = "SN-1" };
	src = make_jpeg(64, 48, gradient, &cam, &len);
	assert_int_equal(photo_import_mem(src, len, 0, NULL, &out, &out_len, &info, &cause), 0);
	assert_string_equal(info.captured_at, "");
	assert_false(has_bytes(out, out_len, "Exif"));
	free(out);
	free(src);
}

static void
test_import_refuses_what_is_not_a_jpeg(void **state)
{
	static const char text[] = "inspection notes, not a photo\n";
	static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";

	(void)state;
	assert_refused(text, sizeof text - 1, "not a JPEG");
	assert_refused(gif, sizeof gif - 1, "not a JPEG");
	assert_refused("", 0, "not a JPEG");
	/* The JPEG signature and nothing after it. */
	assert_refused("\xff\xd8\xff", 3, NULL);
}

static void
test_import_refuses_truncated_and_survives_damage(void **state)
{
	size_t len, out_len;
	unsigned char *src = make_jpeg(640, 480, noise, NULL, &len), *copy = malloc(len), *out;
	struct photo_info info;
	char *cause = NULL;

	(void)state;
	assert_non_null(copy);
	for (int pct = 10; pct <= 90; pct += 10)
		assert_refused(src, len * (size_t)pct / 100, "truncated");
	/* Every pixel there, only the end-of-image marker missing. */
	assert_refused(src, len - 2, "truncated");

	/* Flipped bits: refused with a cause, or decoded; never a crash. */
	srand(7);
	for (int round = 0; round < 60; round++) {
		memcpy(copy, src, len);
		for (int k = 0; k < 8; k++)
			copy[(size_t)rand() % len] ^= (unsigned char)(1u << (rand() % 8));
		cause = NULL;
		if (photo_import_mem(copy, len, 0, NULL, &out, &out_len, &info, &cause) == 0) {
			assert_int_equal(info.bytes, out_len);
			free(out);
		} else {
			assert_non_null(cause);
			free(cause);
		}
	}
	free(copy);
	free(src);
}

/* Sets the frame size in the first SOF0 of a baseline JPEG. */
static void
patch_frame_size(unsigned char *j, size_t len, unsigned w, unsigned h)
{
	for (size_t i = 2; i + 9 < len; i++)
		if (j[i] == 0xff && j[i + 1] == 0xc0) {
			j[i + 5] = (unsigned char)(h >> 8);
			j[i + 6] = (unsigned char)h;
			j[i + 7] = (unsigned char)(w >> 8);
			j[i + 8] = (unsigned char)w;
			return;
		}
	fail_msg("no SOF0 marker");
}

static void
test_import_refuses_a_decompression_bomb(void **state)
{
	size_t len;
	unsigned char *src = make_jpeg(16, 16, gradient, NULL, &len);

	(void)state;
	/* 900 megapixels declared in a few hundred bytes: the header alone is
	 * refused, by its size, not by the missing data the decoder would
	 * have found (truncated) after allocating. */
	patch_frame_size(src, len, 30000, 30000);
	assert_refused(src, len, "30000 x 30000 pixels, more than the limit");
	free(src);
}

static void
png_chunk(unsigned char *p, size_t *at, const char *type, const unsigned char *data, uint32_t n)
{
	uint32_t crc;

	p[*at] = (unsigned char)(n >> 24);
	p[*at + 1] = (unsigned char)(n >> 16);
	p[*at + 2] = (unsigned char)(n >> 8);
	p[*at + 3] = (unsigned char)n;
	memcpy(p + *at + 4, type, 4);
	memcpy(p + *at + 8, data, n);
	crc = (uint32_t)crc32(crc32(0, (const unsigned char *)type, 4), data, n);
	p[*at + 8 + n] = (unsigned char)(crc >> 24);
	p[*at + 9 + n] = (unsigned char)(crc >> 16);
	p[*at + 10 + n] = (unsigned char)(crc >> 8);
	p[*at + 11 + n] = (unsigned char)crc;
	*at += 12 + n;
}

/*
 * A PNG of w x h painted by paint, RGB (colour type 2) or RGBA (6, alpha
 * 255), interlaced or not.  With paint NULL, only the header declares the
 * size: the data is a few deflated zeros (a PNG bomb).  Caller frees.
 */
static unsigned char *
make_png(uint32_t w, uint32_t h, paint_fn *paint, int color_type, int interlace, size_t *len)
{
	unsigned comps = color_type == 6 ? 4 : 3;
	size_t raw_len = paint != NULL ? (size_t)h * (1 + (size_t)w * comps) : 4096;
	unsigned char ihdr[13] = { 0 }, *raw = calloc(1, raw_len), *idat, *p;
	uLongf idat_len = compressBound(raw_len);
	size_t at = 8;

	assert_non_null(raw);
	for (uint32_t y = 0; paint != NULL && y < h; y++) {
		unsigned char *row = raw + y * (1 + (size_t)w * comps);  /* filter byte 0: none */
		for (uint32_t x = 0; x < w; x++) {
			paint(x, y, w, h, row + 1 + (size_t)x * comps);
			if (comps == 4)
				row[1 + (size_t)x * comps + 3] = 255;
		}
	}
	idat = malloc(idat_len);
	p = malloc(idat_len + 128);
	assert_non_null(idat);
	assert_non_null(p);
	assert_int_equal(compress(idat, &idat_len, raw, raw_len), Z_OK);
	memcpy(p, "\x89PNG\r\n\x1a\n", 8);
	for (int i = 0; i < 4; i++) {
		ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
		ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
	}
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = (unsigned char)color_type;
	ihdr[12] = (unsigned char)interlace;
	png_chunk(p, &at, "IHDR", ihdr, sizeof ihdr);
	png_chunk(p, &at, "IDAT", idat, (uint32_t)idat_len);
	png_chunk(p, &at, "IEND", idat, 0);
	free(raw);
	free(idat);
	*len = at;
	return p;
}

static void
test_import_kinds_and_limits(void **state)
{
	struct camera gray = { .color = SOURCE_GRAY }, cmyk = { .color = SOURCE_CMYK };
	struct camera prog = { .progressive = true, .orientation = 8 };
	struct photo_limits few_scans = { .max_scans = 5 }, little_memory = { .max_decoder_mem = 1024 * 1024 };
	size_t len, out_len;
	unsigned char *src, *out, *px;
	struct photo_info info;
	char *cause = NULL;
	unsigned w, h;

	(void)state;
	/* A grey camera's photo comes out as an ordinary (RGB) JPEG. */
	src = make_jpeg(400, 300, gradient, &gray, &len);
	assert_int_equal(photo_import_mem(src, len, 200, NULL, &out, &out_len, &info, &cause), 0);
	px = decode(out, out_len, &w, &h);
	assert_int_equal(w, 200);
	assert_rgb_near(px, w, 100, 75, 128, 128, 128, 8);
	free(px);
	free(out);
	free(src);

	src = make_jpeg(64, 48, gradient, &cmyk, &len);
	assert_refused(src, len, "CMYK");
	free(src);

	/* Progressive (ten scans here): imported, and oriented, within the limits... */
	src = make_jpeg(1024, 768, noise, &prog, &len);
	assert_int_equal(photo_import_mem(src, len, 320, NULL, &out, &out_len, &info, &cause), 0);
	assert_int_equal(info.width, 240);
	assert_int_equal(info.height, 320);  /* 1024 x 768 turned by orientation 8 */
	free(out);
	/* ...and refused past a limit on scans, or on the decoder's memory
	 * (a progressive JPEG keeps every coefficient until its last scan). */
	assert_int_equal(photo_import_mem(src, len, 320, &few_scans, &out, &out_len, &info, &cause), -1);
	assert_non_null(strstr(cause, "more than 5 scans"));
	free(cause);
	assert_int_equal(photo_import_mem(src, len, 320, &little_memory, &out, &out_len, &info, &cause), -1);
	assert_non_null(strstr(cause, "needs more than 1 MiB to decode"));
	free(cause);
	free(src);
}

static void
test_import_png(void **state)
{
	size_t len, out_len;
	unsigned char *src, *out, *px;
	struct photo_info info;
	char *cause = NULL;
	unsigned w, h;

	(void)state;
	/* A screenshot's PNG comes out as a JPEG like any photo, with no capture time. */
	for (int type = 2; type <= 6; type += 4) {
		src = make_png(900, 600, gradient, type, 0, &len);
		assert_int_equal(photo_import_mem(src, len, 600, NULL, &out, &out_len, &info, &cause), 0);
		assert_int_equal(info.width, 600);
		assert_int_equal(info.height, 400);
		assert_int_equal(info.source_width, 900);
		assert_string_equal(info.captured_at, "");
		px = decode(out, out_len, &w, &h);
		assert_rgb_near(px, w, 300, 200, 128, 128, 100, 6);
		free(px);
		free(out);
		if (type == 2) {
			for (int pct = 20; pct <= 80; pct += 30)
				assert_refused(src, len * (size_t)pct / 100, "truncated");
			assert_refused(src, len - 12, "truncated");  /* only IEND missing */
		}
		free(src);
	}
	src = make_png(64, 48, gradient, 2, 1, &len);
	assert_refused(src, len, "interlaced");
	free(src);
	/* 100,000 x 100,000 declared in a few hundred bytes: refused by its header. */
	src = make_png(100000, 100000, NULL, 2, 0, &len);
	assert_refused(src, len, "PNG image declaring 100000 x 100000 pixels, more than the limit");
	free(src);
	/* Few pixels, but rows no decoder should buffer. */
	src = make_png(1000000, 1, NULL, 2, 0, &len);
	assert_refused(src, len, "more than 65535 on a side");
	free(src);
}

static void
test_import_missing_file(void **state)
{
	unsigned char *out;
	size_t out_len;
	struct photo_info info;
	char *cause = NULL;

	(void)state;
	assert_int_equal(photo_import("/nonexistent/DCIM/IMG_0001.JPG", 0, &out, &out_len, &info, &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/DCIM/IMG_0001.JPG"));
	assert_non_null(strstr(cause, "No such file"));
	assert_null(out);
	free(cause);
	assert_int_equal(photo_import("/tmp", 0, &out, &out_len, &info, &cause), -1);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
}

/* ---- The store ---- */

struct fx {
	char dir[64];
};

/* A FIFO in place of a camera file: refused at once, not waited on for a writer. */
static void
test_import_refuses_a_fifo(void **state)
{
	struct fx *fx = *state;
	char *path = xasprintf("%s/IMG_0002.JPG", fx->dir), *cause = NULL;
	unsigned char *out;
	size_t out_len;
	struct photo_info info;

	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);  /* a blocking open never returns: the alarm ends the test as failed */
	assert_int_equal(photo_import(path, 0, &out, &out_len, &info, &cause), -1);
	alarm(0);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	free(path);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/fc-photo-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	int rc;

	umount2(fx->dir, MNT_DETACH);  /* the full-disk test's tmpfs, if a failure left it */
	rc = system(cmd);

	free(cmd);
	free(fx);
	return rc == 0 ? 0 : -1;
}

/* Regular files anywhere below dir (one level of subdirectories, as the store has). */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;

		if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)) {
			assert_int_equal(lstat(p, &st), 0);
			if (S_ISREG(st.st_mode))
				n++;
			else if (S_ISDIR(st.st_mode))
				n += count_files(p);
		}
		free(p);
	}
	closedir(d);
	return n;
}

static void
test_store_put_is_atomic_and_idempotent(void **state)
{
	struct fx *fx = *state;
	struct photo_store *ps;
	char *dir = xasprintf("%s/photos/store", fx->dir), *path, *cause = NULL, *expect;
	char sha[PHOTO_HASH_LEN], again[PHOTO_HASH_LEN];
	size_t len;
	unsigned char *jpeg = make_jpeg(64, 48, gradient, NULL, &len);
	struct stat st1, st2;
	FILE *f;

	(void)state;
	assert_int_equal(photo_store_open(dir, &ps, &cause), 0);
	assert_int_equal(photo_store_put(ps, jpeg, len, sha, &cause), 0);
	path = photo_store_path(ps, sha);
	expect = xasprintf("%s/%.2s/%s.jpg", dir, sha, sha);
	assert_string_equal(path, expect);
	assert_true(photo_store_has(ps, sha));
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_size, len);
	assert_int_equal(count_files(dir), 1);  /* no temporary file left */

	/* Again: the same name, the same file, not rewritten. */
	assert_int_equal(photo_store_put(ps, jpeg, len, again, &cause), 0);
	assert_string_equal(again, sha);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_ino, st1.st_ino);
	assert_int_equal(count_files(dir), 1);

	/* A damaged copy under the name is replaced by the right bytes. */
	f = fopen(path, "r+");
	assert_non_null(f);
	fputs("XX", f);
	fclose(f);
	assert_int_equal(photo_store_put(ps, jpeg, len, again, &cause), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fgetc(f), 0xff);
	fclose(f);

	assert_null(photo_store_path(ps, "../../etc/passwd"));
	assert_false(photo_store_has(ps, "ABCDEF"));
	assert_false(photo_store_has(ps, "0000000000000000000000000000000000000000000000000000000000000000"));
	photo_store_close(ps);
	free(expect);
	free(path);
	free(dir);
	free(jpeg);
}

static void
age(const char *path, time_t seconds)
{
	struct timespec t[2];

	t[0].tv_sec = t[1].tv_sec = time(NULL) - seconds;
	t[0].tv_nsec = t[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/*
 * A put of bytes the store holds already (an old photo no record references
 * any more, attached again) starts their grace anew: the record that will
 * reference them is not saved yet, and a collection meanwhile must keep them.
 */
static void
test_store_put_again_renews_the_grace(void **state)
{
	struct fx *fx = *state;
	struct photo_store *ps;
	struct photo_gc_result res;
	char sha[PHOTO_HASH_LEN], *path, *cause = NULL;

	assert_int_equal(photo_store_open(fx->dir, &ps, &cause), 0);
	assert_int_equal(photo_store_put(ps, "photo 9", 7, sha, &cause), 0);
	path = photo_store_path(ps, sha);
	age(path, 7200);
	assert_int_equal(photo_store_put(ps, "photo 9", 7, sha, &cause), 0);
	assert_int_equal(photo_store_gc(ps, NULL, 0, 3600, &res, &cause), 0);
	assert_true(photo_store_has(ps, sha));
	assert_int_equal(res.removed, 0);
	photo_store_close(ps);
	free(path);
}

static void
test_store_gc_keeps_referenced(void **state)
{
	struct fx *fx = *state;
	struct photo_store *ps;
	char sha[4][PHOTO_HASH_LEN], *cause = NULL, *p, *stray, *temp_old, *temp_new;
	const char *refs[3];
	struct photo_gc_result res;
	FILE *f;

	assert_int_equal(photo_store_open(fx->dir, &ps, &cause), 0);
	for (int i = 0; i < 4; i++) {
		char bytes[32];
		int n = snprintf(bytes, sizeof bytes, "photo %d", i);

		assert_int_equal(photo_store_put(ps, bytes, (size_t)n, sha[i], &cause), 0);
		p = photo_store_path(ps, sha[i]);
		age(p, i == 3 ? 0 : 7200);  /* photo 3 was put a moment ago */
		free(p);
	}
	/* A crash's leftover temporary file, one being written now, and a file not the store's. */
	temp_old = xasprintf("%s/%.2s/.%s.AbC123", fx->dir, sha[1], sha[1]);
	temp_new = xasprintf("%s/%.2s/.%s.XyZ789", fx->dir, sha[3], sha[3]);
	stray = xasprintf("%s/%.2s/notes.txt", fx->dir, sha[1]);
	for (int i = 0; i < 3; i++) {
		const char *path = i == 0 ? temp_old : i == 1 ? temp_new : stray;
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("partial", f);
		fclose(f);
		age(path, i == 1 ? 0 : 7200);
	}

	refs[0] = sha[0];
	refs[1] = sha[2];
	refs[2] = "not a hash";
	assert_int_equal(photo_store_gc(ps, refs, 3, 3600, &res, &cause), 0);
	assert_true(photo_store_has(ps, sha[0]));
	assert_false(photo_store_has(ps, sha[1]));
	assert_true(photo_store_has(ps, sha[2]));
	assert_true(photo_store_has(ps, sha[3]));  /* unreferenced, but within the grace */
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.kept, 3);
	assert_int_equal(res.bytes_freed, strlen("photo 1"));
	assert_int_equal(access(temp_old, F_OK), -1);
	assert_int_equal(access(temp_new, F_OK), 0);
	assert_int_equal(access(stray, F_OK), 0);

	/* Without a grace, everything unreferenced goes; nothing referenced is ever touched. */
	assert_int_equal(photo_store_gc(ps, refs, 2, 0, &res, &cause), 0);
	assert_int_equal(res.removed, 1);
	assert_false(photo_store_has(ps, sha[3]));
	assert_int_equal(access(temp_new, F_OK), -1);
	assert_true(photo_store_has(ps, sha[0]));
	assert_true(photo_store_has(ps, sha[2]));
	assert_int_equal(photo_store_gc(ps, NULL, 0, 0, &res, &cause), 0);
	assert_int_equal(res.removed, 2);
	assert_int_equal(count_files(fx->dir), 1);  /* the stray file */

	photo_store_close(ps);
	free(temp_old);
	free(temp_new);
	free(stray);
}

static void
test_store_full_disk_leaves_nothing(void **state)
{
	struct fx *fx = *state;
	struct photo_store *ps;
	char *cause = NULL, sha[PHOTO_HASH_LEN];
	size_t big = 256 * 1024;
	unsigned char *bytes = malloc(big);

	assert_non_null(bytes);
	if (mount("tmpfs", fx->dir, "tmpfs", 0, "size=64k,mode=0700") != 0) {
		print_message("# SKIP cannot mount a small tmpfs at %s: %s\n", fx->dir, strerror(errno));
		free(bytes);
		skip();
	}
	randombytes_buf(bytes, big);
	assert_int_equal(photo_store_open(fx->dir, &ps, &cause), 0);
	assert_int_equal(photo_store_put(ps, bytes, big, sha, &cause), -1);
	assert_non_null(strstr(cause, "full"));
	assert_non_null(strstr(cause, "nothing was stored"));
	free(cause);
	assert_false(photo_store_has(ps, sha));
	assert_int_equal(count_files(fx->dir), 0);
	/* The room is still there for a photo that fits. */
	assert_int_equal(photo_store_put(ps, bytes, 4096, sha, &cause), 0);
	assert_true(photo_store_has(ps, sha));
	photo_store_close(ps);
	free(bytes);
}

/* ---- The terminal preview ---- */

static void
halves(unsigned x, unsigned y, unsigned w, unsigned h, unsigned char rgb[3])
{
	(void)y;
	(void)h;
	rgb[0] = x < w / 2 ? 200 : 30;
	rgb[1] = 30;
	rgb[2] = x < w / 2 ? 30 : 200;
}

static bool
rgb_near(int c, int r, int g, int b)
{
	return c >= 0 && abs((c >> 16) - r) < 48 && abs(((c >> 8) & 0xff) - g) < 48 &&
	    abs((c & 0xff) - b) < 48;
}

/* A photo as the store keeps it, at path (caller frees). */
static char *
stored_photo(const char *dir, unsigned w, unsigned h, paint_fn *paint)
{
	size_t len, out_len;
	unsigned char *src = make_jpeg(w, h, paint, NULL, &len), *out;
	struct photo_info info;
	struct photo_store *ps;
	char *cause = NULL, *path;

	assert_int_equal(photo_import_mem(src, len, 0, NULL, &out, &out_len, &info, &cause), 0);
	assert_int_equal(photo_store_open(dir, &ps, &cause), 0);
	assert_int_equal(photo_store_put(ps, out, out_len, NULL, &cause), 0);
	path = photo_store_path(ps, info.sha256);
	photo_store_close(ps);
	free(out);
	free(src);
	return path;
}

static void
test_preview_draws_a_stored_photo(void **state)
{
	struct fx *fx = *state;
	char *path = stored_photo(fx->dir, 3200, 1600, halves), *cause = NULL, ch[5];
	struct photo_preview *pv;
	unsigned cols, rows;
	int fg, bg;

	/* 2:1, in cells twice as tall as wide: 80 columns by 20 rows. */
	assert_int_equal(photo_preview_render(path, 80, 24, PHOTO_PREVIEW_TRUECOLOR, &pv, &cause), 0);
	cols = photo_preview_cols(pv);
	rows = photo_preview_rows(pv);
	assert_int_equal(cols, 80);
	assert_in_range(rows, 19, 21);
	for (unsigned y = 0; y < rows; y++) {
		photo_preview_cell(pv, 10, y, ch, &fg, &bg);
		if (!rgb_near(fg, 200, 30, 30) && !rgb_near(bg, 200, 30, 30))
			fail_msg("left cell at row %u: fg %06x bg %06x", y, fg, bg);
		photo_preview_cell(pv, 70, y, ch, &fg, &bg);
		if (!rgb_near(fg, 30, 30, 200) && !rgb_near(bg, 30, 30, 200))
			fail_msg("right cell at row %u: fg %06x bg %06x", y, fg, bg);
		assert_int_equal(strlen(ch) >= 1 && strlen(ch) <= 4, 1);
	}
	assert_non_null(strstr(photo_preview_line(pv, 0), "\x1b["));
	assert_string_equal(photo_preview_line(pv, rows), "");
	photo_preview_free(pv);

	/* Palette and plain terminals. */
	assert_int_equal(photo_preview_render(path, 40, 10, PHOTO_PREVIEW_256, &pv, &cause), 0);
	assert_true(photo_preview_cols(pv) <= 40 && photo_preview_rows(pv) <= 10);
	photo_preview_cell(pv, 2, 2, ch, &fg, &bg);
	assert_true(fg >= -1 && fg <= 255 && bg >= -1 && bg <= 255 && (fg >= 0 || bg >= 0));
	photo_preview_free(pv);
	assert_int_equal(photo_preview_render(path, 40, 10, PHOTO_PREVIEW_MONO, &pv, &cause), 0);
	photo_preview_cell(pv, 2, 2, ch, &fg, &bg);
	assert_int_equal(fg, -1);
	assert_null(strstr(photo_preview_line(pv, 2), "38;2"));
	photo_preview_free(pv);

	/* A box no terminal has, and a file that is not a photo. */
	assert_int_equal(photo_preview_render(path, 0, 24, PHOTO_PREVIEW_MONO, &pv, &cause), -1);
	assert_null(pv);
	free(cause);
	assert_int_equal(photo_preview_render("/etc/hostname", 80, 24, PHOTO_PREVIEW_MONO, &pv, &cause), -1);
	assert_non_null(strstr(cause, "/etc/hostname: not a JPEG"));
	free(cause);
	free(path);
}

/* ---- A photo question's answer, and the photos records name ---- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_answer_round_trip(void **state)
{
	struct photo_info in[2] = { 0 }, out[PHOTO_MAX_PER_ANSWER];
	size_t n;
	char *text;

	(void)state;
	memcpy(in[0].sha256, SHA_A, PHOTO_HASH_LEN);
	in[0].width = 1600, in[0].height = 1200, in[0].bytes = 236812;
	memcpy(in[0].captured_at, "2026-11-24T08:15:02", PHOTO_TIME_LEN);
	memcpy(in[1].sha256, SHA_B, PHOTO_HASH_LEN);
	in[1].width = 900, in[1].height = 1600, in[1].bytes = 1;
	text = photo_answer_format(in, 2);
	assert_string_equal(text, "sha256:" SHA_A " 1600x1200 236812 2026-11-24T08:15:02;"
	    "sha256:" SHA_B " 900x1600 1 -");
	assert_true(photo_answer_is(text));
	assert_int_equal(photo_answer_parse(text, out, PHOTO_MAX_PER_ANSWER, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].sha256, SHA_A);
	assert_int_equal(out[0].width, 1600);
	assert_int_equal(out[0].height, 1200);
	assert_int_equal(out[0].bytes, 236812);
	assert_string_equal(out[0].captured_at, "2026-11-24T08:15:02");
	assert_string_equal(out[1].sha256, SHA_B);
	assert_string_equal(out[1].captured_at, "");
	/* Only as many as asked are written; the count is all of them. */
	assert_int_equal(photo_answer_parse(text, out, 1, &n), 0);
	assert_int_equal(n, 2);
	free(text);
}

static void
test_answer_refuses_what_is_not_one(void **state)
{
	static const char *const bad[] = {
		"/sdcard/DCIM/IMG_0001.jpg",                   /* an older record's path */
		"",
		"sha256:",
		"sha256:" SHA_A,                               /* fields missing */
		"sha256:" SHA_A " 1600x1200 236812",
		"sha256:" SHA_A " 1600x1200 236812 - ",        /* a field too many */
		"sha256:" SHA_A "  1600x1200 236812 -",
		"sha256:" SHA_A "0 1600x1200 236812 -",        /* 65 digits */
		"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 1x1 1 -",
		"sha256:" SHA_A " 1600X1200 236812 -",
		"sha256:" SHA_A " 0x1200 236812 -",
		"sha256:" SHA_A " 1600x 236812 -",
		"sha256:" SHA_A " 70000x1 236812 -",           /* more than a JPEG's side */
		"sha256:" SHA_A " 1600x1200 0 -",
		"sha256:" SHA_A " 1600x1200 -5 -",
		"sha256:" SHA_A " 1600x1200 0123 -",
		"sha256:" SHA_A " 1600x1200 9999999999 -",     /* more than 9 digits */
		"sha256:" SHA_A " 1600x1200 12 2026-11-24 08:15:02",
		"sha256:" SHA_A " 1600x1200 12 2026-11-24T08:15",
		"sha256:" SHA_A " 1x1 1 -;",                   /* an empty second photo */
		"sha256:" SHA_A " 1x1 1 -;/sdcard/x.jpg",
	};
	struct photo_info out[PHOTO_MAX_PER_ANSWER];
	struct fc_buf many = { 0 };
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (photo_answer_parse(bad[i], out, PHOTO_MAX_PER_ANSWER, &n) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(n, 0);
	}
	for (int i = 0; i <= PHOTO_MAX_PER_ANSWER; i++) {
		const char *one = i > 0 ? ";sha256:" SHA_A " 1x1 1 -" : "sha256:" SHA_A " 1x1 1 -";

		fc_buf_append(&many, one, strlen(one));
	}
	fc_buf_append(&many, "", 1);
	assert_int_equal(photo_answer_parse(many.data, out, PHOTO_MAX_PER_ANSWER, &n), -1);
	free(many.data);
}

/* A record of form "f" with answer photo = value, saved as a draft or final. */
static void
save_with(struct store *st, const char *uuid, const char *value, bool final)
{
	struct store_record *rec = store_record_new();
	char *cause = NULL;

	if (uuid != NULL)
		fc_strlcpy(rec->uuid, uuid, sizeof rec->uuid);
	fc_strlcpy(rec->form_id, "f", sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, SHA_A, sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "wang", sizeof rec->inspector);
	fc_strlcpy(rec->device, "dev", sizeof rec->device);
	store_record_set_answer(rec, "note", "sha256:" SHA_B " 1x1 1 - is text, not a photo");
	store_record_set_answer(rec, "photo", value);
	if ((final ? store_finalize(st, rec, &cause) : store_save_draft(st, rec, &cause)) != 0)
		fail_msg("%s", cause);
	store_record_free(rec);
}

/* Discarding a draft removes its photos that no other record (draft or final) names. */
static void
test_discard_draft_frees_its_photos(void **state)
{
	struct fx *fx = *state;
	char *db = xasprintf("%s/fc.db", fx->dir), *dir = photo_store_dir_beside(db), *cause = NULL;
	char sha[3][PHOTO_HASH_LEN], **refs;
	struct photo_info ph[3] = { 0 };
	struct photo_store *ps;
	struct store *st;
	size_t nrefs;
	char *shared, *draft_only, *both;
	const char *draft = "11111111-1111-4111-8111-111111111111";
	const char *other = "22222222-2222-4222-8222-222222222222";

	assert_string_equal(dir + strlen(dir) - 13, "/fc.db.photos");
	assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &cause), 0);
	assert_int_equal(photo_store_open(dir, &ps, &cause), 0);
	for (int i = 0; i < 3; i++) {
		char bytes[32];

		snprintf(bytes, sizeof bytes, "photo %d", i);
		assert_int_equal(photo_store_put(ps, bytes, strlen(bytes), sha[i], &cause), 0);
		memcpy(ph[i].sha256, sha[i], PHOTO_HASH_LEN);
		ph[i].width = ph[i].height = 1, ph[i].bytes = strlen(bytes);
	}
	shared = photo_answer_format(&ph[0], 1);
	draft_only = photo_answer_format(&ph[1], 2);  /* photos 1 and 2 */
	both = photo_answer_format(ph, 2);            /* photos 0 and 1 */
	save_with(st, NULL, shared, true);            /* a final record names photo 0 */
	save_with(st, draft, both, false);            /* the draft names 0 and 1 */
	save_with(st, other, draft_only, false);      /* another draft names 1 and 2 */
	assert_int_equal(store_photo_referenced(st, &refs, &nrefs, &cause), 0);
	assert_int_equal(nrefs, 3);                   /* the text answer's hash is no photo */
	store_photo_hashes_free(refs, nrefs);

	assert_int_equal(store_discard_draft_photos(st, draft, &cause), 0);
	assert_true(photo_store_has(ps, sha[0]));     /* the final record's */
	assert_true(photo_store_has(ps, sha[1]));     /* the other draft's */
	assert_int_equal(store_discard_draft_photos(st, other, &cause), 0);
	assert_true(photo_store_has(ps, sha[0]));
	assert_false(photo_store_has(ps, sha[1]));
	assert_false(photo_store_has(ps, sha[2]));
	/* A final record is never discarded, nor its photos freed. */
	assert_int_equal(store_photo_referenced(st, &refs, &nrefs, &cause), 0);
	assert_int_equal(nrefs, 1);
	assert_string_equal(refs[0], sha[0]);
	store_photo_hashes_free(refs, nrefs);

	free(shared);
	free(draft_only);
	free(both);
	photo_store_close(ps);
	store_close(st);
	free(dir);
	free(db);
}

/* meaning/ shows a photo answer in words, in either language; a path stays a path. */
static void
test_answer_text(void **state)
{
	static const char form[] =
	    "survey,,,\n,type,name,label\n,image,p,Photo\n,text,t,Text\n";
	const char *answer = "sha256:" SHA_A " 1600x1200 236812 2026-11-24T08:15:02;"
	    "sha256:" SHA_B " 900x1600 800 -";
	struct form *f = form_load_buffer("p.csv", form, sizeof form - 1, NULL, NULL);
	char *t;

	(void)state;
	assert_non_null(f);
	t = meaning_answer_text(f, 0, answer, "en");
	assert_string_equal(t, "photo 1600×1200, 231 KiB, taken 2026-11-24 08:15:02 (aaaaaaaa); "
	    "photo 900×1600, 1 KiB (01234567)");
	free(t);
	t = meaning_answer_text(f, 0, answer, "zh");
	assert_string_equal(t, "照片 1600×1200，231 KiB，拍摄于 2026-11-24 08:15:02（aaaaaaaa）；"
	    "照片 900×1600，1 KiB（01234567）");
	free(t);
	t = meaning_answer_text(f, 0, "/sdcard/DCIM/IMG_1.jpg", "en");
	assert_string_equal(t, "/sdcard/DCIM/IMG_1.jpg");
	free(t);
	t = meaning_answer_text(f, 1, answer, "en");   /* a text question's answer is as typed */
	assert_string_equal(t, answer);
	free(t);
	form_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_downscales),
		cmocka_unit_test(test_import_applies_every_orientation),
		cmocka_unit_test(test_import_keeps_capture_time_only),
		cmocka_unit_test(test_import_refuses_what_is_not_a_jpeg),
		cmocka_unit_test(test_import_refuses_truncated_and_survives_damage),
		cmocka_unit_test(test_import_refuses_a_decompression_bomb),
		cmocka_unit_test(test_import_kinds_and_limits),
		cmocka_unit_test(test_import_png),
		cmocka_unit_test(test_import_missing_file),
		cmocka_unit_test_setup_teardown(test_import_refuses_a_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_put_is_atomic_and_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_gc_keeps_referenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_put_again_renews_the_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_full_disk_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preview_draws_a_stored_photo, setup, teardown),
		cmocka_unit_test(test_answer_round_trip),
		cmocka_unit_test(test_answer_refuses_what_is_not_one),
		cmocka_unit_test_setup_teardown(test_discard_draft_frees_its_photos, setup, teardown),
		cmocka_unit_test(test_answer_text),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("photo", tests, NULL, NULL);
}
