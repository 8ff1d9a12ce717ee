"""The torch side of top-k stability: softplus MLPs, the R2ET regulariser, a top-k PGD attack and a
rigorous (interval-arithmetic) certified top-k radius. Imports torch; the exact core does not."""
