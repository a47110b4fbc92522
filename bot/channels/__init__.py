"""Custom Rasa input channels: Twilio SMS and Twilio Voice webhooks, and the simulator page that texts through them."""
