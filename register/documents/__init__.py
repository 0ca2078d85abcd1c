"""Documents attached to a convention or to a sub-processor engagement: the signed
convention, its annexes, proofs of destruction, audit reports (art. 28(3)(g), (h))."""
