"""Monthly consumption analysis of members and personalised recommendations (P3.1.8)."""

from domain.analysis.runs import (
    Progress,
    analyse_last_month,
    analyse_month,
    last_finished_month,
    month_label,
    parse_month,
)

__all__ = [
    "Progress",
    "analyse_last_month",
    "analyse_month",
    "last_finished_month",
    "month_label",
    "parse_month",
]
