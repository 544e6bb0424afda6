/*
 * libFuzzer harness for form files: the CSV reader, sheets, columns, types
 * and expressions, then a session over whatever loaded.  Deterministic (no
 * time-dependent branch decides anything the fuzzer sees as coverage except
 * today()/now(), whose text is fixed-length) and leak-free: everything is
 * freed before returning.
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
	for (size_t q = 0; q < n; q++) {
		const char *name = form_question_name(f, q);
		size_t c = form_choice_count(f, q);
		const char *value = c > 0 ? form_choice_name(f, q, 0) : "1";

		(void)form_question_label(f, q, "zh");
		if (form_session_set(s, name, value, &msg) != 0) {
			free(msg);
			msg = NULL;
		}
		(void)form_session_required(s, q);
	}
	if (form_session_check_all(s, &bad, &msg) != 0)
		free(msg);
	form_session_free(s);
	form_free(f);
	return 0;
}
