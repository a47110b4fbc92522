from bot.language import detect_language


def test_spanish_messages_are_spanish():
    for text in ("hola", "necesito narcan cerca de 98104", "dónde hay jeringas", "mi amigo no respira",
                 "quiero hablar con alguien", "sí", "gracias", "graciass", "¿hay algo abierto ahora?", "busco metadona en tacoma"):
        assert detect_language(text) == "es", text


def test_english_messages_are_english_even_with_spanish_looking_words():
    for text in ("hi", "where can i get narcan near 98104", "he's not breathing", "need rigs rn", "thx",
                 "can i talk to someone", "im in capitol hill", "yes", "more", "bupe in tacoma"):
        assert detect_language(text, previous="es") == "en", text


def test_a_message_with_no_language_keeps_the_conversation_language():
    for text in ("98104", "narcan 98104", "ok", "no", "👍", "", "H-1234"):
        assert detect_language(text, previous="es") == "es", text
        assert detect_language(text, previous="en") == "en", text
    assert detect_language("98104") == "en"  # a first message with no words: English


def test_a_phrase_in_the_language_asked_or_else_in_english():
    from bot.language import phrase

    table = {"en": {"near": "{label} near {place}"}, "es": {"near": "{label} cerca de {place}"}}
    assert phrase(table, "es", "near", label="Naloxona", place="98104") == "Naloxona cerca de 98104"
    assert phrase(table, "fr", "near", label="Naloxone", place="98104") == "Naloxone near 98104"


def test_one_table_says_everything_a_language_needs():
    from bot.config import get_settings
    from bot.language import LANGUAGES, chosen_by_key, language, name_of, voice_of

    assert [(lang.code, lang.name, lang.speech) for lang in LANGUAGES.values()] == [
        ("en", "English", "en-US"), ("es", "Spanish", "es-US")]
    settings = get_settings()
    assert all(getattr(settings, lang.voice_setting) for lang in LANGUAGES.values())  # a voice setting each
    assert voice_of(settings, "es") == settings.voice_es and voice_of(settings, "en") == settings.voice_en
    assert voice_of(settings, "fr") == settings.voice_en and language(None).code == "en" and language("🙂").code == "en"
    assert name_of("es") == "Spanish" and name_of("fr") == "fr"
    # The voice menu: 3 is the other language, from either; no key chooses the one already spoken.
    assert chosen_by_key("3", "en") == "es" and chosen_by_key("3", "es") == "en"
    assert chosen_by_key("9", "en") is None and chosen_by_key("", "en") is None


def _phrase_tables():
    """Every table of words by language, by name: each must have the same keys in every language."""
    from bot import sms_texts
    from bot.channels import twilio_sms
    from bot.directory import sms, speech, taxonomy
    from bot.handoff import follow_up_texts, inbound, referrers, texts
    from bot.ops import fallback
    from bot.safety import EMERGENCY_REPLIES
    from bot.voice import texts as voice

    keywords = {}
    for (word, language), reply in inbound.KEYWORD_REPLIES.items():
        keywords.setdefault(language, {})[word] = reply
    return {
        "bot/handoff/texts.py PERSON": texts.PERSON,
        "bot/handoff/texts.py SPECIALIST": texts.SPECIALIST,
        "bot/handoff/referrers.py PHRASES": referrers.PHRASES,
        "bot/handoff/inbound.py KEYWORD_REPLIES": keywords,
        "bot/voice/texts.py _TEXTS": voice._TEXTS,
        "bot/handoff/follow_up_texts.py _TEXTS": follow_up_texts._TEXTS,
        "bot/voice/texts.py EMERGENCY_STEPS": {lang: dict(enumerate(steps)) for lang, steps in voice.EMERGENCY_STEPS.items()},
        "bot/directory/sms.py _PHRASES": sms._PHRASES,
        "bot/directory/speech.py _PHRASES": speech._PHRASES,
        "bot/directory/taxonomy.py SERVICE_LABELS": taxonomy.SERVICE_LABELS,
        "bot/channels/twilio_sms.py HOLDING_REPLIES": twilio_sms.HOLDING_REPLIES,
        "bot/sms_texts.py _TEXTS": sms_texts._TEXTS,
        "bot/safety.py EMERGENCY_REPLIES": {lang: {"reply": text} for lang, text in EMERGENCY_REPLIES.items()},
        "bot/ops/fallback.py SMS_TROUBLE": {lang: {"text": text} for lang, text in fallback.SMS_TROUBLE.items()},
        "bot/ops/fallback.py VOICE_OPENING": {lang: {"text": text} for lang, text in fallback.VOICE_OPENING.items()},
    }


def _mismatches(table: dict) -> list[str]:
    """What differs between a table's languages: a language missing, a key missing or extra, a
    blank to fill in ({ref}, {minutes}...) missing or extra, an empty text."""
    import re

    from bot.language import LANGUAGES

    if set(table) != set(LANGUAGES):
        return [f"languages {sorted(table)}"]
    problems, english = [], table["en"]
    for code, phrases in table.items():
        problems += [f"{code}: key {key}" for key in sorted(set(phrases) ^ set(english))]
        for key, text in phrases.items():
            if isinstance(text, str) and key in english:
                if set(re.findall(r"\{(\w+)", text)) != set(re.findall(r"\{(\w+)", english[key])):
                    problems.append(f"{code}: blanks of {key}")
                if not text.strip():
                    problems.append(f"{code}: {key} is empty")
    return problems


def test_every_phrase_table_has_the_same_keys_in_every_language():
    for name, table in _phrase_tables().items():
        assert _mismatches(table) == [], name


def test_the_check_finds_a_missing_language_key_or_blank():
    assert _mismatches({"en": {"a": "A"}}) == ["languages ['en']"]
    assert _mismatches({"en": {"a": "A {ref}", "b": "B"}, "es": {"a": "A"}}) == ["es: key b", "es: blanks of a"]
    assert _mismatches({"en": {"a": "A"}, "es": {"a": " "}}) == ["es: a is empty"]
