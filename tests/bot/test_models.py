"""bot.db.models is one module per aggregate on one declarative Base, and re-exports every model:
`from bot.db.models import X` names every mapped class, whichever module defines it."""
from __future__ import annotations

import importlib
import pkgutil

import bot.db.models as models
from bot.db.models import Base


def test_every_model_is_exported_by_name_from_bot_db_models():
    mapped = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    assert len(mapped) == len(Base.registry.mappers)  # no two models share a name
    assert sorted(models.__all__) == sorted([*mapped, "Base"])
    for name, cls in mapped.items():
        assert getattr(models, name) is cls


def test_every_aggregate_module_uses_the_one_base_and_every_table_is_mapped():
    for module in pkgutil.iter_modules(models.__path__):
        assert importlib.import_module(f"bot.db.models.{module.name}").Base is Base
    assert {mapper.local_table.name for mapper in Base.registry.mappers} == set(Base.metadata.tables)
