/*
 * fieldcheck outbox — the bundles frozen for the depot and not yet sent,
 * and a way back for those the depot refused.
 *
 *   fieldcheck outbox list           one bundle a line, oldest first (tab-separated):
 *                                    uuid, queued|refused, created_at, records, bytes,
 *                                    refused_at, HTTP status, the depot's reason
 *   fieldcheck outbox retry UUID     queue a refused bundle again: the next sync
 *                                    sends the same bytes (fix the cause first)
 *
 * A refused bundle keeps its records (status bundled) and its bytes; it is
 * only set aside so that the rest of the queue goes on.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"

/* A field for a tab-separated line: tabs and line breaks become spaces, "" becomes "-". */
static void
put_field(const char *s)
{
	if (s[0] == '\0') {
		fputc('-', stdout);
		return;
	}
	for (; *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, stdout);
}

static int
print_entry(void *ctx, const struct store_outbox_entry *e)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%zu\t%zu\t", e->uuid, e->refused ? "refused" : "queued", e->created_at,
	    e->record_count, e->size);
	put_field(e->refused_at);
	if (e->refused)
		printf("\t%ld\t", e->refused_status);
	else
		fputs("\t-\t", stdout);
	put_field(e->reason);
	fputc('\n', stdout);
	return 0;
}

int
cmd_outbox(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	char *db, *cause = NULL;
	const char *verb;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (!cli_common_option(g, opt, optarg))
			goto usage;
	}
	argc -= optind;
	argv += optind;
	verb = argc > 0 ? argv[0] : "";
	if (!(strcmp(verb, "list") == 0 && argc == 1) && !(strcmp(verb, "retry") == 0 && argc == 2))
		goto usage;
	if (argc == 2 && !fc_valid_uuid(argv[1]))
		return cli_error("outbox retry %s: not a bundle UUID", argv[1]), 2;
	db = cli_db_path(g);
	if (store_open(db, argc == 1 ? STORE_READ_ONLY : STORE_READ_WRITE, &st, &cause) != 0)
		goto out;
	if (argc == 1) {
		if (store_outbox_list(st, print_entry, NULL, &cause) != 0)
			goto out;
	} else {
		if (store_outbox_retry(st, argv[1], &cause) != 0)
			goto out;
		printf("queued again: %s (the next fieldcheck sync sends it)\n", argv[1]);
	}
	status = 0;
out:
	if (cause != NULL) {
		cli_error("%s", cause);
		free(cause);
	}
	store_close(st);
	free(db);
	return status;
usage:
	fputs("usage: fieldcheck outbox list | outbox retry UUID\n", stderr);
	return 2;
}
