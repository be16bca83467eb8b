"""agentlib: the code of the book *Training a model-native agent with RL*.

Four folders, imports running one way (each uses those above it only):

- ``tasks``: what the agent learns, behind one typed interface
  (``tasks.interface.Task``): the first task's three stages
  (``arithmetic``) and expressions with precedence (``expressions``);
- ``agent``: the policies (``model``, ``open_loop``, behind
  ``agent.policy.Policy``), the update (``a2c``), the curriculum, the
  config, the training loop (``train``), evaluation, checkpoints and
  ``solve``; it never names a task;
- ``experiments``: what the chapters measure (ablations, proofs,
  probes, inspection, speed);
- ``book``: the book's tooling (re-executing chapters, plots, widgets).

``article`` holds the published article's program, run as published;
the modules at the top (``cli``, ``errors``, ``devices``, ``threads``,
``files``, ``progress``) are what all of them share.
"""

__version__ = "0.1.0"
