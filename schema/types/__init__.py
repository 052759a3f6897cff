"""GraphQL object, input and payload types, one module per area."""
