"""The document archive: tiered, encrypted, signed and retained documents.

Small modules, one concern each: `kinds` (which tier a document belongs to), `numbering` and
`uploads` (names `YYYYMMDD-NNNN-subject` and archiving), `content` (allowed types and size),
`links` (short-lived, account-bound download links with audited reads), `review` (legal review
of contracts), `signing` (electronic signatures of documents), `retention` and `work_records`
(deletion after retention, monthly sealing and purging of work records), `replicas` (the two
isolated copies), `queries` (listing). The archive itself is the `storage` library, configured
in `config` by the composition root.

Policy: P3.2.1-P3.2.5, P4.2.5, P6.1.3.
"""
