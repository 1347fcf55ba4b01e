"""Simulator speed: one 8-hour shift of the 5-unit line at 1-second resolution.

    .venv-lab/bin/python benchmarks/plcsim_shift.py [--runs 5]

Prints the median time to simulate the shift (target: under 2 s), and the time to export
the historian to CSV and to a pandas DataFrame, in rows per second. Each export's baseline,
measured in the same run on the same rows, is the obvious approach: a DataFrame built from
one dict per row, and csv.DictWriter writing one dict per row.
"""

from __future__ import annotations

import argparse
import csv
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


def dict_writer(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import pandas as pd

    shift, shift_cpu, frame_s, csv_s, naive_s, naive_csv_s = [], [], [], [], [], []
    for run in range(args.runs):
        line = scenario("packaging-line", seed=run)
        cpu = time.process_time()
        seconds, historian = timed(lambda line=line: line.run(8 * 3600))
        shift_cpu.append(time.process_time() - cpu)  # what a busy shared machine cannot inflate
        shift.append(seconds)
        frame_s.append(timed(historian.to_dataframe)[0])
        rows = [
            dict(zip(COLUMNS, values, strict=True))
            for values in zip(*historian.columns.values(), strict=True)
        ]
        naive_s.append(timed(lambda rows=rows: pd.DataFrame(rows))[0])
        with tempfile.TemporaryDirectory() as tmp:
            csv_s.append(timed(lambda h=historian, t=tmp: h.to_csv(Path(t) / "h.csv"))[0])
            naive_csv_s.append(timed(lambda r=rows, t=tmp: dict_writer(r, Path(t) / "b.csv"))[0])
    count = len(historian)
    shift_m, frame_m, csv_m, naive_m, naive_csv_m = map(
        statistics.median, (shift, frame_s, csv_s, naive_s, naive_csv_s)
    )
    print(
        f"8-hour shift, 5 units, 1 s resolution ({count:,} historian rows), medians of {args.runs}"
    )
    print(
        f"simulate shift            {shift_m:7.3f} s   ({count / shift_m:,.0f} rows/s; "
        f"target < 2 s, ratio to target {shift_m / 2:.2f}; "
        f"CPU {statistics.median(shift_cpu):.3f} s)"
    )
    print(f"export to DataFrame       {frame_m:7.3f} s   ({count / frame_m:,.0f} rows/s)")
    print(
        f"  baseline: dict per row  {naive_m:7.3f} s   "
        f"({count / naive_m:,.0f} rows/s; ours/baseline {frame_m / naive_m:.2f})"
    )
    print(f"export to CSV             {csv_m:7.3f} s   ({count / csv_m:,.0f} rows/s)")
    print(
        f"  baseline: DictWriter    {naive_csv_m:7.3f} s   "
        f"({count / naive_csv_m:,.0f} rows/s; ours/baseline {csv_m / naive_csv_m:.2f})"
    )


if __name__ == "__main__":
    main()
