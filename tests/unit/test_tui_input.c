/*
 * Unit tests of the key decoder (tui/input.c): every variant of the cursor,
 * editing and function keys that xterm, rxvt, screen/tmux, the Linux console
 * and vt100/vt220 send decodes to its key; a sequence it does not map is
 * dropped whole, never delivered as Esc plus text; a lone Esc is the Esc key
 * once its time is up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_internal.h"

/* Feeds the bytes of s (ASCII, or any byte as a character) at time t; collects the keys. */
static size_t
feed(struct tui_input *in, const char *s, int64_t t, int *keys, size_t max)
{
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		size_t k = tui_input_feed(in, TUI_CH(*p), t, ev);

		for (size_t i = 0; i < k && n < max; i++)
			keys[n++] = ev[i].key;
	}
	return n;
}

/* The keys s decodes to, the sequence given all the time it needs. */
static size_t
decode(const char *s, int *keys, size_t max)
{
	struct tui_input in;
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	size_t n;

	tui_input_init(&in);
	n = feed(&in, s, 1000, keys, max);
	for (size_t i = 0, k = tui_input_expire(&in, 100000, ev); i < k && n < max; i++)
		keys[n++] = ev[i].key;
	return n;
}

static void
assert_one_key(const char *seq, int key)
{
	int keys[16];
	size_t n = decode(seq, keys, 16);

	if (n != 1 || keys[0] != key)
		fail_msg("\\e%s: %zu keys, first %#x, wanted %#x", seq + 1, n, n ? keys[0] : 0, key);
}

static void
assert_dropped(const char *seq)
{
	int keys[16];
	size_t n = decode(seq, keys, 16);

	if (n != 0)
		fail_msg("\\e%s: %zu keys, first %#x, wanted none", seq + 1, n, keys[0]);
}

static void
test_variants(void **state)
{
	static const struct { const char *seq; int key; } map[] = {
		/* Arrows: normal and application cursor mode, xterm modifiers, rxvt Shift/Ctrl. */
		{ "\033[A", KEY_UP }, { "\033[B", KEY_DOWN }, { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
		{ "\033OA", KEY_UP }, { "\033OB", KEY_DOWN }, { "\033OC", KEY_RIGHT }, { "\033OD", KEY_LEFT },
		{ "\033[1;5A", KEY_UP }, { "\033[1;2B", KEY_DOWN }, { "\033[1;3C", KEY_RIGHT },
		{ "\033[a", KEY_UP }, { "\033Od", KEY_LEFT },
		/* Home and End: xterm, vt220/screen/tmux/linux, rxvt. */
		{ "\033[H", KEY_HOME }, { "\033OH", KEY_HOME }, { "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME },
		{ "\033[1;5H", KEY_HOME }, { "\033[7^", KEY_HOME }, { "\033[7$", KEY_HOME },
		{ "\033[F", KEY_END }, { "\033OF", KEY_END }, { "\033[4~", KEY_END }, { "\033[8~", KEY_END },
		{ "\033[1;2F", KEY_END },
		{ "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE }, { "\033[5;5~", KEY_PPAGE },
		{ "\033[6^", KEY_NPAGE }, { "\033[3~", KEY_DC },
		/* F1-F4: vt100/xterm SS3, rxvt/putty, the Linux console, CSI letter forms. */
		{ "\033OP", KEY_F(1) }, { "\033OQ", KEY_F(2) }, { "\033OR", KEY_F(3) }, { "\033OS", KEY_F(4) },
		{ "\033[11~", KEY_F(1) }, { "\033[12~", KEY_F(2) }, { "\033[13~", KEY_F(3) },
		{ "\033[14~", KEY_F(4) }, { "\033[[A", KEY_F(1) }, { "\033[[B", KEY_F(2) },
		{ "\033[[C", KEY_F(3) }, { "\033[[D", KEY_F(4) }, { "\033[[E", KEY_F(5) },
		{ "\033[P", KEY_F(1) }, { "\033[S", KEY_F(4) },
		/* F5-F12. */
		{ "\033[15~", KEY_F(5) }, { "\033[17~", KEY_F(6) }, { "\033[18~", KEY_F(7) },
		{ "\033[19~", KEY_F(8) }, { "\033[20~", KEY_F(9) }, { "\033[21~", KEY_F(10) },
		{ "\033[23~", KEY_F(11) }, { "\033[24~", KEY_F(12) },
		/* 8-bit CSI and SS3 (as their code points). */
		{ "\x9b" "A", KEY_UP }, { "\x8f" "P", KEY_F(1) },
		/* The keypad in application mode. */
		{ "\033OM", TUI_CH('\r') }, { "\033Oq", TUI_CH('1') },
	};

	(void)state;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		assert_one_key(map[i].seq, map[i].key);
}

static void
test_unmapped_dropped_whole(void **state)
{
	static const char *const drop[] = {
		"\033[1;2P",        /* Shift-F1: not F1 */
		"\033[21;2~",       /* Shift-F10: must not leave */
		"\033[21$",         /* rxvt Shift-F10 */
		"\033[2~",          /* Insert */
		"\033[25~", "\033[34~", "\033[99~", "\033[9999999999~",
		"\033[Z", "\033[I", "\033[O", "\033[E", "\033OE",
		"\033[?1;2c",       /* a device attributes answer */
		"\033[1;2;3;4A", "\033[5A", "\033O1;2X", "\033[[Z",
		"\033[<0;10;5m",    /* SGR mouse release */
		"\033[<64;10;5M",   /* wheel */
		"\033[M#!!",        /* X10 release */
		"\033\033[A",       /* Alt-Up (rxvt) */
		"\033[",            /* unfinished */
		"\033O",
		"\033[1;5",
	};
	char big[200];

	(void)state;
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		assert_dropped(drop[i]);
	/* Longer than any key: swallowed to its final byte, however long. */
	memset(big, '1', sizeof big);
	memcpy(big, "\033[", 2);
	memcpy(big + sizeof big - 2, "~", 2);
	assert_dropped(big);
}

static void
test_esc_and_text(void **state)
{
	struct tui_input in;
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	int keys[16];
	size_t n;

	(void)state;
	/* Text passes untouched, around a dropped sequence. */
	n = decode("R9\033[99;5~x", keys, 16);
	assert_int_equal(n, 3);
	assert_int_equal(keys[0], TUI_CH('R'));
	assert_int_equal(keys[1], TUI_CH('9'));
	assert_int_equal(keys[2], TUI_CH('x'));
	/* Esc then a key is the Esc key then that key. */
	n = decode("\033q", keys, 16);
	assert_int_equal(n, 2);
	assert_int_equal(keys[0], TUI_CH(27));
	assert_int_equal(keys[1], TUI_CH('q'));
	/* An unfinished sequence cut by Enter: the sequence dropped, Enter kept. */
	n = decode("\033[1\r", keys, 16);
	assert_int_equal(n, 1);
	assert_int_equal(keys[0], TUI_CH('\r'));

	/* A lone Esc waits for its time, then is the Esc key; nothing blocks meanwhile. */
	tui_input_init(&in);
	assert_int_equal(tui_input_timeout(&in, 0), -1);
	assert_int_equal(feed(&in, "\033", 1000, keys, 16), 0);
	assert_int_equal(tui_input_timeout(&in, 1000), TUI_INPUT_ESC_MS);
	assert_int_equal(tui_input_expire(&in, 1000 + TUI_INPUT_ESC_MS - 1, ev), 0);
	assert_int_equal(tui_input_expire(&in, 1000 + TUI_INPUT_ESC_MS, ev), 1);
	assert_int_equal(ev[0].key, TUI_CH(27));
	assert_int_equal(tui_input_timeout(&in, 2000), -1);
	/* A sequence split across reads finishes when its rest comes. */
	assert_int_equal(feed(&in, "\033[2", 3000, keys, 16), 0);
	assert_true(tui_input_timeout(&in, 3000 + TUI_INPUT_ESC_MS) > 0);
	assert_int_equal(feed(&in, "1~", 3100, keys, 16), 1);
	assert_int_equal(keys[0], KEY_F(10));
}

static void
test_mouse(void **state)
{
	struct tui_input in;
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	size_t n = 0;

	(void)state;
	tui_input_init(&in);
	/* X10: button 1 at column 5, row 3 (0-based). */
	for (const char *p = "\033[M &$"; *p; p++)
		n = tui_input_feed(&in, TUI_CH(*p), 0, ev);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].key, KEY_MOUSE);
	assert_int_equal(ev[0].x, 5);
	assert_int_equal(ev[0].y, 3);
	for (const char *p = "\033[<0;10;4M"; *p; p++)
		n = tui_input_feed(&in, TUI_CH(*p), 0, ev);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].key, KEY_MOUSE);
	assert_int_equal(ev[0].x, 9);
	assert_int_equal(ev[0].y, 3);
}

/* Random bytes: never a crash, never more than the bound, and no ESC ever leaks as text. */
static void
test_random(void **state)
{
	struct tui_input in;
	struct tui_input_event ev[TUI_INPUT_EVENTS_MAX];
	unsigned seed = 12345;

	(void)state;
	tui_input_init(&in);
	for (int i = 0; i < 200000; i++) {
		int c;
		size_t n;

		seed = seed * 1103515245u + 12345u;
		c = (int)((seed >> 16) % 8 == 0 ? 27 : (seed >> 8) % 128);
		n = tui_input_feed(&in, TUI_CH(c), i, ev);
		assert_true(n <= TUI_INPUT_EVENTS_MAX);
		assert_true(in.len <= TUI_INPUT_SEQ_MAX);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_unmapped_dropped_whole),
		cmocka_unit_test(test_esc_and_text),
		cmocka_unit_test(test_mouse),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
