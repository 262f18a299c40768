"""API.md "Common rules for every array function", checked for every public
function in the registry (tests_py/api_spec.py). Functions not built on this
branch are skipped; a public name without a registry entry fails.

Rules covered here: dtype policy (float32 → float32, ints/bool computed as
float64, rejected dtype classes → TypeError naming function and dtype); any
strides / memory order / byte order; every bad input class → the documented
exception naming the argument and value; out= (exact dtype/shape/writable,
untouched on error, aliasing the input); reference counts of the inputs.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

import fastcpp
from api_spec import (
    BAD_TYPE_CALLS,
    BY_NAME,
    INT_DTYPES,
    OK_DTYPES,
    SPECS,
    Bad,
    Call,
    Spec,
    array_specs,
    parts,
    same,
)


def need(spec: Spec) -> None:
    if not spec.present():
        pytest.skip(f"{spec.name} is not built on this branch")


def rng_for(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(tuple(map(str, key))).encode()))


def ids(specs):
    return [s.name for s in specs]


ARRAY_SPECS = array_specs()
OUT_SPECS = [s for s in ARRAY_SPECS if s.out]


# ---------------------------------------------------------------------------
# The registry covers the whole public API
# ---------------------------------------------------------------------------


def test_every_public_name_has_a_spec():
    """A kernel added to fastcpp.__all__ (or exported by _core) without an
    entry in tests_py/api_spec.py fails here, so it cannot escape the
    common-rules machinery."""
    tops = {s.top for s in SPECS}
    missing = [n for n in fastcpp.__all__ if n not in tops]
    assert not missing, f"add these to tests_py/api_spec.py SPECS: {missing}"
    core_public = [n for n in dir(fastcpp._core) if not n.startswith("_")]
    missing_core = [n for n in core_public if n not in tops]
    assert not missing_core, f"_core exports without a spec: {missing_core}"
    not_exported = [n for n in core_public if n not in fastcpp.__all__]
    assert not not_exported, f"_core names missing from fastcpp.__all__: {not_exported}"


def test_all_names_exist():
    for name in fastcpp.__all__:
        assert hasattr(fastcpp, name), name


@pytest.mark.parametrize(
    "spec",
    [s for s in SPECS if "." not in s.name and s.kind not in ("other", "class")],
    ids=lambda s: s.name,
)
def test_signature_matches_spec(spec):
    """axis= and out= in the signature agree with the spec, so a kernel that
    gains out= later gets the out= tests."""
    need(spec)
    params = inspect.signature(spec.func()).parameters
    assert ("out" in params) == spec.out, params
    assert ("axis" in params) == spec.axis, params


def _public_callables():
    for name in fastcpp.__all__:
        obj = getattr(fastcpp, name)
        if callable(obj):
            yield name, obj
        if isinstance(obj, type):
            for attr in vars(obj):
                if not attr.startswith("_") and callable(getattr(obj, attr)):
                    yield f"{name}.{attr}", getattr(obj, attr)


PUBLIC_CALLABLES = dict(_public_callables())


@pytest.mark.parametrize("name", sorted(PUBLIC_CALLABLES))
def test_every_public_callable_has_a_signature(name):
    """inspect.signature works (IDEs, Jupyter, help()); methods name self, and
    a bound method drops it."""
    obj = PUBLIC_CALLABLES[name]
    sig = inspect.signature(obj)
    if "." in name:
        assert next(iter(sig.parameters)) == "self", sig
        if name.startswith("Accumulator."):
            bound = getattr(fastcpp.Accumulator(), name.split(".")[1])
            assert "self" not in inspect.signature(bound).parameters
    if not isinstance(obj, type) and name != "get_include" and name != "get_cmake_dir":
        # The docstring no longer repeats the signature, and is not empty.
        assert obj.__doc__
        assert not obj.__doc__.startswith(name.split(".")[-1] + "(")


def test_accumulator_signature():
    assert str(inspect.signature(fastcpp.Accumulator)) == "(initial=0.0)"
    assert str(inspect.signature(fastcpp.Accumulator().add)) == "(x, /)"
    assert str(inspect.signature(fastcpp.move_var)) == (
        "(a, window, min_count=None, axis=-1, ddof=0, *, center=False, out=None, "
        "lengths=None)"
    )


def test_move_stubs_follow_the_family_table():
    """Every move_* stub of _core.pyi says what the compiled function (built
    from the core's family table) takes: the same parameters, the same split
    into positional and keyword-only, the same defaults; and a parameter the
    members share is annotated alike in every stub (the stubs repeat the
    common block per member, so a change must reach all of them)."""
    import ast

    stub = ast.parse((Path(fastcpp.__file__).parent / "_core.pyi").read_text())
    stubs = {
        f.name: f
        for f in stub.body
        if isinstance(f, ast.FunctionDef) and f.name.startswith("move_")
    }
    assert sorted(stubs) == sorted(row[0] for row in fastcpp._core._move_family)
    spelled: dict[str, set[str]] = {}
    for name, f in stubs.items():
        params = inspect.signature(getattr(fastcpp, name)).parameters.values()
        kw_only = inspect.Parameter.KEYWORD_ONLY
        assert [a.arg for a in f.args.args] == [
            p.name for p in params if p.kind is not kw_only
        ], name
        assert [a.arg for a in f.args.kwonlyargs] == [
            p.name for p in params if p.kind is kw_only
        ], name
        defaults = [None] * (len(f.args.args) - len(f.args.defaults))
        defaults += [*f.args.defaults, *f.args.kw_defaults]
        for p, d in zip(params, defaults):
            if p.default is p.empty:
                assert d is None, (name, p.name)
            else:
                assert d is not None, (name, p.name)
                assert ast.literal_eval(d) == p.default, (name, p.name)
        for a in (*f.args.args, *f.args.kwonlyargs):
            assert a.annotation is not None, (name, a.arg)
            spelled.setdefault(a.arg, set()).add(ast.unparse(a.annotation))
    assert {p: s for p, s in spelled.items() if len(s) > 1} == {}


def test_dir_shows_public_names_only():
    assert dir(fastcpp) == sorted(fastcpp.__all__)


@pytest.mark.parametrize(
    ("label", "call", "exc", "message"),
    BAD_TYPE_CALLS,
    ids=[c[0] for c in BAD_TYPE_CALLS],
)
def test_bad_type_messages(label, call, exc, message):
    """A wrong argument type names the function, the argument and the type
    received (exact text), never pybind11's dump of the arguments."""
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message


# ---------------------------------------------------------------------------
# dtype policy
# ---------------------------------------------------------------------------


def _as(call: Call, spec: Spec, dtype) -> Call:
    for key in spec.arrays:
        call = call.with_(key, np.asarray(call.get(key)).astype(dtype))
    return call


def check_dtypes(spec: Spec, result, dtype) -> None:
    want = spec.expected_dtypes(dtype)
    got = parts(result) if spec.result != "accumulator" else [result]
    assert len(got) == len(want), (spec.name, result)
    for g, w in zip(got, want):
        if isinstance(w, type):
            assert type(g) is w, (spec.name, dtype, type(g), w)
        else:
            assert isinstance(g, np.ndarray), (spec.name, type(g))
            assert g.dtype == w, (spec.name, dtype, g.dtype, w)


def check_float16(spec: Spec, call: Call, result) -> None:
    """float16 input: the float64 computation on the same (exactly widened)
    values, rounded once to float16; median_filter selects exactly."""
    want = _as(call, spec, np.float64)(spec.func())
    if spec.result in ("scalar", "accumulator"):
        assert same(result, want), (spec.name, call)
        return
    got, ref = parts(result), parts(want)
    for g, r in zip(got, ref):
        if isinstance(r, np.ndarray) and r.dtype == np.float64:
            r = r.astype(np.float16)
        elif isinstance(r, float):
            r = float(np.float16(r))
        assert same(g, r), (spec.name, call, g, r)


@pytest.mark.parametrize("dtype", OK_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=ids(ARRAY_SPECS))
def test_dtype_policy(spec, dtype):
    """Output dtype by the policy; integer and bool input equal the float64
    computation (median_filter: keeps its dtype)."""
    need(spec)
    for shape in spec.shapes:
        call = spec.valid(rng_for(spec.name, dtype, shape), shape, dtype)
        result = call(spec.func())
        check_dtypes(spec, result, dtype)
        if dtype == np.float16:
            check_float16(spec, call, result)
        if np.dtype(dtype).kind in "iub" and spec.result not in ("keep",):
            as_f64 = _as(call, spec, np.float64)(spec.func())
            if spec.int_exact:
                assert float(result) == pytest.approx(float(as_f64), rel=1e-12)
            else:
                assert same(result, as_f64), (spec.name, call)


@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=ids(ARRAY_SPECS))
def test_python_lists_are_accepted(spec):
    need(spec)
    call = spec.valid(rng_for(spec.name, "list"))
    as_list = call
    for key in spec.arrays:
        as_list = as_list.with_(key, np.asarray(call.get(key)).tolist())
    assert same(as_list(spec.func()), call(spec.func()))


# ---------------------------------------------------------------------------
# Layouts: any strides, memory order, byte order; never misread
# ---------------------------------------------------------------------------

LAYOUTS = {
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "reversed": lambda a: np.ascontiguousarray(a[..., ::-1])[..., ::-1],
    "fortran": np.asfortranarray,
    "byteswapped": lambda a: a.astype(a.dtype.newbyteorder()),
    "misaligned": lambda a: _misaligned(a),
    "readonly": lambda a: _readonly(a),
}


def _misaligned(a: np.ndarray) -> np.ndarray:
    buf = np.zeros(a.nbytes + 1, np.uint8)
    m = buf[1:].view(a.dtype).reshape(a.shape)
    m[...] = a
    return m


def _readonly(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=ids(ARRAY_SPECS))
def test_layouts_are_read_correctly(spec, layout):
    need(spec)
    for dtype in (np.float64, np.float32, np.int32):
        for shape in spec.shapes:
            call = spec.valid(rng_for(spec.name, layout, shape), shape, dtype)
            want = call(spec.func())
            odd = call
            for key in spec.arrays:
                a = np.asarray(call.get(key))
                if a.ndim:
                    odd = odd.with_(key, LAYOUTS[layout](a))
            got = odd(spec.func())
            assert same(got, want, rtol=1e-13 if spec.reassoc else 0.0), (
                spec.name,
                layout,
                shape,
                dtype,
            )


@pytest.mark.parametrize(
    "spec", [s for s in ARRAY_SPECS if len(s.shapes[-1]) >= 2], ids=lambda s: s.name
)
def test_transposed_input(spec):
    """A transposed (non-contiguous N-D) input equals its C-ordered copy."""
    need(spec)
    shape = spec.shapes[-1]
    call = spec.valid(rng_for(spec.name, "T"), shape[::-1])
    t = call
    for key in spec.arrays:
        t = t.with_(key, np.ascontiguousarray(np.asarray(call.get(key)).T).T)
    assert same(t(spec.func()), call(spec.func()), rtol=1e-13 if spec.reassoc else 0.0)


# ---------------------------------------------------------------------------
# Bad inputs: generated from the registry
# ---------------------------------------------------------------------------

BAD_CASES = [(s, b) for s in SPECS if s.make is not None for b in s.all_bads()]


def _raises(spec: Spec, bad: Bad, call: Call) -> None:
    with pytest.raises(bad.exc) as info:
        call(spec.func())
    msg = str(info.value)
    if "axis" not in bad.label:  # numpy's AxisError text is numpy's
        assert spec.name.split(".")[-1] in msg, (
            f"{spec.name} [{bad.label}]: message {msg!r} does not name the function"
        )
    for frag in bad.match:
        assert re.search(frag, msg, re.IGNORECASE), (
            f"{spec.name} [{bad.label}]: message {msg!r} lacks {frag!r}"
        )


@pytest.mark.parametrize(
    ("spec", "bad"), BAD_CASES, ids=[f"{s.name}-{b.label}" for s, b in BAD_CASES]
)
def test_bad_input(spec, bad):
    """Every bad input class raises the documented exception whose message
    names the argument and its value (or the function and dtype); an out=
    passed along is left untouched."""
    need(spec)
    base = spec.valid(rng_for(spec.name, bad.label), bad.shape)
    call = bad.mutate(base)
    out = call.kwargs.get("out")
    if spec.out and out is None:
        # A valid out= on a bad call must not be written either.
        try:
            res = parts(base(spec.func()))[0]
        except Exception:
            res = None
        if isinstance(res, np.ndarray):
            out = np.full_like(res, 7)
            call = call.with_("out", out)
    before = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
    _raises(spec, bad, call)
    if before is not None:
        assert np.array_equal(out, before), f"{spec.name}: out written on error"


def test_bad_case_count():
    """The generated audit covers a lot of ground; guard against it silently
    shrinking (e.g. a registry refactor dropping the generated classes)."""
    assert len(BAD_CASES) > 300


# ---------------------------------------------------------------------------
# out=
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec", OUT_SPECS, ids=ids(OUT_SPECS))
def test_out_is_written_and_returned(spec, dtype):
    need(spec)
    for shape in spec.shapes:
        call = spec.valid(rng_for(spec.name, "out", shape), shape, dtype)
        want = call(spec.func())
        out = np.full_like(parts(want)[0], np.nan)
        got = call.with_("out", out)(spec.func())
        assert parts(got)[0] is out
        assert same(out, parts(want)[0])
        # A strided out (a view) is written through.
        big = np.full(
            (*out.shape[:-1], out.shape[-1] * 2) if out.ndim else (),
            np.nan,
            dtype=out.dtype,
        )
        view = big[..., ::2] if out.ndim else big
        call.with_("out", view)(spec.func())
        assert same(np.ascontiguousarray(view), parts(want)[0])


@pytest.mark.parametrize("spec", OUT_SPECS, ids=ids(OUT_SPECS))
def test_out_may_alias_the_input(spec):
    """out=a (in place) and out= overlapping a give the non-aliased answer."""
    need(spec)
    for dtype in (np.float64, np.float32):
        call = spec.valid(rng_for(spec.name, "alias"), spec.shapes[-1], dtype)
        a = call.get(spec.arrays[0])
        want = call(spec.func())
        got = call.with_("out", a)(spec.func())
        assert got is a
        assert same(a, parts(want)[0])
        # Overlapping but shifted views (1-D): computed aside, copied in.
        b = np.asarray(
            spec.valid(rng_for(spec.name, "shift"), (40,), dtype).get(spec.arrays[0])
        )
        c2 = spec.valid(rng_for(spec.name, "shift"), (40,), dtype).with_(
            spec.arrays[0], b[1:]
        )
        for key in spec.arrays[1:]:  # other array inputs: the same length
            c2 = c2.with_(key, np.asarray(c2.get(key))[1:])
        want2 = c2(spec.func())
        c2.with_("out", b[:-1])(spec.func())
        assert same(b[:-1].copy(), parts(want2)[0])


def test_out_overlap_found_for_any_strides():
    """Whether out= may be written directly is decided by the byte ranges the
    two views span (numpy.may_share_memory's bounds test, done in C++):
    views of one buffer with negative, strided and 2-D steps, each call
    equal to the call on a copy."""
    rng = np.random.default_rng(41)

    def view(base):
        if rng.random() < 0.5:
            return base[int(rng.integers(0, 64)) :: int(rng.choice([-3, -1, 1, 2]))]
        grid = base[:60].reshape(6, 10)
        return grid[:: int(rng.choice([1, -1, 2])), :: int(rng.choice([1, -1, 3]))]

    for _ in range(400):
        base = rng.standard_normal(64)
        a, o = view(base), view(base)
        if a.shape != o.shape:
            if a.ndim != 1 or o.ndim != 1:
                continue
            k = min(a.size, o.size)
            a, o = a[:k], o[:k]
        want = fastcpp.scale_and_shift(a.copy(), 2.0, 1.0)
        fastcpp.scale_and_shift(a, 2.0, 1.0, out=o)
        assert np.array_equal(o, want)
        if a.shape[-1] >= 2:
            want = fastcpp.move_mean(a.copy(), 2, 1)
            fastcpp.move_mean(a, 2, 1, out=o)
            assert np.array_equal(o, want, equal_nan=True)


# ---------------------------------------------------------------------------
# Reference counts: a call never leaks or steals a reference to its inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=ids(ARRAY_SPECS))
def test_refcounts_unchanged(spec):
    need(spec)
    rng = rng_for(spec.name, "ref")
    calls = [
        spec.valid(rng, shape, dt)
        for shape in spec.shapes
        for dt in (np.float64, np.float32, np.int16)
    ]
    calls += [
        b.mutate(spec.valid(rng))
        for b in spec.all_bads()
        if not b.label.startswith("out")
    ]
    for call in calls:
        arrays = call.arrays()
        before = [sys.getrefcount(a) for a in arrays]
        for _ in range(3):
            try:
                r = call(spec.func())
                del r
            except (TypeError, ValueError):
                pass
        after = [sys.getrefcount(a) for a in arrays]
        assert before == after, (spec.name, call)


def test_refcounts_accumulator_methods():
    acc = fastcpp.Accumulator()
    x = np.arange(10.0)
    other = fastcpp.Accumulator()
    before = (sys.getrefcount(x), sys.getrefcount(other), sys.getrefcount(acc))
    for _ in range(5):
        acc.add_many(x)
        acc.merge(other)
        acc += other
        _ = acc + other
        del _
        with pytest.raises(TypeError):
            acc.add_many(x.astype(complex))
        with pytest.raises(TypeError):
            acc.merge(x)
    assert (sys.getrefcount(x), sys.getrefcount(other), sys.getrefcount(acc)) == before


# ---------------------------------------------------------------------------
# NaN / inf and empty inputs: a result, never a crash or a foreign exception
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=ids(ARRAY_SPECS))
def test_nonfinite_inputs_give_results(spec):
    need(spec)
    rng = rng_for(spec.name, "nan")
    for shape in spec.shapes:
        for dtype in (np.float64, np.float32):
            call = spec.valid(rng, shape, dtype)
            for fill in (np.nan, np.inf, -np.inf, 1e308, 5e-324):
                c = call
                with np.errstate(all="ignore"):
                    for key in spec.arrays:
                        a = np.array(call.get(key), copy=True)
                        flat = a.reshape(-1)
                        flat[rng.random(flat.size) < 0.3] = fill
                        c = c.with_(key, a)
                    c(spec.func())


@pytest.mark.parametrize(
    "state",
    [
        (1, 2),
        tuple("abcdefghij"),
        (-5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (2**70, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    ],
    ids=["short", "strings", "negative-count", "float-count", "huge-count"],
)
def test_accumulator_rejects_corrupt_pickle_state(state):
    """A tampered pickle gives ValueError (it gave RuntimeError for
    non-numbers and accepted a negative count)."""
    acc = fastcpp.Accumulator.__new__(fastcpp.Accumulator)
    with pytest.raises(ValueError, match="invalid pickle state"):
        acc.__setstate__(state)


def test_registry_names_are_unique():
    assert len(BY_NAME) == len(SPECS)


def test_int_dtypes_listed():
    assert len(INT_DTYPES) == 8


# ---------------------------------------------------------------------------
# The audit table and the fuzzer
# ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _load(script: str):
    path = ROOT / "scripts" / script
    if not path.exists():
        pytest.skip(f"{path} not in this tree")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bad_inputs_doc_is_current():
    """docs/bad_inputs.md is generated from the registry; regenerate with
    python scripts/bad_inputs_table.py --write."""
    table = _load("bad_inputs_table.py")
    assert table.DOC.read_text() == table.render(), (
        "docs/bad_inputs.md is stale: python scripts/bad_inputs_table.py --write"
    )


def test_fuzz_smoke():
    """A few seconds of scripts/fuzz_api.py (the test command runs it for
    longer): results or TypeError/ValueError only, out= untouched on error."""
    fuzz = _load("fuzz_api.py")
    n = fastcpp.get_num_threads()
    try:
        assert fuzz.run_random(3.0, seed=12345, max_iters=20_000, quiet=True) == 0
    finally:
        fastcpp.set_num_threads(n)


def test_python_float_overflowing_float32_warns_as_numpy():
    """A Python float scale that float32 cannot hold: NumPy casts it to the
    array's dtype and warns; fastcpp computes in double, gives the same inf
    and the same warning, before writing anything."""
    a = np.ones(3, np.float32)
    with pytest.warns(RuntimeWarning, match="overflow encountered in cast"):
        want = a * 1e300
    with pytest.warns(RuntimeWarning, match="overflow encountered in cast"):
        got = fastcpp.scale_and_shift(a, 1e300)
    np.testing.assert_array_equal(got, want)
    out = np.zeros(3, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            fastcpp.scale_and_shift(a, 2.0, -1e39, out=out)
        assert not out.any()  # an error filter stops the call before it writes
        fastcpp.scale_and_shift(np.ones(3), 1e300)  # float64: fits, no warning
        fastcpp.scale_and_shift(a, 3.4e38)  # rounds to a finite float32
