"""The root Query, Mutation and Subscription, composed from one module per area. Every field
declares its permission with `requires(resource, action)`; a test walks the schema to prove it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from resolvers import governance, identity, notifications, staff
from schema.node import resolve_node
from schema.permissions import requires
from schema.types.governance import (
    AuditChainStatus,
    AuditEntry,
    AuthorizationChange,
    Notification,
    PermissionRule,
    PolicyParameter,
    SetPolicyParameterPayload,
    SetRoleGrantPayload,
)
from schema.types.identity import (
    CreateApiTokenPayload,
    LoginPayload,
    LogoutPayload,
    RevokeApiTokenPayload,
    SetPreferredLanguagePayload,
    Viewer,
)
from schema.types.notifications import MarkNotificationsReadPayload
from schema.types.relay import Connection
from schema.types.staff import AuthorizationChangePayload, StaffAccount, StaffAccountPayload


@strawberry.type
class FoundationQuery:
    me: Viewer | None = strawberry.field(
        resolver=identity.me, extensions=[requires("viewer", "read")]
    )
    node: relay.Node | None = strawberry.field(
        resolver=resolve_node,
        extensions=[requires("viewer", "read")],
        description="Any object by global ID, if the caller may read it.",
    )
    policy_parameters: list[PolicyParameter] = strawberry.field(
        resolver=governance.policy_parameters,
        extensions=[requires("policy_parameter", "read")],
    )
    permission_matrix: list[PermissionRule] = strawberry.field(
        resolver=governance.permission_matrix,
        extensions=[requires("permission_matrix", "read")],
    )
    audit_log: Connection[AuditEntry] = strawberry.field(
        resolver=governance.audit_log, extensions=[requires("audit_log", "read")]
    )
    verify_audit_chain: AuditChainStatus = strawberry.field(
        resolver=governance.verify_audit_chain, extensions=[requires("audit_log", "read")]
    )
    notifications: Connection[Notification] = strawberry.field(
        resolver=notifications.my_notifications, extensions=[requires("notification", "read")]
    )
    staff_accounts: Connection[StaffAccount] = strawberry.field(
        resolver=staff.staff_accounts, extensions=[requires("staff_account", "read")]
    )
    authorization_changes: Connection[AuthorizationChange] = strawberry.field(
        resolver=staff.authorization_changes,
        extensions=[requires("authorization_change", "read")],
    )


@strawberry.type
class FoundationMutation:
    login: LoginPayload = strawberry.mutation(
        resolver=identity.login, extensions=[requires("session", "login")]
    )
    refresh_token: LoginPayload = strawberry.mutation(
        resolver=identity.refresh_token, extensions=[requires("session", "refresh")]
    )
    logout: LogoutPayload = strawberry.mutation(
        resolver=identity.logout, extensions=[requires("session", "logout")]
    )
    create_api_token: CreateApiTokenPayload = strawberry.mutation(
        resolver=identity.create_api_token, extensions=[requires("api_token", "create")]
    )
    revoke_api_token: RevokeApiTokenPayload = strawberry.mutation(
        resolver=identity.revoke_api_token, extensions=[requires("api_token", "revoke")]
    )
    set_policy_parameter: SetPolicyParameterPayload = strawberry.mutation(
        resolver=governance.set_policy_parameter,
        extensions=[requires("policy_parameter", "update")],
    )
    set_role_grant: SetRoleGrantPayload = strawberry.mutation(
        resolver=governance.set_role_grant, extensions=[requires("permission_matrix", "update")]
    )
    create_staff_account: StaffAccountPayload = strawberry.mutation(
        resolver=staff.create_staff_account, extensions=[requires("staff_account", "create")]
    )
    update_staff_account: StaffAccountPayload = strawberry.mutation(
        resolver=staff.update_staff_account, extensions=[requires("staff_account", "update")]
    )
    acknowledge_authorization_change: AuthorizationChangePayload = strawberry.mutation(
        resolver=staff.acknowledge_authorization_change,
        extensions=[requires("authorization_change", "acknowledge")],
    )
    set_preferred_language: SetPreferredLanguagePayload = strawberry.mutation(
        resolver=identity.set_preferred_language,
        extensions=[requires("viewer", "update")],
        description="Save the language your messages, e-mails and texts are written in.",
    )
    mark_notifications_read: MarkNotificationsReadPayload = strawberry.mutation(
        resolver=notifications.mark_notifications_read,
        extensions=[requires("notification", "read")],
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        extensions=[requires("notification", "read")],
        description="The viewer's own notifications as they arrive.",
    )
    async def notifications(
        self, info: strawberry.Info, since_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Notification, None]:
        async for item in notifications.notification_stream(info, since_id):
            yield item
