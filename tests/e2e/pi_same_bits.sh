#!/usr/bin/env bash
# pi_same_bits.sh - contract 1 for pi: the same job gives the same hit
# count and digest whatever runs it (one or two OpenMP threads, the OpenCL
# device, both, the default), for odd N and N that is no multiple of the
# grain, and seeds with and without a high word.  (tests/test_pi.c checks
# the OpenMP path against a direct computation from the documented layout;
# this closes the loop for OpenCL.)  Also: the report's JSON shape, the CSV
# rows and the text table.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
SETS=("omp --threads 1" "omp --threads 2" "all")
if [ -n "$(opencl_ids)" ]; then
    SETS+=("cl" "omp,cl")
else
    echo "note: no OpenCL device found; comparing the OpenMP runs only"
fi

# Every run's JSON report goes to a file; one Python pass at the end checks
# them all (each Python start costs a few tenths of a second).
runs="$E2E_DIR/runs.tsv"     # file, N, seed, device set
: >"$runs"
i=0
for seed in 0 0x123456789abcdef0; do
    for n in 1001 3000001 50000001; do
        for set in "${SETS[@]}"; do
            read -r -a devs <<<"$set"
            i=$((i + 1))
            run_ok "run$i" "$H" pi --samples "$n" --seed "$seed" --format json --devices "${devs[@]}"
            [ -s "$E2E_DIR/run$i.err" ] && { show "$E2E_DIR/run$i.err"; fail "--devices $set wrote to stderr"; }
            printf '%s\t%s\t%s\t%s\n' "$E2E_DIR/run$i.out" "$n" "$seed" "$set" >>"$runs"
        done
    done
done

# Seeds differing only in the high word are different jobs.
run_ok hi "$H" pi --samples 1e6 --devices omp --format json --seed 0x123456789abcdef0
run_ok lo "$H" pi --samples 1e6 --devices omp --format json --seed 0x9abcdef0

# The same job as JSON, CSV and text, on the last device set.
last=${SETS[${#SETS[@]} - 1]}
read -r -a devs <<<"$last"
run_ok json "$H" pi --samples 3000001 --seed 7 --format json --devices "${devs[@]}"
run_ok csv "$H" pi --samples 3000001 --seed 7 --format csv --devices "${devs[@]}"
run_ok text "$H" pi --samples 3000001 --seed 7 --devices "${devs[@]}"

python3 - "$E2E_DIR" <<'PY' || fail "pi reports (see above)"
import csv, json, os, re, sys

d = sys.argv[1]
bad = []

def check(cond, what):
    if not cond:
        bad.append(what)
    return cond

def shape(name, r):
    """The report's shape and sums, for any pi run."""
    def c(cond, what):
        return check(cond, "%s: %s" % (name, what))
    c(r.get("schema") == "hetero.report" and isinstance(r.get("version"), int), "schema and version")
    c(r.get("workload") == "pi", "workload is pi")
    c({"samples", "seed"} <= set(r.get("params", {})), "params has samples and seed")
    res = r.get("result", {})
    if c({"hits", "samples", "pi", "stderr", "abs_error"} <= set(res), "result fields"):
        c(res["pi"] == 4 * res["hits"] / res["samples"], "pi == 4 hits / samples")
        c(res["stderr"] > 0 and res["abs_error"] >= 0, "stderr and abs_error")
    c(re.fullmatch(r"[0-9a-f]{16}", r.get("digest", "")) is not None, "digest is 16 hex digits")
    ph = r.get("phases", {})
    c(all(isinstance(ph.get(k), (int, float)) and ph[k] >= 0
          for k in ("discovery", "build", "compute", "merge", "wall")), "phases")
    ws = r.get("workers", [])
    c(len(ws) >= 1, "at least one worker")
    keys = {"rank", "id", "kind", "name", "grains", "items", "busy_s", "items_per_s", "share"}
    c(all(keys <= set(w) for w in ws), "worker fields")
    c(all(w.get("kind") in ("omp", "opencl") for w in ws), "worker kinds")
    c(sum(w.get("items", 0) for w in ws) == res.get("samples"), "worker items sum to samples")
    c(abs(sum(w.get("share", 0) for w in ws) - 1) < 1e-4, "worker shares sum to 1")
    c(0 < r.get("balance", 0) <= 1, "0 < balance <= 1")

# contract 1: every device set gives the same hits and digest
first = {}
for line in open(os.path.join(d, "runs.tsv")):
    path, n, seed, devs = line.rstrip("\n").split("\t")
    r = json.load(open(path))
    name = "N=%s seed=%s --devices %s" % (n, seed, devs)
    shape(name, r)
    check(r["result"]["samples"] == int(n), name + ": samples")
    check(r["params"]["seed"] == int(seed, 0), name + ": seed")
    got = (r["result"]["hits"], r["digest"])
    print("%s: hits %d digest %s" % (name, *got))
    want = first.setdefault((n, seed), (devs, got))
    check(got == want[1], "%s gave %s, --devices %s gave %s" % (name, got, want[0], want[1]))

hi = json.load(open(os.path.join(d, "hi.out")))
lo = json.load(open(os.path.join(d, "lo.out")))
check(hi["digest"] != lo["digest"], "seeds differing only in the high word gave the same digest")

# CSV: a header, then one row per worker with the header's columns
rep = json.load(open(os.path.join(d, "json.out")))
shape("json.out", rep)
rows = list(csv.reader(open(os.path.join(d, "csv.out"))))
head, body = rows[0], rows[1:]
col = {name: i for i, name in enumerate(head)}
if check(all(k in col for k in ("workload", "rank", "host", "id", "kind", "grains", "items", "share",
                                 "digest", "hits")), "CSV columns: %s" % head):
    check(all(len(row) == len(head) for row in body), "CSV: ragged rows")
    check(len(body) == len(rep["workers"]), "CSV: %d rows for %d workers" % (len(body), len(rep["workers"])))
    check(sorted(row[col["id"]] for row in body) == sorted(w["id"] for w in rep["workers"]), "CSV: worker ids")
    check(all(row[col["hits"]] == str(rep["result"]["hits"]) for row in body), "CSV: hits")
    check(all(row[col["digest"]] == rep["digest"] for row in body), "CSV: digest")
    check(sum(int(row[col["items"]]) for row in body) == 3000001, "CSV: items sum to samples")
print("csv: %d rows for %d workers" % (len(body), len(rep["workers"])))

# text: the result, the digest and a table row per worker
text = open(os.path.join(d, "text.out")).read()
hits = rep["result"]["hits"]
check(re.search(r"^ *hits +%d$" % hits, text, re.M), "text: no 'hits %d' line" % hits)
check(re.search(r"digest +%s" % rep["digest"], text), "text: no digest line")
check(re.search(r"^rank +id +kind +name", text, re.M), "text: no worker table header")
for w in rep["workers"]:
    check(re.search(r"^0 +%s +%s " % (re.escape(w["id"]), w["kind"]), text, re.M), "text: no row for " + w["id"])

for b in bad:
    print("FAIL: " + b, file=sys.stderr)
if bad:
    print("text report:\n" + text, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "pi: same bits on every device set"
