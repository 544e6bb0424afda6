#!/usr/bin/env python3
"""The message table's lint (tui/messages.h).

Usage: tui_messages.py DIR

Prints FILE:LINE: PROBLEM for each problem in the C files of DIR and exits 1
when there is one:
- a string literal with Chinese text outside the tables (TUI_MESSAGES, the
  key table TUI_KEYS and its groups TUI_KEY_GROUPS) and messages.c, which
  chooses between the table's columns: a screen's text in both languages
  belongs in the message table, not beside its code;
- a message whose English and Chinese take different printf conversions
  (tui_msgf formats either with the same arguments);
- a message no file of DIR names (TUI_MSG_ID).
"""
import os
import re
import sys

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
TABLES = ("TUI_MESSAGES", "TUI_KEYS", "TUI_KEY_GROUPS")
CONV = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?([diouxXfFeEgGcsp%])")


def literals(text):
    """(line, value) of each string literal, comments and char literals skipped."""
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                yield line, text[i + 1:j]
            i = j + 1
        else:
            i += 1


def table_lines(text):
    """The line numbers inside the table macros' definitions."""
    inside, lines = False, set()
    for no, l in enumerate(text.split("\n"), 1):
        if re.match(r"\s*#\s*define\s+(%s)\(" % "|".join(TABLES), l):
            inside = True
        if inside:
            lines.add(no)
            if not l.rstrip().endswith("\\"):
                inside = False
    return lines


def main():
    d = sys.argv[1]
    problems = []
    names = {}
    used = set()
    table = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith((".c", ".h")):
            continue
        path = os.path.join(d, fn)
        text = open(path, encoding="utf-8").read()
        used.update(re.findall(r"\bTUI_MSG_([A-Z0-9_]+)\b", text))
        if fn == "messages.h":
            body = text[text.index("#define TUI_MESSAGES(X)"):]
            for m in re.finditer(r"X\((\w+),\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+),\s*\\?\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", body):
                en = "".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(2)))
                zh = "".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(3)))
                line = text[:text.index("#define TUI_MESSAGES(X)")].count("\n") + body[:m.start()].count("\n") + 1
                table.append((path, line, m.group(1), en, zh))
        if fn == "messages.c":
            continue
        skip = table_lines(text)
        for line, value in literals(text):
            if line not in skip and CJK.search(value):
                problems.append("%s:%d: Chinese text outside the message table: \"%s\"" % (path, line, value))
    for path, line, mid, en, zh in table:
        if CONV.findall(en) != CONV.findall(zh):
            problems.append("%s:%d: %s: English takes %s, Chinese %s" %
                            (path, line, mid, CONV.findall(en), CONV.findall(zh)))
        if not en or not zh:
            problems.append("%s:%d: %s: a language is empty" % (path, line, mid))
    for path, line, mid, en, zh in table:
        # The id is named once by the table's own enum; a screen must name it too.
        if mid not in used:
            problems.append("%s:%d: %s: no screen shows it" % (path, line, mid))
    if not table:
        problems.append("%s: no TUI_MESSAGES table found" % d)
    for p in problems:
        print(p)
    print("# %d messages" % len(table))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
