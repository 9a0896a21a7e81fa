"""Loading the plugin is cheap: a plain unit-test run never imports the science stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sklearn", "pandas", "matplotlib", "submitit", "mlflow")


def test_importing_the_plugin_imports_no_heavy_module() -> None:
    code = (
        "import sys, json, pytest_experiments, pytest_experiments.plugin; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []


def test_plain_unit_test_run_imports_no_heavy_module(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        f"""
        import json, sys

        def pytest_sessionfinish(session):
            loaded = [m for m in {HEAVY!r} if m in sys.modules]
            with open("loaded.json", "w") as f:
                json.dump(loaded, f)
        """
    )
    pytester.makepyfile(
        test_units="""
        import pytest

        def test_adds():
            assert 1 + 1 == 2

        @pytest.mark.parametrize("x", [1, 2])
        def test_param(x):
            assert x
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert "experiments: sample 10%" in result.stdout.str(), "the plugin must be active"
    assert json.loads((pytester.path / "loaded.json").read_text()) == []


def test_an_experiment_that_samples_does_import_numpy(pytester: pytest.Pytester) -> None:
    """The check above can fail: the same probe sees numpy once an experiment needs it."""
    pytester.makeconftest(
        f"""
        import json, sys

        def pytest_sessionfinish(session):
            with open("loaded.json", "w") as f:
                json.dump([m for m in {HEAVY!r} if m in sys.modules], f)
        """
    )
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("How many rows?")
        def exp_rows(exp):
            return len(exp.sample(list(range(1000))))
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert "numpy" in json.loads((pytester.path / "loaded.json").read_text())
