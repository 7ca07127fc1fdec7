"""Environments: tools that really run, behind one interface (reset, tools, call, snapshot, state hash).

``open_environment`` gives a set of tools their environment (class-backed or simulated, in a worker
process: see ``environment`` and ``worker``); ``initial_state`` draws a trajectory's starting state;
``Episode`` is one conversation's environment with the executor that acts in it.
"""

from .backends import tool_literals
from .environment import Environment, initial_state, open_environment
from .episode import Episode
from .worker import stop_workers

__all__ = ["Environment", "Episode", "initial_state", "open_environment", "stop_workers", "tool_literals"]
