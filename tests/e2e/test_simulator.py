"""The simulator page in a real browser (Debian's Chromium driven by Playwright) against the
whole hotline: a whole officer referral played on three phones, keyboard only, then the page on
a narrow screen. Screenshots go to test-artifacts/."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

TURN_MS = 90_000  # one Rasa turn on a busy CI machine, or the worker plus one poll of the page

OFFICER, SPECIALIST = "+12065550181", "+12065550111"  # Ofc. Lee and Ana, put on the roster by the hotline fixture
PERSON = "+12065550155"


@pytest.fixture(scope="module")
def running_hotline(hotline):
    """The hotline as `make run` has it: with the worker delivering the outbox as messages come."""
    with hotline.worker():
        yield hotline


def phone(page, role):
    return page.locator(f"#phone-{role}")


def text_from(page, role, who, message):
    """Type a message and send it with Enter, as a keyboard user would."""
    field = phone(page, role).get_by_label(f"Message from the {who}")
    field.fill(message)
    field.press("Enter")


def test_a_whole_officer_referral_on_three_phones(browser, running_hotline):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        walk_through_a_referral(page, running_hotline)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "simulator-failed.png"), full_page=True)
        raise
    finally:
        page.close()


def walk_through_a_referral(page, running_hotline):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips first

    page.goto(running_hotline.base_url + "/webhooks/simulator/")
    assert page.evaluate("[...document.querySelectorAll('input')].every((input) => input.labels.length > 0)")

    person, officer, specialist = phone(page, "person"), phone(page, "officer"), phone(page, "specialist")
    expect(officer.locator(".roster")).to_have_text("On the roster as officer: Ofc. Lee, Seattle PD.", timeout=TURN_MS)
    expect(specialist.locator(".roster")).to_have_text("On the roster as specialist: Ana.")
    number = person.get_by_label("Phone number of the community member")
    number.fill(PERSON)
    number.press("Enter")  # numbers are editable; the change takes effect when committed
    expect(person.locator(".thread")).to_contain_text(f"Now texting as {PERSON}")

    text_from(page, "officer", "officer", "Referral: consented, 206-555-0155, post OD, needs narcan, spanish")
    expect(officer.locator(".thread .received")).to_contain_text("Referral received: H-", timeout=TURN_MS)
    ref = re.search(r"Referral received: (H-\d+)\.", officer.locator(".thread .received").first.inner_text()).group(1)
    expect(officer.locator(".handoffs")).to_contain_text(f"{ref} received", timeout=TURN_MS)

    alert = specialist.locator(".thread .received.alert", has_text=ref)
    expect(alert).to_contain_text("An officer referred a person", timeout=TURN_MS)  # delivered by the worker
    expect(alert).not_to_contain_text("0155")  # the alert never carries the number
    page.screenshot(path=str(ARTIFACTS / "simulator-alert.png"), full_page=True)
    # The suggestion fills the message in and hands the focus to it; Enter sends it.
    specialist.get_by_role("button", name=f"ACCEPT {ref}").press("Enter")
    message = specialist.get_by_label("Message from the specialist")
    expect(message).to_be_focused()
    expect(message).to_have_value(f"ACCEPT {ref}")
    message.press("Enter")
    expect(specialist.locator(".thread .received").last).to_contain_text(f"You have {ref}.", timeout=TURN_MS)
    expect(specialist.locator(".handoffs")).to_contain_text(f"{ref} accepted", timeout=TURN_MS)
    expect(officer.locator(".handoffs")).to_contain_text(f"{ref} accepted", timeout=TURN_MS)

    text_from(page, "specialist", "specialist", f"{ref} Hola, soy Ana. ¿Dónde nos vemos?")
    # The referral said Spanish, so the hotline's own words to the person are in Spanish.
    expect(person.locator(".thread .received", has_text="Especialista: Hola, soy Ana. ¿Dónde nos vemos?")).to_have_count(1, timeout=TURN_MS)
    expect(person.locator(".handoffs")).to_contain_text(f"{ref} accepted")
    text_from(page, "person", "community member", "gracias, estoy en el refugio")
    expect(specialist.locator(".thread .received", has_text=f"{ref}: gracias, estoy en el refugio")).to_have_count(1, timeout=TURN_MS)

    text_from(page, "specialist", "specialist", f"DONE {ref} engaged")
    expect(specialist.locator(".thread .received .body").last).to_have_text(f"Closed {ref} (engaged). Thank you.", timeout=TURN_MS)
    expect(specialist.locator(".handoffs")).to_contain_text(f"{ref} closed (engaged)", timeout=TURN_MS)
    expect(officer.locator(".handoffs")).to_contain_text(f"{ref} closed", timeout=TURN_MS)
    expect(officer.locator(".handoffs")).not_to_contain_text("engaged")  # an officer never learns the outcome
    expect(officer.locator(".thread")).not_to_contain_text("refugio")  # nor anything the person said

    page.screenshot(path=str(ARTIFACTS / "simulator.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # one column, nothing cut off
    boxes = [phone(page, role).bounding_box() for role in ("person", "officer", "specialist")]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"] and all(box["width"] <= 390 for box in boxes)
    page.screenshot(path=str(ARTIFACTS / "simulator-narrow.png"), full_page=True)
