"""Order statistics of Walsh averages without forming them: the engine of the Hodges–Lehmann shift.

A contract-level module (pure numpy, no I/O) used by ``farm.stats_paired``. For paired
differences d_1..d_n the Walsh averages are (d_i + d_j)/2 for i <= j: M = n(n+1)/2 of them.
Forming them is O(n^2) in time and memory (5·10^11 for a million pairs), so this module
selects the k-th smallest directly.

Method: the data are compressed to their distinct sorted values v_1 < ... < v_m with
multiplicities w (a deterministic simulator gives mostly exact zeros and ties, so m is
often far below n). The Walsh sums v_p + v_q (p <= q) then form a sorted upper-triangular
matrix whose cell (p, q) carries w_p·w_q averages (w_p(w_p + 1)/2 on the diagonal). The
k-th smallest is found by a randomized selection over cells in the manner of Monahan
(1984, ACM TOMS 10:265–270, "Fast computation of the Hodges–Lehmann location estimator"):
each round keeps, per row, the band of columns still holding candidates; it draws Walsh
sums at random by weight, takes two sample quantiles around the target rank as pivots
(Floyd–Rivest), counts the weight below and at each pivot row by row with a binary search
(O(m log m)), and discards every cell outside; once the candidates are few (a few per
live row) they are gathered and sorted. A round keeps a few per cent of the candidates,
so a million distinct values take about four rounds: expected O(m log m) per round,
O(m) memory. Sums are compared exactly as computed in floating
point (fl(v_p + v_q)), so the answer is bit-identical to sorting every Walsh average.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_GATHER_CELLS = 1 << 18  # candidates gathered and sorted directly once this few remain
_SAMPLE = 1 << 16  # Walsh sums drawn per round to place the pivots
_SEED = 19840601  # the pivot stream; the selected value never depends on it, only the time taken


def compress(values: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Distinct sorted values and their multiplicities. Values must be finite."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise ValueError("Walsh averages need finite values")
    v, w = np.unique(arr, return_counts=True)
    return v, w.astype(np.int64)


def _first_failing(v: npt.NDArray[np.float64], rows: npt.NDArray[np.int64], lo: npt.NDArray[np.int64],
                   hi: npt.NDArray[np.int64], t: float, strict: bool) -> npt.NDArray[np.int64]:
    """Per row p, the first column q in [lo, hi] where fl(v_p + v_q) < t (or <= t) stops holding.

    The predicate is monotone in q (v is sorted and rounding is monotone), so a
    searchsorted guess is checked exactly and any row where rounding misled it is settled
    by a vectorised binary search on the exact predicate.
    """
    vp = v[rows]
    last = len(v) - 1

    def holds(vp_rows: npt.NDArray[np.float64], q: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        s = vp_rows + v[np.minimum(q, last)]
        return (s < t) if strict else (s <= t)

    # rows ascend, so t - v_p descends: search it reversed (numpy reuses the last
    # position for ascending keys, several times faster on a million rows)
    keys = (t - vp)[::-1]
    guess = np.searchsorted(v, keys, side="left" if strict else "right")[::-1].astype(np.int64)
    guess = np.clip(guess, lo, hi)
    ok = np.ones(len(rows), dtype=bool)
    below = guess > lo
    ok[below] = holds(vp[below], guess[below] - 1)
    above = guess < hi
    ok[above] &= ~holds(vp[above], guess[above])
    if ok.all():
        return guess
    bad = np.flatnonzero(~ok)
    a, b, vb = lo[bad].copy(), hi[bad].copy(), vp[bad]  # invariant: holds before a, fails from b on
    while np.any(a < b):
        active = a < b
        mid = (a + b) // 2
        h = holds(vb, mid)
        a = np.where(active & h, mid + 1, a)
        b = np.where(active & ~h, mid, b)
    guess[bad] = a
    return guess


def _past_equal(v: npt.NDArray[np.float64], rows: npt.NDArray[np.int64], lt: npt.NDArray[np.int64],
                hi: npt.NDArray[np.int64], t: float) -> npt.NDArray[np.int64]:
    """From the first column with sum >= t, the first with sum > t: only rows whose sum there equals t move."""
    le = lt.copy()
    at = np.flatnonzero(lt < hi)
    tied = at[v[rows[at]] + v[lt[at]] == t]
    if tied.size:
        le[tied] = _first_failing(v, rows[tied], lt[tied], hi[tied], t, strict=False)
    return le


def _row_weights(w: npt.NDArray[np.int64], cum: npt.NDArray[np.int64], rows: npt.NDArray[np.int64],
                 lo: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Per row p, the number of Walsh averages in the cells (p, q) with lo_p <= q < end_p."""
    wp = w[rows]
    diag = (lo == rows) & (end > rows)  # the diagonal cell holds w(w+1)/2 averages, not w*w
    return wp * (cum[end] - cum[lo]) - np.where(diag, wp * (wp - 1) // 2, 0)


def _gather(v: npt.NDArray[np.float64], w: npt.NDArray[np.int64], rows: npt.NDArray[np.int64],
            lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64], k: int) -> float:
    widths = hi - lo
    p = np.repeat(rows, widths)
    q = np.arange(int(widths.sum()), dtype=np.int64) - np.repeat(np.cumsum(widths) - widths, widths)
    q += np.repeat(lo, widths)
    sums = v[p] + v[q]
    weights = np.where(p == q, w[p] * (w[p] + 1) // 2, w[p] * w[q])
    order = np.argsort(sums, kind="stable")
    cum = np.cumsum(weights[order])
    return float(sums[order][int(np.searchsorted(cum, k, side="left"))])


def _pivots(v: npt.NDArray[np.float64], cum: npt.NDArray[np.int64], rows: npt.NDArray[np.int64],
            lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64], row_w: npt.NDArray[np.int64],
            fraction: float, rng: np.random.Generator) -> tuple[float, float]:
    """Two sums bracketing the target: sample quantiles of Walsh sums drawn by their weight.

    Floyd–Rivest style: the weighted rank ``fraction`` of the remaining candidates is
    bracketed by the sample quantiles fraction ± 3/sqrt(S), so one round keeps a few per
    cent of them (the exactness never depends on the sample, only the speed).
    """
    size = _SAMPLE
    acc = np.cumsum(row_w)
    r = np.searchsorted(acc, rng.random(size) * acc[-1], side="right")
    r = np.minimum(r, len(rows) - 1)
    u = cum[lo[r]] + rng.random(size) * (cum[hi[r]] - cum[lo[r]])
    q = np.clip(np.searchsorted(cum, u, side="right") - 1, lo[r], hi[r] - 1)
    sample = np.sort(v[rows[r]] + v[q])
    spread = 3.0 / np.sqrt(size)
    low = sample[int(np.clip(np.floor((fraction - spread) * size), 0, size - 1))]
    high = sample[int(np.clip(np.ceil((fraction + spread) * size), 0, size - 1))]
    return float(low), float(high)


def kth_walsh_sum(v: npt.NDArray[np.float64], w: npt.NDArray[np.int64], k: int) -> float:
    """The k-th smallest (1-based) Walsh *sum* d_i + d_j (i <= j) of the compressed data.

    ``v``/``w`` come from :func:`compress`. Halve the result for the Walsh average.
    Raises ``ValueError`` unless 1 <= k <= n(n+1)/2 with n = w.sum().
    """
    n = int(w.sum())
    total = n * (n + 1) // 2
    if not 1 <= k <= total:
        raise ValueError(f"k must be in [1, {total}], got {k}")
    m = len(v)
    cum = np.concatenate(([0], np.cumsum(w))).astype(np.int64)
    rows = np.arange(m, dtype=np.int64)
    lo, hi = rows.copy(), np.full(m, m, dtype=np.int64)
    rng = np.random.default_rng(_SEED)
    below = 0  # Walsh averages already known to lie below the answer
    while True:
        live = lo < hi
        rows, lo, hi = rows[live], lo[live], hi[live]
        if int((hi - lo).sum()) <= max(_GATHER_CELLS, 4 * len(rows)):
            return _gather(v, w, rows, lo, hi, k - below)
        row_w = _row_weights(w, cum, rows, lo, hi)
        fraction = (k - below) / float(row_w.sum())
        for t in _pivots(v, cum, rows, lo, hi, row_w, fraction, rng):
            lt = _first_failing(v, rows, lo, hi, t, strict=True)
            le = _past_equal(v, rows, lt, hi, t)
            n_lt = below + int(_row_weights(w, cum, rows, lo, lt).sum())
            n_le = below + int(_row_weights(w, cum, rows, lo, le).sum())
            if n_lt < k <= n_le:
                return t
            if k <= n_lt:
                hi = lt
                break
            below, lo = n_le, le


def count_at_most(v: npt.NDArray[np.float64], w: npt.NDArray[np.int64], t: float) -> int:
    """How many Walsh sums are <= ``t`` (exact, as computed in floating point). O(m log m)."""
    m = len(v)
    rows = np.arange(m, dtype=np.int64)
    cum = np.concatenate(([0], np.cumsum(w))).astype(np.int64)
    end = _first_failing(v, rows, rows.copy(), np.full(m, m, dtype=np.int64), t, strict=False)
    return int(_row_weights(w, cum, rows, rows.copy(), end).sum())


def next_walsh_sum_above(v: npt.NDArray[np.float64], t: float) -> float | None:
    """The smallest Walsh sum strictly greater than ``t``, or ``None`` when there is none. O(m log m)."""
    m = len(v)
    rows = np.arange(m, dtype=np.int64)
    q = _first_failing(v, rows, rows.copy(), np.full(m, m, dtype=np.int64), t, strict=False)
    inside = q < m
    if not inside.any():
        return None
    return float((v[rows[inside]] + v[q[inside]]).min())


def signed_rank_cdf(n: int) -> npt.NDArray[np.float64]:
    """Exact null CDF of the Wilcoxon signed-rank statistic T+ for n untied, non-zero differences.

    Entry t is P(T+ <= t), t = 0..n(n+1)/2, from the subset-sum counts of {1..n} over 2^n
    (dynamic programming, O(n^3); exact in float64 for n <= 60).
    """
    if not 0 <= n <= 60:
        raise ValueError(f"exact signed-rank distribution computed for 0 <= n <= 60, got {n}")
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.float64)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[:-r].copy()
    return np.cumsum(counts) / 2.0**n
