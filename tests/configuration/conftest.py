"""Fixtures of the configuration tests (factories in config_factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_factories import fake_portfolio_text, write_planted_cnf


@pytest.fixture
def make_instances(tmp_path: Path):
    """``make_instances(folder, n, seed0=0, nvars=10, modes=None)``: n planted 3-SAT files in tmp_path/folder.

    ``modes`` cycles the fake solver's best mode over the files (``c best-mode M``).
    """

    def make(folder: str, n: int, seed0: int = 0, nvars: int = 10, modes: tuple[str, ...] | None = None) -> Path:
        d = tmp_path / folder
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            write_planted_cnf(d / f"p{seed0 + i}.cnf", nvars, int(4.0 * nvars), seed0 + i,
                              best_mode=None if modes is None else modes[i % len(modes)])
        return d

    return make


@pytest.fixture
def make_fake_portfolio(tmp_path: Path):
    """``make_fake_portfolio()``: the path of a portfolio file with the fake parameterized solver."""

    def make(name: str = "fake.toml") -> Path:
        p = tmp_path / name
        p.write_text(fake_portfolio_text())
        return p

    return make
