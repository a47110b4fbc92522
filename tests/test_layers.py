"""The layers contract (pyproject.toml, checked by import-linter in `make lint`) places every module,
and the cycle contract of our own (tools/import_contracts.py) finds circles of modules."""
import re

import grimp
import pytest
import tomli

from tests.conftest import PROJECT_ROOT
from tools.import_contracts import AcyclicModulesContract, module_cycles

IMPORTLINTER = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c for c in IMPORTLINTER["contracts"] if c["type"] == "layers")["layers"]
NAMES = ("edges", "use cases", "records", "vocabulary")


def _layer_modules() -> list[set[str]]:
    return [{name.strip() for name in re.split(r"[:\n]", layer) if name.strip()} for layer in LAYERS]


def _placed(module: str, layers: list[set[str]]) -> list[str]:
    return [NAMES[i] for i, names in enumerate(layers) if any(module == n or module.startswith(n + ".") for n in names)]


def _split_packages(graph, layers: list[set[str]]) -> set[str]:
    """Packages whose modules sit in different layers: not listed themselves, nor inside one listed."""
    return {m for m in graph.modules if graph.find_children(m) and not _placed(m, layers)}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("bot", "actions", cache_dir=None, exclude_type_checking_imports=True)


def test_there_are_four_layers_top_to_bottom():
    assert len(LAYERS) == len(NAMES)
    assert all(":" in layer and "|" not in layer for layer in LAYERS)  # siblings may use each other


def test_every_module_is_in_exactly_one_layer(graph):
    layers = _layer_modules()
    # A package whose modules sit in different layers is not listed itself: only its __init__,
    # which must then stay an empty door (an import through it is still checked, by its chain).
    split_packages = _split_packages(graph, layers)
    misplaced = {}
    for module in sorted(m for m in graph.modules if m.split(".")[0] in ("bot", "actions")):
        if module in split_packages:
            continue
        where = _placed(module, layers)
        if len(where) != 1:
            misplaced[module] = where
    assert not misplaced, f"place each in one layer of pyproject.toml's layers contract: {misplaced}"


def test_a_package_split_across_layers_imports_nothing_itself(graph):
    # An import through such a package's __init__ would be seen as an import of the package,
    # which no layer holds: its door stays empty, and importers name the module they use.
    layers = _layer_modules()
    split_packages = _split_packages(graph, layers)
    doors = {package: sorted(graph.find_modules_directly_imported_by(package)) for package in sorted(split_packages)}
    assert {package: imported for package, imported in doors.items() if imported} == {}


def test_a_listed_module_exists(graph):
    missing = sorted(name for names in _layer_modules() for name in names if name not in graph.modules)
    assert not missing, f"the layers contract names modules that are gone: {missing}"


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_module_cycles_finds_each_circle_once_and_nothing_else():
    graph = _graph(("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"),  # a circle of three
                   ("p.e", "p.f"), ("p.f", "p.e"),  # a circle of two
                   ("p.g", "p.a"), ("p.d", "q.x"), ("q.x", "p.d"))  # q is outside the packages checked
    assert module_cycles(graph, ["p"]) == [["p.a", "p.b", "p.c"], ["p.e", "p.f"]]
    assert module_cycles(_graph(("p.a", "p.b"), ("p.b", "p.c")), ["p"]) == []


def test_the_contract_is_broken_by_a_cycle_and_names_its_imports():
    contract = AcyclicModulesContract(name="no cycles", session_options={}, contract_options={"packages": ["p"]})
    check = contract.check(_graph(("p.a", "p.b"), ("p.b", "p.a"), ("p.b", "p.c")), verbose=False)
    assert not check.kept and check.metadata["cycles"] == [["p.a -> p.b", "p.b -> p.a"]]
    assert contract.check(_graph(("p.a", "p.b")), verbose=False).kept


def test_the_code_has_no_cycle(graph):
    assert module_cycles(graph, ["bot", "actions"]) == []
