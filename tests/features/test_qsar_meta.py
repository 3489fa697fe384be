"""Each QSAR meta-feature against a direct, brute-force reading of its definition in docs/qsar.md."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rdkit")

from asc.features.qsar_meta import (  # noqa: E402
    FEATURE_STEPS,
    STEP_NAMES,
    compute_qsar_features,
)
from asc.features.representations import representation  # noqa: E402
from asc.instances.qsar import QSARDataset, Rejection, read_qsar  # noqa: E402

BUNDLED = Path(__file__).resolve().parents[2] / "instances" / "qsar"
REL = 1e-9


def make_dataset(y, smiles=None, rows=None, merged=0, rejected=0) -> QSARDataset:
    """A dataset object for the fingerprint-level steps (molecules only matter to ``Scaffolds``)."""
    n = len(y)
    smiles = tuple(smiles) if smiles is not None else tuple(f"C{i}" for i in range(n))
    return QSARDataset("<test>", "custom", smiles, np.asarray(y, np.float64), None, None, None,
                       rows if rows is not None else n + merged + rejected, merged,
                       tuple(Rejection(i, "X", "bad") for i in range(rejected)), "0" * 32)


def make_bits(n=45, nbits=128, seed=0) -> np.ndarray:
    """Random fingerprints of varied density, with an empty row and two identical rows."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, nbits)) < rng.uniform(0.05, 0.4, (n, 1))).astype(np.uint8)
    x[0] = 0
    x[5] = x[6]
    x[:, 7] = 1  # a constant bit
    return x


def brute_tanimoto(a, b) -> float:
    on_a, on_b = set(np.flatnonzero(a)), set(np.flatnonzero(b))
    union = len(on_a | on_b)
    return len(on_a & on_b) / union if union else 0.0


def brute_quantile(values, q) -> float:
    """Linear interpolation between order statistics at position q (n - 1)."""
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def brute_features(bits, y) -> dict[str, float]:
    """Every fingerprint-level meta-feature, by loops over molecules, bits and pairs."""
    n, nbits = bits.shape
    y = [float(v) for v in y]
    out: dict[str, float] = {}
    # Response
    mean = sum(y) / n
    m2 = sum((v - mean) ** 2 for v in y) / n
    m3 = sum((v - mean) ** 3 for v in y) / n
    m4 = sum((v - mean) ** 4 for v in y) / n
    out.update(y_mean=mean, y_sd=math.sqrt(m2), y_skewness=m3 / m2 ** 1.5, y_kurtosis=m4 / m2 ** 2 - 3,
               y_min=min(y), y_max=max(y), y_range=max(y) - min(y), y_q10=brute_quantile(y, 0.1),
               y_q25=brute_quantile(y, 0.25), y_median=brute_quantile(y, 0.5), y_q75=brute_quantile(y, 0.75),
               y_q90=brute_quantile(y, 0.9), y_iqr=brute_quantile(y, 0.75) - brute_quantile(y, 0.25))
    # Bits
    freq = [sum(int(bits[i, j]) for i in range(n)) / n for j in range(nbits)]
    used = [j for j in range(nbits) if freq[j] > 0]

    def h(p):
        return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))

    edges = [brute_quantile(y, q) for q in (0.25, 0.5, 0.75)]
    cls = [sum(v > e for e in edges) for v in y]
    mi = []
    for j in range(nbits):
        total = 0.0
        for b in (0, 1):
            for c in range(4):
                joint = sum(1 for i in range(n) if bits[i, j] == b and cls[i] == c) / n
                pb = sum(1 for i in range(n) if bits[i, j] == b) / n
                pc = sum(1 for i in range(n) if cls[i] == c) / n
                if joint > 0:
                    total += joint * math.log2(joint / (pb * pc))
        mi.append(total)
    per_mol = [int(bits[i].sum()) for i in range(n)]
    pm_mean = sum(per_mol) / n
    out.update(n_bits=nbits, bits_used=len(used), bits_used_fraction=len(used) / nbits,
               molecules_per_used_bit=n / len(used), bit_density_mean=sum(p / nbits for p in per_mol) / n,
               bits_per_molecule_sd=math.sqrt(sum((p - pm_mean) ** 2 for p in per_mol) / n),
               bit_entropy_mean=sum(h(p) for p in freq) / nbits,
               bit_entropy_used_mean=sum(h(freq[j]) for j in used) / len(used),
               bit_frequency_top10_mean=sum(sorted(freq)[-10:]) / 10,
               mi_mean=sum(mi[j] for j in used) / len(used), mi_max=max(mi), mi_top10_mean=sum(sorted(mi)[-10:]) / 10)
    # Similarity and Landscape
    sim = {(i, j): brute_tanimoto(bits[i], bits[j]) for i, j in itertools.combinations(range(n), 2)}

    def s(i, j):
        return sim[(min(i, j), max(i, j))]

    nn, nn_delta = [], []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        best = max(s(i, j) for j in others)
        first = next(j for j in others if s(i, j) == best)
        nn.append(best)
        nn_delta.append(abs(y[i] - y[first]))
    nn_mean = sum(nn) / n
    pairs = list(sim)
    out.update(nn_sim_mean=nn_mean, nn_sim_sd=math.sqrt(sum((v - nn_mean) ** 2 for v in nn) / n),
               nn_sim_q10=brute_quantile(nn, 0.1), nn_sim_q25=brute_quantile(nn, 0.25),
               nn_sim_median=brute_quantile(nn, 0.5), nn_sim_q75=brute_quantile(nn, 0.75),
               nn_sim_q90=brute_quantile(nn, 0.9), nn_sim_one_fraction=sum(v == 1.0 for v in nn) / n,
               pair_sim_mean=sum(sim.values()) / len(pairs),
               pair_sim_gt07_fraction=sum(v > 0.7 for v in sim.values()) / len(pairs))
    sali = [abs(y[i] - y[j]) / (1 - sim[(i, j)]) for i, j in pairs if sim[(i, j)] < 1]
    similar = [(i, j) for i, j in pairs if sim[(i, j)] >= 0.7]
    cliffs = [(i, j) for i, j in similar if abs(y[i] - y[j]) > 1.0]
    in_cliff = {i for pair in cliffs for i in pair}
    sv = [sim[p] for p in pairs]
    dv = [abs(y[i] - y[j]) for i, j in pairs]
    ms, md = sum(sv) / len(sv), sum(dv) / len(dv)
    cov = sum((a - ms) * (b - md) for a, b in zip(sv, dv))
    corr = cov / math.sqrt(sum((a - ms) ** 2 for a in sv) * sum((b - md) ** 2 for b in dv))
    out.update(sali_mean=sum(sali) / len(sali), sali_median=brute_quantile(sali, 0.5),
               sali_q90=brute_quantile(sali, 0.9), sali_max=max(sali),
               cliff_rate=len(cliffs) / len(similar) if similar else 0.0, cliff_molecule_fraction=len(in_cliff) / n,
               sim_delta_corr=corr, nn_delta_mean=sum(nn_delta) / n)
    return out


def assert_features_match(values, expected):
    for name, want in expected.items():
        assert values[name] == pytest.approx(want, rel=REL, abs=1e-12), name


STEPS = ("Size", "Response", "Bits", "Similarity", "Landscape")


def test_every_fingerprint_feature_matches_its_brute_force_definition_on_random_bits():
    rng = np.random.default_rng(11)
    bits = make_bits()
    y = rng.normal(7.0, 1.2, bits.shape[0])
    y[5] = y[6] + 2.5  # a cliff between the two identical fingerprints (similarity 1: no SALI)
    y[10:14] = y[9]  # ties across the quartile edges
    result = compute_qsar_features(make_dataset(y), STEPS, fingerprint=bits)
    expected = brute_features(bits, y)
    names = {n for s in STEPS[1:] for n in FEATURE_STEPS[s][0]}
    assert names == set(expected)  # every feature of the steps is checked
    assert_features_match(result.values, expected)
    assert result.values["cliff_rate"] > 0 and result.values["nn_sim_one_fraction"] > 0


@pytest.mark.parametrize("name", ["simpd-CHEMBL1293269-1.csv", "moleculeace-CHEMBL1862_Ki.csv.gz"])
def test_meta_features_of_a_real_dataset_match_brute_force(name):
    dataset = read_qsar(BUNDLED / name)
    result = compute_qsar_features(dataset)
    assert_features_match(result.values, brute_features(representation(dataset, "ecfp4-2048"), dataset.y))
    assert set(result.steps) == set(STEP_NAMES)
    assert all(step.status == "ok" and step.cost >= 0 for step in result.steps.values())


def test_size_features_count_rows_merged_and_rejected():
    values = compute_qsar_features(make_dataset(np.arange(40.0), merged=6, rejected=4), ["Size"]).values
    assert values == {"n_molecules": 40.0, "log10_n_molecules": math.log10(40), "n_rows": 50.0,
                      "merged_fraction": 6 / 50, "rejected_fraction": 4 / 50}


def test_scaffold_features_match_murcko_scaffolds_counted_directly():
    from rdkit.Chem.Scaffolds import MurckoScaffold

    dataset = read_qsar(BUNDLED / "simpd-CHEMBL224-2.csv.xz")
    values = compute_qsar_features(dataset, ["Scaffolds"]).steps["Scaffolds"].values
    groups: dict[str, int] = {}
    for s in dataset.smiles:
        key = MurckoScaffold.MurckoScaffoldSmiles(s)
        groups[key] = groups.get(key, 0) + 1
    generic = {MurckoScaffold.MurckoScaffoldSmiles(
        mol=MurckoScaffold.MakeScaffoldGeneric(MurckoScaffold.GetScaffoldForMol(m))) for m in dataset.mols()}
    n = dataset.n
    assert values["scaffold_fraction"] == pytest.approx(len(groups) / n)
    assert values["generic_scaffold_fraction"] == pytest.approx(len(generic) / n)
    assert values["singleton_scaffold_fraction"] == pytest.approx(sum(v == 1 for v in groups.values()) / len(groups))
    assert values["top_scaffold_fraction"] == pytest.approx(max(groups.values()) / n)


def test_constant_response_and_no_similar_pairs_give_defined_values():
    bits = np.eye(30, 64, dtype=np.uint8)  # pairwise disjoint: every similarity 0
    values = compute_qsar_features(make_dataset(np.full(30, 6.0)), STEPS, fingerprint=bits).values
    assert values["y_sd"] == 0 and values["y_skewness"] == 0 and values["y_kurtosis"] == 0
    assert values["cliff_rate"] == 0 and values["sim_delta_corr"] == 0 and values["pair_sim_gt07_fraction"] == 0
    assert values["mi_max"] == 0  # one class: no information in any bit
    assert all(math.isfinite(v) for v in values.values())


def test_asc_features_writes_the_qsar_steps_as_aslib_feature_files(tmp_path, run_cli):
    result = run_cli("features", "--no-progress", "--format", "arff", "-o", tmp_path / "out",
                     BUNDLED / "simpd-CHEMBL3155-1.csv", BUNDLED / "moleculeace-CHEMBL1862_Ki.csv.gz")
    assert result.code == 0, result.err
    from asc.aslib.arff import read_arff

    values = read_arff(tmp_path / "out" / "feature_values.arff")
    costs = read_arff(tmp_path / "out" / "feature_costs.arff")
    assert [r[0] for r in values.rows] == ["simpd-CHEMBL3155-1", "moleculeace-CHEMBL1862_Ki"]
    assert [a[0] for a in costs.attributes] == ["instance_id", "repetition", *STEP_NAMES]
    assert all(c > 0 for row in costs.rows for c in row[2:])
    assert len(values.attributes) == 2 + sum(len(FEATURE_STEPS[s][0]) for s in STEP_NAMES)


@pytest.mark.parametrize(("source", "layout", "split", "expected"), [
    # MoleculeACE names the activity in the file name; its split column says train/test
    ("CHEMBL2047_EC50.csv", "moleculeace", ("train", "test", "train", "train"),
     {"activity_ki": 0, "activity_kd": 0, "activity_ic50": 0, "activity_ec50": 1, "has_split": 1,
      "split_test_fraction": 0.25}),
    # SIMPD is a collection of Ki sets (its targets.yaml), whatever the file is called
    ("CHEMBL217-1.csv", "simpd", ("test", "test", "train", "train"),
     {"activity_ki": 1, "activity_kd": 0, "activity_ic50": 0, "activity_ec50": 0, "has_split": 1,
      "split_test_fraction": 0.5}),
    # another file: the name's _IC50 part, no split column
    ("my-target_ic50.csv.gz", "custom", None,
     {"activity_ki": 0, "activity_kd": 0, "activity_ic50": 1, "activity_ec50": 0, "has_split": 0,
      "split_test_fraction": 0}),
    # a name that only contains the letters (CHEMBL4kid) names nothing
    ("CHEMBL4kid.csv", "custom", None,
     {"activity_ki": 0, "activity_kd": 0, "activity_ic50": 0, "activity_ec50": 0, "has_split": 0,
      "split_test_fraction": 0}),
])
def test_target_step_says_what_the_dataset_names(source, layout, split, expected):
    from dataclasses import replace

    dataset = replace(make_dataset(np.arange(4.0)), source=source, layout=layout, split=split)
    values = compute_qsar_features(dataset, ["Target"]).values
    assert {k: values[k] for k in expected} == pytest.approx({k: float(v) for k, v in expected.items()})


def test_target_step_of_the_bundled_datasets():
    for path in sorted(BUNDLED.glob("*.csv*")):
        dataset = read_qsar(path)
        values = compute_qsar_features(dataset, ["Target"]).values
        assert values["activity_ki"] == 1.0  # every bundled set is a Ki set (MoleculeACE _Ki, SIMPD)
        test = sum(s == "test" for s in dataset.split) / dataset.n
        assert values["split_test_fraction"] == pytest.approx(test) and 0 < test < 1
