# fieldcheck — build, test and benchmark.
#
# Modules are directories; every .c file in a module directory is part of it,
# so adding a file needs no edit here.  All module code goes into one static
# library that the four programs, the unit tests and the benchmarks link.
# Programs: fieldcheck (cli/), fieldcheck-sync (syncd/: the upload, its
# HTTP connection the only libcurl code of the handheld; `fieldcheck sync`
# runs it, and so does the screen for its background sync), fieldcheck-depot (depot/) and fieldcheck-push (push/: the
# platform push, the other one with libcurl).  A program takes from the
# library only the objects it calls, so one that never imports a photo
# (photo/import.c) never needs libjpeg or libexif.
#
#   make            build fieldcheck, fieldcheck-sync, fieldcheck-depot, fieldcheck-push
#   make check      install missing packages, build with -Werror, run every suite
#   make bench      run the benchmarks, each printed beside its anchor
#   make soak       the long robustness runs (not part of check), one line per figure
#   make demo       run the TUI on the built-in checklists with a simulated GPS
#   make install    PREFIX=/usr/local DESTDIR= (programs, checklists, man pages)

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SHAREDIR  ?= $(PREFIX)/share/fieldcheck
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=

CC        ?= cc
FUZZ_CC   ?= clang
PKGS      := ncursesw sqlite3 libgps zlib libmicrohttpd jansson libsodium libpcre2-8 libpq
# Photos: decode (JPEG, and PNG for screenshots), downscale, re-encode and
# EXIF (photo/import.c), and the terminal preview (photo/preview.c, libchafa
# and its glib).
PHOTO_PKGS := libjpeg libpng libexif chafa
BUILD     ?= build

WARNINGS  := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wwrite-strings -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARNINGS  += -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(PHOTO_PKGS) 2>/dev/null)
# libpq's headers only: store/pg_api.c loads the library when a PostgreSQL
# database is opened, so no program carries it otherwise.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libpq,$(PKGS)) 2>/dev/null) -lm -lpthread -ldl
# Each program links only what it uses: libcurl's tree (OpenSSL, Kerberos,
# LDAP, SSH...) costs ~6 MiB resident just by loading, so only
# fieldcheck-sync and fieldcheck-push have it, and the inspector's screen
# stays small.  fieldcheck-sync also links PCRE2: it loads each checklist
# the depot's change feed brings with the form engine before installing it.
# Photos are imported by fieldcheck alone (the others take only photo/'s
# store and answer form), so only FC_LIBS names the photo codecs.  The tests,
# tools and benchmarks link everything.
libs_of    = $(shell pkg-config --libs $(1) 2>/dev/null) -lm -lpthread -ldl
FC_LIBS    := $(call libs_of,ncursesw sqlite3 libgps zlib jansson libsodium libpcre2-8 $(PHOTO_PKGS))
SYNCD_LIBS := $(call libs_of,sqlite3 libcurl zlib jansson libsodium libpcre2-8)
# libcurl is not in PKGS: no library module includes curl.h, only the two
# programs' own directories do (syncd/http.c, push/), so only their objects
# get its flags and only they link it.
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
PHOTO_LIBS := $(shell pkg-config --libs $(PHOTO_PKGS) 2>/dev/null)

CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(WARNINGS) $(PKG_CFLAGS) \
             -DFIELDCHECK_SHAREDIR='"$(SHAREDIR)"' $(CFLAGS)
LDLIBS    := $(PKG_LIBS)

MODULES   := util photo store forms gps geo track coverage meaning sync supervisor report platform tui
LIB_SRC   := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
CLI_SRC   := $(wildcard cli/*.c)
SYNCD_SRC := $(wildcard syncd/*.c)
DEPOT_SRC := $(wildcard depot/*.c)
PUSH_SRC  := $(wildcard push/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
TOOL_SRC  := $(wildcard tests/tools/*.c)

LIB       := $(BUILD)/libfieldcheck.a
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
SYNCD_OBJ := $(SYNCD_SRC:%.c=$(BUILD)/%.o)
DEPOT_OBJ := $(DEPOT_SRC:%.c=$(BUILD)/%.o)
PUSH_OBJ  := $(PUSH_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

PROGRAMS  := $(BUILD)/fieldcheck $(BUILD)/fieldcheck-sync $(BUILD)/fieldcheck-depot \
             $(BUILD)/fieldcheck-push

# Quiet by default; `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-6s %s\n'
endif

.PHONY: all install check bench soak demo clean deps tests fuzzers
.DELETE_ON_ERROR:

all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/fieldcheck: $(CLI_OBJ) $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) -Wl,--as-needed $(FC_LIBS)

$(SYNCD_OBJ) $(PUSH_OBJ): ALL_CFLAGS += $(CURL_CFLAGS)

$(BUILD)/fieldcheck-sync: $(SYNCD_OBJ) $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(SYNCD_OBJ) $(LIB) $(LDFLAGS) -Wl,--as-needed $(SYNCD_LIBS)

$(BUILD)/fieldcheck-depot: $(DEPOT_OBJ) $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(DEPOT_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS)

# fieldcheck-push (push/): the platform push, libcurl kept out of the depot's server.
$(BUILD)/fieldcheck-push: $(PUSH_OBJ) $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(PUSH_OBJ) $(LIB) $(LDFLAGS) -Wl,--as-needed $(SYNCD_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) TEST $@
	$(Q)$(CC) $(ALL_CFLAGS) -DTOP_DIR='"$(CURDIR)"' -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) \
		$(PHOTO_LIBS) $(shell pkg-config --libs cmocka)

# Test tools: small programs the shell suites drive (e.g. the crash-test writer).
$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) CCLD $@
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) $(PHOTO_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) CCLD $@
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) $(PHOTO_LIBS)

# Fuzzers: clang's libFuzzer with ASan.  The library sources are compiled
# once more by clang with the fuzzer's coverage hooks (a gcc-built archive
# cannot carry them) into an archive of their own that every fuzzer links.
# Of tui/ only the key decoder, which needs no terminal.
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -I. -g -O1 $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_LIB   := $(BUILD)/fuzz/libfuzz.a
FUZZ_OBJ   := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(filter-out tui/%,$(LIB_SRC)) tui/input.c)
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) FUZZCC $<
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_LIB): $(FUZZ_OBJ)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(say) FUZZ $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB) $(LDLIBS) $(PHOTO_LIBS)

tests: $(PROGRAMS) $(UNIT_BIN) $(BENCH_BIN) $(TOOL_BIN)
fuzzers: $(FUZZ_BIN)

deps:
	@sh scripts/deps.sh

# Builds inside check and the suites run JOBS at a time (tests/run.sh says
# why suites may share the machine).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# check: the normal build with -Werror, the programs, unit tests and the
# suites' tools once more under ASan+UBSan in a build directory of their
# own, then every suite.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
check: deps
	$(MAKE) --no-print-directory -j$(JOBS) WERROR=1 tests
	$(MAKE) --no-print-directory -j$(JOBS) WERROR=1 BUILD=build-san CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" build-san/fieldcheck build-san/fieldcheck-sync \
		build-san/fieldcheck-depot build-san/fieldcheck-push \
		$(UNIT_SRC:tests/unit/%.c=build-san/tests/%) $(TOOL_SRC:tests/tools/%.c=build-san/tools/%)
	$(MAKE) --no-print-directory -j$(JOBS) fuzzers
	@BUILD=$(BUILD) SAN_BUILD=build-san FUZZ_BUILD=$(BUILD)/fuzz JOBS=$(JOBS) sh tests/run.sh

bench: deps
	$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) sh bench/run.sh

# soak: every tests/soak/soak_*.sh; each prints its figures like a benchmark's lines.
soak: deps
	$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) sh tests/soak/run.sh

demo: deps all
	@BUILD=$(BUILD) sh scripts/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/checklists \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 644 forms/checklists/*.csv $(DESTDIR)$(SHAREDIR)/checklists/
	install -m 644 platform/codes.csv $(DESTDIR)$(SHAREDIR)/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
