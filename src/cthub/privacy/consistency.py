"""Making noisy combination counts agree with each other, as published tables must.

Noise makes `gender:Female;ageBroad:9--17` larger than `gender:Female` now and then, or the values of a column sum
to more than the number of records. Readers notice, and such counts also leak less than they confuse. After noise
(post-processing, so no privacy cost) we enforce, level by level from the shortest combinations:

1. counts are whole numbers >= 0 (rounded to nearest, negatives to 0);
2. a child never exceeds any of its parents (the combination without one of its attributes);
3. the children of a parent along one column sum to at most the parent, and a column's 1-way counts sum to at most
   the noisy number of records: where a sum is too large, the excess is taken off its terms evenly (least-squares
   projection, clipped at 0) and they are rounded down.

"At most" rather than "equal" because missing values are not counted: a column with missing cells sums to less than
the record count, and the same holds one level down.
"""

from __future__ import annotations

import numpy as np

from cthub.tables.counting import Tuple


def _core(t: Tuple) -> tuple[slice, ...]:
    return (slice(1, None),) * len(t)


def _scale_sums(vals: np.ndarray, parent: np.ndarray, axis: int) -> np.ndarray:
    """Lower `vals` along `axis` where their sum exceeds `parent` (parent broadcasts with the axis removed).

    The excess is taken off evenly from the positive terms, clipping at 0 and repeating (the least-squares
    projection onto "sum <= parent", which keeps large counts nearly unbiased where proportional scaling would not),
    then rounded down so the sum is at most the parent.
    """
    parent = np.expand_dims(parent, axis)
    over = vals.sum(axis=axis, keepdims=True) > parent
    if not over.any():
        return vals
    work = vals.astype(np.float64).copy()
    for _ in range(64):
        excess = work.sum(axis=axis, keepdims=True) - parent
        active = (work > 0) & over
        excess = np.where(over & (excess > 1e-9), excess, 0.0)
        if not excess.any():
            break
        shift = excess / np.maximum(active.sum(axis=axis, keepdims=True), 1)
        work = np.where(active, np.maximum(work - shift, 0.0), work)
    return np.where(over, np.floor(work + 1e-9), vals)


def records_floor(noisy: dict[Tuple, np.ndarray], noise_scale: float, margin: float = 2.0) -> int:
    """A floor for the number of records from the released 1-way counts (post-processing, no privacy cost).

    The noisy record count gets a sliver of the budget and is far noisier than the 1-way counts; used alone as the
    cap in step 3 it drags every 1-way count down whenever it comes out low. A column's counts add up to at most the
    number of records, so each column's sum, less `margin` standard deviations of that sum's noise, is a floor for
    it. With the total raised to the largest floor, step 3 can lower a cell by at most margin * scale / sqrt(k).
    """
    floor = 0.0
    for t, arr in noisy.items():
        if len(t) != 1:
            continue
        released = arr[_core(t)]
        known = ~np.isnan(released)
        if known.any():
            total = float(np.maximum(np.rint(released[known]), 0.0).sum())
            floor = max(floor, total - margin * noise_scale * float(np.sqrt(known.sum())))
    return int(np.floor(floor))


def make_consistent(noisy: dict[Tuple, np.ndarray], total: int) -> dict[Tuple, np.ndarray]:
    """Integer counts from noisy ones (NaN = not released), consistent as described in the module docstring.

    Arrays keep the missing slot (index 0) of each axis, which is always 0 in the result.
    """
    out: dict[Tuple, np.ndarray] = {}
    for t in sorted(noisy, key=lambda t: (len(t), t)):
        arr = noisy[t]
        vals = np.zeros(arr.shape, dtype=np.float64)
        core = _core(t)
        released = arr[core]
        vals[core] = np.where(np.isnan(released), 0.0, np.maximum(np.rint(released), 0.0))
        if len(t) == 1:
            vals = _scale_sums(vals, np.asarray(float(max(total, 0))), axis=0)
        else:
            for j in range(len(t)):
                parent = out[t[:j] + t[j + 1 :]].astype(np.float64)
                vals = np.minimum(vals, np.expand_dims(parent, j))
            for j in range(len(t)):
                parent = out[t[:j] + t[j + 1 :]].astype(np.float64)
                # the missing slot of the varying column is not a child: sum over real values only
                body = np.take(vals, np.arange(1, vals.shape[j]), axis=j)
                scaled = _scale_sums(body, parent, axis=j)
                idx = [slice(None)] * len(t)
                idx[j] = slice(1, None)
                vals[tuple(idx)] = scaled
        out[t] = vals.astype(np.int64)
    return out
