"""Make the research code (``lab``) importable however pytest is started.

Running ``pytest example_project`` from the repository root would not otherwise find ``lab``,
since the project directory is not on ``sys.path`` under every import mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
