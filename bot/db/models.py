"""SQLAlchemy models: the directory (a subset of Open Referral HSDS 3.0) and the channel's tables.

Directory tables keep HSDS ids and column names so that import and export map one to one.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

# Any: SQLAlchemy 1.4 ships no types (and no stubs are installed), so mypy cannot see the mapped classes.
Base: Any = declarative_base()


class Organization(Base):
    __tablename__ = "organization"
    id = Column(String(36), primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    email = Column(Text)
    website = Column(Text)


class Service(Base):
    __tablename__ = "service"
    id = Column(String(36), primary_key=True)
    organization_id = Column(String(36), ForeignKey("organization.id"), nullable=False, index=True)
    name = Column(Text, nullable=False)
    alternate_name = Column(Text)
    description = Column(Text)
    url = Column(Text)
    email = Column(Text)
    status = Column(String(32), nullable=False, index=True)
    fees_description = Column(Text)
    eligibility_description = Column(Text)
    application_process = Column(Text)
    last_modified = Column(DateTime)
    # When the directory last confirmed the listing (the latest of the package's last_modified,
    # assured_date and metadata rows for the service): answers say "call ahead" once it is old.
    verified_on = Column(Date)


class Location(Base):
    __tablename__ = "location"
    id = Column(String(36), primary_key=True)
    organization_id = Column(String(36), ForeignKey("organization.id"), index=True)
    location_type = Column(String(16), nullable=False)
    name = Column(Text)
    description = Column(Text)
    transportation = Column(Text)
    latitude = Column(Float, index=True)
    longitude = Column(Float)
    # IANA zone of the location, resolved at import from its ZIP or coordinates: HSDS opening
    # times carry no offset and are local to the location.
    time_zone = Column(String(64))


class Address(Base):
    __tablename__ = "address"
    id = Column(String(36), primary_key=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), index=True)
    address_1 = Column(Text, nullable=False)
    address_2 = Column(Text)
    city = Column(Text, nullable=False)
    region = Column(Text)
    state_province = Column(Text, nullable=False)
    postal_code = Column(String(16), nullable=False)
    country = Column(String(2), nullable=False)
    address_type = Column(String(16), nullable=False)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id = Column(String(36), primary_key=True)
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True)
    description = Column(Text)


class Phone(Base):
    __tablename__ = "phone"
    id = Column(String(36), primary_key=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id = Column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    service_at_location_id = Column(String(36), ForeignKey("service_at_location.id", ondelete="CASCADE"))
    number = Column(Text, nullable=False)
    extension = Column(Text)
    type = Column(Text)
    description = Column(Text)


class Language(Base):
    __tablename__ = "language"
    id = Column(String(36), primary_key=True)
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), index=True)
    phone_id = Column(String(36), ForeignKey("phone.id", ondelete="CASCADE"))
    name = Column(Text)
    code = Column(String(16))
    note = Column(Text)


class CostOption(Base):
    __tablename__ = "cost_option"
    id = Column(String(36), primary_key=True)
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    valid_from = Column(Date)
    valid_to = Column(Date)
    option = Column(Text)
    currency = Column(String(3))
    amount = Column(Float)
    amount_description = Column(Text)


class Schedule(Base):
    """An HSDS schedule: an iCal-style recurrence with opening hours (local to the location)."""

    __tablename__ = "schedule"
    id = Column(String(36), primary_key=True)
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_at_location_id = Column(String(36), ForeignKey("service_at_location.id", ondelete="CASCADE"))
    valid_from = Column(Date)
    valid_to = Column(Date)
    dtstart = Column(Date)
    timezone = Column(Float)
    until = Column(Date)
    count = Column(Integer)
    wkst = Column(String(2))
    freq = Column(String(8))
    interval = Column(Integer)
    byday = Column(Text)
    bymonthday = Column(Text)
    opens_at = Column(Time)
    closes_at = Column(Time)
    description = Column(Text)


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id = Column(String(36), primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    uri = Column(Text)
    version = Column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id = Column(String(36), primary_key=True)
    code = Column(Text)
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    taxonomy_id = Column(String(36), ForeignKey("taxonomy.id"))
    taxonomy = Column(Text)
    language = Column(Text)
    # The hotline's own service type this term stands for (see DESIGN.md), resolved at import
    # from the term's code or name, so that search needs no text matching.
    hub_code = Column(String(32), index=True)


class Attribute(Base):
    __tablename__ = "attribute"
    id = Column(String(36), primary_key=True)
    link_id = Column(String(36), nullable=False, index=True)
    taxonomy_term_id = Column(String(36), ForeignKey("taxonomy_term.id", ondelete="CASCADE"), nullable=False)
    link_type = Column(Text)
    link_entity = Column(Text, nullable=False)
    value = Column(Text)

    __table_args__ = (Index("ix_attribute_term_link", "taxonomy_term_id", "link_id"),)


class ServicePoint(Base):
    """Search index: one row per active service, location and hotline type, rebuilt by every
    import. Lets a nearest search read one index range instead of joining five tables."""

    __tablename__ = "service_point"
    service_id = Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    location_id = Column(String(36), ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    hub_code = Column(String(32), primary_key=True)
    name = Column(Text, nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    time_zone = Column(String(64))

    __table_args__ = (Index("ix_service_point_search", "hub_code", "latitude", "longitude"),)


class InboundMessage(Base):
    """One row per Twilio MessageSid, so that a second delivery of the same message is ignored.

    Holds no number and no text: the sender is the HMAC key.
    """

    __tablename__ = "inbound_message"
    message_sid = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_key = Column(String(64), nullable=False, index=True)
    received_at = Column(DateTime, nullable=False, index=True)


class OutboxMessage(Base):
    """A proactive message (alert, relay, notice) waiting for, or done with, delivery.

    One of the few tables that must hold a real number: the message has to reach it.
    """

    __tablename__ = "outbox_message"
    id = Column(Integer, primary_key=True, autoincrement=True)
    to_number = Column(String(20), nullable=False, index=True)
    from_number = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    purpose = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime)
    provider_sid = Column(String(64))
    last_error = Column(Text)
    # When the first attempt whose outcome is unknown began (a worker killed mid-send, a timeout);
    # NULL once the outcome is recorded. While set, the provider is asked before any resend.
    claimed_at = Column(DateTime)
    # The claim of the worker holding the row ('sending'): a worker sends only while the row
    # still carries its token, so a row taken over after its lease lapsed is never sent twice.
    claim_token = Column(String(32))
    # The handoff an alert is about, so that an alert that never reached its specialist's phone
    # can be re-offered to the next one at once (bot/handoff/delivery.py).
    handoff_id = Column(Integer, index=True)
    # Twilio's delivery receipt (status callback): delivered, undelivered or failed, with its
    # error code (30003 unreachable, 30005 unknown number, 30007 carrier filtering...).
    delivery_status = Column(String(16))
    delivery_error_code = Column(String(8))
    delivery_updated_at = Column(DateTime)
    # The drug-supply alert this message carries to one subscriber (bot/alerts), for its counts.
    area_alert_id = Column(Integer, index=True)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"), Index("ix_outbox_delivery", "delivery_status", "created_at"))


class Specialist(Base):
    """A harm reduction specialist (or the coordinator) on the roster. One of the tables that must
    hold a real number: alerts go to it."""

    __tablename__ = "specialist"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(Text, nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    languages = Column(Text, nullable=False, default="en")  # "en,es"
    zips = Column(Text, nullable=False, default="")  # "98104,98122"; empty: covers everywhere
    hours = Column(Text)  # "MO-FR 08:00-20:00; SA 10:00-14:00"; empty: always on call
    is_coordinator = Column(Integer, nullable=False, default=0)
    active = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False)
    # Off call by text, whatever the hours say: "off" (they texted OFF, until ON) or "stop" (they
    # texted STOP, until START; nothing can reach them). NULL: the hours decide.
    off_call = Column(String(8))
    off_call_since = Column(DateTime)


class Handoff(Base):
    """A warm handoff of one person to a specialist, with the consent it rests on."""

    __tablename__ = "handoff"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ref = Column(String(12), nullable=False, unique=True)
    source = Column(String(16), nullable=False)  # community | officer
    state = Column(String(16), nullable=False, index=True)
    person_key = Column(String(64), nullable=False, index=True)
    # Where relay and notices go; NULL until the channel that received the request attaches it.
    person_number = Column(String(20))
    # Where and when to find the person when an officer gave no number ("library steps, 3pm").
    contact_note = Column(Text)
    needs = Column(Text, nullable=False, default="")
    area = Column(String(64))
    language = Column(String(8), nullable=False, default="en")
    urgent = Column(Integer, nullable=False, default=0, server_default="0")
    consent_by = Column(String(16), nullable=False)  # person | officer
    consent_text = Column(Text, nullable=False)
    consent_at = Column(DateTime, nullable=False)
    specialist_id = Column(Integer, ForeignKey("specialist.id"), index=True)
    escalation_level = Column(Integer, nullable=False, default=0)
    deadline_at = Column(DateTime, index=True)
    created_at = Column(DateTime, nullable=False)
    alerted_at = Column(DateTime)
    accepted_at = Column(DateTime)
    closed_at = Column(DateTime)
    outcome = Column(String(16))
    # The referral behind an officer's handoff (None for a person's own request): who referred.
    referral = relationship("Referral", uselist=False, viewonly=True)
    # Follow-up check-ins (bot/handoff/follow_up.py), asked of the person themself beside the
    # consent: NULL not asked; "to_ask" (consented by voice: asked by text once the number is
    # known); "asked"; then "yes", "no", or "unanswered" (they wrote something else next).
    follow_up_consent = Column(String(12))
    follow_up_asked_at = Column(DateTime)
    follow_up_answered_at = Column(DateTime)
    # The handoff whose check-in this one re-opens (the person replied 2 or 3): a re-contact.
    follow_up_of = Column(Integer, ForeignKey("handoff.id"), index=True)


class CheckIn(Base):
    """One follow-up check-in of a closed handoff (round 1 after HUB_FOLLOW_UP_AFTER, round 2
    after HUB_FOLLOW_UP_AGAIN). The row is the claim: (handoff_id, round) is unique, so two
    workers never send the same check-in. Holds no number and no words: the answer is 1, 2 or 3."""

    __tablename__ = "check_in"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False, index=True)
    round = Column(Integer, nullable=False)
    # sent; or not sent, and why: stopped (the number texted STOP), superseded (they have an
    # open handoff again), missed (the next round was due too: only the later one goes).
    status = Column(String(12), nullable=False)
    at = Column(DateTime, nullable=False, index=True)
    answer = Column(String(1))
    answered_at = Column(DateTime)
    # After a reply of 2 ("not yet"), whether a specialist may text them (review 18): "asked";
    # then "yes" (reopened_handoff_id names the new handoff), "no", or "unanswered".
    consent = Column(String(12))
    reopened_handoff_id = Column(Integer, ForeignKey("handoff.id"))

    __table_args__ = (UniqueConstraint("handoff_id", "round", name="uq_check_in_round"),)


class HandoffLog(Base):
    """Every transition of a handoff, timestamped: what proves a person reached a human.
    Holds no phone number and no message text."""

    __tablename__ = "handoff_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    event = Column(String(24), nullable=False)
    state = Column(String(16), nullable=False)
    specialist_id = Column(Integer, ForeignKey("specialist.id"))
    detail = Column(Text)


class OptOut(Base):
    """Numbers that texted STOP (until START), by HMAC key: the worker sends them nothing."""

    __tablename__ = "opt_out"
    number_key = Column(String(64), primary_key=True)
    opted_out_at = Column(DateTime, nullable=False)
    # bot.privacy.key_id of the secret key number_key was made with; NULL for rows written before
    # key ids were recorded, which `hub keys rotate` fills with the id of the key it retires.
    key_id = Column(String(12), index=True)


class ContactNumber(Base):
    """Phone numbers written inside messages (an officer's referral), by HMAC key: Rasa holds
    only the stand-in `tel:<key>` (bot/phonebook.py), and a handoff finds the number here. One of
    the tables that must hold a real number: the person has to be reached at it."""

    __tablename__ = "contact_number"
    key = Column(String(64), primary_key=True)
    number = Column(String(20), nullable=False)
    seen_at = Column(DateTime, nullable=False, index=True)


class Officer(Base):
    """A registered referrer's work phone: a police officer, or an EMS or fire crew (`kind`).
    Looked up by HMAC key: Rasa and the actions only ever see the key."""

    __tablename__ = "officer"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(Text, nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    phone_key = Column(String(64), nullable=False, unique=True)
    agency = Column(Text, nullable=False)
    # police | ems | fire (bot/handoff/referrers.py): how the person hears who asked for them.
    kind = Column(String(8), nullable=False, default="police", server_default="police")
    active = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False)
    # Caller ID is easy to spoof: on the voice line an officer is an officer only with STIR/SHAKEN
    # attestation A or this PIN (scrypt, bot/handoff/officer_check.py), keyed at the call's start.
    pin_hash = Column(String(200))
    pin_failures = Column(Integer, nullable=False, default=0, server_default="0")


class OfficerCall(Base):
    """A call in which the caller was verified as a registered officer (attestation A, or the
    PIN): every turn of that call, and only that call, speaks to Rasa as the officer."""

    __tablename__ = "officer_call"
    call_sid = Column(String(64), primary_key=True)
    officer_id = Column(Integer, ForeignKey("officer.id"), nullable=False)
    verified_by = Column(String(16), nullable=False)  # attestation | pin
    verified_at = Column(DateTime, nullable=False, index=True)


class Referral(Base):
    """Every officer referral, with or without consent: the anonymous tally behind the
    'referrals instead of arrests' figures. Holds no name, number or words of the person."""

    __tablename__ = "referral"
    id = Column(Integer, primary_key=True, autoincrement=True)
    agency = Column(Text, nullable=False, index=True)
    officer_id = Column(Integer, ForeignKey("officer.id"), nullable=False)
    consented = Column(Integer, nullable=False)
    reason = Column(String(24))
    urgency = Column(String(12))
    handoff_id = Column(Integer, ForeignKey("handoff.id"), unique=True)
    created_at = Column(DateTime, nullable=False, index=True)
    officer = relationship("Officer", viewonly=True)


class WorkerHeartbeat(Base):
    """When each worker (host:pid) last finished a delivery pass that worked (or a send): `hub
    status` tells a stopped, stuck or failing worker from an idle one."""

    __tablename__ = "worker_heartbeat"
    worker = Column(String(128), primary_key=True)
    started_at = Column(DateTime, nullable=False)
    seen_at = Column(DateTime, nullable=False)


class OperatorAlarm(Base):
    """Something only a person can fix (Twilio refuses the account's credentials, the sending
    queue is full), raised by the worker and cleared when it can send again; `hub status` shows it.
    Holds codes, never a number or a message."""

    __tablename__ = "operator_alarm"
    name = Column(String(32), primary_key=True)
    detail = Column(Text, nullable=False)
    raised_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)


class ListingShown(Base):
    """The places last listed to a texter, numbered as they saw them, so that "WRONG 2" names a
    place. Keyed by the HMAC of the number, never the number; purged after the retention period."""

    __tablename__ = "listing_shown"
    number_key = Column(String(64), primary_key=True)
    shown_at = Column(DateTime, nullable=False, index=True)
    language = Column(String(8), nullable=False)
    # JSON: [[position, service_id, location_id, name, street], ...] for every page of the search.
    places = Column(Text, nullable=False)


class ListingReport(Base):
    """A texter's report that a listing is wrong (closed, out of supplies, ...), for the
    coordinator. The reporter is an HMAC key, used only to count different numbers; their words
    are purged after the retention period."""

    __tablename__ = "listing_report"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, index=True)
    service_id = Column(String(36), index=True)  # None: the texter did not say which place
    location_id = Column(String(36))
    place_name = Column(Text)
    kind = Column(String(16), nullable=False)  # closed | wrong | out_of_stock | other
    words = Column(Text)
    language = Column(String(8), nullable=False)
    reporter_key = Column(String(64), nullable=False)
    cleared_at = Column(DateTime, index=True)


class ConsoleUser(Base):
    """A member of staff who signs in to the console (bot/console): a manager or a viewer. Not
    the roster's coordinator. The password is kept only as an argon2 hash."""

    __tablename__ = "console_user"
    # AUTOINCREMENT: SQLite would otherwise give a removed account's id to the next one (review 5);
    # PostgreSQL's sequence never gives an id twice.
    __table_args__ = {"sqlite_autoincrement": True}
    id = Column(Integer, primary_key=True, autoincrement=True)
    email = Column(String(254), nullable=False, unique=True)
    role = Column(String(16), nullable=False)  # manager | viewer
    password_hash = Column(String(200), nullable=False)
    # Wrong passwords in a row; past the limit the account is locked until locked_until.
    failed_logins = Column(Integer, nullable=False, default=0, server_default="0")
    locked_until = Column(DateTime)
    # Bumped by a password reset or "Sign out everywhere": every session with an older epoch ends.
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")
    # Random, made with the account and carried in its session cookies: a cookie names the account
    # by id and secret, so it never signs in as any other account, whatever ids a database gives.
    session_secret = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime)


class ConsoleSignIn(Base):
    """One signed-in console session, by the random id its cookie carries: Sign out forgets it.
    It lasts HUB_CONSOLE_SESSION_MAX from created_at at most, however busy (the idle timeout is
    the cookie's)."""

    __tablename__ = "console_session"
    id = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("console_user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, index=True)


class AuditLog(Base):
    """Who did what in the console, and when: every change, and every time a number was shown.
    Names the member of staff and a handoff's reference, never the number shown."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(254), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False)


class DeadlineMiss(Base):
    """Turns answered with a holding reply (past HUB_ANSWER_DEADLINE, or queued past the bound),
    counted per hour by each Rasa server (host:pid), so that the console's Health page sees every
    server's misses."""

    __tablename__ = "deadline_miss"
    hour = Column(DateTime, primary_key=True)
    server = Column(String(128), primary_key=True)
    misses = Column(Integer, nullable=False)


class AlertSubscription(Base):
    """A number that texted ALERTS for drug-supply alerts near a place (bot/alerts). The number is
    held only in `to_number`, where alerts go, and cleared when the subscriber texts ALERTS OFF
    or STOP; the row itself goes at the retention purge after that."""

    __tablename__ = "alert_subscription"
    id = Column(Integer, primary_key=True, autoincrement=True)
    number_key = Column(String(64), nullable=False, unique=True)
    to_number = Column(String(20))
    area = Column(String(64), nullable=False)  # as replies name it: a ZIP, "Belltown", "Tacoma, WA"
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    language = Column(String(8), nullable=False, default="en")
    subscribed_at = Column(DateTime, nullable=False)
    unsubscribed_at = Column(DateTime, index=True)

    __table_args__ = (Index("ix_alert_subscription_where", "latitude", "longitude"),)


class AreaAlert(Base):
    """A drug-supply alert the coordinator sent (`hub alerts send`): the coordinator's words, the
    area and how many subscribers it went to. Each copy is an outbox row (area_alert_id)."""

    __tablename__ = "area_alert"
    id = Column(Integer, primary_key=True, autoincrement=True)
    area = Column(String(64), nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    radius_miles = Column(Float, nullable=False)
    text_en = Column(Text, nullable=False)
    text_es = Column(Text)
    recipients = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)


class BatchReport(Base):
    """A texter's anonymous report of a bad batch (REPORT ...): the words, with any phone number
    in them removed, and the area they name. No number and no key of the sender; the words go at
    the retention purge."""

    __tablename__ = "batch_report"
    id = Column(Integer, primary_key=True, autoincrement=True)
    words = Column(Text)
    area = Column(String(64))
    language = Column(String(8), nullable=False, default="en")
    received_at = Column(DateTime, nullable=False, index=True)
