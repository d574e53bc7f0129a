#!/usr/bin/env bash
# A saved report whose strings hold bytes that are not UTF-8 (a stray
# \xff, a cut multibyte character, overlong forms, a surrogate, a code
# point above U+10FFFF) and a C1 control character: --format json is still
# JSON (strict UTF-8, each ill-formed part one U+FFFD as Python's "replace"
# makes it, good characters kept), and the text and CSV carry no control
# character.  Likewise for a file name that is not UTF-8.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

B=("$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp)
run_ok base "${B[@]}" --format json
cp "$E2E_DIR/base.out" "$E2E_DIR/base.json"

# bad.json: the report with raw bytes in its strings (written as markers,
# then replaced in the file's bytes); bad.bytes: what each marker became
python3 - "$E2E_DIR" <<'PY'
import copy, json, sys
tmp = sys.argv[1]
raw = {
    "@FF@": b"\xff\xfe",
    "@CUT@": b"\xe2\x82",
    "@OVERLONG@": b"\xc0\xaf",
    "@SURROGATE@": b"\xed\xa0\x80",
    "@HIGH@": b"\xf4\x90\x80\x80",
    "@CONT@": b"\x80",
    "@E0@": b"\xe0\x80\xaf",
    "@F0@": b"\xf0\x8f\xbf\xbf",
    "@C1@": b"\xc2\x9b",
}
d = json.load(open(f"{tmp}/base.json"))
b = copy.deepcopy(d)
b["run"]["host"] = "host@CUT@"
b["run"]["compiler"] = "cc@C1@[31m"
b["machine"]["cpu_model"] = "CPU @FF@ \u00dc \U0001f600"
b["machine"]["opencl"] = [{"id": "cl:0:0", "name": "GPU@HIGH@", "driver": "1.0@CONT@@E0@@F0@", "version": "OpenCL@OVERLONG@",
                           "type": "gpu", "compute_units": 1}]
r0 = b["results"][0]
r0["workload"] = "pi@SURROGATE@"
r0["label"] = "@OVERLONG@"
r0["k@FF@"] = "@FF@"
b["results"].append(dict(d["results"][0], set="cl:0:0", engine_devices="cl:0:0", threads=0))
text = json.dumps(b).encode("ascii")
for k, v in raw.items():
    text = text.replace(k.encode(), v)
open(f"{tmp}/bad.json", "wb").write(text)
# the strings as they should come out
want = {k: v.decode("utf-8", "replace") for k, v in raw.items()}
want["@C1@"] = "?"
json.dump(want, open(f"{tmp}/want.json", "w"))
PY
cp "$E2E_DIR/bad.json" "$E2E_DIR/"$'name\xff\xc0.json'

# check_json FILE [valid]: strict UTF-8 and JSON; unless "valid", the
# strings of bad.json as expected
check_json() {
    python3 - "$1" "$E2E_DIR/want.json" "${2:-}" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
try:
    doc = json.loads(data.decode("utf-8"))
except (UnicodeDecodeError, ValueError) as e:
    sys.exit(f"FAIL: {sys.argv[1]} is not UTF-8 JSON: {e}")
if sys.argv[3] == "valid":
    sys.exit(0)
w = json.load(open(sys.argv[2]))
text = json.dumps(doc, ensure_ascii=False)
for s in ("pi" + w["@SURROGATE@"], "host" + w["@CUT@"], "cc?[31m", "CPU " + w["@FF@"] + " \u00dc \U0001f600",
          "GPU" + w["@HIGH@"], "1.0" + w["@CONT@"] + w["@E0@"] + w["@F0@"]):
    if s not in text:
        sys.exit(f"FAIL: {sys.argv[1]} does not hold {s!r}")
if "\u009b" in text:
    sys.exit(f"FAIL: {sys.argv[1]} holds a C1 control character")
PY
}

# check_text FILE: strict UTF-8 without control characters but newlines
check_text() {
    python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit(f"FAIL: {sys.argv[1]} is not UTF-8: {e}")
bad = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
if bad:
    sys.exit(f"FAIL: {sys.argv[1]} holds the control character {bad.group()!r}")
PY
}

for side in results compare; do
    if [ "$side" = results ]; then
        args=(--results "$E2E_DIR/bad.json" --compare "$E2E_DIR/base.json")
    else
        args=(--results "$E2E_DIR/base.json" --compare "$E2E_DIR/bad.json")
    fi
    run_ok "$side-json" "$HETERO_BENCH" "${args[@]}" --format json
    check_json "$E2E_DIR/$side-json.out" || fail "--$side with bytes that are not UTF-8: JSON"
    for f in text csv; do
        run_ok "$side-$f" "$HETERO_BENCH" "${args[@]}" --format "$f"
        check_text "$E2E_DIR/$side-$f.out" || fail "--$side with bytes that are not UTF-8: $f"
    done
    echo "ok  --$side with bytes that are not UTF-8: JSON, text and CSV are UTF-8"
done

# a live run against such a baseline
run_ok live "${B[@]}" --format json --compare "$E2E_DIR/bad.json"
check_json "$E2E_DIR/live.out" || fail "a live run against a baseline with bytes that are not UTF-8"
echo "ok  a live run against it: JSON is UTF-8"

# file names that are not UTF-8
run_ok name "$HETERO_BENCH" --results "$E2E_DIR/"$'name\xff\xc0.json' --compare "$E2E_DIR/"$'name\xff\xc0.json' \
    --format json
check_json "$E2E_DIR/name.out" valid || fail "file names that are not UTF-8"
json_check "$E2E_DIR/name.out" "r['results'].endswith('name\ufffd\ufffd.json')" \
    "r['compare']['baseline'].endswith('name\ufffd\ufffd.json')" || fail "the file names are not shown"
echo "ok  file names that are not UTF-8: JSON is UTF-8"
