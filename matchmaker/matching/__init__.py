"""Pure ranking: candidate fusion, features, weighted score and explanations. No Flask, no session."""

from matchmaker.matching.engine import ENGINE_VERSION, MatchResult, rank_candidates

__all__ = ["ENGINE_VERSION", "MatchResult", "rank_candidates"]
