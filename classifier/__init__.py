"""blocktag: tag the blocks of scraped article pages.

Labels (the labelling guide's six): body, caption, byline, contributor_note, promotion, other.

    >>> import classifier as blocktag
    >>> tagged = blocktag.tag_text(page_text)            # the shipped model
    >>> article = [t.block.text for t in tagged if t.label == "body"]
    >>> model = blocktag.train(blocktag.read_labelled(["my.jsonl"]))
    >>> blocktag.evaluate(model, blocktag.read_labelled(["held_out.jsonl"]))["macro_f1"]
"""

__version__ = "0.1.0"

from .blocks import Block, join_blocks, page_blocks, read_labelled, segment  # noqa: E402
from .errors import (  # noqa: E402
    BlocktagError,
    DataFormatError,
    InputError,
    ModelError,
    OutputError,
    TrainingError,
)
from .evaluation import cross_validate, evaluate  # noqa: E402
from .model import BlockClassifier, ModelBundle, load_model, shipped_model_path, train  # noqa: E402
from .tagging import Tagger, TaggedBlock, iter_pages  # noqa: E402


def tag_text(text: str, model: "ModelBundle | str | None" = None, page: str = "page") -> list[TaggedBlock]:
    """Tag one page's text with ``model`` (a bundle or a path; default: the shipped model)."""
    return Tagger(model).tag_text(text, page)


def tag_blocks(blocks: "list[Block]", model: "ModelBundle | str | None" = None) -> list[TaggedBlock]:
    """Tag blocks as given (whole pages, in page order)."""
    return Tagger(model).tag_blocks(blocks)


__all__ = [
    "Block", "BlockClassifier", "BlocktagError", "DataFormatError", "InputError", "ModelBundle",
    "ModelError", "OutputError", "TaggedBlock", "Tagger", "TrainingError", "cross_validate",
    "evaluate", "iter_pages", "join_blocks", "load_model", "page_blocks", "read_labelled",
    "segment", "shipped_model_path", "tag_blocks", "tag_text", "train",
]
