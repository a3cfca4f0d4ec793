"""Targets: the model portkit renders for, resolved from real data (no Hub access needed).

Every layer (template, constrain, fewshot) takes a :class:`Target`.
"""

from portkit.targets._offline import OFFLINE_MODELS, OfflineModel, cache_dir, fetch_data, is_fetched
from portkit.targets._target import Target, load_target, offline_targets, render_template

__all__ = [
    "OFFLINE_MODELS",
    "OfflineModel",
    "Target",
    "cache_dir",
    "fetch_data",
    "is_fetched",
    "load_target",
    "offline_targets",
    "render_template",
]
