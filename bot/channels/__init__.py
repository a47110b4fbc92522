"""Custom Rasa input channels: Twilio SMS webhooks, and the simulator page that texts through them."""
