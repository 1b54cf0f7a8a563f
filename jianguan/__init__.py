"""jianguan (监管): the shared core — registry store, configuration and the `jianguan` command.

Everything here is used by `rules`, `scheduler`, `simulations` and `web`; nothing here imports
them (the command line reaches them lazily, as the composition root).
"""

__version__ = "0.1.0"
