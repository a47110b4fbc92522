"""`make lint` (ruff, mypy, the import contracts) is configured as the project asks, and `make test`
runs it before anything else."""
import re

import tomli

from tests.conftest import PROJECT_ROOT

MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
PYPROJECT = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def test_make_test_runs_the_lint_first():
    prerequisites = re.search(r"^test: (?!export)(.*)$", MAKEFILE, re.M).group(1).split()
    assert prerequisites[0] == "lint"
    recipe = re.search(r"^lint: .*\n((?:\t.*\n)+)", MAKEFILE, re.M).group(1)
    assert [line.split()[0] for line in recipe.splitlines()] == ["$(BIN)/ruff", "$(BIN)/mypy", "$(BIN)/lint-imports"]


def test_ruff_checks_the_rules_asked_for_at_120_columns():
    ruff = PYPROJECT["tool"]["ruff"]
    assert ruff["line-length"] == 120 and ruff["target-version"] == "py311"
    assert set(ruff["lint"]["select"]) >= {"F", "E", "W", "I", "UP", "B"}


def test_mypy_skips_the_heavy_libraries_and_types_the_three_packages_fully():
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["files"] == ["bot", "actions"] and mypy["ignore_missing_imports"] is True
    overrides = mypy["overrides"]
    skipped = next(o for o in overrides if o.get("follow_imports") == "skip")["module"]
    assert {"rasa.*", "rasa_sdk.*", "tensorflow.*", "sanic.*"} <= set(skipped)
    typed = next(o for o in overrides if o.get("disallow_untyped_defs"))["module"]
    assert set(typed) == {"bot.handoff.*", "bot.notify.*", "bot.channels.*"}


def test_the_lint_tools_are_test_tools():
    test_extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["test"])
    for tool in ("ruff", "mypy", "import-linter"):
        assert tool in test_extra
