"""What marks a turn as a voice call."""
from bot.voice.call import is_voice_call, voice_metadata


def test_a_voice_turn_is_told_by_its_metadata():
    assert voice_metadata("es") == {"channel": "voice", "language": "es"}
    assert is_voice_call(voice_metadata("en"))
    assert not is_voice_call({"channel": "sms"}) and not is_voice_call({}) and not is_voice_call(None)
    assert not is_voice_call({"channel": "VOICE "})  # only what the voice channel itself writes
