"""Problem instances (space P): the DIMACS CNF reader, instance content hashes, and which files are instances."""

from asc.instances.cnf import CNF, CNFFormatError, CNFHeaderWarning, parse_cnf, read_cnf, read_header
from asc.instances.hashing import instance_hash

__all__ = ["CNF", "CNFFormatError", "CNFHeaderWarning", "instance_hash", "parse_cnf", "read_cnf", "read_header"]
