"""One shard of a submitted batch, as the callable submitit runs on a node.

submitit stores the callable in its job folder and calls it in the job: here it starts
``python -m pytest … --exp-shard K/N`` (the same Python, in the submitting directory) and waits.
The shard's results travel in its own SQLite journal, never through submitit's files: the
callable returns only pytest's exit status, and the waiting side reads the journal.

Preemption and time-outs: Slurm signals the job (``--signal=USR2@S``) S seconds before it ends
it; submitit then calls :meth:`ShardTask.checkpoint`, which interrupts pytest as Ctrl-C would
(SIGINT: the finished experiments are journaled, the run is marked interrupted) and asks to be
requeued. The requeued job runs the same command, whose ``--exp-resume`` reports what the first
attempt finished instead of running it again. pytest itself ignores SIGUSR2, so only this
process acts on it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Any

from submitit.helpers import Checkpointable, DelayedSubmission

#: pytest's exit statuses of a shard that ran to its end: tests passed, tests failed (an
#: experiment's refutation included), nothing collected.
FINISHED_STATUSES = (0, 1, 5)

#: How long pytest gets to stop after SIGINT before it is killed.
STOP_GRACE = 20.0


class ShardFailed(RuntimeError):
    """pytest did not finish the shard (killed, interrupted, internal or usage error)."""


def _ignore_usr2() -> None:  # pragma: no cover - runs in the child between fork and exec
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)


class ShardTask(Checkpointable):
    """Run one shard's pytest command in ``directory``; return its exit status."""

    def __init__(self, command: Sequence[str], directory: str, index: int) -> None:
        self.command = list(command)
        self.directory = directory
        self.index = index
        self._process: subprocess.Popen[bytes] | None = None

    def __call__(self) -> int:
        print(f"shard {self.index}: {' '.join(self.command)}", flush=True)
        self._process = subprocess.Popen(self.command, cwd=self.directory, preexec_fn=_ignore_usr2)
        status = self._process.wait()
        self._process = None
        if status not in FINISHED_STATUSES:
            raise ShardFailed(f"shard {self.index}: pytest ended with {describe_status(status)}")
        return status

    def checkpoint(self, *args: Any, **kwargs: Any) -> DelayedSubmission:
        """Stop pytest as Ctrl-C would, then let submitit requeue the same command."""
        process = self._process
        if process is not None and _running(process.pid):
            process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + STOP_GRACE
            while _running(process.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _running(process.pid):
                process.kill()
        self._process = None
        return DelayedSubmission(ShardTask(self.command, self.directory, self.index))

    def __getstate__(self) -> dict[str, Any]:
        return {"command": self.command, "directory": self.directory, "index": self.index}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["command"], state["directory"], state["index"])  # type: ignore[misc]


def _running(pid: int) -> bool:
    """Whether the child has not exited yet. Called from the signal handler, while the
    interrupted ``Popen.wait`` holds its lock (``Popen.poll`` would say "running" forever):
    ``waitid`` with ``WNOWAIT`` looks without reaping, leaving the exit status to ``wait``."""
    try:
        found = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return found is None


def describe_status(status: int | None) -> str:
    """pytest's exit status in words: ``exit 3 (internal error)``, ``SIGKILL``."""
    if status is None:
        return "no exit status"
    if status < 0:
        try:
            return f"signal {signal.Signals(-status).name}"
        except ValueError:
            return f"signal {-status}"
    words = {
        0: "passed",
        1: "tests failed",
        2: "interrupted",
        3: "internal error",
        4: "usage error",
        5: "no tests",
    }.get(status)
    return f"exit {status}" + (f" ({words})" if words else "")
