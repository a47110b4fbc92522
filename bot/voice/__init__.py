"""The voice line's own words and decisions (menu, prompts, emergency steps, the specialist's
whisper, the texted list); the Twilio adapter is bot/channels/twilio_voice.py, the handoff's
decisions on a call bot/handoff/call_flow.py."""
