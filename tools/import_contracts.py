"""An import-linter contract that import-linter does not ship: no import cycle between modules.

Its own `acyclic_siblings` looks at packages (bot.handoff and bot.voice may well use each other's
modules in one direction each); what we forbid is a circle of modules, at module level or inside
a function, which grimp's graph shows alike. Configured in pyproject.toml ([tool.importlinter]).
"""
from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def module_cycles(graph: grimp.ImportGraph, packages: list[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), each sorted."""
    modules = sorted(m for m in graph.modules if any(m == p or m.startswith(p + ".") for p in packages))
    inside = set(modules)
    edges = {m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for position in range(next_edge, len(edges[node])):
                neighbour = edges[node][position]
                if neighbour not in index:
                    work.append((node, position + 1))
                    work.append((neighbour, 0))
                    break
                if neighbour in on_stack:
                    low[node] = min(low[node], index[neighbour])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return sorted(cycles)


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = [str(p) for p in self.packages]  # type: ignore[attr-defined]
        cycles = module_cycles(graph, packages)
        shown = []
        for cycle in cycles:
            members = set(cycle)
            shown.append([f"{m} -> {', '.join(d for d in sorted(graph.find_modules_directly_imported_by(m)) if d in members)}"
                          for m in cycle])
        return ContractCheck(kept=not cycles, metadata={"cycles": shown})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"A cycle of {len(cycle)} modules:")
            output.new_line()
            for line in cycle:
                output.print_error(f"-   {line}", bold=False)
            output.new_line()
