"""The media process's garbage collector: the startup heap frozen, collections rarer, and watched."""

from __future__ import annotations

import gc

from media.gcwatch import GEN0_THRESHOLD, GcWatch, settle


def test_settle_freezes_the_startup_heap_and_watch_counts_collections() -> None:
    thresholds = gc.get_threshold()
    watch = GcWatch()
    try:
        settle()
        assert gc.get_freeze_count() > 1000
        assert gc.get_threshold()[0] == GEN0_THRESHOLD
        gc.collect()
        report = watch.report()
        assert report["collections"][2] >= 1
        assert report["ms"][2] >= 0 and report["longest_ms"][2] >= 0
    finally:
        watch.close()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert watch._callback not in gc.callbacks
