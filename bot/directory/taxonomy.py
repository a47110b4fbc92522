"""The hotline's service types (DESIGN.md, "Service taxonomy")."""
from __future__ import annotations

import re

from bot.language import phrase

SERVICE_TYPES: dict[str, str] = {
    "naloxone": "naloxone (Narcan)",
    "syringe-services": "syringe services",
    "syringe-disposal": "sharps disposal",
    "fentanyl-test-strips": "fentanyl test strips",
    "drug-checking": "drug checking",
    "moud": "medication for opioid use disorder",
    "treatment": "treatment",
    "wound-care": "wound care",
    "testing": "HIV and hep C testing",
    "drop-in": "drop-in centers",
    "supervised-consumption": "overdose prevention sites",
    "peer-support": "peer support",
    "shelter": "shelter",
    "take-back": "medication take-back",
}

SERVICE_TYPES_ES: dict[str, str] = {
    "naloxone": "naloxona (Narcan)",
    "syringe-services": "jeringas y materiales",
    "syringe-disposal": "desecho de agujas",
    "fentanyl-test-strips": "tiras de prueba de fentanilo",
    "drug-checking": "análisis de drogas",
    "moud": "medicamentos para el trastorno por consumo de opioides",
    "treatment": "tratamiento",
    "wound-care": "cuidado de heridas",
    "testing": "pruebas de VIH y hepatitis C",
    "drop-in": "centros de día",
    "supervised-consumption": "sitios de prevención de sobredosis",
    "peer-support": "apoyo de pares",
    "shelter": "albergue",
    "take-back": "desecho de medicinas",
}


# One per language of bot/language.py, each naming every type.
SERVICE_LABELS = {"en": SERVICE_TYPES, "es": SERVICE_TYPES_ES}


def service_label(code: str, language: str = "en") -> str:
    """What a service type is called in a message to the texter."""
    return phrase(SERVICE_LABELS, language, code)


def hub_code_for(code: str | None, name: str | None) -> str | None:
    """The hotline type an HSDS taxonomy term stands for: its `code`, or else its `name`, matched
    case- and punctuation-insensitively ("Syringe Services" -> syringe-services)."""
    for candidate in (code, name):
        if not candidate:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", candidate.strip().lower()).strip("-")
        if slug in SERVICE_TYPES:
            return slug
    return None
