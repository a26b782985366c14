"""Source file → clean Unicode text. (Stub: being written.)

Contract:
    load_file(path: Path, *, display_name: str | None = None) -> SourceText
    SourceText(text: str, fmt: str, slides: list[Slide] | None)
    Slide(number: int, title: str, body: str, start: int, end: int)  # offsets into text
Raises knowledge.errors.LoadError with a Vietnamese reason.
"""
