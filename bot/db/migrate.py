"""The Alembic configuration that migrates a database (HUB_DATABASE_URL unless named): used by
`hub db upgrade`, `hub restore`, the tests and the benchmarks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config
