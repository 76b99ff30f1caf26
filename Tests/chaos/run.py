#!/usr/bin/env python3
"""Berth's chaos scenarios: each starts berthd on a temporary project, puts a continuous load through the gateway,
injects its faults and checks its assertions. Prints one Markdown row per scenario; exits 1 if any assertion failed.

usage: run.py --bin DIR [--short] [SCENARIO...]     (SCENARIO: a b c d e f g, or their names; default: all)
"""
import argparse, os, sys, time, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import namespaced  # noqa: E402
import scenarios  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="directory with berth, berthd and berth-fixture")
    parser.add_argument("--short", action="store_true", help="the short versions (CI)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)        # LETTER:NAME, run inside its namespace
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("scenarios", nargs="*")
    options = parser.parse_args()
    if options.inner:
        scenario = next(s for s in scenarios.ALL if f"{s.letter}:{s.name}" == options.inner)
        result = scenarios.Result(scenario)
        try:
            scenario.inner(os.path.abspath(options.bin), options.short, result)
        except Exception as exc:  # noqa: BLE001 - reported as a failed check by the outer run
            result.check(f"ran to the end ({exc})", False, traceback.format_exc())
        namespaced.save(result, options.result_file)
        return 0
    chosen = scenarios.select(options.scenarios)
    if chosen is None:
        known = ", ".join(f"{s.letter} ({s.name})" for s in scenarios.ALL)
        sys.exit(f"run.py: unknown scenario in {options.scenarios}; known: {known}")
    for tool in ("berth", "berthd", "berth-fixture"):
        if not os.access(os.path.join(options.bin, tool), os.X_OK):
            sys.exit(f"run.py: {options.bin}/{tool} is missing (build first)")
    bins = os.path.abspath(options.bin)

    print("| scenario | load | faults injected | sent | failed | lost | daemon RSS MB before → after "
          "| fds before → after | took s | assertions |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for scenario in chosen:
        started = time.monotonic()
        result = scenarios.Result(scenario)
        try:
            scenario.run(bins, options.short, result)
        except Exception as exc:  # noqa: BLE001 - a crashed scenario is a failed one, with its traceback
            result.check(f"ran to the end ({exc})", False, traceback.format_exc())
        result.seconds = time.monotonic() - started
        results.append(result)
        print(result.row(), flush=True)
    skipped = [r for r in results if r.skipped]
    failed = [r for r in results if not r.passed and not r.skipped]
    for result in failed:
        for description, ok, detail in result.checks:
            if not ok:
                print(f"FAILED {result.scenario.letter} ({result.scenario.name}): {description}"
                      + (f"\n    {detail}" if detail else ""))
    print(f"chaos: {len(results) - len(failed) - len(skipped)} passed, {len(failed)} failed"
          + (f", {len(skipped)} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
