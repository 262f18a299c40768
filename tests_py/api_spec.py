"""The public API of fastcpp (API.md) as data, for the machinery tests.

One `Spec` per public name says how to make a valid call with random
arguments of a given shape and dtype, what the result's dtype is, which
arguments are arrays (so the dtype policy applies), whether it has ``axis=``
and ``out=``, and every bad input class of API.md with the exception and
the message fragments it must raise. The common-rules tests, the property,
thread, leak and huge-input tests, the fuzzer (scripts/fuzz_api.py) and the
audit table (docs/bad_inputs.md, scripts/bad_inputs_table.py) all iterate
over `SPECS`; an entry whose function is not built yet is skipped, so a
kernel lights up in every test the moment it is merged. A public name
without an entry fails `test_common_rules.py::test_every_public_name_has_a_spec`.

Adding a function: add a `Spec` below (copy the closest one), then run
``python scripts/bad_inputs_table.py --write``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import fastcpp

Key = Any  # int (positional index) or str (keyword name)

# dtypes the policy accepts, and what they compute as (float16: computed
# with float64 state, stored as float16, as float32 is stored as float32).
FLOAT_DTYPES = (np.float64, np.float32, np.float16)
INT_DTYPES = (
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
)
OK_DTYPES = (*FLOAT_DTYPES, *INT_DTYPES, np.bool_)

# The rejected dtype classes of API.md ("complex, object, string, datetime
# → TypeError naming the function and the dtype").
BAD_DTYPES = {
    "complex": np.complex128,
    "complex64": np.complex64,
    "object": np.object_,
    "str": np.str_,
    "bytes": np.bytes_,
    "datetime": "datetime64[ns]",
    "timedelta": "timedelta64[s]",
}


@dataclass
class Call:
    """Positional and keyword arguments of one call."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def get(self, key: Key) -> Any:
        return self.args[key] if isinstance(key, int) else self.kwargs[key]

    def with_(self, key: Key, value: Any) -> Call:
        if isinstance(key, int):
            args = list(self.args)
            args[key] = value
            return Call(tuple(args), dict(self.kwargs))
        return Call(self.args, {**self.kwargs, key: value})

    def without(self, key: str) -> Call:
        return Call(self.args, {k: v for k, v in self.kwargs.items() if k != key})

    def arrays(self) -> list[np.ndarray]:
        vals = [*self.args, *self.kwargs.values()]
        return [v for v in vals if isinstance(v, np.ndarray)]

    def __call__(self, func: Callable) -> Any:
        return func(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        def short(v):
            if isinstance(v, np.ndarray):
                return f"array(shape={v.shape}, dtype={v.dtype})"
            return repr(v)

        parts = [short(a) for a in self.args]
        parts += [f"{k}={short(v)}" for k, v in self.kwargs.items()]
        return "(" + ", ".join(parts) + ")"


@dataclass(frozen=True, repr=False)
class Bad:
    """One bad input class: turns a valid call into a bad one.

    `label` is the column of the audit table; `exc` the exception; `match`
    regular expressions (case-insensitive) that must all occur in the message;
    `shape` the input shape of the valid call it starts from (None: spec.shapes[0])."""

    def __repr__(self) -> str:
        return f"Bad({self.label!r})"

    label: str
    mutate: Callable[[Call], Call]
    exc: type[BaseException]
    match: tuple[str, ...] = ()
    shape: tuple | None = None


def value_re(v: object) -> str:
    """A regex for `v` as a message prints it, not part of a longer number."""
    s = repr(v) if isinstance(v, str) else str(v)
    if isinstance(v, float) and v.is_integer():
        s = rf"{int(v)}(\.0*)?"
    else:
        s = re.escape(s)
    return rf"(?<![\w.]){s}(?![\w])"


def arg_value(arg: str, v: object) -> tuple[str, ...]:
    """Message fragments naming argument `arg` and its value `v`."""
    return (rf"\b{re.escape(arg)}\b", value_re(v))


@dataclass(frozen=True, repr=False)
class Spec:
    """How to call one public function and what it promises.

    name    public name (``Accumulator.add_many`` for a method)
    kind    reduce | rows | valid | elementwise | geo | image | int | config
            | class | other
    make    make(rng, shape, dtype, axis) -> Call, a valid call whose array
            inputs have `shape` and `dtype` (None: no array behaviour)
    arrays  keys of the array arguments (the dtype policy applies to them)
    shapes  input shapes the generic tests use (first one: the bad-input base)
    result  dtype rule: "float" (float32 if every array input is float32 else
            float64), "keep" (input dtype), "scalar" (Python float; int for
            integer input when `int_exact`), "accumulator" (returns an
            Accumulator), "none" (no array result)
    axis    has ``axis=`` (N-D, operation along one axis)
    out     has ``out=``
    zero_d  0-d input is allowed
    f32_ulps  float32 result == float64 computation rounded, within this
            many float32 ulps (None: not comparable)
    reassoc   results may differ by floating-point reassociation between
            layouts / thread counts (reductions)
    bad     the function-specific bad input classes (dtype classes, 0-d and
            out= classes are generated from the fields above)
    """

    name: str
    kind: str
    make: Callable[..., Call] | None = None
    arrays: tuple[Key, ...] = ()
    shapes: tuple[tuple, ...] = ((37,), (5, 12))
    result: str = "float"
    axis: bool = False
    out: bool = False
    zero_d: bool = False
    f32_ulps: float | None = 1
    reassoc: bool = False
    int_exact: bool = False
    bad: tuple[Bad, ...] = ()
    note: str = ""
    big: tuple[tuple, ...] = ()  # large shapes for thread-count independence
    first_arg: str = "a"  # name of the first array argument, as messages say it

    def __repr__(self) -> str:
        return f"Spec({self.name!r})"

    # -- resolution -------------------------------------------------------
    @property
    def top(self) -> str:
        return self.name.split(".")[0]

    def present(self) -> bool:
        return hasattr(fastcpp, self.top)

    def func(self) -> Callable:
        """The callable; methods of Accumulator are wrapped as functions that
        return the Accumulator."""
        if self.name == "Accumulator.add_many":

            def add_many(values):
                acc = fastcpp.Accumulator()
                acc.add_many(values)
                return acc

            return add_many
        if self.name == "Accumulator.add":

            def add(x):
                acc = fastcpp.Accumulator()
                acc.add(x)
                return acc

            return add
        if self.name == "Accumulator.merge":

            def merge(other):
                acc = fastcpp.Accumulator()
                acc.merge(other)
                return acc

            return merge
        return getattr(fastcpp, self.name)

    def big_shapes(self) -> tuple[tuple, ...]:
        if self.big:
            return self.big
        return {
            "reduce": ((1_000_003,), (700, 1001)),
            "rows": ((300_007,), (2, 150_001), (20_011, 5)),
            "valid": ((300_007,), (2, 150_001)),
            "elementwise": ((400_009,), (3, 100_003)),
            "geo": ((300_007,),),
            "image": ((301, 457),),
        }.get(self.kind, ())

    def valid(self, rng, shape=None, dtype=np.float64, axis=-1) -> Call:
        assert self.make is not None, self.name
        return self.make(rng, self.shapes[0] if shape is None else shape, dtype, axis)

    # -- the generated bad input classes ------------------------------------
    def dtype_bads(self) -> list[Bad]:
        out = []
        for key in self.arrays:
            arg = key if isinstance(key, str) else None
            for label, dt in BAD_DTYPES.items():
                out.append(
                    Bad(
                        f"{label} dtype"
                        + (f" ({arg})" if arg and len(self.arrays) > 1 else ""),
                        _retype(key, dt),
                        TypeError,
                        (re.escape(self.name), _dtype_re(dt)),
                    )
                )
        return out

    def generated_bads(self) -> list[Bad]:
        """dtype classes, non-numeric input, 0-d, out= classes."""
        if self.make is None or not self.arrays:
            return []
        bads = self.dtype_bads()
        first = self.arrays[0]
        bads.append(
            Bad(
                "ragged list",
                lambda c: c.with_(first, [[1.0, 2.0], [3.0]]),
                TypeError,
                (re.escape(self.name), rf"\b{self.first_arg}\b"),
            )
        )
        if not self.zero_d:
            bads.append(
                Bad(
                    "0-d input",
                    lambda c: c.with_(first, np.array(1.5)),
                    ValueError,
                    (re.escape(self.name), rf"\b{self.first_arg}\b", r"0-d|\(\)"),
                )
            )
        if self.axis:
            bads.append(
                Bad(
                    "axis out of range",
                    lambda c: c.with_("axis", 3),
                    ValueError,
                    ("axis", value_re(3)),
                )
            )
        if self.out:
            bads += out_bads(self)
        return bads

    def all_bads(self) -> list[Bad]:
        return [*self.bad, *self.generated_bads()]

    # -- expected result dtypes ----------------------------------------------
    def expected_dtypes(self, dtype) -> tuple:
        """numpy dtypes (or Python types) of the result's parts for input `dtype`."""
        dt = np.dtype(dtype)
        if self.result == "keep":
            return (dt,)
        if self.result == "scalar":
            if self.int_exact and dt.kind in "iub":
                return (int,)
            return (float,)
        if self.result == "accumulator":
            return (fastcpp.Accumulator,)
        real = dt if dt in (np.float32, np.float16) else np.dtype(np.float64)
        if self.name == "nearest_k":
            return (np.dtype(np.int64), real)
        if self.name in ("rolling_mean_std", "polar_to_cartesian"):
            return (real, real)
        return (real,)


def _dtype_re(dt) -> str:
    d = np.dtype(dt)
    names = {re.escape(str(d)), re.escape(d.name), re.escape(d.str)}
    if d.kind == "U":
        names.add("<U")
    if d.kind == "S":
        names.add("S")
    return "(" + "|".join(sorted(names)) + ")"


def bad_array(like: np.ndarray, dt) -> np.ndarray:
    """An array of the rejected dtype `dt` with the shape of `like`."""
    like = np.asarray(like)
    d = np.dtype(dt)
    if d.kind in "Mm":
        return np.zeros(like.shape, dtype=d)
    if d.kind in "US":
        return np.round(like.astype(np.float64), 2).astype(d)
    return like.astype(d)


def _retype(key: Key, dt) -> Callable[[Call], Call]:
    return lambda c: c.with_(key, bad_array(c.get(key), dt))


def out_bads(spec: Spec) -> list[Bad]:
    """out= classes. The mutators get the valid call and build an out that is
    wrong in one way; the tests check `out` is left untouched."""

    def result_of(c: Call) -> np.ndarray:
        r = c(spec.func())
        return r[0] if isinstance(r, tuple) else np.asarray(r)

    def wrong_dtype(c: Call) -> Call:
        r = result_of(c)
        other = np.float32 if r.dtype == np.float64 else np.float64
        return c.with_("out", np.zeros(r.shape, other))

    def int_dtype(c: Call) -> Call:
        return c.with_("out", np.zeros(result_of(c).shape, np.int64))

    def wrong_shape(c: Call) -> Call:
        r = result_of(c)
        return c.with_("out", np.zeros((r.size + 1,), r.dtype))

    def readonly(c: Call) -> Call:
        r = np.zeros_like(result_of(c))
        r.flags.writeable = False
        return c.with_("out", r)

    def byteswapped(c: Call) -> Call:
        r = result_of(c)
        return c.with_("out", np.zeros(r.shape, r.dtype.newbyteorder()))

    def not_array(c: Call) -> Call:
        return c.with_("out", result_of(c).tolist())

    name = re.escape(spec.name)
    return [
        Bad("out wrong dtype", wrong_dtype, TypeError, (name, r"\bout\b", "dtype")),
        Bad("out integer dtype", int_dtype, TypeError, (name, r"\bout\b", "int64")),
        Bad("out wrong shape", wrong_shape, ValueError, (name, r"\bout\b", "shape")),
        Bad("out read-only", readonly, ValueError, (name, r"\bout\b", "read-only")),
        Bad(
            "out byte-swapped",
            byteswapped,
            TypeError,
            (name, r"\bout\b", "dtype"),
        ),
        Bad("out not an ndarray", not_array, TypeError, (name, r"\bout\b")),
    ]


# ---------------------------------------------------------------------------
# Data makers
# ---------------------------------------------------------------------------


def data(rng, shape, dtype=np.float64, lo=None, hi=None) -> np.ndarray:
    """Random values of `dtype`: normal*10 for floats, small integers for
    integer types (unsigned ≥ 0), coin flips for bool; uniform in [lo, hi)
    when given (geographic coordinates)."""
    d = np.dtype(dtype)
    if d == np.bool_:
        return rng.random(shape) < 0.5
    if lo is not None:
        if d.kind in "iu":
            return rng.integers(
                max(int(lo), 0 if d.kind == "u" else int(lo)), int(hi), size=shape
            ).astype(d)
        return rng.uniform(lo, hi, size=shape).astype(d)
    if d.kind in "iu":
        return rng.integers(0 if d.kind == "u" else -50, 50, size=shape).astype(d)
    return (rng.standard_normal(shape) * 10).astype(d)


def _axis_len(shape, axis) -> int:
    return int(shape[axis]) if len(shape) else 1


def _length(c: Call) -> int:
    a = np.asarray(c.args[0])
    return int(a.shape[c.kwargs.get("axis", -1)]) if a.ndim else 1


# ---------------------------------------------------------------------------
# Per-family makers and bad classes
# ---------------------------------------------------------------------------


def _reduce_make(rng, shape, dtype, axis):
    return Call((data(rng, shape, dtype),))


def _dot_make(rng, shape, dtype, axis):
    return Call((data(rng, shape, dtype), data(rng, shape, dtype)))


def _move_maker(ddof: bool, quantile: bool = False, pair: bool = False):
    def make(rng, shape, dtype, axis):
        n = _axis_len(shape, axis)
        window = int(rng.integers(1, n + 1)) if n >= 1 else 1
        kw: dict = {"window": window, "axis": axis}
        if rng.random() < 0.5:
            kw["min_count"] = int(rng.integers(1, window + 1))
        if ddof:
            kw["ddof"] = int(rng.integers(0, 2))
        if quantile:
            kw["q"] = float(rng.random())
        if pair:
            return Call((data(rng, shape, dtype), data(rng, shape, dtype)), kw)
        return Call((data(rng, shape, dtype),), kw)

    return make


def _window_bads(name: str, min_count: bool) -> tuple[Bad, ...]:
    bads = [
        Bad(
            "window < 1",
            lambda c: c.with_("window", 0),
            ValueError,
            arg_value("window", 0),
        ),
        Bad(
            "window negative",
            lambda c: c.with_("window", -3),
            ValueError,
            arg_value("window", -3),
        ),
        Bad(
            "window > length",
            lambda c: c.with_("window", _length(c) + 1),
            ValueError,
            arg_value("window", 38),
        ),
        Bad(
            "window not an int",
            lambda c: c.with_("window", 2.5),
            TypeError,
            (re.escape(name),),
        ),
    ]
    if min_count:
        bads += [
            Bad(
                "min_count < 1",
                lambda c: c.with_("window", 3).with_("min_count", 0),
                ValueError,
                arg_value("min_count", 0),
            ),
            Bad(
                "min_count > window",
                lambda c: c.with_("window", 3).with_("min_count", 4),
                ValueError,
                arg_value("min_count", 4),
            ),
        ]
    return tuple(bads)


def _valid_make(rng, shape, dtype, axis):
    n = int(shape[-1])
    return Call((data(rng, shape, dtype),), {"window": int(rng.integers(1, n + 1))})


def _ema_kwargs(rng, axis):
    """One of alpha/span/halflife/com and random pandas options."""
    decay = str(rng.choice(["alpha", "span", "halflife", "com"]))
    value = {
        "alpha": float(rng.choice([1.0, rng.uniform(0.01, 1.0)])),
        "span": float(rng.uniform(1.0, 20.0)),
        "halflife": float(rng.uniform(0.1, 10.0)),
        "com": float(rng.uniform(0.0, 10.0)),
    }[decay]
    return {
        decay: value,
        "axis": axis,
        "adjust": bool(rng.random() < 0.5),
        "ignore_na": bool(rng.random() < 0.5),
        "min_periods": int(rng.integers(0, 4)),
    }


def _ema_make(rng, shape, dtype, axis):
    return Call((data(rng, shape, dtype),), _ema_kwargs(rng, axis))


def _ema_pair_make(rng, shape, dtype, axis):
    return Call(
        (data(rng, shape, dtype), data(rng, shape, dtype)), _ema_kwargs(rng, axis)
    )


def _ema_bads(name: str) -> tuple[Bad, ...]:
    def one(arg, values):
        return tuple(
            Bad(
                f"{arg} = {v}",
                (
                    (lambda c, v=v: c.with_(arg, v))
                    if arg == "min_periods"
                    else lambda c, v=v: Call(
                        c.args,
                        {
                            **{
                                k: x
                                for k, x in c.kwargs.items()
                                if k not in ("alpha", "span", "halflife", "com")
                            },
                            arg: v,
                        },
                    )
                ),
                ValueError,
                arg_value(arg, v),
            )
            for v in values
        )

    return (
        *one("alpha", [0.0, -0.5, 1.5, float("nan"), float("inf")]),
        *one("span", [0.5, float("nan"), float("inf")]),
        *one("halflife", [0.0, -1.0, float("nan")]),
        *one("com", [-0.5, float("nan")]),
        *one("min_periods", [-1]),
        Bad(
            "alpha not a number",
            lambda c: Call(
                c.args,
                {
                    **{
                        k: x
                        for k, x in c.kwargs.items()
                        if k not in ("alpha", "span", "halflife", "com")
                    },
                    "alpha": "x",
                },
            ),
            TypeError,
            (name, "alpha"),
        ),
        Bad(
            "two decay parameters",
            lambda c: c.with_("alpha", 0.5).with_("com", 1.0),
            ValueError,
            (name, "mutually exclusive"),
        ),
    )


def _scalar_bads(arg: str, values: Sequence[float]) -> tuple[Bad, ...]:
    return tuple(
        Bad(
            f"{arg} = {v}",
            (lambda c, v=v: c.with_(arg, v)),
            ValueError,
            arg_value(arg, v),
        )
        for v in values
    )


def _scale_make(rng, shape, dtype, axis):
    return Call(
        (data(rng, shape, dtype),),
        {"scale": float(rng.standard_normal()), "shift": float(rng.standard_normal())},
    )


def _circle_make(rng, shape, dtype, axis):
    return Call(
        (
            np.abs(data(rng, shape, dtype))
            if np.dtype(dtype).kind != "u"
            else data(rng, shape, dtype),
        )
    )


def _gauss_make(rng, shape, dtype, axis):
    return Call((data(rng, shape, dtype),), {"sigma": float(rng.uniform(0.5, 20))})


def _polar_make(rng, shape, dtype, axis):
    return Call((np.abs(data(rng, shape, dtype)), data(rng, shape, dtype, -4, 4)))


def _distances_make(rng, shape, dtype, axis):
    return Call((data(rng, shape, dtype),))


def _haversine_make(rng, shape, dtype, axis):
    lat = lambda: data(rng, shape, dtype, -90, 90)  # noqa: E731
    lon = lambda: data(rng, shape, dtype, -180, 180)  # noqa: E731
    return Call((lat(), lon(), lat(), lon()))


def _nearest_make(rng, shape, dtype, axis):
    n = int(np.prod(shape))
    return Call(
        (
            float(rng.uniform(-90, 90)),
            float(rng.uniform(-180, 180)),
            data(rng, (n,), dtype, -90, 90),
            data(rng, (n,), dtype, -180, 180),
        ),
        {"k": int(rng.integers(1, n + 1)) if n else 0},
    )


def _median_make(rng, shape, dtype, axis):
    size = (
        int(rng.integers(1, 6))
        if rng.random() < 0.5
        else tuple(int(rng.integers(1, 5)) for _ in shape)
    )
    mode = str(rng.choice(["reflect", "nearest", "mirror", "constant", "wrap"]))
    return Call((data(rng, shape, dtype),), {"size": size, "mode": mode})


def _rank_make(rng, shape, dtype, axis):
    c = _median_make(rng, shape, dtype, axis)
    size = c.kwargs["size"]
    n = int(np.prod((size,) * len(shape) if np.ndim(size) == 0 else size))
    rank = int(rng.integers(-n, n))
    return Call((c.args[0], rank), c.kwargs)


def _percentile_make(rng, shape, dtype, axis):
    c = _median_make(rng, shape, dtype, axis)
    return Call((c.args[0], float(rng.uniform(-100, 100))), c.kwargs)


def _last_shape(c: Call, key: Key, extra: int) -> Call:
    a = np.asarray(c.get(key))
    return c.with_(
        key,
        np.resize(a, (a.size + extra,))
        if a.ndim <= 1
        else np.resize(a, (*a.shape[:-1], a.shape[-1] + extra)),
    )


def _acc_merge_make(rng, shape, dtype, axis):
    other = fastcpp.Accumulator()
    other.add_many(data(rng, shape, dtype))
    return Call((other,))


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

_ROWS = dict(kind="rows", arrays=(0,), axis=True, shapes=((37,), (5, 12), (3, 4, 6)))

#: The move_* family from the core's table: name -> {extra parameter: row}.
MOVE_FAMILY: dict[str, dict[str, tuple]] = {
    row[0]: {p[0]: p for p in row[2]} for row in fastcpp._core._move_family
}
MOVE_NAMES = tuple(MOVE_FAMILY)
#: Members taking two arrays (a, b): move_cov, move_corr.
MOVE_PAIRS = tuple(row[0] for row in fastcpp._core._move_family if row[1] == 2)

SPECS: list[Spec] = [
    # -- reductions ---------------------------------------------------------
    Spec(
        "sum",
        "reduce",
        _reduce_make,
        arrays=(0,),
        result="scalar",
        zero_d=True,
        int_exact=True,
        reassoc=True,
        f32_ulps=0,
        shapes=((37,), (5, 12), (0,)),
    ),
    Spec(
        "dot",
        "reduce",
        _dot_make,
        arrays=(0, 1),
        result="scalar",
        zero_d=True,
        reassoc=True,
        f32_ulps=0,
        shapes=((37,), (5, 12)),
        bad=(
            Bad(
                "length mismatch",
                lambda c: _last_shape(c, 1, -1),
                ValueError,
                (r"\ba\b", r"\bb\b", value_re(37), value_re(36)),
            ),
        ),
    ),
    Spec(
        "norm",
        "reduce",
        _reduce_make,
        arrays=(0,),
        result="scalar",
        zero_d=True,
        reassoc=True,
        f32_ulps=0,
        shapes=((37,), (5, 12), (0,)),
    ),
    Spec(
        "sum_of_squares",
        "int",
        lambda rng, shape, dtype, axis: Call((int(rng.integers(0, 10**6)),)),
        result="none",
        bad=(
            Bad("n negative", lambda c: c.with_(0, -1), ValueError, arg_value("n", -1)),
            Bad(
                "n not an int",
                lambda c: c.with_(0, 2.5),
                TypeError,
                ("sum_of_squares", "float"),
            ),
            Bad(
                "n a string",
                lambda c: c.with_(0, "3"),
                TypeError,
                ("sum_of_squares", "str"),
            ),
        ),
    ),
    # -- threads and tools ----------------------------------------------------
    Spec(
        "set_num_threads",
        "config",
        lambda rng, shape, dtype, axis: Call((fastcpp.get_num_threads(),)),
        result="none",
        bad=(
            Bad("n < 1", lambda c: c.with_(0, 0), ValueError, arg_value("n", 0)),
            Bad("n negative", lambda c: c.with_(0, -2), ValueError, arg_value("n", -2)),
            Bad(
                "n not an int",
                lambda c: c.with_(0, 1.5),
                TypeError,
                ("set_num_threads",),
            ),
        ),
    ),
    Spec(
        "threads",
        "config",
        lambda rng, shape, dtype, axis: Call((1,)),
        result="none",
        bad=(
            Bad("n < 1", lambda c: c.with_(0, 0), ValueError, arg_value("n", 0)),
            Bad(
                "n too large",
                lambda c: c.with_(0, 4097),
                ValueError,
                arg_value("n", 4097),
            ),
            Bad(
                "n not an int",
                lambda c: c.with_(0, 1.5),
                TypeError,
                ("threads", "float"),
            ),
        ),
    ),
    Spec(
        "get_num_threads",
        "config",
        lambda rng, shape, dtype, axis: Call(),
        result="none",
        bad=(
            Bad(
                "unexpected argument",
                lambda c: Call((1,)),
                TypeError,
                ("get_num_threads",),
            ),
        ),
    ),
    Spec(
        "simd_level",
        "config",
        lambda rng, shape, dtype, axis: Call(),
        result="none",
        bad=(
            Bad(
                "unexpected argument",
                lambda c: Call((1,)),
                TypeError,
                ("simd_level",),
            ),
        ),
    ),
    Spec("get_include", "other", note="path of the C++ headers"),
    Spec("get_cmake_dir", "other", note="path for find_package(fastcpp)"),
    Spec("__version__", "other", note="version string"),
    Spec("dask", "other", note="submodule fastcpp.dask (tests_py/test_dask.py)"),
    # -- Accumulator ----------------------------------------------------------
    Spec(
        "Accumulator",
        "class",
        lambda rng, shape, dtype, axis: Call((float(rng.standard_normal()),)),
        result="none",
        bad=(
            Bad(
                "initial not a number",
                lambda c: c.with_(0, "x"),
                TypeError,
                ("Accumulator",),
            ),
        ),
    ),
    Spec(
        "Accumulator.add_many",
        "reduce",
        _reduce_make,
        arrays=(0,),
        result="accumulator",
        zero_d=True,
        reassoc=True,
        f32_ulps=0,
        first_arg="values",
        shapes=((37,), (5, 12), (0,)),
    ),
    Spec(
        "Accumulator.add",
        "class",
        lambda rng, shape, dtype, axis: Call((float(rng.standard_normal()),)),
        result="none",
        bad=(
            Bad(
                "x a string",
                lambda c: c.with_(0, "1.5"),
                TypeError,
                ("Accumulator.add", "str"),
            ),
            Bad(
                "x complex",
                lambda c: c.with_(0, 1 + 2j),
                TypeError,
                ("Accumulator.add", "complex"),
            ),
            Bad(
                "x None",
                lambda c: c.with_(0, None),
                TypeError,
                ("Accumulator.add", "None"),
            ),
        ),
    ),
    Spec(
        "Accumulator.merge",
        "class",
        _acc_merge_make,
        result="none",
        bad=(
            Bad(
                "other not an Accumulator",
                lambda c: c.with_(0, 3.0),
                TypeError,
                ("merge",),
            ),
        ),
    ),
    # -- rolling windows ------------------------------------------------------
    *[
        Spec(
            name,
            make=_move_maker(
                "ddof" in MOVE_FAMILY[name],
                "q" in MOVE_FAMILY[name],
                name in MOVE_PAIRS,
            ),
            bad=_window_bads(name, True)
            + (
                (
                    Bad(
                        "ddof not an int",
                        lambda c: c.with_("ddof", 0.5),
                        TypeError,
                        ("move_",),
                    ),
                )
                if "ddof" in MOVE_FAMILY[name]
                else ()
            )
            + (
                (
                    Bad(
                        "q > 1",
                        lambda c: c.with_("q", 1.5),
                        ValueError,
                        arg_value("q", 1.5),
                    ),
                    Bad(
                        "method unknown",
                        lambda c: c.with_("method", "cubic"),
                        ValueError,
                        ("method", "cubic"),
                    ),
                )
                if "q" in MOVE_FAMILY[name]
                else ()
            )
            + (
                Bad(
                    "lengths not summing to the axis",
                    lambda c: c.with_("lengths", [1]),
                    ValueError,
                    ("lengths sum to 1",),
                ),
                Bad(
                    "lengths 2-D",
                    lambda c: c.with_("lengths", [[1]]),
                    ValueError,
                    ("lengths must be 1-D",),
                ),
                Bad(
                    "lengths of floats",
                    lambda c: c.with_("lengths", [1.0]),
                    TypeError,
                    ("lengths",),
                ),
            )
            + (
                (
                    Bad(
                        "shape mismatch",
                        lambda c: _last_shape(c, 1, -1),
                        ValueError,
                        (r"\ba\b", r"\bb\b", value_re(37), value_re(36)),
                    ),
                )
                if name in MOVE_PAIRS
                else ()
            ),
            f32_ulps=1,
            out=True,
            **({**_ROWS, "arrays": (0, 1)} if name in MOVE_PAIRS else _ROWS),
        )
        for name in MOVE_NAMES
    ],
    Spec(
        "rolling_sum_squares",
        "valid",
        _valid_make,
        arrays=(0,),
        shapes=((37,), (5, 12)),
        bad=_window_bads("rolling_sum_squares", False),
    ),
    Spec(
        "rolling_mean_std",
        "valid",
        _valid_make,
        arrays=(0,),
        shapes=((37,), (5, 12)),
        bad=_window_bads("rolling_mean_std", False),
    ),
    *(
        Spec(
            name,
            make=_ema_make,
            f32_ulps=1,
            out=True,
            bad=_ema_bads(name),
            **_ROWS,
        )
        for name in ("ema", "ema_var", "ema_std")
    ),
    *(
        Spec(
            name,
            make=_ema_pair_make,
            f32_ulps=1,
            out=True,
            bad=(
                *_ema_bads(name),
                Bad(
                    "shape mismatch",
                    lambda c: _last_shape(c, 1, -1),
                    ValueError,
                    (r"\ba\b", r"\bb\b", value_re(37), value_re(36)),
                ),
            ),
            **{**_ROWS, "arrays": (0, 1)},
        )
        for name in ("ema_cov", "ema_corr")
    ),
    # -- elementwise ------------------------------------------------------------
    Spec(
        "scale_and_shift",
        "elementwise",
        _scale_make,
        arrays=(0,),
        out=True,
        zero_d=True,
        f32_ulps=1,
        bad=(
            Bad(
                "scale not a number",
                lambda c: c.with_("scale", "x"),
                TypeError,
                ("scale_and_shift",),
            ),
        ),
    ),
    Spec(
        "circle_area",
        "elementwise",
        _circle_make,
        arrays=(0,),
        zero_d=True,
        f32_ulps=1,
        first_arg="r",
    ),
    Spec(
        "gaussian",
        "elementwise",
        _gauss_make,
        arrays=(0,),
        out=True,
        zero_d=True,
        f32_ulps=2,
        bad=_scalar_bads("sigma", [0.0, -1.0, float("nan"), float("inf")]),
    ),
    Spec(
        "polar_to_cartesian",
        "elementwise",
        _polar_make,
        arrays=(0, 1),
        zero_d=True,
        f32_ulps=2,
        first_arg="r",
        bad=(
            Bad(
                "shape mismatch",
                lambda c: _last_shape(c, 1, 1),
                ValueError,
                (r"\br\b", r"\btheta\b"),
            ),
        ),
    ),
    # -- geometry -------------------------------------------------------------------
    Spec(
        "distances",
        "geo",
        _distances_make,
        arrays=(0,),
        shapes=((20, 3), (40,)),
        big=((200_003, 3), (400_006,)),
        f32_ulps=1,
        first_arg="points",
        bad=(
            Bad(
                "odd flat length",
                lambda c: c.with_(0, np.arange(7.0)),
                ValueError,
                (r"\bpoints\b", value_re(7)),
            ),
        ),
    ),
    Spec(
        "haversine",
        "geo",
        _haversine_make,
        arrays=(0, 1, 2, 3),
        zero_d=True,
        f32_ulps=4,
        first_arg="lat1",
        bad=(
            Bad(
                "shape mismatch",
                lambda c: _last_shape(c, 2, 1),
                ValueError,
                (r"\blat1\b", r"\blat2\b"),
            ),
            *_scalar_bads("radius", [0.0, -1.0, float("nan")]),
        ),
    ),
    Spec(
        "nearest_k",
        "geo",
        _nearest_make,
        arrays=(2, 3),
        shapes=((50,),),
        f32_ulps=None,
        first_arg="lats",
        bad=(
            Bad("k < 1", lambda c: c.with_("k", 0), ValueError, arg_value("k", 0)),
            Bad("k > n", lambda c: c.with_("k", 51), ValueError, arg_value("k", 51)),
            Bad(
                "length mismatch",
                lambda c: _last_shape(c, 3, 1),
                ValueError,
                (r"\blats\b", r"\blons\b"),
            ),
            Bad(
                "lats 2-D",
                lambda c: c.with_(2, np.zeros((5, 10))),
                ValueError,
                (r"\blats\b",),
            ),
            *_scalar_bads("radius", [0.0, float("nan")]),
        ),
    ),
    Spec(
        "GeoIndex",
        "class",
        lambda rng, shape, dtype, axis: Call(
            (rng.uniform(-90, 90, 20), rng.uniform(-180, 180, 20))
        ),
        result="none",
        note="methods query/query_radius: tests_py/test_geo_index.py",
        bad=(
            Bad(
                "lat NaN",
                lambda c: c.with_(0, np.r_[np.nan, c.get(0)[1:]]),
                ValueError,
                (r"GeoIndex", r"lats\[0\]", r"\bnan\b"),
            ),
            Bad(
                "lat > 90",
                lambda c: c.with_(0, np.r_[91.0, c.get(0)[1:]]),
                ValueError,
                (r"GeoIndex", r"lats\[0\]", r"\b91\b"),
            ),
            Bad(
                "lon inf",
                lambda c: c.with_(1, np.r_[np.inf, c.get(1)[1:]]),
                ValueError,
                (r"GeoIndex", r"lons\[0\]", r"\binf\b"),
            ),
            Bad(
                "length mismatch",
                lambda c: c.with_(1, c.get(1)[:5]),
                ValueError,
                (r"\blats\b", r"\blons\b"),
            ),
            Bad(
                "lats 2-D",
                lambda c: c.with_(0, np.zeros((4, 5))),
                ValueError,
                (r"\blats\b", "1-D"),
            ),
            Bad(
                "lats complex",
                lambda c: c.with_(0, c.get(0).astype(complex)),
                TypeError,
                ("GeoIndex", "complex"),
            ),
        ),
    ),
    # -- image ------------------------------------------------------------------------
    Spec(
        "median_filter",
        "image",
        _median_make,
        arrays=(0,),
        result="keep",
        shapes=((9, 11),),
        f32_ulps=0,
        out=True,
        first_arg="image",
        bad=(
            Bad(
                "size < 1",
                lambda c: c.with_("size", 0),
                ValueError,
                arg_value("size", 0),
            ),
            Bad(
                "size negative",
                lambda c: c.with_("size", (3, -2)),
                ValueError,
                (r"\bsize\b", "-2"),
            ),
            Bad(
                "size not an int",
                lambda c: c.with_("size", 2.5),
                TypeError,
                (r"\bsize\b",),
            ),
            Bad(
                "unknown mode",
                lambda c: c.with_("mode", "bogus"),
                ValueError,
                (r"\bmode\b", "bogus"),
            ),
            Bad(
                "origin out of range",
                lambda c: c.with_("origin", 5),
                ValueError,
                arg_value("origin", 5),
            ),
            Bad(
                "unknown nan_policy",
                lambda c: c.with_("nan_policy", "bogus"),
                ValueError,
                (r"\bnan_policy\b", "bogus"),
            ),
            Bad(
                "empty footprint",
                lambda c: c.with_("size", None).with_(
                    "footprint", np.zeros((3, 3), bool)
                ),
                ValueError,
                (r"\bfootprint\b",),
            ),
        ),
    ),
    Spec(
        "rank_filter",
        "image",
        _rank_make,
        arrays=(0,),
        result="keep",
        shapes=((9, 11),),
        f32_ulps=0,
        out=True,
        first_arg="image",
        bad=(
            Bad(
                "rank out of range",
                lambda c: c.with_(1, 10**6),
                ValueError,
                (r"\brank\b", str(10**6)),
            ),
            Bad(
                "rank not an int",
                lambda c: c.with_(1, 1.5),
                TypeError,
                (r"\brank\b",),
            ),
            Bad(
                "size < 1",
                lambda c: c.with_("size", 0),
                ValueError,
                arg_value("size", 0),
            ),
        ),
    ),
    Spec(
        "percentile_filter",
        "image",
        _percentile_make,
        arrays=(0,),
        result="keep",
        shapes=((9, 11),),
        f32_ulps=0,
        out=True,
        first_arg="image",
        bad=(
            Bad(
                "percentile above 100",
                lambda c: c.with_(1, 150.0),
                ValueError,
                (r"\bpercentile\b", "150"),
            ),
            Bad(
                "size < 1",
                lambda c: c.with_("size", 0),
                ValueError,
                arg_value("size", 0),
            ),
        ),
    ),
]

BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}


# ---------------------------------------------------------------------------
# Wrong argument types → the exact message (API.md: TypeError naming the
# function, the argument and the type received; OverflowError naming the
# argument for an int that does not fit; never a message dumping the input).
# ---------------------------------------------------------------------------

_X = np.arange(10.0)
_IMG = np.arange(16.0).reshape(4, 4)


def _merge_bad() -> None:
    fastcpp.Accumulator().merge(3)  # type: ignore[arg-type]


BAD_TYPE_CALLS: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    (
        "move_mean(x, 2.0)",
        lambda: fastcpp.move_mean(_X, 2.0),
        TypeError,
        "move_mean: window must be an int, got float",
    ),
    (
        'move_mean(x, "3")',
        lambda: fastcpp.move_mean(_X, "3"),
        TypeError,
        "move_mean: window must be an int, got str",
    ),
    (
        "move_mean(x, 3, axis=None)",
        lambda: fastcpp.move_mean(_X, 3, axis=None),
        TypeError,
        "move_mean: axis must be an int, got None",
    ),
    (
        "move_std(x, 3, min_count=1.5)",
        lambda: fastcpp.move_std(_X, 3, min_count=1.5),
        TypeError,
        "move_std: min_count must be an int or None, got float",
    ),
    (
        "move_var(x, 3, ddof=0.5)",
        lambda: fastcpp.move_var(_X, 3, ddof=0.5),
        TypeError,
        "move_var: ddof must be an int, got float",
    ),
    (
        "move_sum(x, 2**70)",
        lambda: fastcpp.move_sum(_X, 2**70),
        OverflowError,
        "move_sum: window (=1180591620717411303424) does not fit in a 64-bit integer",
    ),
    (
        "move_mean(x)",
        lambda: fastcpp.move_mean(_X),
        TypeError,
        "move_mean() missing 1 required positional argument: 'window'",
    ),
    (
        "move_mean(x, 3, bogus=1)",
        lambda: fastcpp.move_mean(_X, 3, bogus=1),
        TypeError,
        "move_mean() got an unexpected keyword argument 'bogus'",
    ),
    (
        "move_mean(x, 3, None, -1, 0)",
        lambda: fastcpp.move_mean(_X, 3, None, -1, 0),
        TypeError,
        "move_mean() takes from 2 to 4 positional arguments but 5 were given",
    ),
    (
        "move_mean(x, 3, window=3)",
        lambda: fastcpp.move_mean(_X, 3, window=3),
        TypeError,
        "move_mean() got multiple values for argument 'window'",
    ),
    (
        "move_mean(x, 3, lengths=[5, True])",
        lambda: fastcpp.move_mean(_X, 3, lengths=[5, True]),
        TypeError,
        "move_mean: lengths[1] must be an int, got bool",
    ),
    (
        "move_sum(x, 3, lengths=(np.True_, 9))",
        lambda: fastcpp.move_sum(_X, 3, lengths=(np.True_, 9)),
        TypeError,
        "move_sum: lengths[0] must be an int, got numpy.bool",
    ),
    (
        "ema(x)",
        lambda: fastcpp.ema(_X),
        ValueError,
        "ema: one of alpha, span, halflife or com is required, got 0 of them",
    ),
    (
        "rolling_mean_std(x, 2.5)",
        lambda: fastcpp.rolling_mean_std(_X, 2.5),
        TypeError,
        "rolling_mean_std: window must be an int, got float",
    ),
    (
        'ema(x, "0.5")',
        lambda: fastcpp.ema(_X, "0.5"),
        TypeError,
        "ema: alpha must be a real number, got str",
    ),
    (
        'ema(x, .5, adjust="yes")',
        lambda: fastcpp.ema(_X, 0.5, adjust="yes"),
        TypeError,
        "ema: adjust must be a bool, got str",
    ),
    (
        "ema(x, 10**400)",
        lambda: fastcpp.ema(_X, 10**400),
        OverflowError,
        "ema: alpha (=10000000000000000000...00000000) is too large for a float",
    ),
    (
        'median_filter(img, "3")',
        lambda: fastcpp.median_filter(_IMG, "3"),
        TypeError,
        "median_filter: size must be an int or a sequence of ints, got str '3'",
    ),
    (
        "median_filter(img, 3, mode=1)",
        lambda: fastcpp.median_filter(_IMG, 3, mode=1),
        TypeError,
        "median_filter: mode must be a str, got int",
    ),
    (
        'scale_and_shift(x, "2")',
        lambda: fastcpp.scale_and_shift(_X, "2"),
        TypeError,
        "scale_and_shift: scale must be a real number, got str",
    ),
    (
        "gaussian(x, None)",
        lambda: fastcpp.gaussian(_X, None),
        TypeError,
        "gaussian: sigma must be a real number, got None",
    ),
    (
        "acc.merge(3)",
        _merge_bad,
        TypeError,
        "Accumulator.merge(): unsupported argument types (other: int)",
    ),
]


def all_with(pred: Callable[[Spec], bool]) -> list[Spec]:
    """Every spec (built or not) matching `pred`, for parametrisation with
    a skip for the ones not built yet (ids stay stable across branches)."""
    return [s for s in SPECS if pred(s)]


def array_specs() -> list[Spec]:
    return all_with(lambda s: s.make is not None and bool(s.arrays))


# ---------------------------------------------------------------------------
# Result comparison helpers
# ---------------------------------------------------------------------------


def parts(result) -> list:
    """A result as a list of comparable parts (arrays or Python scalars);
    an Accumulator becomes its statistics."""
    if isinstance(result, fastcpp.Accumulator):
        return [
            np.array(
                [
                    result.count,
                    result.total,
                    result.mean(),
                    result.variance(),
                    result.min,
                    result.max,
                    result.skewness(),
                    result.kurtosis(),
                ]
            )
        ]
    if isinstance(result, tuple):
        return list(result)
    return [result]


def same(x, y, *, rtol: float = 0.0) -> bool:
    """Equal as arrays with NaN == NaN (and equal dtype for arrays), within rtol."""
    px, py_ = parts(x), parts(y)
    if len(px) != len(py_):
        return False
    for a, b in zip(px, py_):
        if (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype != b.dtype
        ):
            return False
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if rtol == 0.0:
            if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                return False
        elif not np.allclose(
            a.astype(float), b.astype(float), rtol=rtol, atol=0, equal_nan=True
        ):
            return False
    return True
