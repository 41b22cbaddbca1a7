"""Every domain's tables, imported once so the metadata (and Alembic) sees them all."""

from tinhso.accounts.models import ApiToken, LoginAttempt, User, UserScope, WebSession
from tinhso.audit.models import AuditEntry, AuditHead
from tinhso.db import Base
from tinhso.indicators.models import (
    CatalogSource,
    CompositeIndex,
    DataElement,
    IndexNode,
    Indicator,
    Target,
)
from tinhso.infrastructure.models import (
    Course,
    CourseAttendance,
    CourseParticipant,
    DigitalTeam,
    InfraImport,
    ItStaff,
    Site,
    TeamActivity,
    TeamMember,
    VillageFact,
    VillageState,
)
from tinhso.ioc.models import Alert, AlertEvent, Boundary, NationalRank
from tinhso.reporting.models import (
    DataValue,
    DataValueHistory,
    FormAssignment,
    FormElement,
    FormRule,
    PeriodClosure,
    ReportForm,
    Submission,
)
from tinhso.services.models import ChangeCounter, Dossier, DossierEvent, Procedure
from tinhso.tasks.models import Plan, PlanTarget, Task, TaskAgency, TaskEvidence, TaskUpdate
from tinhso.units.models import Agency, Unit, UnitLineage

__all__ = [
    "Agency",
    "Alert",
    "AlertEvent",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Boundary",
    "CatalogSource",
    "ChangeCounter",
    "CompositeIndex",
    "Course",
    "CourseAttendance",
    "CourseParticipant",
    "DataElement",
    "DataValue",
    "DataValueHistory",
    "DigitalTeam",
    "Dossier",
    "DossierEvent",
    "FormAssignment",
    "FormElement",
    "FormRule",
    "IndexNode",
    "Indicator",
    "InfraImport",
    "ItStaff",
    "LoginAttempt",
    "NationalRank",
    "PeriodClosure",
    "Plan",
    "PlanTarget",
    "Procedure",
    "ReportForm",
    "Site",
    "Submission",
    "Target",
    "Task",
    "TaskAgency",
    "TaskEvidence",
    "TaskUpdate",
    "TeamActivity",
    "TeamMember",
    "Unit",
    "UnitLineage",
    "User",
    "UserScope",
    "VillageFact",
    "VillageState",
    "WebSession",
]
