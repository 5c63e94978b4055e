"""Rasa NLU components of Safe Replies.

- DisclosureDetector puts the deterministic detector's findings into every parse result. The detector
  (bot/detector.py) is a plain module; this component only adapts it to Rasa's graph so that its
  findings appear as entities (extractor "DisclosureDetector") in every parse result, in
  `rasa shell`, in the tracker and for the rules and custom actions.
- TfidfIntentClassifier is the intent classifier (scikit-learn TF-IDF + logistic regression).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.detector import detect

EXTRACTOR = "DisclosureDetector"


def detections_to_entities(text: str) -> List[Dict[Text, Any]]:
    return [
        {
            "entity": d.type,
            "start": d.start,
            "end": d.end,
            "value": d.text,
            "confidence_entity": d.score,
            "extractor": EXTRACTOR,
            # the category (disclosure / risk) travels as the entity's role
            "role": d.category,
        }
        for d in detect(text)
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DisclosureDetector(GraphComponent, EntityExtractorMixin):
    """Deterministic personal-data, case-detail and safeguarding-signal detector."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DisclosureDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = detections_to_entities(text)
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training examples carry no annotated entities; the detector adds nothing to learn from.
        return training_data


def _fast_coefficients(pipeline: Any) -> None:
    """Store the logistic regression's coefficients column-major, once.

    scikit-learn scores a message as ``X @ coef_.T``; with ``coef_`` in row-major order (as fitted and saved)
    that transpose is not contiguous and is copied on every call (21 x 33,940 numbers, more time than the rest
    of the classification). Column-major, the transpose is contiguous: the same numbers, the same
    probabilities, no copy."""
    import numpy as np

    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    if getattr(model, "coef_", None) is not None:
        model.coef_ = np.asfortranarray(model.coef_)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(GraphComponent, IntentClassifier):
    """Intent classifier: scikit-learn TF-IDF word and character n-grams with logistic regression.

    Rasa's own LogisticRegressionClassifier sees raw summed counts, which makes its probabilities
    swing with message length; TF-IDF with sublinear term frequency and L2 normalisation gives
    better-calibrated confidences on short, messy social-media text, which the route thresholds in
    bot/triage.py rely on. Trains in seconds, needs nothing downloaded. See docs/DECISIONS.md.
    """

    MODEL_FILE = "tfidf_intent.joblib"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "C": 10.0, "class_weight": "balanced",
                "max_iter": 3000, "ranking_length": 0, "random_state": 7}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 pipeline: Any = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfIntentClassifier":
        return cls(config, model_storage, resource)

    def _new_pipeline(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        c = self.config
        return make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=tuple(c["word_ngrams"]), sublinear_tf=True, lowercase=True,
                                token_pattern=r"(?u)\b\w+\b|[^\w\s]"),
                TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(c["char_ngrams"]), sublinear_tf=True,
                                lowercase=True),
            ),
            LogisticRegression(C=c["C"], class_weight=c["class_weight"], max_iter=c["max_iter"],
                               random_state=c["random_state"]),
        )

    def train(self, training_data: TrainingData) -> Resource:
        import joblib

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if examples:
            self.pipeline = self._new_pipeline()
            self.pipeline.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
            _fast_coefficients(self.pipeline)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.pipeline, directory / self.MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfIntentClassifier":
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / cls.MODEL_FILE)
        except (ValueError, FileNotFoundError):
            pipeline = None
        if pipeline is not None:
            _fast_coefficients(pipeline)
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.pipeline is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self.pipeline.predict_proba(texts)
        labels = self.pipeline.classes_
        for message, probs in zip(messages, probabilities):
            # ranking_length 0 keeps every intent: bot/triage.py sums probabilities per route.
            order = probs.argsort()[::-1][: self.config["ranking_length"] or None]
            ranking = [{"name": str(labels[i]), "confidence": float(probs[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
