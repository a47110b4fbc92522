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
