"""Evaluation: a synthesize run's data report (``data_report``), and the models benchmarks score
(``models``: an OpenAI-compatible endpoint or a local checkpoint). BFCL's own scoring lives in
``magnet_graph.bfcl``."""
