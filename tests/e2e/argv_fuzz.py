#!/usr/bin/env python3
"""argv_fuzz.py - random command lines against hetero and hetero-bench.

    argv_fuzz.py SCRATCH_DIR

Builds command lines from the real option names and values, good ones (small
jobs, so that a valid line finishes in a blink) and hostile ones (empty,
signs, overflows, control characters, quotes, shell and gnuplot syntax, 5000
bytes, bytes that are not UTF-8), runs each with SCRATCH_DIR as the working
directory (every relative output lands there), and checks what docs/commands.md
promises:

  - no crash, no hang (30 s per line), no sanitizer report: exit status 0, 1
    or 2 only;
  - exit 2 (bad input): nothing on stdout, exactly one line on stderr;
  - exit 1 (run-time failure): a last line "<prog>: error: ...", and no
    answer on stdout (but for `--print -`, which streams by nature);
  - nothing that a shell or gnuplot would have made of a file name (a file
    named pwned) ever appears.

Environment: HETERO, HETERO_BENCH (may be empty), FUZZ_SEED (default 11),
FUZZ_N (lines, default 3000), FUZZ_SECONDS (stop starting new lines after
this, default 60), FUZZ_JOBS (lines run at once, default 2).  A failure
prints the seed and the line, shell-quoted, to rerun it by hand.
"""
import concurrent.futures
import os
import random
import shlex
import subprocess
import sys
import time

HETERO = os.environ["HETERO"]
BENCH = os.environ.get("HETERO_BENCH") or None
SEED = int(os.environ.get("FUZZ_SEED", "11"))
N = int(os.environ.get("FUZZ_N", "3000"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "30"))
JOBS = int(os.environ.get("FUZZ_JOBS", "2"))
WORK = sys.argv[1]

COMMON = ["--seed", "--devices", "--threads", "--format", "--progress", "--no-progress",
          "--quiet", "--help", "--version"]
FLAGS = {"--progress", "--no-progress", "--quiet", "--help", "--version", "--quick"}
WORKLOADS = {
    "pi": ["--samples"],
    "primes": ["--range", "--nth", "--print"],
    "reservoir": ["--paths", "--steps", "--capacity", "--inflow-mean", "--inflow-sd",
                  "--release", "--initial", "--trace", "--plot"],
}
REQUIRED = {"pi": ["--samples"], "primes": ["--range"], "reservoir": ["--paths", "--steps"]}
BENCH_OPTS = ["--workloads", "--devices", "--threads", "--quick", "--repeats", "--seconds",
              "--check-items", "--seed", "--format", "--plot", "--compare", "--fail-on",
              "--results", "--progress", "--no-progress", "--help", "--version", "--load"]

# Values a valid line may take: every job stays tiny.
GOOD = {
    "--samples": ["1", "2", "1000", "1e4", "2.5e3", "99999"],
    "--range": ["0:1000", "0:0", "1e5:1e5", "999000:1000000", "4294967000:4294968000",
                "18446744073709551615:18446744073709551615", "10:5"],
    "--nth": ["1", "2", "100", "20000"],
    "--print": ["-", "p.txt", "sub/p.txt", "/dev/null", "/dev/full", "missing/p.txt", ".",
                "sub", "sub/", "/proc/p.txt"],
    "--paths": ["1", "10", "1e3"],
    "--steps": ["1", "10", "100"],
    "--capacity": ["1", "100", "0.5"],
    "--inflow-mean": ["0", "70", "1e3"],
    "--inflow-sd": ["0", "70"],
    "--release": ["0", "70"],
    "--initial": ["0", "50", "100"],
    "--trace": ["t.csv", "sub/t.csv", "/dev/null", "/dev/full", ".", "missing/t.csv"],
    "--plot": ["f.svg", "f.png", "sub/f.svg", "f.gif", "sub", "missing/f.svg"],
    "--seed": ["0", "42", "0xdeadbeef", "18446744073709551615"],
    "--devices": ["omp", "all", "cl", "omp,cl", "cl:0:0", "gpu", "cl:9:9", "omp,omp"],
    "--threads": ["1", "2"],
    "--format": ["text", "json", "csv"],
    # hetero-bench (never run: every bench line ends in bad input)
    "--workloads": ["pi", "primes", "pi,reservoir", "pi,,primes", "nosuch"],
    "--repeats": ["1", "2"],
    "--seconds": ["0.01", "1"],
    "--check-items": ["1000", "2e5"],
    "--compare": ["base.json", "/dev/zero", "fifo", "sub", "missing.json", "big.json"],
    "--fail-on": ["0", "20", "100", "101", "-5"],
    "--results": ["base.json", "/dev/zero", "fifo", "missing.json"],
    # a shared object: never a real one here, so every line with it is refused
    "--load": ["base.json", "fifo", "/dev/zero", "sub", "missing.so", ".", "/"],
}
GOOD["--plot-bench"] = ["f.svg", "f.png", "sub", "dir.png", "/dev/full"]

INJECT = ["<id>pwned #", "|id>pwned;cat>x.svg", "|id>pwned;cat>y.png", "$(touch pwned)",
          "`touch pwned`", ";touch pwned", "a'b.svg", "x.svg'\nsystem 'touch pwned'\n#.svg"]
HOSTILE = [
    "", "-", "--", "-1", "0", "1.5", "nan", "inf", "-inf", "1e400", "1e19", "9e18x",
    "99999999999999999999999", "0x", "0x1g", "abc", " 1", "1 ", "+1", "-0", "1,2", "1e-3",
    "\n", "a\nb", "\t", "\r", "\x1b[31mred", "\x07", "'", '"', "\\", "%s%s%s%n%n", "%",
    ",", ",,", "omp,", ",omp", ":", "1:", ":1", "1:2:3", "cl:", "cl:0", "cl:-1:0", "cl: 0:0",
    "--samples", "--samples=", "=", "--=x", "---", "--help=1", "--quiet=yes", "--print",
    "--format=", "-h", "help", "devices", "A" * 5000, "\u00e9\u00e8", "\u202e", "..", "/",
] + INJECT
HOSTILE_BYTES = [b"\xff\xfe", b"\xc3", b"caf\xe9", b"\x01\x02\x03"]


def token(rng, option=None):
    """A value for option: a good one or a hostile one."""
    if option in GOOD and rng.random() < 0.6:
        return rng.choice(GOOD[option])
    if rng.random() < 0.05:
        return rng.choice(HOSTILE_BYTES)
    return rng.choice(HOSTILE)


def joined(name, value):
    """--name=value, as bytes when the value is."""
    return name.encode() + b"=" + value if isinstance(value, bytes) else name + "=" + value


def add_option(rng, args, name, value_option=None):
    r = rng.random()
    if name in FLAGS:
        args.append(name if r < 0.9 else joined(name, token(rng)))
        return
    value = token(rng, value_option or name)
    if r < 0.7:
        args += [name, value]
    elif r < 0.9:
        args.append(joined(name, value))
    else:
        args.append(name)   # the value is missing (or the next option takes its place)


def hetero_line(rng):
    args = []
    if rng.random() < 0.05:
        add_option(rng, args, "--load")
    r = rng.random()
    if r < 0.82:
        wl = rng.choice(sorted(WORKLOADS))
        args.append(wl)
        opts = WORKLOADS[wl] + COMMON
        for req in REQUIRED[wl]:
            if rng.random() < 0.7:
                add_option(rng, args, req)
        for _ in range(rng.randrange(0, 6)):
            x = rng.random()
            if x < 0.08:
                args.append(token(rng))
            elif x < 0.12:
                other = rng.choice([o for w in WORKLOADS.values() for o in w])
                add_option(rng, args, other)
            else:
                add_option(rng, args, rng.choice(opts))
        if wl == "primes" and "--print" not in args and rng.random() < 0.2:
            add_option(rng, args, "--print")
    elif r < 0.9:
        args.append("devices")
        for _ in range(rng.randrange(0, 3)):
            x = rng.random()
            if x < 0.6:
                add_option(rng, args, "--format")
            elif x < 0.8:
                args.append(rng.choice(["--help", "--quiet"]))
            else:
                args.append(token(rng))
    else:
        args.append(token(rng) if rng.random() < 0.8 else rng.choice(["--help", "--version"]))
        for _ in range(rng.randrange(0, 3)):
            args.append(token(rng))
    return [HETERO] + args


def bench_line(rng):
    args = []
    for _ in range(rng.randrange(0, 6)):
        x = rng.random()
        if x < 0.1:
            args.append(token(rng))
        else:
            name = rng.choice(BENCH_OPTS)
            add_option(rng, args, name, "--plot-bench" if name == "--plot" else None)
    # whatever came before, the line ends in bad input (or an earlier
    # --help/--version): the bench is never run for real here
    args += ["--repeats", "0"]
    return [BENCH] + args


def show(argv):
    return " ".join(shlex.quote(os.fsdecode(a) if isinstance(a, bytes) else a) for a in argv)


def check(argv):
    """Runs one line; returns (exit status, None) or (status, what is wrong)."""
    env = dict(os.environ)
    # sanitizer builds: their own exit statuses, never confused with ours
    for var, code in (("ASAN_OPTIONS", 97), ("UBSAN_OPTIONS", 98), ("LSAN_OPTIONS", 99)):
        env[var] = (env.get(var, "") + ":" if env.get(var) else "") + "exitcode=%d" % code
    env.pop("OMP_NUM_THREADS", None)
    try:
        p = subprocess.run(argv, cwd=WORK, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    except subprocess.TimeoutExpired:
        return None, "no answer within 30 s (a hang?)"
    out, err, rc = p.stdout, p.stderr, p.returncode
    prog = os.path.basename(argv[0])
    text = err.decode("utf-8", "replace")
    if "Sanitizer" in text or "runtime error:" in text:
        return rc, "sanitizer report:\n" + text[-3000:]
    if rc not in (0, 1, 2):
        return rc, "exit status %d (expected 0, 1 or 2); stderr:\n%s" % (rc, text[-2000:])
    streams = "--print=-" in argv or any(a == "--print" and b == "-" for a, b in zip(argv, argv[1:]))
    if rc == 2:
        if out:
            return rc, "bad input, but stdout is not empty: %r" % out[:200]
        if err.count(b"\n") != 1 or not err.endswith(b"\n"):
            return rc, "bad input must be one line on stderr, got %d:\n%s" % (err.count(b"\n"), text[:2000])
        if not text.startswith(prog + ": "):
            return rc, "the line does not start with '%s: ': %s" % (prog, text)
    if rc == 1:
        last = text.rstrip("\n").split("\n")[-1] if text else ""
        if not last.startswith(prog + ": error: "):
            return rc, "run-time failure without '%s: error:' as the last line:\n%s" % (prog, text[-2000:])
        if out and not streams:
            return rc, "run-time failure, but an answer on stdout: %r" % out[:200]
    if rc == 0 and not out and not streams:
        return rc, "success, but nothing on stdout; stderr:\n" + text[-2000:]
    return rc, None


def setup():
    os.makedirs(os.path.join(WORK, "sub"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "dir.png"), exist_ok=True)
    fifo = os.path.join(WORK, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    with open(os.path.join(WORK, "big.json"), "wb") as f:
        f.truncate(64 << 20)   # sparse: past --compare's limit
    with open(os.path.join(WORK, "base.json"), "w") as f:
        f.write('{"schema": "hetero.bench", "version": 2, "results": []}\n')


def main():
    setup()
    rng = random.Random(SEED)
    lines = []
    for _ in range(N):
        lines.append(bench_line(rng) if BENCH and rng.random() < 0.1 else hetero_line(rng))
    t0 = time.time()
    counts = {}
    failures = []
    ran = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        pending = set()
        it = iter(lines)
        while True:
            while len(pending) < 2 * JOBS and time.time() - t0 < SECONDS:
                argv = next(it, None)
                if argv is None:
                    break
                pending.add(pool.submit(lambda a=argv: (a, check(a))))
            if not pending:
                break
            done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                argv, (rc, why) = fut.result()
                ran += 1
                counts[rc] = counts.get(rc, 0) + 1
                if why:
                    failures.append((argv, why))
    for name in ("pwned", "x.svg", "y.png"):
        if os.path.exists(os.path.join(WORK, name)):
            failures.append((["(the scratch folder)"], "a file named %r appeared: a name was run" % name))
    print("argv fuzz: seed %d, %d of %d lines in %.1f s; exit statuses %s"
          % (SEED, ran, N, time.time() - t0, dict(sorted(counts.items(), key=lambda kv: str(kv[0])))))
    for argv, why in failures[:20]:
        print("FAIL (FUZZ_SEED=%d): %s\n  %s" % (SEED, show(argv), why.replace("\n", "\n  ")))
    if failures:
        print("%d failing lines" % len(failures))
        return 1
    if ran < min(N, 200):
        print("FAIL: only %d lines ran in %.0f s" % (ran, SECONDS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
