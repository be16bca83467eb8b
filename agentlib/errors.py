"""The one exception type agentlib raises for bad input."""


class AgentlibError(ValueError):
    """Bad input from a user: a wrong stage, context, device or file.

    The message says what was wrong and what is accepted, so the command
    line can print it as it is instead of a traceback.
    """
