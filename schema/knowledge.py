"""Knowledge-area fields of the root types: notices, phone calls, the knowledge base of
procedures and onboarding learning (P7.1.1, P7.1.4, P8.6)."""

from __future__ import annotations

import strawberry

from resolvers import knowledge as knowledge_resolvers
from schema.permissions import requires
from schema.types.identity import Viewer
from schema.types.knowledge import (
    LearningProgress,
    LogLearningPayload,
    Notice,
    NoticePayload,
    PhoneCall,
    PhoneCallPayload,
    Procedure,
    ProcedurePayload,
)
from schema.types.relay import Connection


@strawberry.type
class KnowledgeQuery:
    notices: Connection[Notice] = strawberry.field(
        resolver=knowledge_resolvers.list_notices, extensions=[requires("notice", "read")]
    )
    phone_calls: Connection[PhoneCall] = strawberry.field(
        resolver=knowledge_resolvers.list_phone_calls,
        extensions=[requires("phone_call", "read")],
    )
    procedures: Connection[Procedure] = strawberry.field(
        resolver=knowledge_resolvers.list_procedures, extensions=[requires("procedure", "read")]
    )
    procedure: Procedure | None = strawberry.field(
        resolver=knowledge_resolvers.procedure, extensions=[requires("procedure", "read")]
    )
    procedure_non_readers: Connection[Viewer] = strawberry.field(
        resolver=knowledge_resolvers.procedure_non_readers,
        extensions=[requires("procedure", "track")],
        description="Active staff a procedure concerns who have not read its current version.",
    )
    learning_progress: Connection[LearningProgress] = strawberry.field(
        resolver=knowledge_resolvers.learning_progress,
        extensions=[requires("learning", "read")],
    )


@strawberry.type
class KnowledgeMutation:
    send_notice: NoticePayload = strawberry.mutation(
        resolver=knowledge_resolvers.send_notice, extensions=[requires("notice", "send")]
    )
    record_phone_call: PhoneCallPayload = strawberry.mutation(
        resolver=knowledge_resolvers.record_phone_call,
        extensions=[requires("phone_call", "record")],
    )
    publish_procedure: ProcedurePayload = strawberry.mutation(
        resolver=knowledge_resolvers.publish_procedure,
        extensions=[requires("procedure", "publish")],
    )
    acknowledge_procedure: ProcedurePayload = strawberry.mutation(
        resolver=knowledge_resolvers.acknowledge_procedure,
        extensions=[requires("procedure", "acknowledge")],
    )
    log_learning: LogLearningPayload = strawberry.mutation(
        resolver=knowledge_resolvers.log_learning, extensions=[requires("learning", "log")]
    )
