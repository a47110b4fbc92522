"""An SMS webhook as Twilio sends it, sent from this machine: `signed.py` signs it and reads the
TwiML back (for `hub sms`, the simulator page, the end-to-end tests and the benchmarks);
`commands.py` holds `hub sms` and `hub simulator`.

Not in bot/channels, which receives these webhooks: importing anything there imports Rasa (and
TensorFlow) first, several seconds and pages of warnings for a command that posts one form."""
