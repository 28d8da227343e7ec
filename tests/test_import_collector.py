"""How an import spends its processes: Python's garbage collector runs rarely (its cost was a fifth
of a large import's CPU) and the process is left as it was found (a service that imports keeps its
own settings); the file's ids are read again in a worker while the others prepare the first rows."""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import pytest

from scoring.sources.collector import IMPORT_THRESHOLDS, import_collections
from scoring.sources.csv_import import import_csv
from scoring.sources.formats import FORMATS
from scoring.sources.prepare import Preparer, RowReader
from tests.test_csv_import import BERLIN, NOW  # an import's zone and moment


@pytest.fixture
def thresholds():
    """The process's thresholds as a service might have set them, put back after the test."""
    before = gc.get_threshold()
    gc.set_threshold(900, 11, 12)
    yield (900, 11, 12)
    gc.set_threshold(*before)


def _export(path: Path, rows: int) -> Path:
    lines = ["title,external_id,status,notes,tags"]
    lines += [f"Renewal proposal for customer {n},R-{n},open,call them back about the onboarding,customer"
              for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _Collections:
    """Young collections started while counting."""

    def __init__(self) -> None:
        self.young = 0
        self.on = False

    def __call__(self, phase: str, info: dict) -> None:
        if self.on and phase == "start" and info["generation"] == 0:
            self.young += 1


def test_an_import_collects_rarely_and_gives_the_process_its_settings_back(model, store, tmp_path, thresholds):
    seen: list[tuple] = []
    counter = _Collections()
    gc.callbacks.append(counter)
    try:
        counter.on = True
        report = import_csv(_export(tmp_path / "export.csv", 6000), "csv", store, model, NOW, BERLIN, workers=0,
                            on_progress=lambda done, total, rows: seen.append(gc.get_threshold()))
        counter.on = False
    finally:
        gc.callbacks.remove(counter)
    assert report.created == 6000
    assert len(seen) > 1 and set(seen[:-1]) == {IMPORT_THRESHOLDS}  # each batch written; the last call comes after
    # at (900, 11, 12) these 6,000 rows start a young collection every ~9 rows: hundreds of them
    assert counter.young < 30
    assert gc.get_threshold() == thresholds


def test_an_import_that_fails_half_way_still_gives_the_settings_back(model, store, tmp_path, thresholds):

    def interrupted(done, total, rows):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv(_export(tmp_path / "export.csv", 3000), "csv", store, model, NOW, BERLIN, workers=0, batch=500,
                   on_progress=interrupted)
    assert gc.get_threshold() == thresholds


def test_two_imports_at_once_keep_the_import_setting_until_the_last_one_ends(thresholds):
    first_in, second_done, first_out = threading.Event(), threading.Event(), threading.Event()
    during: list[tuple] = []

    def first() -> None:
        with import_collections():
            first_in.set()
            second_done.wait(5)
            during.append(gc.get_threshold())
        first_out.set()

    worker = threading.Thread(target=first)
    worker.start()
    first_in.wait(5)
    with import_collections():
        pass
    after_second = gc.get_threshold()
    second_done.set()
    first_out.wait(5)
    worker.join(5)
    assert after_second == IMPORT_THRESHOLDS  # the first import is still running
    assert during == [IMPORT_THRESHOLDS]
    assert gc.get_threshold() == thresholds


def test_a_worker_process_collects_rarely_and_leaves_what_it_inherited_alone(model, tmp_path):
    reader = RowReader(FORMATS["csv"].convert, ["title"], BERLIN)
    with Preparer(reader, model, NOW, workers=1) as preparer:
        pool = preparer._pool
        assert pool is not None
        assert pool.submit(gc.get_threshold).result(timeout=30) == IMPORT_THRESHOLDS
        assert pool.submit(gc.get_freeze_count).result(timeout=30) > 1000


def test_the_files_ids_are_read_in_a_worker_while_the_others_prepare_and_here_without_workers(model):
    reader = RowReader(FORMATS["csv"].convert, ["title"], BERLIN)
    with Preparer(reader, model, NOW, workers=2) as preparer:
        elsewhere = preparer.meanwhile(os.getpid)
        assert elsewhere() != os.getpid()
    with Preparer(reader, model, NOW, workers=0) as preparer:
        asked: list[int] = []
        here = preparer.meanwhile(asked.append, 1)
        assert asked == []  # worked out when asked, not before
        here()
        assert asked == [1]
