"""Query and mutation functions, one module per area: read the caller from the context, check
access, call one domain service, map `DomainError` to payload errors. No business rules here."""
