"""``python -m magnet_graph.cli``: the ``magnet-graph`` command."""

from . import main

main()
