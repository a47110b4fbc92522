from bot.directory.barriers import low_barrier_flags


def test_flags_come_from_what_the_data_says():
    assert low_barrier_flags(["Free", "No ID needed. Walk-ins welcome."], [], [("es", "Spanish")]) == ["free", "no ID", "walk-in", "Spanish"]


def test_a_free_cost_option_is_free():
    assert low_barrier_flags([None], [(0.0, None)], []) == ["free"]
    assert low_barrier_flags([], [(None, "Free for everyone")], []) == ["free"]


def test_nothing_is_guessed():
    assert low_barrier_flags(["$20 per visit", "Appointment needed. Photo ID required."], [(20.0, "Visit")], [("en", "English")]) == []
    assert low_barrier_flags(["Not free: sliding scale"], [], []) == []


def test_spanish_by_name():
    assert low_barrier_flags([], [], [(None, "Español")]) == ["Spanish"]
