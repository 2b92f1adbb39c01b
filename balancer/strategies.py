"""THE registry: every tactic Balancer offers, its family and its parameters.

One entry per tactic drives the dashboard's forms, the command line's ``methods`` listing, the
comparison and the parametrized tests. Parameter constraints are data (:class:`Param`), not ``if``
chains. Adding a tactic means adding one entry to :data:`STRATEGIES`.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from imblearn import combine, over_sampling, under_sampling

from . import tactics
from .errors import MethodError, ParameterError
from .profiling import label_str, suggest

FAMILIES = {
    "baseline": "No balancing",
    "over": "Over-sampling",
    "under": "Under-sampling",
    "combined": "Over- then under-sampling",
    "cost": "Penalized model",
    "threshold": "Decision threshold",
    "anomaly": "Anomaly detection",
    "decompose": "Decompose the majority",
    "ensemble": "Imbalance-aware ensemble",
}

_SS_NAMES = {
    "over-sampling": ("auto", "minority", "not minority", "not majority", "all"),
    "under-sampling": ("auto", "majority", "not minority", "not majority", "all"),
    "clean-sampling": ("auto", "majority", "not minority", "not majority", "all"),
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a tactic: type, default, bounds and one line of help.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` or ``"costs"`` (``balanced`` or
    per-class costs). ``optional`` parameters accept
    None, shown as ``none_label`` (imbalanced-learn's own default then applies).
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False
    none_label: str = "auto"

    def coerce(self, value: Any, method: str = "") -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        where = f"{method} parameter {self.name}" if method else f"parameter {self.name}"
        if isinstance(value, str):
            value = value.strip()
            if self.optional and value.lower() in ("none", "null", "", self.none_label.lower()):
                return None
        if value is None:
            if self.optional:
                return None
            raise ParameterError(f"{where} needs a value ({self._expects()})")
        try:
            if self.kind == "int":
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                out: Any = int(number)
            elif self.kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                out = float(value)
                if out != out:  # NaN
                    raise ValueError
            elif self.kind == "bool":
                if isinstance(value, str):
                    lowered = value.lower()
                    if lowered not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    out = lowered in ("true", "1", "yes")
                else:
                    out = bool(value)
            elif self.kind == "costs":
                out = _costs(value)
            else:
                matches = [c for c in self.choices if str(c).lower() == str(value).lower()]
                if not matches:
                    raise ValueError
                out = matches[0]
        except (TypeError, ValueError):
            raise ParameterError(f"{where} got {value!r}; it expects {self._expects()}") from None
        if self.kind in ("int", "float"):
            if (self.low is not None and out < self.low) or (self.high is not None and out > self.high):
                raise ParameterError(f"{where} got {value!r}; it expects {self._expects()}")
        return out

    def _expects(self) -> str:
        if self.kind == "costs":
            text = "'balanced' or per-class costs such as {\"yes\": 10, \"no\": 1}"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "bool":
            text = "true or false"
        else:
            noun = "a whole number" if self.kind == "int" else "a number"
            if self.low is not None and self.high is not None:
                text = f"{noun} from {self.low:g} to {self.high:g}"
            elif self.low is not None:
                text = f"{noun} of at least {self.low:g}"
            else:
                text = noun
        return text + (f", or {self.none_label!r}" if self.optional else "")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``balancer methods --json``."""
        out: dict[str, Any] = {"name": self.name, "type": self.kind, "default": self.default,
                               "help": self.help}
        if self.low is not None:
            out["min"] = self.low
        if self.high is not None:
            out["max"] = self.high
        if self.choices:
            out["choices"] = list(self.choices)
        if self.optional:
            out["optional"] = True
            out["none_means"] = self.none_label
        return out


@dataclasses.dataclass(frozen=True)
class Strategy:
    """A tactic: its name, family, one-line description, parameters and how to build it.

    ``sampler`` is the imbalanced-learn class (None for tactics that change the model, not the
    data). ``class_k`` names the parameters that need every resampled class to have more rows
    than their value (the neighbour counts within a class). ``row_selecting`` tactics return only
    original rows. ``estimator`` builds the tactics that replace or wrap the model instead
    (``(base_model, params, seed, metric, positive_code) -> classifier``); ``uses_model`` is False
    for the ensembles, which bring their own.
    """

    name: str
    family: str
    description: str
    params: tuple[Param, ...] = ()
    sampler: type | None = None
    class_k: tuple[str, ...] = ()
    neighbour_based: bool = False
    row_selecting: bool = False
    build: Callable[[dict[str, Any], Any, int], Any] | None = None
    estimator: Callable[[Any, dict[str, Any], int, str, int], Any] | None = None
    binary_only: bool = False
    uses_model: bool = True

    @property
    def sampling_type(self) -> str | None:
        """imbalanced-learn's ``_sampling_type``: over-, under- or clean-sampling (None if no sampler)."""
        return getattr(self.sampler, "_sampling_type", None) if self.sampler else None

    @property
    def counts_controllable(self) -> bool:
        """Whether ``sampling_strategy`` may be a ratio or per-class counts."""
        return self.sampling_type in ("over-sampling", "under-sampling")

    @property
    def resamples(self) -> bool:
        """Whether the tactic changes the data (and so has a resampled file)."""
        return self.sampler is not None or self.name == "none"

    def param(self, name: str) -> Param:
        """Return the parameter called ``name``."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """Return the default value of every parameter."""
        return {p.name: p.default for p in self.params}

    def validate(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return the full, typed parameters (defaults filled in) or raise :class:`ParameterError`.

        ``sampling_strategy`` passes through untouched; :func:`parse_sampling_strategy` checks it
        against the data.
        """
        given = dict(params or {})
        out = self.defaults()
        sampling_strategy = given.pop("sampling_strategy", None)
        known = [p.name for p in self.params]
        for key, value in given.items():
            if key not in known:
                accepted = ", ".join(known + (["sampling_strategy"] if self.sampler else []))
                raise ParameterError(
                    f"{self.name} has no parameter {key!r}.{suggest(key, known)} "
                    f"It accepts: {accepted or 'no parameters'}"
                )
            out[key] = self.param(key).coerce(value, self.name)
        if sampling_strategy is not None:
            if self.sampler is None:
                raise ParameterError(f"{self.name} does not resample, so it takes no sampling_strategy")
            out["sampling_strategy"] = sampling_strategy
        return out

    def make(self, params: Mapping[str, Any], sampling_strategy: Any = "auto", seed: int = 0) -> Any:
        """Return a new imbalanced-learn sampler for these (validated) parameters, or None."""
        if self.sampler is None:
            return None
        kwargs = {k: v for k, v in params.items() if k != "sampling_strategy"}
        if self.build is not None:
            return self.build(kwargs, sampling_strategy, seed)
        if "random_state" in inspect.signature(self.sampler).parameters:
            kwargs["random_state"] = seed
        return self.sampler(sampling_strategy=sampling_strategy, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``balancer methods --json``."""
        return {
            "name": self.name,
            "family": self.family,
            "description": self.description,
            "neighbour_based": self.neighbour_based,
            "row_selecting": self.row_selecting,
            "sampling_type": self.sampling_type,
            "changes": "data" if self.sampler is not None else ("nothing" if self.name == "none" else "model"),
            "binary_only": self.binary_only,
            "sampling_strategy": list(_SS_NAMES.get(self.sampling_type or "", ()))
            + (["ratio", "counts"] if self.counts_controllable else
               (["classes"] if self.sampling_type == "clean-sampling" else [])),
            "params": [p.to_dict() for p in self.params],
        }


# --------------------------------------------------------------------------------------------
# the entries


def _costs(value: Any) -> Any:
    """Return 'balanced' or a dict of positive per-class costs (labels as given)."""
    if isinstance(value, str):
        if value.strip().lower() == "balanced":
            return "balanced"
        value = json.loads(value)
    if not isinstance(value, Mapping) or not value:
        raise ValueError
    out = {}
    for key, cost in value.items():
        number = float(cost)
        if not number > 0 or number != number or number == float("inf"):
            raise ValueError
        out[key] = number
    return out


def _k(name: str = "k_neighbors", default: int = 5, help: str | None = None) -> Param:
    return Param(name, "int", default, help or "nearest neighbours used to make each synthetic row",
                 low=1, high=100)


_KIND_SEL = Param("kind_sel", "choice", "all",
                  "'all': drop a row if any neighbour disagrees; 'mode': if most do",
                  choices=("all", "mode"))


def _smote_enn(params: dict[str, Any], ss: Any, seed: int) -> Any:
    return combine.SMOTEENN(
        sampling_strategy=ss, random_state=seed,
        smote=over_sampling.SMOTE(sampling_strategy=ss, random_state=seed,
                                  k_neighbors=params["k_neighbors"]),
        enn=under_sampling.EditedNearestNeighbours(
            sampling_strategy="all", n_neighbors=params["n_neighbors"], kind_sel=params["kind_sel"]),
    )


def _smote_tomek(params: dict[str, Any], ss: Any, seed: int) -> Any:
    return combine.SMOTETomek(
        sampling_strategy=ss, random_state=seed,
        smote=over_sampling.SMOTE(sampling_strategy=ss, random_state=seed,
                                  k_neighbors=params["k_neighbors"]),
        tomek=under_sampling.TomekLinks(sampling_strategy="all"),
    )


def _kmeans_smote(params: dict[str, Any], ss: Any, seed: int) -> Any:
    kwargs = dict(params)
    for key in ("cluster_balance_threshold", "density_exponent"):
        if kwargs.get(key) is None:
            kwargs[key] = "auto"
    if kwargs.get("kmeans_estimator") is None:
        kwargs.pop("kmeans_estimator", None)
    return over_sampling.KMeansSMOTE(sampling_strategy=ss, random_state=seed, **kwargs)


def _cluster_centroids(params: dict[str, Any], ss: Any, seed: int) -> Any:
    from sklearn.cluster import KMeans

    return under_sampling.ClusterCentroids(
        sampling_strategy=ss, random_state=seed, voting=params["voting"],
        estimator=KMeans(n_init=1, random_state=seed),
    )


def _iht(params: dict[str, Any], ss: Any, seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return under_sampling.InstanceHardnessThreshold(
        sampling_strategy=ss, random_state=seed, cv=params["cv"],
        estimator=RandomForestClassifier(n_estimators=50, random_state=seed, n_jobs=1),
    )


_ENTRIES: tuple[Strategy, ...] = (
    Strategy("none", "baseline", "Leave the data as it is: the baseline every tactic must beat."),
    # ---- over-sampling (8)
    Strategy("RandomOverSampler", "over",
             "Duplicate random minority rows (or add a little noise with shrinkage).",
             (Param("shrinkage", "float", None,
                    "smoothed bootstrap: jitter copies by this factor of each feature's spread",
                    low=0, high=10, optional=True, none_label="off"),),
             over_sampling.RandomOverSampler, row_selecting=True),
    Strategy("SMOTE", "over",
             "Synthesize minority rows between a row and its nearest same-class neighbours; "
             "becomes SMOTENC/SMOTEN with categorical columns.",
             (_k(),), over_sampling.SMOTE, class_k=("k_neighbors",), neighbour_based=True),
    Strategy("SMOTENC", "over",
             "SMOTE for mixed numeric and categorical columns: categories come from the neighbours.",
             (_k(),), over_sampling.SMOTENC, class_k=("k_neighbors",), neighbour_based=True),
    Strategy("SMOTEN", "over",
             "SMOTE for all-categorical tables (value difference metric).",
             (_k(),), over_sampling.SMOTEN, class_k=("k_neighbors",), neighbour_based=True),
    Strategy("ADASYN", "over",
             "Like SMOTE, but makes more rows where the minority is hardest to learn.",
             (_k("n_neighbors", 5, "neighbours used to weigh difficulty and to interpolate"),),
             over_sampling.ADASYN, class_k=("n_neighbors",), neighbour_based=True),
    Strategy("BorderlineSMOTE", "over",
             "SMOTE only from minority rows near the class border.",
             (_k(), Param("m_neighbors", "int", 10, "neighbours used to decide if a row is on the border",
                          low=1, high=100),
              Param("kind", "choice", "borderline-1", "borderline-2 also interpolates toward other classes",
                    choices=("borderline-1", "borderline-2"))),
             over_sampling.BorderlineSMOTE, class_k=("k_neighbors",), neighbour_based=True),
    Strategy("SVMSMOTE", "over",
             "SMOTE from the support vectors of an SVM, along the decision border.",
             (_k(), Param("m_neighbors", "int", 10, "neighbours used to decide if a row is in danger",
                          low=1, high=100),
              Param("out_step", "float", 0.5, "step size when extrapolating away from other classes",
                    low=0, high=1)),
             over_sampling.SVMSMOTE, class_k=("k_neighbors",), neighbour_based=True),
    Strategy("KMeansSMOTE", "over",
             "Cluster first with k-means, then SMOTE inside clusters rich in minority rows.",
             (_k(default=2),
              Param("kmeans_estimator", "int", None, "number of k-means clusters", low=1, high=1000,
                    optional=True, none_label="auto"),
              Param("cluster_balance_threshold", "float", None,
                    "minimum minority share for a cluster to be used", low=0, high=1, optional=True),
              Param("density_exponent", "float", None, "exponent of the cluster density weighting",
                    low=0, high=100, optional=True)),
             over_sampling.KMeansSMOTE, class_k=("k_neighbors",), neighbour_based=True,
             build=_kmeans_smote),
    # ---- under-sampling (11)
    Strategy("RandomUnderSampler", "under", "Drop random rows of the larger classes.",
             (Param("replacement", "bool", False, "draw with replacement"),),
             under_sampling.RandomUnderSampler, row_selecting=True),
    Strategy("ClusterCentroids", "under",
             "Replace the larger classes by k-means centroids ('hard' voting keeps real rows).",
             (Param("voting", "choice", "auto", "'soft' makes centroids; 'hard' picks the nearest real rows",
                    choices=("auto", "hard", "soft")),),
             under_sampling.ClusterCentroids, neighbour_based=True, build=_cluster_centroids),
    Strategy("CondensedNearestNeighbour", "under",
             "Keep only the rows a 1-NN rule needs to classify the rest (slow on large tables).",
             (Param("n_neighbors", "int", None, "neighbours of the rule", low=1, high=100,
                    optional=True, none_label="1"),
              Param("n_seeds_S", "int", 1, "rows the kept set starts from", low=1, high=1000)),
             under_sampling.CondensedNearestNeighbour, neighbour_based=True, row_selecting=True),
    Strategy("EditedNearestNeighbours", "under",
             "Drop rows of the larger classes whose neighbours disagree with them.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"), _KIND_SEL),
             under_sampling.EditedNearestNeighbours, neighbour_based=True, row_selecting=True),
    Strategy("RepeatedEditedNearestNeighbours", "under",
             "Edited nearest neighbours, repeated until nothing more is dropped.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"),
              Param("max_iter", "int", 100, "most repetitions", low=1, high=1000), _KIND_SEL),
             under_sampling.RepeatedEditedNearestNeighbours, neighbour_based=True, row_selecting=True),
    Strategy("AllKNN", "under",
             "Edited nearest neighbours with 1, 2, ... k neighbours in turn.",
             (_k("n_neighbors", 3, "largest neighbourhood"), _KIND_SEL,
              Param("allow_minority", "bool", False, "allow the majority to become the minority")),
             under_sampling.AllKNN, neighbour_based=True, row_selecting=True),
    Strategy("InstanceHardnessThreshold", "under",
             "Drop the rows of the larger classes that a cross-validated forest finds hardest.",
             (Param("cv", "int", 5, "folds used to estimate hardness", low=2, high=20),),
             under_sampling.InstanceHardnessThreshold, row_selecting=True, build=_iht),
    Strategy("NearMiss", "under",
             "Keep the majority rows closest to the minority (versions 1, 2, 3).",
             (Param("version", "choice", 1, "1: nearest on average, 2: to the farthest, 3: two-step",
                    choices=(1, 2, 3)),
              _k("n_neighbors", 3, "minority neighbours averaged over"),
              _k("n_neighbors_ver3", 3, "neighbours of the first step of version 3")),
             under_sampling.NearMiss, class_k=(), neighbour_based=True, row_selecting=True),
    Strategy("NeighbourhoodCleaningRule", "under",
             "Edited nearest neighbours plus cleaning around misclassified minority rows.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"),
              Param("threshold_cleaning", "float", 0.5, "smallest class share to clean", low=0, high=1)),
             under_sampling.NeighbourhoodCleaningRule, neighbour_based=True, row_selecting=True),
    Strategy("OneSidedSelection", "under",
             "Condensed nearest neighbour, then remove Tomek links.",
             (Param("n_neighbors", "int", None, "neighbours of the rule", low=1, high=100,
                    optional=True, none_label="1"),
              Param("n_seeds_S", "int", 1, "rows the kept set starts from", low=1, high=1000)),
             under_sampling.OneSidedSelection, neighbour_based=True, row_selecting=True),
    Strategy("TomekLinks", "under",
             "Drop the majority row of each pair of mutual nearest neighbours of different classes.",
             (), under_sampling.TomekLinks, neighbour_based=True, row_selecting=True),
    # ---- combined (2)
    Strategy("SMOTEENN", "combined",
             "SMOTE, then clean every class with edited nearest neighbours.",
             (_k(), _k("n_neighbors", 3, "neighbours that vote in the cleaning step"), _KIND_SEL),
             combine.SMOTEENN, class_k=("k_neighbors",), neighbour_based=True, build=_smote_enn),
    Strategy("SMOTETomek", "combined", "SMOTE, then remove Tomek links.",
             (_k(),), combine.SMOTETomek, class_k=("k_neighbors",), neighbour_based=True,
             build=_smote_tomek),
    # ---- penalized model
    Strategy("class_weight", "cost",
             "Keep the data; weigh errors on rare classes more in the model (balanced weights, or "
             "per-class costs such as {\"yes\": 10}).",
             (Param("weights", "costs", "balanced",
                    "'balanced' weighs classes inversely to their size; or a cost per class"),),),
    # ---- tactics that change the model
    Strategy("threshold", "threshold",
             "Keep the data; move the decision threshold to the value that maximizes the chosen "
             "metric, tuned by cross-validation inside the training folds (two classes).",
             (Param("cv", "int", 3, "inner folds used to tune the threshold", low=2, high=10),),
             estimator=tactics.threshold_model, binary_only=True),
    Strategy("anomaly", "anomaly",
             "Look from another angle: an isolation forest learns the majority class alone and flags "
             "anything unusual as the minority; its cut-off is tuned on the training folds.",
             (Param("n_estimators", "int", 100, "trees in the isolation forest", low=10, high=1000),),
             estimator=tactics.anomaly_model, binary_only=True, uses_model=False),
    Strategy("decompose", "decompose",
             "Get creative: split the majority class into k clusters, learn k+1 classes, merge the "
             "clusters back when predicting.",
             (Param("k", "int", 4, "clusters the majority class is split into", low=2, high=50),),
             estimator=tactics.decompose_model),
    Strategy("BalancedRandomForestClassifier", "ensemble",
             "A random forest whose every tree sees a balanced bootstrap sample.",
             (Param("n_estimators", "int", 100, "trees", low=10, high=1000),),
             estimator=tactics.balanced_random_forest, uses_model=False),
    Strategy("EasyEnsembleClassifier", "ensemble",
             "AdaBoost learners, each on a balanced random under-sample of the data.",
             (Param("n_estimators", "int", 10, "AdaBoost learners", low=2, high=200),),
             estimator=tactics.easy_ensemble, uses_model=False),
    Strategy("RUSBoostClassifier", "ensemble",
             "Boosting with random under-sampling at every round.",
             (Param("n_estimators", "int", 50, "boosting rounds", low=5, high=1000),),
             estimator=tactics.rus_boost, uses_model=False),
    Strategy("BalancedBaggingClassifier", "ensemble",
             "Bagged decision trees, each on a balanced random under-sample.",
             (Param("n_estimators", "int", 10, "trees", low=2, high=500),),
             estimator=tactics.balanced_bagging, uses_model=False),
)

STRATEGIES: dict[str, Strategy] = {s.name: s for s in _ENTRIES}
SAMPLERS: tuple[str, ...] = tuple(s.name for s in _ENTRIES if s.sampler is not None)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_NORM = {_norm(name): strategy for name, strategy in STRATEGIES.items()}


def get(name: str) -> Strategy:
    """Return the strategy named ``name`` (case, spaces, ``-`` and ``_`` ignored)."""
    strategy = _BY_NORM.get(_norm(str(name)))
    if strategy is None:
        raise MethodError(
            f"unknown method {name!r}.{suggest(str(name), list(STRATEGIES))} "
            "Run 'balancer methods' to list them."
        )
    return strategy


def by_family() -> dict[str, list[Strategy]]:
    """Return the strategies grouped by family, in registry order."""
    out: dict[str, list[Strategy]] = {family: [] for family in FAMILIES}
    for strategy in _ENTRIES:
        out[strategy.family].append(strategy)
    return out


# --------------------------------------------------------------------------------------------
# sampling_strategy


def parse_sampling_strategy(
    value: Any, strategy: Strategy, counts: Mapping[Hashable, int]
) -> Any:
    """Return ``value`` as imbalanced-learn expects it for this data, or raise :class:`ParameterError`.

    Accepted: a name (``auto``, ``minority``, ``not majority``, ...), a ratio for binary targets
    (minority / majority after resampling), per-class counts (``{"yes": 500}`` or JSON text), or
    for cleaning methods a list of classes. Labels may be written as text.
    """
    if value is None:
        return "auto"
    kind = strategy.sampling_type or "over-sampling"
    names = _SS_NAMES[kind]
    method = strategy.name
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in names:
            return text.lower()
        if text[:1] in "{[":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ParameterError(f"sampling_strategy {text!r} is not valid JSON ({exc.msg})") from None
        else:
            try:
                value = float(text)
            except ValueError:
                raise ParameterError(
                    f"sampling_strategy {text!r} is not understood; {method} accepts "
                    f"{', '.join(repr(n) for n in names)}"
                    + (", a ratio such as 0.5, or per-class counts such as {\"yes\": 500}"
                       if strategy.counts_controllable else ", or a list of classes")
                ) from None
    labels = {label_str(k): k for k in counts}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not strategy.counts_controllable:
            raise ParameterError(f"{method} cleans rows and cannot aim at a ratio; use a name such as 'auto'")
        if len(counts) != 2:
            raise ParameterError(
                f"a ratio for sampling_strategy works only with two classes; this target has "
                f"{len(counts)}. Give per-class counts instead"
            )
        ratio = float(value)
        current = min(counts.values()) / max(counts.values())
        if not 0 < ratio <= 1:
            raise ParameterError(f"sampling_strategy ratio {ratio:g} must be above 0 and at most 1")
        if ratio < current - 1e-12:
            raise ParameterError(
                f"sampling_strategy ratio {ratio:g} is below the current minority/majority ratio "
                f"{current:.3f}; ask for at least {current:.3f}"
            )
        return ratio
    if isinstance(value, list):
        if strategy.sampling_type != "clean-sampling":
            raise ParameterError(f"{method} takes per-class counts, not a list of classes")
        out_list = []
        for item in value:
            if label_str(item) not in labels:
                raise ParameterError(_unknown_label(item, labels))
            out_list.append(labels[label_str(item)])
        return out_list
    if isinstance(value, Mapping):
        if not strategy.counts_controllable:
            raise ParameterError(f"{method} cleans rows and cannot aim at counts; use a name such as 'auto'")
        out: dict[Hashable, int] = {}
        for key, count in value.items():
            if label_str(key) not in labels:
                raise ParameterError(_unknown_label(key, labels))
            label = labels[label_str(key)]
            try:
                number = int(count)
                if number != float(count) or number < 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise ParameterError(f"the count for class {label_str(key)!r} must be a whole number, got {count!r}") from None
            have = counts[label]
            if kind == "over-sampling" and number < have:
                raise ParameterError(
                    f"{method} adds rows: class {label_str(key)!r} has {have:,}, so ask for at "
                    f"least {have:,} (asked {number:,})"
                )
            if kind == "under-sampling" and number > have:
                raise ParameterError(
                    f"{method} removes rows: class {label_str(key)!r} has {have:,}, so ask for at "
                    f"most {have:,} (asked {number:,})"
                )
            out[label] = number
        return out
    raise ParameterError(f"sampling_strategy {value!r} is not understood")


def _unknown_label(label: Any, labels: Mapping[str, Any]) -> str:
    shown = ", ".join(repr(k) for k in list(labels)[:20])
    return f"sampling_strategy names class {label_str(label)!r}, which the target does not have ({shown})"


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """Parse command-line ``KEY=VALUE`` pairs into a dict (values stay text)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r} should look like KEY=VALUE, e.g. k_neighbors=3")
        out[key.strip()] = value.strip()
    return out


__all__ = [
    "FAMILIES",
    "SAMPLERS",
    "STRATEGIES",
    "Param",
    "Strategy",
    "by_family",
    "get",
    "parse_params",
    "parse_sampling_strategy",
]
