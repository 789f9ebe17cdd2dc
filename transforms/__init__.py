"""Pipeline stages: plain text-processing functions and the Beam transforms that wrap them."""
