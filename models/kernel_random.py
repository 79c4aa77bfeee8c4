"""The compiled kernel's random numbers (numba): SFC64 words, 32-bit uniforms, binomials by
inversion, standard normals by the ziggurat method. No state outside the arrays passed in.

A kernel stream is a ``(4,)`` uint64 array, the words of numpy's ``SFC64`` state
(``a, b, c, counter``), advanced in place. It is seeded from the caller's ``numpy.random.Generator`` (:func:`kernel_stream`), so it is a pure
function of that stream's position: a block's results depend on its stream only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtr

TWO_M32 = 2.0**-32
"""Spacing of the 32-bit uniforms: a uniform is ``k / 2^32``, ``k`` a 32-bit integer."""
TAIL_RATIO = 1e-18
"""Binomial terms below this fraction of the mode's are left out of the CDF at the mode (their
total is below 1e-16, far below the 2^-32 spacing of the uniforms that invert it)."""
SUMMED_BELOW = 20.0
"""Binomials whose smaller mean (``np`` or ``n(1-p)``) is below this are inverted by summing
from 0 (or from ``n``); larger ones searched from the mode."""


def sfc64_stream(entropy: list[int]) -> NDArray[np.uint64]:
    """A kernel stream ``(4,)``: the state (``a, b, c, counter``) numpy's ``SFC64`` takes
    from ``SeedSequence(entropy)``, so the kernel's words are ``SFC64.random_raw``'s."""
    words = np.random.SFC64(np.random.SeedSequence(entropy)).state["state"]["state"]
    return np.asarray(words, dtype=np.uint64).copy()


def kernel_stream(rng: np.random.Generator) -> NDArray[np.uint64]:
    """A fresh kernel stream seeded by four 64-bit words of ``rng`` (:func:`sfc64_stream`)."""
    return sfc64_stream([int(word) for word in rng.bit_generator.random_raw(4)])


@njit(cache=True, nogil=True, inline="always")
def sfc64_step(
    a: np.uint64, b: np.uint64, c: np.uint64, counter: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, np.uint64]:
    """One step of SFC64 (Chris Doty-Humphrey's small fast chaotic generator) on a state held
    in registers: ``(word, a, b, c, counter)``, the word and the next state."""
    word = a + b + counter
    rotated = (c << np.uint64(24)) | (c >> np.uint64(40))
    return (
        word,
        b ^ (b >> np.uint64(11)),
        c + (c << np.uint64(3)),
        rotated + word,
        counter + np.uint64(1),
    )


@njit(cache=True, nogil=True, inline="always")
def fill_uniforms(stream: NDArray[np.uint64], out: NDArray[np.float64], count: int) -> None:
    """Write ``count`` uniforms on ``[0, 1)`` (32 random bits each: a word's high half, then
    its low half) to ``out``; an odd count writes (and wastes) one more, so ``out`` must hold
    ``count + 1``.

    The words are numpy's ``SFC64.random_raw`` word for word (a test holds it to that).
    """
    a, b, c, counter = stream[0], stream[1], stream[2], stream[3]
    low = np.uint64(0xFFFFFFFF)
    for i in range((count + 1) // 2):
        word, a, b, c, counter = sfc64_step(a, b, c, counter)
        out[2 * i] = float(np.int64(word >> np.uint64(32))) * TWO_M32  # signed: exact, faster
        out[2 * i + 1] = float(np.int64(word & low)) * TWO_M32
    stream[0], stream[1], stream[2], stream[3] = a, b, c, counter


PHI_LIMIT = 8.0
"""Beyond +-8 the normal CDF is computed from ``erfc`` (its tail is below 7e-16)."""
PHI_STEP = 1.0 / 128.0
"""Node spacing of the normal CDF table; cubic Hermite interpolation between nodes is
accurate to about 1e-11 (a test bounds it by 1e-10, under the 2^-32 spacing of uniforms)."""


def normal_cdf_table() -> NDArray[np.float64]:
    """``(n_nodes, 2)``: ``Phi`` and its derivative ``phi`` at ``-8, -8 + h, ..., 8``."""
    nodes = np.arange(-PHI_LIMIT, PHI_LIMIT + PHI_STEP / 2, PHI_STEP)
    return np.ascontiguousarray(
        np.stack([ndtr(nodes), np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)], axis=1)
    )


@njit(cache=True, nogil=True, inline="always")
def normal_cdf(x: float, table: NDArray[np.float64]) -> float:
    """``Phi(x)`` by cubic Hermite interpolation in ``table`` (:func:`normal_cdf_table`)."""
    if not -PHI_LIMIT < x < PHI_LIMIT:
        return 0.5 * math.erfc(-x * 0.7071067811865476)
    position = (x + PHI_LIMIT) * (1.0 / PHI_STEP)
    i = int(position)
    t = position - i
    t2 = t * t
    t3 = t2 * t
    return float(
        table[i, 0] * (2.0 * t3 - 3.0 * t2 + 1.0)
        + table[i + 1, 0] * (3.0 * t2 - 2.0 * t3)
        + PHI_STEP * (table[i, 1] * (t3 - 2.0 * t2 + t) + table[i + 1, 1] * (t3 - t2))
    )


@njit(cache=True, nogil=True)
def log_factorials(n: int) -> NDArray[np.float64]:
    """``(n + 1,)`` ``log k!`` for ``k = 0..n``."""
    out = np.zeros(n + 1)
    for k in range(2, n + 1):
        out[k] = out[k - 1] + math.log(k)
    return out


@njit(cache=True, nogil=True, inline="always")
def binomial_at_mode(
    n: int, p: float, log_factorial: NDArray[np.float64], reciprocal: NDArray[np.float64]
) -> tuple[int, float, float]:
    """``(mode, P(X = mode), P(X <= mode))`` of ``X ~ Bin(n, p)``, ``0 < p < 1``: the mode's
    term from log-factorials, the CDF summed downwards until terms fall below
    ``TAIL_RATIO`` of the mode's (what is left out is below 1e-16)."""
    mode = min(n, int((n + 1) * p))
    top = math.exp(
        log_factorial[n]
        - log_factorial[mode]
        - log_factorial[n - mode]
        + mode * math.log(p)
        + (n - mode) * math.log1p(-p)
    )
    floor = top * TAIL_RATIO
    inverse_odds = (1.0 - p) / p
    total, term, k = top, top, mode
    while k > 0 and term > floor:
        term *= k * inverse_odds * reciprocal[n - k]
        k -= 1
        total += term
    return mode, top, total


@njit(cache=True, nogil=True, inline="always")
def invert_from_mode(
    n: int,
    p: float,
    mode: int,
    top: float,
    at_mode: float,
    u: float,
    reciprocal: NDArray[np.float64],
) -> int:
    """Inversion of ``Bin(n, p)`` searched from the mode (:func:`binomial_at_mode` gives
    ``mode, top, at_mode``): down while ``u`` is below the CDF, else up; each step's term
    from the last by the ratio of consecutive terms."""
    odds = p / (1.0 - p)
    inverse_odds = (1.0 - p) / p
    k, cdf, term = mode, at_mode, top
    if u < at_mode:
        while k > 0:
            cdf -= term  # now P(X <= k - 1)
            if u >= cdf:
                return k
            term *= k * inverse_odds * reciprocal[n - k]
            k -= 1
        return 0
    while k < n:
        term *= (n - k) * odds * reciprocal[k]
        k += 1
        cdf += term
        if u < cdf:
            return k
    return n


@njit(cache=True, nogil=True, inline="always")
def walk_from_zero(
    n: int, odds: float, start: float, u: float, reciprocal: NDArray[np.float64]
) -> int:
    """Inversion summed from 0: ``start = (1-p)^n``, ``odds = p / (1-p)``, ``reciprocal[k] =
    1 / (k + 1)`` (:func:`reciprocals`)."""
    term, total, k = start, start, 0
    while u >= total and k < n:
        term *= (n - k) * odds * reciprocal[k]
        k += 1
        total += term
    return k


@njit(cache=True, nogil=True)
def reciprocals(n: int) -> NDArray[np.float64]:
    """``(n + 1,)`` ``1 / (k + 1)``."""
    return 1.0 / np.arange(1.0, n + 2.0)


@njit(cache=True, nogil=True, inline="always")
def walk_start(n: int, p: float) -> float:
    """``(1 - s)^n``, ``s = min(p, 1 - p)``: where :func:`binomial_inverse` starts summing."""
    return math.exp(n * math.log1p(-min(p, 1.0 - p)))


@njit(cache=True, nogil=True)
def walk_starts(n: int, p: float) -> NDArray[np.float64]:
    """``(n + 1,)`` :func:`walk_start` of ``Bin(k, p)`` for ``k = 0..n``, ``0 < p < 1``: the
    start of every walk a kernel with a fixed ``p`` and a varying ``n`` may take, computed
    once (the same numbers as computed each time)."""
    out = np.empty(n + 1)
    for k in range(n + 1):
        out[k] = walk_start(k, p)
    return out


@njit(cache=True, nogil=True, inline="always")
def binomial_inverse(
    n: int,
    p: float,
    u: float,
    log_factorial: NDArray[np.float64],
    reciprocal: NDArray[np.float64],
    starts: NDArray[np.float64],
) -> int:
    """``Bin(n, p)`` from one uniform ``u`` by inversion: summed from 0 when the smaller of
    ``np`` and ``n(1-p)`` is under ``SUMMED_BELOW`` (for ``p > 1/2``: ``n`` minus the value of
    ``Bin(n, 1-p)`` at ``u``, the same law), else searched
    from the mode (:func:`binomial_at_mode`, :func:`invert_from_mode`). ``starts``: this
    ``p``'s :func:`walk_starts` for every ``n`` up to at least this one, or ``(0,)`` to
    compute the start here."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    smaller = min(p, 1.0 - p)
    if n * smaller >= SUMMED_BELOW:
        mode, top, at_mode = binomial_at_mode(n, p, log_factorial, reciprocal)
        return invert_from_mode(n, p, mode, top, at_mode, u, reciprocal)
    odds = smaller / (1.0 - smaller)
    start = starts[n] if starts.size else walk_start(n, p)
    k = walk_from_zero(n, odds, start, u, reciprocal)
    return n - k if p > 0.5 else k


ZIGGURAT_LAYERS = 256
"""Layers of the ziggurat: a try is inside its layer's rectangle about 98.5% of the time
(97.2% with 128 layers), each try one word (its high half the uniform, its low 8 bits the
layer)."""
ZIGGURAT_R = 3.6541528853610088
"""Start of the tail of the 256-layer ziggurat (Doornik 2005, "An Improved Ziggurat Method
to Generate Normal Random Samples"; Marsaglia and Tsang 2000)."""
ZIGGURAT_V = 4.92867323399e-3
"""Area of each layer."""


def ziggurat_table() -> NDArray[np.float64]:
    """``(3, 257)``: the layers' right edges ``x`` (``x[0] = V / f(R)``, ``x[1] = R``, ...,
    ``x[256] = 0``), the ratios ``x[i + 1] / x[i]`` below which a point is inside, and the
    density at each edge ``f(x) = exp(-x^2 / 2)`` (the wedge test's)."""
    x = np.zeros(ZIGGURAT_LAYERS + 1)
    f = math.exp(-0.5 * ZIGGURAT_R**2)
    x[0], x[1] = ZIGGURAT_V / f, ZIGGURAT_R
    for i in range(2, ZIGGURAT_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(ZIGGURAT_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] ** 2)
    ratio = np.zeros(ZIGGURAT_LAYERS + 1)
    ratio[:ZIGGURAT_LAYERS] = x[1:] / x[:-1]
    return np.ascontiguousarray(np.stack([x, ratio, np.exp(-0.5 * x**2)]))


@njit(cache=True, nogil=True, inline="always")
def ziggurat_try(word: np.uint64) -> tuple[float, int]:
    """A word's ziggurat try: ``u`` on ``[-1, 1)`` from its high half, the layer from its low
    8 bits."""
    u = 2.0 * (float(np.int64(word >> np.uint64(32))) * TWO_M32) - 1.0
    return u, int(word & np.uint64(ZIGGURAT_LAYERS - 1))


@njit(cache=True, nogil=True, inline="always")
def next_word(stream: NDArray[np.uint64]) -> np.uint64:
    """The next 64-bit word of the stream (SFC64, as :func:`fill_uniforms` draws them)."""
    word, a, b, c, counter = sfc64_step(stream[0], stream[1], stream[2], stream[3])
    stream[0], stream[1], stream[2], stream[3] = a, b, c, counter
    return np.uint64(word)


@njit(cache=True, nogil=True, inline="always")
def _open_uniform(stream: NDArray[np.uint64]) -> float:
    """A uniform on ``(0, 1)``: 32 random bits and a half step (for logarithms)."""
    return (float(np.int64(next_word(stream) >> np.uint64(32))) + 0.5) * TWO_M32


@njit(cache=True, nogil=True)
def _normal_tail(stream: NDArray[np.uint64], negative: bool) -> float:
    while True:
        x = math.log(_open_uniform(stream)) / ZIGGURAT_R
        y = math.log(_open_uniform(stream))
        if -2.0 * y >= x * x:
            return x - ZIGGURAT_R if negative else ZIGGURAT_R - x


@njit(cache=True, nogil=True, inline="always")
def next_normal(stream: NDArray[np.uint64], table: NDArray[np.float64]) -> float:
    """A standard normal by the ziggurat method (Doornik's ZIGNOR): one word per try (its
    high half the uniform, its low 8 bits the layer), about 1.005 tries each."""
    while True:
        u, i = ziggurat_try(next_word(stream))
        if abs(u) < table[1, i]:
            return float(u * table[0, i])
        z = _outside_rectangle(stream, table, u, i)
        if not math.isnan(z):  # accepted
            return z


@njit(cache=True, nogil=True, inline="always")
def _outside_rectangle(
    stream: NDArray[np.uint64], table: NDArray[np.float64], u: float, i: int
) -> float:
    """A try ``(u, i)`` outside its layer's rectangle: the tail (layer 0), else the wedge
    test; NaN when the wedge rejects it (the caller tries again)."""
    if i == 0:
        return float(_normal_tail(stream, u < 0.0))
    x = u * table[0, i]
    f0, f1 = table[2, i], table[2, i + 1]
    if f1 + _open_uniform(stream) * (f0 - f1) < math.exp(-0.5 * x * x):
        return float(x)
    return math.nan


@njit(cache=True, nogil=True)
def fill_normals(
    stream: NDArray[np.uint64],
    table: NDArray[np.float64],
    out: NDArray[np.float64],
    count: int,
    missed: NDArray[np.int64],
) -> None:
    """Write ``count`` standard normals to ``out`` by the ziggurat: first every try's fast
    case (inside its layer's rectangle, about 98.5%), the stream's state in registers; then the
    rest (:func:`_normal_slow`), in order, from the words that follow. ``missed``
    ``(count,)`` is scratch: the tries outside their rectangle, as ``position * ZIGGURAT_LAYERS +
    layer``, written without a branch. Each value is a function of its own try and of fresh
    words, as in :func:`next_normal`: the same law, in another order of the words."""
    a, b, c, counter = stream[0], stream[1], stream[2], stream[3]
    misses = 0
    for j in range(count):
        word, a, b, c, counter = sfc64_step(a, b, c, counter)
        u, i = ziggurat_try(word)
        inside = abs(u) < table[1, i]
        out[j] = u * table[0, i] if inside else u
        missed[misses] = j * ZIGGURAT_LAYERS + i  # kept only when outside (misses <= j)
        misses += not inside
    stream[0], stream[1], stream[2], stream[3] = a, b, c, counter
    for m in range(misses):
        j, i = divmod(missed[m], ZIGGURAT_LAYERS)
        out[j] = _normal_slow(stream, table, out[j], i)


@njit(cache=True, nogil=True, inline="always")
def normals_below(
    stream: NDArray[np.uint64], table: NDArray[np.float64], bound: NDArray[np.float64], count: int
) -> int:
    """How many of ``count`` fresh standard normals ``Z_j`` fall below ``bound[j]``: a draw
    of ``sum_j Bernoulli(Phi(bound[j]))``, each ``Z_j`` by the ziggurat (as
    :func:`next_normal`; a try outside its rectangle finishes from the words that follow it)
    and never stored. The stream's state stays in registers between the rare cases."""
    a, b, c, counter = stream[0], stream[1], stream[2], stream[3]
    below = 0
    for j in range(count):
        word, a, b, c, counter = sfc64_step(a, b, c, counter)
        u, i = ziggurat_try(word)
        if abs(u) < table[1, i]:
            below += u * table[0, i] < bound[j]
            continue
        stream[0], stream[1], stream[2], stream[3] = a, b, c, counter
        below += _normal_slow(stream, table, u, i) < bound[j]
        a, b, c, counter = stream[0], stream[1], stream[2], stream[3]
    stream[0], stream[1], stream[2], stream[3] = a, b, c, counter
    return below


@njit(cache=True, nogil=True, inline="always")
def _normal_slow(stream: NDArray[np.uint64], table: NDArray[np.float64], u: float, i: int) -> float:
    """The ziggurat's rare cases for a first try ``(u, i)`` outside its layer's rectangle
    (:func:`_outside_rectangle`), and fresh tries (:func:`next_normal`) after a rejection."""
    z = _outside_rectangle(stream, table, u, i)
    return float(next_normal(stream, table)) if math.isnan(z) else z
