"""What `make run` leaves in a fresh clone is ignored by git: `git status` stays clean."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import Settings
from scheduler import lock_path

ROOT = Path(__file__).resolve().parent.parent


def _ignored(path: str) -> bool:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")
    # --no-index: the rules alone decide, whether or not such a file exists or is tracked.
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done
    return done.returncode == 0


@pytest.mark.parametrize(
    "path",
    [
        "chungtay.db",
        "chungtay.db-wal",
        str(lock_path(Settings.model_fields["database_url"].default)),
        "locales/vi/LC_MESSAGES/messages.mo",
    ],
)
def test_files_of_a_local_run_are_ignored(path: str) -> None:
    assert _ignored(path), f"{path} is not git-ignored"


def test_the_scheduler_lock_of_the_default_database_is_named_as_the_issue_says() -> None:
    assert str(lock_path("sqlite+aiosqlite:///./chungtay.db")) == "chungtay.scheduler.lock"
