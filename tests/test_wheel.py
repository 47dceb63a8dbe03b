"""Installs like a library: a wheel built from the checkout, installed into a fresh virtualenv outside
it, extracts a bundled example with the tagger it carries (no flag, no path into the checkout)."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pingtan-2022-crawl.txt"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert res.returncode == 0, f"{cmd}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
          "-w", str(tmp / "dist")])
    wheels = list((tmp / "dist").glob("xxgk-*.whl"))
    assert len(wheels) == 1
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheels[0])])
    # the dependencies (torch, transformers, …) come from the test environment, read-only: the
    # network is not there to install them, and xxgk itself must come from the wheel
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv, tmp


def test_wheel_carries_the_tagger_and_uses_it_by_default(installed):
    venv, tmp = installed
    py, exe = venv / "bin" / "python", venv / "bin" / "xxgk"
    where = _run([str(py), "-c", "import xxgk, xxgk.tagger as t; print(xxgk.__file__); print(t.default_model_path())"],
                 cwd=str(tmp)).stdout.split()
    assert str(venv) in where[0] and str(ROOT) not in where[0]  # the installed package, not the checkout
    assert str(venv) in where[1] and (Path(where[1]) / "model.safetensors").is_file()
    assert (Path(where[1]) / "model.onnx").is_file()  # the fast path's graph ships too
    if _has("onnxruntime"):
        backend = _run([str(py), "-c", "import sys, xxgk.tagger as t; tg = t.load_tagger(); "
                        "print(tg.backend, 'torch' in sys.modules)"], cwd=str(tmp)).stdout.split()
        assert backend == ["onnx", "False"]  # ONNX Runtime, and torch is never imported
    env = {k: v for k, v in os.environ.items() if k != "XXGK_MODEL"}
    out = tmp / "out.jsonl"
    _run([str(exe), "extract", str(EXAMPLE), "-o", str(out), "-q"], cwd=str(tmp), env=env)
    rec = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert rec["status"] == "ok"
    assert rec["producer"]["system"] == "combined" and rec["producer"]["tagger"]  # the tagger was used
    assert rec["methods"] == {"sections": "combined", "narrative": "combined"}
    assert not any(w.startswith("W140") for w in rec["warnings"])


def test_a_missing_model_is_a_warning_naming_where_it_looked(installed, tmp_path):
    venv, tmp = installed
    env = dict(os.environ, XXGK_MODEL=str(tmp_path / "nowhere"))
    out = tmp_path / "out.jsonl"
    res = _run([str(venv / "bin" / "xxgk"), "extract", str(EXAMPLE), "-o", str(out), "-q"], cwd=str(tmp_path),
               env=env)
    rec = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    w140 = [w for w in rec["warnings"] if w.startswith("W140")]
    assert w140 and str(tmp_path / "nowhere") in w140[0]
    assert "W140" in res.stderr  # and the run says so


def test_wheel_carries_the_page_templates(installed, tmp_path):
    """`xxgk inspect` (and the evaluation report) render from templates shipped as package data."""
    venv, _tmp = installed
    out = tmp_path / "page.html"
    _run([str(venv / "bin" / "xxgk"), "inspect", str(EXAMPLE), "-o", str(out), "--no-model"], cwd=str(tmp_path))
    page = out.read_text(encoding="utf-8")
    assert "<h2>Tables</h2>" in page and 'class="xxgk-spans"' in page
    names = _run([str(venv / "bin" / "python"), "-c", "import importlib.resources as r; print(' '.join(sorted("
                  "p.name for p in r.files('xxgk.evaluation').joinpath('templates').iterdir())))"],
                 cwd=str(tmp_path)).stdout.split()
    assert {"report.html", "inspect.html", "spans.html", "_document.html"} <= set(names)
