"""The index engine: leaf points by source → totals, sub-indices, ranks and bands; change
against the previous round; rank uncertainty over survey replicates; publication snapshots.

Points come from :mod:`analysis.selfassessment` (appraised), :mod:`analysis.scoring` (survey)
and :mod:`analysis.index.statistics` (imported figures).
"""

from analysis.index.change import RoundComparison as RoundComparison
from analysis.index.change import compare_with_previous as compare_with_previous
from analysis.index.compute import IndexResult as IndexResult
from analysis.index.compute import compute_index as compute_index
from analysis.index.errors import IndexInputError as IndexInputError
from analysis.index.errors import RoundMismatchError as RoundMismatchError
from analysis.index.ranking import band_of as band_of
from analysis.index.ranking import competition_ranks as competition_ranks
from analysis.index.snapshot import Snapshot as Snapshot
from analysis.index.snapshot import SnapshotMismatchError as SnapshotMismatchError
from analysis.index.snapshot import frame_hash as frame_hash
from analysis.index.snapshot import take_snapshot as take_snapshot
from analysis.index.snapshot import verify_snapshot as verify_snapshot
from analysis.index.statistics import statistic_points as statistic_points
from analysis.index.uncertainty import RankUncertainty as RankUncertainty
from analysis.index.uncertainty import rank_uncertainty as rank_uncertainty
from analysis.index.uncertainty import survey_points_replicates as survey_points_replicates
