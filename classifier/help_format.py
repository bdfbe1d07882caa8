"""Help text a person reads: ``PATH...`` and ``FILE`` rather than typer's Python types.

typer 0.29 prints each argument's Python type (``inputs... <list[str]>``), wraps required
arguments in braces in the usage line (``{inputs}...``) and shows options' types as
``<path>``/``<int>``. These hooks print the argument's metavar (``PATH...``), and an
option's metavar or a plain word for its type (``FILE``, ``N``, ``TEXT``). They touch only
how help is rendered; if a later typer renames these methods, help falls back to its own.

Help is also wrapped at spaces only: click's wrapper would fold ``--with-corpus`` into
``--with-`` and ``corpus`` on two lines, a name nobody can copy.
"""

from __future__ import annotations

from typer import core

READABLE_TYPES = {"path": "FILE", "int": "N", "float": "NUMBER", "str": "TEXT", "bool": ""}


def _argument_usage(self) -> str:
    name = (self.metavar or self.name).upper()
    return name if self.nargs == 1 or name.endswith("...") else f"{name}..."


def _option_type(original):
    def display_type(self, ctx):
        label = original(self, ctx)
        if not label:
            return label
        inner = label.strip("<>").removeprefix("list[").removesuffix("]").removesuffix(" range")
        if "|" in inner:  # choices stay as they are: <text|jsonl|csv>
            return f"<{inner}>"
        return READABLE_TYPES.get(inner, inner.upper())
    return display_type


# Stands in for a hyphen while help is wrapped: a non-breaking hyphen, where no line breaks.
_UNBREAKABLE_HYPHEN = "\u2011"


def _wrap_at_spaces(original):
    def wrap_text(text: str, *args, **kwargs) -> str:
        if _UNBREAKABLE_HYPHEN in text:  # cannot be told from our stand-in: wrap as click does
            return original(text, *args, **kwargs)
        wrapped = original(text.replace("-", _UNBREAKABLE_HYPHEN), *args, **kwargs)
        return wrapped.replace(_UNBREAKABLE_HYPHEN, "-")
    return wrap_text


def _help_formatting():
    """The click module that wraps typer's help: typer 0.29's own copy of click, or, for an
    earlier typer, click itself (not a dependency of a typer that carries its own copy)."""
    vendored = getattr(core, "_click", None)
    if vendored is not None:
        return getattr(vendored, "formatting", None)
    try:
        import click.formatting
    except ImportError:
        return None
    return click.formatting


def install() -> None:
    formatting = _help_formatting()
    if callable(getattr(formatting, "wrap_text", None)):
        formatting.wrap_text = _wrap_at_spaces(formatting.wrap_text)
    argument, option = getattr(core, "TyperArgument", None), getattr(core, "TyperOption", None)
    if argument is None or option is None or not hasattr(option, "display_type"):
        return
    argument.display_type_rich = lambda self, ctx: None
    argument._rich_display_name = _argument_usage
    argument._usage_display_name = _argument_usage
    option.display_type = _option_type(option.display_type)
