"""The directory page's work: an HSDS package uploaded as a zip, checked whole and imported only
when every file, row and field is valid (bot/directory/importer.py, as `hub directory import`);
and what the assistant would answer for a service near a ZIP code."""
from __future__ import annotations

import lzma
import tempfile
import zipfile
import zlib
from io import BytesIO
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from bot.directory.hsds import ValidationIssue, read_package
from bot.directory.importer import ImportSummary, import_package

UPLOAD_LIMIT = 50 * 1024 * 1024  # bytes of zip
UNPACKED_LIMIT = 500 * 1024 * 1024  # bytes once unpacked: a zip bomb stops here
CHUNK = 1024 * 1024  # a member is copied to disk this much at a time, never read whole
# What reading a member raises when it is damaged or not readable here: a bad CRC-32 or a truncated
# member (BadZipFile, EOFError), damaged compressed data (zlib.error; OSError and LZMAError from
# bz2 and lzma), an unsupported compression method (NotImplementedError), or an encrypted member
# (RuntimeError). Reading from memory: an OSError here is never the disk's.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, lzma.LZMAError)


class UploadError(ValueError):
    """The upload is not an HSDS package at all (not a zip, too large, no datapackage.json)."""


def _unpack(data: bytes, into: Path) -> Path:
    if not data:
        raise UploadError("no file was uploaded")
    if len(data) > UPLOAD_LIMIT:
        raise UploadError(f"the file is larger than {UPLOAD_LIMIT // (1024 * 1024)} MB")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise UploadError("the file is not a zip archive") from None
    too_large = UploadError(f"the package unpacks to more than {UNPACKED_LIMIT // (1024 * 1024)} MB")
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > UNPACKED_LIMIT:
            raise too_large
        budget = UNPACKED_LIMIT  # what is written counts, whatever the headers said
        for member in members:
            path = PurePosixPath(member.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in member.filename:
                raise UploadError(f"{member.filename!r} points outside the package")
            target = into.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            budget = _copy_member(archive, member, target, budget, too_large)
    descriptors = sorted(into.rglob("datapackage.json"), key=lambda p: len(p.parts))
    if not descriptors:
        raise UploadError("the zip holds no datapackage.json (an HSDS tabular data package has one)")
    return descriptors[0].parent


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int,
                 too_large: UploadError) -> int:
    """`member` streamed into `target`; what is left of the byte budget."""
    damaged = UploadError(f"the zip is damaged: {member.filename} could not be unpacked. Make the zip again "
                          f"(plain or deflate compression, no password) and upload it.")
    try:
        source = archive.open(member)
    except _DAMAGED:
        raise damaged from None
    with source, target.open("wb") as out:
        while True:
            try:
                chunk = source.read(CHUNK)
            except _DAMAGED:
                raise damaged from None
            if not chunk:
                return budget
            budget -= len(chunk)
            if budget < 0:
                raise too_large
            out.write(chunk)


def import_zip(session: Session, data: bytes) -> ImportSummary:
    """Raises UploadError, or HsdsValidationError listing each problem (nothing is written then)."""
    with tempfile.TemporaryDirectory(prefix="hub-upload-") as folder:
        root = _unpack(data, Path(folder))
        package = read_package(root)
        return import_package(session, package)


def issue_rows(issues: list[ValidationIssue]) -> list[dict]:
    # an issue about the whole package names the temporary folder it was unpacked in: say "the package"
    return [{"file": "the package" if Path(i.file).is_absolute() else i.file, "row": i.row, "field": i.field,
             "problem": i.message} for i in issues]


def assistant_answer(session: Session, service_type: str, zip_code: str, radius_miles: float) -> str:
    """What the assistant would text back for `service_type` near `zip_code` (as `hub directory search`)."""
    from bot.directory.geo import lookup_zip
    from bot.directory.search import find_services
    from bot.directory.sms import format_results
    from bot.directory.taxonomy import SERVICE_TYPES

    if service_type not in SERVICE_TYPES:
        raise UploadError(f"unknown service {service_type!r}")
    place = lookup_zip((zip_code or "").strip())
    if place is None:
        raise UploadError(f"{zip_code!r} is not a known US ZIP code")
    return format_results(find_services(session, service_type, place, limit=3, radius_miles=radius_miles), place.zip_code)
