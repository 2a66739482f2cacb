"""The campaign as a year: projects followed across months and tables.

- ``identity``: which rows are one project (hidden key, normalised name, name-pair file);
- ``checks``: month M against month M−1 (completed-decreased, project-dropped, …);
- ``register``: the project register (项目台账) and the conversion funnel;
- ``prefill``: next month's templates filled from the ledger.

Everything here reads the ledger and returns records (``model``); nothing is stored but
the keys written into prefilled templates, so the result never depends on the order in
which files were collected.
"""
