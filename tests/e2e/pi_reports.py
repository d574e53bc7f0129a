"""pi_reports.py DIR - checks the reports pi_same_bits.sh left in DIR: runs.tsv
(a report, N, seed and device set a line) and the same job as JSON, CSV and
text (json.out, csv.out, text.out); hi.out and lo.out, seeds differing only
in the high word.  Each failed check is a line on stderr; exit 1 if any.
"""
import csv, json, os, re, sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import same_bits                   # beside this file

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

# contract 1: every device set gives the same result and digest
jobs = {}
for line in open(os.path.join(d, "runs.tsv")):
    path, n, seed, devs = line.rstrip("\n").split("\t")
    r = json.load(open(path))
    name = "N=%s seed=%s --devices %s" % (n, seed, devs)
    shape(name, r)
    check(r["result"]["samples"] == int(n), name + ": samples")
    check(r["params"]["seed"] == int(seed, 0), name + ": seed")
    jobs.setdefault("N=%s seed=%s" % (n, seed), []).append(("--devices " + devs, r))
for job, runs in jobs.items():
    bad_bits = same_bits.compare(runs)
    if check(bad_bits is None, "%s: %s" % (job, bad_bits)):
        print("%s: %s" % (job, same_bits.summary(runs)))

hi = json.load(open(os.path.join(d, "hi.out")))
lo = json.load(open(os.path.join(d, "lo.out")))
check(hi["digest"] != lo["digest"], "seeds differing only in the high word gave the same digest")
# the comparison above tells two jobs apart, naming the run and the field
want = "lo: result.hits is %d, hi has %d" % (lo["result"]["hits"], hi["result"]["hits"])
got = same_bits.compare([("hi", hi), ("lo", lo)])
check(got == want, "same_bits.compare on two jobs gave %r, expected %r" % (got, want))

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
