"""Periodic reports: daily, weekly and monthly templates assembled from registered sections,
rendered to one self-contained HTML file with inline SVG charts, archived as a tier 3 work
record, and tracked against their submission deadlines.

`periods` (report windows and deadlines), `registry` (sections and templates; other areas
register their own sections), `charts` and `render` (HTML and SVG, no external resources),
`booking_sections` (the first sections, from bookings data), `service` (generate, submit,
remind, flag overdue).

Policy: P3.2.7 (X standard report formats; deadlines daily 24 h, weekly 48 h, monthly 72 h),
P3.2.3 (reports are work records).
"""
