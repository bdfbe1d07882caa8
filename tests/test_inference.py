"""The compiled model predicts what the scikit-learn pipeline predicts, from arrays alone;
features are defined once, in the registry."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import classifier

from classifier import Block, ModelError, TrainingError, load_model, train
from classifier.inference import CompiledModel
from classifier.cli import app
from classifier.measures import POSITION_FEATURES
from classifier.registry import DEFAULT_FEATURES, FEATURES, MeasureFeature, register

from conftest import ROOT, SEED_LABELS, SEED_PAGE


def test_compiled_probabilities_equal_the_pipelines(small_model, corpus_blocks):
    assert isinstance(small_model.compiled, CompiledModel)
    np.testing.assert_allclose(
        small_model.compiled.predict_proba(corpus_blocks), small_model.classifier.predict_proba(corpus_blocks),
        atol=1e-9,
    )


def test_the_second_pass_compiles_too(corpus_blocks):
    bundle = train(corpus_blocks, context_window=1, stack_folds=3)
    assert bundle.compiled.context is not None
    np.testing.assert_allclose(bundle.predict_proba(corpus_blocks), bundle.classifier.predict_proba(corpus_blocks),
                               atol=1e-9)


def test_two_label_models_compile_too(corpus_blocks):
    blocks = [b for b in corpus_blocks if b.label in ("body", "other")]
    bundle = train(blocks)
    assert bundle.labels == ["body", "other"]
    np.testing.assert_allclose(bundle.compiled.predict_proba(blocks), bundle.classifier.predict_proba(blocks), atol=1e-9)


def test_a_batch_holding_the_joint_is_still_counted_exactly(small_model, corpus_blocks):
    page = [Block("odd", 0, "zqxjointzqx [Subscribe](#) today\x00"), Block("odd", 1, corpus_blocks[5].text)]
    np.testing.assert_allclose(small_model.predict_proba(page), small_model.classifier.predict_proba(page), atol=1e-9)


def test_a_model_file_holds_no_pickle(small_model, tmp_path):
    path = small_model.save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert name.endswith(".npy")
            # a .npy header names a plain dtype; object arrays (dtype '|O') would be pickles
            assert b"'descr': '|O'" not in data[:200], name
    with np.load(path, allow_pickle=False) as npz:  # raises if any array needed pickle
        for name in npz.files:
            npz[name]


def test_the_shipped_model_holds_no_pickle():
    from classifier.bundle import shipped_model_path

    with np.load(shipped_model_path(), allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def test_a_pickle_model_is_refused_without_being_opened(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.JOBLIB"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    import pickle

    evil.write_bytes(pickle.dumps(Payload()))
    for name in ("evil.JOBLIB", "evil.skops", "evil.SKOPS", "evil.pkl"):
        path = tmp_path / name
        path.write_bytes(evil.read_bytes())
        with pytest.raises(ModelError, match="pickle-based model of an older blocktag"):
            load_model(path)
    # the same bytes under .npz are not an npz archive: refused, never unpickled
    renamed = tmp_path / "evil.npz"
    renamed.write_bytes(evil.read_bytes())
    with pytest.raises(ModelError, match="is not a blocktag model"):
        load_model(renamed)
    assert not marker.exists()


def test_a_model_renamed_as_a_pickle_is_refused_with_its_own_name(small_model_path, tmp_path):
    renamed = tmp_path / "model.pkl"
    renamed.write_bytes(small_model_path.read_bytes())
    with pytest.raises(ModelError, match=r"model.pkl: is named as a pickle but holds a model's arrays \(.npz\); "
                                         r"rename it model.npz to load it$"):
        load_model(renamed)


def test_an_npz_with_an_object_array_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, **{"meta.json": np.array([{"format": "blocktag-model"}], dtype=object)})
    with pytest.raises(ModelError, match="is not a blocktag model"):
        load_model(path)


def test_format_version_mismatch_says_what_to_do(small_model, tmp_path):
    import json

    data = small_model.to_bytes()
    with np.load(io.BytesIO(data)) as npz:
        arrays = {name: npz[name] for name in npz.files}
    document = json.loads(bytes(arrays["meta.json"]).decode())
    document["format_version"] = 99
    document["metadata"]["blocktag_version"] = "9.0.0"
    arrays["meta.json"] = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    path = tmp_path / "future.npz"
    np.savez(path, **arrays)
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert str(caught.value) == (f"{path}: is a blocktag model of format 99; this blocktag reads formats 3, 4 and 5: "
                                 f"upgrade blocktag (this is {classifier.__version__}) to 9.0.0 or later, or retrain "
                                 "it with 'blocktag train'")
    document["format_version"] = 2  # an older one than any read
    arrays["meta.json"] = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match=r"future\.npz: is a blocktag model of format 2; this blocktag reads formats "
                                         r"3, 4 and 5: retrain it with 'blocktag train', or use the blocktag that made it$"):
        load_model(path)


def test_damaged_arrays_are_reported(small_model, tmp_path):
    with np.load(io.BytesIO(small_model.to_bytes())) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["first.coef"] = arrays["first.coef"][:, :-1]
    path = tmp_path / "cut.npz"
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match=r"cut\.npz: is a damaged blocktag model"):
        load_model(path)


def _edited(small_model, tmp_path, edit) -> Path:
    """The small model's file with its arrays and JSON document changed by ``edit``."""
    with np.load(io.BytesIO(small_model.to_bytes())) as npz:
        arrays = {name: npz[name] for name in npz.files}
    document = json.loads(bytes(arrays["meta.json"]).decode())
    edit(arrays, document)
    arrays["meta.json"] = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    path = tmp_path / "edited.npz"
    np.savez_compressed(path, **arrays)
    return path


def _set(mapping, key, value):
    mapping[key] = value


def _part(document, name):
    return next(part for part in document["model"]["parts"] if part["name"] == name)


@pytest.mark.parametrize("edit, reason", [
    (lambda a, d: a["first.coef"].__setitem__((0, 0), np.nan), "it holds numbers that are not finite floats"),
    (lambda a, d: _set(a, "first.intercept", a["first.intercept"].astype(str)), "it holds numbers that are not finite floats"),
    (lambda a, d: _set(d["model"], "classes", ["body"] * len(d["model"]["classes"])), "its labels are not two or more distinct names"),
    (lambda a, d: _set(d["model"], "classes", ["\x1b]0;pwned\x07"] + d["model"]["classes"][1:]),
     "its labels are not two or more distinct names (without control characters)"),
    (lambda a, d: _set(_part(d, "word_shapes"), "offset", 0), "feature 'word_shapes' starts at column 0, not"),
    (lambda a, d: _set(d["model"]["parts"][0], "settings", {}), "feature 'words' has settings [], not ['ngram_range']"),
    (lambda a, d: _set(d["model"]["parts"][0], "vocabulary", [7] * len(d["model"]["parts"][0]["vocabulary"])),
     "feature 'words' has a vocabulary that is no list of distinct n-grams"),
    (lambda a, d: _set(d, "metadata", ["x"]), "its metadata is not a JSON object"),
    (lambda a, d: _set(d["metadata"], "labels", ["spam"]), "its metadata names labels ['spam']"),
])
def test_a_damaged_model_is_refused_on_loading_not_tagged_with(small_model, tmp_path, edit, reason):
    path = _edited(small_model, tmp_path, edit)
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}: is a damaged blocktag model (") and reason in str(info.value)
    assert str(info.value).endswith("; download or train it again")


def _zip_member_data(data: bytes, name: str) -> tuple[int, zipfile.ZipInfo]:
    """Where member ``name``'s stored bytes start in the zip ``data``, and its entry."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    start = info.header_offset
    name_length, extra_length = int.from_bytes(data[start + 26:start + 28], "little"), int.from_bytes(data[start + 28:start + 30], "little")
    return start + 30 + name_length + extra_length, info


def _broken_deflate(data: bytes) -> bytes:
    """A deflated member's stream overwritten mid-way (zlib fails before any CRC check)."""
    name = next(i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.compress_type == zipfile.ZIP_DEFLATED)
    start, info = _zip_member_data(data, name)
    middle = start + info.compress_size // 2
    return data[:middle] + b"\xff" * 64 + data[middle + 64:]


def _unknown_compression(data: bytes) -> bytes:
    """Every central-directory entry naming a compression method zipfile does not know."""
    out, at = bytearray(data), data.find(b"PK\x01\x02")
    while at != -1:
        out[at + 10:at + 12] = (99).to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _cut_array_header(data: bytes) -> bytes:
    """An array's header with its shape's closing bracket gone (numpy's parser fails), in the
    model saved with every member stored, so the header can be changed in place."""
    with np.load(io.BytesIO(data)) as npz:
        stored = io.BytesIO()
        np.savez(stored, **{name: npz[name] for name in npz.files})
    data = stored.getvalue()
    start, _ = _zip_member_data(data, "first.coef.npy")
    bracket = data.index(b"), }", start)
    return data[:bracket] + b" " + data[bracket + 1:]


@pytest.mark.parametrize("damage", [_broken_deflate, _unknown_compression, _cut_array_header])
def test_a_model_file_damaged_in_its_bytes_is_not_a_model_not_a_traceback(small_model, tmp_path, damage):
    """A bad download or copy: a broken deflate stream (zlib.error), a compression method
    zipfile lacks (NotImplementedError), a cut array header (tokenize.TokenError)."""
    path = tmp_path / "damaged.npz"
    path.write_bytes(damage(small_model.to_bytes()))
    with pytest.raises(ModelError, match=rf"^{path}: is not a blocktag model \(not a readable \.npz file of arrays\); "
                                         "download or train it again$"):
        load_model(path)


@pytest.mark.parametrize("neighbours", [[], [-1], None, "x", -1, 0.5, [0.5, 1]])
def test_a_measure_whose_settings_do_not_make_its_columns_is_refused_on_loading(small_model, tmp_path, neighbours):
    """The shape measure's neighbours decide its width: an edited value would load and then
    fail (or tag wrongly) at the first page."""
    def edit(arrays, document):
        part = next(p for p in document["model"]["parts"] if p["name"] == "shape")
        part["settings"]["neighbours"] = neighbours

    path = _edited(small_model, tmp_path, edit)
    with pytest.raises(ModelError, match=rf"^{path}: is a damaged blocktag model \(ValueError: feature 'shape' has \d+ "
                                         r"columns; its settings .* make (\d+|None)\); download or train it again$"):
        load_model(path)


@pytest.mark.parametrize("made_by, advice", [
    ("9.0.0", f"it was saved by blocktag 9.0.0, newer than this one ({classifier.__version__}): upgrade blocktag "
              "(pip install -U blocktag), or retrain it with this one"),
    ("0.1.0", "retrain it with this blocktag"),
])
def test_a_model_with_a_feature_this_blocktag_lacks_says_to_upgrade_when_a_newer_one_saved_it(small_model, tmp_path,
                                                                                              made_by, advice):
    def edit(arrays, document):
        document["metadata"]["blocktag_version"] = made_by
        next(p for p in document["model"]["parts"] if p["name"] == "words")["name"] = "fancy_words"

    path = _edited(small_model, tmp_path, edit)
    with pytest.raises(ModelError, match=rf"^{path}: unknown feature 'fancy_words'; .*; {re.escape(advice)}$"):
        load_model(path)


def test_release_numbers_are_read_from_any_version_string():
    from classifier.bundle import _release

    assert _release("0.4.11") == (0, 4, 11) and _release("0.5.0rc1") == (0, 5, 0) and _release("0.6.0+local") == (0, 6, 0)
    assert _release("9" * 5000) > _release("0.4.11")  # (a hostile file's: no int() of 5,000 digits)


def test_a_model_file_with_a_member_no_model_has_is_refused_unpacked(small_model, tmp_path):
    path = tmp_path / "big.npz"
    path.write_bytes(small_model.to_bytes())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("junk.npy", b"\0" * 1000)
    with pytest.raises(ModelError, match=rf"^{path}: is not a blocktag model \(it holds 'junk.npy', which no model has\)$"):
        load_model(path)


def test_a_model_file_that_would_unpack_to_gigabytes_is_refused_unpacked(small_model, tmp_path, monkeypatch):
    import classifier.bundle as bundle

    path = tmp_path / "bomb.npz"  # members named as a model's are, but of zeros: 40 MB from a few KB each
    path.write_bytes(small_model.to_bytes())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for k in range(100, 103):
            archive.writestr(f"part{k}.idf.npy", bytes(40 * 2**20))
    with pytest.raises(ModelError, match=rf"^{path}: is not a blocktag model \(part100\.idf\.npy would unpack to 40 MB "
                                         r"from [\d,]+ bytes\)$"):
        load_model(path)
    monkeypatch.setattr(bundle, "MAX_MODEL_BYTES", len(small_model.to_bytes()))  # arrays that pack as real ones do, past the cap
    with pytest.raises(ModelError, match=rf"^{tmp_path / 'small.npz'}: is not a blocktag model \(its arrays would unpack "
                                         r"to over 0 MB\)$"):
        load_model(small_model.save(tmp_path / "small.npz"))


@pytest.mark.parametrize("start, said", [
    (b"\x1f\x8b\x08\x00", "is gzipped; unpack it first (gunzip) and give the .npz"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n", "is a Git LFS pointer, not the model itself; fetch it (git lfs pull)"),
    (b"", "is not a blocktag model (an empty file); download or train it again"),
])
def test_a_file_that_cannot_be_a_model_is_told_apart_by_its_first_bytes(tmp_path, start, said):
    path = tmp_path / "mine.npz"
    path.write_bytes(start)
    with pytest.raises(ModelError, match=f"^{re.escape(f'{path}: {said}')}$"):
        load_model(path)


def test_models_are_saved_only_as_npz(small_model, tmp_path):
    from classifier import OutputError

    with pytest.raises(OutputError, match=r"m\.joblib: model files are \.npz .*use e\.g\. .*/m\.npz$"):
        small_model.save(tmp_path / "m.joblib")
    with pytest.raises(OutputError, match=r"m\.npz\.gz: model files are \.npz .*use e\.g\. .*/m\.npz$"):
        small_model.save(tmp_path / "m.npz.gz")  # (npz files are zip archives already)
    # The name suggested is in the folder given; a folder, or a suffix alone, gets a name.
    for given, suggested in ((tmp_path / "sub" / "m.bin", tmp_path / "sub" / "m.npz"), (tmp_path / ".npz", tmp_path / "model.npz")):
        with pytest.raises(OutputError, match=f"^{re.escape(f'{given}: model files are .npz (arrays, never code); use e.g. {suggested}')}$"):
            small_model.save(given)
    (tmp_path / "outdir").mkdir()
    for folder in (".", "/", "..", str(tmp_path / "outdir")):
        with pytest.raises(OutputError, match=f"^{re.escape(f'{folder}: names a folder; give a model')} file's name, e.g. "):
            small_model.save(folder)
    result = CliRunner().invoke(app, ["train", str(SEED_LABELS), "-o", "."])
    assert (result.exit_code, result.output) == (1, "Error: .: names a folder; give a model file's name, e.g. model.npz\n")


def test_adding_a_feature_touches_only_the_registry(corpus_blocks, tmp_path):
    """A new measure, registered once, is trained, compiled, saved, loaded and tagged with."""
    def question_marks(blocks):
        return np.array([[b.text.count("?"), b.text.endswith("?")] for b in blocks], dtype=float)

    register(MeasureFeature("question_marks", question_marks, lambda: ["question marks", "ends with ?"]))
    try:
        bundle = train(corpus_blocks, features=DEFAULT_FEATURES + ("question_marks",))
        assert [part.name for part in bundle.compiled.parts][-1] == "question_marks"
        loaded = load_model(bundle.save(tmp_path / "q.npz"))
        np.testing.assert_allclose(loaded.predict_proba(corpus_blocks), bundle.classifier.predict_proba(corpus_blocks),
                                   atol=1e-9)
        # without the feature the model is a different one
        assert not np.allclose(loaded.predict_proba(corpus_blocks), train(corpus_blocks).predict_proba(corpus_blocks))
    finally:
        del FEATURES["question_marks"]
    with pytest.raises(ModelError, match="unknown feature 'question_marks'"):
        load_model(tmp_path / "q.npz")


def test_a_feature_defined_twice_differently_fails_training(corpus_blocks, monkeypatch):
    """train() checks the compiled form against the pipeline and fails loudly on a drift."""
    from classifier import features as training_features
    from classifier.registry import feature

    position = feature("position")
    drifted = MeasureFeature("position", lambda blocks: position.measure(blocks) * 1.5, position.columns)
    original = training_features.feature

    def training_view(name):  # the pipeline sees the drifted definition, tagging the registered one
        return drifted if name == "position" else original(name)

    monkeypatch.setattr(training_features, "feature", training_view)
    with pytest.raises(TrainingError, match="the compiled model differs from the trained pipeline"):
        train(corpus_blocks)


def test_unknown_features_are_rejected_at_fit(corpus_blocks):
    with pytest.raises(TrainingError, match="features must name registered features"):
        train(corpus_blocks, features=("words", "no_such_feature"))


@pytest.mark.parametrize("column, value, shown", [
    ("log_words", np.log1p(34.0), "words (first 300 characters) 34"),
    ("+1 log_words", np.log1p(34.0), "next block: words (first 300 characters) 34"),
    ("sentence_marks", np.log1p(3.0), "sentence ends (first 300 characters) 3"),  # (logged, though not named so)
    ("log_lines", np.log1p(1.0), "line breaks (first 300 characters) 1"),
    ("log_from_top", 0.0, "blocks above it 0"),
    ("relative", 0.0667, "how far down the page (0 to 1) 0.0667"),
    ("starts_by", 1.0, 'opens with "By": yes'),
    ("-1 has_year", 0.0, "previous block: has year: no"),
    ("link_share", 0.9, "link share 0.9"),
])
def test_a_measure_reads_as_words_with_its_value_unlogged(column, value, shown):
    from classifier.inference import readable_measure

    assert readable_measure(column, value) == shown


def test_evidence_names_readable_features(small_model):
    blocks = [Block("p", 0, "[Subscribe](https://example.org/subscribe?utm_source=nav) to our newsletter"),
              Block("p", 1, "By Jane Doe"), Block("p", 2, "The council met on Tuesday to discuss the budget.")]
    proba = small_model.predict_proba(blocks)
    evidence = small_model.compiled.evidence(blocks, proba.argmax(axis=1), top=5)
    assert len(evidence) == 3 and all(0 < len(items) <= 5 for items in evidence)
    for items in evidence:
        weights = [w for _, w in items]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    names = [name for items in evidence for name, _ in items]
    assert all(isinstance(n, str) and n for n in names)
    # Each kind of feature by its readable name: a word in quotes, a measure with its value
    # (before scaling), a word shape, a neighbour's feature under its place.
    _, byline, last = ({name for name, _ in items}
                       for items in small_model.compiled.evidence(blocks, proba.argmax(axis=1), top=200))
    assert {'word "by"', 'opening word "by"', "words (first 300 characters) 3", "shape ^■␣"} <= byline
    shapes = next(part for part in small_model.compiled.parts if part.name == "word_shapes")  # (␣: a space at its edge)
    assert {n.removeprefix("shape ").replace("␣", " ") for n in byline if n.startswith("shape ")} <= set(shapes.vocabulary)
    assert any(n.startswith("previous block: ") for n in last)


def test_a_links_mark_is_named_as_a_link_not_as_a_word():
    from classifier.registry import feature

    assert feature("words").describe("link") == 'a link (or the word "link")'
    assert feature("words").describe("linked") == 'word "linked"'
    assert feature("edge_words").describe("elink") == 'ends with a link (or the word "link")'
    assert feature("edge_words").describe("sthe") == 'opening word "the"'


def test_tagging_imports_neither_scikit_learn_nor_scipy(small_model_path):
    code = (
        "import sys\n"
        "import classifier\n"
        f"model = classifier.load_model({str(small_model_path)!r})\n"
        f"classifier.tag_text(open({str(SEED_PAGE)!r}).read(), model=model)\n"
        "leaked = [m for m in ('sklearn', 'scipy', 'joblib') if m in sys.modules]\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_position_columns_are_named_in_the_registry():
    assert FEATURES["position"].columns() == list(POSITION_FEATURES)


def test_two_jobs_give_the_probabilities_of_one_even_for_a_feature_reading_index(corpus_blocks, tmp_path):
    from classifier import Tagger
    from classifier.blocks import group_pages

    register(MeasureFeature("index_parity", lambda blocks: np.array([[b.index % 2] for b in blocks], dtype=float),
                            lambda: ["odd index"]))
    try:
        bundle = train(corpus_blocks, features=DEFAULT_FEATURES + ("index_parity",))
        pages = list(group_pages(corpus_blocks))
        one = [t.scores for t in Tagger(bundle, batch_blocks=50, jobs=1).tag_pages(pages)]
        two = [t.scores for t in Tagger(bundle, batch_blocks=50, jobs=2).tag_pages(pages)]
    finally:
        del FEATURES["index_parity"]
    assert one == two


def test_edge_word_pairs_reach_the_model_and_read_as_two_words(corpus_blocks):
    model = train(corpus_blocks, plain_text_model=False, edge_ngrams=(1, 2))
    part = next(part for part in model.compiled.parts if part.name == "edge_words")
    assert part.settings["ngram_range"] == [1, 2]
    names = dict(zip(part.vocabulary, part.column_names()))
    assert names["sby"] == 'opening word "by"'
    assert names["ealbion eherald"] == 'closing word "albion" closing word "herald"'  # a photo credit's "/Albion Herald"
