"""The files of registered documents: stored as received, or drawn up by the renderer the
``reports`` app registers for the document's source (``scheme.registry``)."""

from django.core.files.base import ContentFile

from scheme import registry


def document_file(entry):
    """The entry's stored file, drawn up and stored first if it has none yet."""
    if not entry.file:
        render = registry.document_renderer(entry.source_kind)
        if render is None:
            raise LookupError(f"no renderer for {entry.source_kind}")
        content = render(entry)
        entry.file.save(entry.file_name or f"{entry.number_label}.pdf", ContentFile(content))
    return entry.file
