#!/usr/bin/env bash
# --compare BASELINE.json: rows are matched by workload and device identity
# (the CPU model and thread count of OpenMP, each OpenCL device's name and
# driver, the rank count), every difference of machine, devices, build and
# settings is listed before the table and as compare.baseline_mismatch, and
# rows that cannot be compared say why.  --fail-on PCT exits 3 when a
# compared row's items/s fell by more than PCT%, or when nothing compares.
# --results REPORT compares two saved reports without running anything.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

B=("$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp)
"${B[@]}" --format json >"$E2E_DIR/base.json"

python3 - "$E2E_DIR" <<'PY'
import copy, json, sys
tmp = sys.argv[1]
b = json.load(open(f"{tmp}/base.json"))
# rows on one side only: this run's last row ("new"), a row only in the baseline
e = copy.deepcopy(b)
gone = e["results"].pop()
e["results"].append(dict(e["results"][0], set="cl:9:9", engine_devices="cl:9:9"))
json.dump(e, open(f"{tmp}/edited.json", "w"))
open(f"{tmp}/edited.json.gone", "w").write(gone["set"])
# another CPU, and other settings
o = copy.deepcopy(b)
o["machine"]["cpu_model"] = "Intel(R) Xeon(R) Platinum 8480+"
o["settings"]["repeats"] = 5
json.dump(o, open(f"{tmp}/other-cpu.json", "w"))
# a machine twice as fast
f = copy.deepcopy(b)
for r in f["results"]:
    for k in ("items_per_s", "items_per_s_min", "items_per_s_max"):
        r[k] *= 2
json.dump(f, open(f"{tmp}/fast.json", "w"))
# a machine a hundred times as fast, for the live run: the live run and
# base.json are timed on one machine that may be busier at one time than
# at the other, by far less than that
h = copy.deepcopy(b)
for r in h["results"]:
    for k in ("items_per_s", "items_per_s_min", "items_per_s_max"):
        r[k] *= 100
json.dump(h, open(f"{tmp}/faster.json", "w"))
# a report of version 2: the names before version 3 (a set was `devices`,
# a row's rank count `ranks`, its wall median `wall`, its check job's
# digest `digest`)
def old_names(doc, version):
    doc = copy.deepcopy(doc)
    doc["version"] = version
    for r in doc["results"]:
        for new, old in (("set", "devices"), ("mpi_ranks", "ranks"), ("wall_median_s", "wall"),
                         ("check_digest", "digest")):
            r[old] = r.pop(new)
    for s in doc["sets"]:
        s["devices"] = s.pop("set")
    return doc
json.dump(old_names(b, 2), open(f"{tmp}/v2.json", "w"))
# ... whose first row ran on 2 ranks: that row is another identity
v2r = old_names(b, 2)
v2r["results"][0]["ranks"] = 2
json.dump(v2r, open(f"{tmp}/v2-ranks.json", "w"))
# a report of version 1: those names, no run record, no noisy, the
# combined set was "all"
v1 = old_names(b, 1)
del v1["run"]
for r in v1["results"]:
    for k in ("noisy", "noise", "spread_pct", "remeasured", "label", "identity"):
        r.pop(k, None)
json.dump(v1, open(f"{tmp}/v1.json", "w"))
PY

# ---- the same machine and settings: every row compared, no difference ----
"${B[@]}" --format json --compare "$E2E_DIR/base.json" >"$E2E_DIR/same.json"
python3 - "$E2E_DIR/same.json" "$E2E_DIR/base.json" <<'PY'
import json, sys
new = json.load(open(sys.argv[1]))
old = json.load(open(sys.argv[2]))
cmp = new["compare"]
if cmp["baseline_mismatch"] != []:
    sys.exit(f"FAIL: differences listed against a baseline of the same machine: {cmp['baseline_mismatch']}")
rows = cmp["rows"]
if len(rows) != len(new["results"]) or cmp["compared"] != len(rows):
    sys.exit(f"FAIL: {len(rows)} comparison rows, {cmp['compared']} compared, for {len(new['results'])} rows")
for c in rows:
    o = [r for r in old["results"] if (r["workload"], r["set"]) == (c["workload"], c["set"])][0]
    n = [r for r in new["results"] if (r["workload"], r["set"]) == (c["workload"], c["set"])][0]
    if not (c["status"] == "compared" and c["comparable"] and c["in_baseline"] and c["in_run"]):
        sys.exit(f"FAIL: {c} not matched")
    if c["old_items_per_s"] != o["items_per_s"] or c["new_items_per_s"] != n["items_per_s"]:
        sys.exit(f"FAIL: {c} does not carry the two reports' items/s")
    want = 100 * (n["items_per_s"] / o["items_per_s"] - 1)
    if abs(c["change_pct"] - want) > 0.01 + 1e-3 * abs(want):
        sys.exit(f"FAIL: change {c['change_pct']}%, expected {want}%")
    if c["noisy"] != (o["noisy"] or n["noisy"]):
        sys.exit(f"FAIL: {c} does not carry either side's noisy mark")
print(f"compare: {len(rows)} rows matched with old, new and change; no difference listed")
PY

# ---- another CPU model: named before the table; OpenMP rows not comparable ----
"${B[@]}" --compare "$E2E_DIR/other-cpu.json" >"$E2E_DIR/other.txt"
table=$(grep -n '^workload ' "$E2E_DIR/other.txt" | head -1 | cut -d: -f1)
cpu=$(grep -n 'machine.cpu_model' "$E2E_DIR/other.txt" | head -1 | cut -d: -f1)
[ -n "$cpu" ] || { show "$E2E_DIR/other.txt"; fail "another CPU model is not named"; }
[ "$cpu" -lt "$table" ] || fail "the CPU difference comes after the table (line $cpu, table at $table)"
grep -q 'Intel(R) Xeon(R) Platinum 8480+' "$E2E_DIR/other.txt" || fail "the baseline's CPU model is not shown"
grep -q 'settings.repeats' "$E2E_DIR/other.txt" || fail "the difference in repeats is not listed"
grep -E "^pi +omp/1 .*cannot be compared: .*Intel" "$E2E_DIR/other.txt" >/dev/null ||
    fail "omp/1 on another CPU is not marked as not comparable"
"${B[@]}" --format json --compare "$E2E_DIR/other-cpu.json" >"$E2E_DIR/other.json"
python3 - "$E2E_DIR/other.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["compare"]
if not isinstance(c["baseline_mismatch"], list):
    sys.exit("FAIL: compare.baseline_mismatch is not a list")
mm = {m["field"]: m for m in c["baseline_mismatch"]}
if mm.get("machine.cpu_model", {}).get("baseline") != "Intel(R) Xeon(R) Platinum 8480+":
    sys.exit(f"FAIL: compare.baseline_mismatch lacks the CPU model: {c['baseline_mismatch']}")
if mm.get("settings.repeats", {}).get("baseline") != 5:
    sys.exit(f"FAIL: compare.baseline_mismatch lacks the repeats: {c['baseline_mismatch']}")
bad = [r for r in c["rows"] if r["status"] != "not_comparable" or r["comparable"] or "Intel" not in r["reason"]]
if bad or c["compared"] != 0:
    sys.exit(f"FAIL: rows on another CPU compared: {bad}")
print("another CPU:", ", ".join(sorted(mm)), "listed; OpenMP rows marked not comparable")
PY

# ---- rows on one side only ----
"${B[@]}" --compare "$E2E_DIR/edited.json" >"$E2E_DIR/edited.txt"
gone=$(cat "$E2E_DIR/edited.json.gone")
grep -q "change against" "$E2E_DIR/edited.txt" || fail "no comparison in the text report"
grep -E "^pi +cl:9:9 .*not in this run" "$E2E_DIR/edited.txt" >/dev/null || fail "cl:9:9 not listed as missing from this run"
grep -E "^pi +$gone .*not in the baseline" "$E2E_DIR/edited.txt" >/dev/null || fail "$gone not listed as missing from the baseline"
grep -E "^pi +omp/1 .*[+-][0-9.]+%" "$E2E_DIR/edited.txt" >/dev/null || fail "omp/1 has no change in %"
echo "compare (text): matched rows with a change, rows on one side only listed"

"${B[@]}" --format csv --compare "$E2E_DIR/base.json" >"$E2E_DIR/c.csv"
head -1 "$E2E_DIR/c.csv" | grep -q "baseline_items_per_s,change_pct,comparable" || fail "CSV has no comparison columns"

# ---- a version 2 baseline still compares: its old names are read ----
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/v2.json" --format json >"$E2E_DIR/v2-cmp.json" ||
    fail "--compare with a version 2 baseline"
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/v2-ranks.json" --format json \
    >"$E2E_DIR/v2-ranks-cmp.json" || fail "--compare with a version 2 baseline on 2 ranks"
"$HETERO_BENCH" --results "$E2E_DIR/v2.json" --compare "$E2E_DIR/base.json" --format csv >"$E2E_DIR/v2-cmp.csv" ||
    fail "--results with a version 2 report"
python3 - "$E2E_DIR" <<'PY'
import csv, json, sys
tmp = sys.argv[1]
base = json.load(open(f"{tmp}/base.json"))
sets = [r["set"] for r in base["results"]]
c = json.load(open(f"{tmp}/v2-cmp.json"))["compare"]
# every row compared, each under its set's name (read from `devices`)
if c["compared"] != len(sets) or [r["set"] for r in c["rows"]] != sets:
    sys.exit(f"FAIL: a version 2 baseline: {c['rows']}")
# its rank count is read from `ranks`: 2 ranks is not this run's identity,
# and the row of the same set says so
c = json.load(open(f"{tmp}/v2-ranks-cmp.json"))["compare"]
r = c["rows"][0]
if r["status"] != "not_comparable" or r["set"] != sets[0] or "2 ranks" not in r["reason"]:
    sys.exit(f"FAIL: a version 2 baseline's row on 2 ranks: {r}")
if c["compared"] != len(sets) - 1:
    sys.exit(f"FAIL: a version 2 baseline with one row on 2 ranks: {c['rows']}")
# and as the report compared: the same rows, by set
rows = list(csv.DictReader(open(f"{tmp}/v2-cmp.csv")))
if [r["set"] for r in rows] != sets or any(r["status"] != "compared" for r in rows):
    sys.exit(f"FAIL: --results with a version 2 report: {rows}")
print(f"a version 2 report: its {len(sets)} rows compared by set, its rank count read, on either side")
PY

# ---- a version 1 baseline still compares (identity from its machine facts) ----
"${B[@]}" --format json --compare "$E2E_DIR/v1.json" >"$E2E_DIR/v1-cmp.json"
python3 - "$E2E_DIR/v1-cmp.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["compare"]
if c["compared"] != len([r for r in c["rows"] if r["in_run"]]):
    sys.exit(f"FAIL: a version 1 baseline: {c['rows']}")
if not any(m["field"] == "run.host" and m["baseline"] is None for m in c["baseline_mismatch"]):
    sys.exit(f"FAIL: the missing run record is not listed: {c['baseline_mismatch']}")
print("a version 1 baseline: every row compared; its missing run record listed")
PY

# ---- --fail-on, on saved reports: deterministic ----
rc=0
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/base.json" --fail-on 20 >"$E2E_DIR/self.txt" 2>"$E2E_DIR/self.err" || rc=$?
[ "$rc" -eq 0 ] || { show "$E2E_DIR/self.err"; fail "--fail-on 20 against itself: exit $rc, expected 0"; }
[ ! -s "$E2E_DIR/self.err" ] || fail "--fail-on 20 against itself said something: $(cat "$E2E_DIR/self.err")"
grep -q "0 regressions" "$E2E_DIR/self.txt" || fail "no '0 regressions' in the comparison with itself"
rc=0
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/fast.json" --fail-on 20 --format json >"$E2E_DIR/fast.out" 2>"$E2E_DIR/fast.err" || rc=$?
[ "$rc" -eq 3 ] || fail "--fail-on 20 against a baseline twice as fast: exit $rc, expected 3"
{ [ "$(wc -l <"$E2E_DIR/fast.err")" -eq 1 ] && grep -q "regression: .* fell by more than 20%" "$E2E_DIR/fast.err"; } ||
    fail "--fail-on: stderr is not one line naming the regression: $(cat "$E2E_DIR/fast.err")"
python3 - "$E2E_DIR/fast.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["compare"]
if d["schema"] != "hetero.bench.compare" or c["regressions"] != c["compared"] or c["compared"] == 0:
    sys.exit(f"FAIL: {d}")
for r in c["rows"]:
    if not (r["regression"] and abs(r["change_pct"] + 50) < 0.01):
        sys.exit(f"FAIL: row {r} should have fallen by 50%")
PY
echo "--fail-on 20: exit 0 against itself, exit 3 against a baseline twice as fast: $(cat "$E2E_DIR/fast.err")"
rc=0
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/other-cpu.json" --fail-on 20 >/dev/null 2>"$E2E_DIR/none.err" || rc=$?
{ [ "$rc" -eq 3 ] && grep -q "no row could be compared" "$E2E_DIR/none.err"; } ||
    fail "--fail-on with nothing comparable: exit $rc, $(cat "$E2E_DIR/none.err")"
echo "--fail-on with nothing comparable: exit 3: $(cat "$E2E_DIR/none.err")"
# a baseline row without a positive rate is not comparable, never "compared"
python3 - "$E2E_DIR" <<'PY'
import json, sys
b = json.load(open(f"{sys.argv[1]}/base.json"))
b["results"][0]["items_per_s"] = "fast"
json.dump(b, open(f"{sys.argv[1]}/norate.json", "w"))
PY
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/norate.json" --fail-on 20 --format json \
    >"$E2E_DIR/norate.out" 2>"$E2E_DIR/norate.err" || fail "a baseline row without a rate: $(cat "$E2E_DIR/norate.err")"
json_check "$E2E_DIR/norate.out" "r['compare']['rows'][0]['status'] == 'not_comparable'" \
    "'items_per_s' in r['compare']['rows'][0]['reason']" \
    "r['compare']['compared'] == len(r['compare']['rows']) - 1" || fail "a baseline row without a rate was compared"
echo "ok  a baseline row without a rate: not comparable"
# a baseline's text and name are shown without their control characters:
# every message stays one line, nothing reaches the terminal raw
python3 - "$E2E_DIR" <<'PY'
import json, sys
b = json.load(open(f"{sys.argv[1]}/fast.json"))
b["run"]["host"] = "evil\nhost\x1b[31m"
b["machine"]["cpu_model"] = "cpu\r\nmodel"
json.dump(b, open(f"{sys.argv[1]}/evil\nname\x1b[1m.json", "w"))
PY
evil=$(printf '%s/evil\nname\033[1m.json' "$E2E_DIR")
rc=0
"$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$evil" --fail-on 20 >"$E2E_DIR/evil.out" 2>"$E2E_DIR/evil.err" || rc=$?
[ "$rc" -eq 3 ] || fail "a baseline with control characters: exit $rc, expected 3"
[ "$(wc -l <"$E2E_DIR/evil.err")" -eq 1 ] || fail "the regression line is not one line: $(cat -v "$E2E_DIR/evil.err")"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$E2E_DIR/evil.out" "$E2E_DIR/evil.err" ||
    fail "control characters from the baseline reached the output: $(cat -v "$E2E_DIR/evil.out")"
grep -q 'evil?host?\[31m' "$E2E_DIR/evil.out" || fail "the baseline's host is not shown: $(cat -v "$E2E_DIR/evil.out")"
echo "ok  a baseline's control characters are not printed raw"

# ---- --fail-on in a live run: the report is printed, then exit 3 ----
rc=0
"${B[@]}" --format json --compare "$E2E_DIR/faster.json" --fail-on 20 >"$E2E_DIR/live.json" 2>"$E2E_DIR/live.err" || rc=$?
[ "$rc" -eq 3 ] || fail "a live run against a baseline 100 times as fast with --fail-on 20: exit $rc, expected 3"
json_ok=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["compare"]["regressions"] > 0 and len(d["results"]) > 0)' "$E2E_DIR/live.json")
[ "$json_ok" = True ] || fail "the live run's report does not show its regressions"
grep -q "regression" "$E2E_DIR/live.err" || fail "the live run's stderr does not name the regression"
echo "live --fail-on: report printed, exit 3"
