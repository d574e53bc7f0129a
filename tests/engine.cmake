# The engine with a slow or failing device beside OpenMP: the same bits,
# an end that does not wait for the slow device, a failing worker retired.
het_e2e(slow_device slow_device.sh)
