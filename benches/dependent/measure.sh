#!/usr/bin/env bash
# Times kvcert issuance in a dependent crate's debug `cargo test` (with and without the
# `[profile.dev.package."*"] opt-level = 3` override) and in its `--release` one, in one run.
# The figures are medians over fixed seeds (the same keys in every profile); compare them within
# one run only. Usage: benches/dependent/measure.sh [ROUNDS]  (default 1; rounds alternate).
set -euo pipefail
cd "$(dirname "$0")"
rounds="${1:-1}"
# The two tests one after the other (not in parallel), output not captured.
run() { cargo test -q --test issuance_speed "$@" -- --test-threads=1 2>&1 | grep -oE '(debug|release) [a-z0-9]+: .*'; }
no_override=(--config 'profile.dev.package."*".opt-level=0')
# Build everything first so that no build competes with a measurement.
cargo test -q --no-run --release >/dev/null 2>&1
cargo test -q --no-run >/dev/null 2>&1
cargo test -q --no-run "${no_override[@]}" >/dev/null 2>&1
for ((r = 1; r <= rounds; r++)); do
    echo "== round $r"
    echo "-- release";                         run --release
    echo "-- debug, dependencies at opt-level 3"; run
    echo "-- debug, no override";               run "${no_override[@]}"
done
