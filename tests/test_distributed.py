"""Tagging on a Dask cluster gives exactly what the local tagger gives."""

import json

import pytest

from classifier import Tagger
from classifier.cli import app

from conftest import DEV, SEED_PAGE, first_difference, write_jsonl

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.mark.skipif(not DEV.exists(), reason="the shared dev pages are not beside the project")
def test_cluster_output_equals_local_tagger(client, small_model, tmp_path):
    from classifier.distributed import tag_files_on_dask

    pages = sorted((DEV / "pages").glob("*.txt"))[:30]
    shards = tag_files_on_dask(pages, tmp_path / "out", client=client, model=small_model, files_per_partition=7)
    assert [p.name for p in shards] == [f"part-{i:05d}.jsonl" for i in range(5)]
    remote = [json.loads(line) for shard in shards for line in shard.read_text(encoding="utf-8").splitlines()]
    local = [t.to_record() for t in Tagger(small_model).tag_files(pages)]
    assert first_difference(remote, local) is None


def test_tag_bag_of_pages_and_jsonl_shards(client, small_model):
    import dask.bag as db

    from classifier.distributed import tag_bag

    text = SEED_PAGE.read_text(encoding="utf-8")
    shard_page = [{"page": "j", "index": 4, "text": "By Ann Lee"}, {"page": "j", "index": 5, "text": "The vote was close."}]
    bag = db.from_sequence([{"page": "seed", "text": text}, shard_page], npartitions=2)
    records = tag_bag(bag, small_model).compute()
    local = [t.to_record() for t in Tagger(small_model).tag_text(text, "seed")]
    assert records[: len(local)] == local
    assert [(r["page"], r["index"]) for r in records[len(local):]] == [("j", 4), ("j", 5)]


def test_cli_dask_mode(client, small_model_path, tmp_path):
    from typer.testing import CliRunner

    data = write_jsonl(tmp_path / "in.jsonl", [{"page": "p", "index": i, "text": t} for i, t in enumerate(["Headline", "By Ann"])])
    out = tmp_path / "shards"
    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), str(data), "--model", str(small_model_path),
                                      "--dask", client.scheduler.address, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 1 shard(s) to {out}\n"
    lines = (out / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 31 + 2


def test_what_the_workers_skip_is_said_on_the_callers_stderr_in_input_order(client, small_model_path, tmp_path):
    from typer.testing import CliRunner

    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    nothing = write_jsonl(tmp_path / "nothing.jsonl", [{"url": "https://a.example/x", "text": None}])
    out = tmp_path / "shards"
    inputs = [str(tmp_path / "empty.txt"), str(SEED_PAGE), str(nothing)]
    result = CliRunner().invoke(app, ["tag", *inputs, "--model", str(small_model_path), "--dask", client.scheduler.address,
                                      "--output", str(out)])
    assert result.exit_code == 0, result.output
    local = CliRunner().invoke(app, ["tag", *inputs, "--model", str(small_model_path), "-f", "jsonl"])
    warned = [line for line in local.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warned) >= 2 and [line for line in result.stderr.splitlines() if line.startswith("Warning: ")] == warned
    assert result.stderr.splitlines()[-1] == f"Wrote 1 shard(s) to {out}" and result.stdout == ""
    assert (out / "part-00000.jsonl").read_text(encoding="utf-8") == local.stdout

def test_cli_dask_mode_splits_as_tag_does_and_refuses_jobs(client, small_model_path, tmp_path):
    from typer.testing import CliRunner

    from classifier import iter_pages

    out = tmp_path / "shards"
    options = ["--model", str(small_model_path), "--dask", client.scheduler.address, "--output", str(out)]
    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--split", "line", *options])
    assert result.exit_code == 0, result.output
    texts = [json.loads(line)["text"] for line in (out / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()]
    (page,) = iter_pages([SEED_PAGE], split="line")
    assert texts == [b.text for b in page] and len(texts) > 31
    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--jobs", "2", *options[:-1], str(tmp_path / "other")])
    assert result.exit_code == 1
    assert result.output == ("Error: --dask tags on the cluster's workers: drop --jobs (give the workers more threads "
                             "instead)\n")


def test_relative_paths_reach_workers_in_another_folder(client, small_model_path, tmp_path, monkeypatch):
    # The workers started in the folder pytest runs in; the user types paths relative to theirs.
    import shutil

    from typer.testing import CliRunner

    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SEED_PAGE, work / "page.txt")
    shutil.copy(small_model_path, work / "model.npz")
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["tag", "page.txt", "--model", "model.npz",
                                      "--dask", client.scheduler.address, "--output", "shards"])
    assert result.exit_code == 0, result.output
    assert result.output == "Wrote 1 shard(s) to shards\n"
    records = [json.loads(line) for line in (work / "shards" / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["page"] for r in records} == {"page"} and len(records) == 31


def test_an_unreachable_scheduler_is_one_line_that_says_the_fix(tmp_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--dask", "tcp://127.0.0.1:1", "--output", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (")
    assert result.output.endswith("); check the address, or start one with: dask scheduler\n")
    assert result.output.count("\n") == 1
    assert not (tmp_path / "o").exists()  # the folder it made for the shards is gone again


@pytest.mark.parametrize("address, reason", [
    ("localhost", "missing port number in address 'localhost'"),
    ("http://x:1", "unknown address scheme 'http'"),
])
def test_a_malformed_scheduler_address_is_one_line_that_says_the_fix(address, reason, tmp_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--dask", address, "--output", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {address}: is no Dask scheduler address ({reason}")
    assert result.output.endswith("); give one such as tcp://10.0.0.5:8786\n") and result.output.count("\n") == 1
    assert not (tmp_path / "o").exists()

def test_cli_dask_refuses_an_output_named_as_a_file(small_model_path, tmp_path):
    from typer.testing import CliRunner

    out = tmp_path / "tagged.jsonl"
    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--dask", "tcp://127.0.0.1:1", "--output", str(out)])
    assert (result.exit_code, result.output) == (1, (
        f"Error: --output {out}: with --dask, blocktag writes a folder of JSONL shards (part-00000.jsonl, ...); "
        f"name a folder, e.g. {tmp_path / 'tagged'}/\n"))
    assert not out.exists()


def test_cli_dask_needs_an_output_folder(small_model_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--dask", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output == "Error: --dask writes JSONL shards into a folder: give one with --output\n"


def test_a_non_empty_output_folder_is_refused(client, small_model_path, tmp_path):
    from typer.testing import CliRunner

    out = tmp_path / "shards"
    out.mkdir()
    (out / "part-00007.jsonl").write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--model", str(small_model_path),
                                      "--dask", client.scheduler.address, "--output", str(out)])
    assert result.exit_code == 1
    message = (f"{out}: the output folder is not empty (it holds part-00007.jsonl), and an earlier run's files "
               "would mix with this run's; give a new or empty folder")
    assert result.output == f"Error: {message}\n"
    assert sorted(p.name for p in out.iterdir()) == ["part-00007.jsonl"]
    from classifier import OutputError
    from classifier.distributed import tag_files_on_dask

    with pytest.raises(OutputError) as caught:  # the library refuses it too
        tag_files_on_dask([SEED_PAGE], out, client=client, model=small_model_path)
    assert str(caught.value) == message


def test_the_model_is_not_sent_in_the_task_graph(client, small_model, small_model_path, tmp_path):
    import cloudpickle
    import dask.bag as db

    from classifier.distributed import tag_bag, tag_files_on_dask

    pages = db.from_sequence([{"page": "seed", "text": SEED_PAGE.read_text(encoding="utf-8")}], npartitions=1)
    model_size = len(small_model.to_bytes())
    for model in (small_model_path, small_model):  # a file, and a model in memory (scattered)
        graph = dict(tag_bag(pages, model, client=client).__dask_graph__())
        assert len(cloudpickle.dumps(graph)) < model_size / 10
    for k, model in enumerate((small_model_path, small_model)):
        tag_files_on_dask([SEED_PAGE], tmp_path / f"out{k}", client=client, model=model)
    first, second = ((tmp_path / f"out{k}" / "part-00000.jsonl").read_text(encoding="utf-8") for k in range(2))
    assert first == second


def test_no_large_graph_warning(client, small_model, small_model_path, tmp_path):
    """Dask warns "Sending large graph of size ..." when a graph carries big data, as it did
    with the model in it. With the threshold set below the model's size, a graph carrying
    the model warns (the control), and tagging with a model file or a model in memory does not."""
    import warnings

    import dask
    import dask.bag as db

    from classifier.distributed import tag_files_on_dask

    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "20kB"}):
        with warnings.catch_warnings(record=True) as control:
            warnings.simplefilter("always")
            carried = db.from_sequence([1, 2], npartitions=2).map_partitions(
                lambda part, model: list(part), dask.delayed(small_model, traverse=False))
            client.compute(carried.to_delayed(), sync=True)
        assert any("Sending large graph" in str(w.message) for w in control)
        for k, model in enumerate((small_model_path, small_model)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tag_files_on_dask([SEED_PAGE, SEED_PAGE], tmp_path / f"out{k}", client=client, model=model,
                                  files_per_partition=1)
            assert not [str(w.message) for w in caught if "large graph" in str(w.message)]


@pytest.mark.parametrize("per_partition", [1, 3])
def test_pages_of_one_name_from_two_inputs_are_named_apart_on_the_cluster_as_locally(client, small_model, tmp_path,
                                                                                     per_partition):
    from classifier.distributed import tag_files_on_dask

    def page(name, text):
        return {"page": name, "url": f"https://a.example/{text[:3]}", "text": f"{text}\n\nBy Ann Lee\n\nThe vote was close."}

    inputs = [write_jsonl(tmp_path / "a.jsonl", [page("w", "One"), page("x", "Two")]),
              write_jsonl(tmp_path / "b.jsonl", [page("x", "Three")]),  # after a's "x": named x#2
              write_jsonl(tmp_path / "c.jsonl", [page("x", "Four"), page("z", "Five")]),  # x#3: x and x#2 are taken
              write_jsonl(tmp_path / "d.jsonl", [page("w", "Six"), page("x#2", "Seven")])]  # in a later partition
    shards = tag_files_on_dask(inputs, tmp_path / f"out{per_partition}", client=client, model=small_model,
                               files_per_partition=per_partition)
    remote = [json.loads(line) for shard in shards for line in shard.read_text(encoding="utf-8").splitlines()]
    local = [t.to_record() for t in Tagger(small_model).tag_files(inputs)]
    assert first_difference(remote, local) is None
    assert [r["page"] for r in remote if r["index"] == 0] == ["w", "x", "x#2", "x#3", "z", "w#2", "x#4"]


class _FailingClient:
    """A client whose workers all die: what gather raises after the scheduler's retries."""

    def compute(self, writes):
        return writes

    def gather(self, futures):
        from distributed import KilledWorker

        raise KilledWorker("_shard_of_files-3", "tcp://10.0.0.7:40000", 3)

    def cancel(self, futures):
        self.cancelled = futures


def test_a_worker_lost_is_one_error_and_leaves_no_shards(small_model_path, tmp_path):
    from classifier.distributed import tag_files_on_dask
    from classifier.errors import ClusterError

    out = tmp_path / "out"
    failing = _FailingClient()
    with pytest.raises(ClusterError, match=r"^a Dask worker died while tagging its share \(_shard_of_files-3; killed, or "
                                           r"out of memory\?\); give the workers more memory, or fewer files a partition$"):
        tag_files_on_dask([SEED_PAGE], out, client=failing, model=small_model_path)
    assert list(out.iterdir()) == [] and failing.cancelled


def test_a_scheduler_with_no_workers_is_said_not_waited_on(monkeypatch):
    from classifier import distributed as module
    from classifier.errors import ClusterError

    monkeypatch.setattr(module, "WORKERS_SECONDS", 1)  # (the connection keeps its own time: a loaded machine is slow)
    with distributed.LocalCluster(n_workers=0, dashboard_address=":0") as empty:
        with pytest.raises(ClusterError, match=rf"^the Dask scheduler at {empty.scheduler_address} has no workers \(none "
                                               rf"joined in 1 s\); start one with: dask worker "):
            module.connect(empty.scheduler_address)
