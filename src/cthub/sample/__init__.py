"""Realistic fake data: contributor exports for ingest, and CTDC-shaped tables for benchmarks.

`cthub.sample.contributors.write_sample_exports` writes three contributors' raw files; `cthub.sample.benchmark_table`
makes standard-coded victim tables in memory. Both derive from one latent case model (`cthub.sample.latent`), so
their distributions agree. Nothing here is real data or privacy noise.
"""
