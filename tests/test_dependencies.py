"""pyproject.toml declares what the code imports, and the lock files install exactly that: the
runtime lock (requirements.txt, the image) with no test tools, the development lock
(requirements-dev.txt, make install) with the same versions plus the test and dev extras."""
import ast
import re
import sys
from importlib.metadata import packages_distributions

import tomli
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_ROOT

PROJECT = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
DECLARED = {canonicalize_name(Requirement(text).name): Requirement(text) for text in PROJECT["dependencies"]}
EXTRAS = {extra: {canonicalize_name(Requirement(text).name): Requirement(text) for text in texts}
          for extra, texts in PROJECT["optional-dependencies"].items()}
TEST_TOOLS = {"pytest", "pytest-timeout", "playwright", "honcho"}


def locked(name: str) -> dict[str, str]:
    """name -> version of a lock file, checking that every pin carries a hash."""
    text = (PROJECT_ROOT / name).read_text()
    pins = re.findall(r"^([A-Za-z0-9][\w.-]*)==([^\s\\]+)", text, re.M)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [block.split("==")[0] for block in blocks if "==" in block and "--hash=sha256:" not in block]
    assert not unhashed, f"{name}: pinned without a hash: {unhashed}"
    return {canonicalize_name(package): version for package, version in pins}


# Distributions that ship no top_level.txt, which Python 3.10's packages_distributions() reads.
IMPORTED_AS = {"argon2": ["argon2-cffi"]}


def imported_distributions(*folders: str) -> dict[str, set[str]]:
    """Distribution -> the modules of `folders` that import it, for every third-party import."""
    owners = packages_distributions()
    local = {"bot", "actions", "tests", "bench", "migrations", "tools"}
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in local or top in sys.stdlib_module_names:
                        continue
                    for distribution in owners.get(top) or IMPORTED_AS.get(top, [top]):
                        found.setdefault(canonicalize_name(distribution), set()).add(str(path.relative_to(PROJECT_ROOT)))
    return found


def test_every_package_the_code_imports_is_declared():
    undeclared = {name: sorted(paths) for name, paths in imported_distributions("bot", "actions", "migrations").items()
                  if name not in DECLARED}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"


def test_what_the_tests_and_benchmarks_import_is_declared_or_a_test_tool():
    declared = set(DECLARED) | set(EXTRAS["test"])
    undeclared = {name: sorted(paths)[:3] for name, paths in imported_distributions("tests", "bench").items() if name not in declared}
    assert not undeclared, f"imported by tests or benchmarks but declared nowhere: {undeclared}"


def test_the_runtime_lock_satisfies_every_declared_range_and_holds_no_test_tool():
    runtime = locked("requirements.txt")
    for name, requirement in DECLARED.items():
        assert name in runtime, f"{name} is declared but not locked (make lock)"
        assert requirement.specifier.contains(runtime[name], prereleases=True), f"{name}=={runtime[name]} is outside {requirement}"
    assert not TEST_TOOLS & set(runtime), "the image must carry no test tools"


def test_the_development_lock_is_the_runtime_lock_plus_the_extras():
    runtime, development = locked("requirements.txt"), locked("requirements-dev.txt")
    assert {name: development.get(name) for name in runtime} == runtime
    for extra in ("test", "dev"):
        for name, requirement in EXTRAS[extra].items():
            assert requirement.specifier.contains(development[name], prereleases=True), f"{name}=={development[name]} is outside {requirement}"
    assert set(development) - set(runtime) >= TEST_TOOLS


def test_the_caps_without_a_reason_are_lifted():
    runtime = locked("requirements.txt")
    assert int(runtime["phonenumbers"].split(".")[0]) >= 9
    assert int(runtime["zipcodes"].split(".")[0]) >= 2
    assert tuple(int(part) for part in runtime["alembic"].split(".")[:2]) >= (1, 16)


def test_make_and_the_image_install_from_the_locks_by_hash():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "PIP_INSTALL_FLAGS := --require-hashes --no-deps --ignore-requires-python" in makefile
    assert "pip install --quiet $(PIP_INSTALL_FLAGS) -r requirements-dev.txt" in makefile
    assert "tools/pip_check.py" in makefile and "--override overrides.txt" in makefile
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps --ignore-requires-python -r requirements.txt" in dockerfile
    assert "-r requirements-dev.txt" not in dockerfile and "python tools/pip_check.py" in dockerfile


def test_python_3_11_and_nothing_else():
    """Rasa 3.6.21 says Python < 3.11; the line runs on 3.11 (docs/deployment.md, "Python")."""
    assert PROJECT["requires-python"] == ">=3.11,<3.12"
    assert (PROJECT_ROOT / ".python-version").read_text().startswith("3.11.")
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "--python-version $(basename $(PYTHON_VERSION))" in makefile and "3.10" not in makefile


def test_rasa_still_declares_what_the_overrides_and_restatements_are_for():
    from importlib.metadata import metadata, requires

    assert metadata("rasa")["Requires-Python"] == ">=3.8,<3.11"  # hence --ignore-requires-python
    rasa = [Requirement(text) for text in requires("rasa")]
    for name in ("numpy", "scipy", "scikit-learn", "dask"):
        for_3_10 = [r for r in rasa if canonicalize_name(r.name) == name and r.marker and r.marker.evaluate({"python_version": "3.10", "python_full_version": "3.10.13", "sys_platform": "linux", "platform_machine": "x86_64", "platform_python_implementation": "CPython"})]
        assert len(for_3_10) == 1, name
        assert not for_3_10[0].marker.evaluate({"python_version": "3.11", "python_full_version": "3.11.7"}), f"Rasa now declares {name} for 3.11"
        assert DECLARED[name].specifier == for_3_10[0].specifier, f"{name}: restate Rasa's own range {for_3_10[0].specifier}"
        assert DECLARED[name].marker.evaluate(), f"{name} is declared for this Python"
    runtime = locked("requirements.txt")
    assert {name: runtime[name] for name in ("numpy", "scipy", "scikit-learn", "dask")} == {
        "numpy": "1.23.5", "scipy": "1.10.1", "scikit-learn": "1.1.3", "dask": "2022.10.2"}  # those of 3.10


def overrides() -> dict[str, tuple[Requirement, list[str]]]:
    """name -> (the override, the comment lines just above it)."""
    found, comment = {}, []
    for line in (PROJECT_ROOT / "overrides.txt").read_text().splitlines():
        if line.startswith("#"):
            comment.append(line)
        elif line.strip():
            requirement = Requirement(line.split("#")[0])
            found[canonicalize_name(requirement.name)] = (requirement, comment)
            comment = []
        else:
            comment = []
    return found


def test_each_override_says_why_is_locked_and_is_still_needed():
    from importlib.metadata import requires

    rasa = {canonicalize_name(Requirement(text).name): Requirement(text) for text in requires("rasa")
            if not Requirement(text).marker or Requirement(text).marker.evaluate({"extra": ""})}
    assert overrides(), "overrides.txt lists no override"
    for lock in ("requirements.txt", "requirements-dev.txt"):
        pins = locked(lock)
        for name, (requirement, comment) in overrides().items():
            assert len([line for line in comment if not line.startswith("# pip check: ")]) >= 2, f"{name}: say why, above it"
            assert requirement.specifier.contains(pins[name]), f"{lock}: {name}=={pins[name]}, not {requirement} (make lock)"
            assert not rasa[name].specifier.contains(pins[name]), f"{name}: Rasa's own {rasa[name]} allows it now: drop the override"
            assert name in DECLARED and DECLARED[name].specifier.contains(pins[name])


def test_pip_check_lets_through_only_the_lines_overrides_txt_names():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("pip_check", PROJECT_ROOT / "tools" / "pip_check.py")
    pip_check = module_from_spec(spec)
    spec.loader.exec_module(pip_check)
    known = pip_check.known_lines((PROJECT_ROOT / "overrides.txt").read_text())
    assert known == {"rasa 3.6.21 has requirement matplotlib<3.6,>=3.1, but you have matplotlib 3.8.4."}
    line = next(iter(known))
    assert pip_check.unexpected(line + "\n", known) == ([], set())
    assert pip_check.unexpected("No broken requirements found.\n", known) == ([], known)  # a stale override
    other = "sanic 21.12.2 has requirement multidict<6.0,>=5.0, but you have multidict 6.1.0."
    assert pip_check.unexpected(f"{line}\n{other}\n", known) == ([other], set())
