"""Run inside benchmarks/.anchors-venv: fit pac-synth's DpAggregateSeededSynthesizer and dump its DP aggregates.

Usage: python _pacsynth_aggregates.py INPUT.csv OUT.json EPSILON LENGTH  (empty cell = missing)
Writes {"seconds", "peak_rss_mb", "records", "aggregates": {selection: count}} with selections rewritten in column
order ("col:value;col:value") so they compare with cthub's. Prints nothing about the data.
"""

import json
import resource
import sys
import time

import pacsynth as ps
import pandas as pd


def main() -> None:
    src, out, epsilon, length = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    order = {c: i for i, c in enumerate(df.columns)}
    start = time.perf_counter()
    dataset = ps.Dataset.from_data_frame(df, sensitive_zeros=list(df.columns))  # "0" is a real value here
    params = ps.DpAggregateSeededParametersBuilder().reporting_length(length).epsilon(epsilon).build()
    synth = ps.DpAggregateSeededSynthesizer(params)
    synth.fit(dataset)
    raw = synth.get_dp_aggregates(";")
    seconds = time.perf_counter() - start
    aggregates = {}
    for key, count in raw.items():
        parts = [p for p in key.split(";") if p]
        if not parts:
            continue
        parts.sort(key=lambda p: order.get(p.split(":", 1)[0], len(order)))
        aggregates[";".join(parts)] = int(count)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"seconds": seconds, "peak_rss_mb": peak, "records": int(synth.get_dp_number_of_records()),
                   "aggregates": aggregates}, fh)


if __name__ == "__main__":
    main()
