"""The directory's tables: a subset of Open Referral HSDS 3.0 (bot/directory), its search index,
and the listings shown to texters and their reports of wrong ones.

Directory tables keep HSDS ids and column names so that import and export map one to one.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.sql.expression import false

from bot.db.models.base import Base


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
    # Ages served, in years; none where the publisher wrote none (or -1, as many systems write "no limit").
    minimum_age = Column(Float)
    maximum_age = Column(Float)
    # When the directory last confirmed the listing (the latest of the package's last_modified,
    # assured_date and metadata rows for the service): answers say "call ahead" once it is old.
    verified_on = Column(Date)
    # The HSDS API feed the service came from (None: a package): a refresh of that feed makes a
    # service it no longer lists inactive, from `missing_since`, and one that reappears active again.
    feed = Column(Text, index=True)
    missing_since = Column(DateTime)


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
    # Its address is outside the US (a country other than the US and its territories): kept in the
    # directory and its export, never offered to a texter by ZIP (a German 10115 is not New York's).
    outside_us = Column(Boolean, nullable=False, default=False, server_default=false())


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


class DirectoryRefresh(Base):
    """One read of an HSDS API feed (bot/directory/refresh.py): by the worker on its schedule or by
    `hub directory import --api`, what it changed or would have, and why it was held back or
    failed. The worker's claim on a scheduled refresh is `claim` (unique): two workers run it once."""

    __tablename__ = "directory_refresh"
    id = Column(Integer, primary_key=True)
    feed = Column(Text, nullable=False)
    claim = Column(String(255), unique=True)
    by = Column(String(16), nullable=False)  # "worker" or "cli"
    started_at = Column(DateTime, nullable=False, index=True)
    finished_at = Column(DateTime)
    outcome = Column(String(16), nullable=False)  # RefreshOutcome: running, applied, held_back, failed
    services = Column(Integer)
    new = Column(Integer)
    updated = Column(Integer)
    made_inactive = Column(Integer)
    restored = Column(Integer)
    warnings = Column(Integer)
    detail = Column(Text)
