"""SQLAlchemy models, one module per aggregate, on one declarative Base (base.py): the directory
(a subset of Open Referral HSDS 3.0), the channels' messages, the outbox, the handoff, the line's
health, the console and the drug-supply alerts.

Every model is imported from here (`from bot.db.models import Handoff`), which also puts every
table in Base.metadata, where migrations/env.py and relationship() strings find them. The
aggregate modules import only base.py (a relationship names its class by string), and nothing
above bot.db.
"""
from __future__ import annotations

from bot.db.models.alerts import AlertSubscription, AreaAlert, BatchReport, SignalCount, SignalSeen, Spike
from bot.db.models.base import Base
from bot.db.models.channel import ContactNumber, InboundMessage
from bot.db.models.console import AuditLog, ConsoleSignIn, ConsoleUser
from bot.db.models.directory import (
    Address,
    Attribute,
    CostOption,
    DirectoryRefresh,
    Language,
    ListingReport,
    ListingShown,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServicePoint,
    Taxonomy,
    TaxonomyTerm,
)
from bot.db.models.handoff import CheckIn, Handoff, HandoffLog, Officer, OfficerCall, Referral, Specialist
from bot.db.models.health import ClockJob, DeadlineMiss, OperatorAlarm, WorkerHeartbeat
from bot.db.models.notify import OptOut, OutboxMessage, SendSlot

__all__ = [
    "Base",
    # directory
    "Organization", "Service", "DirectoryRefresh", "Location", "Address", "ServiceAtLocation", "Phone", "Language", "CostOption",
    "Schedule", "Taxonomy", "TaxonomyTerm", "Attribute", "ServicePoint", "ListingShown", "ListingReport",
    # channel
    "InboundMessage", "ContactNumber",
    # notify
    "OutboxMessage", "OptOut", "SendSlot",
    # handoff
    "Specialist", "Handoff", "CheckIn", "HandoffLog", "Officer", "OfficerCall", "Referral",
    # health
    "WorkerHeartbeat", "OperatorAlarm", "DeadlineMiss", "ClockJob",
    # console
    "ConsoleUser", "ConsoleSignIn", "AuditLog",
    # alerts
    "AlertSubscription", "AreaAlert", "BatchReport", "SignalCount", "SignalSeen", "Spike",
]
