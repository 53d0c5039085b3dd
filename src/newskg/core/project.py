"""Where the project's files are: the folder holding ontology/, graph/ and shapes/."""

from __future__ import annotations

from pathlib import Path

from newskg.core.config import Settings
from newskg.core.errors import StoreError


def find_project_dir(settings: Settings) -> Path:
    """The folder holding ontology/, graph/ and shapes/: the setting, else the nearest one above the package."""
    if settings.project_dir is not None:
        return Path(settings.project_dir)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ontology" / "newskg.ttl").is_file():
            return parent
    raise StoreError("cannot find the project folder (ontology/newskg.ttl); set NEWSKG_PROJECT_DIR")
