"""SMS length as carriers count it."""
from bot.notify.segments import outside_gsm, sms_length


def test_gsm_text_holds_160_and_its_extension_counts_twice():
    assert sms_length("x" * 160) == sms_length("x" * 160) and sms_length("x" * 160).fits_one_sms
    assert not sms_length("x" * 161).fits_one_sms
    assert sms_length("[€]").units == 6 and sms_length("[€]").gsm


def test_spanish_that_gsm_has_stays_in_160():
    length = sms_length("¿Dónde? ¡Mañana! niño é")
    assert not length.gsm and outside_gsm("¿Dónde? ¡Mañana! niño é") == "ó"
    assert sms_length("¿Donde? ¡Mañana! niño é").gsm


def test_an_emoji_takes_two_units_of_70():
    length = sms_length("🔥" * 35)
    assert (length.units, length.limit, length.fits_one_sms) == (70, 70, True)
    assert not sms_length("🔥" * 35 + "x").fits_one_sms
