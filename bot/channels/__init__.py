"""Custom Rasa input channels (adapters between Twilio webhooks and the Rasa server)."""
