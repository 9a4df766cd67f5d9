import sys

from sheetprop.cli import main

sys.exit(main())
