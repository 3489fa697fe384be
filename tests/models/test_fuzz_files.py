"""Fuzzing the model-file loaders (issue 21): ``load_model`` and ``load_predictor`` raise ModelError only.

Bytes-level: any bytes as a model file, and a small trained model (pairwise-rf, two
trees) with bytes flipped, inserted or cut. Structure-aware: the same model's zip
rebuilt with members removed, replaced by fuzzed bytes, their JSON (container header,
compiled recipe, the skops schema) altered at any path, or their NumPy arrays
replaced by arrays of another dtype, shape or range; checksums are recomputed, so
these get past the archive check to the loaders' own parsing. Profile:
``tests/conftest.py`` ("ci": 200 examples).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aslib_factories import make_scenario  # noqa: E402
from asc.errors import ModelError  # noqa: E402
from asc.models.compiled import load_predictor  # noqa: E402
from asc.models.files import HEADER_MEMBER, SKOPS_MEMBER, load_model, save_model, train_model  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def _model_bytes() -> bytes:
    model = train_model(make_scenario(n_instances=12), "pairwise-rf", seed=2, n_estimators=2)
    with tempfile.TemporaryDirectory() as tmp:
        return save_model(model, Path(tmp) / "m.skops").read_bytes()


MODEL = _model_bytes()
MEMBERS = {info.filename: zipfile.ZipFile(io.BytesIO(MODEL)).read(info) for info in
           zipfile.ZipFile(io.BytesIO(MODEL)).infolist()}
NAMES = sorted(MEMBERS)
JSON_NAMES = sorted(n for n in NAMES if n.endswith(".json"))
NPY_NAMES = sorted(n for n in NAMES if n.endswith(".npy"))


def problems(data: bytes) -> list[str]:
    """What is wrong with loading ``data`` through both loaders: a ModelError that does not name the
    file in one line, or a loaded model whose selector's algorithms differ from its header's;
    empty when it is sound. Any other exception propagates (and fails the test)."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.skops"
        path.write_bytes(data)
        for load in (load_model, load_predictor):
            try:
                model = load(path)
            except ModelError as exc:
                if str(path) not in str(exc) or "\n" in str(exc):
                    found.append(f"{load.__name__}: badly reported: {exc}")
                continue
            if tuple(str(a) for a in model.selector.algorithms_) != tuple(model.info.algorithms):
                found.append(f"{load.__name__}: loaded a selector of other algorithms than its header's")
            # what loads must predict: a tampered recipe is refused on loading, not in asc select
            n = len(model.info.features)
            rows = np.vstack([np.zeros(n), np.full(n, np.nan), np.random.default_rng(0).normal(size=n) * 1e3])
            try:
                with np.errstate(all="ignore"):
                    scores = model.selector.predict_scores(rows)
            except ModelError:
                found.append(f"{load.__name__}: loaded, then refused to predict")
                continue
            if np.shape(scores) != (3, len(model.info.algorithms)):
                found.append(f"{load.__name__}: loaded, then predicted scores of shape {np.shape(scores)}")
    return found


def rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def test_the_model_loads(tmp_path):
    """The unmutated file, and its rebuilt zip, load through both loaders (the mutations start from a good model)."""
    assert set(NAMES) >= {HEADER_MEMBER, SKOPS_MEMBER, "asc-compiled/recipe.json"}
    for i, data in enumerate((MODEL, rezip(MEMBERS))):
        path = tmp_path / f"m{i}.skops"
        path.write_bytes(data)
        assert load_model(path).info.algorithms == ("a", "b", "c")
        assert type(load_predictor(path).selector).__name__ == "CompiledSelector"


@given(data=st.binary(max_size=400))
@example(data=b"")
@example(data=b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
def test_any_bytes(data):
    found = problems(data)
    assert not found, found


@given(edits=st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete"]), st.integers(0, len(MODEL) - 1),
                                st.integers(1, 255)), min_size=1, max_size=3),
       cut=st.integers(0, len(MODEL)))
def test_damaged_model_file(edits, cut):
    data = bytearray(MODEL)
    for what, at, value in edits:
        at %= max(len(data), 1)
        if what == "flip" and data:
            data[at] ^= value
        elif what == "insert":
            data[at:at] = bytes([value])
        elif what == "delete":
            del data[at:at + value]
    found = problems(bytes(data[:cut or None]))
    assert not found, found


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2, 20), st.floats(), st.text(max_size=6),
              st.sampled_from(["pairwise", "pipeline", "columns", "vote", "sbs", "regression", "4-pw.left",
                               "0-fill", "asc-selection-model"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def paths(doc, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths(v, (*prefix, i))


def replaced(doc, path, value):
    if not path:
        return value
    doc = doc.copy()
    doc[path[0]] = replaced(doc[path[0]], path[1:], value)
    return doc


@st.composite
def altered_json(draw, raw: bytes) -> bytes:
    doc = json.loads(raw)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths(doc))))
        if path and draw(st.booleans()):  # drop the key (or list item) instead of replacing it
            container = doc
            for key in path[:-1]:
                container = container[key]
            doc = replaced(doc, path[:-1], [v for i, v in enumerate(container) if i != path[-1]]
                           if isinstance(container, list) else {k: v for k, v in container.items() if k != path[-1]})
        else:
            doc = replaced(doc, path, draw(JSON_VALUES))
    return json.dumps(doc).encode()


ARRAYS = st.one_of(
    st.builds(lambda v, dtype: np.asarray(v).astype(dtype),
              st.lists(st.integers(-2**40, 2**40), max_size=12),
              st.sampled_from([np.int8, np.int32, np.int64, np.uint64, np.float32, np.float64, np.bool_])),
    st.builds(lambda v, n: np.asarray(v, np.float64).reshape(n, -1) if len(v) % n == 0 else np.asarray(v),
              st.lists(st.floats(), max_size=12), st.integers(1, 3)),
    st.sampled_from([np.zeros((0,)), np.zeros((2, 0, 3)), np.array(["a", "b"]), np.array(1.5), np.array([10**6]),
                     np.array([-5, -5]), np.full(10, 2**31)]),
)


def npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=False)
    return out.getvalue()


@given(victim=st.sampled_from(NAMES), payload=st.binary(max_size=200))
# found fuzzing: JSON nested deeper than the interpreter's recursion limit in the container header
# or the compiled recipe (RecursionError from json.loads, was a traceback)
@example(victim=HEADER_MEMBER, payload=b"[" * 100_000)
@example(victim="asc-compiled/recipe.json", payload=b'{"a":' * 100_000)
# found fuzzing: a compiled recipe whose algorithms are null (TypeError: iteration over a 0-d array)
@example(victim="asc-compiled/recipe.json",
         payload=MEMBERS["asc-compiled/recipe.json"].replace(b'"algorithms": ["a", "b", "c"]', b'"algorithms": null'))
@example(victim="asc-compiled/recipe.json",
         payload=MEMBERS["asc-compiled/recipe.json"].replace(b'"algorithms": ["a", "b", "c"]', b'"algorithms": "abc"'))
def test_member_replaced_by_bytes(victim, payload):
    found = problems(rezip({**MEMBERS, victim: payload}))
    assert not found, found


@given(data=st.data(), victim=st.sampled_from(NAMES), how=st.sampled_from(["remove", "structure", "truncate"]))
def test_altered_members(data, victim, how):
    members = dict(MEMBERS)
    if how == "remove":
        del members[victim]
    elif how == "truncate":
        members[victim] = members[victim][:data.draw(st.integers(0, len(members[victim])))]
    elif victim.endswith(".json"):
        members[victim] = data.draw(altered_json(members[victim]))
    elif victim.endswith(".npy"):
        members[victim] = npy(data.draw(ARRAYS))
    else:  # the skops archive: alter its schema, or drop one of its members
        inner = {i.filename: zipfile.ZipFile(io.BytesIO(members[victim])).read(i)
                 for i in zipfile.ZipFile(io.BytesIO(members[victim])).infolist()}
        name = data.draw(st.sampled_from(sorted(inner)))
        if name == "schema.json" and data.draw(st.booleans()):
            inner[name] = data.draw(altered_json(inner[name]))
        else:
            del inner[name]
        members[victim] = rezip(inner)
    found = problems(rezip(members))
    assert not found, found


@given(data=st.data())
def test_altered_recipe_and_arrays_together(data):
    """The compiled part's recipe and arrays altered at once (the compiled loader's own checks)."""
    members = dict(MEMBERS)
    members["asc-compiled/recipe.json"] = data.draw(altered_json(members["asc-compiled/recipe.json"]))
    for name in data.draw(st.lists(st.sampled_from(NPY_NAMES), max_size=3, unique=True)):
        members[name] = npy(data.draw(ARRAYS))
    found = problems(rezip(members))
    assert not found, found
