"""Compliance (P6.1.2, P6.1.3, P6.1.4; PIPL Arts. 13-15, 38-40).

- `partners`: partners that receive guest data, their country, the security assessments of
  transfers abroad, and `guard_transfer`, the one check on guest data leaving to a partner.
- `choices`: a guest grants and withdraws consent purpose by purpose, and reads their ledger.
- `training`: data-protection training of the staff who handle personal data, its lapses and
  reminders.
- The field-by-field classification of personal data lives with the data it classifies
  (`domain.personal_data.classification`).
"""
