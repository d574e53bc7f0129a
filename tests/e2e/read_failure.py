"""read_failure.py DIR DEV N - the runs read_failure.sh left in DIR, for
each job I in 1..N: failI.out, with DEV failing its read beside OpenMP,
has the result and digest of ompI.out, OpenMP alone (contract 1,
same_bits.py), and DEV retired in it: status failed, the error naming
clEnqueueReadBuffer and CL_OUT_OF_RESOURCES, no grain, the others' grains
adding up to the job's.  One Python start for every job.  A failed check:
lines "FAIL: ..." and the run's stderr on stderr, exit 1.
"""
import json
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import same_bits                   # beside this file

tmp, dev, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
status = 0
for i in range(1, n + 1):
    omp = json.load(open(f"{tmp}/omp{i}.out"))
    r = json.load(open(f"{tmp}/fail{i}.out"))
    job = r.get("workload", "?")
    mine = [w for w in r["workers"] if w["id"] == dev]
    error = mine[0].get("error", "") if mine else ""
    checks = [
        ([w["status"] for w in mine] == ["failed"], f"{dev} is not one worker with status 'failed'"),
        ("clEnqueueReadBuffer" in error, f"its error does not name clEnqueueReadBuffer: {error!r}"),
        ("CL_OUT_OF_RESOURCES" in error, f"its error does not name CL_OUT_OF_RESOURCES: {error!r}"),
        ([w["grains"] for w in mine] == [0], f"{dev}'s grains: {[w['grains'] for w in mine]}, expected [0]"),
        (sum(w["grains"] for w in r["workers"]) == r["grains"], "the workers' grains do not add up"),
    ]
    bad = [what for ok, what in checks if not ok]
    runs = [(f"OpenMP alone ({job})", omp), (f"{dev} failing beside OpenMP", r)]
    differs = same_bits.compare(runs)
    if differs:
        bad.append(differs)
    for what in bad:
        print(f"FAIL: {job}: {dev} failing a read beside OpenMP: {what}", file=sys.stderr)
    if bad:
        sys.stderr.write(open(f"{tmp}/fail{i}.err").read())
        status = 1
    else:
        print(f"ok  {job}: {dev} retired; {same_bits.summary(runs)}")
sys.exit(status)
