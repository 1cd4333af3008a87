"""The API's request and response shapes (pydantic models): validation and the OpenAPI 3.1 document both come from
here (``app.api.spec``). Ids are public ids (``app.api.ids``); times are ISO 8601 with the offset of the client's
zone; dates are ISO dates.

One module per part of the API (``common`` is shared). This package re-exports every shape for the API's route
modules (``app/api/*_views.py``), which name them as ``schemas.X``; new code imports the module.
"""

from app.api.schemas.certificates import (
    Certificate,
    CertificateChange,
    CertificateDetail,
    CertificatePage,
    CertificateQuery,
    Obligation,
)
from app.api.schemas.clients import Delivery, DeliveryPage, Me, Subscription, SubscriptionCreate, SubscriptionList
from app.api.schemas.common import Error, ErrorDetail, IdempotencyHeaders, PageQuery, PublicId, Strict, Username, text
from app.api.schemas.exams import ExamResult, ExamResultPage, PracticalResult, PracticalResultPage, ResultQuery
from app.api.schemas.inspections import (
    Finding,
    FindingClose,
    FindingCreate,
    FindingPage,
    Inspection,
    InspectionClose,
    InspectionCreate,
    InspectionPage,
    InspectionSummary,
    SampleRule,
    Ticket,
)
from app.api.schemas.people import (
    Employment,
    Enterprise,
    EnterprisePage,
    EnterpriseQuery,
    EnterpriseRef,
    Person,
    PersonLookup,
    PersonRef,
)
from app.api.schemas.roster import Roster, RosterCertificate, RosterHours, RosterLine
from app.api.schemas.training import (
    ClassHours,
    ClassRef,
    Completion,
    CompletionPage,
    Ledger,
    LedgerRow,
    PersonTraining,
    YearQuery,
)
from app.api.schemas.verification import PublicRecord, Verification, VerifyLookup

__all__ = [
    "Certificate",
    "CertificateChange",
    "CertificateDetail",
    "CertificatePage",
    "CertificateQuery",
    "ClassHours",
    "ClassRef",
    "Completion",
    "CompletionPage",
    "Delivery",
    "DeliveryPage",
    "Employment",
    "Enterprise",
    "EnterprisePage",
    "EnterpriseQuery",
    "EnterpriseRef",
    "Error",
    "ErrorDetail",
    "ExamResult",
    "ExamResultPage",
    "Finding",
    "FindingClose",
    "FindingCreate",
    "FindingPage",
    "IdempotencyHeaders",
    "Inspection",
    "InspectionClose",
    "InspectionCreate",
    "InspectionPage",
    "InspectionSummary",
    "Ledger",
    "LedgerRow",
    "Me",
    "Obligation",
    "PageQuery",
    "Person",
    "PersonLookup",
    "PersonRef",
    "PersonTraining",
    "PracticalResult",
    "PracticalResultPage",
    "PublicId",
    "PublicRecord",
    "ResultQuery",
    "Roster",
    "RosterCertificate",
    "RosterHours",
    "RosterLine",
    "SampleRule",
    "Strict",
    "Subscription",
    "SubscriptionCreate",
    "SubscriptionList",
    "Ticket",
    "Username",
    "Verification",
    "VerifyLookup",
    "YearQuery",
    "text",
]
