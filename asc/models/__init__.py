"""Package data: the default selection model (``default.skops``) used by ``asc select`` and ``asc solve``.

The file is built by the experiment spec that trains it on the bundled training
scenario (see ``experiments/``) and is loaded with
:func:`asc.selectors.model.load_default_model`; it is declared as package data in
``pyproject.toml`` so that non-editable installs carry it.
"""
