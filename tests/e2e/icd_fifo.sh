#!/usr/bin/env bash
# A FIFO where the OpenCL loader opens a file (an *.icd entry of the
# OCL_ICD_VENDORS folder, the file it names, an OCL_ICD_FILENAMES entry)
# would block the loader's open(), and the process with it, signals and
# all.  It is refused before the loader starts: exit 2, one line naming
# the variable and the entry, nothing on stdout.  A run that does not use
# OpenCL does not care.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
mkdir "$E2E_DIR/vendors"
mkfifo "$E2E_DIR/vendors/x.icd" "$E2E_DIR/fifo.icd"

OCL_ICD_VENDORS="$E2E_DIR/vendors" expect_bad_input OCL_ICD_VENDORS \
    timeout 20 "$H" pi --samples 1e6 --devices cl
grep -qF "'$E2E_DIR/vendors/x.icd' is a FIFO, expected a regular file" "$E2E_DIR/bad.err" ||
    fail "the line does not name the entry and what was expected: $(cat "$E2E_DIR/bad.err")"
OCL_ICD_VENDORS="$E2E_DIR/fifo.icd" expect_bad_input OCL_ICD_VENDORS \
    timeout 20 "$H" pi --samples 1e6 --devices cl
grep -qF "'$E2E_DIR/fifo.icd' is a FIFO" "$E2E_DIR/bad.err" || fail "the FIFO is not named: $(cat "$E2E_DIR/bad.err")"
OCL_ICD_FILENAMES="/nonexistent/libx.so:$E2E_DIR/fifo.icd" expect_bad_input OCL_ICD_FILENAMES \
    timeout 20 "$H" pi --samples 1e6 --devices cl
# every device, by default, includes OpenCL; hetero devices too
OCL_ICD_VENDORS="$E2E_DIR/vendors" expect_bad_input OCL_ICD_VENDORS timeout 20 "$H" pi --samples 1e6
OCL_ICD_VENDORS="$E2E_DIR/vendors" expect_bad_input OCL_ICD_VENDORS timeout 20 "$H" devices

# the OpenMP team alone never starts the loader
OCL_ICD_VENDORS="$E2E_DIR/vendors" run_ok omp timeout 20 "$H" pi --samples 1e6 --devices omp --format json
[ -n "$(json_get "$E2E_DIR/omp.out" result.hits)" ] || fail "no answer from the OpenMP team"
echo "a FIFO for the OpenCL loader: refused before it is opened"
