"""Training on synthesized runs: SFT (trl's SFTTrainer) and multi-turn DPO (an extension of DPOTrainer).

torch, transformers and trl are imported inside these modules, never at ``magnet_graph`` import time,
so ``magnet-graph --help`` stays fast. Entry point: ``training.run.train``.
"""
