"""`hub model check`: does this interpreter read a trained model as the one that trained it did?

A model trained on one Python (3.10) is loaded on another (3.11) after an upgrade in place, with no
retraining. Training records, beside the model (models/hub.tar.gz -> models/hub.check.json), the
intent and confidence of a small fixed sample of texts, with the Python and Rasa versions and the
model file's SHA-256. The check loads the model, parses the recorded texts again and compares. A
model with no record (or a record of another model file) is checked (it loads, and every text gets
an intent) and then recorded, so the next check has something to compare with.

It warns and never stops anything: `make run`, the image's set-up service and the deploy steps run
it, and its exit status is 0 unless --strict is given (the tests). Rasa is imported only here, and
only when a check runs: the rest of `hub` does without it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

# A small fixed sample of what people text the line, in English and Spanish: the main intents, the
# emergency and crisis words, and a text outside the domain. The record keeps the texts it used, so
# a change to this list does not invalidate a record.
SAMPLE = (
    "hi",
    "hola",
    "where can I get narcan near 98104",
    "necesito naloxona cerca de 98122",
    "i need a place to sleep tonight",
    "where can I get my fentanyl tested",
    "he's not breathing",
    "no respira",
    "I want to talk to a person",
    "MORE",
    "thanks",
    "stop",
    "what is the weather tomorrow",
)
CONFIDENCE_TOLERANCE = 0.02  # two interpreters' float arithmetic, not a change of the model's mind


def record_path(model: Path) -> Path:
    """models/hub.tar.gz -> models/hub.check.json"""
    name = model.name
    for suffix in (".tar.gz", ".tgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return model.with_name(f"{name}.check.json")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("rasa", "tensorflow", "numpy", "scikit-learn"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def parse(model: Path, texts: tuple[str, ...] | list[str]) -> list[dict]:
    """Each text's intent and confidence (and entity types) as the model reads them on this Python."""
    import asyncio
    import os
    from concurrent.futures import ThreadPoolExecutor

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up notes
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not a debug line for each text
    logging.getLogger("rasa").setLevel(logging.ERROR)

    agent = Agent.load(str(model))

    async def read_all() -> list[dict]:
        results = []
        for text in texts:
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            results.append({"text": text, "intent": intent.get("name"),
                            "confidence": round(float(intent.get("confidence") or 0.0), 4),
                            "entities": sorted({entity["entity"] for entity in parsed.get("entities") or []})})
        return results

    # In a thread of its own: asyncio.run refuses to start where an event loop is already running
    # (a caller's, or one a library left running in this thread), and the check must not depend on that.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read_all()).result()


@dataclass
class Outcome:
    model: Path
    status: str  # "same", "different", "recorded", "failed"
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("same", "recorded")


def compare(recorded: list[dict], now: list[dict], tolerance: float = CONFIDENCE_TOLERANCE) -> list[str]:
    """A line for each text the model now reads otherwise than when it was recorded."""
    differences = []
    for before, after in zip(recorded, now):
        if before["intent"] != after["intent"]:
            differences.append(f"{before['text']!r}: intent {before['intent']} when recorded, {after['intent']} now")
        elif abs(before["confidence"] - after["confidence"]) > tolerance:
            differences.append(f"{before['text']!r}: {before['intent']} at {before['confidence']:.4f} when recorded, "
                               f"{after['confidence']:.4f} now")
        elif "entities" in before and before["entities"] != after["entities"]:
            differences.append(f"{before['text']!r}: entities {before['entities']} when recorded, {after['entities']} now")
    return differences


def write_record(model: Path, results: list[dict], digest: str | None = None) -> Path:
    target = record_path(model)
    document = {"model": model.name, "sha256": digest or sha256(model), "recorded_with": versions(), "sample": results}
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return target


def record(model: Path, texts: tuple[str, ...] | list[str] = SAMPLE) -> Path:
    """After training: the sample as this model reads it, beside the model."""
    return write_record(model, parse(model, texts))


def check(model: Path, texts: tuple[str, ...] | list[str] = SAMPLE) -> Outcome:
    model = Path(model)
    if not model.exists():
        return Outcome(model, "failed", [f"{model} does not exist (make model)"])
    digest, target = sha256(model), record_path(model)
    document = None
    if target.exists():
        document = json.loads(target.read_text())
        if document.get("sha256") != digest:
            document = None  # the record of a model file since replaced
    sample = [entry["text"] for entry in document["sample"]] if document else list(texts)
    try:
        now = parse(model, sample)
    except Exception as exc:  # noqa: BLE001 - any failure to load is what the check reports
        return Outcome(model, "failed", [f"{model} could not be loaded on Python {platform.python_version()}: "
                                         f"{type(exc).__name__}: {exc}"])
    if document is None:
        unread = [entry["text"] for entry in now if not entry["intent"]]
        if unread:
            return Outcome(model, "failed", [f"no intent for {text!r}" for text in unread])
        write_record(model, now, digest)
        return Outcome(model, "recorded", [f"{model} had no record: it loads and reads all {len(now)} texts on "
                                           f"Python {platform.python_version()}; recorded in {target}"])
    recorded_on = document.get("recorded_with", {}).get("python", "?")
    differences = compare(document["sample"], now)
    if differences:
        return Outcome(model, "different", [f"{model} (recorded on Python {recorded_on}) reads {len(differences)} of "
                                            f"{len(now)} texts otherwise on Python {platform.python_version()}; "
                                            "retrain it (make model):", *differences])
    return Outcome(model, "same", [f"{model}: the same intents for all {len(now)} texts on Python "
                                   f"{platform.python_version()} as recorded on Python {recorded_on}"])


def cmd_model_check(args) -> int:
    outcome = check(Path(args.model))
    stream = sys.stdout if outcome.ok else sys.stderr
    prefix = "hub model check" if outcome.ok else "hub model check: WARNING"
    print(f"{prefix}: {outcome.lines[0]}", file=stream)
    for line in outcome.lines[1:]:
        print(f"  {line}", file=stream)
    return 1 if args.strict and not outcome.ok else 0


def cmd_model_record(args) -> int:
    target = record(Path(args.model))
    print(f"hub model record: {target}")
    return 0
