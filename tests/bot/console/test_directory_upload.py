"""Review 22: a directory package uploaded to the console whose members cannot be unpacked is an
UploadError (the page answers 400 with it, tests/bot/console/test_app.py), and members are
streamed to disk against a byte budget, never read whole into memory."""
from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import pytest

from bot.console import directory
from bot.console.directory import UploadError

DESCRIPTOR = json.dumps({"name": "x", "resources": []}).encode()
SERVICES = b"id,name\n" + b"".join(b"s%d,Service number %d\n" % (n, n) for n in range(200))


def stored_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("directory/datapackage.json", DESCRIPTOR)
        archive.writestr("directory/services.csv", SERVICES)
    return out.getvalue()


def patched(data: bytes, local_offset: int, central_offset: int, value: bytes) -> bytes:
    """The services.csv member's header fields changed, in its local header and the central directory."""
    data = bytearray(data)
    local = data.index(b"PK\x03\x04", 1)  # the second member's
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    data[local + local_offset:local + local_offset + len(value)] = value
    data[central + central_offset:central + central_offset + len(value)] = value
    return bytes(data)


def bad_crc() -> bytes:
    data = bytearray(stored_zip())
    at = data.index(SERVICES) + 20
    data[at] ^= 1
    return bytes(data)


def damaged_deflate() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("directory/datapackage.json", DESCRIPTOR)
        archive.writestr("directory/services.csv", SERVICES * 20)
    data = bytearray(out.getvalue())
    start = data.index(b"directory/services.csv") + len("directory/services.csv")
    data[start + 40:start + 80] = bytes(range(40))
    return bytes(data)


CORRUPT = {
    "a bad CRC-32": bad_crc,
    "damaged deflate data": damaged_deflate,
    "an unsupported compression method": lambda: patched(stored_zip(), 8, 10, (99).to_bytes(2, "little")),
    "an encrypted member": lambda: patched(stored_zip(), 6, 8, (1).to_bytes(2, "little")),
}


@pytest.mark.parametrize("kind", CORRUPT)
def test_a_member_that_cannot_be_unpacked_is_an_upload_error(tmp_path, kind):
    with pytest.raises(UploadError) as refused:
        directory._unpack(CORRUPT[kind](), tmp_path)
    message = str(refused.value)
    assert "directory/services.csv" in message and "could not be unpacked" in message


def test_members_are_streamed_to_disk_not_read_whole(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("directory/datapackage.json", DESCRIPTOR)
        with archive.open("directory/big.csv", "w") as member:
            for _ in range(40):
                member.write(b"0" * (1024 * 1024))
    data = out.getvalue()
    tracemalloc.start()
    try:
        root = directory._unpack(data, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (root / "big.csv").stat().st_size == 40 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB held at once to unpack a 40 MB member"


def test_the_byte_budget_counts_what_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(directory, "UNPACKED_LIMIT", len(SERVICES) + len(DESCRIPTOR) - 1)
    with pytest.raises(UploadError, match="unpacks to more than"):
        directory._unpack(stored_zip(), tmp_path)
