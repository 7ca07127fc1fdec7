"""Synthesis: signature paths -> executed multi-turn conversations -> positive and negative trajectories.

``synthesize(store, SynthesisConfig(...), out, teacher)`` writes a run directory (docs/synthesis.md):
``translate`` (back-and-forth, with the ``planner`` grounding every value), ``distill`` (hinted
positives), ``negatives`` (graph-derived and student ones), ``writer`` (exports, report, manifest).
``offline_teacher()`` answers every synthesis prompt from templates, with no network.
"""

from ..config import SynthesisConfig
from .offline_templates import offline_teacher
from .run import Run, estimate, synthesize

__all__ = ["Run", "SynthesisConfig", "estimate", "offline_teacher", "synthesize"]
