"""mpi_ranks.py ONE MANY NP [HOSTS] - a job under mpirun -np NP (the JSON
report MANY) against the same job in one process (ONE), for
mpi_same_bits.sh and mpi_cluster.sh: the same result and digest (contract
1, same_bits.py); ranks 0..NP-1 listed, each with a host (HOSTS, when
given: the host of each rank in rank order, space-separated) and a worker
row; the workers' grains, with any resumed from a journal, add up to the
job's.  Each failed check is a line "FAIL: MANY: ..." on stderr; exit 1
if any.
"""
import json
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import same_bits                   # beside this file

one = json.load(open(sys.argv[1]))
many = json.load(open(sys.argv[2]))
np_ = int(sys.argv[3])
hosts = sys.argv[4].split() if len(sys.argv) > 4 else None
bad = []
runs = [("one process", one), (f"-np {np_}", many)]
differs = same_bits.compare(runs)
if differs:
    bad.append(differs)
ranks = sorted(many["ranks"], key=lambda r: r["rank"])
if [r["rank"] for r in ranks] != list(range(np_)):
    bad.append(f"ranks listed: {[r['rank'] for r in ranks]}, expected 0..{np_ - 1}")
elif hosts is not None and [r["host"] for r in ranks] != hosts:
    bad.append(f"hosts by rank: {[r['host'] for r in ranks]}, expected {hosts}")
if not all(r["host"] for r in ranks):
    bad.append(f"a rank without a host: {ranks}")
if sorted({w["rank"] for w in many["workers"]}) != list(range(np_)):
    bad.append("a rank has no worker row")
# a resumed run computes what the journal did not hold
resumed = (many.get("checkpoint") or {}).get("resumed_grains", 0)
if sum(w["grains"] for w in many["workers"]) + resumed != many["grains"]:
    bad.append(f"workers' grains and {resumed} resumed add up to "
               f"{sum(w['grains'] for w in many['workers']) + resumed}, not {many['grains']}")
for b in bad:
    print(f"FAIL: {sys.argv[2]}: {b}", file=sys.stderr)
if not bad:
    print(f"ok  {same_bits.summary(runs)}; ranks on {' '.join(r['host'] for r in ranks)}")
sys.exit(1 if bad else 0)
