"""Long-running processes keep what they loaded at start out of the garbage collector's full passes.

A full (oldest-generation) collection walks every tracked object. In the server that is about 100,000 objects once
the modules, the ontology and the app are loaded, and a pass took 22-42 ms, stalling whatever request was running:
the 1M-triple bench saw lookups of 35 ms at p99 that way. What exists at start lives as long as the process, so it
is collected once and then frozen (`gc.freeze`): later passes walk only what requests create.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect what start-up left as garbage, then exclude every object alive now from later collections."""
    gc.collect()
    gc.freeze()
