"""Outcome codes of the DIMACS reader's scans, shared by the Numba kernels and the NumPy engine.

Kept apart from :mod:`asc.instances._dimacs_kernels` so that the NumPy engine can word
an error exactly as the kernels do without importing Numba.
"""

OK = 0
ERR_NO_HEADER = 1  # end of input before any 'p' line
ERR_BEFORE_HEADER = 2  # a line that is neither a comment nor the header before the header
ERR_BAD_TOKEN = 3  # a token in the body that is not a signed integer
ERR_EMPTY_LITERAL = 4  # a '-' with no digits after it
ERR_LITERAL_RANGE = 5  # |literal| > 2**31 - 1
ERR_SECOND_HEADER = 6  # a 'p' token in the body
ERR_NEGATIVE_ZERO = 7  # '-0'
NEED_ROOM = 8  # the output arrays are full: grow them and resume

INT32_MAX = 2147483647
