"""Benchmark: the disposition decision engine (returns_lib.disposition). Needs no Odoo.

Generates N (default 100,000) synthetic returned units with their economics (fixed random seed:
a mix of grades A/B/C/D/SCRAP, some hazardous, some expired, some category restrictions, some
returnable to the vendor), ranks every unit with ``rank_dispositions`` and, separately, asks
``recommend`` for each. Prints units per second, total time and the distribution of the
recommended dispositions, then runs N and 2N to print the per-unit time ratio (about 1.0 when
the engine scales linearly). Each timing is the best of --repeat runs.

    python3 bench/bench_disposition_engine.py
    python3 bench/bench_disposition_engine.py --units 20000 --repeat 5 --seed 7
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "reverse_logistics"))

from returns_lib import disposition as d  # noqa: E402

GRADES = ("A", "B", "C", "D", "SCRAP")
GRADE_WEIGHTS = (30, 30, 20, 12, 8)  # %; also 3 % hazardous, 2 % expired, 25 % vendor-returnable
# Category restrictions seen in practice, 15 % of the units (the others allow every disposition).
RESTRICTIONS = (
    frozenset({d.RECYCLE, d.DESTROY}),  # e.g. batteries, chemicals
    frozenset(set(d.DISPOSITIONS) - {d.DONATE}),  # e.g. cosmetics: never donated
    frozenset(set(d.DISPOSITIONS) - {d.RESELL, d.REFURBISH}),  # e.g. hygiene products
    frozenset({d.RESTOCK, d.RETURN_TO_VENDOR, d.DESTROY}),  # e.g. regulated medical devices
)
NO_RESTRICTION = frozenset(d.DISPOSITIONS)


def make_units(count, seed):
    """``count`` (Unit, Economics) pairs, the same ones for the same seed."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        new_value = round(rng.lognormvariate(4.5, 1.0), 2)  # median ~90, long tail
        resale = {
            "A": round(new_value * rng.uniform(0.80, 0.95), 2),
            "B": round(new_value * rng.uniform(0.55, 0.75), 2),
            "C": round(new_value * rng.uniform(0.30, 0.50), 2),
            "D": round(new_value * rng.uniform(0.05, 0.20), 2),
            "SCRAP": 0.0,
        }
        handling = {disposition: round(rng.uniform(2.0, 25.0), 2) for disposition in d.DISPOSITIONS}
        economics = d.Economics(
            resale_value_by_grade=resale,
            new_value=new_value,
            refurbished_grade=rng.choice(("A", "B", "B", "C")),
            refurbishment_cost=round(new_value * rng.uniform(0.05, 0.60), 2),
            handling_cost=handling,
            disposal_fee={d.RECYCLE: round(rng.uniform(0.0, 8.0), 2), d.DESTROY: round(rng.uniform(5.0, 30.0), 2)},
            vendor_credit=round(new_value * rng.uniform(0.2, 0.7), 2) if rng.random() < 0.5 else 0.0,
            recycling_value=round(new_value * rng.uniform(0.0, 0.05), 2),
            donation_value=round(new_value * rng.uniform(0.0, 0.3), 2) if rng.random() < 0.3 else 0.0,
        )
        restriction = rng.random()
        allowed = RESTRICTIONS[int(restriction / 0.15 * len(RESTRICTIONS))] if restriction < 0.15 else NO_RESTRICTION
        hazardous = rng.random() < 0.03
        unit = d.Unit(
            grade=rng.choices(GRADES, GRADE_WEIGHTS)[0],
            hazardous=hazardous,
            expired=rng.random() < 0.02,
            allowed=allowed,
            vendor_returnable=rng.random() < 0.25,
            certified_recycler=rng.random() < 0.9 if hazardous else True,
        )
        pairs.append((unit, economics))
    return pairs


def best_of(repeat, function, pairs, tally):
    """The best time of ``repeat`` runs of ``function`` over every pair; ``tally`` sees each result of the last run.

    Results are counted, never kept: holding 7 options per unit alive would make the garbage
    collector rescan an ever larger heap and the benchmark, not the engine, grow with N.
    """
    best = float("inf")
    for run in range(repeat):
        last = run == repeat - 1
        started = time.perf_counter()
        for unit, economics in pairs:
            result = function(unit, economics)
            if last:
                tally(result)
        best = min(best, time.perf_counter() - started)
    return best


def report(label, count, seconds):
    print(f"  {label:<20}{seconds:>9.3f} s {count / seconds:>12,.0f} units/s {seconds / count * 1e6:>8.2f} µs/unit")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000, help="units in the first run (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, the best is kept (default 3)")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    if args.units < 1 or args.repeat < 1:
        parser.error("--units and --repeat must be at least 1")

    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, best of {args.repeat}")
    per_unit = {}
    for count in (args.units, 2 * args.units):
        started = time.perf_counter()
        pairs = make_units(count, args.seed)
        generated = time.perf_counter() - started
        gc.collect()
        gc.freeze()  # the input lives through every run: keep it out of the collector's generations
        print(f"\n{count:,} units (generated in {generated:.2f} s)")
        heads, refused = Counter(), Counter()

        def tally_ranking(options, heads=heads, refused=refused):
            heads[options[0].disposition if options[0].allowed else None] += 1
            refused[sum(not option.allowed for option in options)] += 1

        rank_seconds = best_of(args.repeat, d.rank_dispositions, pairs, tally_ranking)
        report("rank_dispositions", count, rank_seconds)
        recommended = Counter()

        def tally_recommendation(option, recommended=recommended):
            recommended[option and option.disposition] += 1

        recommend_seconds = best_of(args.repeat, d.recommend, pairs, tally_recommendation)
        report("recommend", count, recommend_seconds)
        per_unit[count] = (rank_seconds / count, recommend_seconds / count)
        if count == args.units:
            print(f"  recommended dispositions ({'same as' if heads == recommended else 'NOT the same as'}"
                  f" the head of each ranking):")
            for disposition, n in recommended.most_common():
                print(f"    {disposition or 'none (a person decides)':<24}{n:>9,} {n / count:>7.1%}")
            refusals = sum(k * n for k, n in refused.items()) / count
            print(f"  hard rules refuse {refusals:.2f} of the {len(d.DISPOSITIONS)} options per unit on average")
        del pairs
        gc.unfreeze()
        gc.collect()

    small, large = per_unit[args.units], per_unit[2 * args.units]
    print(f"\nper-unit time, {2 * args.units:,} vs {args.units:,} units (about 1.0 = linear):"
          f" rank_dispositions x{large[0] / small[0]:.2f}, recommend x{large[1] / small[1]:.2f}")


if __name__ == "__main__":
    main()
