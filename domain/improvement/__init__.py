"""Continuous improvement (P8): the monthly anonymous staff survey and its ranking (P8.1), the
workshops of the top problems (P8.2), proposals, review, adoption and rewards from the
innovation fund (P8.5), and the figures before and after an adopted one (P8.4),
the six-monthly policy review and training on major changes (P8.3)."""

from domain.improvement import figures, fund, reviews, survey, workshops
from domain.improvement.fund import ProposalStatus
from domain.improvement.survey import ProblemType

__all__ = ["ProblemType", "ProposalStatus", "figures", "fund", "reviews", "survey", "workshops"]
