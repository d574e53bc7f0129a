#!/usr/bin/env bash
# SIGINT and SIGTERM: the progress line is cleared, one line says
# "<prog>: interrupted", the exit status is 130 or 143 and nothing is on
# stdout.  An interrupted --print FILE leaves an existing FILE as it was
# (and no temporary file), during the run or while the list is written;
# --print - stops after a whole line.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cd "$E2E_DIR" || fail "cd"
# pi runs long enough to be interrupted, whatever the build's speed
python3 - "$HETERO" "${HETERO_BENCH:-}" "$(scaled 1e15)" <<'EOF' || fail "interruption (above)"
import os, signal, subprocess, sys, time
H, B, LONG = sys.argv[1], sys.argv[2], sys.argv[3]
bad = 0

def run(argv, sig, ready, stdout=subprocess.PIPE):
    """Starts argv, sends sig once ready() is true, returns (rc, out, err)."""
    # SIGINT of a background job is ignored by the shell; start it default
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    t0 = time.time()
    while not ready(t0) and p.poll() is None and time.time() - t0 < 60:
        time.sleep(0.005)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    return p.returncode, out, err.decode("utf-8", "replace")

def expect(what, cond, detail):
    global bad
    if not cond:
        print("FAIL:", what, "-", detail)
        bad = 1
    else:
        print("ok  ", what)

def after(s):
    return lambda t0: time.time() - t0 > s

def temp_of(name):
    return lambda t0: any(f.startswith("." + name + ".") for f in os.listdir("."))

def no_temp(name):
    return not any(f.startswith("." + name + ".") for f in os.listdir("."))

for sig, status in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
    rc, out, err = run([H, "pi", "--samples", LONG, "--devices", "omp"], sig, after(0.5))
    expect("pi, %s: exit %d, one line, nothing on stdout" % (sig.name, status),
           rc == status and out == b"" and err == "hetero: interrupted\n", (rc, out[:80], err))
rc, out, err = run([H, "pi", "--samples", LONG, "--devices", "omp", "--progress"], signal.SIGINT, after(1.5))
expect("the progress line is cleared first",
       rc == 130 and out == b"" and err.endswith("\r\x1b[Khetero: interrupted\n") and "%" in err, (rc, err[-200:]))

# --print FILE: during the run, and while the list is being written
for phase, argv, ready in (
        ("during the run", [H, "primes", "--range", "0:1e12", "--print", "stream.txt", "--devices", "omp"], after(0.5)),
        ("while writing", [H, "primes", "--range", "0:3e9", "--print", "stream.txt", "--devices", "omp"], temp_of("stream.txt"))):
    with open("stream.txt", "w") as f:
        f.write("old content\n")
    rc, out, err = run(argv, signal.SIGTERM, ready)
    with open("stream.txt") as f:
        kept = f.read()
    expect("--print FILE interrupted %s: exit 143, old file kept, no temporary file" % phase,
           rc == 143 and out == b"" and err == "hetero: interrupted\n" and kept == "old content\n"
           and no_temp("stream.txt"), (rc, err, kept[:40], os.listdir(".")))

# --print -: the list streams, and stops after a whole line
with open("list.txt", "wb") as f:
    rc, out, err = run([H, "primes", "--range", "0:3e9", "--print", "-", "--devices", "omp"], signal.SIGTERM,
                       lambda t0: os.path.getsize("list.txt") > (4 << 20), stdout=f)
data = open("list.txt", "rb").read()
lines = data.split(b"\n")
ok = rc == 143 and data.endswith(b"\n") and err == "hetero: interrupted\n" and all(l.isdigit() for l in lines[:-1])
expect("--print - interrupted: exit 143, %d whole lines" % (len(lines) - 1), ok, (rc, err, data[-30:]))
if ok:
    nums = [int(l) for l in lines[:-1]]
    expect("--print - interrupted: the lines are the primes in order", nums[:4] == [2, 3, 5, 7] and
           all(a < b for a, b in zip(nums, nums[1:])), nums[-3:])

# Grains of hours (a huge job has few, long grains): the batches in flight
# get the stop grace (2 s), then the OpenMP team drops its batch; the run
# ends within seconds of the signal, and of the time limit.
def timed(argv, sig=None, after_s=1.0):
    """Runs argv (signalled after after_s when sig is set); returns (rc, err,
    seconds from the signal, or from the start)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.time()
    if sig:
        time.sleep(after_s)
        t0 = time.time()
        p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, out, err.decode("utf-8", "replace"), time.time() - t0

for argv in (["pi", "--samples", "9e18"], ["primes", "--range", "0:18446744073709551615"],
             ["reservoir", "--paths", "64", "--steps", "1e9"]):
    rc, out, err, dt = timed([H] + argv + ["--devices", "omp", "--no-progress"], signal.SIGTERM)
    expect("%s (grains of hours), SIGTERM: exit 143 %.1f s after the signal" % (argv[0], dt),
           rc == 143 and out == b"" and err == "hetero: interrupted\n" and dt < 30, (rc, err, dt))
rc, out, err, dt = timed([H, "primes", "--range", "0:18446744073709551615", "--devices", "omp",
                          "--time-limit", "5s", "--checkpoint", "huge.journal"])
expect("primes (grains of hours), --time-limit 5s: exit 3 after %.1f s" % dt,
       rc == 3 and out == b"" and "stopped at the time limit" in err and dt < 30, (rc, err, dt))

if B:
    rc, out, err = run([B, "--workloads", "pi", "--devices", "omp", "--seconds", "100", "--no-progress"],
                       signal.SIGTERM, after(1.0))
    expect("hetero-bench, SIGTERM: exit 143, one line, nothing on stdout",
           rc == 143 and out == b"" and err == "hetero-bench: interrupted\n", (rc, out[:80], err))
sys.exit(bad)
EOF
echo "interrupt: as specified"
