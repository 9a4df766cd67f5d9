"""Shared fixtures: the example configs and their engine runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sheetprop import config as configs  # noqa: E402


@pytest.fixture(scope="session")
def lecture():
    return configs.load(ROOT / "examples" / "lecture.toml")


@pytest.fixture(scope="session")
def blog():
    return configs.load(ROOT / "examples" / "blog.toml")


@pytest.fixture(scope="session")
def targets_half():
    return configs.load(ROOT / "examples" / "targets-half.toml")


# CI runs a fixed, reproducible sample of random networks; a developer's run explores new ones.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True)
settings.load_profile("ci" if __import__("os").environ.get("CI") else "default")
