"""same_bits.py - contract 1, same job, same bits: runs of one job on other
device sets, thread counts or rank counts agree.

  same_bits.py [--at PATH] [--file-same LABEL=FILE]... LABEL=REPORT LABEL=REPORT...

Each REPORT is a JSON report, the first the reference; every other one's
`result` fields and `digest` must equal the reference's, in value and in
JSON text (1 and 1.0, 0.0 and -0.0 differ; NaN equals nothing).  --at PATH
(dotted, "checks.0") compares that part of each document instead, such as
a hetero-bench check job.  Each --file-same FILE (a --trace CSV) must hold
the bytes of the first.  A difference: one line on stderr naming the
label, the field and both values, exit 1.  Agreement: one line "ok  ..."
on stdout with the labels, the digest and the workers seen.  Bad
arguments: one line, exit 2.  A script with a Python pass of its own
imports this file: compare(runs) gives the line of the first difference,
or None; summary(runs) the line of agreement.
"""
import json
import sys


_ABSENT = object()


def _same(a, b):
    return a == b and json.dumps(a) == json.dumps(b)


def _show(v):
    return "absent" if v is _ABSENT else json.dumps(v)


def compare(runs):
    """runs: [(label, report)], the reference first."""
    for label, r in runs:
        for key in ("result", "digest"):
            if not isinstance(r, dict) or key not in r:
                return f"{label}: the report has no {key}"
    ref_label, ref = runs[0]
    for label, r in runs[1:]:
        a, b = ref["result"], r["result"]
        pairs = [("result", a, b)]
        if isinstance(a, dict) and isinstance(b, dict):
            keys = list(a) + [k for k in b if k not in a]
            pairs = [("result." + k, a.get(k, _ABSENT), b.get(k, _ABSENT)) for k in keys]
        for field, want, got in pairs + [("digest", ref["digest"], r["digest"])]:
            if not _same(want, got):
                return f"{label}: {field} is {_show(got)}, {ref_label} has {_show(want)}"
    return None


def compare_files(files):
    """files: [(label, path)], the reference first: the first difference, or None."""
    ref_label, ref_path = files[0]
    want = open(ref_path, "rb").read()
    for label, path in files[1:]:
        got = open(path, "rb").read()
        if got == want:
            continue
        w, g = want.splitlines(keepends=True), got.splitlines(keepends=True)
        n = next(n for n in range(max(len(w), len(g))) if w[n:n + 1] != g[n:n + 1])
        line = [repr(x[n].decode(errors="replace")) if n < len(x) else "the end of the file" for x in (g, w)]
        return f"{label}: line {n + 1} of {path} is {line[0]}, {ref_label}'s ({ref_path}) is {line[1]}"
    return None


def summary(runs):
    """The line that says they agree."""
    ids = sorted({w.get("id", "?") for _, r in runs for w in r.get("workers", [])})
    seen = ", ".join(ids) if ids else "none listed"
    labels = ", ".join(label for label, _ in runs)
    return f"{labels}: the same bits, digest {runs[0][1]['digest']}; workers seen: {seen}"


def _labelled(arg, what):
    label, sep, path = arg.partition("=")
    if not sep or not label or not path:
        print(f"same_bits: {what}: expected LABEL=FILE, got '{arg}'", file=sys.stderr)
        sys.exit(2)
    return label, path


def main(argv):
    at, files, reports = [], [], []
    args = iter(argv)
    for arg in args:
        if arg in ("--at", "--file-same"):
            value = next(args, None)
            if value is None:
                print(f"same_bits: {arg}: needs a value", file=sys.stderr)
                sys.exit(2)
            if arg == "--at":
                at = value.split(".")
            else:
                files.append(_labelled(value, arg))
        elif arg.startswith("-"):
            print(f"same_bits: {arg}: unknown option", file=sys.stderr)
            sys.exit(2)
        else:
            reports.append(_labelled(arg, "report"))
    if len(reports) < 2:
        print("same_bits: expected two LABEL=REPORT or more, the reference first", file=sys.stderr)
        sys.exit(2)
    if len(files) == 1:
        print("same_bits: --file-same: expected none, or two or more, the reference first", file=sys.stderr)
        sys.exit(2)
    runs = []
    for label, path in reports:
        try:
            doc = json.load(open(path))
            for key in at:
                doc = doc[int(key)] if isinstance(doc, list) else doc[key]
        except (OSError, ValueError, LookupError, TypeError) as e:
            print(f"same_bits: {label}: {path}{' at ' + '.'.join(at) if at else ''}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            return 1
        runs.append((label, doc))
    try:
        bad = compare(runs) or (compare_files(files) if files else None)
    except OSError as e:
        bad = f"{e.filename}: {e.strerror}"
    if bad:
        print("same_bits: " + bad, file=sys.stderr)
        return 1
    print("ok  " + summary(runs) + (f"; {len(files)} files byte for byte the same" if files else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
