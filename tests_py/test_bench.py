"""The benchmark tool: CLI end to end, JSON schema, plot, honesty checks.

No timing assertions: only that the tool runs, reports, flags wrong answers
and skips what is missing. Everything runs at the hidden ``--tiny`` sizes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import fastcpp
from fastcpp.bench import cli, peers, plot, report, scaling, simd, workloads
from fastcpp.bench.checks import close, exact
from fastcpp.bench.model import (
    REFERENCE,
    SCALING_N,
    Case,
    Contender,
    Result,
    Workload,
)
from fastcpp.bench.timing import Plan, measure

RESULT_KEYS = {"workload", "contender", "seconds", "repeats", "ok", "note"}
CHEAP = ["sum", "accumulator_add_many"]


def _env() -> dict[str, str]:
    """The child imports the same fastcpp as this process (dev build or wheel)."""
    env = dict(os.environ)
    root = str(Path(fastcpp.__file__).absolute().parent.parent)  # no resolve: symlinks
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    return env


def _check_schema(doc: dict) -> None:
    assert set(doc) >= {"machine", "results", "config", "workloads", "skipped"}
    machine = doc["machine"]
    assert {
        "cpu",
        "cores_usable",
        "fastcpp_simd",
        "cpu_simd_max",
        "blas",
        "peers",
    } <= set(machine)
    assert machine["fastcpp_simd"] == simd.in_use()
    assert machine["cpu_simd_max"] in (*simd.LEVELS, None)
    assert {"mode", "scaling", "simd_requested", "threads"} <= set(doc["config"])
    for r in doc["results"]:
        assert RESULT_KEYS <= set(r)
        assert r["ok"] in (True, False, None)
        assert r["seconds"] is None or r["seconds"] > 0
        assert isinstance(r["repeats"], int)
        assert isinstance(r["note"], str)


def test_cli_end_to_end(tmp_path):
    pytest.importorskip("matplotlib")
    out_json, out_png = tmp_path / "bench.json", tmp_path / "bench.png"
    cmd = [
        sys.executable,
        "-m",
        "fastcpp",
        "bench",
        "--quick",
        "--tiny",
        "--no-progress",
        "--only",
        *CHEAP,
        "--json",
        str(out_json),
        "--plot",
        str(out_png),
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, env=_env(), timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "fastcpp / best peer" in done.stdout
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    _check_schema(doc)
    assert {r["workload"] for r in doc["results"]} == set(CHEAP)
    fast = [r for r in doc["results"] if r["contender"] == "fastcpp"]
    assert len(fast) == 2
    assert all(r["ok"] is True and r["seconds"] > 0 for r in fast)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_list_names_every_workload(capsys):
    assert cli.main(["--list"]) == 0
    listed = capsys.readouterr().out
    for w in workloads.ALL:
        assert w.name in listed


def test_unknown_only_is_exit_2(capsys):
    assert cli.main(["--only", "no_such_workload", "--tiny"]) == 2
    err = capsys.readouterr().err
    assert "no_such_workload" in err
    assert "median_filter_uint8_3" in err  # the message lists the choices


@pytest.mark.parametrize("bad", [["--threads", "0"], ["--repeats", "0"]])
def test_bad_numbers_are_exit_2(bad, capsys):
    assert cli.main([*bad, "--tiny", "--only", "sum"]) == 2
    assert bad[0] in capsys.readouterr().err


def test_plot_without_matplotlib_is_exit_2_before_running(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(plot, "available", lambda: False)
    code = cli.main(["--tiny", "--only", "sum", "--plot", str(tmp_path / "x.png")])
    assert code == 2
    captured = capsys.readouterr()
    assert "matplotlib" in captured.err
    assert "sum" not in captured.out  # nothing was timed
    assert not (tmp_path / "x.png").exists()


def test_select_exact_prefix_and_commas():
    names = lambda ws: [w.name for w in ws]  # noqa: E731
    assert names(workloads.select(["sum"])) == ["sum"]  # exact beats prefix
    assert len(workloads.select(["median_filter_uint8"])) == 3
    assert names(workloads.select(["dot,norm"])) == ["dot", "norm"]
    assert names(workloads.select(["norm", "dot"])) == ["dot", "norm"]  # table order
    assert len(workloads.select(None)) == len(workloads.ALL)
    with pytest.raises(ValueError, match="'nope' matches no workload"):
        workloads.select(["nope"])


def test_missing_fastcpp_function_skips_workload(monkeypatch, tmp_path):
    fake = Workload(
        "fake",
        "needs a function fastcpp lacks",
        ("no_such_kernel",),
        lambda mode: pytest.fail("must not be built"),
    )
    monkeypatch.setattr(workloads, "ALL", [*workloads.ALL, fake])
    out = tmp_path / "b.json"
    code = cli.main(
        ["--tiny", "--no-progress", "--only", "fake", "sum", "--json", str(out)]
    )
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["skipped"] == [
        {"workload": "fake", "note": "fastcpp.no_such_kernel not available"}
    ]
    assert {r["workload"] for r in doc["results"]} == {"sum"}


def test_missing_peer_is_a_note(monkeypatch):
    monkeypatch.setitem(peers._cache, "bottleneck", None)
    case = workloads.reductions.build_sum("tiny")
    assert "bottleneck not installed: skipped" in case.notes
    assert "bottleneck" not in [c.name for c in case.contenders]


def _case(*contenders: Contender) -> Case:
    return Case("n=3", np.array([1.0, 2.0, 3.0]), list(contenders), close(rtol=1e-12))


TINY_PLAN = Plan(repeats=3, min_repeats=3, min_sample=0.0, budget=0.0)
TOY = Workload("toy", "toy", (), lambda mode: None)  # type: ignore[arg-type, return-value]


def test_wrong_answer_is_flagged_and_never_the_best_peer():
    right = np.array([1.0, 2.0, 3.0])
    case = _case(
        Contender("pure python", lambda: [1.0, 2.0, 3.0], role="python"),
        Contender("cheater", lambda: np.zeros(3)),  # instant and wrong
        Contender("honest", lambda: right.copy()),
        Contender("fastcpp", lambda: right.copy(), role="fastcpp"),
    )
    rows = {
        r.contender: r for r in report.results_for(TOY, case, measure(case, TINY_PLAN))
    }
    assert rows["cheater"].ok is False
    assert "relative error" in rows["cheater"].note
    assert rows["cheater"].speedup_vs_python is None
    assert rows["honest"].ok is True
    assert rows["fastcpp"].best_peer == "honest"
    assert rows["fastcpp"].ratio_vs_best_peer is not None
    assert "WRONG" in report.table(list(rows.values()), {})


def test_failing_contender_is_reported_not_raised():
    def boom():
        raise RuntimeError("peer exploded")

    case = _case(
        Contender("broken", boom), Contender("numpy", lambda: np.arange(1.0, 4.0))
    )
    rows = report.results_for(TOY, case, measure(case, TINY_PLAN))
    broken = rows[0]
    assert broken.ok is False
    assert broken.seconds is None
    assert "RuntimeError: peer exploded" in broken.note
    assert rows[1].ok is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/task")
def test_timing_sees_a_running_thread():
    """The wait before each sample sees another thread of the process that is
    running (as a peer's spinning thread pool would be)."""
    from fastcpp.bench import timing

    started = threading.Event()

    def work() -> None:
        started.set()
        hashlib.sha256(bytes(64 << 20)).digest()  # releases the GIL: stays running

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    seen = False
    while t.is_alive() and not seen:
        seen = timing._other_threads_running()
    t.join()
    assert seen
    timing._settle(0.01)  # returns within its limit whatever runs


def test_timing_interleaves_contenders_and_excludes_compile():
    calls: list[str] = []

    def make(name):
        def run():
            calls.append(name)
            return np.array([1.0, 2.0, 3.0])

        return run

    compiled: list[str] = []
    case = _case(
        Contender("a", make("a")),
        Contender("b", make("b"), compile=lambda: compiled.append("b")),
    )
    timings = measure(case, TINY_PLAN)
    assert compiled == ["b"]  # JIT warm-up once, before the timed calls
    assert timings[1].compile_seconds is not None
    assert timings[0].compile_seconds is None
    # warm-up a, b; then 3 rounds with rotated order
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert all(len(t.samples) == 3 for t in timings)


def test_scale_and_own_expected_for_pure_python():
    case = _case(
        Contender(
            "pure python",
            lambda: [1.0],
            role="python",
            expected=np.array([1.0]),
            scale=1000.0,
        ),
    )
    (t,) = measure(case, TINY_PLAN)
    assert t.ok is True
    assert t.seconds == pytest.approx(1000.0 * np.median(t.samples))


def test_checks():
    assert close()(3, 3)[0]
    ok, why = close()(3, 4)
    assert not ok
    assert "exact" in why
    assert close(rtol=1e-9)(
        (np.array([1.0, np.nan]), 2.0), (np.array([1.0, np.nan]), 2.0)
    )[0]
    assert not close()(np.zeros(3), np.zeros(4))[0]
    assert not close()((1.0,), (1.0, 2.0))[0]
    u8 = np.array([1, 2], dtype=np.uint8)
    assert exact()(u8, u8.copy())[0]
    assert not exact()(u8.astype(np.float32), u8)[0]  # dtype must match


@pytest.mark.parametrize(
    "w", [w for w in workloads.ALL if w.build is not None], ids=lambda w: w.name
)
def test_every_workload_reference_agrees_with_numpy_and_python(w):
    """The bench's own references and pure-Python/NumPy versions agree at tiny
    sizes (fastcpp and JIT contenders are not called here)."""
    try:  # built even when fastcpp lacks the function: the references count
        with np.errstate(all="ignore"):
            case = w.build("tiny")
    except Exception as exc:  # a builder that needs fastcpp (GeoIndex)
        if not cli.unavailable(w):
            raise
        pytest.skip(f"{cli.unavailable(w)}: {exc!r}")
    assert case.size
    roles = {c.role for c in case.contenders}
    assert "fastcpp" in roles
    for c in case.contenders:
        if c.role in ("fastcpp", "floor") or c.compile is not None:
            continue
        if c.role == "peer":
            continue  # optional libraries: exercised by the CLI run
        expected = case.reference if c.expected is REFERENCE else c.expected
        ok, why = case.compare(c.run(), expected)
        assert ok, f"{w.name} / {c.name}: {why}"


def test_threads_option_sets_fastcpp_threads(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)  # restored afterwards
    numba = sys.modules.get("numba")
    before = fastcpp.get_num_threads()
    numba_before = numba.get_num_threads() if numba else None
    out = tmp_path / "t.json"
    try:
        args = ["--tiny", "--no-progress", "--threads", "1", "--only", "dot"]
        assert cli.main([*args, "--json", str(out)]) == 0
        assert fastcpp.get_num_threads() == 1
        if numba:
            assert numba.get_num_threads() == 1
    finally:
        fastcpp.set_num_threads(before)
        if numba:
            numba.set_num_threads(numba_before)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["config"]["threads"] == 1
    assert doc["config"]["argv"][:2] == ["--tiny", "--no-progress"]


# --- --simd ---------------------------------------------------------------------
def _run_cli(*args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "fastcpp", "bench", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=300,
        check=False,
    )


def test_simd_baseline_runs_in_a_child_and_is_reported(tmp_path):
    out = tmp_path / "b.json"
    env = _env()
    env.pop(simd.ENV, None)
    done = _run_cli(
        "--simd", "baseline", "--tiny", "--no-progress", "--only", "sum",
        "--json", str(out), env=env,
    )  # fmt: skip
    if not hasattr(fastcpp, "simd_level"):  # before FASTCPP_SIMD exists
        assert done.returncode == 2
        assert "this build cannot" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert "SIMD baseline" in done.stdout
    assert "--simd baseline" in done.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["machine"]["fastcpp_simd"] == "baseline"
    assert doc["machine"]["simd_env"] == "baseline"
    assert doc["config"]["simd_requested"] == "baseline"
    assert doc["machine"]["cpu_simd_max"] == simd.cpu_max()


def test_simd_above_the_cpu_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(simd, "cpu_max", lambda: "x86-64-v2")
    assert cli.main(["--simd", "x86-64-v3", "--tiny", "--only", "sum"]) == 2
    err = capsys.readouterr().err
    assert "above what this CPU runs" in err
    assert "x86-64-v2" in err


def test_simd_unknown_level_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--simd", "avx9000", "--tiny"])
    assert exc.value.code == 2
    assert "baseline" in capsys.readouterr().err  # argparse lists the choices


def test_simd_verify_catches_a_level_not_taken(monkeypatch):
    monkeypatch.setattr(fastcpp, "simd_level", lambda: "x86-64-v4", raising=False)
    error, _ = simd.verify("baseline")
    assert "runs x86-64-v4" in (error or "")
    assert simd.verify("x86-64-v4") == (None, None)
    # a level without a code path of its own runs the one below: a note
    monkeypatch.setattr(fastcpp, "simd_level", lambda: "baseline", raising=False)
    error, note = simd.verify("x86-64-v2")
    assert error is None
    assert "runs baseline" in (note or "")


def test_cpu_max_reads_the_flags(monkeypatch):
    monkeypatch.setattr(simd.platform, "machine", lambda: "x86_64")
    v3 = set().union(simd._FLAGS["x86-64-v2"], simd._FLAGS["x86-64-v3"])
    monkeypatch.setattr(simd, "_cpu_flags", lambda: v3)
    assert simd.cpu_max_from_flags() == "x86-64-v3"
    monkeypatch.setattr(simd, "_cpu_flags", lambda: set())
    assert simd.cpu_max_from_flags() == "baseline"
    monkeypatch.setattr(simd.platform, "machine", lambda: "aarch64")
    assert simd.cpu_max_from_flags() is None


def test_cpu_max_agrees_with_the_flags_here():
    if simd.cpu_max_from_flags() is None:
        pytest.skip("not Linux x86-64")
    # fastcpp may be stricter (OS support for AVX-512 state), never looser
    assert simd.LEVELS.index(simd.cpu_max()) <= simd.LEVELS.index(
        simd.cpu_max_from_flags()
    )


# --- --scaling ------------------------------------------------------------------
def test_scaling_quick_end_to_end(tmp_path):
    pytest.importorskip("matplotlib")
    out_json, out_png = tmp_path / "s.json", tmp_path / "s.png"
    done = _run_cli(
        "--scaling", "--tiny", "--no-progress",
        "--only", "sum", "move_mean", "median_filter_sizes_uint8", "gaussian",
        "--json", str(out_json), "--plot", str(out_png),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(scaling)" in done.stdout
    assert "per elem" in done.stdout
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    _check_schema(doc)
    assert doc["config"]["scaling"] is True
    fast = [r for r in doc["results"] if r["role"] == "fastcpp"]
    by_name: dict[str, list] = {}
    for r in fast:
        by_name.setdefault(r["workload"], []).append(r)
    assert set(by_name) == {"sum", "move_mean", "median_filter_sizes_uint8", "gaussian"}
    assert [r["n"] for r in by_name["sum"]] == [10, 100, 1000]
    assert [r["sweep"] for r in by_name["median_filter_sizes_uint8"]] == [3, 4, 5]
    assert all(r["ok"] is True for r in fast)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scaling_skips_workloads_without_a_size_axis(tmp_path):
    out = tmp_path / "s.json"
    code = cli.main(
        ["--scaling", "--tiny", "--no-progress", "--only", "sum_of_squares", "dot",
         "--json", str(out)]
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {"workload": "sum_of_squares", "note": scaling.NO_AXIS} in doc["skipped"]
    assert {r["workload"] for r in doc["results"]} == {"dot"}


def test_scaling_sizes_are_the_documented_ones():
    assert SCALING_N.full == (10, 100, 1000, 10**4, 10**5, 10**6, 10**7)
    sweep = workloads.select(["median_filter_sizes_float32"])[0]
    assert scaling.sizes_of(sweep, "full") == tuple(range(3, 26))
    # every size-axis workload has a sweep; scaling-only ones are not in the main run
    assert sweep.build is None
    names = {w.name for w in workloads.ALL if w.scaling is not None}
    assert {
        "sum",
        "move_mean",
        "ema",
        "haversine",
        "median_filter_sizes_uint8",
    } <= names


# --- the per-call section, the bandwidth row, hooks -------------------------------
def _result(workload: str, ratio: float | None, floor: float | None = None) -> Result:
    return Result(
        workload=workload, title="t", size="s", contender="fastcpp", role="fastcpp",
        seconds=1e-6, repeats=1, number=1, ok=True, section="per-call",
        ratio_vs_best_peer=ratio, best_peer="bottleneck" if ratio else None,
        ratio_vs_floor=floor,
    )  # fmt: skip


def test_per_call_matrix():
    text = report.per_call_matrix(
        [
            _result("percall_move_mean_10", 2.5),
            _result("percall_move_mean_100", 1.25),
            _result("percall_sum_10", 0.5),
            _result("percall_accumulator_add_1000", None, floor=1.5),
        ]
    )
    lines = text.splitlines()
    assert "n=10" in lines[2]
    assert "n=100" in lines[2]
    assert "n=1000" in lines[2]
    mean = next(x for x in lines if x.strip().startswith("move_mean"))
    assert "2.50 (1 µs)" in mean
    assert "1.25 (1 µs)" in mean
    assert "bottleneck" in mean
    assert "call floor" in next(x for x in lines if "accumulator_add" in x)


def test_per_call_rows_cover_every_move_member():
    names = {w.name for w in workloads.ALL if w.section == "per-call"}
    for row in workloads.moving.MOVES:
        for n in (10, 100, 1000):
            assert f"percall_{row.name}_{n}" in names
    assert {"percall_sum_10", "percall_dot_10", "percall_norm_10"} <= names
    assert {"percall_haversine_10", "percall_accumulator_add_1000"} <= names


def test_bandwidth_row_skipped_without_plain_sum(monkeypatch, tmp_path):
    monkeypatch.delattr(fastcpp._core, "_plain_sum", raising=False)
    out = tmp_path / "b.json"
    args = ["--tiny", "--no-progress", "--only", "memory_bandwidth", "sum"]
    assert cli.main([*args, "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["skipped"] == [
        {
            "workload": "memory_bandwidth",
            "note": "fastcpp._core._plain_sum not available",
        }
    ]
    (described,) = doc["workloads"]
    assert any("_plain_sum" in n for n in described["notes"])


def test_bandwidth_floor_and_gb_per_s(monkeypatch, tmp_path):
    monkeypatch.setattr(
        fastcpp._core, "_plain_sum", lambda a: float(np.sum(a)), raising=False
    )
    out = tmp_path / "b.json"
    args = ["--tiny", "--no-progress", "--only", "memory_bandwidth", "sum"]
    assert cli.main([*args, "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["skipped"] == []
    rows = {(r["workload"], r["contender"]): r for r in doc["results"]}
    assert rows[("memory_bandwidth", "fastcpp")]["gb_per_s"] > 0
    assert rows[("sum", "memory bandwidth")]["role"] == "floor"
    assert rows[("sum", "fastcpp")]["ratio_vs_floor"] > 0


def test_probe_skips_with_its_note(monkeypatch, tmp_path):
    fake = Workload(
        "fake", "needs an option", ("sum",), lambda mode: pytest.fail("not built"),
        probe=lambda: "fastcpp.sum has no frobnicate= yet",
    )  # fmt: skip
    monkeypatch.setattr(workloads, "ALL", [*workloads.ALL, fake])
    out = tmp_path / "b.json"
    assert (
        cli.main(["--tiny", "--no-progress", "--only", "fake", "--json", str(out)]) == 0
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["skipped"] == [
        {"workload": "fake", "note": "fastcpp.sum has no frobnicate= yet"}
    ]


def test_a_move_row_is_one_table_entry(monkeypatch):
    """Adding a member = one Move row: main workload, per-call rows, scaling."""
    from fastcpp.bench.workloads import moving

    row = moving.Move(
        "move_sum", "rolling sum again", lambda v: v.sum(axis=1), sum,
        (moving.bottleneck("move_sum"),),
    )  # fmt: skip
    case = moving.build_main(row)("tiny")
    assert [c.role for c in case.contenders][:3] == ["python", "numpy", "fastcpp"]
    got = case.contenders[2].run()
    assert case.compare(got, case.reference)[0]
    big = moving.build_scaling(row)(moving.REF_MAX * 2, "tiny")
    if peers.get("bottleneck") is not None:
        assert "reference: bottleneck" in big.notes[0]
        assert big.compare(big.contenders[0].run(), big.reference)[0]
    small = moving.build_percall(row, 10)("tiny")
    assert small.n == 10


def test_polars_rows_in_the_json(tmp_path):
    pytest.importorskip("polars")
    out = tmp_path / "b.json"
    args = ["--tiny", "--no-progress", "--only", "move_mean", "ema", "--json", str(out)]
    assert cli.main(args) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    pl = [r for r in doc["results"] if r["contender"] == "polars"]
    assert {r["workload"] for r in pl} == {"move_mean", "ema"}
    assert all(r["ok"] is True for r in pl)


def test_convert_runs_untimed_before_the_check():
    case = _case(
        Contender(
            "lib", lambda: [3.0, 2.0, 1.0], convert=lambda got: np.array(got[::-1])
        ),
    )
    (t,) = measure(case, TINY_PLAN)
    assert t.ok is True


def test_peer_labels_have_versions():
    v = peers.versions()
    for label in ("polars", "coreforecast", "crick", "river", "xsum", "scikit-image"):
        assert label in v


# --- the references of the families that have not landed are right ----------------
@pytest.mark.parametrize("name", ["move_skew", "move_kurt", "move_quantile"])
def test_move_references_against_scipy_numpy(name):
    stats = pytest.importorskip("scipy.stats")
    from fastcpp.bench.workloads import moving

    row = next(r for r in moving.MOVES if r.name == name)
    a = np.random.default_rng(1).random(300)
    w = row.window if row.window < 300 else 100
    ref = moving.reference(row, (a,), w)
    windows = np.lib.stride_tricks.sliding_window_view(a, w)
    oracle = {
        "move_skew": lambda: stats.skew(windows, axis=1, bias=True),
        "move_kurt": lambda: stats.kurtosis(windows, axis=1, bias=True),
        "move_quantile": lambda: np.nanquantile(windows, row.kwargs["q"], axis=1),
    }[name]()
    np.testing.assert_allclose(ref[w - 1 :], oracle, rtol=1e-10)
    assert np.isnan(ref[: w - 1]).all()


def test_move_corr_reference_against_numpy():
    from fastcpp.bench.workloads import moving

    row = next(r for r in moving.MOVES if r.name == "move_corr")
    g = np.random.default_rng(2)
    a, b = g.random(120), g.random(120)
    ref = moving.reference(row, (a, b), 20)
    for i in (19, 57, 119):
        want = np.corrcoef(a[i - 19 : i + 1], b[i - 19 : i + 1])[0, 1]
        assert ref[i] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("row_name", [r.name for r in workloads.moving.MOVES])
def test_every_installed_move_peer_agrees_with_the_reference(row_name):
    """The peers (and their documented variants: ddof=1, bias=False, rank 1…w)
    give the reference's answer; JIT peers are left to the CLI run."""
    from fastcpp.bench.workloads import moving

    row = next(r for r in moving.MOVES if r.name == row_name)
    w = min(row.window, 30)
    args = tuple(np.random.default_rng(3).random(200) for _ in range(row.inputs))
    ref = moving.reference(row, args, w)
    notes: list[str] = []
    ran = 0
    for c in moving.peer_contenders(row, args, w, ref, notes):
        if c.compile is not None:
            continue
        got = c.run()
        got = c.convert(got) if c.convert else got
        ok, why = close(rtol=row.rtol, atol=1e-9)(got, c.expected)
        assert ok, f"{row.name} / {c.name}: {why}"
        ran += 1
    if ran == 0:
        pytest.skip("no installed peer for this row")


def test_ema_std_reference_against_pandas():
    pd = pytest.importorskip("pandas")
    from fastcpp.bench.workloads import rolling

    a = np.random.default_rng(4).random(500)
    for adjust in (False, True):
        ref = rolling._py_ema_std(a.tolist(), 0.1, adjust=adjust)
        want = pd.Series(a).ewm(alpha=0.1, adjust=adjust).std().to_numpy()
        np.testing.assert_allclose(ref, want, rtol=1e-10)


def test_nan_omit_reference_against_a_pixel_loop():
    from fastcpp.bench.workloads import image

    img = image._nan_image(12)
    img[:4, :4] = np.nan  # a window with no number at all
    ref = image._np_nan_omit(img, 5)
    padded = np.pad(img, 2, mode="symmetric")  # scipy's "reflect"
    for i in range(12):
        for j in range(12):
            want = image._upper_nanmedian(padded[i : i + 5, j : j + 5].ravel())
            got = ref[i, j]
            assert (np.isnan(got) and np.isnan(want)) or got == want
    assert np.isnan(ref[0, 0])


def test_compare_two_runs_side_by_side():
    from fastcpp.bench import compare

    def doc(level: str, ratio: float) -> dict:
        r = {"workload": "sum", "size": "n=10", "role": "fastcpp", "seconds": 1e-3,
             "ratio_vs_best_peer": ratio, "best_peer": "numpy", "ok": True}  # fmt: skip
        return {"machine": {"fastcpp_simd": level}, "results": [r]}

    text = compare.table([doc("x86-64-v4", 0.5), doc("x86-64-v3", 1.25)])
    head, _rule, row = text.splitlines()
    assert "ratio (x86-64-v4)" in head
    assert "ratio (x86-64-v3)" in head
    assert row.count("|") == head.count("|")
    assert "0.5 vs numpy" in row
    assert "1.25 vs numpy" in row


def test_compare_per_call_section_one_row_per_function():
    from fastcpp.bench import compare

    def doc(level: str, scale: float) -> dict:
        rows = [
            {
                "workload": f"percall_move_mean_{n}",
                "role": "fastcpp",
                "seconds": 1e-6,
                "section": "per-call",
                "ratio_vs_best_peer": scale * n / 100,
                "best_peer": "bottleneck",
                "ok": True,
            }
            for n in (1000, 10, 100)
        ]
        return {"machine": {"fastcpp_simd": level}, "results": rows}

    docs = [doc("x86-64-v4", 1.0), doc("baseline", 2.0)]
    assert (
        compare.table(docs).count("\n") == 1
    )  # per-call rows stay out of the main table
    head, _rule, row = compare.per_call_table(docs).splitlines()
    assert "ratio (baseline)" in head
    assert row.split(" | ")[1:] == [
        "10 / 100 / 1000",
        "0.10 / 1.00 / 10.00",
        "0.20 / 2.00 / 20.00",
        "bottleneck |",
    ]
