"""The package's layout keeps DESIGN.md's rules: no import circles, nothing below the engine
imports it, no module over 500 lines, the CLI is one package."""

import ast
import pathlib

import kgan

ROOT = pathlib.Path(kgan.__file__).parent
BELOW_THE_ENGINE = ("kgan.terms", "kgan.data", "kgan.nets", "kgan.losses", "kgan.latent", "kgan.layers",
                    "kgan.metrics", "kgan._nets", "kgan.pixels", "kgan._data_checks", "kgan._replicas",
                    "kgan._keras_private", "kgan.presets", "kgan._gan_saving")


def _modules():
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = ".".join(("kgan", *path.relative_to(ROOT).with_suffix("").parts))
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(modules):
    """Module -> the kgan modules it imports (anywhere in the file, lazy imports included)."""
    def resolve(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    edges = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [f"{base}.{alias.name}" for alias in node.names]  # `from kgan import x` is kgan.x
            else:
                continue
            targets |= {resolve(n) for n in names if n.startswith("kgan")}
        edges[name] = targets - {name, ""}
    return edges


def test_no_import_circles_between_modules():
    modules = _modules()
    faces = {name for name, path in modules.items() if path.name == "__init__.py"}
    edges = _imports(modules)
    inner = {m: {t for t in ts if t not in faces} for m, ts in edges.items() if m not in faces}

    def reaches(start, goal, seen):
        return any(t == goal or (t not in seen and (seen.add(t) or reaches(t, goal, seen))) for t in inner.get(start, ()))

    circles = sorted(m for m in inner if reaches(m, m, set()))
    assert not circles, f"modules in an import circle: {circles}"


def test_nothing_below_the_engine_imports_it():
    edges = _imports(_modules())
    offenders = sorted(m for m, ts in edges.items() if m.startswith(BELOW_THE_ENGINE) and "kgan.gan" in ts)
    assert not offenders, f"import kgan.gan from below the engine: {offenders} (use kgan.terms.Step or kgan._nets)"
    # ... nor the package face, which imports everything.
    faces = sorted(m for m, ts in edges.items() if m.startswith(BELOW_THE_ENGINE) and "kgan" in ts)
    assert not faces, f"import the package face from below the engine: {faces}"


def test_no_module_over_500_lines():
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > 500}
    assert not long, f"split these modules (DESIGN.md: one job a file, at most 500 lines): {long}"


def test_cli_is_one_package():
    assert (ROOT / "cli" / "__init__.py").exists() and (ROOT / "cli" / "__main__.py").exists()
    assert not list(ROOT.glob("_cli_*.py")) and not (ROOT / "cli.py").exists()
