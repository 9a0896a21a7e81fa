"""Run settings: the data share, seed and gate switches, with one documented precedence.

The fraction of the data an experiment runs on is decided, strongest first, by
``--full`` > ``--sample F`` > the experiment's ``@pytest.mark.sample(F)`` > the ini setting
``experiment_sample`` > the built-in default (:data:`DEFAULT_FRACTION`).
"""

from __future__ import annotations

import argparse
import hashlib
import math
from dataclasses import dataclass

#: Share of the data an experiment runs on when nothing else says otherwise.
DEFAULT_FRACTION = 0.1
DEFAULT_SEED = 0


class SettingError(ValueError):
    """A bad value for a setting; the message names where it came from and what to write."""


def parse_fraction(value: object, source: str) -> float:
    """A data share in (0, 1]; ``source`` names where it came from (option, ini key, marker)."""
    if isinstance(value, bool):
        raise SettingError(f"{source} got {value!r}; write a fraction with 0 < F <= 1, like 0.05")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise SettingError(
                f"{source} got {value!r}, which is not a number; write a fraction with "
                "0 < F <= 1, like 0.05 (or 5%)"
            ) from None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise SettingError(
            f"{source} got {value!r} ({type(value).__name__}); write a fraction with "
            "0 < F <= 1, like 0.05"
        )
    if not (math.isfinite(number) and 0 < number <= 1):
        raise SettingError(
            f"{source} got {value!r}; the share of the data must satisfy 0 < F <= 1, "
            "like 0.05 for 5% (use --full for all the data)"
        )
    return number


def parse_seed(value: object, source: str) -> int:
    """A non-negative integer seed."""
    try:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError
        seed = int(str(value).strip())
    except ValueError:
        raise SettingError(
            f"{source} got {value!r}; write a whole number >= 0, like 0 or 42"
        ) from None
    if seed < 0:
        raise SettingError(f"{source} got {value!r}; write a whole number >= 0, like 0 or 42")
    return seed


def sample_option(text: str) -> float:
    """argparse ``type=`` for ``--sample``: the error quotes the bad value."""
    try:
        return parse_fraction(text, "--sample")
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seed_option(text: str) -> int:
    """argparse ``type=`` for ``--seed``."""
    try:
        return parse_seed(text, "--seed")
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@dataclass(frozen=True)
class RunSettings:
    """Everything the command line and ini file say about running experiments."""

    full: bool = False
    sample: float | None = None  # from --sample
    ini_sample: float | None = None
    seed: int = DEFAULT_SEED
    require_question: bool = True
    fail_inconclusive: bool = False
    report_only: bool = False

    def fraction_for(self, marker_fraction: float | None) -> float:
        """The fraction one experiment runs on, by the documented precedence."""
        if self.full:
            return 1.0
        for candidate in (self.sample, marker_fraction, self.ini_sample):
            if candidate is not None:
                return candidate
        return DEFAULT_FRACTION

    def describe(self) -> str:
        """The header line's mode, e.g. ``sample 5%, seed 0``."""
        if self.full:
            return f"full data, seed {self.seed}"
        if self.sample is not None:
            return f"sample {format_fraction(self.sample)}, seed {self.seed}"
        base = self.ini_sample if self.ini_sample is not None else DEFAULT_FRACTION
        origin = "ini" if self.ini_sample is not None else "default"
        return (
            f"sample {format_fraction(base)} ({origin}; @sample markers may differ), "
            f"seed {self.seed}"
        )


def format_fraction(fraction: float) -> str:
    """``0.05`` -> ``5%``, ``0.125`` -> ``12.5%``, ``1.0`` -> ``100%``."""
    return f"{fraction * 100:.3g}%"


def experiment_seed(base_seed: int, nodeid: str) -> int:
    """A 32-bit seed from the run's base seed and the experiment's node id.

    Hashing the node id (not the order of execution or the worker) makes each experiment's data
    and randomness the same whichever xdist worker runs it and whatever else is selected.
    """
    digest = hashlib.sha256(f"{base_seed}\0{nodeid}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
