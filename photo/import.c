/*
 * photo/import.c — from a camera's JPEG to the photo a record keeps.
 *
 * One pass over the source: libjpeg-turbo's scaled IDCT decodes at the
 * smallest n/8 of the size that still leaves at least the target (the
 * cheap, good part of the downscale: 1/2 for a 12-megapixel photo to
 * 1600 px), and an area-averaging resampler takes the scanlines the rest
 * of the way as they arrive, so no buffer of the full-size image ever
 * exists.  The orientation is applied to the small result, which is then
 * encoded at PHOTO_JPEG_QUALITY with an EXIF block holding only the capture
 * time.  A PNG takes the same road from libpng's rows, with no scaled
 * decoding.
 *
 * libjpeg and libpng report errors by calling a function that must not
 * return: ours longjmp back to the entry point (photo_import_mem,
 * photo_decode_scaled).  Everything the cleanup needs lives in the
 * heap-allocated struct job, reached through a pointer that does not change
 * after setjmp, so no local needs to be volatile.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <libexif/exif-data.h>
#include <png.h>
#include <sodium.h>

#include "photo/photo.h"
#include "photo/photo_internal.h"
#include "util/util.h"

struct decode_err {
	struct jpeg_error_mgr mgr;    /* first: libjpeg hands back this pointer */
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX + 64];
};

struct decode_progress {
	struct jpeg_progress_mgr pub; /* first, as above */
	unsigned max_scans;
};

/*
 * Where each output column takes its pixels from: taps source pixels from
 * first, weighted (zero weights pad the short ones, so every column reads
 * the same count and the common 3-tap case needs no inner loop).
 */
struct axis {
	unsigned *first;
	float *weight;
	unsigned taps;
};

struct job {
	struct photo_limits lim;
	struct decode_err err;
	struct decode_progress progress;
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	bool d_made, c_made;
	png_structp png;          /* a PNG source instead of d, when not NULL */
	png_infop png_info;
	const unsigned char *png_src;
	size_t png_len, png_at;

	unsigned orientation;
	char captured_at[PHOTO_TIME_LEN];

	unsigned sw, sh;          /* the source's size */
	unsigned ow, oh;          /* what the decoder delivers (the scaled IDCT, for a JPEG) */
	unsigned dw, dh;          /* after the resampler, before orientation */
	unsigned fw, fh;          /* final, oriented */
	struct axis hx;
	unsigned char *row;       /* one decoded scanline */
	float *acc[2];            /* two output rows being summed, at the decoded width */
	float *hrow;              /* a summed row resampled to the output width */
	unsigned char *pixels;    /* dw x dh RGB */
	unsigned char *oriented;  /* fw x fh RGB, when orientation is not 1 */

	unsigned char *exif;      /* libexif's allocation */
	unsigned int exif_len;
	unsigned char *jpeg;      /* libjpeg's allocation (jpeg_mem_dest) */
	unsigned long jpeg_len;
};

static void
job_refuse(j_common_ptr cinfo, const char *what)
{
	struct decode_err *e = (struct decode_err *)cinfo->err;
	char lib[JMSG_LENGTH_MAX];

	(*cinfo->err->format_message)(cinfo, lib);
	snprintf(e->msg, sizeof e->msg, "%s (%s)", what, lib);
	longjmp(e->jump, 1);
}

static void
job_error_exit(j_common_ptr cinfo)
{
	struct decode_err *e = (struct decode_err *)cinfo->err;

	/* libjpeg asks for a backing store when the memory limit is reached. */
	if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
		snprintf(e->msg, sizeof e->msg, "the JPEG needs more than %ld MiB to decode",
		    cinfo->mem->max_memory_to_use / (1024 * 1024));
		longjmp(e->jump, 1);
	}
	job_refuse(cinfo, cinfo->is_decompressor ? "not a readable JPEG image" : "cannot encode the photo");
}

/*
 * libjpeg carries on after a warning, filling what it lacks with grey.  A
 * photo that is evidence must be the photo the camera took, so every
 * warning that means missing or damaged image data is a refusal; the
 * harmless ones (extra bytes between markers, an odd JFIF version) pass.
 */
static void
job_emit_message(j_common_ptr cinfo, int level)
{
	if (level >= 0)
		return;  /* trace output */
	switch (cinfo->err->msg_code) {
	case JWRN_JPEG_EOF:
		job_refuse(cinfo, "the JPEG data ends early: a truncated file");
		break;
	case JWRN_HIT_MARKER:
	case JWRN_MUST_RESYNC:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_BOGUS_PROGRESSION:
		job_refuse(cinfo, "corrupt JPEG data");
		break;
	default:
		cinfo->err->num_warnings++;
	}
}

static void
job_progress(j_common_ptr cinfo)
{
	struct decode_progress *p = (struct decode_progress *)cinfo->progress;
	j_decompress_ptr d = (j_decompress_ptr)cinfo;
	struct decode_err *e = (struct decode_err *)cinfo->err;

	if (cinfo->is_decompressor && d->input_scan_number > 0 &&
	    (unsigned)d->input_scan_number > p->max_scans) {
		snprintf(e->msg, sizeof e->msg, "the JPEG has more than %u scans", p->max_scans);
		longjmp(e->jump, 1);
	}
}

/* libjpeg's error handling, for the decoder and the encoder alike. */
static struct jpeg_error_mgr *
job_err(struct job *job)
{
	jpeg_std_error(&job->err.mgr);
	job->err.mgr.error_exit = job_error_exit;
	job->err.mgr.emit_message = job_emit_message;
	return &job->err.mgr;
}

static void
job_free(struct job *job)
{
	if (job->d_made)
		jpeg_destroy_decompress(&job->d);
	if (job->c_made)
		jpeg_destroy_compress(&job->c);
	if (job->png != NULL)
		png_destroy_read_struct(&job->png, &job->png_info, NULL);
	free(job->hx.first);
	free(job->hx.weight);
	free(job->row);
	free(job->hrow);
	free(job->acc[0]);
	free(job->acc[1]);
	free(job->pixels);
	free(job->oriented);
	free(job->exif);
	free(job->jpeg);
	free(job);
}

/* ---- EXIF: read the orientation and capture time, write the capture time back ---- */

static bool
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int
num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYY:MM:DD HH:MM:SS" to "YYYY-MM-DDTHH:MM:SS"; false when malformed or unset (zeros). */
static bool
exif_time_to_iso(const char *s, size_t n, char out[PHOTO_TIME_LEN])
{
	if (n < 19 || !digits(s, 4) || s[4] != ':' || !digits(s + 5, 2) || s[7] != ':' ||
	    !digits(s + 8, 2) || s[10] != ' ' || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	if (num(s, 4) < 1900 || num(s + 5, 2) < 1 || num(s + 5, 2) > 12 || num(s + 8, 2) < 1 ||
	    num(s + 8, 2) > 31 || num(s + 11, 2) > 23 || num(s + 14, 2) > 59 || num(s + 17, 2) > 60)
		return false;
	snprintf(out, PHOTO_TIME_LEN, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s",
	    s, s + 5, s + 8, s + 11, s + 14, s + 17);
	return true;
}

/* libexif returns NULL for out of memory, which the x*alloc rule makes fatal. */
static void *
exif_alloc_check(void *p)
{
	if (p == NULL) {
		fputs("fieldcheck: out of memory\n", stderr);
		abort();
	}
	return p;
}

static ExifData *
exif_new_plain(void)
{
	ExifData *ed = exif_alloc_check(exif_data_new());

	/* Following the specification would make libexif add the tags it
	 * deems mandatory (with today's date) to what it reads and writes. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	return ed;
}

static void
exif_read(struct job *job)
{
	for (jpeg_saved_marker_ptr m = job->d.marker_list; m != NULL; m = m->next) {
		ExifData *ed;
		ExifEntry *e;

		if (m->marker != JPEG_APP0 + 1 || m->data_length < 6 || memcmp(m->data, "Exif\0\0", 6) != 0)
			continue;
		ed = exif_new_plain();
		exif_data_load_data(ed, m->data, m->data_length);
		e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
		if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2) {
			unsigned v = exif_get_short(e->data, exif_data_get_byte_order(ed));
			if (v >= 1 && v <= 8)
				job->orientation = v;
		}
		e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
		if (e != NULL && e->format == EXIF_FORMAT_ASCII && e->data != NULL &&
		    !exif_time_to_iso((const char *)e->data, e->size, job->captured_at))
			job->captured_at[0] = '\0';
		exif_data_unref(ed);
		return;  /* the first EXIF block is the camera's */
	}
}

/* An APP1 block with DateTimeOriginal only, or none when the time is unknown. */
static void
exif_write_time(struct job *job)
{
	const char *t = job->captured_at;
	ExifData *ed;
	ExifEntry *e;

	if (t[0] == '\0')
		return;
	ed = exif_new_plain();
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	e = exif_alloc_check(exif_entry_new());
	exif_content_add_entry(ed->ifd[EXIF_IFD_EXIF], e);
	exif_entry_initialize(e, EXIF_TAG_DATE_TIME_ORIGINAL);
	if (e->data != NULL && e->size >= 20)
		snprintf((char *)e->data, e->size, "%.4s:%.2s:%.2s %.2s:%.2s:%.2s",
		    t, t + 5, t + 8, t + 11, t + 14, t + 17);
	exif_entry_unref(e);
	exif_data_save_data(ed, &job->exif, &job->exif_len);
	exif_data_unref(ed);
}

/* ---- Sizes and the resampler ---- */

/* The final size for a long edge of at most max_edge, aspect kept. */
static void
target_size(unsigned w, unsigned h, unsigned max_edge, unsigned *tw, unsigned *th)
{
	unsigned long_edge = w > h ? w : h;

	if (long_edge <= max_edge) {
		*tw = w;
		*th = h;
		return;
	}
	*tw = (unsigned)lround((double)w * max_edge / long_edge);
	*th = (unsigned)lround((double)h * max_edge / long_edge);
	if (*tw < 1)
		*tw = 1;
	if (*th < 1)
		*th = 1;
}

/* Area averaging: output pixel i covers source [i*s, (i+1)*s), s = src/dst >= 1. */
static void
axis_make(struct axis *a, unsigned src, unsigned dst)
{
	double s = (double)src / dst;

	a->taps = (unsigned)ceil(s) + 1;
	a->first = xcalloc(dst, sizeof *a->first);
	a->weight = xcalloc((size_t)dst * a->taps, sizeof *a->weight);
	for (unsigned i = 0; i < dst; i++) {
		double lo = i * s, hi = fmin((i + 1) * s, (double)src);
		unsigned f = (unsigned)lo;

		a->first[i] = f;
		for (unsigned j = f, n = 0; j < src && j < hi && n < a->taps; j++, n++) {
			double w = fmin(hi, j + 1.0) - fmax(lo, (double)j);
			a->weight[(size_t)i * a->taps + n] = (float)(w > 0 ? w / s : 0);
		}
	}
}

/*
 * The row loops run in blocks of LANES values over buffers padded to a
 * multiple of it, so the compiler turns them into vector code at -O2
 * without a scalar tail.
 */
#define LANES 16

static size_t
padded(size_t n)
{
	return (n + LANES - 1) / LANES * LANES;
}

/* acc += w * row, over n values (a multiple of LANES). */
static void
accumulate(float *restrict acc, const unsigned char *restrict row, float w, size_t n)
{
	for (size_t i = 0; i < n; i += LANES)
		for (size_t k = 0; k < LANES; k++)
			acc[i + k] += w * row[i + k];
}

/* src has a->taps pixels past its end, read with zero weights. */
static void
resample_row(const struct axis *a, const float *restrict src, unsigned dw, float *restrict out)
{
	const float *w = a->weight;

	if (a->taps == 3) {  /* every ratio from 1 to 2: what the scaled IDCT leaves */
		for (unsigned i = 0; i < dw; i++, w += 3, out += 3) {
			const float *p = src + (size_t)a->first[i] * 3;

			out[0] = w[0] * p[0] + w[1] * p[3] + w[2] * p[6];
			out[1] = w[0] * p[1] + w[1] * p[4] + w[2] * p[7];
			out[2] = w[0] * p[2] + w[1] * p[5] + w[2] * p[8];
		}
		return;
	}
	for (unsigned i = 0; i < dw; i++, w += a->taps, out += 3) {
		const float *p = src + (size_t)a->first[i] * 3;
		float r = 0, g = 0, b = 0;

		for (unsigned k = 0; k < a->taps; k++, p += 3) {
			r += w[k] * p[0];
			g += w[k] * p[1];
			b += w[k] * p[2];
		}
		out[0] = r;
		out[1] = g;
		out[2] = b;
	}
}

/* Rounds n values (a multiple of LANES) to bytes; out has room for them all. */
static void
emit_row(const float *restrict v, size_t n, unsigned char *restrict out)
{
	for (size_t i = 0; i < n; i += LANES)
		for (size_t k = 0; k < LANES; k++) {
			float x = v[i + k] + 0.5f;
			x = x < 0 ? 0 : x;
			x = x > 255 ? 255 : x;
			out[i + k] = (unsigned char)x;
		}
}

/* The next source row, ow RGB pixels. */
static void
read_row(struct job *job, unsigned char *row)
{
	JSAMPROW rp = row;

	if (job->png != NULL)
		png_read_row(job->png, row, NULL);
	else
		jpeg_read_scanlines(&job->d, &rp, 1);
}

/*
 * Reads every scanline into job->pixels, resampling as the rows arrive:
 * each source row is added, weighted by its overlap, to the one or two
 * output rows it covers (vertical first, on the wider rows, because it
 * vectorizes; the horizontal pass then runs once per output row).
 */
static void
decode_pixels(struct job *job)
{
	size_t orow = (size_t)job->ow * 3, drow = (size_t)job->dw * 3, wide;
	double sy = (double)job->oh / job->dh;
	unsigned y = 0;

	/* LANES of slack: emit_row writes whole blocks, into the next row or past the last. */
	job->pixels = xmalloc(drow * job->dh + LANES);
	if (job->ow == job->dw && job->oh == job->dh) {
		for (unsigned j = 0; j < job->oh; j++)
			read_row(job, job->pixels + j * drow);
		return;
	}
	axis_make(&job->hx, job->ow, job->dw);
	wide = padded(orow + 3 * (size_t)job->hx.taps);
	job->row = xcalloc(wide, 1);
	job->acc[0] = xcalloc(wide, sizeof *job->acc[0]);
	job->acc[1] = xcalloc(wide, sizeof *job->acc[1]);
	job->hrow = xcalloc(padded(drow), sizeof *job->hrow);
	for (unsigned j = 0; j < job->oh; j++) {
		read_row(job, job->row);
		for (unsigned k = 0; k < 2 && y + k < job->dh; k++) {
			double ov = fmin(j + 1.0, (y + k + 1) * sy) - fmax((double)j, (y + k) * sy);

			if (ov > 0)
				accumulate(job->acc[k], job->row, (float)(ov / sy), padded(orow));
		}
		if (y < job->dh && j + 1.0 >= (y + 1) * sy - 1e-6) {
			float *done = job->acc[0];

			resample_row(&job->hx, done, job->dw, job->hrow);
			emit_row(job->hrow, padded(drow), job->pixels + y * drow);
			memset(done, 0, wide * sizeof *done);
			job->acc[0] = job->acc[1];
			job->acc[1] = done;
			y++;
		}
	}
	for (; y < job->dh; y++) {  /* rounding left a last row unfinished */
		resample_row(&job->hx, job->acc[0], job->dw, job->hrow);
		emit_row(job->hrow, padded(drow), job->pixels + y * drow);
		memset(job->acc[0], 0, wide * sizeof *job->acc[0]);
	}
}

/* EXIF orientation 2-8: the transform that shows the picture upright. */
static void
orient(struct job *job)
{
	unsigned w = job->dw, h = job->dh, o = job->orientation;
	bool swap = o >= 5;

	job->fw = swap ? h : w;
	job->fh = swap ? w : h;
	if (o == 1)
		return;
	job->oriented = xmalloc((size_t)w * h * 3);
	for (unsigned y = 0; y < job->fh; y++) {
		unsigned char *out = job->oriented + (size_t)y * job->fw * 3;

		for (unsigned x = 0; x < job->fw; x++, out += 3) {
			unsigned sx, sy;

			switch (o) {
			case 2: sx = w - 1 - x; sy = y; break;
			case 3: sx = w - 1 - x; sy = h - 1 - y; break;
			case 4: sx = x; sy = h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = h - 1 - x; break;
			case 7: sx = w - 1 - y; sy = h - 1 - x; break;
			default: sx = w - 1 - y; sy = x; break;  /* 8 */
			}
			memcpy(out, job->pixels + ((size_t)sy * w + sx) * 3, 3);
		}
	}
}

static void
encode(struct job *job)
{
	const unsigned char *px = job->oriented != NULL ? job->oriented : job->pixels;

	job->c.err = job_err(job);
	jpeg_create_compress(&job->c);
	job->c_made = true;
	jpeg_mem_dest(&job->c, &job->jpeg, &job->jpeg_len);
	job->c.image_width = job->fw;
	job->c.image_height = job->fh;
	job->c.input_components = 3;
	job->c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&job->c);
	jpeg_set_quality(&job->c, PHOTO_JPEG_QUALITY, TRUE);
	exif_write_time(job);
	/* EXIF wants its APP1 straight after SOI, as cameras write it. */
	job->c.write_JFIF_header = job->exif == NULL;
	jpeg_start_compress(&job->c, TRUE);
	if (job->exif != NULL)
		jpeg_write_marker(&job->c, JPEG_APP0 + 1, job->exif, job->exif_len);
	while (job->c.next_scanline < job->c.image_height) {
		JSAMPROW rp = (JSAMPROW)px + (size_t)job->c.next_scanline * job->fw * 3;
		jpeg_write_scanlines(&job->c, &rp, 1);
	}
	jpeg_finish_compress(&job->c);
}

/* ---- Entry points ---- */

static bool
is_png(const unsigned char *p, size_t len)
{
	return len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- PNG sources (screenshots, scans): libpng, into the same pipeline ---- */

static void
png_fail(png_structp png, png_const_charp msg)
{
	struct job *job = png_get_error_ptr(png);

	if (job->err.msg[0] == '\0')
		snprintf(job->err.msg, sizeof job->err.msg, "not a readable PNG image (%s)", msg);
	longjmp(job->err.jump, 1);
}

/* libpng warns of what it can read past (a known bad colour profile...): harmless here. */
static void
png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_read_mem(png_structp png, png_bytep out, size_t n)
{
	struct job *job = png_get_io_ptr(png);

	if (n > job->png_len - job->png_at) {
		snprintf(job->err.msg, sizeof job->err.msg, "the PNG data ends early: a truncated file");
		png_error(png, "truncated");
	}
	memcpy(out, job->png_src + job->png_at, n);
	job->png_at += n;
}

/*
 * Checks the IHDR's size before libpng exists, so a PNG bomb costs its
 * first 33 bytes; then reads the header and asks libpng for 8-bit RGB rows
 * (palette expanded, grey widened, 16 bits cut, alpha dropped).  Text,
 * profile, EXIF and time chunks are skipped unread.  Called after
 * setjmp(job->err.jump).
 */
static int
png_begin(struct job *job, const unsigned char *src, size_t len, char **cause)
{
	static const png_byte skipped[] = "tEXt\0zTXt\0iTXt\0iCCP\0eXIf\0tIME\0sPLT";
	uint64_t w, h;

	if (len < 33 || memcmp(src + 12, "IHDR", 4) != 0)  /* signature, then the whole IHDR chunk */
		return fc_fail(cause, "not a PNG image (no header)");
	w = be32(src + 16);
	h = be32(src + 20);
	if (w * h > job->lim.max_source_pixels)
		return fc_fail(cause, "a PNG image declaring %llu x %llu pixels, more than the limit of %llu",
		    (unsigned long long)w, (unsigned long long)h, (unsigned long long)job->lim.max_source_pixels);
	/* A JPEG's side is at most 65535 by its format; a PNG's row buffers are bound the same way. */
	if (w > PHOTO_MAX_SOURCE_SIDE || h > PHOTO_MAX_SOURCE_SIDE)
		return fc_fail(cause, "a PNG image declaring %llu x %llu pixels, more than %u on a side",
		    (unsigned long long)w, (unsigned long long)h, PHOTO_MAX_SOURCE_SIDE);
	if (src[28] != 0)
		return fc_fail(cause, "an interlaced PNG, which is not imported: save it without interlacing");
	job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_fail, png_warn);
	if (job->png == NULL)
		return fc_fail(cause, "out of memory for a PNG decoder");
	job->png_info = png_create_info_struct(job->png);
	if (job->png_info == NULL)
		return fc_fail(cause, "out of memory for a PNG decoder");
	job->png_src = src;
	job->png_len = len;
	png_set_read_fn(job->png, job, png_read_mem);
	png_set_user_limits(job->png, PHOTO_MAX_SOURCE_SIDE, PHOTO_MAX_SOURCE_SIDE);
	png_set_chunk_malloc_max(job->png, 1024 * 1024);
	png_set_keep_unknown_chunks(job->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
	png_set_keep_unknown_chunks(job->png, PNG_HANDLE_CHUNK_NEVER, skipped, 7);
	png_read_info(job->png, job->png_info);
	job->sw = png_get_image_width(job->png, job->png_info);
	job->sh = png_get_image_height(job->png, job->png_info);
	png_set_expand(job->png);
	png_set_strip_16(job->png);
	png_set_strip_alpha(job->png);
	png_set_gray_to_rgb(job->png);
	png_read_update_info(job->png, job->png_info);
	if (png_get_channels(job->png, job->png_info) != 3 ||
	    png_get_rowbytes(job->png, job->png_info) != (size_t)job->sw * 3)
		return fc_fail(cause, "a PNG of a layout that is not imported");
	job->ow = job->sw;
	job->oh = job->sh;
	return 0;
}

static void
limits_or_defaults(const struct photo_limits *in, struct photo_limits *out)
{
	*out = in != NULL ? *in : (struct photo_limits){ 0 };
	if (out->max_source_bytes == 0)
		out->max_source_bytes = PHOTO_MAX_SOURCE_BYTES;
	if (out->max_source_pixels == 0)
		out->max_source_pixels = PHOTO_MAX_SOURCE_PIXELS;
	if (out->max_decoder_mem == 0)
		out->max_decoder_mem = PHOTO_MAX_DECODER_MEM;
	if (out->max_scans == 0)
		out->max_scans = PHOTO_MAX_SCANS;
}

/* The scaled IDCT's n/8: the smallest that still gives at least tw x th. */
static void
choose_scale(struct job *job, unsigned tw, unsigned th)
{
	unsigned n = 1;

	while (n < 8 && ((job->d.image_width * n + 7) / 8 < tw || (job->d.image_height * n + 7) / 8 < th))
		n++;
	job->d.scale_num = n;
	job->d.scale_denom = 8;
	jpeg_calc_output_dimensions(&job->d);
	if (job->d.output_width < tw || job->d.output_height < th) {
		job->d.scale_num = 8;
		jpeg_calc_output_dimensions(&job->d);
	}
}

/*
 * Sniffs the bytes, makes the decoder and reads the JPEG header, refusing
 * what the checks refuse; reading the APP1 blocks when want_exif.  Called
 * after setjmp(job->err.jump): libjpeg's errors land there.
 */
static int
decoder_begin(struct job *job, const unsigned char *src, size_t len, bool want_exif, char **cause)
{
	if (len > job->lim.max_source_bytes)
		return fc_fail(cause, "%zu bytes, more than the limit of %zu", len, job->lim.max_source_bytes);
	if (len < 3 || src[0] != 0xff || src[1] != 0xd8 || src[2] != 0xff)
		return fc_fail(cause, "not a JPEG image");
	job->d.err = job_err(job);
	jpeg_create_decompress(&job->d);
	job->d_made = true;
	job->d.mem->max_memory_to_use = (long)job->lim.max_decoder_mem;
	job->progress.pub.progress_monitor = job_progress;
	job->progress.max_scans = job->lim.max_scans;
	job->d.progress = &job->progress.pub;
	jpeg_mem_src(&job->d, src, (unsigned long)len);
	if (want_exif)
		jpeg_save_markers(&job->d, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(&job->d, TRUE);
	if ((uint64_t)job->d.image_width * job->d.image_height > job->lim.max_source_pixels)
		return fc_fail(cause, "a JPEG declaring %u x %u pixels, more than the limit of %llu",
		    job->d.image_width, job->d.image_height, (unsigned long long)job->lim.max_source_pixels);
	if (job->d.jpeg_color_space == JCS_CMYK || job->d.jpeg_color_space == JCS_YCCK)
		return fc_fail(cause, "a CMYK JPEG, which no camera makes");
	job->d.out_color_space = JCS_RGB;
	job->sw = job->d.image_width;
	job->sh = job->d.image_height;
	return 0;
}

static struct job *
job_new(const struct photo_limits *lim)
{
	struct job *job = xcalloc(1, sizeof *job);

	limits_or_defaults(lim, &job->lim);
	job->orientation = 1;
	return job;
}

int
photo_decode_scaled(const void *data, size_t len, unsigned min_w, unsigned min_h,
    unsigned char **rgb, unsigned *w, unsigned *h, char **cause)
{
	struct job *job = job_new(NULL);

	*rgb = NULL;
	if (setjmp(job->err.jump) != 0) {
		fc_fail(cause, "%s", job->err.msg);
		goto fail;
	}
	if (decoder_begin(job, data, len, false, cause) != 0)
		goto fail;
	choose_scale(job, min_w < job->d.image_width ? min_w : job->d.image_width,
	    min_h < job->d.image_height ? min_h : job->d.image_height);
	jpeg_start_decompress(&job->d);
	job->ow = job->dw = job->d.output_width;
	job->oh = job->dh = job->d.output_height;
	decode_pixels(job);
	jpeg_finish_decompress(&job->d);
	*rgb = job->pixels;
	*w = job->dw;
	*h = job->dh;
	job->pixels = NULL;
	job_free(job);
	return 0;

fail:
	job_free(job);
	return -1;
}

int
photo_import_mem(const void *data, size_t len, unsigned max_long_edge,
    const struct photo_limits *lim, unsigned char **jpeg, size_t *jpeg_len,
    struct photo_info *out, char **cause)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	struct job *job;
	unsigned tw, th;

	*jpeg = NULL;
	*jpeg_len = 0;
	memset(out, 0, sizeof *out);
	if (max_long_edge == 0)
		max_long_edge = PHOTO_DEFAULT_LONG_EDGE;
	if (max_long_edge > PHOTO_MAX_LONG_EDGE)
		return fc_fail(cause, "a long edge of %u pixels asked, more than the limit of %u",
		    max_long_edge, PHOTO_MAX_LONG_EDGE);
	job = job_new(lim);
	if (setjmp(job->err.jump) != 0) {
		fc_fail(cause, "%s", job->err.msg);
		goto fail;
	}
	if (len <= job->lim.max_source_bytes && is_png(data, len)) {
		if (png_begin(job, data, len, cause) != 0)
			goto fail;
		target_size(job->sw, job->sh, max_long_edge, &tw, &th);
	} else {
		if (decoder_begin(job, data, len, true, cause) != 0)
			goto fail;
		exif_read(job);
		target_size(job->sw, job->sh, max_long_edge, &tw, &th);
		choose_scale(job, tw, th);
		jpeg_start_decompress(&job->d);
		job->ow = job->d.output_width;
		job->oh = job->d.output_height;
	}
	job->dw = tw;
	job->dh = th;
	decode_pixels(job);
	if (job->png != NULL)
		png_read_end(job->png, NULL);  /* the rest up to IEND, checksums included */
	else
		jpeg_finish_decompress(&job->d);
	orient(job);
	encode(job);

	crypto_hash_sha256(digest, job->jpeg, job->jpeg_len);
	sodium_bin2hex(out->sha256, sizeof out->sha256, digest, sizeof digest);
	out->width = job->fw;
	out->height = job->fh;
	out->bytes = job->jpeg_len;
	memcpy(out->captured_at, job->captured_at, sizeof out->captured_at);
	out->source_width = job->sw;
	out->source_height = job->sh;
	out->orientation = job->orientation;
	*jpeg = job->jpeg;
	*jpeg_len = job->jpeg_len;
	job->jpeg = NULL;
	job_free(job);
	return 0;

fail:
	job_free(job);
	return -1;
}

int
photo_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char **cause)
{
	char *buf;

	if (fc_read_file(path, max, &buf, len, cause) != 0)
		return -1;
	*data = (unsigned char *)buf;
	return 0;
}

int
photo_import(const char *src_path, unsigned max_long_edge, unsigned char **jpeg,
    size_t *jpeg_len, struct photo_info *out, char **cause)
{
	unsigned char *data = NULL;
	size_t len = 0;
	char *why = NULL;
	int rc;

	*jpeg = NULL;
	*jpeg_len = 0;
	if (photo_read_file(src_path, PHOTO_MAX_SOURCE_BYTES, &data, &len, cause) != 0)
		return -1;
	rc = photo_import_mem(data, len, max_long_edge, NULL, jpeg, jpeg_len, out, &why);
	free(data);
	if (rc != 0) {
		fc_fail(cause, "%s: %s", src_path, why);
		free(why);
	}
	return rc;
}

int
photo_store_import(struct photo_store *ps, const char *src_path, unsigned max_long_edge,
    struct photo_info *out, bool *added, char **cause)
{
	unsigned char *jpeg = NULL;
	size_t len = 0;
	int rc = -1;

	if (photo_import(src_path, max_long_edge, &jpeg, &len, out, cause) != 0)
		return -1;
	*added = !photo_store_has(ps, out->sha256);
	if (photo_store_put(ps, jpeg, len, NULL, cause) == 0)
		rc = 0;
	free(jpeg);
	return rc;
}
