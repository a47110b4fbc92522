"""Warm handoffs: the roster, the handoff engine, specialist commands, the masked relay."""
