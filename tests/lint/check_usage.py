#!/usr/bin/env python3
"""Refuses shell-suite lines where `check` is not one whole command.

`check DESC CMD...` (tests/lib.sh) runs one command and prints ok or not ok.
Whatever follows `check ... &&`, `check ... ||` or `check ... |` runs outside
it, and a redirection of check itself (`check ... > /dev/null`) swallows its
ok/not-ok line, so each of those turns an assertion into one that cannot fail.

    check_usage.py FILE...     prints FILE:LINE: REASON per misuse; exits 1 if any

The files are tokenised as the shell would see them: quotes, backslashes,
$(...), `...`, ${...}, comments and here-documents, so an `&&` inside
`sh -c '...'` or inside $(...) is part of check's command, as it should be.
"""
import sys

OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", "<<-", "<<", "<>", ">|",
             "&", "|", ";", "<", ">", "(", ")", "\n")
REDIRECTS = {">>", ">&", "<&", "<<-", "<<", "<>", ">|", "<", ">"}
# Input (a here-document feeding the command) leaves check's output alone.
OUTPUT_REDIRECTS = {">>", ">&", "<>", ">|", ">"}
# Words after which a new command starts.
COMMAND_START = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "}",
                 "time"}
ENDS = {"\n", ";", "&", ")", ";;"}


def skip_expansion(text, i):
    """At $(, ${ or a backquote: the index just after it ends; else None."""
    if text.startswith("$(", i):
        return skip_nested(text, i + 2, ")")
    if text.startswith("${", i):
        return skip_nested(text, i + 2, "}")
    if text.startswith("`", i):
        return skip_nested(text, i + 1, "`")
    return None


def skip_nested(text, i, close):
    """From just after an opener, returns the index just after its CLOSE."""
    depth = 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and close != "`":
            j = text.find("'", i + 1)
            i = len(text) if j < 0 else j + 1
            continue
        if c == '"':
            i = skip_double(text, i + 1)
            continue
        after = skip_expansion(text, i) if c != "`" or close != "`" else None
        if after is not None:
            i = after
            continue
        if close == ")" and c == "(":
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def skip_double(text, i):
    """From just after an opening double quote, the index after its close."""
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        else:
            after = skip_expansion(text, i)
            i = i + 1 if after is None else after
    return i


def tokens(text):
    """Yields (kind, value, line): kind is 'word' or 'op'."""
    i, line, heredocs = 0, 1, []
    word, word_line = None, 1
    while i < len(text):
        c = text[i]
        if c in " \t" or (c == "\\" and text.startswith("\\\n", i)):
            if word is not None:
                yield "word", word, word_line
                word = None
            if c == "\\":
                line += 1
                i += 2
            else:
                i += 1
            continue
        if c == "#" and word is None:
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        op = next((o for o in OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            # A file descriptor number glued to a redirection belongs to it.
            if word is not None and not (op in REDIRECTS and word.isdigit()):
                yield "word", word, word_line
            word = None
            yield "op", op, line
            i += len(op)
            if op in ("<<", "<<-"):
                heredocs.append(None)      # the next word is the delimiter
            if op == "\n":
                line += 1
                for delim in heredocs:
                    if delim is None:
                        continue
                    while i < len(text):
                        j = text.find("\n", i)
                        j = len(text) if j < 0 else j
                        body = text[i:j]
                        i = j + 1
                        line += 1
                        if body.lstrip("\t") == delim:
                            break
                heredocs = []
            continue
        start = i
        if c == "\\":
            i += 2
        elif c == "'":
            j = text.find("'", i + 1)
            i = len(text) if j < 0 else j + 1
        elif c == '"':
            i = skip_double(text, i + 1)
        else:
            after = skip_expansion(text, i)
            i = i + 1 if after is None else after
        piece = text[start:i]
        if word is None:
            word, word_line = piece, line
        else:
            word += piece
        if heredocs and heredocs[-1] is None and (i >= len(text) or text[i] in " \t\n;&|<>()"):
            heredocs[-1] = word.replace("'", "").replace('"', "").replace("\\", "")
            yield "word", word, word_line
            word = None
        line += piece.count("\n")
    if word is not None:
        yield "word", word, word_line


def misuses(text):
    """Yields (line, reason) for every check that is not one whole command."""
    toks = list(tokens(text))
    at_start = True
    k = 0
    while k < len(toks):
        kind, value, line = toks[k]
        if kind == "word" and value == "check" and at_start:
            if k + 1 < len(toks) and toks[k + 1][1] == "(":
                k += 1                     # the definition: check() { ... }
                continue
            j = k + 1
            while j < len(toks):
                jk, jv, jl = toks[j]
                if jk == "op" and jv in OUTPUT_REDIRECTS:
                    yield line, "redirects check itself (%s): its ok/not ok line is lost" % jv
                    break
                if jk == "op" and jv in ("&&", "||", "|"):
                    yield line, ("`check ... %s`: what follows runs outside the check "
                                 "(use a function or sh -c)" % jv)
                    break
                if jk == "op" and jv in ENDS:
                    break
                j += 1
            k = j
            at_start = False
            continue
        if kind == "op":
            at_start = value in ("&&", "||", "|", "(", ")", ";", "\n", "&", ";;")
        else:
            at_start = at_start and (value in COMMAND_START or "=" in value.split("/")[0]
                                     and not value.startswith(("'", '"', "=")))
            if value in COMMAND_START:
                at_start = True
        k += 1


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for line, reason in misuses(text):
            print("%s:%d: %s" % (path, line, reason))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
