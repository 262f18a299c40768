"""The benchmark tool: CLI end to end, JSON schema, plot, honesty checks.

No timing assertions: only that the tool runs, reports, flags wrong answers
and skips what is missing. Everything runs at the hidden ``--tiny`` sizes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastcpp
from fastcpp.bench import cli, peers, plot, report, workloads
from fastcpp.bench.checks import close, exact
from fastcpp.bench.model import REFERENCE, Case, Contender, Workload
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
    assert {"cpu", "cores_usable", "fastcpp_simd", "blas", "peers"} <= set(machine)
    assert machine["fastcpp_simd"] == fastcpp._core._build_info()["simd_level"]
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
    assert len(workloads.select(["median_filter"])) == 6
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


@pytest.mark.parametrize("w", workloads.ALL, ids=lambda w: w.name)
def test_every_workload_reference_agrees_with_numpy_and_python(w):
    """The bench's own references and pure-Python/NumPy versions agree at tiny
    sizes (fastcpp and JIT contenders are not called here)."""
    with np.errstate(all="ignore"):
        case = w.build("tiny")
    assert case.size
    roles = {c.role for c in case.contenders}
    assert {"python", "fastcpp"} <= roles
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
