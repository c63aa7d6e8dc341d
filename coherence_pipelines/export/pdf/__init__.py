"""PDF exports: a table rendered as a paged A4 document with WeasyPrint, in bounded memory.

`write_pdf` is the one entry point; see its docstring for what a page shows and how long values print.
"""

from coherence_pipelines.export.pdf.render import write_pdf

__all__ = ["write_pdf"]
