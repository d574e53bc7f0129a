# Wraps a preprocessed (include-flattened) OpenCL C file into a C source
# that defines `const char SYMBOL[]`:
#   cmake -DIN=file.i -DOUT=file.c -DSYMBOL=name -P embed.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "const char ${SYMBOL}[] = {\n${body}0x00};\n")
