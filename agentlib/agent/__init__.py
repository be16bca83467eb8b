"""The agent: its network, the update, the curriculum, training and
evaluation. It takes a task object and never names one."""
