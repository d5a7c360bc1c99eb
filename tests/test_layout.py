"""The test suite's own layout (the policy is in tests/conftest.py): test
files mirror the packages of src/threadline, shared code lives in the
``tests.helpers`` package and is imported by its full name. Bare-name imports
(``from access_helpers import ...``, ``from conftest import ...``) only worked
because pytest put each test folder on ``sys.path``; one picked up whichever
``conftest`` module was imported first."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src" / "threadline"

#: folders that test the product as a whole, not one package
WHOLE_PRODUCT = {"e2e", "bench"}
#: test files of the package root: ``threadline.__all__``, and this file
TOP_LEVEL = {"test_public_api.py", "test_layout.py"}
#: what a test folder may hold besides test files
FOLDER_FILES = {"__init__.py", "conftest.py"}


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def mirrored(folder: Path) -> bool:
    """Whether ``tests/<folder>`` stands for a package of src/threadline (or
    is one of the whole-product folders)."""
    parts = folder.relative_to(TESTS).parts
    if parts[0] in WHOLE_PRODUCT:
        return True
    return (SRC.joinpath(*parts) / "__init__.py").is_file()


def test_test_files_mirror_the_packages() -> None:
    misplaced = []
    for path in python_files():
        folder = path.parent
        if path.name.startswith("test_"):
            ok = path.name in TOP_LEVEL if folder == TESTS else mirrored(folder)
        elif folder.relative_to(TESTS).parts[:1] == ("helpers",):
            ok = True
        else:
            ok = path.name in FOLDER_FILES
        if not ok:
            misplaced.append(str(path.relative_to(TESTS.parent)))
    assert not misplaced, (
        "test files go in tests/<package>/ after src/threadline/<package>/, "
        f"shared code in tests/helpers/: {misplaced}"
    )


def test_helpers_hold_no_tests_or_fixtures() -> None:
    helpers = TESTS / "helpers"
    wrong = [p.name for p in helpers.rglob("*.py") if p.name.startswith("test_")]
    wrong += [p.name for p in helpers.rglob("conftest.py")]
    assert not wrong, f"tests/helpers/ is for shared code only: {wrong}"


def test_every_test_folder_is_a_package() -> None:
    # without __init__.py pytest puts the folder on sys.path and bare-name
    # imports of its modules start working again
    folders = {p.parent for p in python_files()}
    missing = [
        str(f.relative_to(TESTS.parent)) for f in folders if not (f / "__init__.py").is_file()
    ]
    assert not missing, f"add an __init__.py to: {sorted(missing)}"


def imported_modules(path: Path) -> list[tuple[int, str, int]]:
    """(line, module, relative level) of every import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", node.level))
    return found


def installed_elsewhere(name: str) -> bool:
    """Whether ``name`` is a real module outside tests/ (the standard library,
    an installed package, tools/ or bench/)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return False
    return TESTS not in Path(spec.origin).resolve().parents


def test_shared_code_is_imported_from_tests_helpers() -> None:
    local_names = {p.stem for p in python_files() if p.name != "__init__.py"}
    bad = []
    for path in python_files():
        for line, module, level in imported_modules(path):
            top = module.split(".")[0]
            where = f"{path.relative_to(TESTS.parent)}:{line}"
            if level:
                bad.append(f"{where}: relative import; use `from tests.helpers.X import ...`")
            elif top in local_names and not installed_elsewhere(top):
                bad.append(f"{where}: bare-name import of {module!r}")
            elif top == "tests" and not (module + ".").startswith("tests.helpers."):
                bad.append(f"{where}: imports {module!r}; only tests.helpers may be imported")
    assert not bad, "\n".join(bad)
