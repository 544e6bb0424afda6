/*
 * The key = value configuration file ($XDG_CONFIG_HOME/fieldcheck/config).
 *
 * It is small and hand-edited, so it is read whole, kept in order, and
 * written back whole through a temporary file and rename(), so that a
 * pulled battery leaves either the old file or the new one.
 */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_MAX_LINE 4096
#define CONFIG_MAX_ENTRIES 256

struct config_entry {
	char *key;
	char *value;
};

struct fc_config {
	char *path;
	struct config_entry *entries;
	size_t count;
};

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void
config_put(struct fc_config *cfg, const char *key, const char *value)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (strcmp(cfg->entries[i].key, key) == 0) {
			free(cfg->entries[i].value);
			cfg->entries[i].value = xstrdup(value);
			return;
		}
	}
	cfg->entries = xreallocarray(cfg->entries, cfg->count + 1, sizeof *cfg->entries);
	cfg->entries[cfg->count].key = xstrdup(key);
	cfg->entries[cfg->count].value = xstrdup(value);
	cfg->count++;
}

int
fc_config_load(const char *path, struct fc_config **out, char **cause)
{
	struct fc_config *cfg = xcalloc(1, sizeof *cfg);
	char line[CONFIG_MAX_LINE];
	unsigned lineno = 0;
	FILE *f;

	cfg->path = xstrdup(path);
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT) {
			*out = cfg;
			return 0;
		}
		fc_fail(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *eq, *key, *value, *s;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fc_fail(cause, "%s:%u: line longer than %d bytes", path, lineno, CONFIG_MAX_LINE - 1);
			goto fail;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			fc_fail(cause, "%s:%u: expected 'key = value'", path, lineno);
			goto fail;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (*key == '\0') {
			fc_fail(cause, "%s:%u: empty key", path, lineno);
			goto fail;
		}
		if (cfg->count >= CONFIG_MAX_ENTRIES) {
			fc_fail(cause, "%s:%u: more than %d settings", path, lineno, CONFIG_MAX_ENTRIES);
			goto fail;
		}
		config_put(cfg, key, value);
	}
	fclose(f);
	*out = cfg;
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	fc_config_free(cfg);
	return -1;
}

void
fc_config_free(struct fc_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg->path);
	free(cfg);
}

const char *
fc_config_get(const struct fc_config *cfg, const char *key)
{
	for (size_t i = 0; cfg != NULL && i < cfg->count; i++)
		if (strcmp(cfg->entries[i].key, key) == 0)
			return cfg->entries[i].value;
	return NULL;
}

int
fc_config_set(struct fc_config *cfg, const char *key, const char *value, char **cause)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd;

	if (strpbrk(key, "=\n#") != NULL || strchr(value, '\n') != NULL)
		return fc_fail(cause, "invalid configuration %s = %s", key, value);
	config_put(cfg, key, value);
	if (fc_mkdir_parents(cfg->path, cause) != 0)
		return -1;
	tmp = xasprintf("%s.tmp", cfg->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fc_fail(cause, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	for (size_t i = 0; i < cfg->count; i++)
		fprintf(f, "%s = %s\n", cfg->entries[i].key, cfg->entries[i].value);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fc_fail(cause, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		fc_fail(cause, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, cfg->path) != 0) {
		fc_fail(cause, "%s: %s", cfg->path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return -1;
}
