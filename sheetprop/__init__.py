"""sheetprop: the backpropagation worked example as a living spreadsheet."""

__version__ = "0.1.0"
