"""Where a run came from: git commit, branch and dirty flag, host, Python and package versions.

Everything here is cheap and never raises: ``git`` runs with a short timeout and gives None
outside a checkout or where git is missing; package versions come from installed metadata, so
numpy, scikit-learn and the rest are never imported just to learn their versions.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: Distributions whose versions are kept with every run (those not installed are left out).
KEY_PACKAGES = ("pytest", "numpy", "scipy", "scikit-learn", "pandas", "pytest-experiments")

#: Seconds one ``git`` command may take before the commit is recorded as unknown.
GIT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Provenance:
    """The machine and code a run ran on."""

    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    host: str
    python: str
    packages: dict[str, str]
    project: str | None = None


def collect(directory: Path) -> Provenance:
    """Provenance of a run started in ``directory`` (the git checkout is looked up from it)."""
    commit, branch, dirty = git_state(directory)
    return Provenance(
        git_commit=commit,
        git_branch=branch,
        git_dirty=dirty,
        host=socket.gethostname(),
        python=platform.python_version(),
        packages=package_versions(),
        project=project_of(directory) if commit is not None else f"dir:{directory.name}",
    )


def project_of(directory: Path) -> str:
    """Who a journal belongs to, the same in every clone of the project: ``git:`` and its
    first commit (the root of its history), or ``dir:`` and the rootdir's name outside git."""
    roots = _git(directory, "rev-list", "--max-parents=0", "HEAD")
    if roots:
        return f"git:{sorted(roots.split())[0]}"
    return f"dir:{directory.name}"


def scheduler_job() -> str | None:
    """The batch scheduler's job this process runs in: Slurm's ``JOB_TASK`` for a task of a
    job array (``4242_3``), its job id otherwise; None outside Slurm."""
    array = os.environ.get("SLURM_ARRAY_JOB_ID")
    task = os.environ.get("SLURM_ARRAY_TASK_ID")
    if array and task:
        return f"{array}_{task}"
    return os.environ.get("SLURM_JOB_ID") or None


def git_state(directory: Path) -> tuple[str | None, str | None, bool | None]:
    """``(commit, branch, dirty)``; all None outside a git checkout or without git.

    ``branch`` is None on a detached HEAD. ``dirty`` counts changes to tracked files only:
    untracked files (the journal itself, data, outputs) do not change the code that ran.
    """
    commit = _git(directory, "rev-parse", "--verify", "-q", "HEAD")
    if commit is None:
        return None, None, None
    branch = _git(directory, "symbolic-ref", "--short", "-q", "HEAD")
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    return commit, branch or None, None if status is None else bool(status)


def _git(directory: Path, *arguments: str) -> str | None:
    # GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock of the user's checkout,
    # where an editor or another git command may be working at the same time.
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=directory,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip()


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names``, read from package metadata without importing them."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
