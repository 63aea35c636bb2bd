"""The one door to an LLM: any OpenAI-compatible endpoint (`client`, the only module that imports
`openai`) and structured output on top of it (`structured`)."""

from ..errors import LLMError
from .client import chat, reset, stream
from .structured import MODES, mode_for, parse, structured

__all__ = ["LLMError", "chat", "stream", "structured", "parse", "mode_for", "reset", "MODES"]
