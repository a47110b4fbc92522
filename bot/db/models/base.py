"""The one declarative base of every model: one MetaData, which migrations/env.py compares with
the migrated database (`alembic check`)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import declarative_base

# Any: SQLAlchemy 1.4 ships no types (and no stubs are installed), so mypy cannot see the mapped classes.
Base: Any = declarative_base()
