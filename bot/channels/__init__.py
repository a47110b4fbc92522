"""Custom Rasa input channels: Twilio SMS and Twilio Voice webhooks, and the simulator page that texts through them.

Rasa imports this package when it loads the channels of credentials.yml, which is when the
changes of bot/channels/rasa_hooks.py go in."""
from bot.channels import rasa_hooks

rasa_hooks.install()
