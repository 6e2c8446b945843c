"""Imports every model so that the metadata (and Alembic autogenerate) sees all tables."""

from eventhub.auth.models import ApiToken, User
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition, Participation, ReportedFigure, Series
from eventhub.programme.models import ProgrammeItem, Speech
from eventhub.statements.models import Statement, StatementParagraph, StatementSection

__all__ = [
    "ApiToken",
    "Edition",
    "Organization",
    "Participation",
    "Person",
    "ProgrammeItem",
    "ReportedFigure",
    "Series",
    "Speech",
    "Statement",
    "StatementParagraph",
    "StatementSection",
    "User",
]
