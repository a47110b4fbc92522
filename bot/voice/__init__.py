"""The voice line's own words and decisions (menu, prompts, emergency steps, the texted list);
the Twilio adapter is bot/channels/twilio_voice.py, the call transfer bot/handoff/transfer.py."""
