# The documentation: every relative link of README.md and docs/*.md leads to
# a file or folder of the tree, and every #fragment to a heading there.
add_test(NAME docs.links COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/check-links.py)
