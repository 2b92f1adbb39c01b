"""imbalanced-learn's own tests, run against Balancer's drop-ins in place of its classes.

The installed imbalanced-learn (0.14.2) ships its tests. This script runs its sampler test modules
for every class Balancer replaces, and ``imblearn/tests/test_common.py`` (scikit-learn's and
imbalanced-learn's estimator checks, parameter validation, pandas column names), twice in fresh
processes: once as they are (the baseline) and once with each of imbalanced-learn's classes replaced
by Balancer's drop-in (:data:`balancer.samplers.DROP_INS`). The drop-ins are put in place under
imbalanced-learn's own names (a subclass named ``SMOTE`` of ``FastSMOTE``, defined in this module so
that pickling finds it), since some tests read the class name in messages and identifiers; the test
parameters imbalanced-learn keeps per class are copied over.

    python benchmarks/imblearn_suite.py [--write] [-k EXPR]

prints, per test module (and per estimator for test_common), how many tests pass, fail, are
skipped or are expected failures in each run, and the tests that fail with the drop-ins only;
``--write`` puts the table into RESULTS.md. It exits 1 when a drop-in fails a test the original
passes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: imbalanced-learn's test modules for the classes Balancer replaces
MODULES = [
    "imblearn/over_sampling/_smote/tests/test_smote.py",
    "imblearn/over_sampling/_smote/tests/test_borderline_smote.py",
    "imblearn/over_sampling/_smote/tests/test_svm_smote.py",
    "imblearn/over_sampling/tests/test_adasyn.py",
    "imblearn/over_sampling/tests/test_common.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_tomek_links.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_edited_nearest_neighbours.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_repeated_edited_nearest_neighbours.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_allknn.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_one_sided_selection.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_condensed_nearest_neighbour.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_neighbourhood_cleaning_rule.py",
    "imblearn/under_sampling/_prototype_selection/tests/test_nearmiss.py",
    "imblearn/combine/tests/test_smote_enn.py",
    "imblearn/combine/tests/test_smote_tomek.py",
    "imblearn/tests/test_common.py",
]
_SWAP = "BALANCER_SUITE_SWAP"


# --------------------------------------------------------------------------------------------
# the pytest plugin (loaded with -p benchmarks.imblearn_suite in the child process)


def pytest_configure(config: object) -> None:
    """Put the drop-ins in place of imbalanced-learn's classes, before any test module is imported."""
    if os.environ.get(_SWAP) != "1":
        return
    import imblearn.combine
    import imblearn.over_sampling
    import imblearn.under_sampling
    from imblearn.utils._test_common import instance_generator

    from balancer.samplers import DROP_INS

    here = sys.modules[__name__]
    for original, fast in DROP_INS.items():
        named = type(original.__name__, (fast,), {"__module__": __name__, "__doc__": fast.__doc__})
        named.__qualname__ = original.__name__
        setattr(here, original.__name__, named)
        for package in (imblearn.over_sampling, imblearn.under_sampling, imblearn.combine):
            if getattr(package, original.__name__, None) is original:
                setattr(package, original.__name__, named)
        for table in (instance_generator.INIT_PARAMS, instance_generator.PER_ESTIMATOR_XFAIL_CHECKS,
                      instance_generator.PER_ESTIMATOR_CHECK_PARAMS):
            if original in table:
                table[named] = table[original]


# --------------------------------------------------------------------------------------------
# running it


def run(swap: bool, keyword: str | None) -> dict[str, Counter]:
    """Run the modules in a fresh process; outcomes per module (test_common: per estimator)."""
    import imblearn

    site = Path(imblearn.__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "benchmarks.imblearn_suite", "-p", "no:cacheprovider",
                   "-p", "no:randomly", f"--junitxml={report}", "--rootdir", str(site), "-W", "ignore",
                   *[str(site / m) for m in MODULES]]
        if keyword:
            command += ["-k", keyword]
        env = dict(os.environ, **{_SWAP: "1" if swap else "0"}, PYTHONPATH=str(ROOT))
        subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=7200)
        return outcomes(report)


def outcomes(report: Path) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = case.get("name", "")
        if module == "test_common" and "imblearn.tests" in case.get("classname", ""):
            match = re.search(r"\[([A-Za-z]+)\(", name)
            module = f"test_common: {match.group(1) if match else 'other'}"
        children = {child.tag for child in case}
        skipped = case.find("skipped")
        if "failure" in children or "error" in children:
            outcome = "failed"
        elif skipped is not None:
            outcome = "xfailed" if "xfail" in (skipped.get("type", "") + skipped.get("message", "")) else "skipped"
        else:
            outcome = "passed"
        counts[module][outcome] += 1
        if outcome == "failed":
            counts[module][f"FAILED {name}"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression (a subset of the tests)")
    args = parser.parse_args()
    from balancer.samplers import DROP_INS

    ours = {cls.__name__ for cls in DROP_INS}
    baseline = run(False, args.keyword)
    swapped = run(True, args.keyword)
    lines, regressions = [], []
    totals = {"baseline": Counter(), "drop-ins": Counter()}
    for module in sorted(set(baseline) | set(swapped)):
        if module.startswith("test_common: ") and module.split(": ")[1] not in ours:
            continue
        before, after = baseline.get(module, Counter()), swapped.get(module, Counter())
        for key, counter in (("baseline", before), ("drop-ins", after)):
            for outcome in ("passed", "failed", "skipped", "xfailed"):
                totals[key][outcome] += counter[outcome]
        lines.append(f"| {module} | {_cell(before)} | {_cell(after)} |")
        new = sorted(k[7:] for k in after if k.startswith("FAILED ") and k not in before)
        regressions += [f"{module}: {name}" for name in new]
    body = "\n".join([
        "imbalanced-learn's own tests (its installed 0.14.2 test modules for every class Balancer "
        "replaces, and `imblearn/tests/test_common.py` for those classes), run as they are and with "
        "Balancer's drop-ins in place of imbalanced-learn's classes (`python benchmarks/imblearn_suite.py`).",
        "",
        "| module | imbalanced-learn's classes: passed / failed / skipped / xfail | Balancer's drop-ins |",
        "|---|---|---|",
        *lines,
        f"| **total** | {_cell(totals['baseline'])} | {_cell(totals['drop-ins'])} |",
        "",
        "Failing with the drop-ins only: " + (", ".join(regressions) if regressions else "none."),
    ])
    print(body)
    if args.write:
        from benchmarks.common import write_section

        write_section("imbalanced-learn's tests with the fast engine", body)
    sys.exit(1 if regressions else 0)


def _cell(counter: Counter) -> str:
    return " / ".join(str(counter[o]) for o in ("passed", "failed", "skipped", "xfailed"))


if __name__ == "__main__":
    main()
