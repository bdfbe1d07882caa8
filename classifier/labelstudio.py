"""Label Studio interchange: suggested pages out as tasks, the JSON export back in as blocks.

One task per page. Its data holds the page's blocks in order::

    {"data": {"page": "site-0042", "blocks": [{"index": 0, "text": "..."}, ...]},
     "predictions": [{"model_version": "blocktag", "score": 0.81, "result": [
         {"id": "b0", "from_name": "label_0", "to_name": "text_0", "type": "choices",
          "value": {"choices": ["byline"]}, "score": 0.93}, ...]}]}

and the labeling config (:func:`labeling_config`, printed by ``blocktag suggest --format
labelstudio``) repeats a text and a single-choice control per block with Label Studio's
``Repeater`` tag, so the controls are named ``label_<position>`` and ``text_<position>``
(the block's position in ``data.blocks``)::

    <View>
      <Header value="$page"/>
      <Repeater on="$blocks" indexFlag="{{idx}}">
        <Text name="text_{{idx}}" value="$blocks[{{idx}}].text"/>
        <Choices name="label_{{idx}}" toName="text_{{idx}}" choice="single" showInline="true">
          <Choice value="body"/> ...
        </Choices>
      </Repeater>
    </View>

Label Studio's JSON export is a list of those tasks, each with ``annotations`` whose
``result`` items have the same shape as the predictions'. Reading it (:func:`export_records`)
takes each task's latest annotation that was not cancelled; tasks nobody annotated are
skipped (not labelled yet). Label Studio pre-fills an annotation with the prediction, so
an accepted guess is in the annotation too; a block left without a choice is an error
naming the task.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from xml.sax.saxutils import quoteattr

from .blocks import GUIDE_LABELS, guide_order
from .errors import BlocktagError, DataFormatError, short_repr, warn
from .files import DEFAULT_ENCODING, read_text, text_encoding

MODEL_VERSION = "blocktag"
CONTROL = "label_{}"
OBJECT = "text_{}"


def labeling_config(labels: Sequence[str] = GUIDE_LABELS) -> str:
    """The Label Studio labeling config for blocktag's page tasks: the guide's labels in its
    order (a model lists its own a-z), then any others."""
    choices = "\n".join(f"        <Choice value={quoteattr(label)}/>" for label in sorted(labels, key=guide_order))
    return (
        "<View>\n"
        '  <Header value="$page"/>\n'
        '  <Repeater on="$blocks" indexFlag="{{idx}}">\n'
        '    <Text name="text_{{idx}}" value="$blocks[{{idx}}].text"/>\n'
        '    <Choices name="label_{{idx}}" toName="text_{{idx}}" choice="single" showInline="true">\n'
        f"{choices}\n"
        "    </Choices>\n"
        "  </Repeater>\n"
        "</View>\n"
    )


def page_task(records: Sequence[dict]) -> dict:
    """One page's suggested records (``page``, ``index``, ``text``, ``label``, ``confidence``)
    as a Label Studio task with the guesses as its prediction."""
    result = [
        {"id": f"b{pos}", "from_name": CONTROL.format(pos), "to_name": OBJECT.format(pos), "type": "choices",
         "value": {"choices": [r["label"]]}, "score": r["confidence"]}
        for pos, r in enumerate(records)
    ]
    mean = round(sum(r["confidence"] for r in records) / len(records), 4) if records else 0.0
    return {
        "data": {"page": records[0]["page"] if records else "",
                 **({"url": records[0]["url"]} if records and records[0].get("url") else {}),
                 "blocks": [{"index": r["index"], "text": r["text"]} for r in records]},
        "predictions": [{"model_version": MODEL_VERSION, "score": mean, "result": result}],
    }


def write_tasks(pages: Iterable[Sequence[dict]], out) -> int:
    """Write the pages as a JSON list of tasks (Label Studio's import format); returns the count."""
    tasks = [page_task(records) for records in pages]
    json.dump(tasks, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(tasks)


# ---------------------------------------------------------------------- reading an export


def is_export(value: object) -> bool:
    """Whether parsed JSON looks like a Label Studio export of blocktag's page tasks: a list
    of tasks, some with ``data.blocks`` (one task without is an error of its own, naming it)."""
    return _is_task_list(value) and (
        not value or any(isinstance(t.get("data"), dict) and "blocks" in t["data"] for t in value))


def _is_task_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(t, dict) for t in value)


# A task's data fields that are not passed on to its blocks' records as they are: the
# block's own, and those a JSONL record's reader would read as a model's unreviewed guess
# (an annotation submitted in Label Studio is a label, whatever its task's data holds).
_RECORD_FIELDS = frozenset({"page", "index", "text", "label", "url", "weight", "blocks", "confidence", "reviewed"})


def _is_min_export(value: object) -> bool:
    # JSON-MIN writes each task's data fields at its top level, beside the chosen labels.
    return _is_task_list(value) and any("blocks" in t and "data" not in t for t in value)


def export_records(path: str | Path, encoding: str = DEFAULT_ENCODING,
                   annotated_only: bool = True) -> Iterator[tuple[str, dict]]:
    """The blocks of a Label Studio JSON export as guide records (``page``, ``index``,
    ``text``, ``label``), each with where it came from (``task N`` for the file's N-th task,
    and its Label Studio id, which a user finds in the project) for error messages.
    Unannotated tasks are skipped, with a warning saying how many; an export with none
    annotated is refused. With ``annotated_only=False``, every task's blocks are read, those
    of a task without an annotation with no label (the pages a project holds, for
    ``suggest --exclude``)."""
    path = Path(path)
    try:
        tasks = json.loads(read_text(path, encoding))  # (export.json.gz too)
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (RecursionError, ValueError):  # nested past what json can read
        raise DataFormatError(f"{path}: JSON nested too deeply to read; export the project as JSON") from None
    if not is_export(tasks) and _is_min_export(tasks):
        raise DataFormatError(f"{path}: is Label Studio's JSON-MIN export, a task a record with its data "
                              "flattened; export the project as JSON (blocktag reads that)")
    if not is_export(tasks):
        raise DataFormatError(
            f"{path}: not a Label Studio export of blocktag tasks (a JSON list of tasks with "
            "data.page and data.blocks); export the project as JSON, or give .jsonl or .csv data"
        )
    for number, task in enumerate(tasks, 1):  # the shape the readers below rely on, checked first
        annotations = task.get("annotations") if isinstance(task, dict) else None
        if annotations is not None and not isinstance(annotations, list):
            raise DataFormatError(f"{path}:{_task_name(number, task)}: annotations must be a list of annotations, got "
                                  f"{short_repr(annotations)}; export the project as JSON again")
    annotated = 0
    disagreeing = sum(_disagree(task) for task in tasks if not any(a.get("ground_truth") is True for a in _submitted(task)))
    if disagreeing and annotated_only:  # (which annotation is used matters only to labels read)
        warn(f"{path}: {disagreeing} task{'s' if disagreeing != 1 else ''} annotated differently by several "
             "annotators; the latest annotation of each is used (mark one as ground truth in Label Studio "
             "to choose)")
    for number, task in enumerate(tasks, 1):
        where = _task_name(number, task)
        annotation = _latest_annotation(task)
        if annotation is None and annotated_only:
            continue
        annotated += annotation is not None
        data = task.get("data")
        if not isinstance(data, dict) or "blocks" not in data:
            raise DataFormatError(f"{path}:{where}: has no data.blocks (the page's blocks); a task not made by "
                                  "'blocktag suggest --format labelstudio'? Remove it and export again")
        blocks = data.get("blocks")
        if not isinstance(blocks, list):
            raise DataFormatError(f"{path}:{where}: data.blocks must be a list of {{index, text}}")
        if data.get("page") in (None, ""):
            raise DataFormatError(f"{path}:{where}: has no data.page (the page's name); export the project again")
        chosen = _choices(annotation.get("result"), f"{path}:{where}") if annotation is not None else None
        for pos, block in enumerate(blocks):
            if not isinstance(block, dict):
                raise DataFormatError(f"{path}:{where}: block {pos} of data.blocks is not an object with index and text")
            label = chosen.pop(pos, None) if chosen is not None else None
            if label is None and chosen is not None:
                raise DataFormatError(
                    f"{path}:{where}: block {pos} of page {data.get('page')!r} has no label in the annotation; "
                    "label every block in Label Studio and export again"
                )
            # The task's other data fields (a site, a source) go with each block, as a JSONL record's do.
            yield where, {**{k: v for k, v in data.items() if k not in _RECORD_FIELDS},
                          "page": data.get("page"), "index": block.get("index"), "text": block.get("text"),
                          "label": label, **({"url": data["url"]} if data.get("url") else {})}
        if chosen:  # a choice for a block the task does not have: a task edited by hand, or another project's
            raise DataFormatError(f"{path}:{where}: the annotation labels block {min(chosen)}, and data.blocks has "
                                  f"{len(blocks)}; export the project again")
    if not annotated_only:
        return
    skipped = len(tasks) - annotated
    if annotated and skipped:  # pages left out of training or scoring: said, not silently
        verb = "has" if skipped == 1 else "have"
        # (warned from here, not the caller: a file read again, as cv --group does, is said once)
        warn(f"{path}: {skipped} of {len(tasks)} tasks {verb} no submitted annotation; skipped")
    if not annotated:
        # A model's predictions are not labels; say so rather than "no labelled blocks" later.
        if not tasks:
            raise DataFormatError(f"{path}: the export holds no tasks; export the Label Studio project again")
        tasks_word = "task" if len(tasks) == 1 else "tasks"
        raise DataFormatError(f"{path}: none of its {len(tasks)} {tasks_word} has a submitted annotation "
                              "(predictions are not labels); label the tasks in Label Studio, submit them and "
                              "export again")


def _task_name(number: int, task: object) -> str:
    return f"task {number}" + (f" (id {task['id']})" if isinstance(task, dict) and task.get("id") is not None else "")


def annotated_tasks(path: str | Path) -> int:
    """How many tasks of a Label Studio export at ``path`` hold a submitted annotation; 0
    for a file that is missing or no such export."""
    try:
        with open(path, "rb") as handle:  # only a file that opens with a list can be an export: no other is read whole
            head = handle.read(4096)
        marked = text_encoding(head, "")  # (an export saved as UTF-16 too)
        if not head.decode(marked or "utf-8", "replace").lstrip("\ufeff \t\r\n").startswith("["):
            return 0
        tasks = json.loads(read_text(path))
    except (OSError, BlocktagError, ValueError, RecursionError):
        return 0
    return sum(_latest_annotation(task) is not None for task in tasks) if is_export(tasks) else 0


def _submitted(task: dict) -> list[dict]:
    annotations = task.get("annotations")
    if not isinstance(annotations, list):  # (none; or not a list, which export_records refuses)
        return []
    return [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]


def _disagree(task: dict) -> bool:
    """Whether a task's annotators chose differently (read leniently: a broken result is
    said when the chosen annotation is read)."""
    seen = []
    for annotation in _submitted(task):
        try:
            seen.append(_choices(annotation.get("result"), ""))
        except DataFormatError:
            continue
    return any(choices != seen[0] for choices in seen[1:])


def _latest_annotation(task: dict) -> dict | None:
    annotations = _submitted(task)
    if not annotations:
        return None
    truth = [a for a in annotations if a.get("ground_truth") is True]
    annotations = truth or annotations  # what a reviewer marked as ground truth in Label Studio, else
    # Label Studio keeps every annotator's work; the latest edit is the one to trust.
    # On a tie, the later in the export (ids may be numbers or strings, which do not compare).
    return max(enumerate(annotations), key=lambda n_a: (str(n_a[1].get("updated_at") or n_a[1].get("created_at") or ""),
                                                      n_a[0]))[1]


def _choices(result: object, where: str) -> dict[int, str]:
    """Block position → chosen label, from an annotation's ``result`` list."""
    if not isinstance(result, list):
        raise DataFormatError(f"{where}: annotation has no result list")
    chosen: dict[int, str] = {}
    for item in result:
        if not isinstance(item, dict) or item.get("type") != "choices":
            continue  # other controls (comments, ratings) carry no block label
        name = str(item.get("from_name", ""))
        prefix = CONTROL.format("")
        position = name[len(prefix):]
        if not name.startswith(prefix) or not (position.isascii() and position.isdigit()):  # ("²" is a digit too)
            continue
        value = item.get("value")
        values = value.get("choices") if isinstance(value, dict) else None
        if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
            raise DataFormatError(f"{where}: {name} must have exactly one choice, got {short_repr(value)}")
        chosen[int(position)] = values[0]
    return chosen
