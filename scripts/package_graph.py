"""The import graph of backend/ read at the level of packages: which packages import which,
the knots (groups of packages that reach each other) and the pairs importing each other.

Every import counts, at the top of a file or inside a function: a deferred import is still
a dependency, only hidden from Python's import order.

    python scripts/package_graph.py [--edges]

Exits 1 when there is a knot, so it can guard the layering beside the import contract.
"""

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"


def package_of(path: Path) -> str:
    """backend/offers/service.py -> offers; backend/errors.py -> errors."""
    parts = path.relative_to(BACKEND).with_suffix("").parts
    return parts[0] if parts[0] != "__init__" else "backend"


def is_module(name: str) -> bool:
    return (BACKEND / name).is_dir() or (BACKEND / f"{name}.py").is_file()


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    own = path.relative_to(ROOT).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this file's package
                base = own[:-node.level]
                names = [".".join((*base, *(node.module or "").split(".")))]
            elif node.module:
                names = [node.module]
            if names[0] == "backend":  # from backend import x: x is the package
                names = [f"backend.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "backend" and len(parts) > 1 and is_module(parts[1]):
                found.add(parts[1])
            elif parts[0] == "backend":
                found.add("backend")  # a name the package itself defines (create_app)
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in sorted(BACKEND.rglob("*.py")):
        source = package_of(path)
        edges[source] |= imported_packages(path) - {source}
    return dict(edges)


def knots(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def mutual_pairs(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, targets in edges.items() for b in targets
                  if a < b and a in edges.get(b, ()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="print every package's imports")
    args = parser.parse_args()
    edges = graph()
    if args.edges:
        for name in sorted(edges):
            print(f"{name} -> {', '.join(sorted(edges[name])) or '-'}")
    found = knots(edges)
    pairs = mutual_pairs(edges)
    print(f"packages: {len(edges)}  knots: {len(found)}  mutual pairs: {len(pairs)}")
    for component in found:
        print(f"  knot of {len(component)}: {', '.join(component)}")
    for a, b in pairs:
        print(f"  mutual: {a} <-> {b}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
