"""fusionkit: a reproducible study of five deep-learning image-fusion papers.

Layers (see docs/architecture.md): ``data`` -> methods/nets -> losses -> train -> metrics -> ``report``
-> notebooks and the ``fusionkit`` CLI.
"""
__version__ = "0.1.0"
