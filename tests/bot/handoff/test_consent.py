"""The consent record a handoff rests on, for a person's own yes and for a referrer's report."""
from bot.db.models import Officer
from bot.handoff.consent import REASONS, officer_consent, person_consent


def test_the_persons_consent_is_the_question_and_the_answer_word_for_word():
    assert person_consent("Want a specialist to text you?", "yes please") == \
        'Asked: "Want a specialist to text you?" Answered: "yes please"'
    assert person_consent("Press 1 for yes.", "yes", keypad="1") == 'Asked: "Press 1 for yes." Answered: "pressed 1 (yes)"'
    assert person_consent("Q?", "") == 'Asked: "Q?" Answered: ""'
    assert person_consent("Q?", "sí 🙏") == 'Asked: "Q?" Answered: "sí 🙏"'


def test_a_referrers_report_of_consent_names_the_agency_and_the_reason():
    officer = Officer(agency="Seattle Fire")
    assert officer_consent(officer, "non_fatal_overdose") == \
        "Officer of Seattle Fire reported the person's consent to be contacted (after a non-fatal overdose)."
    assert officer_consent(officer, None).endswith("(other).")
    assert set(REASONS) == {"non_fatal_overdose", "overdose_risk", "risky_use", "other"}
