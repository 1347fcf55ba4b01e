"""Simulator speed: one 8-hour shift of the 5-unit line at 1-second resolution.

    .venv-lab/bin/python benchmarks/plcsim_shift.py [--runs 5]

Prints the median time to simulate the shift (target: under 2 s), and the time to export
the historian to CSV and to a pandas DataFrame, in rows per second. The export baseline,
measured in the same run, is the obvious approach: a DataFrame built from one dict per row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plcsim.historian import COLUMNS  # noqa: E402
from plcsim.scenarios import scenario  # noqa: E402


def timed(func):
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import pandas as pd

    shift, frame_s, csv_s, naive_s = [], [], [], []
    for run in range(args.runs):
        line = scenario("packaging-line", seed=run)
        seconds, historian = timed(lambda line=line: line.run(8 * 3600))
        shift.append(seconds)
        frame_s.append(timed(historian.to_dataframe)[0])
        with tempfile.TemporaryDirectory() as tmp:
            csv_s.append(timed(lambda h=historian, t=tmp: h.to_csv(Path(t) / "h.csv"))[0])
        rows = [
            dict(zip(COLUMNS, values, strict=True))
            for values in zip(*historian.columns.values(), strict=True)
        ]
        naive_s.append(timed(lambda rows=rows: pd.DataFrame(rows))[0])
    count = len(historian)
    shift_m, frame_m, csv_m, naive_m = map(statistics.median, (shift, frame_s, csv_s, naive_s))
    print(
        f"8-hour shift, 5 units, 1 s resolution ({count:,} historian rows), medians of {args.runs}"
    )
    print(
        f"simulate shift            {shift_m:7.3f} s   ({count / shift_m:,.0f} rows/s; "
        f"target < 2 s, ratio to target {shift_m / 2:.2f})"
    )
    print(f"export to DataFrame       {frame_m:7.3f} s   ({count / frame_m:,.0f} rows/s)")
    print(f"  baseline: dict per row  {naive_m:7.3f} s   (ours/baseline {frame_m / naive_m:.2f})")
    print(f"export to CSV             {csv_m:7.3f} s   ({count / csv_m:,.0f} rows/s)")


if __name__ == "__main__":
    main()
