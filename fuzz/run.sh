#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads outside input (libFuzzer through
# cargo-fuzz, on the stable toolchain: no sanitizer, `-s none`). Each target runs for a
# bounded time from the seeds in fuzz/seeds/<target> plus what earlier runs found
# (fuzz/corpus/<target>, not committed). A crash fails the run and leaves its input in
# fuzz/artifacts/<target>/; replay it with `cargo fuzz run -s none -O <target> <file>`.
#
# Usage: fuzz/run.sh [seconds per target, default 30] [target ...]
#   fuzz/run.sh 3600 sheet      # an hour on the import reader
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(digital_link identifiers sheet event_json epcis_capture)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
for t in "${targets[@]}"; do
  printf '\n-- %s: %s s\n' "$t" "$secs"
  mkdir -p "fuzz/corpus/$t"
  # Memory is capped below the service's own budget: a parser that allocates by a declared
  # size (a ZIP entry, a sheet's dimension) is a finding, like a crash.
  log="fuzz/corpus/$t.log"
  if ! cargo fuzz run -s none -O "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=1024 -malloc_limit_mb=256 -max_len=65536 \
    -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $t failed (its input is in fuzz/artifacts/$t/)"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)" "$log" || true
done
