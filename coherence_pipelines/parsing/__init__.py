"""The file parsing stage: an uploaded CSV/TSV, XLSX or XLS file -> ParsedFile.

    parse_file(path)       type judged from the bytes; encoding, delimiter, sheet detected
    ParsedFile             cleaned unique headers + a polars frame of the cells as text
    safe_file_name(name)   base name of an uploaded file, safe to store and show
    limits, xlsx_guard     the bounds every parse keeps to (columns, cells, zip and entity bombs)
"""

from coherence_pipelines.parsing.file_names import safe_file_name
from coherence_pipelines.parsing.parse import parse_file
from coherence_pipelines.parsing.parsed_file import ParsedFile

__all__ = ["ParsedFile", "parse_file", "safe_file_name"]
