"""What is classified (model layer, issue 11).

* :mod:`mus_verify.model.classifiers` — the one family of concrete base classifiers: exact integer
  outputs over one denominator, rebuilt from a JSON spec, callable on numpy rows and torch tensors.

The smoothing variants (the other half of this layer) live in :mod:`mus_verify.variants`.
"""
