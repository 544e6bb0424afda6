#!/usr/bin/env python3
"""The message table's lint (tui/messages.h).

Usage: tui_messages.py DIR
       tui_messages.py --convert DIR

Prints FILE:LINE: PROBLEM for each problem in the C files of DIR and exits 1
when there is one:
- a string literal with Chinese text outside the tables (TUI_MESSAGES, the
  key table TUI_KEYS and its groups TUI_KEY_GROUPS) and messages.c, which
  chooses between the table's columns: a screen's text in both languages
  belongs in the message table, not beside its code;
- a message whose English and Chinese take different printf conversions
  (tui_msgf formats either with the same arguments);
- a message no file of DIR names (TUI_MSG_ID).

--convert rewrites each call that still passes a pair of literals,
tui_tr(app, f, "English", "中文") (a branch written before the table), as
tui_msg(app, f, TUI_MSG_ID), adding the row to DIR/messages.h (an id made
from the English, or the id of the same pair already there), and prints
what it could not convert.  Review the ids it made.
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


def skip_literal(s, i):
    q = s[i]
    j = i + 1
    while s[j] != q:
        j += 2 if s[j] == "\\" else 1
    return j + 1


def split_args(s):
    args, depth, cur, i = [], 0, "", 0
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = skip_literal(s, i)
            cur += s[i:j]
            i = j
            continue
        depth += c in "([{"
        depth -= c in ")]}"
        if c == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return args + [cur]


def literal_value(arg):
    """The value of an argument made only of adjacent string literals, else None."""
    toks = re.findall(r'\s*"((?:[^"\\]|\\.)*)"', arg)
    if not toks or re.sub(r'\s*"(?:[^"\\]|\\.)*"', "", arg).strip():
        return None
    return "".join(toks)


def make_id(en, taken):
    e = re.sub(r"%[-+ #0]*\d*(?:\.\d+)?(?:ll|l|z)?[a-z]", "N", en)
    words = [w for w in re.findall(r"[A-Za-z0-9]+", e)
             if w.lower() not in ("a", "an", "the", "of", "to", "is", "and", "or", "for", "it", "its",
                                  "this", "that", "in", "on", "with", "be", "are", "by")]
    base = "_".join(words[:4]).upper() or "TEXT"
    if base[0].isdigit():
        base = "K" + base
    nid, k = base, 2
    while nid in taken:
        nid, k = "%s_%d" % (base, k), k + 1
    return nid


def convert(d):
    hpath = os.path.join(d, "messages.h")
    header = open(hpath, encoding="utf-8").read()
    rows = re.findall(r"X\((\w+),\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+),\s*\\?\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", header)
    taken = {r[0] for r in rows}
    pairs = {("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', r[1])),
              "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', r[2]))): r[0] for r in rows}
    added, left = [], 0
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".c"):
            continue
        path = os.path.join(d, fn)
        s = open(path, encoding="utf-8").read()
        out, pos = "", 0
        for m in re.finditer(r"\btui_tr\(", s):
            if m.start() < pos:
                continue
            i, depth = m.end(), 1
            while depth:
                if s[i] in "\"'":
                    i = skip_literal(s, i)
                    continue
                depth += s[i] == "("
                depth -= s[i] == ")"
                i += 1
            args = split_args(s[m.end():i - 1])
            en = literal_value(args[2]) if len(args) == 4 else None
            zh = literal_value(args[3]) if len(args) == 4 else None
            if en is None or zh is None:
                print("%s:%d: not a pair of literals: tui_tr(%s)" %
                      (path, s.count("\n", 0, m.start()) + 1, s[m.end():i - 1].strip()))
                left += 1
                continue
            mid = pairs.get((en, zh))
            if mid is None:
                mid = make_id(en, taken)
                taken.add(mid)
                pairs[(en, zh)] = mid
                added.append('\tX(%s, "%s", "%s") \\\n' % (mid, en, zh))
            out += s[pos:m.start()] + "tui_msg(%s, %s, TUI_MSG_%s)" % (args[0].strip(), args[1].strip(), mid)
            pos = i
        if pos:
            open(path, "w", encoding="utf-8").write(out + s[pos:])
    end = "\t/* end of TUI_MESSAGES */"
    open(hpath, "w", encoding="utf-8").write(header.replace(end, "".join(added) + end, 1))
    print("# %d messages added" % len(added))
    return 1 if left else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--convert":
        sys.exit(convert(sys.argv[2]))
    sys.exit(main())
