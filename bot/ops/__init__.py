"""Running the line for years: rotating the secret key, backups and restores, the fallback TwiML
for when the server is down. Wired into `hub` by bot/ops/commands.py."""
