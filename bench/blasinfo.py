"""Which OpenBLAS NumPy really runs on, shared by the NumPy reference benchmarks in bench/.

Imported as `from blasinfo import blas_info` (Python puts the script's own folder, bench/, on sys.path).
"""

import ctypes
import sys

import numpy as np


def blas_info():
    """Which OpenBLAS NumPy really runs on (read from /proc/self/maps), and its thread count."""
    info = {"numpy": np.__version__, "python": sys.version.split()[0], "openblas": None, "threads": None}
    np.dot(np.ones((64, 64)), np.ones((64, 64)))
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and "/" in line})
        info["mapped_blas_libraries"] = libs
        for path in libs:
            if "openblas" in path:
                lib = ctypes.CDLL(path)
                try:
                    lib.openblas_get_config.restype = ctypes.c_char_p
                    info["openblas"] = lib.openblas_get_config().decode()
                    info["threads"] = lib.openblas_get_num_threads()
                except AttributeError:
                    pass
                break
    except OSError:
        pass
    return info
