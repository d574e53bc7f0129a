# The engine with a slow or failing device beside OpenMP: the same bits,
# an end that does not wait for the slow device, a failing worker retired.
het_e2e(slow_device slow_device.sh)
# The library installed into a temporary prefix, and a program of its own
# (examples/option-pricing) built against it and run.
het_e2e(install_example install_example.sh)
# Every JSON document against its schema (docs/schema/).
het_e2e(json_schemas json_schemas.sh)
