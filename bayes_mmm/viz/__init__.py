"""Layer 5 - pictures: matplotlib figures drawn from the tables that results (and plan results,
duck-typed) already compute. Imports layers 0-4; never imports planning."""
