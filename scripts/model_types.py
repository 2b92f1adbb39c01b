"""Write ``balancer/model_types.py``: every object a Balancer model file holds, as (type, skops loader).

``balancer predict`` loads a model file only when each object in it is one of these (see
``balancer.shipping.load``). The list is made by saving what Balancer itself ships: every
model-side tactic (a sampler stands for all samplers: they are taken out of the saved pipeline)
with every model and calibration, on two and three classes, tables with pandas' nullable and
category dtypes, the numpy scalar of every column dtype, plus the prior-predicting fallback of
the boosting ensembles. Run it after changing a pinned version of scikit-learn,
imbalanced-learn, numpy or skops (a moved class shows up as a changed list, and
``tests/unit/test_shipping.py`` fails until it is run):

    .venv/bin/python scripts/model_types.py

It takes about four minutes on two cores.
"""

from __future__ import annotations

import io
import itertools
import sys
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import skops.io  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402

from balancer import shipping  # noqa: E402
from balancer.errors import ParameterError  # noqa: E402
from balancer.evaluate import MODELS  # noqa: E402
from tests.conftest import mixed_table  # noqa: E402

TACTICS = ("none", "SMOTE", "class_weight", "threshold", "anomaly", "decompose", "BalancedRandomForestClassifier",
           "EasyEnsembleClassifier", "RUSBoostClassifier", "BalancedBaggingClassifier")
CALIBRATIONS = (None, "prior", "sigmoid", "isotonic")
HEADER = '''"""The objects a Balancer model file holds: (type, the skops loader that builds it).

Written by ``scripts/model_types.py`` from the files Balancer itself saves (every model-side
tactic with every model and calibration, on two and three classes); do not edit by hand.
``balancer.shipping.load`` builds a model file only when every object in it is one of these, so
a file cannot make Balancer build anything its own models are not made of.
"""

from __future__ import annotations

MODEL_NODES: frozenset[tuple[str, str]] = frozenset({
'''


def saved(shipped: shipping.Shipped) -> bytes:
    """The model file's bytes, written without the check of what it holds (being made here)."""
    return shipping.dumps(shipped)


def nodes(raw: bytes) -> set[tuple[str, str]]:
    return shipping.schema_nodes(zipfile.ZipFile(io.BytesIO(raw)).read("schema.json"))


def nullable(table):  # type: ignore[no-untyped-def]
    """The table with the columns a reader gives for gaps in true/false and whole-number columns
    (pandas' nullable dtypes), and a category column: their levels are numpy scalars."""
    out = table.copy()
    gaps = np.arange(len(out)) % 10 == 0
    out["flag"] = pd.array(np.where(gaps, None, out["flag"]), dtype="boolean")
    out["x_int"] = pd.array(np.where(gaps, None, out["x_int"]), dtype="Int64")
    out["colour"] = out["colour"].astype("category")
    return out


def main() -> None:
    warnings.filterwarnings("ignore")
    tables = {2: mixed_table(), 3: mixed_table(n=300, minority=40, classes=3, seed=1)}
    found: set[tuple[str, str]] = set()
    for classes, tactic, model, calibration in itertools.product(tables, TACTICS, MODELS, CALIBRATIONS):
        try:
            shipped = shipping.fit_final(tables[classes], "label", tactic, model, calibration=calibration)
        except ParameterError:  # a combination Balancer refuses (prior with a tactic that hides its rates)
            continue
        found |= nodes(saved(shipped))
    for classes, tactic in itertools.product(tables, ("none", "SMOTE")):
        found |= nodes(saved(shipping.fit_final(nullable(tables[classes]), "label", tactic)))
    # a level of any column dtype is a numpy scalar of its type (built from an array: harmless)
    for code in "?bBhHiIlLqQefdgSUMm":
        scalar = np.dtype(code).type
        found |= {(f"{scalar.__module__}.{scalar.__name__}", loader) for loader in ("NdArrayNode", "TypeNode")}
    # NoSignalFallback predicts the class prior when boosting finds no signal
    x, y = np.zeros((10, 2)), np.array([0, 1] * 5)
    found |= nodes(skops.io.dumps(DummyClassifier(strategy="prior").fit(x, y)))
    lines = "".join(f"    ({name!r}, {loader!r}),\n".replace("'", '"') for name, loader in sorted(found))
    text = HEADER + lines + "})\n#: The type names alone.\nMODEL_TYPES: frozenset[str] = frozenset(name for name, _ in MODEL_NODES)\n"
    (ROOT / "balancer" / "model_types.py").write_text(text)
    print(f"{len(found)} objects written to balancer/model_types.py")


if __name__ == "__main__":
    main()
