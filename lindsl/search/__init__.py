"""Search over rules: IR mutation and crossover, static checks, verification, MQAR and throughput scoring, SQLite.

    lindsl search --parent gla --n 50 --db runs.db     (lindsl search --resume --db runs.db)
    lindsl leaderboard --db runs.db
"""
from .mutate import MUTATIONS, NotApplicable, crossover, mutate
from .static import check_causality, check_linear_cost, check_stability, static_checks

__all__ = ["MUTATIONS", "NotApplicable", "crossover", "mutate", "static_checks", "check_causality",
           "check_linear_cost", "check_stability"]
