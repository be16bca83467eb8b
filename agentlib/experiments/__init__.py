"""Measurements the chapters make of the agent: ablations, proofs,
probes, inspection and speed."""
