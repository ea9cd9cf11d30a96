"""``nesy domain new``: a domain folder that passes the check as generated, and never over an existing one."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from agent.authoring import scaffold
from agent.authoring.check import check_domain
from agent.cli import main
from agent.planning.domain import domain_folder, load_domain
from envs.errors import ConfigError


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _run_generated_test(folder: Path) -> None:
    """Import the generated pytest file and call its test, as pytest would."""
    (path,) = folder.glob("test_*.py")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (test,) = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    test()


@pytest.mark.parametrize("task", ["hanoi", "sort"])
def test_a_new_domain_passes_check_and_its_own_test(tmp_path: Path, task: str) -> None:
    folder = scaffold.scaffold_domain("pick-and-place", tmp_path / "new", task=task)
    assert sorted(p.name for p in folder.iterdir()) == ["binding.yaml", "domain.pddl",
                                                        "test_pick_and_place_domain.py"]
    assert load_domain(folder).name == "pick-and-place"
    report = check_domain(folder)
    assert report.clean, report.format()
    assert report.notes and report.notes[0].startswith(f"solved the {task} scene")
    _run_generated_test(folder)


def test_the_generated_test_fails_when_the_domain_breaks(tmp_path: Path) -> None:
    folder = scaffold.scaffold_domain("fragile", tmp_path / "fragile")
    pddl = folder / "domain.pddl"
    text = pddl.read_text()
    assert "    (holding ?x - block)\n" in text
    pddl.write_text(text.replace("    (holding ?x - block)\n", "    (holding ?x - block)\n    (spare ?x - block)\n"))
    with pytest.raises(AssertionError, match="predicate 'spare' is used by no operator"):
        _run_generated_test(folder)


def test_default_folder_is_domains_name_and_existing_folders_are_kept(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "domains"
    shutil.copytree(domain_folder("blocks"), shipped / "blocks")
    monkeypatch.setattr(scaffold, "domain_folder", lambda task: shipped / task)
    assert main(["domain", "new", "towers"]) == 0
    assert (shipped / "towers" / "domain.pddl").is_file()
    before = (shipped / "towers" / "domain.pddl").read_text()
    assert main(["domain", "new", "towers"]) == 2
    assert (shipped / "towers" / "domain.pddl").read_text() == before
    with pytest.raises(ConfigError, match="blocks: already exists"):
        scaffold.scaffold_domain("x", shipped / "blocks")


@pytest.mark.parametrize("name", ["Towers", "2d", "a b", "x/y", ""])
def test_names_must_be_pddl_names(name: str) -> None:
    with pytest.raises(ConfigError, match="is not a PDDL name"):
        scaffold.scaffold_domain(name, Path("out"))
    assert not Path("out").exists()
