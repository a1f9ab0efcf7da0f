"""Mutation testing of the core modules: one small change at a time, and the fast tests must notice.

    .venv/bin/python scripts/mutate.py                 # every mutant of every core module (`make mutate`)
    .venv/bin/python scripts/mutate.py --module _retry.py --limit 20    # a quick look
    .venv/bin/python scripts/mutate.py --list          # print the mutants, run nothing
    .venv/bin/python scripts/mutate.py --module _retry.py   # one module; the report keeps the others' figures
    .venv/bin/python scripts/mutate.py --survivors     # after adding tests: re-test the survivors only

The mutations (each applied alone, on the AST, so the code stays valid): a comparison flipped (`<` and
`<=`, `>` and `>=`, `==` and `!=`, `in` and `not in`, `is` and `is not`), a number shifted by one, `True`
and `False` swapped, a `raise` deleted, `and` and `or` swapped, a `not` removed, `+`/`-` and `*`/`/`
swapped, `min` and `max` swapped, and a returned value replaced by `None`. Docstrings, annotations,
`__all__`, f-string message text and log calls are left alone.

Each mutant is written into a private copy of the package (`PYTHONPATH` puts it first; the working tree
is never touched), and the module's fast tests (`TESTS` below) run against it in a forked child with `-x`
and a time limit: a failure, an error or the time limit kills the mutant; passing tests let it survive.
The tests are checked against the unmutated code first. Figures go to reports/mutation.json, rendered in
docs/ROBUSTNESS.md §8 by scripts/robustness_report.py. Survivors judged equivalent (no test can tell them
apart from the original) are listed in `EQUIVALENT` with the reason, and reported as such.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wrappers" / "twelvelabs_embed"
REPORT = ROOT / "reports" / "mutation.json"

W = "tests/wrapper/"
#: The fast tests that guard each module (seconds each, no servers).
TESTS: dict[str, list[str]] = {
    "_retry.py": [W + "test_edges.py", W + "test_transport.py", W + "test_send_path.py"],  # fastest first
    "_polling.py": [W + "test_edges.py", W + "test_polling.py"],
    "_pagination.py": [W + "test_pagination.py"],
    "_exchange.py": [W + "test_edges.py", W + "test_send_path.py", W + "test_config.py", W + "test_transport.py"],
    "_responses.py": [W + "test_edges.py", W + "test_errors.py", W + "test_send_path.py"],
    "_config.py": [W + "test_edges.py", W + "test_config.py", W + "test_transport.py"],
    "_validation.py": [W + "test_edges.py", W + "test_validation.py"],
}
#: Seconds a mutant's tests may take before it counts as killed by the time limit (an endless loop).
TIME_LIMIT = 120.0

#: Survivors that no test can tell from the original, with the reason: (module, line text, mutation).
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("_exchange.py", "left = max(settings.deadline - now, 0.001)", "0.001 -> 1.001"): (
        "the floor only applies with under 1 ms left, and the send loop raises once no time is left"
    ),
    ("_config.py", "return False", "returns None"): "`_is_loopback` is only used as a truth value",
    ("_responses.py", 'return text.replace(key, "****") if key and key in text else text', "`and` -> `or`"): (
        "the key is never empty (checked when the client is built), and replacing an absent key changes nothing"
    ),
}
#: Forked children still running (killed if the run itself is stopped).
_CHILDREN: set[int] = set()

_FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int  # the position of the mutated node in the module's walk order
    line: int
    text: str  # the source line, stripped
    mutation: str  # what changed, in words


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Nodes not worth mutating: docstrings, annotations, `__all__`, log calls, and everything inside them."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                skip(body[0])
        if isinstance(node, ast.JoinedStr):  # message text: f-strings
            skip(node)
        if isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, ast.arg):
            skip(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            skip(node)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "logger"
        ):
            skip(node)
    return skipped


def _mutations(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(description, mutated copy of `node`) for each mutation that applies to `node`."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flipped = _FLIP.get(type(op))
            if flipped is not None:
                new = copy.deepcopy(node)
                new.ops[i] = flipped()
                yield f"`{_SYMBOL[type(op)]}` -> `{_SYMBOL[flipped]}`", new
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        new = copy.deepcopy(node)
        new.value = node.value + 1
        yield f"{node.value!r} -> {new.value!r}", new
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        new = copy.deepcopy(node)
        new.value = not node.value
        yield f"{node.value!r} -> {new.value!r}", new
    elif isinstance(node, ast.Raise):
        yield "`raise` deleted", ast.Pass()
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield ("`and` -> `or`" if isinstance(node.op, ast.And) else "`or` -> `and`"), new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "`not` removed", copy.deepcopy(node.operand)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP:
        new = copy.deepcopy(node)
        new.op = _BINOP[type(node.op)]()
        yield f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[type(new.op)]}`", new
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
        new = copy.deepcopy(node)
        new.func = ast.Name(id="max" if node.func.id == "min" else "min", ctx=ast.Load())
        yield f"`{node.func.id}` -> `{new.func.id}`", new
    elif (
        isinstance(node, ast.Return)
        and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        yield "returns None", ast.Return(value=ast.Constant(value=None))


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST) -> None:
        self.target = target
        self.replacement = replacement

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return ast.copy_location(self.replacement, node)
        return super().visit(node)


_SOURCES: dict[str, str] = {}


def _source(module: str) -> str:
    """The module's text as it was when first read (edits made during a run do not mix into it)."""
    if module not in _SOURCES:
        _SOURCES[module] = (PACKAGE / module).read_text(encoding="utf-8")
    return _SOURCES[module]


def mutants_of(module: str) -> list[Mutant]:
    source = _source(module)
    lines = source.splitlines()
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    found: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped:
            continue
        for description, _new in _mutations(node):
            line = getattr(node, "lineno", 0)
            found.append(Mutant(module, index, line, lines[line - 1].strip() if line else "", description))
    return found


def mutated_source(mutant: Mutant, occurrence: int) -> str:
    """The module's source with the `occurrence`-th mutation of node `mutant.index` applied."""
    tree = ast.parse(_source(mutant.module))
    node = list(ast.walk(tree))[mutant.index]
    _description, replacement = list(_mutations(node))[occurrence]
    mutated = _Replace(node, replacement).visit(tree)
    return ast.unparse(ast.fix_missing_locations(mutated))


def run_tests(copy_root: Path, tests: list[str], limit: float) -> str:
    """'passed', 'failed' or 'timeout': the tests in a forked child, importing the package from `copy_root`."""
    pid = os.fork()
    if pid == 0:  # the child: fresh imports of the package from the copy, then pytest
        try:
            os.setsid()
            sys.path.insert(0, str(copy_root))
            os.environ["PYTHONPATH"] = str(copy_root) + os.pathsep + os.environ.get("PYTHONPATH", "")
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # schemathesis and the fake's plugin: not needed
            sys.dont_write_bytecode = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = pytest.main(
                ["-x", "-q", "-p", "no:cacheprovider", "-p", "pytest_timeout", "--timeout", "60", *tests]
            )
            os._exit(int(code))
        except BaseException:
            os._exit(3)
    _CHILDREN.add(pid)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            _CHILDREN.discard(pid)
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() - start > limit:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            _CHILDREN.discard(pid)
            return "timeout"
        time.sleep(0.05)


def _make_copy() -> Path:
    root = Path(tempfile.mkdtemp(prefix="mutate-"))
    shutil.copytree(PACKAGE, root / "twelvelabs_embed", ignore=shutil.ignore_patterns("__pycache__"))
    for module, text in _SOURCES.items():
        (root / "twelvelabs_embed" / module).write_text(text, encoding="utf-8")
    return root


def _preload() -> None:
    """Import, once, what every child would import anyway (not the package under test): forks start warm."""
    import httpx  # noqa: F401
    import numpy  # noqa: F401
    import orjson  # noqa: F401
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401

    import twelvelabs_embed_generated.models  # noqa: F401  # generated code is not mutated

    assert "twelvelabs_embed" not in sys.modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TESTS), help="only this module (repeatable)")
    parser.add_argument("--limit", type=int, help="at most this many mutants per module (evenly spread)")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested side by side (default 2)")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-test only the survivors of reports/mutation.json (after adding tests; the modules must be unchanged)",
    )
    args = parser.parse_args(argv)
    previous = json.loads(REPORT.read_text(encoding="utf-8")) if args.survivors else None
    modules = args.module or (sorted(previous["modules"]) if previous else sorted(TESTS))

    plan: list[tuple[Mutant, int]] = []
    for module in modules:
        found = mutants_of(module)
        occurrences: dict[int, int] = {}
        numbered = []
        for mutant in found:
            occurrence = occurrences.get(mutant.index, 0)
            occurrences[mutant.index] = occurrence + 1
            numbered.append((mutant, occurrence))
        if args.limit and len(numbered) > args.limit:
            step = len(numbered) / args.limit
            numbered = [numbered[int(i * step)] for i in range(args.limit)]
        plan.extend(numbered)
    if previous is not None:
        wanted = {(s["module"], s["line"], s["text"], s["change"]) for s in previous["survivors"]}
        plan = [(m, o) for m, o in plan if (m.module, m.line, m.text, m.mutation) in wanted]
    if args.list:
        for mutant, _occurrence in plan:
            print(f"{mutant.module}:{mutant.line}: {mutant.mutation}  | {mutant.text}")
        print(f"{len(plan)} mutants")
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below
    started = time.monotonic()
    _preload()
    baseline = _make_copy()
    try:
        for module in modules:
            began = time.monotonic()
            if run_tests(baseline, TESTS[module], TIME_LIMIT * 3) != "passed":
                print(f"the tests of {module} fail without any mutation; fix them first", file=sys.stderr)
                return 2
            print(f"{module}: its tests pass unmutated ({time.monotonic() - began:.1f} s)", flush=True)
    finally:
        shutil.rmtree(baseline, ignore_errors=True)

    copies = [_make_copy() for _ in range(args.workers)]
    free = list(copies)
    results: list[tuple[Mutant, str]] = []
    counter = iter(range(1, len(plan) + 1))

    def test_one(item: tuple[Mutant, int]) -> tuple[Mutant, str]:
        mutant, occurrence = item
        root = free.pop()
        target = root / "twelvelabs_embed" / mutant.module
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(mutated_source(mutant, occurrence), encoding="utf-8")
            outcome = run_tests(root, TESTS[mutant.module], TIME_LIMIT)
        finally:
            target.write_text(original, encoding="utf-8")
            free.append(root)
        mark = {"failed": "killed", "timeout": "killed (time limit)", "passed": "SURVIVED"}[outcome]
        print(f"[{next(counter)}/{len(plan)}] {mutant.module}:{mutant.line} {mutant.mutation}: {mark}", flush=True)
        return mutant, outcome

    try:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for result in pool.map(test_one, plan):
                results.append(result)
    finally:
        for pid in list(_CHILDREN):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for root in copies:
            shutil.rmtree(root, ignore_errors=True)

    by_module: dict[str, dict[str, int]] = {m: {"killed": 0, "survived": 0} for m in modules}
    survivors = []
    for mutant, outcome in results:
        if outcome == "passed":
            by_module[mutant.module]["survived"] += 1
            why = EQUIVALENT.get((mutant.module, mutant.text, mutant.mutation), "")
            survivors.append(
                {
                    "module": mutant.module,
                    "line": mutant.line,
                    "text": mutant.text,
                    "change": mutant.mutation,
                    "why": why,
                }
            )
        else:
            by_module[mutant.module]["killed"] += 1
    seconds = round(time.monotonic() - started, 1)
    if previous is not None:  # the survivors were re-tested: the rest of the earlier run stands
        still = {(s["module"], s["line"], s["text"], s["change"]) for s in survivors}
        kept = [s for s in previous["survivors"] if (s["module"], s["line"], s["text"], s["change"]) in still]
        for module, figures in previous["modules"].items():
            left = sum(1 for s in kept if s["module"] == module)
            total = figures["killed"] + figures["survived"]
            by_module[module] = {"killed": total - left, "survived": left}
        for s in kept:
            s["why"] = EQUIVALENT.get((s["module"], s["text"], s["change"]), "")
        survivors = kept
        seconds += previous["seconds"]
    timeouts = sum(1 for _m, outcome in results if outcome == "timeout") + (previous or {}).get("timeouts", 0)
    rounds = (previous["rounds"] + 1) if previous else 1
    if previous is None and args.module and REPORT.exists():  # one module at a time: keep the others' figures
        earlier = json.loads(REPORT.read_text(encoding="utf-8"))
        if earlier.get("sampled") == args.limit and "rounds" in earlier:
            for module, figures in earlier["modules"].items():
                if module not in by_module:
                    by_module[module] = figures
                    survivors += [s for s in earlier["survivors"] if s["module"] == module]
            seconds += earlier["seconds"]
            timeouts += earlier["timeouts"]
            rounds = earlier["rounds"]
    survivors.sort(key=lambda s: (s["module"], s["line"]))
    killed = sum(f["killed"] for f in by_module.values())
    survived = sum(f["survived"] for f in by_module.values())
    report = {
        "modules": by_module,
        "killed": killed,
        "survived": survived,
        "timeouts": timeouts,
        "tests": "pytest -x on the module's tests in scripts/mutate.py TESTS",
        "seconds": seconds,
        "survivors": survivors,
        "sampled": previous["sampled"] if previous else args.limit,
        "rounds": rounds,
    }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    total = killed + survived
    print(f"{killed} of {total} mutants killed ({100.0 * killed / total if total else 100:.1f}%); see {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
