"""sheetprop: the backpropagation worked example as a living spreadsheet.

The public API, imported lazily so that the command line starts fast:

- ``default_config()``, ``load_config(path)``, ``parse_config(dict)`` → ``Config``
- ``run(config, learning_rates=None, iterations=None)`` → ``Trace`` (``.value``, ``.row``, ``.frame()``, ``.summary``)
- ``build(config, out_dir)`` → ``BuildResult`` (the workbook and the PNG chart)
- ``show_iteration(trace, iteration=1, lr=None, digits=10)`` → text
- ``verify_sheet(path, annotate=None)`` → ``Report`` of a hand-made sheet (``.findings``: ``Finding`` objects)
- ``ConfigError``: what a bad config raises; ``VerifyError``: a file verify cannot read, write or judge
  (``sheetprop.files.errors.FileError``; each message one line that says what to do)
"""

__version__ = "0.1.0"

__all__ = [
    "BuildResult", "Config", "ConfigError", "Finding", "Report", "Trace", "VerifyError", "build",
    "default_config", "load_config", "parse_config", "run", "show_iteration", "verify_sheet",
]

_WHERE = {
    "BuildResult": ("sheetprop.outputs", "BuildResult"),
    "Config": ("sheetprop.config", "Config"),
    "ConfigError": ("sheetprop.config", "ConfigError"),
    "Trace": ("sheetprop.trace", "Trace"),
    "build": ("sheetprop.outputs", "build"),
    "default_config": ("sheetprop.config", "default"),
    "load_config": ("sheetprop.config", "load"),
    "parse_config": ("sheetprop.config", "parse"),
    "run": ("sheetprop.trace", "run"),
    "show_iteration": ("sheetprop.show", "show_iteration"),
    "verify_sheet": ("sheetprop.verify", "verify"),
    "Report": ("sheetprop.verify.findings", "Report"),
    "Finding": ("sheetprop.verify.findings", "Finding"),
    "VerifyError": ("sheetprop.files.errors", "FileError"),
}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'sheetprop' has no attribute {name!r}")
    import importlib

    module, attribute = _WHERE[name]
    return getattr(importlib.import_module(module), attribute)


def __dir__():
    return sorted([*globals(), *__all__])
