"""Every test runs on the CPU thread policy's threads, as the commands
and the chapters do (agentlib.threads)."""

from agentlib.threads import use_thread_policy

use_thread_policy()
