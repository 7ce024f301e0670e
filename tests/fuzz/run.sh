#!/usr/bin/env bash
# Runs every fuzz target for a fixed number of executions and prints the executions of each.
#
#   tests/fuzz/run.sh [RUNS] [TARGET...]      (from the repository root or anywhere)
#
# RUNS defaults to 1000000 per target; the targets default to all of them. The seed corpora
# (tests/fuzz/seeds/<target>) are refreshed from events/ first; the fuzzer's own corpus grows
# in target/fuzz-corpus/<target>, outside git. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Exits non-zero if any target crashed: the input that did is
# in tests/fuzz/artifacts/<target>/.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$fuzz_dir/../.." && pwd)"
runs="${1:-1000000}"
shift $(( $# > 0 ? 1 : 0 ))
cd "$root"

python3 "$fuzz_dir/seeds.py"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir "$fuzz_dir")
fi

cargo +nightly fuzz build --fuzz-dir "$fuzz_dir"

failed=0
results=()
for target in "${targets[@]}"; do
    corpus="$root/target/fuzz-corpus/$target"
    mkdir -p "$corpus"
    log="$root/target/fuzz-corpus/$target.log"
    echo "==> $target: $runs executions"
    if cargo +nightly fuzz run --fuzz-dir "$fuzz_dir" "$target" "$corpus" "$fuzz_dir/seeds/$target" \
        -- -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        outcome="ok"
    else
        outcome="CRASHED (see $log and $fuzz_dir/artifacts/$target/)"
        failed=1
    fi
    done_line="$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 || true)"
    executions="$(grep -E '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}' || true)"
    results+=("$(printf '%-24s %12s executions  %s  %s' "$target" "${executions:-?}" "$outcome" "$done_line")")
done

echo
echo "fuzz results ($runs executions asked per target):"
printf '  %s\n' "${results[@]}"
exit "$failed"
