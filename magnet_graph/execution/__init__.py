"""Executing tool calls safely: parse (never eval), validate, run in a worker with limits."""

from .call_parser import CallRejected, ToolCall, parse_call, parse_calls, structured_call
from .executor import Executor, Observation

__all__ = ["CallRejected", "ToolCall", "parse_call", "parse_calls", "structured_call", "Executor", "Observation"]
