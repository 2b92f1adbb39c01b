"""The objects a Balancer model file holds: (type, the skops loader that builds it).

Written by ``scripts/model_types.py`` from the files Balancer itself saves (every model-side
tactic with every model and calibration, on two and three classes); do not edit by hand.
``balancer.shipping.load`` builds a model file only when every object in it is one of these, so
a file cannot make Balancer build anything its own models are not made of.
"""

from __future__ import annotations

MODEL_NODES: frozenset[tuple[str, str]] = frozenset({
    ("balancer.prepare.Preparer", "ObjectNode"),
    ("balancer.prepare.Roles", "ObjectNode"),
    ("balancer.tactics.AnomalyClassifier", "ObjectNode"),
    ("balancer.tactics.DecomposeClassifier", "ObjectNode"),
    ("balancer.tactics.NoSignalFallback", "ObjectNode"),
    ("balancer.tactics.ThresholdClassifier", "ObjectNode"),
    ("builtins.dict", "DictNode"),
    ("builtins.int", "TypeNode"),
    ("builtins.list", "ListNode"),
    ("builtins.slice", "SliceNode"),
    ("builtins.str", "JsonNode"),
    ("builtins.str", "TypeNode"),
    ("builtins.tuple", "TupleNode"),
    ("collections.OrderedDict", "DictNode"),
    ("imblearn.ensemble._bagging.BalancedBaggingClassifier", "ObjectNode"),
    ("imblearn.ensemble._easy_ensemble.EasyEnsembleClassifier", "ObjectNode"),
    ("imblearn.ensemble._forest.BalancedRandomForestClassifier", "ObjectNode"),
    ("imblearn.ensemble._weight_boosting.RUSBoostClassifier", "ObjectNode"),
    ("imblearn.pipeline.Pipeline", "ObjectNode"),
    ("imblearn.under_sampling._prototype_selection._random_under_sampler.RandomUnderSampler", "ObjectNode"),
    ("numpy.float64", "NdArrayNode"),
    ("numpy.float64", "TypeNode"),
    ("numpy.int64", "NdArrayNode"),
    ("numpy.int64", "TypeNode"),
    ("numpy.ndarray", "NdArrayNode"),
    ("numpy.random._generator.Generator", "RandomGeneratorNode"),
    ("numpy.uint64", "NdArrayNode"),
    ("sklearn._loss._loss.CyHalfBinomialLoss", "LossNode"),
    ("sklearn._loss._loss.CyHalfMultinomialLoss", "LossNode"),
    ("sklearn._loss.link.Interval", "ObjectNode"),
    ("sklearn._loss.link.LogitLink", "ObjectNode"),
    ("sklearn._loss.link.MultinomialLogit", "ObjectNode"),
    ("sklearn._loss.loss.HalfBinomialLoss", "ObjectNode"),
    ("sklearn._loss.loss.HalfMultinomialLoss", "ObjectNode"),
    ("sklearn.calibration.CalibratedClassifierCV", "ObjectNode"),
    ("sklearn.calibration._CalibratedClassifier", "ObjectNode"),
    ("sklearn.calibration._SigmoidCalibration", "ObjectNode"),
    ("sklearn.compose._column_transformer.ColumnTransformer", "ObjectNode"),
    ("sklearn.dummy.DummyClassifier", "ObjectNode"),
    ("sklearn.ensemble._forest.RandomForestClassifier", "ObjectNode"),
    ("sklearn.ensemble._hist_gradient_boosting.binning._BinMapper", "ObjectNode"),
    ("sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier", "ObjectNode"),
    ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor", "ObjectNode"),
    ("sklearn.ensemble._iforest.IsolationForest", "ObjectNode"),
    ("sklearn.ensemble._weight_boosting.AdaBoostClassifier", "ObjectNode"),
    ("sklearn.frozen._frozen.FrozenEstimator", "ObjectNode"),
    ("sklearn.isotonic.IsotonicRegression", "ObjectNode"),
    ("sklearn.linear_model._logistic.LogisticRegression", "ObjectNode"),
    ("sklearn.model_selection._classification_threshold.FixedThresholdClassifier", "ObjectNode"),
    ("sklearn.preprocessing._encoders.OneHotEncoder", "ObjectNode"),
    ("sklearn.preprocessing._function_transformer.FunctionTransformer", "ObjectNode"),
    ("sklearn.preprocessing._label.LabelEncoder", "ObjectNode"),
    ("sklearn.tree._classes.DecisionTreeClassifier", "ObjectNode"),
    ("sklearn.tree._classes.ExtraTreeRegressor", "ObjectNode"),
    ("sklearn.tree._tree.Tree", "TreeNode"),
})
#: The type names alone.
MODEL_TYPES: frozenset[str] = frozenset(name for name, _ in MODEL_NODES)
