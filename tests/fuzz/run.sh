#!/usr/bin/env bash
# Builds the libFuzzer targets (SCENEHOST_FUZZ=ON, clang, its own build directory) and runs each
# for SECONDS (default 30): first over its committed reproducers (tests/fuzz/crashes/<name>/, a
# regression run), then fuzzing from a temporary copy of its seeds (tests/fuzz/corpus/<name>/, so a run
# never grows the repository). Prints target / execs / result and exits 1 when any target
# crashed, naming the reproducer. docs/fuzzing.md says how to run one target and add one.
#   tests/fuzz/run.sh [SECONDS]     environment: SCENEHOST_FUZZ_BUILD_DIR (build-fuzz), SCENEHOST_FUZZ_JOBS (nproc)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
build=${SCENEHOST_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${SCENEHOST_FUZZ_JOBS:-$(nproc)}

# Every target, and the dictionary it fuzzes with (- for none).
targets=(client_frame:protocol hello:protocol pixel_frame:- config_file:config_file npy:npy tiff:tiff zarr:zarr
         reducer:reducer)
# Built but not run: a target that still crashes on a known input while it is being fixed
# (docs/fuzzing.md). Its reproducers run first again once it leaves this list.
skipped=()

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCENEHOST_FUZZ=ON >/dev/null
build_start=$SECONDS
cmake --build "$build" -j "$jobs" --target scenehost_fuzz
echo "fuzz build: $((SECONDS - build_start)) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/scenehost-fuzz-run.XXXXXX")
# The targets that read files write each input under TMPDIR: tmpfs when there is one.
scratch_base=/dev/shm
[[ -d $scratch_base ]] || scratch_base=$work
scratch=$(mktemp -d "$scratch_base/scenehost-fuzz-scratch.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rows=()
failed=0
for entry in "${targets[@]}"; do
  name=${entry%%:*} dict=${entry#*:}
  if [[ " ${skipped[*]} " == *" $name "* ]]; then
    rows+=("$name|-|skipped (run.sh: skipped)")
    continue
  fi
  binary=$build/bin/${name}_fuzz
  log=$work/$name.log
  options=(-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 "-artifact_prefix=$work/$name-")
  [[ $dict != - ]] && options+=("-dict=tests/fuzz/dict/$dict.dict")
  result=ok
  if [[ -d tests/fuzz/crashes/$name ]] && compgen -G "tests/fuzz/crashes/$name/*" >/dev/null; then
    if ! "$binary" "${options[@]}" tests/fuzz/crashes/$name/* >"$log.regression" 2>&1; then
      result="REGRESSION: a committed reproducer crashes, see $log.regression"
    fi
  fi
  mkdir -p "$work/corpus/$name"
  cp -r tests/fuzz/corpus/$name/. "$work/corpus/$name/"
  if [[ $result == ok ]] && ! "$binary" "${options[@]}" -max_total_time="$seconds" "$work/corpus/$name" >"$log" 2>&1; then
    artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
    result="CRASH: reproducer ${artifact:-not written}, log $log"
  fi
  execs=$(grep -o "stat::number_of_executed_units: [0-9]*" "$log" 2>/dev/null | grep -o "[0-9]*$" || true)
  [[ $result == ok ]] || failed=1
  rows+=("$name|${execs:--}|$result")
done

printf '%-14s %12s  %s\n' target execs result
for row in "${rows[@]}"; do
  IFS='|' read -r name execs result <<<"$row"
  printf '%-14s %12s  %s\n' "$name" "$execs" "$result"
done
if [[ $failed == 0 ]]; then
  rm -rf "$work"
else
  echo "kept $work: the logs and reproducers above (tests/fuzz/crashes/<target>/ is where a reproducer is committed)"
fi
exit $failed
