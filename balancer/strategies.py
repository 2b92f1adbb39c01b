"""THE registry: every tactic Balancer offers, and everything about it, in one entry.

An entry (:class:`Strategy`) says what a tactic is (family, description, parameters as data), how
it is built (imbalanced-learn's class or a builder, and Balancer's fast drop-in if there is one),
where it runs (Spark support), and the flags every part of Balancer reads instead of lists of
names: which models it applies to, whether it needs two classes, returns original rows, searches
neighbours, only reads the labels, becomes SMOTENC/SMOTEN with categorical columns, or is part of
the default comparison. :func:`build` builds any of them.

The dashboard's forms, the command line's ``methods`` listing, the comparison, the Spark engine and
the parametrized tests all read it. Adding a tactic means adding one entry (or, for a test,
:func:`registered`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from imblearn import combine, over_sampling, under_sampling

from . import adapters, samplers, tactics
from .errors import MethodError, ParameterError
from .parameters import SAMPLING_STRATEGY_NAMES, Param, parse_params, parse_sampling_strategy
from .profiling import suggest

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

#: The tactic every other is measured against: the data left as it is.
BASELINE = "none"

#: ``(validated parameters, build context) -> sampler``
Builder = Callable[[dict[str, Any], "BuildContext"], Any]
#: ``(base model, parameters, seed, metric, positive class code) -> classifier``
EstimatorBuilder = Callable[[Any, dict[str, Any], int, str, int], Any]


@dataclasses.dataclass(frozen=True)
class Variants:
    """The tactic that really runs for the kinds of feature columns a table has (None: refused)."""

    numeric: str | None
    mixed: str | None
    categorical: str | None
    advice: str = ""


@dataclasses.dataclass(frozen=True)
class SparkSupport:
    """How the Spark engine runs a tactic.

    ``mode`` is ``"spark"`` (rows selected on Spark with exact counts) or ``"driver"`` (the small
    classes come to the driver and the local engine synthesizes). ``context``: on the driver it
    also looks at (a bounded sample of) the other classes' rows. ``notes`` are ``(parameter or
    None, notice)``: the notice is given when the parameter is set (always for None).
    """

    mode: str
    context: bool = False
    notes: tuple[tuple[str | None, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Retry:
    """When the tactic fails with ``param`` left at its default: run again with ``value``, saying ``notice``."""

    param: str
    value: Any
    notice: str


@dataclasses.dataclass(frozen=True)
class Hint:
    """Advice added to the tactic's error when the message holds ``when`` (and not ``unless``)."""

    text: str
    when: str = ""
    unless: str | None = None

    def applies(self, message: str) -> bool:
        """Whether the hint fits this error message."""
        return self.when in message and (self.unless is None or self.unless not in message)


@dataclasses.dataclass(frozen=True)
class Strategy:
    """A tactic: everything about it.

    ``sampler`` is the imbalanced-learn class (None for tactics that change the model, not the
    data). ``builder`` builds it when the class's constructor with the parameters is not enough;
    ``fast`` builds Balancer's drop-in with the same results (None: there is none). Both are
    :data:`Builder` functions. ``estimator`` builds the tactics that replace or wrap the model
    instead; ``uses_model`` is False for those that bring their own (ensembles, anomaly detection).
    ``class_k`` names the parameters that need every resampled class to have more rows than their
    value. ``row_selecting`` tactics return only original rows; ``neighbour_based`` ones search
    nearest neighbours; ``labels_only`` ones need no feature matrix unless one of
    ``features_if_set`` is set. ``variants`` picks SMOTENC/SMOTEN for categorical columns, which
    reach the sampler as ``encoding`` (``onehot`` or ``ordinal`` codes). ``spark`` says how the
    Spark engine runs it (None: it does not). ``retry`` and ``hints`` handle its known failures.
    ``compare_default``: part of the default comparison.
    """

    name: str
    family: str
    description: str
    params: tuple[Param, ...] = ()
    sampler: type | None = None
    builder: Builder | None = None
    fast: Builder | None = None
    estimator: EstimatorBuilder | None = None
    uses_model: bool = True
    binary_only: bool = False
    class_k: tuple[str, ...] = ()
    row_selecting: bool = False
    neighbour_based: bool = False
    labels_only: bool = False
    features_if_set: tuple[str, ...] = ()
    variants: Variants | None = None
    encoding: str = "onehot"
    spark: SparkSupport | None = None
    retry: Retry | None = None
    hints: tuple[Hint, ...] = ()
    compare_default: bool = False

    @property
    def sampling_type(self) -> str | None:
        """imbalanced-learn's sampling type: over-, under- or clean-sampling (None if no sampler)."""
        return adapters.sampling_type(self.sampler)

    @property
    def counts_controllable(self) -> bool:
        """Whether ``sampling_strategy`` may be a ratio or per-class counts."""
        return self.sampling_type in ("over-sampling", "under-sampling")

    @property
    def is_baseline(self) -> bool:
        """Whether this is the baseline (the data left as it is)."""
        return self.name == BASELINE

    @property
    def resamples(self) -> bool:
        """Whether the tactic changes the data (and so has a resampled file)."""
        return self.sampler is not None or self.is_baseline

    def needs_features(self, params: Mapping[str, Any]) -> bool:
        """Whether it reads the feature matrix with these parameters (not only the labels)."""
        return not self.labels_only or any(params.get(name) is not None for name in self.features_if_set)

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

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``balancer methods --json``."""
        return {
            "name": self.name,
            "family": self.family,
            "description": self.description,
            "neighbour_based": self.neighbour_based,
            "row_selecting": self.row_selecting,
            "sampling_type": self.sampling_type,
            "changes": "data" if self.sampler is not None else ("nothing" if self.is_baseline else "model"),
            "binary_only": self.binary_only,
            "uses_model": self.uses_model,
            "fast_variant": self.fast is not None,
            "spark": self.spark.mode if self.spark else None,
            "compare_default": self.compare_default,
            "sampling_strategy": list(SAMPLING_STRATEGY_NAMES.get(self.sampling_type or "", ()))
            + (["ratio", "counts"] if self.counts_controllable else
               (["classes"] if self.sampling_type == "clean-sampling" else [])),
            "params": [p.to_dict() for p in self.params],
        }


# --------------------------------------------------------------------------------------------
# building


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """What a :data:`Builder` gets besides the parameters: the entry, the sampling strategy, the
    seed, the categorical columns' positions (SMOTENC) and the engine that really runs."""

    entry: Strategy
    sampling_strategy: Any
    seed: int
    categorical_indices: list[int] | None
    engine: str

    def construct(self, params: Mapping[str, Any], cls: type | None = None) -> Any:
        """``cls`` (default: the entry's class) with these parameters, the sampling strategy, and the
        seed and categorical columns where its constructor takes them."""
        cls = cls or self.entry.sampler
        assert cls is not None
        accepted = inspect.signature(cls).parameters
        kwargs = dict(params)
        if "random_state" in accepted:
            kwargs["random_state"] = self.seed
        if "categorical_features" in accepted:
            kwargs["categorical_features"] = self.categorical_indices or []
        return cls(sampling_strategy=self.sampling_strategy, **kwargs)

    def part(self, name: str, params: Mapping[str, Any], sampling_strategy: Any = None) -> Any:
        """Another tactic built the same way (same seed and engine), e.g. the steps of SMOTEENN."""
        ss = self.sampling_strategy if sampling_strategy is None else sampling_strategy
        return build(name, params, ss, self.seed, categorical_indices=self.categorical_indices,
                     engine=self.engine)


def engine_in_use(engine: str | None = None) -> str:
    """``fast`` or ``imblearn``: the engine asked for (default ``BALANCER_ENGINE``), unless the fast
    one cannot be trusted with the installed library versions."""
    asked = engine or samplers.engine()
    return "fast" if asked == "fast" and adapters.internals_checked() else "imblearn"


def fallback_notice(name: str, engine: str | None = None) -> str | None:
    """The notice to give when the fast variant of ``name`` was asked for but cannot run."""
    asked = engine or samplers.engine()
    if get(name).fast is not None and asked == "fast" and engine_in_use(asked) != "fast":
        return adapters.MISMATCH
    return None


def build(
    name: str, params: Mapping[str, Any], sampling_strategy: Any = "auto", seed: int = 0, *,
    categorical_indices: list[int] | None = None, engine: str | None = None,
) -> Any:
    """A new, unfitted sampler for the tactic ``name`` with validated ``params`` (None for tactics
    that do not resample).

    The fast variant when ``engine`` is ``fast`` (default: ``BALANCER_ENGINE``, fast unless set to
    ``imblearn``) and the entry has one, else imbalanced-learn's own class. ``categorical_indices``
    are the positions of the categorical columns, for SMOTENC.
    """
    strategy = get(name)
    if strategy.sampler is None:
        return None
    ctx = BuildContext(strategy, sampling_strategy, seed, categorical_indices, engine_in_use(engine))
    kwargs = {k: v for k, v in params.items() if k != "sampling_strategy"}
    if ctx.engine == "fast" and strategy.fast is not None:
        return strategy.fast(kwargs, ctx)
    if strategy.builder is not None:
        return strategy.builder(kwargs, ctx)
    return ctx.construct(kwargs)


# --------------------------------------------------------------------------------------------
# the entries


def _k(name: str = "k_neighbors", default: int = 5, help: str | None = None) -> Param:
    return Param(name, "int", default, help or "nearest neighbours used to make each synthetic row",
                 low=1, high=100)


_KIND_SEL = Param("kind_sel", "choice", "all",
                  "'all': drop a row if any neighbour disagrees; 'mode': if most do",
                  choices=("all", "mode"))


def _smote_enn(params: dict[str, Any], ctx: BuildContext) -> Any:
    return ctx.construct({
        "smote": ctx.part("SMOTE", {"k_neighbors": params["k_neighbors"]}),
        "enn": ctx.part("EditedNearestNeighbours",
                        {"n_neighbors": params["n_neighbors"], "kind_sel": params["kind_sel"]}, "all"),
    }, samplers.FastSMOTEENN if ctx.engine == "fast" else None)


def _smote_tomek(params: dict[str, Any], ctx: BuildContext) -> Any:
    return ctx.construct({"smote": ctx.part("SMOTE", {"k_neighbors": params["k_neighbors"]}),
                          "tomek": ctx.part("TomekLinks", {}, "all")},
                         samplers.FastSMOTETomek if ctx.engine == "fast" else None)


def _kmeans_smote(params: dict[str, Any], ctx: BuildContext) -> Any:
    kwargs = dict(params)
    for key in ("cluster_balance_threshold", "density_exponent"):
        if kwargs.get(key) is None:
            kwargs[key] = "auto"
    if kwargs.get("kmeans_estimator") is None:
        kwargs.pop("kmeans_estimator", None)
    return ctx.construct(kwargs)


def _cluster_centroids(params: dict[str, Any], ctx: BuildContext) -> Any:
    from sklearn.cluster import KMeans

    return ctx.construct({"voting": params["voting"], "estimator": KMeans(n_init=1, random_state=ctx.seed)})


def _iht(params: dict[str, Any], ctx: BuildContext) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return ctx.construct({"cv": params["cv"],
                          "estimator": RandomForestClassifier(n_estimators=50, random_state=ctx.seed, n_jobs=1)})


_SMOTE_VARIANTS = Variants("SMOTE", "SMOTENC", "SMOTEN")
_ON_SPARK = SparkSupport("spark")
_ON_DRIVER = SparkSupport("driver")
_ON_DRIVER_WITH_CONTEXT = SparkSupport("driver", context=True)
_SMOTE_PARTS: dict[str, Any] = dict(class_k=("k_neighbors",), neighbour_based=True)
_CLEANING: dict[str, Any] = dict(neighbour_based=True, row_selecting=True)

_ENTRIES: tuple[Strategy, ...] = (
    Strategy(BASELINE, "baseline", "Leave the data as it is: the baseline every tactic must beat.",
             labels_only=True, spark=_ON_SPARK, compare_default=True),
    # ---- over-sampling (8)
    Strategy("RandomOverSampler", "over",
             "Duplicate random minority rows (or add a little noise with shrinkage).",
             (Param("shrinkage", "float", None,
                    "smoothed bootstrap: jitter copies by this factor of each feature's spread",
                    low=0, high=10, optional=True, none_label="off"),),
             over_sampling.RandomOverSampler, row_selecting=True, labels_only=True,
             features_if_set=("shrinkage",), compare_default=True,
             spark=SparkSupport("spark", notes=((None, "every row of a grown class is repeated (n - N) // N "
                                                 "times, and once more for (n - N) % N of them chosen at "
                                                 "random: exact counts, drawn without replacement"),))),
    Strategy("SMOTE", "over",
             "Synthesize minority rows between a row and its nearest same-class neighbours; "
             "becomes SMOTENC/SMOTEN with categorical columns.",
             (_k(),), over_sampling.SMOTE, fast=samplers.smote, variants=_SMOTE_VARIANTS, spark=_ON_DRIVER,
             compare_default=True, **_SMOTE_PARTS),
    Strategy("SMOTENC", "over",
             "SMOTE for mixed numeric and categorical columns: categories come from the neighbours.",
             (_k(),), over_sampling.SMOTENC,
             variants=_SMOTE_VARIANTS, encoding="ordinal", spark=_ON_DRIVER, **_SMOTE_PARTS),
    Strategy("SMOTEN", "over",
             "SMOTE for all-categorical tables (value difference metric).",
             (_k(),), over_sampling.SMOTEN, encoding="ordinal", spark=_ON_DRIVER,
             variants=Variants(None, None, "SMOTEN", "use SMOTENC, or SMOTE, which picks the right variant"),
             **_SMOTE_PARTS),
    Strategy("ADASYN", "over",
             "Like SMOTE, but makes more rows where the minority is hardest to learn.",
             (_k("n_neighbors", 5, "neighbours used to weigh difficulty and to interpolate"),),
             over_sampling.ADASYN, fast=samplers.drop_in(samplers.FastADASYN), class_k=("n_neighbors",),
             neighbour_based=True, spark=_ON_DRIVER_WITH_CONTEXT, compare_default=True,
             hints=(Hint(" ADASYN only makes rows where minority rows have neighbours of other classes, and "
                         "here none does: the classes are already well apart. Use SMOTE or RandomOverSampler.",
                         when="No samples will be generated"),)),
    Strategy("BorderlineSMOTE", "over",
             "SMOTE only from minority rows near the class border.",
             (_k(), Param("m_neighbors", "int", 10, "neighbours used to decide if a row is on the border",
                          low=1, high=100),
              Param("kind", "choice", "borderline-1", "borderline-2 also interpolates toward other classes",
                    choices=("borderline-1", "borderline-2"))),
             over_sampling.BorderlineSMOTE, fast=samplers.drop_in(samplers.FastBorderlineSMOTE),
             spark=_ON_DRIVER_WITH_CONTEXT, compare_default=True, **_SMOTE_PARTS),
    # most of SVMSMOTE's time is its SVM (the same in both engines); the searches get faster
    Strategy("SVMSMOTE", "over",
             "SMOTE from the support vectors of an SVM, along the decision border.",
             (_k(), Param("m_neighbors", "int", 10, "neighbours used to decide if a row is in danger",
                          low=1, high=100),
              Param("out_step", "float", 0.5, "step size when extrapolating away from other classes",
                    low=0, high=1)),
             over_sampling.SVMSMOTE, fast=samplers.drop_in(samplers.FastSVMSMOTE),
             spark=_ON_DRIVER_WITH_CONTEXT, **_SMOTE_PARTS),
    Strategy("KMeansSMOTE", "over",
             "Cluster first with k-means, then SMOTE inside clusters rich in minority rows.",
             (_k(default=2),
              Param("kmeans_estimator", "int", None, "number of k-means clusters", low=1, high=1000,
                    optional=True, none_label="auto"),
              Param("cluster_balance_threshold", "float", None,
                    "minimum minority share for a cluster to be used", low=0, high=1, optional=True),
              Param("density_exponent", "float", None, "exponent of the cluster density weighting",
                    low=0, high=100, optional=True)),
             over_sampling.KMeansSMOTE, builder=_kmeans_smote, **_SMOTE_PARTS,
             # the 'auto' threshold often finds no cluster when the minority is very small
             retry=Retry("cluster_balance_threshold", 0.01,
                         "cluster_balance_threshold lowered from 'auto' to 0.01: with 'auto' no k-means "
                         "cluster held enough minority rows"),
             hints=(Hint(" Try a lower cluster_balance_threshold or fewer clusters (kmeans_estimator), or "
                         "use SMOTE.", unless="Try"),)),
    # ---- under-sampling (11)
    Strategy("RandomUnderSampler", "under", "Drop random rows of the larger classes.",
             (Param("replacement", "bool", False, "draw with replacement"),),
             under_sampling.RandomUnderSampler, row_selecting=True, labels_only=True, compare_default=True,
             spark=SparkSupport("spark", notes=(("replacement", "replacement=True is not used on Spark: "
                                                 "each row is kept at most once"),))),
    Strategy("ClusterCentroids", "under",
             "Replace the larger classes by k-means centroids ('hard' voting keeps real rows).",
             (Param("voting", "choice", "auto", "'soft' makes centroids; 'hard' picks the nearest real rows",
                    choices=("auto", "hard", "soft")),),
             under_sampling.ClusterCentroids, builder=_cluster_centroids, neighbour_based=True),
    Strategy("CondensedNearestNeighbour", "under",
             "Keep only the rows a 1-NN rule needs to classify the rest (slow on large tables).",
             (Param("n_neighbors", "int", None, "neighbours of the rule", low=1, high=100,
                    optional=True, none_label="1"),
              Param("n_seeds_S", "int", 1, "rows the kept set starts from", low=1, high=1000)),
             under_sampling.CondensedNearestNeighbour,
             fast=samplers.drop_in(samplers.FastCondensedNearestNeighbour), **_CLEANING),
    Strategy("EditedNearestNeighbours", "under",
             "Drop rows of the larger classes whose neighbours disagree with them.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"), _KIND_SEL),
             under_sampling.EditedNearestNeighbours, fast=samplers.edited, compare_default=True, **_CLEANING),
    Strategy("RepeatedEditedNearestNeighbours", "under",
             "Edited nearest neighbours, repeated until nothing more is dropped.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"),
              Param("max_iter", "int", 100, "most repetitions", low=1, high=1000), _KIND_SEL),
             under_sampling.RepeatedEditedNearestNeighbours,
             fast=samplers.drop_in(samplers.FastRepeatedEditedNearestNeighbours),
             **_CLEANING),
    Strategy("AllKNN", "under",
             "Edited nearest neighbours with 1, 2, ... k neighbours in turn.",
             (_k("n_neighbors", 3, "largest neighbourhood"), _KIND_SEL,
              Param("allow_minority", "bool", False, "allow the majority to become the minority")),
             under_sampling.AllKNN, fast=samplers.drop_in(samplers.FastAllKNN), **_CLEANING),
    Strategy("InstanceHardnessThreshold", "under",
             "Drop the rows of the larger classes that a cross-validated forest finds hardest.",
             (Param("cv", "int", 5, "folds used to estimate hardness", low=2, high=20),),
             under_sampling.InstanceHardnessThreshold, builder=_iht, row_selecting=True),
    Strategy("NearMiss", "under",
             "Keep the majority rows closest to the minority (versions 1, 2, 3).",
             (Param("version", "choice", 1, "1: nearest on average, 2: to the farthest, 3: two-step",
                    choices=(1, 2, 3)),
              _k("n_neighbors", 3, "minority neighbours averaged over"),
              _k("n_neighbors_ver3", 3, "neighbours of the first step of version 3")),
             under_sampling.NearMiss, fast=samplers.drop_in(samplers.FastNearMiss), compare_default=True,
             **_CLEANING),
    Strategy("NeighbourhoodCleaningRule", "under",
             "Edited nearest neighbours plus cleaning around misclassified minority rows.",
             (_k("n_neighbors", 3, "neighbours that vote on each row"),
              Param("threshold_cleaning", "float", 0.5, "smallest class share to clean", low=0, high=1)),
             under_sampling.NeighbourhoodCleaningRule, fast=samplers.cleaning_rule, **_CLEANING),
    Strategy("OneSidedSelection", "under",
             "Condensed nearest neighbour, then remove Tomek links.",
             (Param("n_neighbors", "int", None, "neighbours of the rule", low=1, high=100,
                    optional=True, none_label="1"),
              Param("n_seeds_S", "int", 1, "rows the kept set starts from", low=1, high=1000)),
             under_sampling.OneSidedSelection, fast=samplers.one_sided_selection, **_CLEANING),
    Strategy("TomekLinks", "under",
             "Drop the majority row of each pair of mutual nearest neighbours of different classes.",
             (), under_sampling.TomekLinks, fast=samplers.tomek, compare_default=True, **_CLEANING),
    # ---- combined (2): their steps are built as the entries above, fast when those are
    Strategy("SMOTEENN", "combined",
             "SMOTE, then clean every class with edited nearest neighbours.",
             (_k(), _k("n_neighbors", 3, "neighbours that vote in the cleaning step"), _KIND_SEL),
             combine.SMOTEENN, builder=_smote_enn, fast=_smote_enn, compare_default=True, **_SMOTE_PARTS),
    Strategy("SMOTETomek", "combined", "SMOTE, then remove Tomek links.",
             (_k(),), combine.SMOTETomek, builder=_smote_tomek, fast=_smote_tomek, compare_default=True,
             **_SMOTE_PARTS),
    # ---- penalized model
    Strategy("class_weight", "cost",
             "Keep the data; weigh errors on rare classes more in the model (balanced weights, or "
             "per-class costs such as {\"yes\": 10}).",
             (Param("weights", "costs", "balanced",
                    "'balanced' weighs classes inversely to their size; or a cost per class"),),
             compare_default=True),
    # ---- tactics that change the model
    Strategy("threshold", "threshold",
             "Keep the data; move the decision threshold to the value that maximizes the chosen "
             "metric, tuned by cross-validation inside the training folds (two classes).",
             (Param("cv", "int", 3, "inner folds used to tune the threshold", low=2, high=10),),
             estimator=tactics.threshold_model, binary_only=True, compare_default=True),
    Strategy("anomaly", "anomaly",
             "Look from another angle: an isolation forest learns the majority class alone and flags "
             "anything unusual as the minority; its cut-off is tuned on the training folds.",
             (Param("n_estimators", "int", 100, "trees in the isolation forest", low=10, high=1000),),
             estimator=tactics.anomaly_model, binary_only=True, uses_model=False, compare_default=True),
    Strategy("decompose", "decompose",
             "Get creative: split the majority class into k clusters, learn k+1 classes, merge the "
             "clusters back when predicting.",
             (Param("k", "int", 4, "clusters the majority class is split into", low=2, high=50),),
             estimator=tactics.decompose_model, compare_default=True),
    Strategy("BalancedRandomForestClassifier", "ensemble",
             "A random forest whose every tree sees a balanced bootstrap sample.",
             (Param("n_estimators", "int", 100, "trees", low=10, high=1000),),
             estimator=tactics.balanced_random_forest, uses_model=False, compare_default=True),
    Strategy("EasyEnsembleClassifier", "ensemble",
             "AdaBoost learners, each on a balanced random under-sample of the data.",
             (Param("n_estimators", "int", 10, "AdaBoost learners", low=2, high=200),),
             estimator=tactics.easy_ensemble, uses_model=False, compare_default=True),
    Strategy("RUSBoostClassifier", "ensemble",
             "Boosting with random under-sampling at every round.",
             (Param("n_estimators", "int", 50, "boosting rounds", low=5, high=1000),),
             estimator=tactics.rus_boost, uses_model=False, compare_default=True),
    Strategy("BalancedBaggingClassifier", "ensemble",
             "Bagged decision trees, each on a balanced random under-sample.",
             (Param("n_estimators", "int", 10, "trees", low=2, high=500),),
             estimator=tactics.balanced_bagging, uses_model=False, compare_default=True),
)


# --------------------------------------------------------------------------------------------
# lookup


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: Every registered tactic by name, in registry order (updated in place by :func:`register`).
STRATEGIES: dict[str, Strategy] = {s.name: s for s in _ENTRIES}
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
    for strategy in STRATEGIES.values():
        out[strategy.family].append(strategy)
    return out


def sampler_names() -> tuple[str, ...]:
    """The tactics that resample with a sampler, grouped by family (the dashboard's Strategy list)."""
    return tuple(s.name for members in by_family().values() for s in members if s.sampler is not None)


def compare_defaults() -> tuple[str, ...]:
    """The tactics the comparison runs when none are named, the baseline first."""
    return tuple(s.name for s in STRATEGIES.values() if s.compare_default)


def spark_methods(mode: str) -> tuple[str, ...]:
    """The tactics the Spark engine runs ``on Spark`` (``"spark"``) or on the driver (``"driver"``)."""
    return tuple(s.name for s in STRATEGIES.values() if s.spark is not None and s.spark.mode == mode)


#: The names of the tactics that resample with a sampler (kept current by :func:`register`).
SAMPLERS: tuple[str, ...] = sampler_names()


def register(strategy: Strategy) -> None:
    """Add a tactic to the registry (after the others of its family in listings)."""
    global SAMPLERS
    if strategy.family not in FAMILIES:
        raise ValueError(f"unknown family {strategy.family!r}; the families are: {', '.join(FAMILIES)}")
    if _norm(strategy.name) in _BY_NORM:
        raise ValueError(f"a tactic called {strategy.name!r} is already registered")
    STRATEGIES[strategy.name] = strategy
    _BY_NORM[_norm(strategy.name)] = strategy
    SAMPLERS = sampler_names()


def unregister(name: str) -> None:
    """Remove the tactic ``name`` from the registry."""
    global SAMPLERS
    strategy = get(name)
    del STRATEGIES[strategy.name], _BY_NORM[_norm(strategy.name)]
    SAMPLERS = sampler_names()


@contextlib.contextmanager
def registered(strategy: Strategy) -> Iterator[Strategy]:
    """Register ``strategy`` for the duration of a ``with`` block (for tests and plug-ins)."""
    register(strategy)
    try:
        yield strategy
    finally:
        unregister(strategy.name)


__all__ = [
    "BASELINE",
    "FAMILIES",
    "SAMPLERS",
    "SAMPLING_STRATEGY_NAMES",
    "STRATEGIES",
    "BuildContext",
    "Hint",
    "Param",
    "Retry",
    "SparkSupport",
    "Strategy",
    "Variants",
    "build",
    "by_family",
    "compare_defaults",
    "engine_in_use",
    "fallback_notice",
    "get",
    "parse_params",
    "parse_sampling_strategy",
    "register",
    "registered",
    "sampler_names",
    "spark_methods",
    "unregister",
]
