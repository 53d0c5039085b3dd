"""core/heap.py: what a long-running process holds at start is kept out of later full collections."""

import gc
import weakref

from newskg.core.heap import freeze_startup_objects


class _Cycle:
    pass


def test_objects_alive_at_start_are_frozen_and_garbage_is_collected_first():
    kept = _Cycle()
    garbage = _Cycle()
    garbage.self = garbage
    collected = []
    weakref.finalize(garbage, collected.append, "garbage")
    del garbage
    tracked = len(gc.get_objects())
    try:
        freeze_startup_objects()
        assert collected == ["garbage"]  # the cycle start-up left was collected before the freeze
        assert gc.get_freeze_count() >= tracked // 2
        assert not any(obj is kept for obj in gc.get_objects())  # alive at start: frozen, not walked by collections
    finally:
        gc.unfreeze()
    assert any(obj is kept for obj in gc.get_objects())
