"""The core's command-line options and ini settings, and reading them into :class:`RunSettings`.

One precedence for every setting (pytest-timeout's rule): the command line wins over the ini
file, which wins over the default. Each value is checked by the parser of
:mod:`pytest_experiments.settings` that names where a bad value came from.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Generator
from typing import Any

import pytest

from pytest_experiments.settings import (
    RunSettings,
    SettingError,
    confidence_option,
    correction_option,
    parse_confidence,
    parse_correction,
    parse_seed,
    parse_share,
    sample_option,
    seed_option,
)
from pytest_experiments.spec.names import EXPERIMENT_FILES
from pytest_experiments.state import settings_key, taken_names_key


class ShortNames:
    """Every option under its ``--exp-`` name, and under the short name users know
    (``--seed``, ``--journal``) unless a conftest or another plugin already owns it.

    The ``--exp-`` names are added with the plugin's options; the short ones once the initial
    conftests have added theirs (a wrapper of ``pytest_load_initial_conftests``), so a
    conftest with its own ``--seed`` keeps it, and the header says to write ``--exp-seed``
    (:func:`header_lines`). Registered as a plugin for that hook.
    """

    def __init__(self, parser: pytest.Parser) -> None:
        self.group = parser.getgroup("experiments", "experiments (pytest-experiments)")
        self.pending: list[tuple[str, dict[str, Any], Any]] = []
        self.taken: list[str] = []

    def add(self, short: str | None, prefixed: str, **attrs: Any) -> None:
        """Add an option as ``prefixed`` now, and as ``short`` too if nobody owns it."""
        self.group.addoption(prefixed, **attrs)
        if short is not None:
            self.pending.append((short, attrs, self.group.options[-1]))

    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(
        self, early_config: pytest.Config, parser: pytest.Parser
    ) -> Generator[None, None, None]:
        yield
        owned = {
            name
            for group in [parser._anonymous, *parser._groups]
            for option in group.options
            for name in option.names()
        }
        for short, attrs, argument in self.pending:
            if short in owned:
                self.taken.append(short)
                continue
            self.group.addoption(short, **{**attrs, "help": argparse.SUPPRESS})
            argument.attrs()["help"] = f"(or {short}) {attrs.get('help', '')}"
        early_config.stash[taken_names_key] = list(self.taken)


def header_lines(config: pytest.Config) -> list[str]:
    """The header: the mode in force, and the short option names another plugin owns."""
    lines = [f"experiments: {config.stash[settings_key].describe()}"]
    for short in config.stash.get(taken_names_key, []):
        lines.append(
            f"experiments: {short} belongs to a conftest or another plugin here; write "
            f"--exp-{short.removeprefix('--')}"
        )
    return lines


def addoption(parser: pytest.Parser, add: Callable[..., None]) -> None:
    """The core options and ini settings, in the plugin's ``experiments`` group; ``add`` is
    :meth:`ShortNames.add`."""
    add(
        "--sample",
        "--exp-sample",
        dest="experiment_sample",
        type=sample_option,
        metavar="F",
        help="run every experiment on this share of the data, 0 < F <= 1 (e.g. 0.05), or 'auto' "
        "to grow the sample until the verdict is decisive; overrides @pytest.mark.sample and the "
        "ini setting experiment_sample",
    )
    add(
        "--full",
        "--exp-full",
        dest="experiment_full",
        action="store_true",
        default=False,
        help="run every experiment on all the data (overrides --sample and markers)",
    )
    add(
        "--seed",
        "--exp-seed",
        dest="experiment_seed",
        type=seed_option,
        metavar="N",
        help="base seed for subsamples and exp.rng (default 0; ini experiment_seed)",
    )
    add(
        "--confidence",
        "--exp-confidence",
        dest="experiment_confidence",
        type=confidence_option,
        metavar="C",
        help="confidence level of intervals and verdicts (default 0.95; ini experiment_confidence)",
    )
    add(
        None,
        "--exp-correction",
        dest="experiment_correction",
        type=correction_option,
        metavar="METHOD",
        help="control the error rate across all verdicts of the run: none (default), holm "
        "(family-wise) or bh (false discovery rate); ini experiment_correction",
    )
    add(
        None,
        "--exp-fail-inconclusive",
        dest="experiment_fail_inconclusive",
        action="store_true",
        default=False,
        help="count inconclusive experiments as failures (ini experiment_fail_inconclusive)",
    )
    add(
        None,
        "--exp-report-only",
        dest="experiment_report_only",
        action="store_true",
        default=False,
        help="report refuted assumptions without failing the run (ini experiment_report_only)",
    )
    parser.addini("experiment_sample", "default share of the data for experiments", default="")
    parser.addini("experiment_seed", "base seed for experiments", default="")
    parser.addini("experiment_confidence", "confidence level of verdicts", default="")
    parser.addini("experiment_correction", "none, holm or bh across verdicts", default="")
    parser.addini("experiment_full", "run experiments on all the data", type="bool", default=False)
    parser.addini(
        "experiment_require_question",
        "require @pytest.mark.question on every experiment",
        type="bool",
        default=True,
    )
    parser.addini(
        "experiment_fail_inconclusive",
        "count inconclusive experiments as failures",
        type="bool",
        default=False,
    )
    parser.addini(
        "experiment_report_only",
        "report refuted assumptions without failing the run",
        type="bool",
        default=False,
    )
    parser.addini(
        "experiment_exact_plain_numbers",
        "on a subsample, judge plain numbers in answers as they are, without checking on a "
        "smaller sample that they do not move with the size of the data",
        type="bool",
        default=False,
    )
    parser.addini(
        "experiment_files",
        "file patterns collected as experiment modules besides python_files (default: "
        "exp_*.py; empty: experiments only in test files)",
        type="args",
        default=[EXPERIMENT_FILES],
    )


def read_settings(config: pytest.Config) -> RunSettings:
    """Combine command line and ini file; the command line wins."""

    def ini_bool(name: str) -> bool:
        try:
            return bool(config.getini(name))
        except (ValueError, pytest.UsageError):
            raise SettingError(
                f"ini setting {name} is not true or false; write {name} = true or false"
            ) from None

    def option_or_ini(name: str, parse: Any, default: Any) -> Any:
        value = config.getoption(name)
        if value is not None:
            return value
        text = str(config.getini(name)).strip()
        return parse(text, f"ini setting {name}") if text else default

    ini_sample = config.getini("experiment_sample").strip()
    return RunSettings(
        full=bool(config.getoption("experiment_full")) or ini_bool("experiment_full"),
        sample=config.getoption("experiment_sample"),
        ini_sample=parse_share(ini_sample, "ini setting experiment_sample") if ini_sample else None,
        seed=option_or_ini("experiment_seed", parse_seed, 0),
        confidence=option_or_ini("experiment_confidence", parse_confidence, 0.95),
        correction=option_or_ini("experiment_correction", parse_correction, "none"),
        require_question=ini_bool("experiment_require_question"),
        fail_inconclusive=bool(config.getoption("experiment_fail_inconclusive"))
        or ini_bool("experiment_fail_inconclusive"),
        report_only=bool(config.getoption("experiment_report_only"))
        or ini_bool("experiment_report_only"),
        exact_plain_numbers=ini_bool("experiment_exact_plain_numbers"),
    )
