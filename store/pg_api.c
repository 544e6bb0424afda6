/* libpq through dlopen (store/pg_api.h says why). */
#define PG_API_NO_MACROS
#include "store/pg_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/util.h"

struct pg_api pg_api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *load_error;

static void
load(void)
{
	/* The soname of libpq's stable ABI (PostgreSQL 10 and later: libpq.so.5). */
	void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		load_error = xasprintf("PostgreSQL needs libpq (Debian: libpq5): %s", dlerror());
		return;
	}
#define PG_API_LOOKUP(name, ret, args) \
	if (load_error == NULL && (*(void **)&pg_api.name = dlsym(h, #name)) == NULL) \
		load_error = xasprintf("libpq.so.5 has no %s: %s", #name, dlerror());
	PG_API_FUNCTIONS(PG_API_LOOKUP)
#undef PG_API_LOOKUP
}

int
pg_api_load(char **cause)
{
	pthread_once(&once, load);
	if (load_error != NULL)
		return fc_fail(cause, "%s", load_error);
	return 0;
}
