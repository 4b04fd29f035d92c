#!/usr/bin/env bash
# Runs kvcert's fuzz targets on the stable toolchain and reports libFuzzer's execution count.
#
#   fuzz/run.sh                      every target, 60 s each
#   fuzz/run.sh policy_json 180      one target, 180 s
#   fuzz/run.sh all 300              every target (policy_json subject_dn san_values roundtrip
#                                    import pfx merge requests), 300 s each, one after another
#
# Environment:
#   FUZZ_SANITIZER   cargo-fuzz sanitizer (default: address; `none` runs ~5x faster)
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-jobs=2 -workers=2" or "-max_len=16384"
#
# New inputs go to a scratch corpus, fuzz/target/corpus-work/TARGET (git-ignored); the committed
# seeds in fuzz/corpus/TARGET are only read. Crashes land in fuzz/artifacts/TARGET (git-ignored).
# Logs: fuzz/target/logs/TARGET.log. Exit status: 0 if no target crashed, 1 otherwise.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
all_targets=(policy_json subject_dn san_values roundtrip import pfx merge requests)

target="${1:-all}"
seconds="${2:-60}"
if [[ "$target" == "all" ]]; then
    targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $target "* ]]; then
    targets=("$target")
else
    echo "usage: $0 [all|$(IFS='|'; echo "${all_targets[*]}")] [SECONDS]" >&2
    exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "SECONDS must be a positive integer, got '$seconds'" >&2
    exit 2
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

# cargo-fuzz passes -Z flags (sanitizer, coverage instrumentation) to rustc: allow them on stable.
export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"
read -r -a extra <<<"${FUZZ_ARGS:-}"

cd "$root" || exit 2
mkdir -p fuzz/target/logs
status=0
summary=()
for t in "${targets[@]}"; do
    work="fuzz/target/corpus-work/$t"
    log="fuzz/target/logs/$t.log"
    mkdir -p "$work" "fuzz/artifacts/$t"
    dict=()
    [[ -f "fuzz/dict/$t.dict" ]] && dict=("-dict=fuzz/dict/$t.dict")
    # `requests` picks its operations from single bytes taken modulo small counts: compare
    # tracing has no magic values to solve there and cost it about 40% of its executions.
    build=()
    [[ "$t" == requests ]] && build=(--no-trace-compares)
    echo "== $t: ${seconds}s, sanitizer $sanitizer ${build[*]} (log: $log)"
    cargo fuzz run --sanitizer "$sanitizer" "${build[@]}" "$t" "$work" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
        "${dict[@]}" "${extra[@]}" >"$log" 2>&1
    rc=$?
    execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' \
        | awk '{s += $1} END {if (NR) print s}')"
    if [[ -z "$execs" ]]; then
        # No final stats (e.g. a crash): fall back to the last status line's #count.
        execs="$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')"
    fi
    execs="${execs:-0}"
    rate="$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1)"
    if (( rc == 0 )); then
        line="$t: OK, $execs executions${rate:+ ($rate/s)}"
    else
        status=1
        line="$t: FAILED (exit $rc) after $execs executions"
        grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|Test unit written to' "$log" \
            | head -n 6 | sed 's/^/    /'
        artifact="$(grep -Eo 'Test unit written to .*' "$log" | tail -n 1 | sed 's/Test unit written to //')"
        [[ -n "$artifact" ]] && line+="; reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $sanitizer $t $artifact"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
