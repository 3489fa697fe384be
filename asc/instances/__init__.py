"""Problem instances (space P): the DIMACS CNF reader and instance content hashes."""

from asc.instances.cnf import CNF, CNFFormatError, CNFHeaderWarning, parse_cnf, read_cnf
from asc.instances.hashing import instance_hash

__all__ = ["CNF", "CNFFormatError", "CNFHeaderWarning", "instance_hash", "parse_cnf", "read_cnf"]
