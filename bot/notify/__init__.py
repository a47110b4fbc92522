"""Proactive messages: the durable outbox and the transports that deliver it."""
