# End-to-end tests of the pi workload (scripts in tests/e2e/).
het_e2e(pi_same_bits pi_same_bits.sh
  CONTRACT "pi: the same hits and digest on every device set and thread count; JSON, CSV, text shapes")
