"""The bounds every reader keeps to, so that no upload can make one parse take unbounded memory or time.

The upload itself is capped at `Settings.max_upload_bytes` (100 MB) before it is parsed. What a small
file can still unpack to is capped here: XLSX before any reader opens it (xlsx_guard), CSV and XLS
while they are read. SECURITY.md lists them with the tests that hold them.
"""

from __future__ import annotations

# Wider than any CRM export we have seen (a few hundred columns); past it a file is a mistake or an attack.
MAX_COLUMNS = 2_000

# The used area of a sheet (rows x columns) read at most: calamine lays a sheet out densely, about 100
# bytes a cell from the XML to the text frame, so this keeps one workbook parse near 1 GB at worst.
MAX_SHEET_CELLS = 10_000_000

# An XLSX is a zip of XML parts; what they inflate to, in total, counted while inflating.
MAX_UNPACKED_BYTES = 1 << 30

# Real sheet XML deflates 5:1 to 50:1; a zip bomb reaches 1,000:1. Checked for parts above a megabyte,
# where a ratio means something.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1 << 20

# An XLSX has a few dozen parts; a central directory of millions costs memory before anything is read.
MAX_ZIP_MEMBERS = 10_000

# Parses running at once in one process; more wait their turn. Parsing is CPU-bound, so more at once
# only multiplies the memory in use.
MAX_PARALLEL_PARSES = 2
