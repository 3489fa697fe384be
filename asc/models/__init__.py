"""Model files and their deployment: fitted selectors saved, loaded and applied to one instance.

- :mod:`asc.models.files`: the safe model file (header, skops archive, compiled arrays),
  training a model on a scenario, the default model's location;
- :mod:`asc.models.compiled`: the scikit-learn-free form ``asc select`` predicts with;
- :mod:`asc.models.deploy`: applying a model to one CNF instance (features, the
  decision, the policy of :mod:`asc.policy`, explanation), shared by ``asc select``
  and ``asc solve``.

Package data: the default selection model (``default.skops``), built by the experiment
spec that trains it on the bundled training scenario (``experiments/default-model``)
and loaded with :func:`asc.models.files.require_default_model`; it is declared as package
data in ``pyproject.toml`` so that non-editable installs carry it.
"""
