"""Write the bad and awkward input corpus (run from anywhere: python tests/data/bad/make_corpus.py)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def main() -> None:
    rng = np.random.default_rng(0)
    files: dict[str, bytes] = {}
    # unreadable: each must give a clear error and keep the previous dataset
    files["empty.csv"] = b""
    files["header_only.csv"] = b"age,income,churn\n"
    files["garbage.csv"] = bytes(rng.integers(0, 256, 4096, dtype=np.uint8))
    files["fake.xlsx"] = b"this,is,not\na,workbook,at all\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    files["archive.zip"] = archive.getvalue()
    packed = gzip.compress(csv(pd.DataFrame(rng.normal(size=(200, 4)).round(5), columns=list("abcd"))))
    files["corrupt.csv.gz"] = packed[: len(packed) // 2]
    files["ragged.csv"] = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n"
    files["old_excel.xls"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    files["very_wide.csv"] = csv(pd.DataFrame(rng.integers(0, 9, size=(3, 2500)),
                                              columns=[f"c{i}" for i in range(2500)]))
    # readable, but the target cannot be balanced: a clear error when it is chosen
    files["one_class.csv"] = csv(pd.DataFrame({"x": rng.normal(size=50).round(3), "y": "same"}))
    files["continuous_target.csv"] = csv(pd.DataFrame({"x": rng.integers(0, 5, 200),
                                                       "y": rng.normal(size=200).round(4)}))
    files["thousand_classes.csv"] = csv(pd.DataFrame({"x": rng.integers(0, 5, 3000),
                                                      "y": [f"k{i % 1000}" for i in range(3000)]}))
    # awkward but valid: load with a warning or a notice
    files["duplicate_headers.csv"] = b"a,a,b,label\n1,2,3,x\n4,5,6,y\n7,8,9,x\n1,1,1,x\n"
    base = pd.DataFrame({"x": rng.normal(size=120).round(3), "z": rng.integers(0, 9, 120),
                         "label": np.where(rng.random(120) < 0.2, "rare", "common")})
    files["all_missing_column.csv"] = csv(base.assign(empty=np.nan))
    with_inf = base.astype({"x": float}).copy()
    with_inf.loc[[3, 7], "x"] = np.inf
    files["infinite_values.csv"] = csv(with_inf)
    files["column_identical_to_target.csv"] = csv(base.assign(copy=base["label"]))
    files["formulas.csv"] = csv(base.assign(note=np.where(np.arange(120) % 3 == 0, "=HYPERLINK(\"x\")", "+1 ok")))
    files["very_long.csv"] = csv(pd.DataFrame({"x": rng.normal(size=6000).round(3),
                                               "label": np.where(rng.random(6000) < 0.1, "a", "b")}))
    for name, content in files.items():
        (HERE / name).write_bytes(content)


if __name__ == "__main__":
    main()
