"""Custom Rasa input channels: Twilio SMS and Twilio Voice webhooks, and the simulator page that texts through them.

Rasa imports this package when it loads the channels of credentials.yml, which is when the fix
of bot/channels/rasa_speedups.py goes in."""
from bot.channels import rasa_speedups

rasa_speedups.install()
