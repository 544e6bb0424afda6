/*
 * store_writer — drives the store for the crash, disk-full and bad-file
 * suites in tests/store/.
 *
 *   store_writer write DB [COUNT]      finalize records in a loop (forever by
 *                                      default), printing each UUID only after
 *                                      its commit returned
 *   store_writer verify DB UUIDFILE    every complete UUID line of UUIDFILE is
 *                                      stored with exactly the content write
 *                                      gave it, and integrity_check says ok
 *
 * The content of a record is derived from its UUID, so verify can tell an
 * intact record from a damaged one without a second copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"

static void
fill(struct store_record *rec)
{
	char note[160];

	fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "2026110101", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "crash-test", sizeof rec->inspector);
	fc_strlcpy(rec->device, "handheld-1", sizeof rec->device);
	rec->pos.source = STORE_POS_MANUAL;
	rec->pos.lat = 31.2304;
	rec->pos.lon = 121.4737;
	rec->pos.accuracy_m = 5;
	fc_strlcpy(rec->pos.reason, "test", sizeof rec->pos.reason);
	snprintf(note, sizeof note, "方砖松动 near %s", rec->uuid);
	store_record_set_answer(rec, "asset_id", rec->uuid + 24);
	store_record_set_answer(rec, "loose_bricks", "yes");
	store_record_set_answer(rec, "loose_bricks_severity", "severe");
	store_record_set_answer(rec, "note", note);
}

static int
do_write(const char *db, long count)
{
	struct store *st;
	char *cause = NULL;

	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "store_writer: %s\n", cause);
		return 1;
	}
	for (long i = 0; count < 0 || i < count; i++) {
		struct store_record *rec = store_record_new();

		fill(rec);
		if (store_finalize(st, rec, &cause) != 0) {
			fprintf(stderr, "store_writer: %s\n", cause);
			store_record_free(rec);
			store_close(st);
			return 1;
		}
		printf("%s\n", rec->uuid);
		fflush(stdout);
		store_record_free(rec);
	}
	store_close(st);
	return 0;
}

/* Whether FILE holds a whole printed line; rewinds it either way. */
static bool
has_complete_line(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		;
	rewind(f);
	return c == '\n';
}

static int
do_verify(const char *db, const char *list)
{
	char line[128], *cause = NULL;
	long checked = 0, bad = 0;
	struct store *st;
	FILE *f;

	if ((f = fopen(list, "r")) == NULL) {
		perror(list);
		return 1;
	}
	/*
	 * A kill before the first commit can leave a file whose schema was never
	 * created; a read-only open rightly refuses it, and with no UUID printed
	 * there is nothing it could have lost.
	 */
	if (!has_complete_line(f)) {
		fclose(f);
		return 0;
	}
	if (store_open(db, STORE_READ_ONLY, &st, &cause) != 0) {
		fprintf(stderr, "store_writer: %s\n", cause);
		fclose(f);
		return 1;
	}
	if (store_check_integrity(st, &cause) != 0) {
		fprintf(stderr, "store_writer: %s\n", cause);
		fclose(f);
		store_close(st);
		return 1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		struct store_record *got, *want;
		char *a, *b;

		if (strchr(line, '\n') == NULL)
			break;  /* cut by the kill: its commit may or may not have returned */
		line[strcspn(line, "\n")] = '\0';
		if (store_get(st, line, &got, &cause) != 0) {
			fprintf(stderr, "store_writer: printed but lost: %s\n", cause);
			free(cause);
			cause = NULL;
			bad++;
			continue;
		}
		want = store_record_new();
		memcpy(want->uuid, got->uuid, sizeof want->uuid);
		fill(want);
		/* Times and status are the store's; the content must match exactly. */
		memcpy(want->created_at, got->created_at, sizeof want->created_at);
		memcpy(want->updated_at, got->updated_at, sizeof want->updated_at);
		memcpy(want->finalized_at, got->finalized_at, sizeof want->finalized_at);
		memcpy(want->day, got->day, sizeof want->day);
		want->status = STORE_FINAL;
		a = store_record_to_json(want);
		b = store_record_to_json(got);
		if (strcmp(a, b) != 0) {
			fprintf(stderr, "store_writer: damaged: %s\n  want %s\n  got  %s\n", line, a, b);
			bad++;
		}
		checked++;
		free(a);
		free(b);
		store_record_free(want);
		store_record_free(got);
	}
	fclose(f);
	store_close(st);
	printf("%ld checked, %ld lost or damaged\n", checked, bad);
	return bad == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], argc > 3 ? atol(argv[3]) : -1);
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return do_verify(argv[2], argv[3]);
	fputs("usage: store_writer write DB [COUNT] | verify DB UUIDFILE\n", stderr);
	return 2;
}
