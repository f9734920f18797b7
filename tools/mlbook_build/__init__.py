"""The book's build layer, beside the package readers install (``mlbook``): what decides when a chapter
executes again (``deps``, a Sphinx extension), the parallel executor ``make book`` runs first (``execute``),
and the lint of the chapters' code cells (``lint``)."""
