"""Where the Splink model runs: DuckDB (embedded default) or Spark.

One narrow interface, ``SplinkEngine``: train a model on features, score
pairs with a trained model. Engines differ only in how they open Splink's
database API and move Arrow tables in and out; the model specification, the
training steps and the outputs are the same code for both.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from threadline.errors import ResolveError
from threadline.resolve import calibration, interaction, model_spec
from threadline.resolve.blocking import add_block_keys

#: The comparisons' output names, in model order; each pair carries one match
#: weight per comparison (its evidence).
COMPARISON_NAMES = [
    str(c.create_output_column_name()) for c in model_spec.comparisons() if not isinstance(c, dict)
]

#: The comparisons whose evidence is not independent among matches
#: (``threadline.resolve.interaction``); the interaction's weight is counted
#: in the second's evidence.
INTERACTING = (COMPARISON_NAMES.index("name"), COMPARISON_NAMES.index("date"))

PAIR_SCHEMA = pa.schema(
    [
        ("left_id", pa.string()),
        ("right_id", pa.string()),
        ("probability", pa.float64()),
        ("weight", pa.float64()),
        ("weights", pa.list_(pa.float64())),
        ("gammas", pa.list_(pa.int32())),
    ]
)

# Enough random pairs to estimate how often fields agree by chance; small
# inputs are compared in full, so their u values are exact and the same on
# every engine.
U_SAMPLE_PAIRS = 1e6
SEED = 42
SPARK_MASTER_ENV = "THREADLINE_SPARK_MASTER"
# At most this many rounds correcting u for true matches among random pairs.
DECONTAMINATION_ROUNDS = 3
# Records used to correct u on a large input.
DECONTAMINATION_SAMPLE = 30_000
# The prior's calibration reads pairs down to this probability under the
# trained model: far enough below any plausible correction of the prior.
CALIBRATION_FLOOR = 1e-12
# Expectation maximisation needs a sample of a block, not all of it.
EM_MAX_PAIRS = 5e6
# At most this many expectation-maximisation rounds for m over the
# candidate pairs (each a pass over arrays, not a scoring), stopping early
# once no m moves by more than M_TOLERANCE and no interaction cell by more
# than M_TOLERANCE_BITS.
M_ROUNDS = 200
M_TOLERANCE = 0.001
M_TOLERANCE_BITS = 0.01
# The weight of Splink's m estimate against the candidates' evidence, in matches.
M_PSEUDO_MATCHES = 10.0
# Analysts' "same" judgements refine the model once there are this many.
MIN_LABELS = 5


class SplinkEngine:
    """Base engine: subclasses provide the database API and table transfer."""

    name = "base"

    dialect = "duckdb"
    #: the SQL function that makes a list of values
    array_function = "list_value"

    def _new_api(self) -> DatabaseAPI[Any]:
        """A fresh database API per step: Splink caches tables per API, and a
        step must not see the previous step's cache."""
        raise NotImplementedError

    def _register(self, db_api: DatabaseAPI[Any], table: pa.Table, name: str) -> SplinkDataFrame:
        return db_api.register(table, table_name=name)

    def _to_arrow(self, frame: SplinkDataFrame, sql: str) -> pa.Table:
        raise NotImplementedError

    def _register_features(self, db_api: DatabaseAPI[Any], features: pa.Table) -> SplinkDataFrame:
        return self._register(db_api, _model_columns(features), "tl_features")

    def close(self) -> None:
        """Release the engine's resources."""

    # -- shared steps -------------------------------------------------------------

    def train(self, features: pa.Table, labels: list[tuple[str, str]]) -> dict[str, Any]:
        """Train the model unsupervised on ``features`` (expectation
        maximisation over blocks, u from random pairs); refine m from the
        analysts' positive ``labels`` when there are enough. Returns Splink's
        JSON model."""
        if features.num_rows < 2:
            raise ResolveError("Nothing to resolve: fewer than two matchable entities.")
        db_api = self._new_api()
        with _quiet_splink():
            linker = Linker(
                self._register_features(db_api, features),
                model_spec.settings(),
                log_level=None,
            )
            training = linker.training
            with contextlib.suppress(Exception):
                # Fails when no pair passes the deterministic rules; the
                # prior then stays at its default.
                training.estimate_probability_two_random_records_match(
                    model_spec.deterministic_rules(), recall=0.7
                )
            training.estimate_u_using_random_sampling(
                max_pairs=U_SAMPLE_PAIRS, seed=SEED, min_count_per_level=None, num_chunks=1
            )
            for rule in model_spec.training_rules():
                # A block with too few pairs (say, no dates at all) cannot be
                # trained on; the others still estimate every comparison.
                # Splink may leave the model without the block's comparisons
                # when a session fails, so a failure restarts from a copy.
                snapshot = linker.misc.save_model_to_json()
                try:
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
                    )
                except Exception:  # noqa: BLE001 - any Splink failure here is recoverable
                    linker = self._restart(features, snapshot)
            if len(labels) >= MIN_LABELS:
                source = next(iter(linker._input_tables_dict.values())).templated_name
                table = pa.table(
                    {
                        "source_dataset_l": [source] * len(labels),
                        "unique_id_l": [a for a, _ in labels],
                        "source_dataset_r": [source] * len(labels),
                        "unique_id_r": [b for _, b in labels],
                    }
                )
                labels_frame = self._register(db_api, table, "tl_labels")
                linker.training.estimate_m_from_pairwise_labels(labels_frame)  # type: ignore[no-untyped-call]
            model: dict[str, Any] = linker.misc.save_model_to_json()
            _fill_default_m(model, linker)
        smooth_m_probabilities(model)
        if len(model["comparisons"]) != len(COMPARISON_NAMES):
            raise ResolveError("Training lost comparisons of the model; please report this.")
        prior = model.get("probability_two_random_records_match") or 0.0
        if not 0 < prior < 1:
            # No pair passed the deterministic rules: assume about one
            # duplicate in the whole input rather than none.
            pairs = features.num_rows * (features.num_rows - 1) / 2
            model["probability_two_random_records_match"] = min(1e-2, max(1e-9, 1 / pairs))
        model = self._decontaminate(features, model)
        if len(labels) < MIN_LABELS:
            model = self._estimate_m(features, model)
        return self._calibrate(features, model)

    def _calibrate(self, features: pa.Table, model: dict[str, Any]) -> dict[str, Any]:
        """Fit the prior and the weight -> probability mapping on the scored
        pairs themselves (``threadline.resolve.calibration``), so that a pair
        reported at probability p is a true match about p of the time.

        The prior from deterministic rules assumes those rules find a fixed
        share (Splink's ``recall``) of all matches; on data unlike the rules
        (no identifiers, typos in every name) it is off by orders of
        magnitude: RLdata10000 scored two records with the same name and
        birth date at p=0.23 and merged nothing."""
        features = _sample(features)
        n = features.num_rows
        prior = float(model["probability_two_random_records_match"])
        model = copy.deepcopy(model)
        model.pop(calibration.MODEL_KEY, None)
        pairs = self.predict(features, model, floor=CALIBRATION_FLOOR)
        if pairs.num_rows == 0:
            return model
        # Splink's match weight is log2 of the posterior odds: the pair's
        # Bayes factor plus the prior's log odds.
        weights = np.asarray(pairs.column("weight").to_numpy(), dtype=np.float64)
        factors = weights - calibration.log2_odds(prior)
        total = n * (n - 1) / 2
        fitted = calibration.fit_prior(factors, total, prior)
        if fitted * total < calibration.MIN_EXPECTED_MATCHES:
            # Too few matches to estimate anything from: the prior's EM step
            # has a fixed point at zero and, with weak evidence, falls into
            # it (a small workspace then merges nothing). The prior from
            # the deterministic rules stands.
            return model
        model["probability_two_random_records_match"] = fitted
        shifted = factors + calibration.log2_odds(fitted)
        mixture = calibration.fit_mixture(shifted, calibration.posterior(factors, fitted))
        if mixture is not None:
            model[calibration.MODEL_KEY] = mixture.to_json()
        return model

    def _restart(self, features: pa.Table, model: dict[str, Any]) -> Linker:
        """A fresh linker on ``features`` from a saved ``model``."""
        return Linker(self._register_features(self._new_api(), features), model, log_level=None)

    def _decontaminate(self, features: pa.Table, model: dict[str, Any]) -> dict[str, Any]:
        """Correct u for the true matches among the random pairs it was
        estimated from.

        Splink's u is the share of random pairs at each level, assuming they
        are all non-matches. In a workspace full of duplicates they are not:
        if a tenth of all same-name pairs are true duplicates, "same name"
        looks ten times more common by chance than it is, and a pair with
        only a name in common can never look likely. Each round scores the
        blocked pairs, then takes the expected matches out of the random-pair
        counts (an expectation-maximisation step over all pairs, u and the
        prior only). Skipped when matches are too rare to matter, as in
        large, mostly distinct inputs."""
        total_all = features.num_rows * (features.num_rows - 1) / 2
        sampled = min(U_SAMPLE_PAIRS, total_all)
        # Shares of pairs are the same in a random subset of records, so a
        # large input is corrected on a sample and each round costs the same.
        features = _sample(features)
        n = features.num_rows
        total = n * (n - 1) / 2
        observed = {
            (ci, li): float(level["u_probability"])
            for ci, comp in enumerate(model["comparisons"])
            for li, level in enumerate(comp["comparison_levels"])
            if not level.get("is_null_level") and level.get("u_probability") is not None
        }
        for _ in range(DECONTAMINATION_ROUNDS):
            prior = float(model["probability_two_random_records_match"])
            if _contamination(model, prior) < 0.05:
                break
            pairs = self.predict(features, model, floor=1e-3)
            expected = float(pc.sum(pairs.column("probability")).as_py() or 0.0)
            gammas = pairs.column("gammas").to_pylist()
            probs = pairs.column("probability").to_pylist()
            matched: dict[tuple[int, int], float] = {}
            gamma_to_level = _gamma_index(model)
            for row, prob in zip(gammas, probs, strict=True):
                for ci, gamma in enumerate(row):
                    li = gamma_to_level[ci].get(gamma)
                    if li is not None:
                        matched[(ci, li)] = matched.get((ci, li), 0.0) + prob
            model = copy.deepcopy(model)
            floor = 0.5 / sampled
            for (ci, li), share in observed.items():
                # share of all pairs at this level, less the matches' share
                chance = share - matched.get((ci, li), 0.0) / total
                corrected = chance / max(1e-12, 1 - expected / total)
                level = model["comparisons"][ci]["comparison_levels"][li]
                level["u_probability"] = max(floor, corrected)
            for comp in model["comparisons"]:
                levels = [
                    lv
                    for lv in comp["comparison_levels"]
                    if not lv.get("is_null_level") and lv.get("u_probability") is not None
                ]
                norm = sum(lv["u_probability"] for lv in levels)
                for lv in levels:
                    lv["u_probability"] /= norm
            model["probability_two_random_records_match"] = min(0.5, max(1e-9, expected / total))
        return model

    def _estimate_m(self, features: pa.Table, model: dict[str, Any]) -> dict[str, Any]:
        """Re-estimate every m probability, the prior and the name-date
        interaction (``threadline.resolve.interaction``) by expectation
        maximisation over all candidate pairs, u held at its random-pair
        estimate.

        Splink's EM runs on training blocks, and a comparison used by a
        block is not estimated there; each other comparison's m is learnt
        from the block's matches alone. That assumes agreement on one field
        says nothing about agreement on another among matches, and data
        where duplicates differ in exactly one field break it: among the
        pairs with the same birth date, every true match has a different
        name, so "same name" gets an m near zero; among the pairs with the
        same name, "same date" does, and a duplicate with a typo in its
        date looks unlikely. Over the candidate pairs of the prediction
        blocking (names, phonetics, dates with an initial, identifiers,
        contacts) no comparison is held fixed: each round rescores them
        with the current model, the prior first brought to its fixed point
        (``calibration.fit_prior``), and takes each level's m as the
        probability-weighted share of pairs at that level. Pairs outside the
        candidates are taken as non-matches, as blocking assumes. Splink's
        block estimate is a prior on m worth ``M_PSEUDO_MATCHES`` matches,
        so a handful of duplicates leaves it nearly as it was.

        Splink scores the pairs once; the rounds rescore them from their
        levels, since a pair's weight is the sum of its levels' log2(m/u)
        and the parts that do not depend on m (term-frequency adjustments).
        EM creeps towards its fixed point, so many cheap rounds reach it
        where a few full scorings stopped short."""
        features = _sample(features)
        n = features.num_rows
        total = n * (n - 1) / 2
        gamma_to_level = _gamma_index(model)
        # A Dirichlet prior centred on Splink's estimate, worth
        # M_PSEUDO_MATCHES matches: a few scored matches barely move m, many
        # decide it.
        anchor = {
            (ci, li): float(level["m_probability"])
            for ci, comp in enumerate(model["comparisons"])
            for li, level in enumerate(comp["comparison_levels"])
            if not level.get("is_null_level") and level.get("m_probability") is not None
        }
        model = copy.deepcopy(model)
        model.pop(interaction.MODEL_KEY, None)
        pairs = self.predict(features, model, floor=CALIBRATION_FLOOR)
        if pairs.num_rows == 0:
            return model
        gammas = _gamma_matrix(pairs, len(gamma_to_level))
        prior = float(model["probability_two_random_records_match"])
        weights = np.asarray(pairs.column("weight").to_numpy(), dtype=np.float64)
        # what the pairs' weights owe to neither m nor the prior
        rest = weights - calibration.log2_odds(prior) - _level_weights(model, gammas)
        fitted_interaction: interaction.Interaction | None = None
        for _ in range(M_ROUNDS):
            factors = rest + _level_weights(model, gammas)
            if fitted_interaction is not None:
                factors = factors + fitted_interaction.apply(gammas)
            # The prior first, at its fixed point for the current Bayes
            # factors (``calibration.fit_prior``): from a prior orders of
            # magnitude too low, as the deterministic rules give on data
            # without identifiers, every match looks unlikely and m settles
            # on what the few certain pairs show.
            fitted = calibration.fit_prior(factors, total, prior)
            if fitted * total >= calibration.MIN_EXPECTED_MATCHES:
                prior = fitted
            probs = calibration.posterior(factors, prior)
            moved = 0.0
            for ci, comp in enumerate(model["comparisons"]):
                column = gammas[:, ci]
                known = column >= 0  # -1 is the null level: no evidence either way
                mass = float(probs[known].sum())
                for gamma, li in gamma_to_level[ci].items():
                    if (ci, li) not in anchor:
                        continue
                    level = comp["comparison_levels"][li]
                    at_level = float(probs[column == gamma].sum())
                    m = (at_level + M_PSEUDO_MATCHES * anchor[(ci, li)]) / (mass + M_PSEUDO_MATCHES)
                    moved = max(moved, abs(m - float(level["m_probability"])))
                    level["m_probability"] = m
            smooth_m_probabilities(model)
            model["probability_two_random_records_match"] = prior
            before = fitted_interaction
            fitted_interaction = interaction.estimate(
                *INTERACTING,
                gammas,
                probs,
                _m_by_gamma(model, INTERACTING[0]),
                _m_by_gamma(model, INTERACTING[1]),
            )
            if moved < M_TOLERANCE and _bits_moved(before, fitted_interaction) < M_TOLERANCE_BITS:
                break
        if fitted_interaction is not None:
            model[interaction.MODEL_KEY] = fitted_interaction.to_json()
        return model

    def predict(
        self,
        features: pa.Table,
        model: dict[str, Any],
        floor: float,
        incremental: bool = False,
    ) -> pa.Table:
        """Score every blocked pair of ``features`` with ``model``; keep pairs
        with a match probability of at least ``floor``. With ``incremental``,
        only pairs involving a row whose ``is_new`` is true."""
        features = _model_columns(add_block_keys(features))
        settings = dict(model)
        calibrated = calibration.Calibration.from_model(settings)
        interacting = interaction.Interaction.from_model(settings)
        settings.pop(calibration.MODEL_KEY, None)
        settings.pop(interaction.MODEL_KEY, None)
        settings["link_type"] = "dedupe_only"
        settings["blocking_rules_to_generate_predictions"] = [
            _rule_dict(rule, self.dialect) for rule in model_spec.prediction_rules(incremental)
        ]
        settings["retain_intermediate_calculation_columns"] = True
        settings["retain_matching_columns"] = True  # for the gamma (level) columns
        db_api = self._new_api()
        with _quiet_splink():
            linker = Linker(
                self._register_features(db_api, features),
                settings,
                log_level=None,
            )
            frame = _predict(linker, calibrated, interacting, floor)
            pairs = self._to_arrow(frame, _pairs_sql(frame.physical_name, self.array_function))
        return _finish(pairs, interacting, calibrated, floor)

    def link(
        self, query: pa.Table, features: pa.Table, model: dict[str, Any], floor: float
    ) -> pa.Table:
        """Score records of ``query`` against ``features`` (screening): pairs
        with the query record on the left."""
        query, features = (
            add_block_keys(query, features),
            add_block_keys(features, query),
        )
        settings = dict(model)
        calibrated = calibration.Calibration.from_model(settings)
        interacting = interaction.Interaction.from_model(settings)
        settings.pop(calibration.MODEL_KEY, None)
        settings.pop(interaction.MODEL_KEY, None)
        settings["link_type"] = "link_only"
        settings["blocking_rules_to_generate_predictions"] = [
            _rule_dict(rule, self.dialect) for rule in model_spec.prediction_rules()
        ]
        settings["retain_intermediate_calculation_columns"] = True
        settings["retain_matching_columns"] = True  # for the gamma (level) columns
        db_api = self._new_api()
        with _quiet_splink():
            linker = Linker(
                [
                    self._register(db_api, query, "tl_query"),
                    self._register(db_api, features, "tl_store"),
                ],
                settings,
                log_level=None,
            )
            frame = _predict(linker, calibrated, interacting, floor)
            pairs = self._to_arrow(
                frame, _pairs_sql(frame.physical_name, self.array_function, link=True)
            )
        return _finish(pairs, interacting, calibrated, floor)


#: No level is impossible among true matches: EM on a small or uniform sample
#: happily estimates m = 0 ("matches never have different countries"), which
#: then vetoes any true match whose sources disagree on one field.
M_FLOOR = 0.02


def smooth_m_probabilities(model: dict[str, Any]) -> None:
    """Raise every trained m probability to at least ``M_FLOOR`` and
    renormalise each comparison, in place."""
    for comp in model["comparisons"]:
        levels = [
            lv
            for lv in comp["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("m_probability") is not None
        ]
        if not levels:
            continue
        for lv in levels:
            lv["m_probability"] = max(M_FLOOR, float(lv["m_probability"]))
        total = sum(lv["m_probability"] for lv in levels)
        for lv in levels:
            lv["m_probability"] /= total
        # The last level is disagreement ("different dates", "different
        # names"): evidence against a match or none, never for it, whatever
        # a small or odd training block suggests.
        last = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")][-1]
        if last.get("m_probability") is not None and last.get("u_probability") is not None:
            last["m_probability"] = min(last["m_probability"], float(last["u_probability"]))


#: What Splink reads: ids, the compared columns, the blocking keys.
MODEL_COLUMNS = (
    "unique_id",
    "match_group",
    "name_key",
    "name_keys",
    "name_tokens",
    "name_phonetic",
    "name_initials",
    "id_key",
    "id_values",
    "id_kinds",
    "date_key",
    "dates",
    "years",
    "countries",
    "addr_key",
    "addr_tokens",
    "contacts",
    "links",
    "block_keys",
    "is_new",
)


def _model_columns(table: pa.Table) -> pa.Table:
    """Only the columns Splink reads: its tables are copies, and fingerprints
    and veto lists would only take memory."""
    return table.select([c for c in MODEL_COLUMNS if c in table.column_names])


def _predict(
    linker: Linker,
    calibrated: calibration.Calibration | None,
    interacting: interaction.Interaction | None,
    floor: float,
) -> Any:
    """Splink's predictions that may reach probability ``floor``: on the
    weight the calibration (or, without one, the model) maps to ``floor``,
    less what the interaction can add afterwards."""
    if calibrated is None:
        weight = calibration.log2_odds(min(max(floor, 1e-300), 1 - 1e-16))
    else:
        weight = min(1e6, calibrated.weight_for(floor))
    if interacting is not None:
        weight -= interacting.most
    return linker.inference.predict(threshold_match_weight=weight)


def _finish(
    pairs: pa.Table,
    interacting: interaction.Interaction | None,
    calibrated: calibration.Calibration | None,
    floor: float,
) -> pa.Table:
    """``pairs`` with the interaction added to their weights (and to the
    second comparison's evidence) and calibrated probabilities, at least
    ``floor``."""
    if pairs.num_rows == 0 or (interacting is None and calibrated is None):
        return pairs
    weights = np.asarray(pairs.column("weight").to_numpy(), dtype=np.float64)
    if interacting is not None and interacting.bits:
        extra = interacting.apply(_gamma_matrix(pairs, len(COMPARISON_NAMES)))
        weights = weights + extra
        evidence = _weight_matrix(pairs, len(COMPARISON_NAMES))
        evidence[:, interacting.second] += extra
        pairs = _set(pairs, "weight", pa.array(weights, pa.float64()))
        pairs = _set(
            pairs,
            "weights",
            pa.ListArray.from_arrays(
                pa.array(np.arange(0, evidence.size + 1, evidence.shape[1], dtype=np.int32)),
                pa.array(evidence.ravel(), pa.float64()),
            ),
        )
    if calibrated is not None:
        probs = calibrated.apply(weights)
    else:
        probs = 1.0 / (1.0 + np.exp2(-np.clip(weights, -1000.0, 1000.0)))
    pairs = _set(pairs, "probability", pa.array(probs, pa.float64()))
    return pairs.filter(pc.greater_equal(pairs.column("probability"), floor))


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def _sample(features: pa.Table) -> pa.Table:
    """At most ``DECONTAMINATION_SAMPLE`` records, chosen at random: shares
    of pairs (at a level, or matching) are the same in a random subset, so
    estimates from it cost the same at any size."""
    if features.num_rows <= DECONTAMINATION_SAMPLE:
        return features
    rng = np.random.default_rng(SEED)
    picks = np.sort(rng.choice(features.num_rows, DECONTAMINATION_SAMPLE, replace=False))
    return features.take(pa.array(picks))


def _gamma_index(model: dict[str, Any]) -> list[dict[int, int]]:
    """Per comparison: Splink's level number (gamma) -> index of the level."""
    out = []
    for comp in model["comparisons"]:
        levels = comp["comparison_levels"]
        gamma = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
        index: dict[int, int] = {}
        for li, level in enumerate(levels):
            if not level.get("is_null_level"):
                index[gamma] = li
                gamma -= 1
        out.append(index)
    return out


def _fill_default_m(model: dict[str, Any], linker: Linker) -> None:
    """Write into ``model`` the m probabilities Splink uses for levels no
    training session estimated (its defaults), so every later step sees the
    values the model scores with."""
    settings = linker._settings_obj
    for comp, trained in zip(model["comparisons"], settings.comparisons, strict=True):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for level, source in zip(levels, trained._comparison_levels_excluding_null, strict=True):
            if level.get("m_probability") is None and source.m_probability is not None:
                level["m_probability"] = float(source.m_probability)


def _m_by_gamma(model: dict[str, Any], comparison: int) -> dict[int, float]:
    """One comparison's m probabilities by level number (gamma)."""
    levels = model["comparisons"][comparison]["comparison_levels"]
    return {
        gamma: float(levels[li].get("m_probability") or 0.0)
        for gamma, li in _gamma_index(model)[comparison].items()
    }


def _level_weights(model: dict[str, Any], gammas: np.ndarray) -> np.ndarray:
    """Each pair's sum over comparisons of its level's log2(m/u); null
    levels (-1) add nothing."""
    out = np.zeros(gammas.shape[0], dtype=np.float64)
    for ci, index in enumerate(_gamma_index(model)):
        levels = model["comparisons"][ci]["comparison_levels"]
        table = np.zeros(max(index, default=0) + 2, dtype=np.float64)  # last slot: null
        for gamma, li in index.items():
            m, u = levels[li].get("m_probability"), levels[li].get("u_probability")
            if m and u:
                table[gamma] = np.log2(float(m) / float(u))
        column = gammas[:, ci]
        out += table[np.where(column >= 0, column, table.size - 1)]
    return out


def _bits_moved(old: interaction.Interaction | None, new: interaction.Interaction) -> float:
    before = {} if old is None else old.bits
    cells = set(before) | set(new.bits)
    return max([0.0, *(abs(before.get(c, 0.0) - new.bits.get(c, 0.0)) for c in cells)])


def _weight_matrix(pairs: pa.Table, comparisons: int) -> np.ndarray:
    """The pairs' evidence (one weight per comparison) as a float array."""
    flat = pc.list_flatten(pairs.column("weights").combine_chunks())
    values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float64)
    return values.reshape(pairs.num_rows, comparisons).copy()


def _gamma_matrix(pairs: pa.Table, comparisons: int) -> np.ndarray:
    """The pairs' levels (gammas) as a pairs x comparisons integer array."""
    flat = pc.list_flatten(pairs.column("gammas").combine_chunks())
    values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.int64)
    return values.reshape(pairs.num_rows, comparisons)


def _contamination(model: dict[str, Any], prior: float) -> float:
    """The largest share, over agreement levels, of random pairs at a level
    that are expected to be true matches (prior * m / u)."""
    worst = 0.0
    for comp in model["comparisons"]:
        for level in comp["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or not m or not u:
                continue
            worst = max(worst, prior * float(m) / float(u))
    return worst


def _rule_dict(rule: BlockingRuleCreator | dict[str, Any], dialect: str) -> dict[str, Any]:
    if isinstance(rule, dict):
        return rule
    return dict(rule.get_blocking_rule(dialect).as_dict())  # type: ignore[no-untyped-call]


def _pairs_sql(table: str, array_function: str, link: bool = False) -> str:
    """Pairs as Threadline stores them, from Splink's predictions: one weight
    and one level (gamma) per comparison, in model order. In a dedupe Splink
    already puts the smaller id on the left; in a link the query record goes
    left."""
    weights = ", ".join(f"CAST(mw_{n} AS DOUBLE)" for n in COMPARISON_NAMES)
    gammas = ", ".join(f"CAST(gamma_{n} AS INTEGER)" for n in COMPARISON_NAMES)
    left, right = "unique_id_l", "unique_id_r"
    if link:
        query_left = "source_dataset_l LIKE 'tl_query%'"
        left = f"CASE WHEN {query_left} THEN unique_id_l ELSE unique_id_r END"
        right = f"CASE WHEN {query_left} THEN unique_id_r ELSE unique_id_l END"
    return (
        f"SELECT {left} AS left_id, {right} AS right_id, "
        "CAST(match_probability AS DOUBLE) AS probability, "
        "CAST(match_weight AS DOUBLE) AS weight, "
        f"{array_function}({weights}) AS weights, {array_function}({gammas}) AS gammas "
        f"FROM {table}"
    )


class DuckDBEngine(SplinkEngine):
    """Splink on an in-memory DuckDB of its own, capped in memory and spilling
    to a temporary directory, so resolving never holds the store's lock
    longer than reading features and writing results."""

    name = "duckdb"

    def __init__(self, memory_limit: str = "1536MB", temp_dir: str | None = None) -> None:
        self._con = duckdb.connect()
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_dir:
            self._con.execute("SET temp_directory = ?", [temp_dir])

    def _new_api(self) -> DatabaseAPI[Any]:
        from splink import DuckDBAPI

        return DuckDBAPI(self._con)

    def _register(self, db_api: DatabaseAPI[Any], table: pa.Table, name: str) -> SplinkDataFrame:
        self._con.execute(f"DROP TABLE IF EXISTS {name}")
        self._con.register(f"{name}_arrow", table)
        self._con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
        self._con.unregister(f"{name}_arrow")
        return db_api.register(name, table_name=name)

    def _to_arrow(self, frame: SplinkDataFrame, sql: str) -> pa.Table:
        return self._con.sql(sql).to_arrow_table().cast(PAIR_SCHEMA)

    def close(self) -> None:
        self._con.close()


class SparkEngine(SplinkEngine):
    """Splink on Spark. Local mode by default; ``$THREADLINE_SPARK_MASTER``
    (say ``spark://host:7077``) or a session of your own runs it on a
    cluster (docs/resolve.md)."""

    name = "spark"

    def __init__(self, session: Any = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ResolveError(
                "The Spark engine needs pyspark: pip install 'threadline[spark]'."
            ) from exc
        if session is None:
            from splink.internals.spark.jar_location import similarity_jar_location

            # Splink's string-similarity functions (Jaro-Winkler, ...) ship as
            # a jar that must be on the session's classpath.
            session = (
                SparkSession.builder.master(os.environ.get(SPARK_MASTER_ENV, "local[2]"))
                .config("spark.jars", similarity_jar_location())
                .appName("threadline-resolve")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", "2g")
                .getOrCreate()
            )
        self.spark = session
        self._views = 0
        self.spark.sparkContext.setLogLevel("ERROR")
        self.spark.sparkContext.setCheckpointDir("/tmp/threadline-spark-checkpoints")

    dialect = "spark"
    array_function = "array"

    def _new_api(self) -> DatabaseAPI[Any]:
        from splink import SparkAPI

        return SparkAPI(spark_session=self.spark)  # type: ignore[no-untyped-call]

    def _register(self, db_api: DatabaseAPI[Any], table: pa.Table, name: str) -> SplinkDataFrame:
        # From Arrow, so types survive: an all-null list column stays a
        # list of strings rather than becoming Spark's VOID.
        frame = self.spark.createDataFrame(table)
        # Spark keeps temporary views for the session: a fresh name per step.
        self._views += 1
        return db_api.register(frame, table_name=f"{name}_{self._views}")

    def _to_arrow(self, frame: SplinkDataFrame, sql: str) -> pa.Table:
        result: pa.Table = self.spark.sql(sql).toArrow()
        return result.cast(PAIR_SCHEMA)


def make_engine(name: str, temp_dir: str | None = None) -> SplinkEngine:
    """The engine called ``name``; ``temp_dir`` is where DuckDB spills."""
    if name == "duckdb":
        return DuckDBEngine(temp_dir=temp_dir)
    if name == "spark":
        return SparkEngine()
    raise ResolveError(f"Unknown engine {name!r}: use duckdb or spark.")


@contextlib.contextmanager
def _quiet_splink() -> Iterator[None]:
    """Splink logs its progress and warnings at INFO/WARNING; the library
    never prints, so they are silenced while it runs."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
