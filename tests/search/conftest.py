"""Fixtures of the text-search tests: the example-query stores (tests/unit), with their text indexes.

`shipped_with_sources`: everything graph/ ships, shared by a module's read-only tests; `fresh`: the first article
only, a store of its own for a test that writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_example_queries import fresh, shipped_with_sources  # noqa: E402, F401
