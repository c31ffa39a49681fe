"""The table codec every stage shares: what a cell means, how a column becomes codes, and CSV that is safe to open.

A table between stages is a DataFrame of `string` cells with `pd.NA` for missing (docs/contracts.md). This package
turns it into numbers and back, the same way for every stage:

- `values`: multi-valued cells as canonical sets (`parse_multi_value`, `normalize_multi`, `subset_domain`) and
  numbers in public bands (`bin_numeric`);
- `missing`: what counts as missing (`as_strings`) and the named code each layout gives it;
- `codes`: counting codes (missing 0) for histograms, chunk by chunk (`StreamingEncoder`, `CountCodes`,
  `check_columns`, `prepare_multi`), `counting` (histograms of column tuples) and `selections` (the Synthetic
  Data Showcase's aggregate format);
- `categories`: model codes (missing last) with rare-value merging, for the synthesizers (`Encoder`);
- `shared`: comparison codes (missing -1) shared by several tables, for the evaluation (`SharedCodes`);
- `csv_safe`: CSV without formula injection (`write_csv`, `read_csv`, `neutralize`).

Nothing here spends privacy budget: choosing values privately is `cthub.privacy.selection`. Errors are
`TableError`, which each stage re-raises as its own.
"""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "TableError": "errors",
        "MISSING_FIRST": "missing",
        "MISSING_SENTINEL": "missing",
        "as_strings": "missing",
        "missing_last": "missing",
        "DEFAULT_SEPARATOR": "values",
        "bin_numeric": "values",
        "canonical_sets": "values",
        "normalize_multi": "values",
        "parse_multi_value": "values",
        "subset_domain": "values",
        "CountCodes": "codes",
        "StreamingEncoder": "codes",
        "check_columns": "codes",
        "encode_frame": "codes",
        "prepare_multi": "codes",
        "ColumnCodec": "categories",
        "Encoder": "categories",
        "SharedCodes": "shared",
        "neutralize": "csv_safe",
        "read_csv": "csv_safe",
        "write_csv": "csv_safe",
    },
)
