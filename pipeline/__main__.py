"""`python -m pipeline run ...` is the same as the `newsbeam` console script."""
import sys

from pipeline.cli import main

sys.exit(main())
