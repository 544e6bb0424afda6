/*
 * libFuzzer harness for form files: the CSV reader, sheets, columns, types
 * and expressions, then a session over whatever loaded, repeats' entries
 * included.  Deterministic (no time-dependent branch decides anything the
 * fuzzer sees as coverage except today()/now(), whose text is fixed-length)
 * and leak-free: everything is freed before returning.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "forms/forms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form *f = form_load_buffer("fuzz.csv", (const char *)data, size, NULL, NULL);
	struct form_session *s;
	size_t n, bad;
	char *msg = NULL;

	if (f == NULL)
		return 0;
	s = form_session_new(f, "en");
	n = form_question_count(f);
	form_session_set_identity(s, "hh-07", "wang");
	form_session_offer_position(s, "31.2 121.4 5 4");
	for (size_t q = 0; q < n; q++) {
		const char *name = form_question_key(f, q);
		size_t c = form_choice_count(f, q);
		const char *value = c > 0 ? form_choice_name(f, q, 0) : "1";
		char *text;

		form_session_set_last_saved(s, name, value);
		form_session_show(s, q);
		(void)form_question_label(f, q, "zh");
		(void)form_question_parameter(f, q, "max-pixels");
		text = form_session_label(s, q);
		free(text);
		text = form_session_hint(s, q);
		free(text);
		for (size_t k = 0; k < c && k < 8; k++)
			(void)form_session_choice_offered(s, q, k);
		if (form_session_set(s, name, value, &msg) != 0) {
			free(msg);
			msg = NULL;
		}
		(void)form_session_required(s, q);
	}
	/* each repeat: another entry answered by its key, one deleted, keys read back */
	for (size_t r = 0; r < n; r++) {
		char key[256];

		if (!form_question_is_repeat(f, r))
			continue;
		if (form_session_add_entry(s, r, &msg) != 0)
			free(msg), msg = NULL;
		for (size_t q = r + 1; q < form_question_end(f, r) && q < n; q++) {
			size_t e;

			if (form_entry_key(f, q, 1, key, sizeof key) != 0)
				continue;
			(void)form_question_locate(f, key, &e);
			if (form_session_set(s, key, "2", &msg) != 0)
				free(msg), msg = NULL;
		}
		if (form_session_delete_entry(s, r, 0, &msg) != 0)
			free(msg), msg = NULL;
	}
	if (form_session_check_all(s, &bad, &msg) != 0)
		free(msg);
	form_session_free(s);
	form_free(f);
	return 0;
}
