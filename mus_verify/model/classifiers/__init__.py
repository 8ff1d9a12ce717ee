"""The one family of concrete base classifiers (model layer; issue 11 merged the exhaustive engine's
and the gate's libraries here).

One protocol (:class:`~.base.ExactClassifier`, implemented by :class:`~.base.Classifier`), one spec
format with one builder (:func:`~.specs.from_spec`, alias ``build``), numpy and torch calls:

* tables (:mod:`.tables`): :class:`HashTable`, :class:`GateHashTable`, :class:`PatternTable`, :class:`TruthTable`;
* votes (:mod:`.votes`): :class:`LinearVote`, :class:`Quorum`, :class:`Indicator`, :class:`PatternVotes`;
* probes (:mod:`.probes`): :class:`PatternProbe`, :class:`FeatureProbe`;
* networks (:mod:`.networks`): :class:`TinyMLP` (exact), :class:`MLP` (float);
* the hash primitives (:mod:`.hashing`) and :func:`classifier_family` (the engines' ``--classifiers``).

``mus_verify.exhaustive.classifiers`` and ``mus_verify.gate.classifiers`` re-export these names (docs,
recorded reproduction scripts and users import them there).
"""

from .base import Classifier, ClassifierSpec, ExactClassifier, answer, one_hot_argmax
from .hashing import float64_words, pattern_index, splitmix64, stars_and_bars
from .networks import MLP, TinyMLP
from .probes import MAX_PATTERN_FEATURES, FeatureProbe, PatternProbe
from .specs import DEFAULT_FAMILIES, FAMILIES, KINDS, SPEC_FAMILIES, build, classifier_family, from_spec
from .tables import GateHashTable, HashTable, PatternTable, TruthTable
from .votes import Indicator, LinearVote, PatternVotes, Quorum

__all__ = [
    "Classifier",
    "ClassifierSpec",
    "ExactClassifier",
    "HashTable",
    "GateHashTable",
    "PatternTable",
    "TruthTable",
    "LinearVote",
    "Quorum",
    "Indicator",
    "PatternVotes",
    "PatternProbe",
    "FeatureProbe",
    "TinyMLP",
    "MLP",
    "MAX_PATTERN_FEATURES",
    "from_spec",
    "build",
    "classifier_family",
    "FAMILIES",
    "DEFAULT_FAMILIES",
    "SPEC_FAMILIES",
    "KINDS",
    "one_hot_argmax",
    "answer",
    "pattern_index",
    "splitmix64",
    "float64_words",
    "stars_and_bars",
]
