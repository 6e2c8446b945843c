"""Imports every model so that the metadata (and Alembic autogenerate) sees all tables."""

from eventhub.audit.models import AuditEntry, RateLimitBucket
from eventhub.auth.models import ApiToken, User
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import (
    Edition,
    OrganizationSnapshot,
    Participation,
    PersonSnapshot,
    ReportedFigure,
    Series,
)
from eventhub.invitations.models import Invitation
from eventhub.mail.models import OutboxMessage
from eventhub.programme.models import (
    Exhibitor,
    ProgrammeItem,
    ProgrammeVersion,
    SessionSignup,
    Speech,
)
from eventhub.registrations.models import (
    CredentialDocument,
    Delegation,
    IdempotentRequest,
    Registration,
    VisaRequest,
)
from eventhub.statements.models import (
    Statement,
    StatementComment,
    StatementRevision,
    StatementSuggestion,
)
from eventhub.worker_models import ScheduledJob, WorkerHeartbeat

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CredentialDocument",
    "Delegation",
    "Edition",
    "Exhibitor",
    "IdempotentRequest",
    "Invitation",
    "Organization",
    "OrganizationSnapshot",
    "OutboxMessage",
    "Participation",
    "Person",
    "PersonSnapshot",
    "ProgrammeItem",
    "ProgrammeVersion",
    "RateLimitBucket",
    "Registration",
    "ReportedFigure",
    "ScheduledJob",
    "Series",
    "SessionSignup",
    "Speech",
    "Statement",
    "StatementComment",
    "StatementRevision",
    "StatementSuggestion",
    "User",
    "VisaRequest",
    "WorkerHeartbeat",
]
