# The documentation.
het_test(docs.links COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/check-links.py
  CONTRACT "every relative link of README.md and docs/*.md leads to a file, every #fragment a heading")
