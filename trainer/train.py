"""Entry script for multi-GPU runs: `accelerate launch --config_file trainer/accelerate/zero3.yaml
trainer/train.py sft --data RUN --model Qwen/Qwen2.5-Coder-7B-Instruct --out OUT --config trainer/configs/...`.

Same arguments as `magnet-graph train`; the work is in magnet_graph.training.
"""

import sys

from magnet_graph.cli import main

if __name__ == "__main__":
    main(["train", *sys.argv[1:]])
