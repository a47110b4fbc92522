"""Values as publishers write them, made into what a texter can use (issue 32).

A 211's or a county's export is written for web pages and spreadsheets, not for a text message:
- HTML in a description (`<p>`, `<br>`, `&amp;`) becomes plain text, paragraphs and list items
  on lines of their own, for SMS and for voice;
- an age of -1 (or any negative age) is how many systems write "no limit": it means none;
- a phone "number" with words ("206-555-0100 (front desk)") keeps its number, the extension in
  its own column, and the words go to the phone's description where it has none; a warning says
  what was moved. One with no number at all is left out, with a warning;
- a timestamp with no zone is taken in the zone of the location it is about (from its ZIP or
  coordinates, as opening hours are), and in HUB_DIRECTORY_TIMEZONE only where nothing gives one.

Each change that sets something aside is a warning naming file, row and field, as the import's
other warnings do (bot/directory/hsds.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.directory.hsds import Package, Table, official_resources

# A tag (<p>, </li>, <br/>, <!-- -->) or an entity (&amp; &#39;): "ages <18" and "AT&T" are not.
_MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "table"}
_UNSPOKEN_TAGS = {"script", "style", "head", "title"}
# Columns that hold identifiers or addresses on the web, never prose: left exactly as written.
_NOT_PROSE = {"uuid", "uri", "email"}


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _UNSPOKEN_TAGS:
            self._hidden += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNSPOKEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain_text(value: str) -> str:
    """`value` without its HTML: tags gone, entities read, a line for each paragraph or list
    item, runs of spaces made one. Text with no markup is returned as it was."""
    if not _MARKUP.search(value):
        return value
    parser = _PlainText()
    parser.feed(value)
    parser.close()
    text = unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and line != "-")


@dataclass
class Tidied:
    """What was changed, for the import's summary: fields of HTML made plain, ages of -1 read as none."""

    html_fields: int = 0
    ages_none: int = 0
    phones_with_words: int = 0
    timestamps_zoned: dict[str, int] = field(default_factory=dict)  # zone → timestamps read in it


def _prose_columns(resource: dict) -> list[str]:
    return [spec["name"] for spec in resource["schema"]["fields"]
            if spec.get("type", "string") == "string" and spec.get("format") not in _NOT_PROSE
            and not spec["name"].endswith("_id") and spec["name"] != "id"]


def tidy_values(package: Package, tidied: Tidied | None = None) -> Tidied:
    """HTML, ages and phone numbers, in place, before the package is written (module docstring)."""
    tidied = tidied or Tidied()
    resources = official_resources()
    for name, table in package.tables.items():
        columns = _prose_columns(resources[name])
        for row in table.rows:
            for column in columns:
                value = row.get(column)
                if isinstance(value, str) and _MARKUP.search(value):
                    row[column] = plain_text(value) or None
                    tidied.html_fields += 1
    for row in package.rows("service"):
        for column in ("minimum_age", "maximum_age"):
            if row.get(column) is not None and row[column] < 0:
                row[column] = None
                tidied.ages_none += 1
    if "phone" in package.tables:
        _tidy_phones(package, package.tables["phone"], tidied)
    return tidied


@dataclass(frozen=True)
class PhoneParts:
    number: str | None  # as the publisher formatted it, without the words; None: there is none
    extension: str | None
    words: str  # what is not the number, for the phone's description


def phone_parts(text: str, region: str = "US") -> PhoneParts:
    """The number in a publisher's phone field, its extension, and the words around it.

    A field that is a number as it stands ("(206) 555-0100", "+44 1234 234567", a short code or
    a vanity 1-800-FLOWERS) is kept whole. Quotes some exports put around it are dropped."""
    cleaned = text.strip().strip("\"'").strip()
    if _is_vanity(cleaned, region):
        return PhoneParts(cleaned, None, "")
    if len(re.findall(r"\d", cleaned)) < 3:  # "N/A", "-", an emoji: no line (211 is the shortest)
        return PhoneParts(None, None, cleaned)
    if not re.search(r"[A-Za-z]{2}", cleaned):
        number, extension = _without_extension(cleaned, region)
        return PhoneParts(number or None, extension, "")
    matches = list(phonenumbers.PhoneNumberMatcher(cleaned, region, leniency=phonenumbers.Leniency.POSSIBLE))
    if not matches:
        digits = re.findall(r"\d[\d\s().-]{3,}\d", cleaned)  # a local number the matcher rejects
        if not digits:
            return PhoneParts(None, None, cleaned)
        found = digits[0]
        words = cleaned.replace(found, " ")
        return PhoneParts(found.strip(), None, _words(words))
    match = matches[0]
    words = cleaned[: match.start] + " " + cleaned[match.end :]
    number, extension = _without_extension(match.raw_string, region)
    return PhoneParts(number, extension, _words(words))


_EXTENSION = re.compile(r"\s*(?:,|;|\b(?:ext|extension|x)\b\.?|\bx)\s*#?\s*(\d{1,6})\s*$", re.IGNORECASE)


def _without_extension(text: str, region: str) -> tuple[str, str | None]:
    """("206.555.0100", "3") from "206.555.0100 x3": HSDS keeps the extension in its own column."""
    try:
        extension = phonenumbers.parse(text, region).extension
    except phonenumbers.NumberParseException:
        return text.strip(), None
    found = _EXTENSION.search(text) if extension else None
    if not found:
        return text.strip(), None
    return text[: found.start()].strip(" ,;"), found.group(1)


def _is_vanity(text: str, region: str) -> bool:
    """1-800-273-TALK: letters that are the number's own digits, never words to set aside."""
    if not re.fullmatch(r"\+?\d[\d\s().-]*[A-Za-z][A-Za-z\d\s().-]*", text) or len(re.findall(r"\d", text)) < 3:
        return False
    if re.search(r"[A-Za-z]{8,}|\s[A-Za-z]", text):
        return False
    try:
        number = phonenumbers.parse(phonenumbers.convert_alpha_characters_in_number(text), region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def _words(text: str) -> str:
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    # "Línea de crisis: , pregunte por Ana" once the number between is gone: one mark is enough.
    text = re.sub(r"\s*[:;,]\s*(?=[:;,])", "", text)
    text = re.sub(r"\s+([:;,.])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip(" -:;,.()[]")
    return text.strip()


def _tidy_phones(package: Package, table: Table, tidied: Tidied) -> None:
    kept_rows, kept_numbers = [], []
    for row, number in zip(table.rows, table.row_numbers):
        written = row.get("number") or ""
        parts = phone_parts(written)
        if parts.number is None:
            package.warnings.append(table.issue(number, "number", f"{written!r} has no phone number in it; the phone is left out"))
            reasons = package.skipped.setdefault(table.file, {})
            reasons["number holds no phone number"] = reasons.get("number holds no phone number", 0) + 1
            continue
        if parts.words:
            tidied.phones_with_words += 1
            if row.get("description"):
                where = "set aside (the phone has a description)"
            else:
                row["description"] = parts.words
                where = "moved to its description"
            package.warnings.append(table.issue(number, "number", f"{written!r} holds words: the number {parts.number!r} is kept, {parts.words!r} {where}"))
        row["number"] = parts.number
        if parts.extension and not row.get("extension"):
            row["extension"] = parts.extension
        kept_rows.append(row)
        kept_numbers.append(number)
    table.rows, table.row_numbers = kept_rows, kept_numbers


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def localize_timestamps(package: Package, fallback_zone: str, tidied: Tidied | None = None) -> Tidied:
    """Every timestamp with no zone, read in the zone of the place it is about: a location's own,
    a service's first location's, else `fallback_zone` (HUB_DIRECTORY_TIMEZONE). Run after the
    locations' zones are known (importer `_locate`)."""
    tidied = tidied or Tidied()
    location_zone: dict[str | None, str | None] = {row["id"]: row.get("time_zone") for row in package.rows("location")}
    service_zone: dict[str | None, str | None] = {}
    for row in package.rows("service_at_location"):
        service_zone.setdefault(row["service_id"], location_zone.get(row.get("location_id")))

    def zone_of(name: str, row: dict) -> str:
        candidates: list[str | None] = []
        if name == "location":
            candidates.append(location_zone.get(row.get("id")))
        if name == "service":
            candidates.append(service_zone.get(row.get("id")))
        candidates += [location_zone.get(row.get("location_id")), service_zone.get(row.get("service_id"))]
        return next((zone for zone in candidates if zone and zone_or_none(zone)), fallback_zone)

    resources = official_resources()
    for name, table in package.tables.items():
        stamps = [spec["name"] for spec in resources[name]["schema"]["fields"] if spec.get("type") == "datetime"]
        for row in table.rows:
            for column in stamps:
                value = row.get(column)
                if isinstance(value, datetime) and value.tzinfo is None:
                    zone = zone_of(name, row)
                    row[column] = value.replace(tzinfo=ZoneInfo(zone))
                    tidied.timestamps_zoned[zone] = tidied.timestamps_zoned.get(zone, 0) + 1
    return tidied
