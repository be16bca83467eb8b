"""agentlib: the code of the book *Training a model-native agent with RL*.

One module, one idea:

- ``original``: the article's program, ported with its behaviour intact.
- ``devices``: choosing CPU or CUDA, with clear errors.
- ``cli``: the ``python -m agentlib`` commands.

The corrected agent (environment, model, A2C update, curriculum) lives in
modules of its own, each taught by one chapter of the book.
"""

__version__ = "0.1.0"
