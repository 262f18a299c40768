#!/usr/bin/env python3
"""Fuzz every public fastcpp function with random, mostly invalid, arguments.

The registry tests_py/api_spec.py says what the public functions are and how
a valid call looks; this harness starts from a valid call and then breaks it:
random shapes (0-d, empty, 1-3-D), every dtype (accepted and rejected,
byte-swapped), strides (steps, reversed, transposed, Fortran, misaligned,
zero-stride broadcasts, read-only), NaN/inf/huge/subnormal values, random
scalar arguments (negative, zero, 2**63, NaN, None, strings, lists), random
axis and out= (right, wrong dtype/shape, read-only, aliasing the input).

The only acceptable outcomes are a result or TypeError/ValueError (numpy's
AxisError is a ValueError); and when a call with out= raises, out must be
untouched. Anything else — another exception, a crash, a sanitizer report —
is a finding. Run it against an ASan/UBSan build (scripts/asan_pytest.sh
does) to turn memory errors into findings too.

Usage:
  python scripts/fuzz_api.py --seconds 60            # random driver (default)
  python scripts/fuzz_api.py --seconds 600 --seed 7  # longer, other seed
  python scripts/fuzz_api.py --replay 123456         # rerun one iteration
  python scripts/fuzz_api.py --atheris -- -max_total_time=600   # atheris (PyPI)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests_py"))

import fastcpp
from api_spec import BAD_DTYPES, OK_DTYPES, SPECS, Call, Spec

# OverflowError: an int too large for its argument's C type, naming it.
ALLOWED = (TypeError, ValueError, OverflowError)


class RandomSource:
    """Choices from random.Random (the plain driver)."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def prob(self) -> float:
        return self.r.random()

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]


class AtherisSource(RandomSource):
    """Choices consumed from atheris' FuzzedDataProvider (coverage-guided)."""

    def __init__(self, fdp):
        self.fdp = fdp

    def int(self, lo: int, hi: int) -> int:
        return self.fdp.ConsumeIntInRange(lo, hi)

    def prob(self) -> float:
        return self.fdp.ConsumeProbability()


DTYPES = [*OK_DTYPES, *BAD_DTYPES.values()]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-310, 1e30]
SCALARS = [
    0,
    1,
    2,
    3,
    5,
    -1,
    -2,
    7,
    100,
    2**31 + 1,
    2**63,
    -(2**63),
    0.5,
    2.5,
    -0.5,
    1.0,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e300,
    None,
    "x",
    "reflect",
    "",
    [1, 2],
    (3, 3),
    (0, 2),
    (2, -1),
    True,
    False,
    np.int64(3),
    np.float32(0.25),
    np.array([1.0, 2.0]),
    1 + 2j,
    b"3",
]


def gen_shape(src) -> tuple:
    nd = src.choice([0, 1, 1, 1, 2, 2, 3])
    dims = []
    for _ in range(nd):
        dims.append(
            src.choice([0, 1, 2, 3, 5, 7, 8, 17])
            if src.prob() < 0.9
            else src.int(100, 3000)
        )
    shape = tuple(dims)
    while np.prod(shape, dtype=np.int64) > 200_000:
        shape = shape[1:]
    return shape


def gen_values(src, shape, dtype) -> np.ndarray:
    return np.asarray(_gen_values(src, shape, dtype))


def _gen_values(src, shape, dtype):
    rng = np.random.default_rng(src.int(0, 2**31))
    d = np.dtype(dtype)
    if d.kind in "Mm":
        return rng.integers(-(10**9), 10**9, size=shape).astype(d)
    if d.kind == "b":
        return rng.random(shape) < 0.5
    if d.kind in "iu":
        info = np.iinfo(d)
        if src.prob() < 0.2:
            return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=d)
        return rng.integers(max(info.min, -50), 50, size=shape).astype(d)
    x = np.asarray(rng.standard_normal(shape)) * src.choice(
        [1.0, 10.0, 1e6, 1e-300, 1e300]
    )
    if src.prob() < 0.6 and x.size and x.ndim:
        flat = x.reshape(-1)
        k = src.int(1, max(1, flat.size))
        flat[rng.integers(0, flat.size, size=k)] = src.choice(SPECIAL)
    with np.errstate(all="ignore"):
        if d.kind in "US":
            return x.astype(d)
        if d.kind == "O":
            return x.astype(object)
        return x.astype(d)


def relayout(src, a: np.ndarray) -> np.ndarray:
    kind = src.int(0, 9)
    if a.ndim == 0 or kind == 0:
        return a
    if kind == 1:
        return np.repeat(a, 2, axis=-1)[..., ::2]
    if kind == 2:
        return a[..., ::-1]
    if kind == 3:
        return np.ascontiguousarray(a.T).T
    if kind == 4:
        return np.asfortranarray(a)
    if kind == 5 and a.dtype.kind not in "OUS":
        buf = np.zeros(a.nbytes + 1, np.uint8)
        m = buf[1:].view(a.dtype).reshape(a.shape)
        m[...] = a
        return m
    if kind == 6 and a.size:
        return np.broadcast_to(a.reshape(-1)[:1].reshape((1,) * a.ndim), a.shape)
    if kind == 7 and a.dtype.kind not in "OUSb":
        return a.astype(a.dtype.newbyteorder())
    if kind == 8:
        b = a.copy()
        b.flags.writeable = False
        return b
    return a


def gen_array(src) -> np.ndarray:
    return relayout(src, gen_values(src, gen_shape(src), src.choice(DTYPES)))


def gen_scalar(src):
    if src.prob() < 0.3:
        return src.int(-5, 60)
    return src.choice(SCALARS)


def gen_call(spec: Spec, src) -> Call:
    seed = src.int(0, 2**31)
    shape = src.choice(spec.shapes) if spec.arrays else None
    dtype = src.choice(OK_DTYPES) if src.prob() < 0.8 else src.choice(DTYPES)
    try:
        call = spec.make(np.random.default_rng(seed), shape, np.dtype(OK_DTYPES[0]), -1)
        if spec.arrays and dtype in OK_DTYPES:
            call = spec.make(np.random.default_rng(seed), shape, dtype, -1)
    except Exception:
        call = Call()
    r = src.prob()
    if r < 0.25 and spec.all_bads():
        bad = src.choice(spec.all_bads())
        if not bad.label.startswith("out"):
            try:
                return bad.mutate(call)
            except Exception:
                return call
    if r < 0.35:
        return call
    # Mutate a few arguments.
    keys: list = list(range(len(call.args))) + list(call.kwargs)
    for _ in range(src.int(1, 3)):
        if not keys:
            break
        key = src.choice(keys)
        value = call.get(key)
        if isinstance(value, np.ndarray) or (key in spec.arrays and src.prob() < 0.7):
            new = (
                gen_array(src)
                if src.prob() < 0.7
                else relayout(src, gen_values(src, np.shape(value), src.choice(DTYPES)))
            )
        else:
            new = gen_scalar(src)
        call = call.with_(key, new)
    if spec.axis and src.prob() < 0.3:
        call = call.with_("axis", src.int(-4, 3))
    if spec.out and src.prob() < 0.4:
        call = call.with_("out", gen_out(src, spec, call))
    return call


def gen_out(src, spec: Spec, call: Call):
    choice = src.int(0, 5)
    a = call.args[0] if call.args else None
    if choice == 0 and isinstance(a, np.ndarray):
        return a  # aliasing the input
    if choice == 1:
        return None
    if choice == 2:
        return [1.0, 2.0]
    if isinstance(a, np.ndarray):
        dt = src.choice([np.float64, np.float32, np.int64])
        o = np.zeros(a.shape if choice != 3 else (a.size + 1,), dt)
        if choice == 5:
            o.flags.writeable = False
        return o
    return np.zeros(3)


def functions() -> list[Spec]:
    return [s for s in SPECS if s.make is not None and s.present()]


class Finding(Exception):
    pass


OUTCOMES: dict[str, int] = {}


def _has(call: Call, key) -> bool:
    return key < len(call.args) if isinstance(key, int) else key in call.kwargs


def one(spec: Spec, call: Call) -> None:
    func = spec.func()
    out = call.kwargs.get("out")
    before = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
    threads = fastcpp.get_num_threads()
    rejected = [
        k
        for k in spec.arrays
        if _has(call, k)
        and isinstance(call.get(k), np.ndarray)
        and call.get(k).dtype.kind in "cOUSMmV"
    ]
    try:
        # A warning raised inside a call (e.g. numpy's ComplexWarning when a
        # complex input is cast) means a dtype slipped past the policy.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            call(func)
        OUTCOMES["result"] = OUTCOMES.get("result", 0) + 1
        if rejected:
            raise Finding(
                f"{spec.name}{call!r}: returned a result although {rejected} has a "
                "rejected dtype (API.md: TypeError)"
            )
    except ALLOWED as e:
        kind = type(e).__name__
        OUTCOMES[kind] = OUTCOMES.get(kind, 0) + 1
        if before is not None and out.tobytes() != before.tobytes():
            msg = f"{spec.name}{call!r}: out written although the call raised"
            raise Finding(msg) from e
    except RuntimeWarning as e:
        # NumPy's own warning for a Python float that overflows a float32 /
        # float16 argument (documented): raised as an error here, so the
        # call must have left out= untouched.
        if "overflow encountered" not in str(e):
            raise Finding(f"{spec.name}{call!r}: RuntimeWarning: {e}") from e
        OUTCOMES["RuntimeWarning"] = OUTCOMES.get("RuntimeWarning", 0) + 1
        if before is not None and out.tobytes() != before.tobytes():
            msg = f"{spec.name}{call!r}: out written although the call warned"
            raise Finding(msg) from e
    except Finding:
        raise
    except Exception as e:
        raise Finding(f"{spec.name}{call!r}: {type(e).__name__}: {e}") from e
    finally:
        if spec.name == "set_num_threads":
            fastcpp.set_num_threads(threads)


def iteration(src) -> None:
    specs = functions()
    spec = src.choice(specs)
    one(spec, gen_call(spec, src))


def run_random(seconds: float, seed: int, max_iters: int | None, quiet: bool) -> int:
    deadline = time.monotonic() + seconds
    i = 0
    per_func: dict[str, int] = {}
    while time.monotonic() < deadline and (max_iters is None or i < max_iters):
        it_seed = seed * 1_000_003 + i
        try:
            src = RandomSource(it_seed)
            specs = functions()
            spec = src.choice(specs)
            per_func[spec.name] = per_func.get(spec.name, 0) + 1
            one(spec, gen_call(spec, src))
        except Finding as f:
            print(f"FINDING at seed {it_seed} (replay: --replay {it_seed}):\n{f}")
            traceback.print_exc()
            return 1
        i += 1
    if not quiet:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(OUTCOMES.items()))
        print(
            f"fuzz_api: {i} calls in {seconds:.0f} s over {len(per_func)} functions, "
            f"no findings ({outcomes})"
        )
    return 0


def replay(it_seed: int) -> int:
    src = RandomSource(it_seed)
    spec = src.choice(functions())
    call = gen_call(spec, src)
    print(f"{spec.name}{call!r}")
    one(spec, call)
    print("ok")
    return 0


def run_atheris(argv: list[str]) -> int:
    import atheris

    def test_one_input(data: bytes) -> None:
        iteration(AtherisSource(atheris.FuzzedDataProvider(data)))

    # Coverage feedback from the Python side (this harness, api_spec, fastcpp's
    # Python glue); the C++ side is exercised but not instrumented here.
    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *argv], test_one_input)
    atheris.Fuzz()
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    p.add_argument("--max-iters", type=int)
    p.add_argument("--replay", type=int)
    p.add_argument(
        "--atheris",
        action="store_true",
        help="coverage-guided with atheris; libFuzzer flags after --",
    )
    p.add_argument("rest", nargs="*")
    args = p.parse_args()
    if args.replay is not None:
        return replay(args.replay)
    if args.atheris:
        return run_atheris(args.rest)
    return run_random(args.seconds, args.seed, args.max_iters, quiet=False)


if __name__ == "__main__":
    sys.exit(main())
