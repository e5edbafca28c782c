"""Row factories for typed rows beyond ``psycopg.rows.class_row``.

``class_row`` builds each row by keyword, which costs a dictionary per row; for the few queries
that return a city's worth of rows at once (the coordinators' map of 10,000 bins),
:func:`ordered_row` builds them by position instead, after checking once per statement that the
columns are the dataclass's fields in their order, so a reordered column fails loudly instead of
filling the wrong field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg.rows import RowFactory, RowMaker

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from psycopg._cursor_base import BaseCursor  # the type row factories receive

T = TypeVar("T", bound="DataclassInstance")


def ordered_row(cls: type[T]) -> RowFactory[T]:
    """Rows as ``cls`` built by position; the columns must be its fields, in order."""
    names = tuple(f.name for f in fields(cls))

    def factory(cursor: BaseCursor[Any, Any]) -> RowMaker[T]:
        got = tuple(c.name for c in cursor.description or ())
        if got != names:
            raise psycopg.ProgrammingError(
                f"columns {got} are not the fields of {cls.__name__} in order: {names}"
            )

        def make(values: Sequence[Any]) -> T:
            return cls(*values)

        return make

    return factory
