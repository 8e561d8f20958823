#!/usr/bin/env python3
"""No pipe in a `set -o pipefail` script ends in a reader that stops early.

`producer | grep -q PATTERN` (or `| grep -m N`, `| head`) closes the pipe as soon as it has what
it wants; the producer's next write then dies of SIGPIPE (status 141) and pipefail makes the whole
pipeline fail, or not, depending on timing. tools/gpu/prebuilt.sh's `nm -D libc10.so | grep -q
__cxx11` did exactly that: pip torch 2.11 was packed as cxx11_abi=0 and, on a loaded CI machine,
refused as 1 (gpu_runbook_test failed). Readers that consume everything take their place:
`grep -c PATTERN >/dev/null`, `sed -n 1p`, `sed -n 1,Np`.

    shell_pipes_test.py --root=DIR    the scripts of a source tree: .ci/run, tools/**/*.sh,
                                      tests/**/*.sh (CMake's ctest)
    shell_pipes_test.py FILE...       the files given (Bazel: the scripts' filegroups)

Exit 0 when no script has such a pipe; 1 with file:line for each one; also 1 when fewer than 10
scripts were read or the checker misses its own bad examples (it could not fail).
"""
import glob
import os
import re
import sys

# A single | (not ||) followed by a reader that may exit before its input ends.
EARLY_READER = re.compile(
    r"(?<!\|)\|(?!\|)\s*(?:grep(?:\s+-[A-Za-z]+)*\s+-[A-Za-z]*[qm][A-Za-z]*\b|grep\b[^|;&]*--(?:quiet|silent|max-count)\b|head\b)")
PIPEFAIL = re.compile(r"^\s*set\s+-[A-Za-z]*o\s+pipefail", re.M)  # set -o / -eo / -euo pipefail


def strip_quotes_and_comments(line):
    """The line's code: the text of '...' and "..." strings dropped (but not the $(...) inside
    "..."), and a # comment."""
    out, stack, i = [], ["code"], 0
    while i < len(line):
        c, top = line[i], stack[-1]
        if top == "'":
            if c == "'":
                stack.pop()
                out.append(c)
        elif top == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                stack.pop()
                out.append(c)
            elif line.startswith("$(", i):
                stack.append("(")
                out.append("$(")
                i += 1
        elif c in "'\"":
            stack.append(c)
            out.append(c)
        elif c == "#" and (i == 0 or line[i - 1] in " \t") and stack == ["code"]:
            break
        else:
            if c == "(":
                stack.append("(")
            elif c == ")" and top == "(":
                stack.pop()
            out.append(c)
        i += 1
    return "".join(out)


def logical_lines(text):
    """(first line number, text) with lines ending in | or \\ joined to the next."""
    start, parts = None, []
    for number, line in enumerate(text.splitlines(), 1):
        code = strip_quotes_and_comments(line).rstrip()
        if start is None:
            start = number
        parts.append(code)
        if code.endswith("\\") or (code.endswith("|") and not code.endswith("||")):
            continue
        yield start, " ".join(p.rstrip("\\") for p in parts)
        start, parts = None, []
    if parts:
        yield start, " ".join(parts)


def findings(text):
    if not PIPEFAIL.search(text):
        return []
    return [number for number, code in logical_lines(text) if EARLY_READER.search(code)]


def self_check():
    """The checker must flag each bad example and pass each good one."""
    header = "#!/usr/bin/env bash\nset -euo pipefail\n"
    bad = ["nm -D x.so | grep -q __cxx11", "cmake --version | head -n 1", "a | grep -Eq 'x'",
           "a | grep -E -q x", "a |\n  grep -q x", "a | grep -m 1 x", "a | grep --quiet x",
           "x=\"$(sed -n 1p f | head -n 1)\""]
    good = ["nm -D x.so | grep -c __cxx11 >/dev/null", "grep -q x file", "a || head -n 1 f",
            "echo 'a | grep -q x'", "a | sed -n 1p  # not | head", "head -n 3 f | sort"]
    errors = [b for b in bad if findings(header + b + "\n") != [3]]
    errors += [g for g in good if findings(header + g + "\n")]
    errors += [b for b in bad[:1] if findings("#!/usr/bin/env bash\n" + b + "\n")]  # no pipefail
    return errors


def scripts_under(root):
    paths = [os.path.join(root, ".ci", "run")]
    for pattern in ("tools/**/*.sh", "tests/**/*.sh"):
        paths += glob.glob(os.path.join(root, pattern), recursive=True)
    return sorted(p for p in paths if os.path.isfile(p))


def main(argv):
    if len(argv) == 1 and argv[0].startswith("--root="):
        paths = scripts_under(argv[0][len("--root="):])
    elif argv and not any(a.startswith("-") for a in argv):
        paths = argv
    else:
        print(__doc__, file=sys.stderr)
        return 2
    broken = self_check()
    if broken:
        print("shell_pipes_test: the checker misjudges its own examples: %r" % broken, file=sys.stderr)
        return 1
    if len(paths) < 10:
        print("shell_pipes_test: only %d scripts to read: the list is broken" % len(paths), file=sys.stderr)
        return 1
    bad, with_pipefail = [], 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with_pipefail += bool(PIPEFAIL.search(text))
        lines = text.splitlines()
        bad += ["%s:%d: %s" % (path, n, lines[n - 1].strip()) for n in findings(text)]
    for b in bad:
        print(b + "\n  a reader that stops early under pipefail: use grep -c ... >/dev/null or sed -n 1p",
              file=sys.stderr)
    print("shell_pipes_test: %d scripts (%d with pipefail), %d early-closing pipe(s)"
          % (len(paths), with_pipefail, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
