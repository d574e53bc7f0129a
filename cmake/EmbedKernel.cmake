# Wraps a preprocessed (include-flattened) OpenCL C file into a C source
# file that defines `const char <SYMBOL>[]`, so the binary carries its
# kernels and runs from any directory with no include path at run time.
#   cmake -DIN=file.i -DOUT=file.c -DSYMBOL=het_kernel_pi -P EmbedKernel.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${NAME} by EmbedKernel.cmake; do not edit. */\n"
  "const char ${SYMBOL}[] = {\n${body}0x00};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
