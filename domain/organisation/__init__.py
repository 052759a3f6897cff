"""The hotel's organisation as records (P1.1, P2.1-P2.6, P7.1.2): departments, groups and
positions (`structure`), employment records with hiring criteria, headcount caps and reporting
lines (`employees`), the promotion ladder (`promotions`), two-yearly rotation plans
(`rotation`) and cross-department projects with interface persons (`projects`)."""

from domain.organisation import employees, projects, promotions, rotation, structure
from domain.organisation.structure import ensure_structure

__all__ = ["employees", "ensure_structure", "projects", "promotions", "rotation", "structure"]
